#include "data/agreements.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "data/dataset.h"

namespace exportctl {

const char* AgreementStatusName(AgreementStatus s) {
  switch (s) {
    case AgreementStatus::kCodified: return "codified";
    case AgreementStatus::kAnnounced: return "announced";
    case AgreementStatus::kHypothetical: return "hypothetical";
  }
  return "hypothetical";
}

const char* AgreementChangeKindName(AgreementChangeKind k) {
  switch (k) {
    case AgreementChangeKind::kAllocationUplift: return "allocation_uplift";
    case AgreementChangeKind::kQuota: return "quota";
    case AgreementChangeKind::kReviewPolicy: return "review_policy";
    case AgreementChangeKind::kVeu: return "veu";
  }
  return "";
}

std::string Agreement::Dates() const {
  return expiry ? effective.ToString() + " … " + expiry->ToString() : "from " + effective.ToString();
}

std::string AgreementQuotaName(const Agreement& a, const AgreementChange& change) {
  return a.id + "/" + std::to_string(change.index);
}

std::string AgreementPartyKey(std::string_view name) {
  std::string out;
  for (unsigned char c : name)
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  return out;
}

namespace {

using nlohmann::json;

Status Bad(const std::string& field, const std::string& message) { return Status::Invalid(field, message); }

Result<std::string> Text(const json& j, const std::string& where, const char* key, bool required = true) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Bad(where + "." + key, "required");
    return std::string();
  }
  if (!j[key].is_string() || (required && j[key].get<std::string>().empty()))
    return Bad(where + "." + key, "must be a non-empty string");
  return j[key].get<std::string>();
}

Result<std::vector<std::string>> TextList(const json& j, const std::string& where, const char* key, bool required) {
  std::vector<std::string> out;
  if (!j.contains(key)) {
    if (required) return Bad(where + "." + key, "required: a list of strings");
    return out;
  }
  if (!j[key].is_array() || (required && j[key].empty()))
    return Bad(where + "." + key, required ? "must be a non-empty list of strings" : "must be a list of strings");
  for (size_t i = 0; i < j[key].size(); ++i) {
    const json& v = j[key][i];
    if (!v.is_string() || v.get<std::string>().empty())
      return Bad(where + "." + key + "[" + std::to_string(i) + "]", "must be a non-empty string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<Date> DateOf(const json& j, const std::string& field) {
  if (!j.is_string()) return Bad(field, "must be a date (YYYY-MM-DD)");
  auto d = Date::Parse(j.get<std::string>());
  if (!d.ok()) return Bad(field, d.status().message());
  return *d;
}

Status KnownKeys(const json& j, const std::string& where, std::initializer_list<const char*> keys) {
  for (const auto& item : j.items()) {
    const std::string& key = item.key();  // a plain name: clang 14 cannot capture a structured binding
    if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; })) {
      std::string known;
      for (const char* k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
      return Bad(where + "." + key, "not a field here (known: " + known + ")");
    }
  }
  return Status::Ok();
}

Result<AgreementChange> ParseChange(const json& c, const std::string& where, const Dataset& data, double max_uplift) {
  if (!c.is_object()) return Bad(where, "must be an object");
  AgreementChange ch;
  ch.field = where;
  auto kind = Text(c, where, "kind");
  if (!kind.ok()) return kind.status();
  auto citation = Text(c, where, "citation");
  if (!citation.ok()) return citation.status();
  ch.citation = *citation;
  auto source = Text(c, where, "source", false);
  if (!source.ok()) return source.status();
  ch.source = *source;
  auto rules = [&]() -> Status {
    auto r = TextList(c, where, "rules", true);
    if (!r.ok()) return r.status();
    for (size_t i = 0; i < r->size(); ++i)
      if (!data.FindRule((*r)[i]))
        return Bad(where + ".rules[" + std::to_string(i) + "]", "\"" + (*r)[i] + "\" is not a rule of the regime data");
    ch.rules = std::move(r).value();
    return Status::Ok();
  };
  auto parties = [&](bool required) -> Status {
    auto p = TextList(c, where, "parties", required);
    if (!p.ok()) return p.status();
    for (size_t i = 0; i < p->size(); ++i)
      if (AgreementPartyKey((*p)[i]).empty())
        return Bad(where + ".parties[" + std::to_string(i) + "]", "has no letter or digit to match a party by");
    ch.parties = std::move(p).value();
    return Status::Ok();
  };
  if (*kind == "allocation_uplift") {
    ch.kind = AgreementChangeKind::kAllocationUplift;
    EXPORTCTL_RETURN_IF_ERROR(KnownKeys(c, where, {"kind", "citation", "source", "fraction"}));
    if (!c.contains("fraction") || !c["fraction"].is_number()) return Bad(where + ".fraction", "required: a number above 0");
    ch.fraction = c["fraction"].get<double>();
    if (!(ch.fraction > 0) || ch.fraction > max_uplift)
      return Bad(where + ".fraction", "must be above 0 and at most " + std::to_string(max_uplift) +
                                          " (15 CFR 742.6(b)(10)(iii)(C): up to 100 % more)");
  } else if (*kind == "quota") {
    ch.kind = AgreementChangeKind::kQuota;
    EXPORTCTL_RETURN_IF_ERROR(KnownKeys(c, where, {"kind", "citation", "source", "parties", "units", "tpp", "rules"}));
    EXPORTCTL_RETURN_IF_ERROR(parties(true));
    EXPORTCTL_RETURN_IF_ERROR(rules());
    const bool has_units = c.contains("units"), has_tpp = c.contains("tpp");
    if (has_units == has_tpp) return Bad(where + ".units", "give the quota in \"units\" or in \"tpp\", one of them");
    if (has_units) {
      if (!c["units"].is_number_integer() || c["units"].get<int64_t>() <= 0)
        return Bad(where + ".units", "must be a whole number above 0");
      ch.units = c["units"].get<int64_t>();
    } else {
      if (!c["tpp"].is_number() || !(c["tpp"].get<double>() > 0)) return Bad(where + ".tpp", "must be a number above 0");
      ch.tpp = c["tpp"].get<double>();
    }
  } else if (*kind == "review_policy") {
    ch.kind = AgreementChangeKind::kReviewPolicy;
    EXPORTCTL_RETURN_IF_ERROR(KnownKeys(c, where, {"kind", "citation", "source", "parties", "policy", "rules"}));
    EXPORTCTL_RETURN_IF_ERROR(parties(false));
    EXPORTCTL_RETURN_IF_ERROR(rules());
    auto policy = Text(c, where, "policy");
    if (!policy.ok()) return policy.status();
    if (*policy == "presumption_of_approval") ch.policy = AgreementPolicy::kPresumptionOfApproval;
    else if (*policy == "case_by_case") ch.policy = AgreementPolicy::kCaseByCase;
    else if (*policy == "presumption_of_denial") ch.policy = AgreementPolicy::kPresumptionOfDenial;
    else return Bad(where + ".policy", "\"" + *policy + "\": use presumption_of_approval, case_by_case or presumption_of_denial");
  } else if (*kind == "veu") {
    ch.kind = AgreementChangeKind::kVeu;
    EXPORTCTL_RETURN_IF_ERROR(KnownKeys(c, where, {"kind", "citation", "source", "parties", "rules"}));
    EXPORTCTL_RETURN_IF_ERROR(parties(true));
    EXPORTCTL_RETURN_IF_ERROR(rules());
  } else {
    return Bad(where + ".kind", "\"" + *kind + "\": use allocation_uplift, quota, review_policy or veu");
  }
  return ch;
}

}  // namespace

Result<Agreement> LoadAgreementFile(const std::string& path, const Dataset& data) {
  const std::string name = std::filesystem::path(path).filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Bad(name, "cannot open " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto a = ParseAgreement(text, name, data);
  if (a.ok()) a->file = path;
  return a;
}

Result<Agreement> ParseAgreement(std::string_view text, const std::string& name, const Dataset& data) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad(name, "is not valid JSON");
  if (!j.is_object()) return Bad(name, "must be a JSON object (one overlay)");
  EXPORTCTL_RETURN_IF_ERROR(KnownKeys(j, name, {"id", "title", "country", "effective", "expiry", "status", "sources",
                                                "notes", "changes"}));
  Agreement a;
  a.file = name;
  a.json = j.dump();
  auto id = Text(j, name, "id");
  if (!id.ok()) return id.status();
  if (id->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") != std::string::npos)
    return Bad(name + ".id", "\"" + *id + "\": use lower-case letters, digits, '-', '_', '.'");
  a.id = *id;
  auto title = Text(j, name, "title");
  if (!title.ok()) return title.status();
  a.title = *title;
  auto country = Text(j, name, "country");
  if (!country.ok()) return country.status();
  auto code = data.ResolveCountry(*country);
  if (!code.ok()) return Bad(name + ".country", code.status().message());
  a.country = std::string(data.EffectiveCode(*code));
  if (!j.contains("effective")) return Bad(name + ".effective", "required: the first day it applies (YYYY-MM-DD)");
  auto effective = DateOf(j["effective"], name + ".effective");
  if (!effective.ok()) return effective.status();
  a.effective = *effective;
  if (!j.contains("expiry")) return Bad(name + ".expiry", "required: the last day it applies, or null for no stated end");
  if (!j["expiry"].is_null()) {
    auto expiry = DateOf(j["expiry"], name + ".expiry");
    if (!expiry.ok()) return expiry.status();
    if (*expiry < a.effective) return Bad(name + ".expiry", "is before the effective date");
    a.expiry = *expiry;
  }
  auto status = Text(j, name, "status");
  if (!status.ok()) return status.status();
  if (*status == "codified") a.status = AgreementStatus::kCodified;
  else if (*status == "announced") a.status = AgreementStatus::kAnnounced;
  else if (*status == "hypothetical") a.status = AgreementStatus::kHypothetical;
  else return Bad(name + ".status", "\"" + *status + "\": use codified, announced or hypothetical");
  auto sources = TextList(j, name, "sources", a.status != AgreementStatus::kHypothetical);
  if (!sources.ok()) return sources.status();
  a.sources = std::move(sources).value();
  auto notes = Text(j, name, "notes", false);
  if (!notes.ok()) return notes.status();
  a.notes = *notes;
  if (!j.contains("changes") || !j["changes"].is_array() || j["changes"].empty())
    return Bad(name + ".changes", "required: a non-empty list of changes");
  double max_uplift = 1.0;
  if (const Parameter* p = data.Param("ai-diffusion-2025", "government_assurance_uplift_fraction");
      p && p->value.contains("value") && p->value["value"].is_number())
    max_uplift = p->value["value"].get<double>();
  for (size_t i = 0; i < j["changes"].size(); ++i) {
    auto ch = ParseChange(j["changes"][i], name + ".changes[" + std::to_string(i) + "]", data, max_uplift);
    if (!ch.ok()) return ch.status();
    ch->index = i;
    a.changes.push_back(std::move(ch).value());
  }
  return a;
}

Result<std::vector<Agreement>> LoadAgreementDir(const std::string& dir, const Dataset& data) {
  std::vector<Agreement> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  if (ec) return Status::Error(ErrorCode::kDataError, dir, ec.message());
  std::sort(files.begin(), files.end());
  std::set<std::string> ids;
  for (const auto& f : files) {
    auto a = LoadAgreementFile(f, data);
    if (!a.ok()) return Status::Error(ErrorCode::kDataError, "agreements/" + a.status().field(), a.status().message());
    if (!ids.insert(a->id).second)
      return Status::Error(ErrorCode::kDataError, "agreements/" + std::filesystem::path(f).filename().string() + ".id",
                           "\"" + a->id + "\" is the id of another overlay");
    out.push_back(std::move(a).value());
  }
  return out;
}

AgreementEffect AgreementEffectOn(std::span<const Agreement* const> overlays, std::string_view country, Date d) {
  AgreementEffect e;
  for (const Agreement* a : overlays) {
    if (a->country != country || !a->InForce(d)) continue;
    e.used.push_back(a);
    for (const auto& ch : a->changes) {
      if (ch.kind == AgreementChangeKind::kAllocationUplift) {
        if (ch.fraction > e.allocation_uplift) {
          e.allocation_uplift = ch.fraction;
          e.uplift_by = a;
          e.uplift_change = &ch;
        }
      } else {
        e.party_changes.push_back({a, &ch});
      }
    }
  }
  return e;
}

}  // namespace exportctl

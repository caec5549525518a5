// Account identities and the caps derived from the regime data files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ledger/ledger.h"

#include "core/validate.h"

namespace exportctl::ledger {
namespace {

struct KindName {
  AccountKind kind;
  const char* name;
  int parts;  // number of ':'-separated fields after the kind
};
constexpr KindName kKinds[] = {
    {AccountKind::kCountryAllocation, "country", 1},
    {AccountKind::kLppConsignee, "lpp", 1},
    {AccountKind::kAiaCertification, "aia", 1},
    {AccountKind::kNveu, "nveu", 2},
    {AccountKind::kUveuCountry, "uveu", 2},
    {AccountKind::kH200China, "h200-cn", 2},
    {AccountKind::kH200Us, "h200-us", 2},
    {AccountKind::kLicense, "license", 2},
    {AccountKind::kAgreementQuota, "quota", 2},
};

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

// Printable text (core/validate.h: no control or bidirectional formatting characters, which
// could make two accounts look alike), at most 200 characters, no ':'.
Status CheckName(const std::string& field, const std::string& value) {
  if (value.empty()) return Status::Invalid(field, "is required for this account");
  if (value.find(':') != std::string::npos) return Status::Invalid(field, "may not contain ':'");
  return CheckText(field, value, {.required = true, .max_chars = 200});
}

Status CheckCountry(const std::string& field, const std::string& code) {
  bool ok = code.size() >= 2 && code.size() <= 6;
  for (char c : code) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
  if (!ok)
    return Status::Invalid(
        field, "must be an upper-case ISO 3166 code such as \"AE\", got \"" + code + "\"");
  return Status::Ok();
}

int64_t ToMilli(double tpp) { return std::llround(tpp * 1000.0); }

Result<nlohmann::json> ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error(ErrorCode::kDataError, path, "cannot be read");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error(ErrorCode::kDataError, path, "is not valid JSON");
  return j;
}

// parameters.<name>.value as a number, with its citation.
Status Number(const nlohmann::json& regime, const std::string& file, const std::string& name,
              double& out, std::string* citation = nullptr) {
  const auto& params = regime["parameters"];
  if (!params.contains(name) || !params[name].contains("value") ||
      !params[name]["value"].is_number()) {
    return Status::Error(ErrorCode::kDataError, file + ": parameters." + name + ".value",
                         "missing or not a number");
  }
  out = params[name]["value"].get<double>();
  if (citation && params[name].contains("citation"))
    *citation = params[name]["citation"].get<std::string>();
  return Status::Ok();
}

Status DateField(const nlohmann::json& obj, const std::string& field_path, const char* key,
                 Date& out) {
  if (!obj.contains(key) || !obj[key].is_string()) {
    return Status::Error(ErrorCode::kDataError, field_path + "." + key, "missing date");
  }
  auto d = Date::Parse(obj[key].get<std::string>());
  if (!d.ok())
    return Status::Error(ErrorCode::kDataError, field_path + "." + key, d.status().message());
  out = *d;
  return Status::Ok();
}

// A license line's units: "line1", "line2", … (determine/ports.h LicenseLineMeasure).
bool IsNumbered(const std::string& m, std::string_view prefix) {
  const size_t n = prefix.size();
  if (m.size() <= n || m.compare(0, n, prefix) != 0 || m[n] == '0' || m.size() > n + 5) return false;
  return std::all_of(m.begin() + static_cast<std::ptrdiff_t>(n), m.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool IsLineMeasure(const std::string& m) { return IsNumbered(m, "line"); }
// A per-customer cap's units for one customer of the license: "customer=<identity>" (the party's
// id or folded name, LicenseCustomerMeasure), or "customer1", … as ledgers written before kept it
// by the party's place on the license (still readable, no longer drawn).
bool IsCustomerMeasure(const std::string& m) {
  constexpr std::string_view kPrefix = "customer=";
  if (m.size() > kPrefix.size() && m.compare(0, kPrefix.size(), kPrefix) == 0) {
    return CheckText("account.measure", m, {.required = true, .max_chars = 220}).ok();
  }
  return IsNumbered(m, "customer");
}

}  // namespace

const char* AccountKindName(AccountKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

const char* PostingKindName(PostingKind kind) {
  switch (kind) {
    case PostingKind::kReserve:
      return "reserve";
    case PostingKind::kCommit:
      return "commit";
    case PostingKind::kRelease:
      return "release";
    case PostingKind::kAdjust:
      return "adjust";
  }
  return "unknown";
}

AccountKey AccountKey::Country(std::string country) {
  return {AccountKind::kCountryAllocation, std::move(country), "", ""};
}
AccountKey AccountKey::Lpp(std::string consignee) {
  return {AccountKind::kLppConsignee, "", std::move(consignee), ""};
}
AccountKey AccountKey::Aia(std::string consignee) {
  return {AccountKind::kAiaCertification, "", std::move(consignee), ""};
}
AccountKey AccountKey::Nveu(std::string company, std::string country) {
  return {AccountKind::kNveu, std::move(country), std::move(company), ""};
}
AccountKey AccountKey::Uveu(std::string company, std::string country) {
  return {AccountKind::kUveuCountry, std::move(country), std::move(company), ""};
}
AccountKey AccountKey::H200China(std::string exporter, std::string product) {
  return {AccountKind::kH200China, "", std::move(exporter), std::move(product)};
}
AccountKey AccountKey::H200Us(std::string exporter, std::string product) {
  return {AccountKind::kH200Us, "", std::move(exporter), std::move(product)};
}
AccountKey AccountKey::License(std::string number, std::string measure) {
  return {AccountKind::kLicense, "", std::move(number), std::move(measure)};
}
AccountKey AccountKey::Quota(std::string quota, std::string measure) {
  return {AccountKind::kAgreementQuota, "", std::move(quota), std::move(measure)};
}

std::string AccountKey::ToString() const {
  switch (kind) {
    case AccountKind::kCountryAllocation:
      return std::string("country:") + country;
    case AccountKind::kLppConsignee:
      return "lpp:" + party;
    case AccountKind::kAiaCertification:
      return "aia:" + party;
    case AccountKind::kNveu:
      return "nveu:" + party + ":" + country;
    case AccountKind::kUveuCountry:
      return "uveu:" + party + ":" + country;
    case AccountKind::kH200China:
      return "h200-cn:" + party + ":" + product;
    case AccountKind::kH200Us:
      return "h200-us:" + party + ":" + product;
    case AccountKind::kLicense:
      return "license:" + party + ":" + product;
    case AccountKind::kAgreementQuota:
      return "quota:" + party + ":" + product;
  }
  return "unknown";
}

Result<AccountKey> AccountKey::Parse(const std::string& text) {
  auto parts = Split(text, ':');
  for (const auto& k : kKinds) {
    if (parts[0] != k.name) continue;
    if (static_cast<int>(parts.size()) != k.parts + 1) {
      return Status::Invalid("account",
                             "\"" + text + "\" has the wrong number of ':'-separated parts for a " +
                                 k.name + " account");
    }
    AccountKey key;
    key.kind = k.kind;
    switch (k.kind) {
      case AccountKind::kCountryAllocation:
        key.country = parts[1];
        break;
      case AccountKind::kLppConsignee:
      case AccountKind::kAiaCertification:
        key.party = parts[1];
        break;
      case AccountKind::kNveu:
      case AccountKind::kUveuCountry:
        key.party = parts[1];
        key.country = parts[2];
        break;
      case AccountKind::kH200China:
      case AccountKind::kH200Us:
      case AccountKind::kLicense:
      case AccountKind::kAgreementQuota:
        key.party = parts[1];
        key.product = parts[2];
        break;
    }
    EXPORTCTL_RETURN_IF_ERROR(key.Validate());
    return key;
  }
  return Status::Error(
      ErrorCode::kNotFound, "account",
      "unknown account \"" + text +
          "\"; accounts are country:CC, lpp:CONSIGNEE, aia:CONSIGNEE, nveu:COMPANY:CC, "
          "uveu:COMPANY:CC, h200-cn:EXPORTER:PRODUCT, h200-us:EXPORTER:PRODUCT, license:NUMBER:units|tpp|usd|lineN|customer=IDENTITY, "
          "quota:OVERLAY/N:units|tpp");
}

Status AccountKey::Validate() const {
  switch (kind) {
    case AccountKind::kCountryAllocation:
      return CheckCountry("account.country", country);
    case AccountKind::kLppConsignee:
    case AccountKind::kAiaCertification:
      return CheckName("account.consignee", party);
    case AccountKind::kNveu:
    case AccountKind::kUveuCountry:
      EXPORTCTL_RETURN_IF_ERROR(CheckName("account.company", party));
      return CheckCountry("account.country", country);
    case AccountKind::kH200China:
    case AccountKind::kH200Us:
      EXPORTCTL_RETURN_IF_ERROR(CheckName("account.exporter", party));
      return CheckName("account.product", product);
    case AccountKind::kLicense:
      EXPORTCTL_RETURN_IF_ERROR(CheckName("account.license", party));
      if (product != "units" && product != "tpp" && product != "usd" && !IsLineMeasure(product) && !IsCustomerMeasure(product)) {
        return Status::Invalid("account.measure",
                               "must be units, tpp, usd, lineN (a line's units) or customer=IDENTITY (a per-customer cap's units for one customer), got \"" +
                                   product + "\"");
      }
      return Status::Ok();
    case AccountKind::kAgreementQuota:
      EXPORTCTL_RETURN_IF_ERROR(CheckName("account.quota", party));
      if (product != "units" && product != "tpp") {
        return Status::Invalid("account.measure", "must be units or tpp, got \"" + product + "\"");
      }
      return Status::Ok();
  }
  return Status::Invalid("account.kind", "unknown account kind");
}

Result<AllocationRules> AllocationRules::Load(const std::string& dir, Options options) {
  AllocationRules r;
  r.options_ = std::move(options);
  r.citations_.resize(9);
  r.citations_[static_cast<int>(AccountKind::kLicense)] = "15 CFR 750.7 (the license's terms and conditions)";
  r.citations_[static_cast<int>(AccountKind::kAgreementQuota)] = "the country agreement that grants the quota (data/agreements)";
  const std::string aid_file = dir + "/regimes/ai-diffusion-2025.json";
  auto aid = ReadJson(aid_file);
  if (!aid.ok()) return aid.status();
  double v = 0;
  std::string cite;

  EXPORTCTL_RETURN_IF_ERROR(Number(*aid, aid_file, "country_allocation_tpp", v, &cite));
  r.country_cap_milli_ = ToMilli(v);
  r.citations_[static_cast<int>(AccountKind::kCountryAllocation)] = cite;
  const auto& alloc = (*aid)["parameters"]["country_allocation_tpp"];
  EXPORTCTL_RETURN_IF_ERROR(
      DateField(alloc, aid_file + ": parameters.country_allocation_tpp", "from", r.country_from_));
  EXPORTCTL_RETURN_IF_ERROR(
      DateField(alloc, aid_file + ": parameters.country_allocation_tpp", "to", r.country_to_));
  EXPORTCTL_RETURN_IF_ERROR(
      Number(*aid, aid_file, "government_assurance_uplift_fraction", r.uplift_fraction_));

  EXPORTCTL_RETURN_IF_ERROR(Number(*aid, aid_file, "lpp_tpp_per_consignee_per_year", v, &cite));
  r.lpp_cap_milli_ = ToMilli(v);
  r.citations_[static_cast<int>(AccountKind::kLppConsignee)] = cite;
  EXPORTCTL_RETURN_IF_ERROR(Number(*aid, aid_file, "aia_certification_trigger_tpp", v, &cite));
  r.aia_trigger_milli_ = ToMilli(v);
  r.citations_[static_cast<int>(AccountKind::kAiaCertification)] = cite;

  const auto& params = (*aid)["parameters"];
  const std::string nveu_field = aid_file + ": parameters.nveu_cumulative_caps_tpp.value";
  if (!params.contains("nveu_cumulative_caps_tpp") ||
      !params["nveu_cumulative_caps_tpp"]["value"].is_array()) {
    return Status::Error(ErrorCode::kDataError, nveu_field, "missing quarterly table");
  }
  r.citations_[static_cast<int>(AccountKind::kNveu)] =
      params["nveu_cumulative_caps_tpp"].value("citation", "");
  for (const auto& row : params["nveu_cumulative_caps_tpp"]["value"]) {
    const std::string q = row.value("quarter", "");
    int year = 0, quarter = 0;
    if (std::sscanf(q.c_str(), "%d-Q%d", &year, &quarter) != 2 || quarter < 1 || quarter > 4 ||
        !row.contains("tpp") || !row["tpp"].is_number()) {
      return Status::Error(ErrorCode::kDataError, nveu_field,
                           "row \"" + q + "\" is not {quarter: YYYY-Qn, tpp}");
    }
    r.nveu_caps_.push_back({year, quarter, ToMilli(row["tpp"].get<double>())});
  }

  if (!params.contains("uveu_geographic_shares")) {
    return Status::Error(ErrorCode::kDataError, aid_file + ": parameters.uveu_geographic_shares",
                         "missing");
  }
  const auto& shares = params["uveu_geographic_shares"];
  for (auto [key, out] : {std::pair{"max_single_tier2_country", &r.uveu_max_tier2_},
                          std::pair{"min_tier1", &r.uveu_min_tier1_},
                          std::pair{"min_us_when_us_headquartered", &r.uveu_min_us_}}) {
    if (!shares.contains(key) || !shares[key].is_number()) {
      return Status::Error(ErrorCode::kDataError,
                           aid_file + ": parameters.uveu_geographic_shares." + key, "missing");
    }
    *out = shares[key].get<double>();
  }
  r.citations_[static_cast<int>(AccountKind::kUveuCountry)] = shares.value("citation", "");
  if (!params.contains("tier1_destinations") || !params["tier1_destinations"]["value"].is_array()) {
    return Status::Error(ErrorCode::kDataError, aid_file + ": parameters.tier1_destinations",
                         "missing");
  }
  for (const auto& c : params["tier1_destinations"]["value"]) r.tier1_.insert(c.get<std::string>());

  const std::string h200_file = dir + "/regimes/h200-2026.json";
  auto h200 = ReadJson(h200_file);
  if (!h200.ok()) return h200.status();
  EXPORTCTL_RETURN_IF_ERROR(Number(*h200, h200_file, "china_to_us_ratio", r.h200_ratio_, &cite));
  r.citations_[static_cast<int>(AccountKind::kH200China)] = cite;
  r.citations_[static_cast<int>(AccountKind::kH200Us)] = cite;

  const std::string acs_file = dir + "/regimes/acs-2023.json";
  auto acs = ReadJson(acs_file);
  if (!acs.ok()) return acs.status();
  EXPORTCTL_RETURN_IF_ERROR(Number(*acs, acs_file, "h100_equivalent_tpp", r.h100_tpp_));
  return r;
}

const std::string& AllocationRules::Citation(AccountKind kind) const {
  return citations_[static_cast<size_t>(kind)];
}

Result<std::string> AllocationRules::Period(const AccountKey& account, Date as_of) const {
  if (!as_of.valid()) return Status::Invalid("as_of", "is required");
  switch (account.kind) {
    case AccountKind::kCountryAllocation:
      if (as_of < country_from_ || as_of > country_to_) {
        return Status::Invalid("as_of", "the country allocation covers " +
                                            country_from_.ToString() + " to " +
                                            country_to_.ToString() + "; " + as_of.ToString() +
                                            " is outside it (" + Citation(account.kind) + ")");
      }
      return std::to_string(country_from_.year()) + "-" + std::to_string(country_to_.year());
    case AccountKind::kLppConsignee:
      return std::to_string(as_of.year());
    case AccountKind::kAiaCertification:
    case AccountKind::kNveu:
    case AccountKind::kUveuCountry:
    case AccountKind::kH200China:
    case AccountKind::kH200Us:
    case AccountKind::kLicense:
    case AccountKind::kAgreementQuota:
      return std::string("cumulative");
  }
  return Status::Invalid("account.kind", "unknown account kind");
}

std::optional<int64_t> AllocationRules::CapMilli(const AccountKey& account, Date as_of) const {
  switch (account.kind) {
    case AccountKind::kCountryAllocation: {
      double uplift = options_.government_assurance_countries.count(account.country) > 0 ? uplift_fraction_ : 0.0;
      if (options_.country_allocation_uplift)
        uplift = std::max(uplift, std::min(uplift_fraction_, options_.country_allocation_uplift(account.country, as_of)));
      return uplift > 0 ? static_cast<int64_t>(std::llround(static_cast<double>(country_cap_milli_) * (1.0 + uplift)))
                        : country_cap_milli_;
    }
    case AccountKind::kLppConsignee:
      return lpp_cap_milli_;
    case AccountKind::kAiaCertification:
      return aia_trigger_milli_;
    case AccountKind::kNveu:
      for (const auto& q : nveu_caps_) {
        if (q.year == as_of.year() && q.quarter == as_of.quarter()) return q.cap_milli;
      }
      return 0;  // the table defines no cap for this quarter: nothing fits (fail closed)
    case AccountKind::kUveuCountry:
    case AccountKind::kH200China:  // depend on other accounts; computed by the ledger
    case AccountKind::kH200Us:
      return std::nullopt;
    case AccountKind::kLicense:  // the license's own limit, given with each reservation
    case AccountKind::kAgreementQuota:
      return std::nullopt;
  }
  return 0;
}

}  // namespace exportctl::ledger

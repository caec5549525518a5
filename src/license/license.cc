// The license file: parsing, validation against the bundled data, and JSON output.
#include "license/license.h"

#include <algorithm>
#include <cstdio>

#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "classify/classify.h"
#include "core/strict_json.h"
#include "core/validate.h"
#include "data/dataset.h"
#include "ledger/ledger.h"

namespace exportctl::license {
namespace {

using nlohmann::json;

// The ECCNs a license line may name: the classes classification gives, and their entries.
const std::set<std::string, std::less<>>& KnownEccns() {
  static const std::set<std::string, std::less<>> k = {"3A090", "3A090.a", "3A090.b", "3A090.c", "4A090", "4A090.a",
                                                       "4A090.b", "4E091", "3A991.p", "4A994.l"};
  return k;
}

const std::set<std::string, std::less<>>& KnownRoles() {
  static const std::set<std::string, std::less<>> k = {"ultimate_consignee", "end_user", "intermediate_consignee",
                                                       "purchaser"};
  return k;
}

Status Invalid(const std::string& field, const std::string& message) { return Status::Invalid(field, message); }

Result<std::string> Text(const json& o, const std::string& key, const std::string& field, TextRule rule) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) {
    if (rule.required) return Invalid(field, "is required");
    return std::string();
  }
  if (!it->is_string()) return Invalid(field, "must be a string");
  std::string v = it->get<std::string>();
  EXPORTCTL_RETURN_IF_ERROR(CheckText(field, v, rule));
  return v;
}

Result<Date> DateField(const json& o, const std::string& key) {
  auto t = Text(o, key, key, {.required = true, .max_chars = 10});
  if (!t.ok()) return t.status();
  auto d = Date::Parse(*t);
  if (!d.ok()) return Invalid(key, "must be a date YYYY-MM-DD, got \"" + *t + "\"");
  return *d;
}

// A limit: null (no limit of that kind) or a finite number above zero.
Result<std::optional<double>> Limit(const json& o, const std::string& key, const std::string& field) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return Invalid(field, "must be a number or null (no limit)");
  const double v = it->get<double>();
  if (!std::isfinite(v) || v <= 0) return Invalid(field, "must be greater than zero, or null for no limit");
  if (v > 1e12) return Invalid(field, "is larger than 1e12");
  return std::optional<double>(v);
}

Status OnlyKnown(const json& o, const std::set<std::string, std::less<>>& known, const std::string& prefix) {
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (!known.count(it.key())) {
      return Invalid(prefix + it.key(), "is not a field of a license file (a typo? nothing was stored)");
    }
  }
  return Status::Ok();
}

Result<std::string> Country(const json& v, const std::string& field, const Dataset& data) {
  if (!v.is_string()) return Invalid(field, "must be a country code or name");
  auto c = data.ResolveCountry(v.get<std::string>());
  if (!c.ok()) return Invalid(field, "unknown country \"" + v.get<std::string>() + "\"");
  return *c;
}

// A catalog chip as a license names it: the catalog's own look-up, or else the one catalog name
// the text begins (licenses write "B300 SXM" for "B300 SXM (HGX, Blackwell Ultra)"). Two or more
// candidates stay an error: a license line must name one chip.
}  // namespace

std::string CanonicalNumber(std::string_view number) {
  std::string out;
  for (char c : number) {
    if (c != '-') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string CustomerIdentity(const LicenseParty& p) {
  auto identity = ledger::ConsigneeIdentity(p.name, p.id);
  // ParseLicense refuses a party that has none; a name of punctuation only is still one customer.
  return identity.ok() ? *identity : "name=" + p.name;
}

const char* LicenseStatusName(LicenseStatus s) { return s == LicenseStatus::kRevoked ? "revoked" : "active"; }

std::optional<int64_t> License::quantity_limit() const {
  int64_t total = 0;
  for (const auto& i : items) {
    if (!i.quantity) return std::nullopt;
    total += *i.quantity;
  }
  return items.empty() ? std::nullopt : std::optional<int64_t>(total);
}

Result<License> ParseLicense(std::string_view json_text, const Dataset& data) {
  auto parsed = ParseJsonStrict(json_text, 16);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  if (!j.is_object()) return Invalid("", "a license file is one JSON object");
  EXPORTCTL_RETURN_IF_ERROR(OnlyKnown(j,
                                      {"number", "holder", "issued", "expires", "destinations", "items", "tpp_limit",
                                       "value_usd_limit", "parties", "conditions", "effective"},
                                      ""));
  License l;
  auto number = Text(j, "number", "number", {.required = true, .max_chars = 40});
  if (!number.ok()) return number.status();
  for (char c : *number) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Invalid("number", "may hold only letters, digits and '-'");
    }
  }
  l.number = CanonicalNumber(*number);
  if (l.number.empty()) return Invalid("number", "holds no letter or digit");
  auto holder = Text(j, "holder", "holder", {.required = true, .max_chars = 200});
  if (!holder.ok()) return holder.status();
  l.holder = *holder;
  auto issued = DateField(j, "issued");
  if (!issued.ok()) return issued.status();
  auto expires = DateField(j, "expires");
  if (!expires.ok()) return expires.status();
  l.issued = *issued;
  l.expires = *expires;
  if (l.expires < l.issued) {
    return Invalid("expires", "is before the issuing date " + l.issued.ToString());
  }
  // An amendment's own date (the store checks it against the version it follows).
  if (j.contains("effective") && !j["effective"].is_null()) {
    auto effective = DateField(j, "effective");
    if (!effective.ok()) return effective.status();
    if (*effective < l.issued) return Invalid("effective", "is before the issuing date " + l.issued.ToString());
    if (*effective > l.expires) return Invalid("effective", "is after the expiry " + l.expires.ToString());
    l.effective = *effective;
  }

  auto dest = j.find("destinations");
  if (dest == j.end() || !dest->is_array() || dest->empty()) {
    return Invalid("destinations", "must list at least one country");
  }
  for (size_t i = 0; i < dest->size(); ++i) {
    auto c = Country((*dest)[i], "destinations[" + std::to_string(i) + "]", data);
    if (!c.ok()) return c.status();
    l.destinations.push_back(*c);
  }

  auto items = j.find("items");
  if (items == j.end() || !items->is_array() || items->empty()) {
    return Invalid("items", "must list at least one item (an eccn, a chip, or both)");
  }
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string f = "items[" + std::to_string(i) + "]";
    const json& it = (*items)[i];
    if (!it.is_object()) return Invalid(f, "must be an object");
    EXPORTCTL_RETURN_IF_ERROR(OnlyKnown(it,
                                        {"eccn", "chip", "quantity", "tpp", "performance_density", "memory_bandwidth_gbps",
                                         "interconnect_bandwidth_gbps"},
                                        f + "."));
    LicenseItem item;
    auto eccn = Text(it, "eccn", f + ".eccn", {.max_chars = 20});
    if (!eccn.ok()) return eccn.status();
    // An empty string is not "no ECCN": it is a field filled in wrong (leave it out instead).
    if (eccn->empty() && it.contains("eccn")) return Invalid(f + ".eccn", "is empty: name the ECCN or leave the field out");
    if (!eccn->empty() && !KnownEccns().count(*eccn)) {
      return Invalid(f + ".eccn", "unknown ECCN \"" + *eccn + "\" (known: 3A090[.a|.b|.c], 4A090[.a|.b], 4E091, 3A991.p, 4A994.l)");
    }
    item.eccn = *eccn;
    auto chip = Text(it, "chip", f + ".chip", {.max_chars = 200});
    if (!chip.ok()) return chip.status();
    if (chip->empty() && it.contains("chip")) return Invalid(f + ".chip", "is empty: name the chip or leave the field out");
    if (!chip->empty()) {
      auto rec = data.FindChip(*chip);
      if (!rec.ok()) return Invalid(f + ".chip", rec.status().message());
      item.chip = (*rec)->name;
      // A line that names both says the chip's own class: one that contradicts it is a mistake
      // in the file (a server of these chips is licensed by its own ECCN, without the chip).
      if (!item.eccn.empty()) {
        const Classification c = Classify((*rec)->ToSpec(), data.ThresholdsOn(l.issued, Posture::kEnforced));
        const std::string own = c.determinate ? EccnName(c.eccn) : "";
        const bool agrees = own == item.eccn || (own.size() > item.eccn.size() && own.compare(0, item.eccn.size(), item.eccn) == 0 &&
                                                 own[item.eccn.size()] == '.');
        if (!agrees) {
          return Invalid(f + ".eccn", "\"" + item.chip + "\" is " + (own.empty() ? std::string("not classified determinately") : own) +
                                          ", not " + item.eccn + " (name the chip's own ECCN, or leave eccn out)");
        }
      }
    }
    if (item.eccn.empty() && item.chip.empty()) return Invalid(f, "names neither an eccn nor a chip (explicit specs go with the eccn they are licensed under)");
    // Explicit specs: the most an item of the line's ECCN may have of each figure, per unit.
    for (auto [key, slot] : {std::pair<const char*, std::optional<double>*>{"tpp", &item.tpp},
                             {"performance_density", &item.performance_density},
                             {"memory_bandwidth_gbps", &item.memory_bandwidth_gbps},
                             {"interconnect_bandwidth_gbps", &item.interconnect_bandwidth_gbps}}) {
      auto v = Limit(it, key, f + "." + key);
      if (!v.ok()) return v.status();
      if (!*v) continue;
      if (!item.chip.empty()) {
        return Invalid(f + "." + key, "a line names a catalog chip or explicit specs, not both (the chip's own specs are its catalog's)");
      }
      if (item.eccn.empty()) return Invalid(f + ".eccn", "is required with explicit specs (the ECCN the items are licensed under)");
      *slot = *v;
    }
    auto q = it.find("quantity");
    if (q != it.end() && !q->is_null()) {
      if (!q->is_number_integer()) return Invalid(f + ".quantity", "must be a whole number of units, or null for no limit");
      const int64_t n = q->get<int64_t>();
      if (n <= 0) return Invalid(f + ".quantity", "must be greater than zero, got " + std::to_string(n));
      if (n > 1'000'000'000) return Invalid(f + ".quantity", "is larger than 1,000,000,000 units");
      item.quantity = n;
    }
    l.items.push_back(std::move(item));
  }

  auto tpp = Limit(j, "tpp_limit", "tpp_limit");
  if (!tpp.ok()) return tpp.status();
  l.tpp_limit = *tpp;
  auto value = Limit(j, "value_usd_limit", "value_usd_limit");
  if (!value.ok()) return value.status();
  l.value_usd_limit = *value;

  auto parties = j.find("parties");
  if (parties == j.end() || !parties->is_array() || parties->empty()) {
    return Invalid("parties", "must name at least one consignee or end user");
  }
  for (size_t i = 0; i < parties->size(); ++i) {
    const std::string f = "parties[" + std::to_string(i) + "]";
    const json& p = (*parties)[i];
    if (!p.is_object()) return Invalid(f, "must be an object");
    EXPORTCTL_RETURN_IF_ERROR(OnlyKnown(p, {"role", "name", "country", "id"}, f + "."));
    LicenseParty party;
    auto role = Text(p, "role", f + ".role", {.required = true, .max_chars = 40});
    if (!role.ok()) return role.status();
    if (!KnownRoles().count(*role)) {
      return Invalid(f + ".role", "must be ultimate_consignee, end_user, intermediate_consignee or purchaser");
    }
    party.role = *role;
    auto name = Text(p, "name", f + ".name", {.required = true, .max_chars = 200});
    if (!name.ok()) return name.status();
    party.name = *name;
    if (!p.contains("country")) return Invalid(f + ".country", "is required");
    auto c = Country(p["country"], f + ".country", data);
    if (!c.ok()) return c.status();
    party.country = *c;
    auto id = Text(p, "id", f + ".id", {.max_chars = 100});
    if (!id.ok()) return id.status();
    if (!id->empty()) EXPORTCTL_RETURN_IF_ERROR(CheckIdentifier(f + ".id", *id));
    party.id = *id;
    // A per-customer cap is kept under who the party is: a name with nothing to know it by cannot be.
    if (party.id.empty() && !ledger::ConsigneeIdentity(party.name, "").ok()) {
      return Invalid(f + ".name", "has no letter or digit to identify the party by");
    }
    l.parties.push_back(std::move(party));
  }

  auto conditions = j.find("conditions");
  if (conditions != j.end() && !conditions->is_null()) {
    if (!conditions->is_array()) return Invalid("conditions", "must be a list of texts");
    for (size_t i = 0; i < conditions->size(); ++i) {
      const std::string f = "conditions[" + std::to_string(i) + "]";
      if (!(*conditions)[i].is_string()) return Invalid(f, "must be a string");
      std::string c = (*conditions)[i].get<std::string>();
      EXPORTCTL_RETURN_IF_ERROR(CheckText(f, c, {.required = true, .max_chars = 1000}));
      l.conditions.push_back(std::move(c));
    }
  }
  return l;
}

std::string ExpiryAttention(const License& l, Date today) {
  if (l.status != LicenseStatus::kActive || today > l.expires) return "";
  const int days = l.expires.days() - today.days();
  if (days > kAttentionDays) return "";
  return "expires on " + l.expires.ToString() + " (in " + std::to_string(days) + " days)";
}

std::array<std::optional<double>, 3> LicenseLimits(const License& l) {
  std::optional<double> units;
  for (const auto& i : l.items) {
    if (i.quantity) units = units.value_or(0) + static_cast<double>(*i.quantity);
  }
  return {units, l.tpp_limit, l.value_usd_limit};
}

std::string RemainingAttention(const License& l, const std::array<double, 3>& held) {
  if (l.status != LicenseStatus::kActive) return "";
  static constexpr const char* kMeasure[3] = {"units", "TPP", "USD"};
  const auto limits = LicenseLimits(l);
  std::string why;
  for (int m = 0; m < 3; ++m) {
    if (!limits[m] || *limits[m] <= 0) continue;
    const double left = *limits[m] - held[m];
    if (left >= kAttentionRemaining * *limits[m]) continue;
    char text[160];
    std::snprintf(text, sizeof text, "%.1f%% of its %s limit remains (%.0f of %.0f)", 100.0 * std::max(0.0, left) / *limits[m],
                  kMeasure[m], std::max(0.0, left), *limits[m]);
    why += (why.empty() ? "" : "; ") + std::string(text);
  }
  return why;
}

}  // namespace exportctl::license

namespace exportctl::license {

namespace {
nlohmann::json LicenseJsonValue(const License& l) {
  using nlohmann::json;
  json items = json::array();
  for (const auto& i : l.items) {
    json it = json::object();
    if (!i.eccn.empty()) it["eccn"] = i.eccn;
    if (!i.chip.empty()) it["chip"] = i.chip;
    it["quantity"] = i.quantity ? json(*i.quantity) : json(nullptr);
    if (i.tpp) it["tpp"] = *i.tpp;
    if (i.performance_density) it["performance_density"] = *i.performance_density;
    if (i.memory_bandwidth_gbps) it["memory_bandwidth_gbps"] = *i.memory_bandwidth_gbps;
    if (i.interconnect_bandwidth_gbps) it["interconnect_bandwidth_gbps"] = *i.interconnect_bandwidth_gbps;
    items.push_back(std::move(it));
  }
  json parties = json::array();
  for (const auto& p : l.parties) {
    json party{{"role", p.role}, {"name", p.name}, {"country", p.country}};
    if (!p.id.empty()) party["id"] = p.id;
    parties.push_back(std::move(party));
  }
  json j{{"number", l.number},
         {"holder", l.holder},
         {"issued", l.issued.ToString()},
         {"expires", l.expires.ToString()},
         {"destinations", l.destinations},
         {"items", items},
         {"tpp_limit", l.tpp_limit ? json(*l.tpp_limit) : json(nullptr)},
         {"value_usd_limit", l.value_usd_limit ? json(*l.value_usd_limit) : json(nullptr)},
         {"parties", parties},
         {"conditions", l.conditions},
         {"effective", l.effective ? json(l.effective->ToString()) : json(nullptr)},
         {"version", l.version},
         {"status", LicenseStatusName(l.status)},
         {"change", l.change},
         {"reason", l.reason},
         {"recorded_at", l.recorded_at},
         {"actor", l.actor}};
  return j;
}
}  // namespace

std::string LicenseToJson(const License& l) { return LicenseJsonValue(l).dump(); }

Result<std::string> LicenseListJson(const std::vector<License>& licenses, Date today, bool attention_only,
                                    const HeldOnLicense& held) {
  using nlohmann::json;
  json out = json::array();
  for (const auto& l : licenses) {
    json why = json::array();
    if (std::string e = ExpiryAttention(l, today); !e.empty()) why.push_back(e);
    if (held && l.status == LicenseStatus::kActive) {
      auto h = held(l.number);
      if (!h.ok()) return h.status();
      if (std::string r = RemainingAttention(l, *h); !r.empty()) why.push_back(r);
    }
    if (attention_only && why.empty()) continue;
    json j = LicenseJsonValue(l);
    j["attention"] = std::move(why);
    out.push_back(std::move(j));
  }
  return json{{"as_of", today.ToString()}, {"licenses", std::move(out)}}.dump();
}

std::string LicenseVersionsJson(const std::vector<License>& versions) {
  using nlohmann::json;
  json all = json::array();
  for (const auto& v : versions) all.push_back(LicenseJsonValue(v));
  return json{{"license", versions.empty() ? json(nullptr) : all.back()}, {"versions", all}}.dump();
}

}  // namespace exportctl::license

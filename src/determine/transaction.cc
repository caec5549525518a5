#include "determine/transaction.h"

#include "classify/catalog_figures.h"
#include "determine/json_utf8.h"
#include "determine/ports.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/validate.h"
#include "data/dataset.h"
#include "jurisdiction/jurisdiction.h"

namespace exportctl {

const char* ActivityName(Activity a) {
  switch (a) {
    case Activity::kExport: return "export";
    case Activity::kReexport: return "reexport";
    case Activity::kTransfer: return "transfer";
    case Activity::kUse: return "use";
  }
  return "export";
}

const char* PartyRoleName(PartyRole r) {
  switch (r) {
    case PartyRole::kPurchaser: return "purchaser";
    case PartyRole::kIntermediateConsignee: return "intermediate_consignee";
    case PartyRole::kUltimateConsignee: return "ultimate_consignee";
    case PartyRole::kEndUser: return "end_user";
    case PartyRole::kExporter: return "exporter";
  }
  return "ultimate_consignee";
}

namespace {
constexpr std::pair<RestrictedList, const char*> kListNames[] = {
    {RestrictedList::kEntityList, "entity_list"},
    {RestrictedList::kDeniedPersons, "denied_persons"},
    {RestrictedList::kUnverified, "unverified"},
    {RestrictedList::kMilitaryEndUser, "military_end_user"},
    {RestrictedList::kSdn, "sdn"},
    {RestrictedList::kNonproliferationSanctions, "nonproliferation_sanctions"},
    {RestrictedList::kItarDebarred, "itar_debarred"},
    {RestrictedList::kSectoralSanctions, "sectoral_sanctions"},
    {RestrictedList::kChineseMilitaryCompanies, "chinese_military_companies"},
    {RestrictedList::kMenuBasedSanctions, "menu_based_sanctions"},
    {RestrictedList::kPalestinianLegislativeCouncil, "palestinian_legislative_council"},
    {RestrictedList::kCapta, "capta"},
    {RestrictedList::kForeignSanctionsEvaders, "foreign_sanctions_evaders"},
    {RestrictedList::kOtherList, "other_list"},
};
}  // namespace

std::string ProgramCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '[' || c == ']') c = ' ';
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

NamesScreened ScreenNames(const PartyScreener& screener, PartyRole role, const std::string& name,
                          const std::vector<std::string>& aliases, const std::string& country, Date as_of) {
  NamesScreened out;
  for (size_t k = 0; k <= aliases.size(); ++k) {
    Party p;
    p.role = role;
    p.name = k == 0 ? name : aliases[k - 1];
    p.country = country;
    auto res = screener.Screen(p, as_of);
    if (!res.ok()) {
      out.failures.emplace_back(std::move(p.name), res.status().message());
      continue;
    }
    out.listings.insert(out.listings.end(), std::make_move_iterator(res->begin()), std::make_move_iterator(res->end()));
  }
  return out;
}

ProgramReach ReachOfPrograms(const std::vector<std::string>& programs, const std::vector<std::string>& carrying,
                             const std::vector<std::string>& others) {
  ProgramReach r;
  for (const auto& p : programs) {
    const std::string code = ProgramCode(p);
    const bool carries = std::find(carrying.begin(), carrying.end(), code) != carrying.end();
    r.carries = r.carries || carries;
    if (!carries && std::find(others.begin(), others.end(), code) == others.end()) r.unknown.push_back(p);
  }
  return r;
}

const char* RestrictedListName(RestrictedList l) {
  for (const auto& [list, name] : kListNames) {
    if (list == l) return name;
  }
  return "other_list";
}

std::optional<RestrictedList> RestrictedListFromName(std::string_view name) {
  for (const auto& [list, n] : kListNames) {
    if (name == n) return list;
  }
  return std::nullopt;
}

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Reads typed fields from a JSON object, recording the first error with its field path.
class Fields {
 public:
  Fields(object o, std::string path) : o_(o), path_(std::move(path)) {}

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  bool Has(std::string_view key) const {
    element e;
    return !o_.at_key(key).get(e) && !e.is_null();
  }
  std::optional<element> Get(std::string_view key) const {
    element e;
    if (o_.at_key(key).get(e) || e.is_null()) return std::nullopt;
    return e;
  }
  std::optional<std::string> Str(std::string_view key, Status& st, bool required = false) const {
    auto e = Get(key);
    if (!e) {
      if (required && st.ok()) st = Status::Invalid(Path(key), "is required");
      return std::nullopt;
    }
    std::string_view v;
    if (e->get_string().get(v)) {
      if (st.ok()) st = Status::Invalid(Path(key), "must be a string");
      return std::nullopt;
    }
    return std::string(v);
  }
  std::optional<double> Num(std::string_view key, Status& st, bool required = false,
                            bool non_negative = true) const {
    auto e = Get(key);
    if (!e) {
      if (required && st.ok()) st = Status::Invalid(Path(key), "is required");
      return std::nullopt;
    }
    double v;
    if (e->is_double() || e->is_int64() || e->is_uint64()) {
      v = e->is_double() ? e->get_double().value_unsafe()
          : e->is_int64() ? static_cast<double>(e->get_int64().value_unsafe())
                          : static_cast<double>(e->get_uint64().value_unsafe());
    } else {
      if (st.ok()) st = Status::Invalid(Path(key), "must be a number");
      return std::nullopt;
    }
    if (!std::isfinite(v)) {
      if (st.ok()) st = Status::Invalid(Path(key), "must be a finite number");
      return std::nullopt;
    }
    if (non_negative && v < 0) {
      if (st.ok()) st = Status::Invalid(Path(key), "must not be negative, got " + FormatNumber(v));
      return std::nullopt;
    }
    return v;
  }
  std::optional<bool> Bool(std::string_view key, Status& st) const {
    auto e = Get(key);
    if (!e) return std::nullopt;
    bool b;
    if (e->get_bool().get(b)) {
      if (st.ok()) st = Status::Invalid(Path(key), "must be true or false");
      return std::nullopt;
    }
    return b;
  }
  static std::string FormatNumber(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
  }

 private:
  object o_;
  std::string path_;
};

// Notes each key of o that is not in known as "path.key": fields the format does not define are
// never silently dropped (a misspelt "destinaton" would otherwise decide without a destination
// the sender meant).
void NoteUnknownFields(object o, std::string_view path, std::initializer_list<std::string_view> known,
                       std::vector<std::string>& out, std::span<const std::string_view> also_known = {}) {
  for (auto field : o) {
    if (std::find(known.begin(), known.end(), field.key) != known.end()) continue;
    if (std::find(also_known.begin(), also_known.end(), field.key) != also_known.end()) continue;
    out.push_back(path.empty() ? std::string(field.key) : std::string(path) + "." + std::string(field.key));
  }
}

// Calls each(element, element_path) for every element of the JSON array e, in order, with the
// element's indexed path ("items[0].throughput[2]"), and stops at the first error. Not an array:
// an error naming path, saying not_array.
template <typename Each>
Status ForEachElement(element e, std::string_view path, std::string_view not_array, Each&& each) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr)) return Status::Invalid(std::string(path), std::string(not_array));
  size_t i = 0;
  for (element x : arr) {
    EXPORTCTL_RETURN_IF_ERROR(each(x, std::string(path) + "[" + std::to_string(i++) + "]"));
  }
  return Status::Ok();
}

// The fields of a chip item or a system component (catalog name and explicit figures).
constexpr std::string_view kChipFields[] = {"chip", "vendor", "model", "tpp", "throughput", "die_area_mm2",
                                            "performance_density", "datacenter", "memory_bandwidth_gbps",
                                            "interconnect_bandwidth_gbps", "designer_headquarters"};

// " at line L, column C" of the first error in text that simdjson rejected (simdjson says what is
// wrong, not where; a second parse of the bad text finds the place). "" when it cannot tell.
std::string JsonErrorPosition(std::string_view text) {
  size_t byte = 0;
  try {
    (void)nlohmann::json::parse(text.begin(), text.end());
    return "";
  } catch (const nlohmann::json::parse_error& e) {
    byte = e.byte;
  } catch (const nlohmann::json::exception&) {
    return "";
  }
  const size_t at = std::min(byte ? byte - 1 : 0, text.size());  // 0-based index of the bad character
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return " at line " + std::to_string(line) + ", column " + std::to_string(at - line_start + 1);
}

// Resolves a country field into out; the first error is recorded in st (which is then left as is).
void ResolveCountryField(const Dataset& data, const Fields& f, std::string_view key, Status& st,
                         std::string& out, bool required) {
  auto s = f.Str(key, st, required);
  if (!st.ok() || !s) return;
  auto code = data.ResolveCountry(*s);
  if (!code.ok()) {
    st = Status::Invalid(f.Path(key), code.status().message());
    return;
  }
  out = *code;
}

Status ParseIcSpec(const Dataset& data, const Fields& f, ItemSpec& spec, std::string& label,
                   std::vector<std::string>& unknown) {
  Status st;
  if (auto chip = f.Str("chip", st)) {
    auto rec = data.FindChip(*chip);
    if (!rec.ok()) return Status::Invalid(f.Path("chip"), rec.status().message());
    spec = (*rec)->ToSpec();
    label = (*rec)->name;
  }
  EXPORTCTL_RETURN_IF_ERROR(st);
  // Explicit figures (alone, or overriding the catalog's).
  if (auto v = f.Str("vendor", st)) spec.vendor = *v;
  if (auto v = f.Str("model", st)) spec.model = *v;
  if (auto v = f.Num("tpp", st)) spec.tpp = *v;
  if (auto e = f.Get("throughput")) {
    spec.throughput.clear();
    EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*e, f.Path("throughput"), "must be an array", [&](element t, const std::string& tp) {
      object to;
      if (t.get_object().get(to)) return Status::Invalid(tp, "must be an object {bit_length, dense_tops}");
      Fields tf(to, tp);
      NoteUnknownFields(to, tp, {"bit_length", "dense_tops"}, unknown);
      auto bits = tf.Num("bit_length", st, true);
      auto tops = tf.Num("dense_tops", st, true);
      EXPORTCTL_RETURN_IF_ERROR(st);
      if (*bits < 1 || *bits > 128 || *bits != std::floor(*bits)) {
        return Status::Invalid(tf.Path("bit_length"), "must be an integer between 1 and 128");
      }
      spec.throughput.push_back({static_cast<int>(*bits), *tops});
      return Status::Ok();
    }));
    if (!f.Has("tpp")) spec.tpp = ComputeTpp(spec.throughput);
  }
  if (auto v = f.Num("die_area_mm2", st)) {
    if (*v <= 0) return Status::Invalid(f.Path("die_area_mm2"), "must be positive");
    spec.die_area_mm2 = *v;
    spec.die_area_verified = true;
    spec.performance_density.reset();
  }
  if (auto v = f.Num("performance_density", st)) spec.performance_density = *v;
  if (auto v = f.Bool("datacenter", st)) spec.datacenter = *v;
  if (auto v = f.Num("memory_bandwidth_gbps", st)) spec.memory_bandwidth_gbps = *v;
  if (auto v = f.Num("interconnect_bandwidth_gbps", st)) spec.interconnect_bandwidth_gbps = *v;
  EXPORTCTL_RETURN_IF_ERROR(st);
  std::string hq;
  ResolveCountryField(data, f, "designer_headquarters", st, hq, false);
  EXPORTCTL_RETURN_IF_ERROR(st);
  if (!hq.empty()) spec.designer_headquarters = hq;
  // A catalog chip is what the catalog says: a stated figure may fill, agree or raise, not lower.
  if (auto off = StatedFigureLowersControl(spec)) {
    const std::string field = off->field == "tpp" && !f.Has("tpp") ? "throughput" : off->field;
    return Status::Invalid(f.Path(field), off->message);
  }
  if (label.empty()) {
    label = (spec.vendor.empty() ? "" : spec.vendor + " ") + spec.model;
    if (label.empty()) label = "unnamed item";
  }
  if (!spec.catalog && !spec.tpp && spec.throughput.empty() && spec.model.empty()) {
    return Status::Invalid(f.Path("chip"), "an item needs \"chip\" (a catalog name) or its specs (\"tpp\" or \"throughput\")");
  }
  return Status::Ok();
}

Result<int64_t> ParseQuantity(const Fields& f, bool required, std::string_view key = "quantity") {
  auto e = f.Get(key);
  if (!e) {
    if (required) return Status::Invalid(f.Path(key), "is required (a positive integer)");
    return int64_t{1};
  }
  int64_t q = 0;
  if (e->is_int64()) q = e->get_int64().value_unsafe();
  else if (e->is_uint64()) return Status::Invalid(f.Path(key), "is too large");
  else if (e->is_double()) {
    const double d = e->get_double().value_unsafe();
    if (d != std::floor(d) || std::fabs(d) > 9e15) return Status::Invalid(f.Path(key), "must be a whole number");
    q = static_cast<int64_t>(d);
  } else {
    return Status::Invalid(f.Path(key), "must be a positive integer");
  }
  if (q <= 0) return Status::Invalid(f.Path(key), "must be a positive integer, got " + std::to_string(q));
  if (q > 1'000'000'000'000LL) return Status::Invalid(f.Path(key), "is implausibly large (over 10^12 units)");
  return q;
}


// Reads a JSON array of country names or codes into ISO codes; each bad entry is named.
Status ParseCountryList(const Dataset& data, element e, const std::string& path, std::vector<std::string>& out) {
  return ForEachElement(e, path, "must be an array of countries", [&](element c, const std::string& cp) {
    std::string_view name;
    if (c.get_string().get(name)) return Status::Invalid(cp, "must be a country (ISO code or name)");
    auto code = data.ResolveCountry(name);
    if (!code.ok()) return Status::Invalid(cp, code.status().message());
    out.push_back(*code);
    return Status::Ok();
  });
}

// "origin": where the item was made, with what US technology, plant and content (15 CFR 734.3,
// 734.4, 734.9). Values a computation needs are checked here: negative or missing values, US
// content above the item's value, ECCNs that are not ECCNs or whose controls are not known.
// Far above any order (a quadrillion USD); beyond it a value is a typo or an attack on the arithmetic.
constexpr double kMaxValueUsd = 1e15;

Status ParseOrigin(const Dataset& data, const Fields& item, std::optional<jurisdiction::Origin>& out,
                   std::vector<std::string>& unknown) {
  auto e = item.Get("origin");
  if (!e) return Status::Ok();
  const std::string path = item.Path("origin");
  object o;
  if (e->get_object().get(o)) return Status::Invalid(path, "must be an object");
  Fields f(o, path);
  NoteUnknownFields(o, path, {"in_us", "produced_in_us", "produced_in", "us_technology_eccns", "us_origin_plant",
                              "us_content", "value_usd", "published", "trained_on_chips_subject_to_ear",
                              "design_technology_subject_to_ear"}, unknown);
  jurisdiction::Origin g;
  Status st;
  g.in_us = f.Bool("in_us", st);
  g.produced_in_us = f.Bool("produced_in_us", st);
  g.us_origin_plant = f.Bool("us_origin_plant", st);
  g.published = f.Bool("published", st);
  g.trained_on_chips_subject_to_ear = f.Bool("trained_on_chips_subject_to_ear", st);
  g.design_technology_subject_to_ear = f.Bool("design_technology_subject_to_ear", st);
  g.value_usd = f.Num("value_usd", st);
  EXPORTCTL_RETURN_IF_ERROR(st);
  if (g.value_usd && *g.value_usd > kMaxValueUsd) return Status::Invalid(f.Path("value_usd"), "must be at most 10^15 USD");
  if (auto p = f.Get("produced_in")) EXPORTCTL_RETURN_IF_ERROR(ParseCountryList(data, *p, f.Path("produced_in"), g.produced_in));
  if (auto t = f.Get("us_technology_eccns")) {
    g.us_technology_eccns.emplace();
    EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*t, f.Path("us_technology_eccns"), "must be an array of ECCNs ([] = none; null = unknown)",
                                             [&](element x, const std::string& xp) {
      std::string_view s;
      if (x.get_string().get(s) || !jurisdiction::Rules::IsEccn(s)) {
        return Status::Invalid(xp, "must be an ECCN such as \"3E001\" or \"EAR99\"");
      }
      if (!jurisdiction::KnownTechnologyEccn(data, s)) {
        return Status::Invalid(xp, "\"" + std::string(s) + "\": not EAR99 and not a technology or software ECCN the foreign direct "
                                   "product rules list (data/regimes/jurisdiction.json); check the ECCN, or leave out US "
                                   "technology no rule lists");
      }
      g.us_technology_eccns->emplace_back(s);
      return Status::Ok();
    }));
  }
  if (auto c = f.Get("us_content")) {
    g.us_content.emplace();
    double sum = 0;
    EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*c, f.Path("us_content"), "must be an array of {eccn or chip, value_usd} ([] = none; null = unknown)",
                                             [&](element x, const std::string& xp) {
      object xo;
      if (x.get_object().get(xo)) return Status::Invalid(xp, "must be an object {eccn or chip, value_usd}");
      Fields xf(xo, xp);
      NoteUnknownFields(xo, xp, {"eccn", "chip", "value_usd", "part", "quantity", "origin_country", "gbs_eligible"}, unknown);
      jurisdiction::UsContent u;
      u.part = xf.Str("part", st).value_or("");
      u.gbs_eligible = xf.Bool("gbs_eligible", st);
      auto eccn = xf.Str("eccn", st);
      auto chip = xf.Str("chip", st);
      auto value = xf.Num("value_usd", st, true);
      EXPORTCTL_RETURN_IF_ERROR(st);
      // One part, one classification: an ECCN beside a chip could contradict it.
      if (eccn && chip) return Status::Invalid(xp, "give \"eccn\" or \"chip\", not both (the chip is classified from the catalog)");
      if (eccn) {
        if (!jurisdiction::Rules::IsEccn(*eccn)) return Status::Invalid(xf.Path("eccn"), "must be an ECCN such as \"3A090.a\" or \"EAR99\"");
        if (!jurisdiction::KnownContentEccn(data, *eccn)) {
          return Status::Invalid(xf.Path("eccn"), "\"" + *eccn + "\": no license requirement is recorded for this ECCN, so it cannot be "
                                                  "weighed as de minimis content (give the catalog chip, or one of the ECCNs of "
                                                  "data/regimes/jurisdiction.json content_controls)");
        }
        u.eccn = *eccn;
      } else if (chip) {
        auto rec = data.FindChip(*chip);
        if (!rec.ok()) return Status::Invalid(xf.Path("chip"), rec.status().message());
        u.chip = (*rec)->name;
        u.chip_spec = (*rec)->ToSpec();
      } else {
        return Status::Invalid(xf.Path("eccn"), "is required (or \"chip\", a catalog name)");
      }
      if (u.part.empty()) u.part = u.chip.empty() ? u.eccn : u.chip;
      auto q = ParseQuantity(xf, false);
      if (!q.ok()) return q.status();
      u.quantity = *q;
      if (*value > kMaxValueUsd) return Status::Invalid(xf.Path("value_usd"), "must be at most 10^15 USD");
      u.value_usd = *value;
      sum += *value;
      if (xf.Has("origin_country")) {
        std::string oc;
        ResolveCountryField(data, xf, "origin_country", st, oc, false);
        EXPORTCTL_RETURN_IF_ERROR(st);
        if (!data.IsUnitedStates(oc)) return Status::Invalid(xf.Path("origin_country"), "US content must be of US origin (got " + oc + "); leave foreign parts out");
      }
      g.us_content->push_back(std::move(u));
      return Status::Ok();
    }));
    if (sum > 0 && !g.value_usd) return Status::Invalid(f.Path("value_usd"), "is required to weigh the US content (de minimis)");
    if (sum > 0 && *g.value_usd <= 0) return Status::Invalid(f.Path("value_usd"), "must be positive when the item has US content");
    if (g.value_usd && sum > *g.value_usd * (1 + 1e-9)) {
      return Status::Invalid(f.Path("us_content"), "the US content (USD " + Fields::FormatNumber(sum) + ") is above the item's value (USD " +
                                                       Fields::FormatNumber(*g.value_usd) + ")");
    }
  }
  out = std::move(g);
  return Status::Ok();
}

Status ParseItemSpec(const Dataset& data, element e, const std::string& path, TransactionItem& item,
                     std::vector<std::string>& unknown);

Status ParseItem(const Dataset& data, element e, const std::string& path, TransactionItem& item,
                 std::vector<std::string>& unknown) {
  EXPORTCTL_RETURN_IF_ERROR(ParseItemSpec(data, e, path, item, unknown));
  object o;
  if (e.get_object().get(o)) return Status::Ok();  // not an object: ParseItemSpec said so
  Status st;
  item.value_usd = Fields(o, path).Num("value_usd", st);  // what a license's value limit counts
  EXPORTCTL_RETURN_IF_ERROR(st);
  return ParseOrigin(data, Fields(o, path), item.origin, unknown);
}

Status ParseItemSpec(const Dataset& data, element e, const std::string& path, TransactionItem& item,
                     std::vector<std::string>& unknown) {
  object o;
  if (e.get_object().get(o)) return Status::Invalid(path, "must be an object");
  Fields f(o, path);
  Status st;
  if (auto w = f.Get("model_weights")) {
    object wo;
    if (w->get_object().get(wo)) return Status::Invalid(f.Path("model_weights"), "must be an object");
    Fields wf(wo, f.Path("model_weights"));
    NoteUnknownFields(o, path, {"model_weights", "quantity", "origin", "value_usd"}, unknown);
    NoteUnknownFields(wo, f.Path("model_weights"), {"training_operations", "published", "derived_from_published",
                                        "additional_training_operations", "below_published_frontier", "name"}, unknown);
    item.spec.kind = ItemKind::kModelWeights;
    ModelWeightsSpec& m = item.spec.weights;
    if (auto v = wf.Num("training_operations", st)) m.training_operations = *v;
    m.published = wf.Bool("published", st).value_or(false);
    if (!wf.Has("published") && st.ok()) return Status::Invalid(wf.Path("published"), "is required (true if the weights are published)");
    m.derived_from_published = wf.Bool("derived_from_published", st).value_or(false);
    if (auto v = wf.Num("additional_training_operations", st)) m.additional_training_operations = *v;
    m.below_published_frontier = wf.Bool("below_published_frontier", st).value_or(false);
    EXPORTCTL_RETURN_IF_ERROR(st);
    auto q = ParseQuantity(f, false);
    if (!q.ok()) return q.status();
    item.quantity = *q;
    item.label = wf.Str("name", st).value_or("model weights");
    return st;
  }
  if (auto h = f.Get("hbm")) {
    object ho;
    if (h->get_object().get(ho)) return Status::Invalid(f.Path("hbm"), "must be an object");
    Fields hf(ho, f.Path("hbm"));
    NoteUnknownFields(o, path, {"hbm", "quantity", "origin", "value_usd"}, unknown);
    NoteUnknownFields(ho, f.Path("hbm"), {"memory_bandwidth_gbps", "package_area_mm2", "memory_bandwidth_density", "model"}, unknown);
    item.spec.kind = ItemKind::kHbm;
    if (auto v = hf.Num("memory_bandwidth_gbps", st)) item.spec.memory_bandwidth_gbps = *v;
    if (auto v = hf.Num("package_area_mm2", st)) {
      if (*v <= 0) return Status::Invalid(hf.Path("package_area_mm2"), "must be positive");
      item.spec.package_area_mm2 = *v;
    }
    if (auto v = hf.Num("memory_bandwidth_density", st)) item.spec.memory_bandwidth_density = *v;
    EXPORTCTL_RETURN_IF_ERROR(st);
    item.label = hf.Str("model", st).value_or("HBM stack");
    auto q = ParseQuantity(f, true);
    if (!q.ok()) return q.status();
    item.quantity = *q;
    return st;
  }
  if (auto s = f.Get("system")) {
    object so;
    if (s->get_object().get(so)) return Status::Invalid(f.Path("system"), "must be an object");
    Fields sf(so, f.Path("system"));
    NoteUnknownFields(o, path, {"system", "quantity", "origin", "value_usd"}, unknown);
    NoteUnknownFields(so, f.Path("system"), {"name", "components"}, unknown);
    item.spec.kind = ItemKind::kSystem;
    item.label = sf.Str("name", st).value_or("system");
    auto comps = sf.Get("components");
    simdjson::dom::array arr;
    if (!comps || comps->get_array().get(arr) || arr.size() == 0) {
      return Status::Invalid(sf.Path("components"), "is required: a non-empty array of {chip|specs, count}");
    }
    if (arr.size() > kMaxComponentsPerSystem) {
      return Status::Invalid(sf.Path("components"),
                             "more than " + std::to_string(kMaxComponentsPerSystem) +
                                 " components; give each kind once with its count");
    }
    EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*comps, sf.Path("components"), "must be an array", [&](element c, const std::string& cp) {
      object co;
      if (c.get_object().get(co)) return Status::Invalid(cp, "must be an object");
      Fields cf(co, cp);
      SystemComponent comp;
      std::string clabel;
      NoteUnknownFields(co, cp, {"count", "produced_in"}, unknown, kChipFields);
      EXPORTCTL_RETURN_IF_ERROR(ParseIcSpec(data, cf, comp.spec, clabel, unknown));
      if (auto p = cf.Get("produced_in")) {
        EXPORTCTL_RETURN_IF_ERROR(ParseCountryList(data, *p, cf.Path("produced_in"), comp.produced_in.emplace()));
      }
      auto n = ParseQuantity(cf, true, "count");
      if (!n.ok()) return n.status();
      comp.count = *n;
      item.spec.components.push_back(std::move(comp));
      return Status::Ok();
    }));
    auto q = ParseQuantity(f, true);
    if (!q.ok()) return q.status();
    item.quantity = *q;
    return Status::Ok();
  }
  NoteUnknownFields(o, path, {"quantity", "origin", "value_usd"}, unknown, kChipFields);
  EXPORTCTL_RETURN_IF_ERROR(ParseIcSpec(data, f, item.spec, item.label, unknown));
  auto q = ParseQuantity(f, true);
  if (!q.ok()) return q.status();
  item.quantity = *q;
  return Status::Ok();
}

Result<RestrictedList> ParseListName(std::string_view s) {
  if (auto l = RestrictedListFromName(s)) return *l;
  std::string names;
  for (const auto& [list, name] : kListNames) names += (names.empty() ? "" : ", ") + std::string(name);
  return Status::Invalid("list", "must be one of " + names);
}

// "restricted_lists": listings the caller already knows of (a party's or an owner's).
Status ParseListings(const Fields& f, const std::string& name, std::vector<Listing>& out, std::vector<std::string>& unknown) {
  Status st;
  auto lists = f.Get("restricted_lists");
  if (!lists) return Status::Ok();
  return ForEachElement(*lists, f.Path("restricted_lists"), "must be an array", [&](element l, const std::string& lp) {
    object lo;
    if (l.get_object().get(lo)) return Status::Invalid(lp, "must be an object {list, footnote, entry}");
    Fields lf(lo, lp);
    NoteUnknownFields(lo, lp, {"list", "footnote", "entry", "citation", "license_requirement", "license_policy", "score", "programs"},
                      unknown);
    Listing listing;
    auto list_name = lf.Str("list", st, true);
    EXPORTCTL_RETURN_IF_ERROR(st);
    auto parsed = ParseListName(*list_name);
    if (!parsed.ok()) return Status::Invalid(lf.Path("list"), parsed.status().message());
    listing.list = *parsed;
    if (auto fn = lf.Num("footnote", st)) listing.footnote = static_cast<int>(*fn);
    listing.entry = lf.Str("entry", st).value_or(name);
    listing.citation = lf.Str("citation", st).value_or("");
    listing.license_requirement = lf.Str("license_requirement", st).value_or("");
    listing.license_policy = lf.Str("license_policy", st).value_or("");
    if (auto sc = lf.Num("score", st)) {
      if (*sc > 1) return Status::Invalid(lf.Path("score"), "must be between 0 and 1");
      listing.score = *sc;
    }
    if (auto progs = lf.Get("programs")) {
      EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*progs, lf.Path("programs"), "must be an array of OFAC program codes",
                                               [&](element pe, const std::string& pp) {
        std::string_view code;
        if (pe.get_string().get(code) || code.empty()) return Status::Invalid(pp, "must be a non-empty string (an OFAC program code)");
        listing.programs.emplace_back(code);
        return Status::Ok();
      }));
    }
    EXPORTCTL_RETURN_IF_ERROR(st);
    out.push_back(std::move(listing));
    return Status::Ok();
  });
}

// "owners": [{name, percent, country, headquarters, joint_venture_partner, restricted_lists, owners}],
// nested up to kMaxOwnershipDepth
// levels. A share the caller does not know is null (kept unknown, never read as 0).
Status ParseOwners(const Dataset& data, const Fields& f, size_t depth, size_t& count, std::vector<Owner>& out,
                   std::vector<std::string>& unknown) {
  auto owners = f.Get("owners");
  if (!owners) return Status::Ok();
  constexpr std::string_view kNotArray = "must be an array of {name, percent, country, restricted_lists, owners}";
  if (owners->type() != element_type::ARRAY) return Status::Invalid(f.Path("owners"), std::string(kNotArray));
  if (depth > kMaxOwnershipDepth) {
    return Status::Invalid(f.Path("owners"), "ownership nested deeper than " + std::to_string(kMaxOwnershipDepth) +
                                                 " levels; state the chain up to the listed owner, or use an ownership graph");
  }
  double sum = 0;
  EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*owners, f.Path("owners"), kNotArray, [&](element e, const std::string& op) {
    if (++count > kMaxOwnersPerTransaction) {
      return Status::Invalid(op, "more than " + std::to_string(kMaxOwnersPerTransaction) + " owners stated in one transaction");
    }
    object o;
    if (e.get_object().get(o)) return Status::Invalid(op, "must be an object {name, percent, country, restricted_lists, owners}");
    Fields of(o, op);
    NoteUnknownFields(o, op, {"name", "percent", "country", "headquarters", "joint_venture_partner", "restricted_lists", "owners"}, unknown);
    Status st;
    Owner owner;
    auto name = of.Str("name", st, true);
    EXPORTCTL_RETURN_IF_ERROR(st);
    if (name->find_first_not_of(" \t") == std::string::npos) return Status::Invalid(of.Path("name"), "must not be empty");
    owner.name = *name;
    if (auto pct = of.Num("percent", st, false, /*non_negative=*/false)) {
      if (*pct < 0 || *pct > 100) {
        return Status::Invalid(of.Path("percent"), "must be between 0 and 100 (a share in percent, or null when unknown), got " +
                                                       Fields::FormatNumber(*pct));
      }
      owner.percent = *pct;
      sum += *pct;
    }
    EXPORTCTL_RETURN_IF_ERROR(st);
    ResolveCountryField(data, of, "country", st, owner.country, false);
    EXPORTCTL_RETURN_IF_ERROR(st);
    ResolveCountryField(data, of, "headquarters", st, owner.headquarters, false);
    EXPORTCTL_RETURN_IF_ERROR(st);
    owner.joint_venture_partner = of.Bool("joint_venture_partner", st);
    EXPORTCTL_RETURN_IF_ERROR(st);
    EXPORTCTL_RETURN_IF_ERROR(ParseListings(of, owner.name, owner.listings, unknown));
    EXPORTCTL_RETURN_IF_ERROR(ParseOwners(data, of, depth + 1, count, owner.owners, unknown));
    out.push_back(std::move(owner));
    return Status::Ok();
  }));
  // A little slack for shares written with decimals (33.33 × 3).
  if (sum > 100.0 + 1e-6) {
    return Status::Invalid(f.Path("owners"), "the owners' shares sum to " + Fields::FormatNumber(sum) + "%, past 100%");
  }
  return Status::Ok();
}

Status ParseParty(const Dataset& data, element e, const std::string& path, Party& p,
                  std::vector<std::string>& unknown) {
  object o;
  if (e.get_object().get(o)) return Status::Invalid(path, "must be an object");
  Fields f(o, path);
  NoteUnknownFields(o, path, {"role", "name", "party_id", "country", "headquarters", "ultimate_parent_headquarters", "owners",
                              "restricted_lists"}, unknown);
  Status st;
  auto role = f.Str("role", st, true);
  EXPORTCTL_RETURN_IF_ERROR(st);
  static constexpr PartyRole kRoles[] = {PartyRole::kPurchaser, PartyRole::kIntermediateConsignee,
                                         PartyRole::kUltimateConsignee, PartyRole::kEndUser,
                                         PartyRole::kExporter};
  bool found = false;
  for (PartyRole r : kRoles) {
    if (*role == PartyRoleName(r)) {
      p.role = r;
      found = true;
    }
  }
  if (!found) {
    return Status::Invalid(f.Path("role"), "must be one of purchaser, intermediate_consignee, ultimate_consignee, end_user, exporter");
  }
  p.name = f.Str("name", st).value_or("");
  p.party_id = f.Str("party_id", st).value_or("");
  EXPORTCTL_RETURN_IF_ERROR(st);
  if (!p.party_id.empty()) EXPORTCTL_RETURN_IF_ERROR(CheckIdentifier(f.Path("party_id"), p.party_id));
  ResolveCountryField(data, f, "country", st, p.country, false);
  ResolveCountryField(data, f, "headquarters", st, p.headquarters, false);
  ResolveCountryField(data, f, "ultimate_parent_headquarters", st, p.ultimate_parent_headquarters, false);
  EXPORTCTL_RETURN_IF_ERROR(st);
  EXPORTCTL_RETURN_IF_ERROR(ParseListings(f, p.name, p.listings, unknown));
  size_t owners = 0;
  return ParseOwners(data, f, 1, owners, p.owners, unknown);
}

// The path of a key that appears twice in one object ("parties[1].name"), if any. JSON leaves
// repeated keys undefined: deciding on whichever copy the parser keeps could decide for a
// destination the sender did not mean, so a repeated key is an input error.
bool FindDuplicateKey(element e, std::string* path) {
  auto prefix = [path](std::string head) {
    if (!path->empty() && (*path)[0] != '[') head += '.';
    *path = head + *path;
  };
  if (simdjson::dom::array arr; !e.get_array().get(arr)) {
    size_t i = 0;
    for (element child : arr) {
      if (FindDuplicateKey(child, path)) {
        prefix("[" + std::to_string(i) + "]");
        return true;
      }
      ++i;
    }
    return false;
  }
  object o;
  if (e.get_object().get(o)) return false;
  std::vector<std::string_view> keys;
  for (auto field : o) keys.push_back(field.key);
  if (keys.size() <= 16) {  // the usual case: a few keys, compared pairwise
    for (size_t i = 1; i < keys.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (keys[i] == keys[j]) return *path = std::string(keys[i]), true;
      }
    }
  } else {  // many keys (a hostile body): sorted, so the check stays n log n
    std::sort(keys.begin(), keys.end());
    auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) return *path = std::string(*dup), true;
  }
  for (auto field : o) {
    if (FindDuplicateKey(field.value, path)) {
      prefix(std::string(field.key));
      return true;
    }
  }
  return false;
}

}  // namespace

Result<Transaction> ParseTransaction(std::string_view json, const Dataset& data,
                                     std::optional<Date> default_as_of, bool strict) {
  // A UTF-8 byte order mark, as some Windows editors write one, is not part of the JSON.
  if (json.substr(0, 3) == "\xEF\xBB\xBF") json.remove_prefix(3);
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root)) {
    if (err == simdjson::UTF8_ERROR) return CheckJsonUtf8(json);  // names the field
    return Status::Invalid("", "malformed JSON" + JsonErrorPosition(json) + ": " + simdjson::error_message(err));
  }
  object o;
  if (root.get_object().get(o)) return Status::Invalid("", "a transaction must be a JSON object");
  if (std::string path; FindDuplicateKey(root, &path)) {
    return Status::Invalid(path, "appears twice in one object");
  }
  Fields f(o, "");
  Status st;
  Transaction tx;
  std::vector<std::string>& unknown = tx.unknown_fields;
  NoteUnknownFields(o, "", {"reference", "as_of", "posture", "activity", "destination", "items", "parties", "end_use",
                            "hbm_exception", "h200_certifications", "red_flags", "aia_certification",
                            "model_weights_secure_storage", "strict", "license"}, unknown);
  strict = f.Bool("strict", st).value_or(false) || strict;
  EXPORTCTL_RETURN_IF_ERROR(st);
  tx.reference = f.Str("reference", st).value_or("");
  tx.license = f.Str("license", st).value_or("");
  for (char c : tx.license) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return Status::Invalid("license", "may hold only letters, digits and '-' (a license number)");
  }
  if (tx.license.size() > 40) return Status::Invalid("license", "is longer than 40 characters");
  if (auto s = f.Str("as_of", st)) {
    auto d = Date::Parse(*s);
    if (!d.ok()) return Status::Invalid("as_of", d.status().message());
    tx.as_of = *d;
  } else if (st.ok()) {
    if (!default_as_of) return Status::Invalid("as_of", "is required (YYYY-MM-DD)");
    tx.as_of = *default_as_of;
  }
  if (auto s = f.Str("posture", st)) {
    auto p = ParsePosture(*s);
    if (!p.ok()) return p.status();
    tx.posture = *p;
  }
  if (auto s = f.Str("activity", st)) {
    static constexpr Activity kActs[] = {Activity::kExport, Activity::kReexport, Activity::kTransfer, Activity::kUse};
    bool found = false;
    for (Activity a : kActs) {
      if (*s == ActivityName(a)) tx.activity = a, found = true;
    }
    if (!found) return Status::Invalid("activity", "must be one of export, reexport, transfer, use");
  }
  EXPORTCTL_RETURN_IF_ERROR(st);
  tx.destination_input = f.Str("destination", st, true).value_or("");
  ResolveCountryField(data, f, "destination", st, tx.destination, true);
  EXPORTCTL_RETURN_IF_ERROR(st);

  auto items = f.Get("items");
  simdjson::dom::array arr;
  if (!items) return Status::Invalid("items", "is required: a non-empty array");
  if (items->get_array().get(arr)) return Status::Invalid("items", "must be an array");
  if (arr.size() == 0) return Status::Invalid("items", "must not be empty");
  if (arr.size() > kMaxItemsPerTransaction) {
    return Status::Invalid("items", "more than " + std::to_string(kMaxItemsPerTransaction) +
                                        " items in one transaction; split the order");
  }
  EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*items, "items", "must be an array", [&](element e, const std::string& ip) {
    TransactionItem item;
    EXPORTCTL_RETURN_IF_ERROR(ParseItem(data, e, ip, item, unknown));
    tx.items.push_back(std::move(item));
    return Status::Ok();
  }));
  if (auto parties = f.Get("parties")) {
    if (parties->get_array().get(arr)) return Status::Invalid("parties", "must be an array");
    if (arr.size() > kMaxPartiesPerTransaction) {
      return Status::Invalid("parties", "more than " + std::to_string(kMaxPartiesPerTransaction) +
                                            " parties in one transaction");
    }
    EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*parties, "parties", "must be an array", [&](element e, const std::string& pp) {
      Party p;
      EXPORTCTL_RETURN_IF_ERROR(ParseParty(data, e, pp, p, unknown));
      tx.parties.push_back(std::move(p));
      return Status::Ok();
    }));
  }
  if (auto eu = f.Get("end_use")) {
    object euo;
    if (eu->get_object().get(euo)) return Status::Invalid("end_use", "must be an object");
    Fields ef(euo, "end_use");
    NoteUnknownFields(euo, "end_use", {"ai_model_training_for_headquarters", "ai_model_inference_for_headquarters",
                                       "technical_evaluation", "military_intelligence", "weapons_of_mass_destruction",
                                       "supercomputer", "supercomputer_prc_macau", "for_footnote_1_4_entity",
                                       "incorporated_into_items_for"}, unknown);
    ResolveCountryField(data, ef, "ai_model_training_for_headquarters", st, tx.end_use.ai_model_training_for_headquarters, false);
    ResolveCountryField(data, ef, "ai_model_inference_for_headquarters", st, tx.end_use.ai_model_inference_for_headquarters, false);
    tx.end_use.technical_evaluation = ef.Bool("technical_evaluation", st).value_or(false);
    tx.end_use.military_intelligence = ef.Bool("military_intelligence", st).value_or(false);
    tx.end_use.weapons_of_mass_destruction = ef.Bool("weapons_of_mass_destruction", st).value_or(false);
    tx.end_use.supercomputer = ef.Bool("supercomputer", st).value_or(false);
    tx.end_use.supercomputer_prc_macau = ef.Bool("supercomputer_prc_macau", st);
    tx.end_use.for_footnote_1_4_entity = ef.Bool("for_footnote_1_4_entity", st);
    if (auto inc = ef.Get("incorporated_into_items_for")) {
      tx.end_use.incorporated_into_items_for.emplace();
      EXPORTCTL_RETURN_IF_ERROR(ParseCountryList(data, *inc, "end_use.incorporated_into_items_for", *tx.end_use.incorporated_into_items_for));
    }
    EXPORTCTL_RETURN_IF_ERROR(st);
  }
  if (auto h = f.Get("hbm_exception")) {
    object ho;
    if (h->get_object().get(ho)) return Status::Invalid("hbm_exception", "must be an object");
    Fields hf(ho, "hbm_exception");
    NoteUnknownFields(ho, "hbm_exception", {"exporter_headquarters", "direct_to_copackager"}, unknown);
    HbmFacts facts;
    ResolveCountryField(data, hf, "exporter_headquarters", st, facts.exporter_headquarters, true);
    facts.direct_to_copackager = hf.Bool("direct_to_copackager", st).value_or(false);
    EXPORTCTL_RETURN_IF_ERROR(st);
    tx.hbm = facts;
  }
  if (auto c = f.Get("h200_certifications")) {
    object co;
    if (c->get_object().get(co)) return Status::Invalid("h200_certifications", "must be an object");
    Fields cf(co, "h200_certifications");
    NoteUnknownFields(co, "h200_certifications", {"sufficient_us_supply", "no_foundry_diversion",
                                                  "china_volume_within_half_of_us",
                                                  "know_your_customer_and_remote_access", "third_party_testing_in_us"},
                      unknown);
    H200Certifications certs;
    certs.sufficient_us_supply = cf.Bool("sufficient_us_supply", st).value_or(false);
    certs.no_foundry_diversion = cf.Bool("no_foundry_diversion", st).value_or(false);
    certs.china_volume_within_half_of_us = cf.Bool("china_volume_within_half_of_us", st).value_or(false);
    certs.know_your_customer_and_remote_access = cf.Bool("know_your_customer_and_remote_access", st).value_or(false);
    certs.third_party_testing_in_us = cf.Bool("third_party_testing_in_us", st).value_or(false);
    EXPORTCTL_RETURN_IF_ERROR(st);
    tx.h200_certifications = certs;
  }
  if (auto rf = f.Get("red_flags")) {
    EXPORTCTL_RETURN_IF_ERROR(ForEachElement(*rf, "red_flags", "must be an array of strings", [&](element e, const std::string& rp) {
      std::string_view s;
      if (e.get_string().get(s)) return Status::Invalid(rp, "must be a string");
      tx.red_flags.emplace_back(s);
      return Status::Ok();
    }));
  }
  tx.aia_certification_obtained = f.Bool("aia_certification", st).value_or(false);
  tx.model_weights_secure_storage = f.Bool("model_weights_secure_storage", st).value_or(false);
  EXPORTCTL_RETURN_IF_ERROR(st);
  if (strict && !unknown.empty()) {
    return Status::Invalid(unknown.front(), "is not a field of the transaction format (strict mode refuses unknown fields; "
                                            "check its spelling)");
  }
  return tx;
}

}  // namespace exportctl

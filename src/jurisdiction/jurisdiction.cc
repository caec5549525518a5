#include "jurisdiction/jurisdiction.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "data/dataset.h"

namespace exportctl::jurisdiction {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSubject: return "subject";
    case Verdict::kNotSubject: return "not_subject";
    case Verdict::kUndetermined: return "undetermined";
  }
  return "undetermined";
}

namespace {

constexpr uint32_t Bit(Group g) { return 1u << static_cast<int>(g); }

struct Windows {
  std::array<std::vector<Window>, 2> by_posture;  // enforced, codified
  bool On(Date d, Posture p) const {
    for (const auto& w : by_posture[p == Posture::kEnforced ? 0 : 1]) {
      if (w.Contains(d)) return true;
    }
    return false;
  }
};

struct ContentControl {
  std::vector<std::string> eccns;
  std::string scope;  // license_area, worldwide, named, headquarters, chart, none
  std::vector<std::string> countries;
  uint32_t groups = 0;
  std::vector<std::string> columns;
  Windows windows;
  std::string citation;
  bool verified = true;  // the reason for control was checked against the references
};

struct NoDeMinimis {
  std::vector<std::string> eccns;
  bool computers_only = false;
  std::string citation, summary;
};

// The Commerce Country Chart as read on one date (Supp. No. 1 to Part 738): ISO code → columns
// marked X. Known in force from `effective`; nothing is known about earlier dates.
struct Chart {
  Date effective;
  std::string source;
  std::unordered_map<std::string, std::vector<std::string>> rows;
};

enum class Control { kNo, kYes, kUncertain };

struct Embargo {
  std::vector<std::string> codes;
  std::optional<Date> from, until;
  bool all_items = false;  // EAR99 too (Cuba, North Korea, the covered regions of Ukraine)
  std::string section;
};

// "3A090.a" is within "3A090"; "3A001.z" within "3A001".
bool Within(std::string_view eccn, std::string_view entry) {
  return eccn == entry || (eccn.size() > entry.size() && eccn.substr(0, entry.size()) == entry && eccn[entry.size()] == '.');
}
bool AnyWithin(std::string_view eccn, const std::vector<std::string>& entries) {
  return std::any_of(entries.begin(), entries.end(), [&](const std::string& e) { return Within(eccn, e); });
}

std::string Money(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "USD %.2f", v);
  std::string s = buf;
  if (s.size() > 3 && s.substr(s.size() - 3) == ".00") s.resize(s.size() - 3);
  return s;
}
std::string Percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", v);
  return buf;
}

}  // namespace

struct Rules::Impl {
  const Dataset* data = nullptr;
  double dm_percent = 25, dm_restricted_percent = 10;
  uint32_t dm_restricted_groups = 0;
  std::string dm_citation;
  std::vector<NoDeMinimis> no_dm;
  std::vector<ContentControl> content;
  std::vector<Chart> charts;  // ascending by effective date
  std::string chart_citation;
  uint32_t gbs_groups = 0;
  std::string gbs_citation;
  std::vector<std::string> l_items;
  std::vector<std::string> h_outputs, h_inputs, e1_inputs, e4_inputs, i_inputs, i_countries, gp10_eccns,
      gp10_countries, h_countries, h_hq_countries, ignored;
  uint32_t h_groups = 0, h_excluding = 0, h_hq_groups = 0, gp10_groups = 0;
  std::vector<std::string> gp10_named;  // catalog ids of the chips BIS's guidance names
  std::vector<Embargo> embargoes;
  const RuleDef *us_located = nullptr, *us_origin = nullptr, *published = nullptr, *no_de_minimis = nullptr,
                *de_minimis = nullptr, *fdp_h = nullptr, *fdp_h_worldwide = nullptr, *fdp_e = nullptr,
                *fdp_i = nullptr, *gp10 = nullptr, *not_subject = nullptr, *fdp_l = nullptr;
};

Rules::Rules(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Rules::~Rules() = default;
const Dataset& Rules::data() const { return *impl_->data; }

bool Rules::IsEccn(std::string_view s) {
  if (s == "EAR99") return true;
  if (s.size() < 5) return false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(s[0]) || s[1] < 'A' || s[1] > 'E' || !digit(s[2]) || !digit(s[3]) || !digit(s[4])) return false;
  if (s.size() == 5) return true;
  if (s[5] != '.' || s.size() == 6) return false;
  for (char c : s.substr(6)) {
    if (!(digit(c) || (c >= 'a' && c <= 'z') || c == '.')) return false;
  }
  return s.back() != '.';
}


bool KnownContentEccn(const Dataset& data, std::string_view eccn) {
  const Parameter* p = data.Param("jurisdiction", "content_controls");
  if (!p || !p->value.contains("value")) return false;
  for (const auto& c : p->value["value"]) {
    for (const auto& e : c.value("eccns", nlohmann::json::array())) {
      if (e.is_string() && Within(eccn, e.get<std::string>())) return true;
    }
  }
  return false;
}

bool KnownTechnologyEccn(const Dataset& data, std::string_view eccn) {
  if (eccn == "EAR99") return true;
  for (const char* rule : {"fdp_h", "fdp_e", "fdp_i"}) {
    const Parameter* p = data.Param("jurisdiction", rule);
    if (!p || !p->value.contains("value") || !p->value["value"].is_object()) continue;
    for (const auto& e : p->value["value"].value("inputs", nlohmann::json::array())) {
      if (e.is_string() && Within(eccn, e.get<std::string>())) return true;
    }
  }
  return false;
}

namespace {

Status ReadStrings(const nlohmann::json& v, const char* key, std::vector<std::string>& out, const std::string& where) {
  if (!v.contains(key)) return Status::Ok();
  if (!v[key].is_array()) return Status::Error(ErrorCode::kDataError, "jurisdiction", where + "." + key + ": must be an array of strings");
  for (const auto& s : v[key]) {
    if (!s.is_string()) return Status::Error(ErrorCode::kDataError, "jurisdiction", where + "." + key + ": must be an array of strings");
    out.push_back(s.get<std::string>());
  }
  return Status::Ok();
}

Result<uint32_t> ReadGroups(const nlohmann::json& v, const char* key, const std::string& where) {
  std::vector<std::string> names;
  EXPORTCTL_RETURN_IF_ERROR(ReadStrings(v, key, names, where));
  uint32_t bits = 0;
  for (const auto& n : names) {
    auto g = ParseGroup(n);
    if (!g) return Status::Error(ErrorCode::kDataError, "jurisdiction", where + "." + key + ": unknown Country Group \"" + n + "\"");
    bits |= Bit(*g);
  }
  return bits;
}

Result<Windows> ReadWindows(const nlohmann::json& v, const std::string& where) {
  Windows w;
  if (!v.contains("windows") || !v["windows"].is_object()) {
    return Status::Error(ErrorCode::kDataError, "jurisdiction", where + ".windows: is required (per posture)");
  }
  for (size_t p = 0; p < 2; ++p) {
    const char* name = p == 0 ? "enforced" : "codified";
    if (!v["windows"].contains(name)) continue;
    for (const auto& e : v["windows"][name]) {
      auto from = Date::Parse(e.value("from", ""));
      if (!from.ok()) return Status::Error(ErrorCode::kDataError, "jurisdiction", where + ".windows." + name + ".from: not a date");
      Window win{*from, std::nullopt};
      if (e.contains("to")) {
        auto to = Date::Parse(e.value("to", ""));
        if (!to.ok()) return Status::Error(ErrorCode::kDataError, "jurisdiction", where + ".windows." + name + ".to: not a date");
        win.to = *to;
      }
      w.by_posture[p].push_back(win);
    }
  }
  return w;
}

}  // namespace

Result<std::shared_ptr<const Rules>> Rules::Compile(const Dataset& d) {
  auto impl = std::make_unique<Impl>();
  impl->data = &d;
  const std::string regime = "jurisdiction";
  auto param = [&](const char* name) -> Result<const nlohmann::json*> {
    const Parameter* p = d.Param(regime, name);
    if (!p || !p->value.contains("value")) {
      return Status::Error(ErrorCode::kDataError, "jurisdiction", "regimes/jurisdiction.json: parameters." + std::string(name) + " is required");
    }
    return &p->value["value"];
  };
  const std::string where = "regimes/jurisdiction.json: parameters.";
  {
    auto v = param("de_minimis");
    if (!v.ok()) return v.status();
    const auto& j = **v;
    impl->dm_percent = j.value("percent", 25.0);
    impl->dm_restricted_percent = j.value("percent_restricted", 10.0);
    auto g = ReadGroups(j, "restricted_groups", where + "de_minimis");
    if (!g.ok()) return g.status();
    impl->dm_restricted_groups = *g;
    impl->dm_citation = d.Param(regime, "de_minimis")->citation;
  }
  {
    auto v = param("no_de_minimis");
    if (!v.ok()) return v.status();
    for (const auto& e : **v) {
      NoDeMinimis n;
      EXPORTCTL_RETURN_IF_ERROR(ReadStrings(e, "eccns", n.eccns, where + "no_de_minimis"));
      std::vector<std::string> kinds;
      EXPORTCTL_RETURN_IF_ERROR(ReadStrings(e, "item_kinds", kinds, where + "no_de_minimis"));
      n.computers_only = std::find(kinds.begin(), kinds.end(), "system") != kinds.end();
      n.citation = e.value("citation", "");
      n.summary = e.value("summary", "");
      impl->no_dm.push_back(std::move(n));
    }
  }
  {
    auto v = param("content_controls");
    if (!v.ok()) return v.status();
    size_t i = 0;
    for (const auto& e : **v) {
      const std::string w = where + "content_controls[" + std::to_string(i++) + "]";
      ContentControl c;
      EXPORTCTL_RETURN_IF_ERROR(ReadStrings(e, "eccns", c.eccns, w));
      EXPORTCTL_RETURN_IF_ERROR(ReadStrings(e, "countries", c.countries, w));
      EXPORTCTL_RETURN_IF_ERROR(ReadStrings(e, "columns", c.columns, w));
      auto g = ReadGroups(e, "groups", w);
      if (!g.ok()) return g.status();
      c.groups = *g;
      c.scope = e.value("scope", "");
      static constexpr std::string_view kScopes[] = {"license_area", "worldwide", "named", "headquarters", "chart", "none"};
      if (std::find(std::begin(kScopes), std::end(kScopes), c.scope) == std::end(kScopes)) {
        return Status::Error(ErrorCode::kDataError, "jurisdiction", w + ".scope: unknown scope \"" + c.scope + "\"");
      }
      auto win = ReadWindows(e, w);
      if (!win.ok()) return win.status();
      c.windows = *win;
      c.citation = e.value("citation", "");
      c.verified = e.value("verified", true);
      if (c.citation.empty()) return Status::Error(ErrorCode::kDataError, "jurisdiction", w + ".citation: is required");
      impl->content.push_back(std::move(c));
    }
  }
  {
    auto v = param("country_chart");
    if (!v.ok()) return v.status();
    const std::string w = where + "country_chart.charts";
    if (!(*v)->contains("charts") || !(**v)["charts"].is_array() || (**v)["charts"].empty()) {
      return Status::Error(ErrorCode::kDataError, "jurisdiction", w + ": must be a non-empty array of {effective, source, rows}");
    }
    for (const auto& c : (**v)["charts"]) {
      Chart chart;
      auto eff = Date::Parse(c.value("effective", ""));
      if (!eff.ok()) return Status::Error(ErrorCode::kDataError, "jurisdiction", w + ".effective: not a date");
      chart.effective = *eff;
      chart.source = c.value("source", "");
      if (!c.contains("rows") || !c["rows"].is_object()) return Status::Error(ErrorCode::kDataError, "jurisdiction", w + ".rows: must be an object");
      for (const auto& [code, marks] : c["rows"].items()) {
        std::vector<std::string> cols;
        EXPORTCTL_RETURN_IF_ERROR(ReadStrings(c["rows"], code.c_str(), cols, w + ".rows"));
        chart.rows[code] = std::move(cols);
      }
      impl->charts.push_back(std::move(chart));
    }
    std::sort(impl->charts.begin(), impl->charts.end(), [](const Chart& a, const Chart& b) { return a.effective < b.effective; });
    impl->chart_citation = d.Param(regime, "country_chart")->citation;
    auto gbs = param("gbs");
    if (!gbs.ok()) return gbs.status();
    auto gg = ReadGroups(**gbs, "groups", where + "gbs");
    if (!gg.ok()) return gg.status();
    impl->gbs_groups = *gg;
    impl->gbs_citation = d.Param(regime, "gbs")->citation;
    auto l = param("fdp_l");
    if (!l.ok()) return l.status();
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**l, "items", impl->l_items, where + "fdp_l"));
  }
  {
    auto v = param("fdp_h");
    if (!v.ok()) return v.status();
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**v, "outputs", impl->h_outputs, where + "fdp_h"));
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**v, "inputs", impl->h_inputs, where + "fdp_h"));
    auto r = param("fdp_h_reach_2023");
    if (!r.ok()) return r.status();
    const auto& j = **r;
    for (auto [key, out] : {std::pair{"groups", &impl->h_groups}, std::pair{"excluding_groups", &impl->h_excluding},
                            std::pair{"headquarters_groups", &impl->h_hq_groups}}) {
      auto g = ReadGroups(j, key, where + "fdp_h_reach_2023");
      if (!g.ok()) return g.status();
      *out = *g;
    }
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(j, "countries", impl->h_countries, where + "fdp_h_reach_2023"));
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(j, "headquarters_countries", impl->h_hq_countries, where + "fdp_h_reach_2023"));
  }
  {
    auto v = param("fdp_e");
    if (!v.ok()) return v.status();
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**v, "footnote_1", impl->e1_inputs, where + "fdp_e"));
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**v, "footnote_4", impl->e4_inputs, where + "fdp_e"));
    auto i = param("fdp_i");
    if (!i.ok()) return i.status();
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**i, "inputs", impl->i_inputs, where + "fdp_i"));
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**i, "countries", impl->i_countries, where + "fdp_i"));
    auto g = param("gp10");
    if (!g.ok()) return g.status();
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**g, "eccns", impl->gp10_eccns, where + "gp10"));
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(**g, "designer_countries", impl->gp10_countries, where + "gp10"));
    auto gg = ReadGroups(**g, "designer_groups", where + "gp10");
    if (!gg.ok()) return gg.status();
    impl->gp10_groups = *gg;
    // The chips the guidance names are in its own regime file (the GP10 steps declare them too).
    const Parameter* named = d.Param("guidance-2025-05", "named_prc_ics");
    if (!named || !named->value.contains("value")) {
      return Status::Error(ErrorCode::kDataError, "jurisdiction", "regimes/guidance-2025-05.json: parameters.named_prc_ics is required");
    }
    EXPORTCTL_RETURN_IF_ERROR(ReadStrings(named->value, "value", impl->gp10_named, "regimes/guidance-2025-05.json: parameters.named_prc_ics"));
    auto ig = param("ignored_technology");
    if (!ig.ok()) return ig.status();
    impl->ignored = (*ig)->get<std::vector<std::string>>();
  }
  // Part 746: the embargo data says which destinations need a license for all items (EAR99 too).
  if (const Parameter* p = d.Param("embargoes", "destinations")) {
    for (const auto& e : p->value["value"]) {
      Embargo em;
      for (const auto& c : e["codes"]) em.codes.push_back(c.get<std::string>());
      if (auto f = Date::Parse(e.value("from", "")); f.ok()) em.from = *f;
      if (auto u = Date::Parse(e.value("until", "")); u.ok()) em.until = *u;
      em.all_items = e.value("all_items_subject", false);
      em.section = e.value("section", "15 CFR Part 746");
      impl->embargoes.push_back(std::move(em));
    }
  }
  struct Want { const char* id; const RuleDef** out; };
  for (auto [id, out] : {Want{"jurisdiction.us_located", &impl->us_located}, Want{"jurisdiction.us_origin", &impl->us_origin},
                         Want{"jurisdiction.published", &impl->published}, Want{"jurisdiction.no_de_minimis", &impl->no_de_minimis},
                         Want{"jurisdiction.de_minimis", &impl->de_minimis}, Want{"jurisdiction.fdp_h", &impl->fdp_h},
                         Want{"jurisdiction.fdp_h_worldwide", &impl->fdp_h_worldwide}, Want{"jurisdiction.fdp_e", &impl->fdp_e},
                         Want{"jurisdiction.fdp_i", &impl->fdp_i}, Want{"jurisdiction.gp10_presumption", &impl->gp10},
                         Want{"jurisdiction.not_subject", &impl->not_subject}, Want{"jurisdiction.fdp_l", &impl->fdp_l}}) {
    *out = d.FindRule(id);
    if (!*out) return Status::Error(ErrorCode::kDataError, "jurisdiction", std::string("regimes/jurisdiction.json: rule ") + id + " is required");
  }
  return std::shared_ptr<const Rules>(new Rules(std::move(impl)));
}

namespace {

// A three-valued fact with the field paths whose absence leaves it unknown.
struct Tri {
  Answer a = Answer::kUnknown;
  std::vector<std::string> missing;
  static Tri Yes() { return {Answer::kYes, {}}; }
  static Tri No() { return {Answer::kNo, {}}; }
  static Tri Unknown(std::string field) { return {Answer::kUnknown, {std::move(field)}}; }
  static Tri Of(std::optional<bool> b, std::string field) {
    return b ? (*b ? Yes() : No()) : Unknown(std::move(field));
  }
};
void Merge(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& m : from) {
    if (std::find(into.begin(), into.end(), m) == into.end()) into.push_back(m);
  }
}
Tri And(const Tri& x, const Tri& y) {
  if (x.a == Answer::kNo || y.a == Answer::kNo) return Tri::No();
  if (x.a == Answer::kYes && y.a == Answer::kYes) return Tri::Yes();
  Tri t{Answer::kUnknown, {}};
  if (x.a == Answer::kUnknown) Merge(t.missing, x.missing);
  if (y.a == Answer::kUnknown) Merge(t.missing, y.missing);
  return t;
}
Tri Or(const Tri& x, const Tri& y) {
  if (x.a == Answer::kYes || y.a == Answer::kYes) return Tri::Yes();
  if (x.a == Answer::kNo && y.a == Answer::kNo) return Tri::No();
  Tri t{Answer::kUnknown, {}};
  if (x.a == Answer::kUnknown) Merge(t.missing, x.missing);
  if (y.a == Answer::kUnknown) Merge(t.missing, y.missing);
  return t;
}
const char* Word(Answer a) { return a == Answer::kYes ? "yes" : a == Answer::kNo ? "no" : "unknown"; }

class Decider {
 public:
  Decider(const Rules::Impl& r, const GroupLookup& groups) : r_(r), groups_(groups) {}

  uint32_t Groups(std::string_view code, uint32_t read, Date d) const {
    if (groups_) return groups_(code, read);
    return r_.data->GroupMask(r_.data->EffectiveCode(code), d) & read;
  }
  bool Is(std::string_view code, const std::vector<std::string>& countries) const {
    const std::string_view eff = r_.data->EffectiveCode(code);
    return std::find(countries.begin(), countries.end(), eff) != countries.end() ||
           std::find(countries.begin(), countries.end(), code) != countries.end();
  }
  // D:1, D:4 or D:5 and not A:5/A:6, or Macau: the 2023 area of 742.6(a)(6)(iii) and 734.9(h).
  bool LicenseArea(std::string_view code, Date d) const {
    if (Is(code, r_.h_countries)) return true;
    const uint32_t g = Groups(code, r_.h_groups | r_.h_excluding, d);
    return (g & r_.h_groups) && !(g & r_.h_excluding);
  }
  bool HqArea(std::string_view code, Date d) const {
    return !code.empty() && (Is(code, r_.h_hq_countries) || Groups(code, r_.h_hq_groups, d) != 0);
  }

  // D:5 or Macau, as the GP10 data says (designer's headquarters or place of production).
  bool Gp10Place(std::string_view code, Date d) const {
    return !code.empty() && (Is(code, r_.gp10_countries) || Groups(code, r_.gp10_groups, d) != 0);
  }
  bool Gp10Named(const ItemSpec& s) const {
    return s.catalog && std::find(r_.gp10_named.begin(), r_.gp10_named.end(), s.catalog->id) != r_.gp10_named.end();
  }
  // Whether every class (candidate) is one the presumption covers; unknown when some are, or
  // when the item is unclassified.
  Answer Gp10Class(const std::vector<std::string>& eccns) const {
    size_t in = 0;
    for (const auto& e : eccns) in += AnyWithin(e, r_.gp10_eccns) ? 1 : 0;
    return eccns.empty() || (in != 0 && in != eccns.size()) ? Answer::kUnknown : in == 0 ? Answer::kNo : Answer::kYes;
  }

  // One chip or item: named by the guidance, or in a covered class and designed or produced in
  // D:5 or Macau. `designer_asked`: an IC, whose unstated designer may be a PRC one. A place of
  // production counts when stated (an item without origin facts is taken as US-origin). `why` is
  // "LABEL (the reason)".
  Gp10Presumption Gp10One(const ItemSpec& s, const std::string& label, const std::string& field,
                          const std::vector<std::string>& eccns, const std::vector<std::string>* produced_in,
                          bool designer_asked, Date d, bool why_if_not = true) const {
    Gp10Presumption p;
    if (Gp10Named(s)) {
      p.applies = Answer::kYes;
      p.named = true;
      p.why = label + " (named in BIS's guidance)";
      return p;
    }
    std::string tie;  // what ties it to the PRC
    if (Gp10Place(s.designer_headquarters, d)) tie = "designed by a company headquartered in " + s.designer_headquarters;
    if (produced_in) {
      for (const auto& c : *produced_in) {
        if (tie.empty() && Gp10Place(c, d)) tie = "produced in " + c;
      }
    }
    const Answer cls = Gp10Class(eccns);
    const bool unstated_designer = designer_asked && s.designer_headquarters.empty();
    // A "no" is worded only when asked for (the memberships above are read either way).
    if (!why_if_not && (cls == Answer::kNo || (tie.empty() && !unstated_designer))) return p;
    std::string classes;
    for (const auto& e : eccns) classes += (classes.empty() ? "" : " or ") + e;
    if (classes.empty()) classes = "unclassified";
    if (cls == Answer::kNo) {
      p.why = label + " (" + classes + ", outside the classes the presumption covers)";
    } else if (!tie.empty()) {
      p.applies = cls;
      p.why = label + " (" + (cls == Answer::kYes ? classes : "class not determined: " + classes) + ", " + tie + ")";
      if (cls == Answer::kUnknown) p.missing.push_back(field);
    } else if (unstated_designer) {
      p.applies = Answer::kUnknown;
      p.why = label + " (" + classes + ", its designer's headquarters not stated: a D:5 or Macau designer cannot be ruled out)";
      p.missing.push_back(field + ".designer_headquarters");
    } else {
      p.why = label + " (" + classes + ", neither designed nor produced in D:5 or Macau)";
    }
    return p;
  }

  Gp10Presumption PresumeGp10(const Gp10Facts& f) const {
    std::optional<ItemSpec> ic;  // built only when the facts name no item
    const ItemSpec& s = f.spec ? *f.spec : ic.emplace();
    const std::vector<std::string>* made = f.produced_in ? &*f.produced_in : nullptr;
    if (s.kind != ItemKind::kSystem) {
      return Gp10One(s, f.item, f.field, f.eccns, made, s.kind == ItemKind::kIntegratedCircuit, f.as_of, f.why_if_not);
    }
    // A system is treated like the chips it contains (the guidance reaches servers and boards
    // containing PRC 3A090 ICs): a named or PRC 3A090 chip in it makes it presumed; a 3A090 chip
    // whose designer is not stated, or whose place of production is not stated when the system
    // was produced in D:5 or Macau, leaves it open. Its chips are classified on their own.
    std::string made_prc;
    for (const auto& c : made ? *made : std::vector<std::string>{}) {
      if (made_prc.empty() && Gp10Place(c, f.as_of)) made_prc = c;
    }
    const Thresholds t = r_.data->ThresholdsOn(f.as_of, f.posture);
    Gp10Presumption open;
    auto leave_open = [&](const std::string& why, const std::string& field) {
      open.applies = Answer::kUnknown;
      open.why += (open.why.empty() ? f.item + " contains " : ", and ") + why;
      Merge(open.missing, {field});
    };
    for (size_t k = 0; k < s.components.size(); ++k) {
      const SystemComponent& comp = s.components[k];
      const ItemSpec& c = comp.spec;
      const Classification cls = Classify(c, t);
      std::vector<std::string> eccns;
      if (cls.determinate) eccns.push_back(EccnName(cls.eccn));
      for (Eccn e : cls.candidates) eccns.push_back(EccnName(e));
      std::string label = c.catalog ? c.catalog->name : (c.vendor.empty() ? "" : c.vendor + " ") + c.model;
      if (label.empty()) label = "component " + std::to_string(k + 1);
      const std::string field = f.field + ".system.components[" + std::to_string(k) + "]";
      Gp10Presumption p = Gp10One(c, label, field, eccns, comp.produced_in ? &*comp.produced_in : nullptr, true, f.as_of);
      if (p.applies == Answer::kYes) {
        p.why = f.item + " contains " + p.why;
        return p;
      }
      if (p.applies == Answer::kUnknown) {
        for (const auto& m : p.missing) leave_open(p.why, m);
      } else if (!made_prc.empty() && !comp.produced_in && Gp10Class(eccns) != Answer::kNo) {
        leave_open(label + " (" + (eccns.empty() ? std::string("unclassified") : eccns.front()) + "), whose place of production is not stated while " + f.item +
                       " was produced in " + made_prc,
                   field + ".produced_in");
      }
    }
    if (open.applies == Answer::kUnknown) return open;
    open.why = f.item + ": no chip in it is named by BIS's guidance, or a 3A090 chip designed" +
               std::string(made_prc.empty() ? "" : " or produced") + " in D:5 or Macau";
    return open;
  }

  // Whether any party (or its ultimate parent) is headquartered in D:5 or Macau.
  Tri PartyHeadquarters(const Facts& f, std::string* which) const {
    if (f.parties.empty()) return Tri::Unknown("parties");
    Tri t = Tri::No();
    for (size_t k = 0; k < f.parties.size(); ++k) {
      const PartyFacts& p = f.parties[k];
      const std::string path = "parties[" + std::to_string(k) + "]";
      Tri own = p.headquarters.empty() ? Tri::Unknown(path + ".headquarters")
                                       : (HqArea(p.headquarters, f.as_of) ? Tri::Yes() : Tri::No());
      Tri parent = p.ultimate_parent_headquarters.empty()
                       ? Tri::Unknown(path + ".ultimate_parent_headquarters")
                       : (HqArea(p.ultimate_parent_headquarters, f.as_of) ? Tri::Yes() : Tri::No());
      Tri party = Or(own, parent);
      if (party.a == Answer::kYes && which && which->empty()) {
        *which = "the " + p.who + (own.a == Answer::kYes ? " is headquartered in " + p.headquarters
                                                         : "'s ultimate parent is headquartered in " + p.ultimate_parent_headquarters);
      }
      t = Or(t, party);
    }
    return t;
  }

  const Embargo* EmbargoOn(std::string_view dest, Date d) const {
    for (const auto& e : r_.embargoes) {
      if ((!e.from || d >= *e.from) && (!e.until || d < *e.until) && Is(dest, e.codes)) return &e;
    }
    return nullptr;
  }

  // The chart in force on the date: the latest read on or before it. Before the first one, the
  // first is all there is, and `known` is false (its rows are not known to hold then).
  const Chart* ChartOn(Date d, bool* known) const {
    const Chart* c = nullptr;
    for (const auto& ch : r_.charts) {
      if (ch.effective <= d) c = &ch;
    }
    *known = c != nullptr;
    return c ? c : (r_.charts.empty() ? nullptr : &r_.charts.front());
  }

  // Would this US content need a license reexported in the form received to the destination on
  // the date (Country Chart and Part 746, not Part 744)? Unknown counts as controlled; a Country
  // Chart not known in force on the date makes the answer uncertain. GBS-eligible parts to a
  // Country Group B destination do not count (Supp. No. 2 to Part 734 (a)).
  Control Controlled(std::string_view eccn, std::optional<bool> gbs, const Facts& f, std::string& why) const {
    if (const Embargo* e = EmbargoOn(f.destination, f.as_of)) {
      if (e->all_items || eccn != "EAR99") {
        why = "license required to " + f.destination + " under " + e->section;
        return Control::kYes;
      }
    }
    bool known = false;
    for (const auto& c : r_.content) {
      if (!AnyWithin(eccn, c.eccns)) continue;
      known = true;
      if (!c.windows.On(f.as_of, f.posture)) continue;
      bool hit = false, uncertain = false;
      std::string detail = c.verified ? "" : " [not verified against the references]";
      if (c.scope == "worldwide") {
        hit = true;
      } else if (c.scope == "license_area") {
        hit = LicenseArea(f.destination, f.as_of);
      } else if (c.scope == "named") {
        hit = Is(f.destination, c.countries) || (c.groups && Groups(f.destination, c.groups, f.as_of));
      } else if (c.scope == "headquarters") {
        std::string which;
        Tri hq = PartyHeadquarters(f, &which);
        hit = hq.a != Answer::kNo;
        if (hit) detail += hq.a == Answer::kYes ? " (" + which + ")" : " (a party's headquarters is not stated: counted)";
      } else if (c.scope == "chart") {
        bool in_force = false;
        const Chart* chart = ChartOn(f.as_of, &in_force);
        const std::string read = chart ? " of " + chart->effective.ToString() : "";
        auto row = chart ? chart->rows.find(std::string(r_.data->EffectiveCode(f.destination))) : decltype(chart->rows.end()){};
        if (!chart || row == chart->rows.end()) {
          hit = true;
          detail += " (no Country Chart row for " + f.destination + ": counted)";
        } else {
          for (const auto& col : c.columns) {
            if (std::find(row->second.begin(), row->second.end(), col) != row->second.end()) {
              hit = true;
              detail += " (" + col + " marked for " + f.destination + " in the Country Chart" + read + ")";
              break;
            }
          }
          if (!hit) detail += " (" + [&] { std::string cols; for (const auto& col : c.columns) cols += (cols.empty() ? "" : ", ") + col; return cols; }() +
                             " not marked for " + f.destination + " in the Country Chart" + read + ")";
          uncertain = !in_force;
        }
        if (hit && gbs && *gbs && !uncertain) {
          if (Groups(f.destination, r_.gbs_groups, f.as_of)) {
            why = "GBS-eligible to " + f.destination + " (Country Group B): not counted (" + r_.gbs_citation + "; " + c.citation + detail + ")";
            return Control::kNo;
          }
          detail += "; GBS stated, but " + f.destination + " is not in Country Group B on " + f.as_of.ToString();
        }
        if (uncertain) {
          why = std::string(hit ? "license required" : "no license required") + " to " + f.destination + " by " + c.citation + detail +
                ", but that chart is not known to be in force on " + f.as_of.ToString() + ": uncertain";
          return Control::kUncertain;
        }
        if (!hit) continue;
      }
      if (hit) {
        if (gbs && *gbs && c.scope != "chart") detail += "; GBS stated, but License Exception GBS does not overcome this requirement";
        why = "license required to " + f.destination + ": " + c.citation + detail;
        return Control::kYes;
      }
    }
    why = known ? "no license required to " + f.destination + " on " + f.as_of.ToString() + " (Country Chart and Part 746)"
                    : "no control recorded for " + std::string(eccn) + ": counted";
    return known ? Control::kNo : Control::kYes;
  }

  // Software is de minimis content only if EAR99 or controlled for anti-terrorism only (notes to
  // 734.4(c)(1), (d)(1)): whether an entry is AT-only is read from its Country Chart columns.
  bool AtOnly(std::string_view eccn) const {
    if (eccn == "EAR99") return true;
    bool any = false;
    for (const auto& c : r_.content) {
      if (!AnyWithin(eccn, c.eccns) || c.scope == "none") continue;
      any = true;
      if (c.scope != "chart") return false;
      for (const auto& col : c.columns) {
        if (col.rfind("AT", 0) != 0) return false;
      }
    }
    return any;
  }

  Worksheet DeMinimis(const std::vector<UsContent>& content, std::optional<double> value, const Facts& f) const {
    Worksheet w;
    w.computed = true;
    const bool restricted = Groups(f.destination, r_.dm_restricted_groups, f.as_of) != 0;
    w.threshold_percent = restricted ? r_.dm_restricted_percent : r_.dm_percent;
    w.threshold_citation = r_.dm_citation;
    const Thresholds t = r_.data->ThresholdsOn(f.as_of, f.posture);
    for (const auto& c : content) {
      WorksheetLine line;
      line.part = c.part;
      line.chip = c.chip;
      line.value_usd = c.value_usd;
      std::vector<std::string> classes;
      if (!c.eccn.empty()) {
        classes.push_back(c.eccn);
      } else if (c.chip_spec) {
        const Classification cls = Classify(*c.chip_spec, t);
        if (cls.determinate) classes.push_back(EccnName(cls.eccn));
        for (Eccn e : cls.candidates) classes.push_back(EccnName(e));
      }
      if (classes.empty()) classes.push_back("unclassified");
      auto rank = [](Control x) { return x == Control::kYes ? 2 : x == Control::kUncertain ? 1 : 0; };
      Control best = Control::kNo;
      for (const auto& e : classes) {
        std::string why;
        const Control ctl = Controlled(e, c.gbs_eligible, f, why);
        if (line.eccn.empty() || rank(ctl) > rank(best)) {
          line.eccn = e;
          best = ctl;
          line.why = why;
        }
      }
      line.controlled = best == Control::kYes;
      line.uncertain = best == Control::kUncertain;
      if (classes.size() > 1) line.why += " (class indeterminate: the strictest candidate is counted)";
      if (line.controlled) w.numerator += c.value_usd;
      if (line.uncertain) w.uncertain_usd += c.value_usd;
      w.lines.push_back(std::move(line));
    }
    w.denominator = value.value_or(0);
    if ((w.numerator > 0 || w.uncertain_usd > 0) && w.denominator <= 0) {
      w.computed = false;
      w.why_not = "the item's value is not stated";
      return w;
    }
    w.ratio_percent = w.denominator > 0 ? w.numerator / w.denominator * 100 : 0;
    // "At or below" the level is not subject: only strictly above counts.
    // In long double: no product of two doubles can overflow it, so huge values cannot compare
    // as inf > inf (false: a clearance).
    using LD = long double;
    w.exceeds = LD(w.numerator) * 100 > LD(w.threshold_percent) * LD(w.denominator);
    w.open = !w.exceeds && (LD(w.numerator) + LD(w.uncertain_usd)) * 100 > LD(w.threshold_percent) * LD(w.denominator);
    if (w.uncertain_usd > 0) {
      bool in_force = false;
      const Chart* chart = ChartOn(f.as_of, &in_force);
      w.notes.push_back("the only Commerce Country Chart in the data is that of " + (chart ? chart->effective.ToString() : std::string("(none)")) +
                        ", not known to be in force on " + f.as_of.ToString() + ": USD " + Money(w.uncertain_usd).substr(4) +
                        " of US content it decides is uncertain" +
                        (w.open ? ", and counting it would cross the " + Percent(w.threshold_percent) + " level: review"
                                : ", and counting it would not change the answer"));
    }
    return w;
  }

  Determination Decide(const Facts& f) const {
    Determination out;
    const std::string o = f.field + ".origin.";
    const Origin& g = f.origin;
    auto route = [&](const RuleDef* r, const char* name, const Tri& met, std::string summary) {
      Route rt;
      rt.rule = r->id;
      rt.citation = r->citation;
      rt.name = name;
      rt.met = met.a;
      rt.summary = std::move(summary);
      out.routes.push_back(std::move(rt));
      return met;
    };
    std::vector<std::string> missing;
    bool subject = false;
    auto weigh = [&](const Tri& t) {
      if (t.a == Answer::kYes) subject = true;
      if (t.a == Answer::kUnknown) Merge(missing, t.missing);
    };

    // 734.3(b)(3): published technology and software are outside the EAR wherever they are.
    if (f.technology && g.published && *g.published) {
      route(r_.published, "published", Tri::Yes(), f.item + " is published technology or software");
      out.routes.back().excludes = true;
      out.verdict = Verdict::kNotSubject;
      return out;
    }
    if (!f.technology && g.published && *g.published) {
      out.notes.push_back("origin.published applies to technology and software only; " + f.item + " is a commodity");
    }

    // T1, T2: US-located and US-origin items.
    weigh(route(r_.us_located, "us_located", Tri::Of(g.in_us, o + "in_us"),
                g.in_us ? (*g.in_us ? f.item + " is in, or moves through, the United States" : f.item + " is not in the United States")
                        : "whether " + f.item + " is in, or moves through, the United States is not stated"));
    const bool made_in_us = std::any_of(g.produced_in.begin(), g.produced_in.end(),
                                        [&](const std::string& c) { return r_.data->IsUnitedStates(c); });
    Tri us_origin = made_in_us ? Tri::Yes() : Tri::Of(g.produced_in_us, o + "produced_in_us");
    std::string produced = g.produced_in.empty() ? std::string("not stated") : "";
    for (const auto& c : g.produced_in) produced += (produced.empty() ? "" : ", ") + c;
    weigh(route(r_.us_origin, "us_origin", us_origin,
                us_origin.a == Answer::kYes ? f.item + " was produced in, or has been in, the United States"
                : us_origin.a == Answer::kNo ? f.item + " is foreign-made (produced in " + produced + ")"
                                             : "whether " + f.item + " was produced in, or has been in, the United States is not stated"));

    // T4, T5: US content (734.4, Supp. No. 2).
    if (!g.us_content) {
      Tri t = Tri::Unknown(o + "us_content");
      weigh(route(r_.no_de_minimis, "no_de_minimis", t, "the US-origin content is not stated"));
      out.de_minimis.why_not = "the US-origin content is not stated (origin.us_content)";
      weigh(route(r_.de_minimis, "de_minimis", t, "the US-origin content is not stated: de minimis cannot be computed (15 CFR 734.4(e))"));
    } else {
      std::string no_dm;
      for (const auto& c : *g.us_content) {
        for (const auto& n : r_.no_dm) {
          if (!c.eccn.empty() && AnyWithin(c.eccn, n.eccns) && (!n.computers_only || f.computer) && no_dm.empty()) {
            no_dm = "US-origin " + c.eccn + " content (" + (c.part.empty() ? c.chip : c.part) + "): " + n.summary + " (" + n.citation + ")";
          }
        }
      }
      weigh(route(r_.no_de_minimis, "no_de_minimis", no_dm.empty() ? Tri::No() : Tri::Yes(),
                  no_dm.empty() ? "no US content without a de minimis level" : no_dm));
      out.de_minimis = DeMinimis(*g.us_content, g.value_usd, f);
      const Worksheet& w = out.de_minimis;
      for (const auto& n : w.notes) out.notes.push_back("de minimis: " + n);
      // What the worksheet cannot settle on its own is said, and sent to review (never "no").
      std::vector<std::string> open;
      if (w.computed && w.open) open.push_back("de minimis rests on a Country Chart not known to be in force on " + f.as_of.ToString());
      for (const auto& l : w.lines) {
        if (l.eccn.size() > 1 && l.eccn[1] == 'D' && !AtOnly(l.eccn)) {
          open.push_back("US-origin " + l.eccn + " software (" + l.part + ") counts as de minimis content only if EAR99 or controlled for "
                         "anti-terrorism only (notes to 15 CFR 734.4(c)(1) and (d)(1)); it needs its own check");
        }
        if (f.technology && l.eccn.size() > 1 && l.eccn[1] == 'E' && !w.exceeds) {
          open.push_back("commingled US-origin " + l.eccn + " technology: de minimis can be relied on only after a one-time report to BIS "
                         "(15 CFR 734.4(c)(3), (d)(3)), which the facts do not state");
        }
      }
      Tri t = !w.computed ? Tri::Unknown(o + "value_usd") : w.exceeds ? Tri::Yes() : open.empty() ? Tri::No() : Tri{Answer::kUnknown, {}};
      for (auto& u : open) {
        if (t.a == Answer::kUnknown) out.unsupported.push_back(std::move(u));
      }
      std::string summary = !w.computed ? "de minimis cannot be computed: " + w.why_not
                                        : "controlled US content " + Money(w.numerator) + " of " + Money(w.denominator) + " = " +
                                              Percent(w.ratio_percent) + (w.exceeds ? " > " : " <= ") + Percent(w.threshold_percent) +
                                              " level";  // cited once: by the route (and the worksheet's threshold)
      if (w.computed && w.uncertain_usd > 0) summary += "; " + Money(w.uncertain_usd) + " more is uncertain (Country Chart date)";
      weigh(route(r_.de_minimis, "de_minimis", t, summary));
    }

    // Product scope facts shared by the FDP rules.
    // J14, 734.9(h)(2)(ii): design technology developed by a D:5- or Macau-headquartered entity for
    // a mask, wafer or die is within (h) wherever it goes; made with listed software or technology
    // it is itself subject to the EAR (3E001), and the item made from it is its direct product.
    // Asked of an IC whose designer is headquartered there; a designer known to be elsewhere is
    // not asked about. An IC whose designer is unstated may be one: unknown, never "no".
    const bool ic = !f.technology && !f.computer;
    const Tri design = g.design_technology_subject_to_ear ? Tri::Of(g.design_technology_subject_to_ear, "")
                       : !ic                              ? Tri::No()
                       : f.designer_headquarters.empty()  ? Tri::Unknown(f.field + ".designer_headquarters")
                       : HqArea(f.designer_headquarters, f.as_of) ? Tri::Unknown(o + "design_technology_subject_to_ear")
                                                                  : Tri::No();
    auto tech_in = [&](const std::vector<std::string>& list) {
      Tri t = Tri::No();
      if (!g.us_technology_eccns) t = Tri::Unknown(o + "us_technology_eccns");
      else {
        for (const auto& e : *g.us_technology_eccns) {
          if (AnyWithin(e, list)) t = Tri::Yes();
        }
      }
      return AnyWithin("3E001", list) ? Or(t, design) : t;
    };
    const Tri plant = Tri::Of(g.us_origin_plant, o + "us_origin_plant");
    auto eccn_in = [&](const std::vector<std::string>& list) {
      if (f.eccns.empty()) return Tri::Unknown(f.field);
      size_t in = 0;
      for (const auto& e : f.eccns) in += AnyWithin(e, list) ? 1 : 0;
      return in == f.eccns.size() ? Tri::Yes() : in == 0 ? Tri::No() : Tri::Unknown(f.field);
    };
    std::string eccns;
    for (const auto& e : f.eccns) eccns += (eccns.empty() ? "" : " or ") + e;
    if (eccns.empty()) eccns = "unclassified";
    // "listed US technology/software: no; plant of listed US-origin technology: yes"
    auto how = [&](const std::vector<std::string>& list) {
      std::string text = std::string("listed US technology/software: ") + Word(tech_in(list).a) + "; plant of listed US-origin technology: " + Word(plant.a);
      if (ic && f.designer_headquarters.empty() && !g.design_technology_subject_to_ear) {
        text += "; designer's headquarters: not stated (a D:5- or Macau-headquartered designer's design technology is within "
                "15 CFR 734.9(h)(2)(ii))";
      } else if (design.a != Answer::kNo || g.design_technology_subject_to_ear) {
        text += "; design technology subject to the EAR (developed by a D:5- or Macau-headquartered designer, 15 CFR 734.9(h)(2)(ii)): " +
                std::string(Word(design.a));
      }
      return text;
    };

    // T6, T7: 734.9(h), by the text on the date.
    const bool h2023 = r_.fdp_h->ActiveOn(f.as_of, f.posture);
    const bool hworld = r_.fdp_h_worldwide->ActiveOn(f.as_of, f.posture);
    const bool hworld_codified = r_.fdp_h_worldwide->ActiveOn(f.as_of, Posture::kCodified);
    const Tri h_product = And(eccn_in(r_.h_outputs), Or(tech_in(r_.h_inputs), plant));
    if (h2023 || hworld) {
      Tri dest = LicenseArea(f.destination, f.as_of) ? Tri::Yes() : Tri::No();
      Tri onward = Tri::Unknown("end_use.incorporated_into_items_for");
      if (f.incorporated_into_items_for) {
        onward = Tri::No();
        for (const auto& c : *f.incorporated_into_items_for) {
          if (LicenseArea(c, f.as_of)) onward = Tri::Yes();
        }
      }
      std::string which;
      Tri hq = PartyHeadquarters(f, &which);
      Tri reach2023 = Or(dest, Or(onward, hq));
      std::string reach_text =
          dest.a == Answer::kYes ? "destined to " + f.destination + " (D:1, D:4 or D:5 and not A:5/A:6, or Macau)"
          : onward.a == Answer::kYes ? "to be incorporated into items bound for the D:1/D:4/D:5 area"
          : hq.a == Answer::kYes ? which
          : reach2023.a == Answer::kNo ? f.destination + " is outside D:1/D:4/D:5 (or also A:5/A:6), no onward incorporation there, no party headquartered in D:5 or Macau"
                                       : "the 2023 reach is not established (destination " + f.destination + " outside the area; onward incorporation or a party's headquarters not stated)";
      Tri reach = hworld ? Tri::Yes() : reach2023;
      if (hworld && reach2023.a != Answer::kYes) reach_text = "destined to any location worldwide (" + std::string(r_.fdp_h_worldwide->citation) + ")";
      const RuleDef* rule = hworld && reach2023.a != Answer::kYes ? r_.fdp_h_worldwide : r_.fdp_h;
      weigh(route(rule, "fdp_h", And(h_product, reach),
                  "product scope: " + f.item + " (" + eccns + "), " + how(r_.h_inputs) + " → " + Word(h_product.a) + "; reach: " + reach_text));
      if (!hworld && hworld_codified && reach2023.a != Answer::kYes && h_product.a != Answer::kNo) {
        out.notes.push_back("The codified worldwide reach of " + std::string(r_.fdp_h_worldwide->citation) + " would make " + f.item +
                            " subject to the EAR; BIS does not enforce it (policy of 2025-05-13), so under the enforced posture it does not by itself make the item subject");
        out.codified_reach.push_back({r_.fdp_h_worldwide->id, out.notes.back()});
      }
    }

    // T8: 734.9(e)(1)/(2), the Entity List footnote rules (any party, the seller included).
    {
      Tri fn1 = f.parties.empty() ? Tri::Unknown("parties") : Tri::No();
      Tri fn4 = fn1;
      std::string who;
      for (size_t k = 0; k < f.parties.size(); ++k) {
        const auto& p = f.parties[k];
        const std::string path = "parties[" + std::to_string(k) + "].restricted_lists";
        Tri p1 = p.footnote_1 == Answer::kUnknown ? Tri::Unknown(path) : p.footnote_1 == Answer::kYes ? Tri::Yes() : Tri::No();
        Tri p4 = p.footnote_4 == Answer::kUnknown ? Tri::Unknown(path) : p.footnote_4 == Answer::kYes ? Tri::Yes() : Tri::No();
        if ((p1.a == Answer::kYes || p4.a == Answer::kYes) && who.empty()) {
          who = "the " + p.who + " is an Entity List footnote " + (p1.a == Answer::kYes ? "1" : "4") + " entity";
        }
        fn1 = Or(fn1, p1);
        fn4 = Or(fn4, p4);
      }
      const Tri incorporate = f.for_footnote_entity == Answer::kUnknown ? Tri::Unknown("end_use.for_footnote_1_4_entity")
                              : f.for_footnote_entity == Answer::kYes ? Tri::Yes() : Tri::No();
      const Tri e1 = And(Or(tech_in(r_.e1_inputs), plant), fn1);
      const Tri e4 = And(Or(tech_in(r_.e4_inputs), plant), Or(fn4, incorporate));
      const Tri met = Or(e1, e4);
      if (who.empty()) {
        who = incorporate.a == Answer::kYes ? "the item is for items produced, purchased or ordered by a footnote 1 or 4 entity"
              : Or(Or(fn1, fn4), incorporate).a == Answer::kNo ? "no party is an Entity List footnote 1 or 4 entity, nor is the item for one"
                                                              : "whether a party is an Entity List footnote 1 or 4 entity (screening) or the item is for one is not established";
      }
      weigh(route(r_.fdp_e, "fdp_e", met, "product scope: " + how(r_.e4_inputs) + "; end user: " + who));
    }

    // T9: 734.9(i), supercomputers in the PRC or Macau.
    {
      const Tri sc = f.supercomputer_prc_macau == Answer::kUnknown ? Tri::Unknown("end_use.supercomputer_prc_macau")
                     : f.supercomputer_prc_macau == Answer::kYes ? Tri::Yes() : Tri::No();
      weigh(route(r_.fdp_i, "fdp_i", And(Or(tech_in(r_.i_inputs), plant), sc),
                  "product scope: " + how(r_.i_inputs) + "; supercomputer end use in the PRC or Macau: " + Word(sc.a)));
    }

    // 734.9(l) (90 FR 4557): 4E091 weights produced by a plant (chips or computers) subject to the
    // EAR in 3A090, 4A090 or a .z ECCN, to any destination. Codified only: under `enforced` it does
    // not by itself make the weights subject, and the decision says so.
    if (f.model_weights && r_.fdp_l->ActiveOn(f.as_of, Posture::kCodified)) {
      const Tri trained = Tri::Of(g.trained_on_chips_subject_to_ear, o + "trained_on_chips_subject_to_ear");
      const Tri product = And(eccn_in(r_.l_items), trained);
      const std::string text = f.item + " (" + eccns + ") produced by chips or computers subject to the EAR in 3A090, 4A090 or a .z ECCN: " +
                               Word(product.a) + "; reach: any location worldwide";
      if (r_.fdp_l->ActiveOn(f.as_of, f.posture)) {
        weigh(route(r_.fdp_l, "fdp_l", product, text));
      } else {
        route(r_.fdp_l, "fdp_l", Tri::No(), text + " (codified, not enforced)");
        // Under `enforced` the weights are not read as 4E091 at all; the codified text would be.
        if (trained.a != Answer::kNo) {
          out.notes.push_back("The codified " + std::string(r_.fdp_l->citation) + " would make " + f.item +
                              " subject to the EAR if it meets 4E091; BIS does not enforce the AI Diffusion rule (policy of 2025-05-13), so under the "
                              "enforced posture it does not by itself make the item subject");
          out.codified_reach.push_back({r_.fdp_l->id, out.notes.back()});
        }
      }
    }

    // T10: the GP10 presumption for PRC (D:5 or Macau) 3A090 ICs and the systems containing them.
    if (r_.gp10->ActiveOn(f.as_of, f.posture)) {
      Gp10Facts gf;
      gf.item = f.item;
      gf.field = f.field;
      ItemSpec ic;
      ic.designer_headquarters = f.designer_headquarters;
      gf.spec = f.spec ? f.spec : &ic;
      gf.eccns = f.eccns;
      gf.produced_in = g.produced_in;
      gf.as_of = f.as_of;
      gf.posture = f.posture;
      const Gp10Presumption p = PresumeGp10(gf);
      out.gp10 = p.applies == Answer::kYes;
      weigh(route(r_.gp10, "gp10_presumption", Tri{p.applies, p.missing},
                  p.why + (out.gp10 ? "; presumed made in violation of the EAR (General Prohibition 10 applies to using or dealing in it)" : "")));
    }

    if (subject) {
      out.verdict = Verdict::kSubject;
      out.unsupported.clear();  // another route settles it
    } else if (!missing.empty() || !out.unsupported.empty()) {
      out.verdict = Verdict::kUndetermined;
      out.missing = std::move(missing);
    } else {
      out.verdict = Verdict::kNotSubject;
    }
    return out;
  }

 private:
  const Rules::Impl& r_;
  const GroupLookup& groups_;
};

}  // namespace

Determination Decide(const Rules& rules, const Facts& facts, const GroupLookup& groups) {
  return Decider(rules.impl(), groups).Decide(facts);
}

Gp10Presumption PresumeGp10(const Rules& rules, const Gp10Facts& facts, const GroupLookup& groups) {
  return Decider(rules.impl(), groups).PresumeGp10(facts);
}

Worksheet DeMinimis(const Rules& rules, const std::vector<UsContent>& content, std::optional<double> value_usd,
                    std::string_view destination, Date as_of, Posture posture, const std::vector<PartyFacts>& parties,
                    const GroupLookup& groups) {
  Facts f;
  f.destination = std::string(destination);
  f.as_of = as_of;
  f.posture = posture;
  f.parties = parties;
  return Decider(rules.impl(), groups).DeMinimis(content, value_usd, f);
}

}  // namespace exportctl::jurisdiction

#include "data/dataset.h"
#include "data/rule_for_step.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <simdjson.h>

namespace exportctl {
namespace {

using nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Lower-case, with runs of spaces, hyphens and underscores collapsed to one space.
std::string NormalizeKey(std::string_view s) {
  std::string out;
  bool space = false;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '-' || c == '_' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

Status DataError(const std::string& file, const std::string& field, const std::string& msg) {
  return Status::Error(ErrorCode::kDataError, file + (field.empty() ? "" : ": " + field), msg);
}

// The tree the readers below walk, from simdjson's parse: the regulatory data (about 270 KB)
// is read by every CLI call, and nlohmann's own parser was a third of a `check`. Same tree as
// json::parse gives: non-negative integers unsigned, a key repeated in an object the last one.
json ToJson(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY: {
      json a = json::array();
      const simdjson::dom::array array = e.get_array().value_unsafe();
      for (simdjson::dom::element v : array) a.push_back(ToJson(v));
      return a;
    }
    case element_type::OBJECT: {
      json o = json::object();
      const simdjson::dom::object object = e.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair kv : object) {
        o[std::string(kv.key)] = ToJson(kv.value);
      }
      return o;
    }
    case element_type::INT64: {
      const int64_t v = e.get_int64().value_unsafe();
      return v >= 0 ? json(static_cast<uint64_t>(v)) : json(v);
    }
    case element_type::UINT64: return json(e.get_uint64().value_unsafe());
    case element_type::DOUBLE: return json(e.get_double().value_unsafe());
    case element_type::STRING: return json(std::string(e.get_string().value_unsafe()));
    case element_type::BOOL: return json(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE: return json(nullptr);
  }
  return json();
}

Result<json> ReadJson(const std::filesystem::path& path) {
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path.string()).get(text) != simdjson::SUCCESS) {
    return DataError(path.string(), "", "cannot open file");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (const auto err = parser.parse(text).get(doc); err != simdjson::SUCCESS) {
    return DataError(path.string(), "", std::string("is not valid JSON: ") + simdjson::error_message(err));
  }
  return ToJson(doc);
}

// Typed field access that reports the file and field on failure.
class Reader {
 public:
  Reader(std::string file) : file_(std::move(file)) {}
  Status status;
  const std::string& file() const { return file_; }

  std::string Str(const json& o, const char* key, const std::string& path, bool required = true) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
      if (required) Fail(path + "." + key, "is required");
      return "";
    }
    if (!it->is_string()) {
      Fail(path + "." + key, "must be a string");
      return "";
    }
    return it->get<std::string>();
  }
  std::optional<double> Num(const json& o, const char* key, const std::string& path) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) {
      Fail(path + "." + key, "must be a number");
      return std::nullopt;
    }
    return it->get<double>();
  }
  bool Bool(const json& o, const char* key, bool def) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return def;
    if (!it->is_boolean()) {
      Fail(key, "must be true or false");
      return def;
    }
    return it->get<bool>();
  }
  std::optional<Date> DateField(const json& o, const char* key, const std::string& path,
                                bool required) {
    std::string s = Str(o, key, path, required);
    if (s.empty()) return std::nullopt;
    auto d = Date::Parse(s);
    if (!d.ok()) {
      Fail(path + "." + key, d.status().message());
      return std::nullopt;
    }
    return *d;
  }
  std::vector<std::string> StrList(const json& o, const char* key, const std::string& path) {
    std::vector<std::string> out;
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return out;
    if (!it->is_array()) {
      Fail(path + "." + key, "must be an array of strings");
      return out;
    }
    for (const auto& v : *it) {
      if (!v.is_string()) {
        Fail(path + "." + key, "must be an array of strings");
        return out;
      }
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  void Fail(const std::string& field, const std::string& msg) {
    if (status.ok()) status = DataError(file_, field, msg);
  }

 private:
  std::string file_;
};

}  // namespace

const char* GroupName(Group g) {
  static constexpr const char* kNames[] = {"A:1", "A:2", "A:3", "A:4", "A:5", "A:6", "B",
                                           "D:1", "D:2", "D:3", "D:4", "D:5", "E:1", "E:2"};
  return kNames[static_cast<int>(g)];
}

std::optional<Group> ParseGroup(std::string_view name) {
  for (int i = 0; i < static_cast<int>(Group::kCount); ++i) {
    if (name == GroupName(static_cast<Group>(i))) return static_cast<Group>(i);
  }
  return std::nullopt;
}

bool RuleDef::ActiveOn(Date d, Posture p) const {
  const auto& ws = p == Posture::kEnforced ? enforced : codified;
  for (const auto& w : ws) {
    if (w.Contains(d)) return true;
  }
  return false;
}

bool Regime::InForce(Date d, Posture p, const std::vector<RuleDef>& rules) const {
  for (const auto& r : rules) {
    if (r.regime_id == id && r.ActiveOn(d, p)) return true;
  }
  return false;
}

Result<std::unique_ptr<Dataset>> Dataset::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  auto ds = std::make_unique<Dataset>();
  ds->dir_ = dir;
  if (!fs::is_directory(dir)) {
    return DataError(dir, "", "regulatory data directory does not exist");
  }

  // Countries and Country Group membership.
  {
    const std::string file = (fs::path(dir) / "countries.json").string();
    auto j = ReadJson(file);
    if (!j.ok()) return j.status();
    Reader r(file);
    ds->version_ = r.Str(*j, "version", "", true);
    const json& cs = (*j)["countries"];
    if (!cs.is_array() || cs.empty()) return DataError(file, "countries", "must be a non-empty array");
    for (size_t i = 0; i < cs.size(); ++i) {
      const std::string path = "countries[" + std::to_string(i) + "]";
      Country c;
      c.code = r.Str(cs[i], "code", path);
      c.name = r.Str(cs[i], "name", path);
      c.ear_name = r.Str(cs[i], "ear_name", path, false);
      c.aliases = r.StrList(cs[i], "aliases", path);
      c.treat_as = r.Str(cs[i], "treat_as", path, false);
      c.treat_as_citation = r.Str(cs[i], "treat_as_citation", path, false);
      c.parent = r.Str(cs[i], "parent", path, false);
      c.note = r.Str(cs[i], "note", path, false);
      EXPORTCTL_RETURN_IF_ERROR(r.status);
      const size_t idx = ds->countries_.size();
      for (const std::string& key : {c.code, c.name, c.ear_name}) {
        if (!key.empty()) ds->country_index_.emplace(Lower(key), idx);
      }
      for (const auto& a : c.aliases) ds->country_index_.emplace(Lower(a), idx);
      ds->code_index_.emplace(c.code, idx);
      if (idx == 0) ds->alpha2_index_.fill(-1);
      if (int key = Alpha2Key(c.code); key >= 0) ds->alpha2_index_[key] = static_cast<int16_t>(idx);
      ds->countries_.push_back(std::move(c));
    }
    for (const auto& c : ds->countries_) {
      if (!c.treat_as.empty() && !ds->FindCountry(c.treat_as)) {
        return DataError(file, c.code + ".treat_as", "names unknown country " + c.treat_as);
      }
    }
    const json& ms = (*j)["membership"];
    if (!ms.is_array()) return DataError(file, "membership", "must be an array");
    for (size_t i = 0; i < ms.size(); ++i) {
      const std::string path = "membership[" + std::to_string(i) + "]";
      const std::string gname = r.Str(ms[i], "group", path);
      const std::string code = r.Str(ms[i], "country", path);
      EXPORTCTL_RETURN_IF_ERROR(r.status);
      auto g = ParseGroup(gname);
      if (!g) return DataError(file, path + ".group", "unknown Country Group " + gname);
      if (!ds->FindCountry(code)) return DataError(file, path + ".country", "unknown country " + code);
      const bool dated = ms[i].contains("from") || ms[i].contains("until");
      if (!dated) {
        const size_t idx = ds->code_index_.at(code);
        if (ds->base_groups_.size() < ds->countries_.size()) ds->base_groups_.resize(ds->countries_.size());
        ds->base_groups_[idx] |= 1u << static_cast<int>(*g);
        continue;
      }
      MembershipChange ch;
      ch.group = *g;
      ch.country = code;
      ch.from = r.DateField(ms[i], "from", path, false);
      ch.to = r.DateField(ms[i], "until", path, false);
      if (ch.from && ch.to && *ch.to <= *ch.from) return DataError(file, path + ".until", "must be after from");
      ch.table_conformed = r.DateField(ms[i], "table_conformed", path, false);
      ch.citation = r.Str(ms[i], "citation", path);
      ch.verified = r.Bool(ms[i], "verified", true);
      EXPORTCTL_RETURN_IF_ERROR(r.status);
      ds->changes_.push_back(std::move(ch));
    }
    const json& ps = (*j)["provenance"];
    if (!ps.is_array() || ps.empty()) return DataError(file, "provenance", "must be a non-empty array (the source of each membership)");
    for (size_t i = 0; i < ps.size(); ++i) {
      const std::string path = "provenance[" + std::to_string(i) + "]";
      MembershipSource src;
      src.countries = r.StrList(ps[i], "countries", path);
      src.except = r.StrList(ps[i], "except", path);
      for (const auto& gname : r.StrList(ps[i], "groups", path)) {
        if (gname == "*") {
          src.groups = (1u << static_cast<int>(Group::kCount)) - 1;
        } else if (auto g = ParseGroup(gname)) {
          src.groups |= 1u << static_cast<int>(*g);
        } else {
          return DataError(file, path + ".groups", "unknown Country Group " + gname);
        }
      }
      auto from = r.DateField(ps[i], "from", path, true);
      src.until = r.DateField(ps[i], "until", path, false);
      src.citation = r.Str(ps[i], "citation", path);
      src.verified = r.Bool(ps[i], "verified", false);
      EXPORTCTL_RETURN_IF_ERROR(r.status);
      src.from = *from;
      if (src.countries.empty() || src.groups == 0) return DataError(file, path, "needs countries and groups");
      for (const auto& code : src.countries) {
        if (code != "*" && !ds->FindCountry(code)) return DataError(file, path + ".countries", "unknown country " + code);
      }
      ds->sources_.push_back(std::move(src));
    }
    ds->base_groups_.resize(ds->countries_.size());
    ds->changes_by_country_.resize(ds->countries_.size());
    for (size_t k = 0; k < ds->changes_.size(); ++k) {
      ds->changes_by_country_[ds->code_index_.at(ds->changes_[k].country)].push_back(k);
    }
  }

  // Chip catalog.
  {
    const std::string file = (fs::path(dir) / "chips.json").string();
    auto j = ReadJson(file);
    if (!j.ok()) return j.status();
    Reader r(file);
    const json& cs = (*j)["chips"];
    if (!cs.is_array() || cs.empty()) return DataError(file, "chips", "must be a non-empty array");
    for (size_t i = 0; i < cs.size(); ++i) {
      const std::string path = "chips[" + std::to_string(i) + "]";
      const json& o = cs[i];
      ChipRecord c;
      c.id = r.Str(o, "id", path);
      c.vendor = r.Str(o, "vendor", path);
      c.model = r.Str(o, "model", path);
      c.variant = r.Str(o, "variant", path, false);
      c.name = r.Str(o, "name", path);
      c.aliases = r.StrList(o, "aliases", path);
      c.tpp = r.Num(o, "tpp", path);
      c.tpp_basis = r.Str(o, "tpp_basis", path, false);
      c.die_area_mm2 = r.Num(o, "die_area_mm2", path);
      c.die_area_verified = r.Bool(o, "die_area_verified", false);
      c.die_area_basis = r.Str(o, "die_area_basis", path, false);
      c.memory_gb = r.Num(o, "memory_gb", path);
      c.memory_bandwidth_gbps = r.Num(o, "memory_bandwidth_gbps", path);
      c.datacenter = r.Bool(o, "datacenter", true);
      c.designer_headquarters = r.Str(o, "designer_headquarters", path);
      c.reference_eccn_note = r.Str(o, "reference_eccn_note", path, false);
      c.row_note = r.Str(o, "row_note", path, false);
      c.sources = r.StrList(o, "sources", path);
      c.verified = r.Bool(o, "verified", true);
      c.verified_note = r.Str(o, "verified_note", path, false);
      if (o.contains("us_market_2026_01_15")) c.us_market_2026_01_15 = r.Bool(o, "us_market_2026_01_15", false);
      c.us_market_citation = r.Str(o, "us_market_citation", path, false);
      if (o.contains("throughput")) {
        for (size_t k = 0; k < o["throughput"].size(); ++k) {
          const std::string tp = path + ".throughput[" + std::to_string(k) + "]";
          auto bits = r.Num(o["throughput"][k], "bit_length", tp);
          auto tops = r.Num(o["throughput"][k], "dense_tops", tp);
          if (!bits || !tops || *bits <= 0 || *tops < 0) r.Fail(tp, "needs positive bit_length and dense_tops");
          else c.throughput.push_back({static_cast<int>(*bits), *tops});
        }
      }
      EXPORTCTL_RETURN_IF_ERROR(r.status);
      // The listed TPP must be what the throughput figures give (the rule's own formula).
      auto computed = ComputeTpp(c.throughput);
      if (c.tpp && computed && std::abs(*computed - *c.tpp) > 1.0) {
        return DataError(file, path + ".tpp",
                         "listed TPP " + std::to_string(*c.tpp) + " differs from max(dense TOPS x bit length) = " +
                             std::to_string(*computed));
      }
      if (!c.tpp) c.tpp = computed;
      const size_t idx = ds->chips_.size();
      std::vector<std::string> keys = {c.id, c.name, c.model, c.vendor + " " + c.name};
      keys.insert(keys.end(), c.aliases.begin(), c.aliases.end());
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      for (const auto& k : keys) {
        auto& v = ds->chip_index_[NormalizeKey(k)];
        if (std::find(v.begin(), v.end(), idx) == v.end()) v.push_back(idx);
      }
      ds->chips_.push_back(std::move(c));
    }
    // Parts named as missing from the catalog.
    const json& missing = (*j)["not_in_catalog"];
    for (size_t i = 0; missing.is_array() && i < missing.size(); ++i) {
      const std::string path = "not_in_catalog[" + std::to_string(i) + "]";
      const std::string name = r.Str(missing[i], "name", path);
      const std::string note = r.Str(missing[i], "note", path);
      auto keys = r.StrList(missing[i], "aliases", path);
      EXPORTCTL_RETURN_IF_ERROR(r.status);
      keys.push_back(name);
      for (const auto& k : keys) ds->not_in_catalog_[NormalizeKey(k)] = name + " is not in the catalog: " + note + "; classify it from its datasheet figures (classify --tpp ... --die-area ...)";
    }
  }

  // Regimes.
  std::vector<fs::path> files;
  const fs::path rdir = fs::path(dir) / "regimes";
  if (!fs::is_directory(rdir)) return DataError(rdir.string(), "", "regimes directory does not exist");
  for (const auto& e : fs::directory_iterator(rdir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return DataError(rdir.string(), "", "no regime files");
  bool have_first = false;
  for (const auto& f : files) {
    auto j = ReadJson(f);
    if (!j.ok()) return j.status();
    Reader r(f.string());
    Regime g;
    g.file = f.string();
    g.id = r.Str(*j, "id", "");
    g.title = r.Str(*j, "title", "");
    if (j->contains("citation") && (*j)["citation"].is_object()) {
      g.fr = r.Str((*j)["citation"], "fr", "citation");
      g.fr_date = r.Str((*j)["citation"], "fr_date", "citation", false);
    } else {
      r.Fail("citation", "is required (object with fr, fr_date)");
    }
    auto eff = r.DateField(*j, "effective", "", true);
    g.compliance = r.DateField(*j, "compliance", "", false);
    g.verified = r.Bool(*j, "verified", true);
    g.notes = r.StrList(*j, "notes", "");
    g.sources = r.StrList(*j, "sources", "");
    EXPORTCTL_RETURN_IF_ERROR(r.status);
    g.effective = *eff;
    if (ds->FindRegime(g.id)) return DataError(f.string(), "id", "duplicate regime id " + g.id);
    if (j->contains("parameters")) {
      for (auto& [name, val] : (*j)["parameters"].items()) {
        Parameter p;
        p.name = name;
        p.value = val;
        if (!val.is_object()) return DataError(f.string(), "parameters." + name, "must be an object");
        p.citation = r.Str(val, "citation", "parameters." + name, false);
        p.verified = r.Bool(val, "verified", true);
        if (p.citation.empty() && !val.contains("value")) {
          // Parameter groups (e.g. thresholds) carry their citation inline; all need one.
        }
        EXPORTCTL_RETURN_IF_ERROR(r.status);
        g.parameters.emplace(name, std::move(p));
      }
    }
    const json& rules = (*j)["rules"];
    if (!rules.is_array() || rules.empty()) return DataError(f.string(), "rules", "must be a non-empty array");
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string path = "rules[" + std::to_string(i) + "]";
      RuleDef rd;
      rd.regime_id = g.id;
      rd.file = f.string();
      rd.path = path;
      rd.id = r.Str(rules[i], "id", path);
      rd.step = r.Str(rules[i], "step", path);
      rd.citation = r.Str(rules[i], "citation", path);
      rd.summary = r.Str(rules[i], "summary", path);
      rd.policy_wording = r.Str(rules[i], "policy_wording", path, false);
      rd.verified = r.Bool(rules[i], "verified", g.verified);
      const json& w = rules[i]["windows"];
      if (!w.is_object()) r.Fail(path + ".windows", "is required (object keyed by posture)");
      for (auto& [posture, list] : w.items()) {
        if (posture != "enforced" && posture != "codified") {
          r.Fail(path + ".windows." + posture, "posture must be enforced or codified");
          break;
        }
        for (size_t k = 0; k < list.size(); ++k) {
          const std::string wp = path + ".windows." + posture + "[" + std::to_string(k) + "]";
          auto from = r.DateField(list[k], "from", wp, true);
          auto to = r.DateField(list[k], "to", wp, false);
          if (!r.status.ok()) break;
          if (to && *to <= *from) r.Fail(wp, "to must be after from");
          (posture == "enforced" ? rd.enforced : rd.codified).push_back({*from, to});
          if (!have_first || *from < ds->first_effective_) {
            ds->first_effective_ = *from;
            have_first = true;
          }
        }
      }
      EXPORTCTL_RETURN_IF_ERROR(r.status);
      if (ds->FindRule(rd.id)) return DataError(f.string(), path + ".id", "duplicate rule id " + rd.id);
      g.rule_ids.push_back(rd.id);
      ds->rules_.push_back(std::move(rd));
    }
    ds->regimes_.push_back(std::move(g));
  }

  // Thresholds come from the AC/S regime's parameters (and HBM / AI Diffusion for their parts).
  const Parameter* th = ds->Param("acs-2023", "thresholds_3a090");
  if (!th) return DataError(rdir.string(), "acs-2023.parameters.thresholds_3a090", "is required");
  Thresholds& t = ds->base_thresholds_;
  const json& v = th->value;
  for (auto [key, dst] : std::initializer_list<std::pair<const char*, double*>>{
           {"a1_tpp", &t.a1_tpp}, {"a2_tpp", &t.a2_tpp}, {"a2_pd", &t.a2_pd},
           {"b1_tpp_min", &t.b1_tpp_min}, {"b1_tpp_max", &t.b1_tpp_max}, {"b1_pd_min", &t.b1_pd_min},
           {"b1_pd_max", &t.b1_pd_max}, {"b2_tpp", &t.b2_tpp}, {"b2_pd_min", &t.b2_pd_min},
           {"b2_pd_max", &t.b2_pd_max}, {"non_datacenter_tpp", &t.non_datacenter_tpp}}) {
    if (!v.contains(key) || !v[key].is_number()) {
      return DataError(rdir.string(), std::string("acs-2023.parameters.thresholds_3a090.") + key,
                       "must be a number");
    }
    *dst = v[key].get<double>();
  }
  auto number_param = [&](const char* regime, const char* name, double& dst) -> Status {
    const Parameter* p = ds->Param(regime, name);
    if (!p || !p->value.contains("value") || !p->value["value"].is_number()) {
      return DataError(rdir.string(), std::string(regime) + ".parameters." + name + ".value",
                       "must be a number");
    }
    dst = p->value["value"].get<double>();
    return Status::Ok();
  };
  EXPORTCTL_RETURN_IF_ERROR(number_param("acs-2023", "h100_equivalent_tpp", t.h100_tpp));
  EXPORTCTL_RETURN_IF_ERROR(number_param("hbm-2024", "hbm_density_gbps_per_mm2", t.hbm_density));
  EXPORTCTL_RETURN_IF_ERROR(number_param("ai-diffusion-2025", "model_weights_operations", t.weights_operations));
  EXPORTCTL_RETURN_IF_ERROR(
      number_param("ai-diffusion-2025", "derived_model_floor_operations", t.derived_operations_floor));
  t.derived_fraction = ds->Param("ai-diffusion-2025", "derived_model_floor_operations")->value.value("fraction", 0.25);
  // The classification notes say the figures the data gives.
  {
    auto figure = [](double x) {  // 2, 25, 1e26, 2.5e25
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", x);
      std::string out = buf;
      if (auto e = out.find("e+"); e != std::string::npos) {
        std::string exp = out.substr(e + 2);
        exp.erase(0, std::min(exp.find_first_not_of('0'), exp.size() - 1));
        out = out.substr(0, e) + "e" + exp;
      }
      return out;
    };
    auto& n = ds->threshold_notes_;
    n[0] = "Memory bandwidth density above " + figure(t.hbm_density) + " GB/s/mm2 (3A090.c)";
    n[1] = "Memory bandwidth density at or below " + figure(t.hbm_density) + " GB/s/mm2: outside 3A090.c";
    n[2] = "Model trained with " + figure(t.weights_operations) + " or more operations (4E091)";
    n[3] = "Model trained with fewer than " + figure(t.weights_operations) + " operations";
    auto citation = [&](const char* name, const char* key) -> Result<std::string> {
      const Parameter* p = ds->Param("ai-diffusion-2025", name);
      if (!p || !p->value.contains(key) || !p->value[key].is_string() || p->value[key].get<std::string>().empty()) {
        return DataError(rdir.string(), std::string("ai-diffusion-2025.parameters.") + name + "." + key, "must be a non-empty string");
      }
      return p->value[key].get<std::string>();
    };
    auto derived = citation("derived_model_floor_operations", "citation");
    auto published = citation("published_weights_citation", "value");
    auto frontier = citation("below_frontier_citation", "value");
    for (const auto* c : {&derived, &published, &frontier}) {
      if (!c->ok()) return c->status();
    }
    n[4] = "Derived from published weights; additional training does not exceed the higher of " + figure(t.derived_operations_floor) +
           " operations or " + figure(t.derived_fraction * 100) + "% of training operations (" + *derived + ")";
    n[5] = "Published weights are not controlled (" + *published + ")";
    n[6] = "Trained with fewer operations than needed to match the most capable published model (" + *frontier + ")";
    t.hbm_above_note = n[0];
    t.hbm_below_note = n[1];
    t.weights_note = n[2];
    t.weights_below_note = n[3];
    t.derived_note = n[4];
    t.published_weights_note = n[5];
    t.below_frontier_note = n[6];
  }
  // 3A090.c and 4E091 exist on a date when the rules of their steps bind then.
  ds->hbm_rule_ = RuleForStep(ds->rules_, "classification_hbm");
  ds->weights_rule_ = RuleForStep(ds->rules_, "model_weights_4e091");
  {
    const std::string file = (fs::path(dir) / "review.json").string();
    auto j = ReadJson(file);
    if (!j.ok()) return j.status();
    Reader r(file);
    auto reviewed = r.DateField(*j, "reviewed_through", "review", true);
    ds->review_basis_ = r.Str(*j, "basis", "review", true);
    EXPORTCTL_RETURN_IF_ERROR(r.status);
    ds->reviewed_through_ = *reviewed;
  }
  return ds;
}

ItemSpec ChipRecord::ToSpec() const {
  ItemSpec spec;
  spec.catalog = this;
  spec.vendor = vendor;
  spec.model = name;
  spec.tpp = tpp;
  spec.throughput = throughput;
  spec.die_area_mm2 = die_area_mm2;
  spec.die_area_verified = die_area_verified;
  spec.datacenter = datacenter;
  spec.memory_bandwidth_gbps = memory_bandwidth_gbps;
  spec.designer_headquarters = designer_headquarters;
  return spec;
}

const Regime* Dataset::FindRegime(std::string_view id) const {
  for (const auto& g : regimes_) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

const RuleDef* Dataset::FindRule(std::string_view id) const {
  for (const auto& r : rules_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const Parameter* Dataset::Param(std::string_view regime, std::string_view name) const {
  const Regime* g = FindRegime(regime);
  if (!g) return nullptr;
  auto it = g->parameters.find(std::string(name));
  return it == g->parameters.end() ? nullptr : &it->second;
}

Thresholds Dataset::ThresholdsOn(Date d, Posture p) const {
  Thresholds t = base_thresholds_;
  t.hbm_active = hbm_rule_ && hbm_rule_->ActiveOn(d, p);
  t.weights_active = weights_rule_ && weights_rule_->ActiveOn(d, p);
  return t;
}

const Country* Dataset::FindCountry(std::string_view code) const {
  if (int key = Alpha2Key(code); key >= 0) {
    const int16_t idx = alpha2_index_[key];
    return idx < 0 ? nullptr : &countries_[idx];
  }
  auto it = code_index_.find(std::string(code));
  return it == code_index_.end() ? nullptr : &countries_[it->second];
}

Result<std::string> Dataset::ResolveCountry(std::string_view input) const {
  // Fast path: an ISO alpha-2 code in either case.
  if (input.size() == 2) {
    const char up[2] = {static_cast<char>(std::toupper(static_cast<unsigned char>(input[0]))),
                        static_cast<char>(std::toupper(static_cast<unsigned char>(input[1])))};
    if (const Country* c = FindCountry(std::string_view(up, 2))) return c->code;
  }
  std::string key = Lower(input);
  while (!key.empty() && key.back() == ' ') key.pop_back();
  while (!key.empty() && key.front() == ' ') key.erase(key.begin());
  if (key.empty()) return Status::Invalid("", "must name a country (ISO 3166-1 alpha-2 code or name)");
  auto it = country_index_.find(key);
  if (it == country_index_.end()) {
    return Status::Invalid("", "unknown country \"" + std::string(input) +
                                   "\" (use an ISO 3166-1 alpha-2 code such as CN, or a country name)");
  }
  return countries_[it->second].code;
}

std::string_view Dataset::EffectiveCode(std::string_view code) const {
  const Country* c = FindCountry(code);
  if (c && !c->treat_as.empty()) return c->treat_as;
  return code;
}

std::vector<std::string> Dataset::UnitedStatesCodes() const {
  std::vector<std::string> out{"US"};
  for (const auto& c : countries_) {
    if (c.treat_as == "US") out.push_back(c.code);
  }
  return out;
}

uint32_t Dataset::GroupMask(std::string_view code, Date d) const {
  const Country* c = FindCountry(code);
  if (!c) return 0;
  if (!c->treat_as.empty()) c = FindCountry(c->treat_as);
  const size_t idx = static_cast<size_t>(c - countries_.data());
  uint32_t mask = base_groups_[idx];
  // A group with dated rows takes its membership from them alone: a member if any row covers d.
  uint32_t dated = 0, covered = 0;
  for (size_t k : changes_by_country_[idx]) {
    const MembershipChange& ch = changes_[k];
    const uint32_t bit = 1u << static_cast<int>(ch.group);
    dated |= bit;
    if ((!ch.from || d >= *ch.from) && (!ch.to || d < *ch.to)) covered |= bit;
  }
  return (mask & ~dated) | covered;
}

bool MembershipSource::Covers(std::string_view code, Group g, Date d) const {
  if (!(groups >> static_cast<int>(g) & 1u) || d < from || (until && d >= *until)) return false;
  if (std::find(except.begin(), except.end(), code) != except.end()) return false;
  return std::find(countries.begin(), countries.end(), "*") != countries.end() ||
         std::find(countries.begin(), countries.end(), code) != countries.end();
}

MembershipProvenance Dataset::Provenance(std::string_view code, Group g, Date d) const {
  const std::string_view eff = EffectiveCode(code);
  MembershipProvenance p;
  p.member = InGroup(eff, g, d);
  const MembershipSource* unverified = nullptr;
  for (const auto& s : sources_) {
    if (!s.Covers(eff, g, d)) continue;
    if (s.verified) {
      p.verified = true;
      p.citation = s.citation;
      return p;
    }
    if (!unverified) unverified = &s;
  }
  if (unverified) {
    p.citation = unverified->citation;
  } else if (const MembershipChange* ch = ChangeFor(eff, g)) {
    p.citation = ch->citation;  // a dated row without a source for this date: its own words say what is missing
  } else {
    p.citation = "known only from the Country Group table of 2026-07-23 (15 CFR Part 740 Supp. No. 1); no source for this date";
  }
  return p;
}

const MembershipChange* Dataset::ChangeFor(std::string_view code, Group g) const {
  const std::string_view eff = EffectiveCode(code);
  for (const auto& ch : changes_) {
    if (ch.group == g && ch.country == eff) return &ch;
  }
  return nullptr;
}

const std::string* Dataset::NotInCatalog(std::string_view query) const {
  auto it = not_in_catalog_.find(NormalizeKey(query));
  return it == not_in_catalog_.end() ? nullptr : &it->second;
}

namespace {
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace

// The catalog names nearest an unknown query (its ids, names and models by edit distance; a key
// that contains the query counts as near), at most three.
std::vector<std::string> Dataset::NearestChipNames(std::string_view query) const {
  const std::string key = NormalizeKey(query);
  const size_t limit = std::max<size_t>(2, key.size() / 3);
  std::vector<std::pair<size_t, size_t>> best;  // (distance, chip index)
  for (const auto& [k, idxs] : chip_index_) {
    size_t d = EditDistance(key, k);
    if (!key.empty() && k.find(key) != std::string::npos) d = std::min<size_t>(d, 1);
    if (d > limit) continue;
    for (size_t i : idxs) {
      auto it = std::find_if(best.begin(), best.end(), [&](const auto& b) { return b.second == i; });
      if (it == best.end()) best.emplace_back(d, i);
      else it->first = std::min(it->first, d);
    }
  }
  std::sort(best.begin(), best.end(), [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : chips_[a.second].name < chips_[b.second].name;
  });
  std::vector<std::string> names;
  for (size_t i = 0; i < best.size() && names.size() < 3; ++i) names.push_back(chips_[best[i].second].name);
  return names;
}

Status Dataset::RequireRegimeData(Date d) const {
  if (d >= first_effective_) return Status::Ok();
  return Status::Invalid("as_of", "no regime data before " + first_effective_.ToString() + " (the first regime in the data); " +
                                      d.ToString() + " is not classified or decided");
}

Result<const ChipRecord*> Dataset::FindChip(std::string_view query) const {
  auto it = chip_index_.find(NormalizeKey(query));
  if (it == chip_index_.end()) {
    // A catalog name without its parenthetical ("B300 SXM" for "B300 SXM (HGX, Blackwell
    // Ultra)"), when only one chip is so named: how license files and orders write the chip.
    const std::string key = NormalizeKey(query);
    const ChipRecord* short_named = nullptr;
    size_t count = 0;
    for (const auto& c : chips_) {
      const size_t paren = c.name.find(" (");
      if (paren != std::string::npos && NormalizeKey(std::string_view(c.name).substr(0, paren)) == key) {
        short_named = &c;
        ++count;
      }
    }
    if (count == 1) return short_named;
    if (const std::string* why = NotInCatalog(query)) return Status::Error(ErrorCode::kNotFound, "", *why);
    std::string hint;
    for (const auto& n : NearestChipNames(query)) hint += (hint.empty() ? "did you mean " : ", ") + ("\"" + n + "\"");
    return Status::Error(ErrorCode::kNotFound, "",
                         "unknown chip \"" + std::string(query) + "\" (" + (hint.empty() ? "" : hint + "? ") +
                             "see `exportctl chips list`)");
  }
  if (it->second.size() > 1) {
    std::string names;
    for (size_t i : it->second) names += (names.empty() ? "" : ", ") + chips_[i].name;
    return Status::Invalid("", "chip \"" + std::string(query) + "\" is ambiguous; one of: " + names);
  }
  return &chips_[it->second.front()];
}

}  // namespace exportctl

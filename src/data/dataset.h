// The bundled regulatory data, loaded and validated once at start-up: countries and dated
// Country Group membership, the chip catalog, and the regimes with their cited rules and
// parameters. Immutable after Load; safe to share between threads.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "classify/classify.h"
#include "core/date.h"
#include "core/posture.h"
#include "core/status.h"

namespace exportctl {

struct Country {
  std::string code;          // ISO 3166-1 alpha-2, or ISO 3166-2 for covered regions (UA-43)
  std::string name;
  std::string ear_name;      // name in 15 CFR Part 740 Supp. No. 1, when listed there
  std::vector<std::string> aliases;
  std::string treat_as;      // e.g. HK → CN
  std::string treat_as_citation;
  std::string parent;        // region's country
  std::string note;
};

struct ChipRecord {
  std::string id, vendor, model, variant, name;
  std::vector<std::string> aliases;
  std::vector<Throughput> throughput;
  std::optional<double> tpp;
  std::string tpp_basis;
  std::optional<double> die_area_mm2;
  bool die_area_verified = false;
  std::string die_area_basis;
  std::optional<double> memory_gb;
  std::optional<double> memory_bandwidth_gbps;
  bool datacenter = true;
  std::string designer_headquarters;
  std::string reference_eccn_note;
  std::string row_note;
  std::vector<std::string> sources;
  bool verified = true;
  std::string verified_note;     // why the figures are not verified
  std::optional<bool> us_market_2026_01_15;  // commercially available in the US on 2026-01-15 (H200 rule)
  std::string us_market_citation;

  // The item specification of this catalog chip (what classification and the rules read).
  ItemSpec ToSpec() const;
};

// A cited parameter of a regime (a number, list or table), kept as JSON plus its citation.
struct Parameter {
  std::string name;
  nlohmann::json value;      // the whole parameter object as written in the data file
  std::string citation;
  bool verified = true;
};

struct Window {
  Date from;
  std::optional<Date> to;    // exclusive
  bool Contains(Date d) const { return d >= from && (!to || d < *to); }
};

struct RuleDef {
  std::string id, step, citation, summary, policy_wording, regime_id;
  std::string file;  // the regime file it was read from, and its place there ("rules[2]")
  std::string path;
  bool verified = true;
  std::vector<Window> enforced, codified;
  bool ActiveOn(Date d, Posture p) const;
};

struct Regime {
  std::string id, title, fr, fr_date;
  std::string file;  // the file it was read from
  Date effective;
  std::optional<Date> compliance;
  bool verified = true;
  std::vector<std::string> notes, sources;
  std::vector<std::string> rule_ids;
  std::unordered_map<std::string, Parameter> parameters;
  // True when any rule of the regime binds on date d under posture p.
  bool InForce(Date d, Posture p, const std::vector<RuleDef>& rules) const;
};

// Country Groups, as bits.
enum class Group : uint8_t { A1, A2, A3, A4, A5, A6, B, D1, D2, D3, D4, D5, E1, E2, kCount };
std::optional<Group> ParseGroup(std::string_view name);  // "D:5" → Group::D5
const char* GroupName(Group g);

struct MembershipChange {
  Group group;
  std::string country;
  std::optional<Date> from, to;   // "from" and "until" in the data; to exclusive
  std::optional<Date> table_conformed;
  std::string citation;
  bool verified = true;
};

// Which source attests a country's membership (and non-membership) in a Country Group over a
// window of dates. Rows known only from the 2026-07-23 table are attested from that date only.
struct MembershipSource {
  std::vector<std::string> countries, except;  // "*" = every country
  uint32_t groups = 0;                         // one bit per Group
  Date from;
  std::optional<Date> until;                   // exclusive
  std::string citation;
  bool verified = true;
  bool Covers(std::string_view code, Group g, Date d) const;
};

// The provenance of one membership on one date.
struct MembershipProvenance {
  bool member = false;
  bool verified = false;
  std::string_view citation;  // the attesting source (or why there is none)
};

class Dataset {
 public:
  // Loads countries.json, chips.json and regimes/*.json from dir; any problem is a kDataError
  // naming the file and field. Whether each rule's step exists is the engine's to say: start-up
  // code loads through LoadRegulatoryData (determine/engine.h), which checks that too.
  static Result<std::unique_ptr<Dataset>> Load(const std::string& dir);

  const std::string& version() const { return version_; }
  // The last date the data was checked against its sources (review.json): rules published
  // after it may be missing, so later decisions say so.
  Date reviewed_through() const { return reviewed_through_; }
  const std::string& review_basis() const { return review_basis_; }
  const std::string& dir() const { return dir_; }

  // Countries. Resolve accepts a code ("cn"), a name or an alias, case-insensitively.
  Result<std::string> ResolveCountry(std::string_view input) const;
  const Country* FindCountry(std::string_view code) const;
  // Two upper-case letters → 0..675 (the hot path's table key); -1 for anything else.
  static int Alpha2Key(std::string_view code) {
    if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') return -1;
    return (code[0] - 'A') * 26 + (code[1] - 'A');
  }
  // The code whose Country Group membership applies (HK → CN; UA-43 → UA-43).
  std::string_view EffectiveCode(std::string_view code) const;
  // The United States as the EAR defines it (15 CFR 772.1): the US and the places the data treats
  // as the US (Puerto Rico, Guam, the US Virgin Islands and the other territories).
  bool IsUnitedStates(std::string_view code) const { return EffectiveCode(code) == "US"; }
  // Every code IsUnitedStates accepts, "US" first (for modules that do not hold the dataset).
  std::vector<std::string> UnitedStatesCodes() const;
  bool InGroup(std::string_view code, Group g, Date d) const { return GroupMask(code, d) >> static_cast<int>(g) & 1u; }
  // All Country Groups of a destination on d, one bit per Group.
  uint32_t GroupMask(std::string_view code, Date d) const;
  // Whether the membership (or non-membership) of code in g on d is attested by a source.
  MembershipProvenance Provenance(std::string_view code, Group g, Date d) const;
  // The dated change that decided membership, if one applies around d (for warnings).
  const MembershipChange* ChangeFor(std::string_view code, Group g) const;
  const std::vector<Country>& countries() const { return countries_; }
  const std::vector<MembershipChange>& membership_changes() const { return changes_; }

  // Chips. Find by id, full name, or an alias, case-insensitively; ambiguous model names (e.g.
  // "H100" with three variants) fail with the candidates listed, unknown ones with the nearest.
  Result<const ChipRecord*> FindChip(std::string_view query) const;
  // Up to three catalog names nearest an unknown chip name (for "did you mean").
  std::vector<std::string> NearestChipNames(std::string_view query) const;
  const std::vector<ChipRecord>& chips() const { return chips_; }
  // A part known to be missing from the catalog (no sourced figures), with why; nullptr if none.
  const std::string* NotInCatalog(std::string_view query) const;

  // Regimes and rules.
  const std::vector<Regime>& regimes() const { return regimes_; }
  const std::vector<RuleDef>& rules() const { return rules_; }
  const RuleDef* FindRule(std::string_view id) const;
  const Regime* FindRegime(std::string_view id) const;
  // A regime parameter, e.g. Param("ai-diffusion-2025", "lpp_tpp_per_consignee_per_year").
  const Parameter* Param(std::string_view regime, std::string_view name) const;
  // The 3A090 thresholds in force on d (HBM / 4E091 presence depends on the date and posture).
  Thresholds ThresholdsOn(Date d, Posture p) const;
  // Earliest date any regime binds; before it, there is no regime data.
  Date first_effective() const { return first_effective_; }
  // An error naming "as_of" when d is before the first regime: nothing is classified or decided
  // on dates the data does not cover.
  Status RequireRegimeData(Date d) const;

 private:
  std::string dir_, version_;
  std::vector<Country> countries_;
  std::unordered_map<std::string, size_t> country_index_;   // lower-case code/name/alias → index
  std::unordered_map<std::string, size_t> code_index_;      // exact code → index
  std::array<int16_t, 26 * 26> alpha2_index_;              // two-letter code → index, -1 if none
  std::vector<uint32_t> base_groups_;  // per country index: groups per the snapshot, before dated changes
  std::vector<std::vector<size_t>> changes_by_country_;  // per country index: indexes into changes_
  const RuleDef* hbm_rule_ = nullptr;
  const RuleDef* weights_rule_ = nullptr;
  std::vector<MembershipChange> changes_;
  std::vector<MembershipSource> sources_;
  std::vector<ChipRecord> chips_;
  std::unordered_map<std::string, std::string> not_in_catalog_;  // normalized name → "NAME is not in the catalog: why"
  std::unordered_map<std::string, std::vector<size_t>> chip_index_;  // normalized key → chips
  std::vector<Regime> regimes_;
  std::vector<RuleDef> rules_;
  Date first_effective_;
  Date reviewed_through_;
  std::string review_basis_;
  Thresholds base_thresholds_;
  std::array<std::string, 7> threshold_notes_;  // the notes base_thresholds_ views, with its figures
};

}  // namespace exportctl

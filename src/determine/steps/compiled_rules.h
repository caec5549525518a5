// The regime parameters the rule steps read, compiled once from the data when the engine is
// built (never constants in code). Internal to determine/.
#pragma once

#include <array>
#include <cstdint>
#include <bitset>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/date.h"
#include "data/dataset.h"
#include "determine/decision.h"
#include "determine/steps/step_id.h"
#include "jurisdiction/jurisdiction.h"

namespace exportctl::steps {

// Regime parameters the steps need, read once from the data (never constants in code).
struct EmbargoEntry {
  std::vector<std::string> codes;
  std::string section, wording, summary;
  std::optional<Date> from, until;  // until exclusive
  ReviewPolicy policy = ReviewPolicy::kPresumptionOfDenial;
  bool verified = true;
  bool Covers(std::string_view code, Date d) const {
    return (!from || d >= *from) && (!until || d < *until) &&
           std::find(codes.begin(), codes.end(), code) != codes.end();
  }
};
struct ListEffect {
  RestrictedList list;
  std::string effect, citation, wording, summary;
  bool verified = true;
};

// The Affiliates Rule (90 FR 47201): its dated status per posture, and the lists whose
// restrictions carry over to owned entities (addendum §1).
struct AffiliatesWindow {
  Date from;
  std::optional<Date> through;  // inclusive; open when absent
  bool in_force = true;         // false = stayed
  bool tgl = false;             // the temporary general license of the first window applies
  bool verified = true;
  std::string citation;
};
struct OwnerListRule {
  RestrictedList list = RestrictedList::kEntityList;
  std::string citation, wording, summary;
  bool verified = true;
  bool by_program = false;            // only listings under `programs` carry over (SDN)
  std::vector<std::string> programs;  // OFAC program codes of 744.8(a)(1), as ProgramCode spells them
  // Program codes known not to be of 744.8(a)(1): a listing under only these does not carry over;
  // a code in neither list is not known, and the party is not cleared on it.
  std::vector<std::string> other_programs;
  std::string programs_citation;
};
struct AffiliatesRules {
  std::array<std::vector<AffiliatesWindow>, 2> windows;  // by Posture
  std::vector<OwnerListRule> owner_lists;
  double threshold = 50, minority = 25;
  std::string unverified_warning;
  std::string data_error;  // the data could not be read as written: the rule applies, unverified
  uint32_t tgl_affiliate_groups = 0, tgl_partner_groups = 0, tgl_excluded_groups = 0;
  std::vector<RestrictedList> tgl_not_for;
  std::string tgl_citation;
  bool tgl_verified = true;
  // Cited by a finding on owners whose share is not known: the red flag and the rule.
  std::string red_flag_citation;
  const AffiliatesWindow* On(Date d, Posture p) const {
    for (const auto& w : windows[static_cast<size_t>(p)]) {
      if (d >= w.from && (!w.through || d <= *w.through)) return &w;
    }
    return nullptr;
  }
  const OwnerListRule* For(RestrictedList l) const {
    for (const auto& o : owner_lists) {
      if (o.list == l) return &o;
    }
    return nullptr;
  }
};

struct CompiledRules {
  // Unique to this compilation (never reused, unlike an address): per-thread caches key on it.
  uint64_t generation = 0;
  // The jurisdiction rule an item without origin facts is taken as subject under.
  const RuleDef* jurisdiction_assumed = nullptr;
  // One rule definition per step (nullptr when the data has none).
  std::array<const RuleDef*, kNumSteps> by_step{};
  // Each regime's rules, to answer "in force on d" without string comparisons.
  std::vector<std::pair<const Regime*, std::vector<const RuleDef*>>> regimes;
  std::vector<std::string> tier1;
  std::bitset<26 * 26> tier1_set;  // by Dataset::Alpha2Key
  double lpp_limit = 0;
  double aia_trigger = 0;
  double country_allocation = 0;
  std::string country_allocation_period;  // "2025-2027", from the parameter's from/to years
  std::string allocation_exhausted_wording;
  // Is-informed letters (15 CFR 744.23(b)): each binds the company informed, from its date.
  struct Letter {
    std::string vendor, citation;
    Date from;
    std::vector<std::string> chips;
    bool bandwidth_test =
        false;  // "any other circuits achieving the H20's memory or interconnect bandwidth"
  };
  std::vector<Letter> h20_letters;
  double h20_memory_bw = 0, h20_interconnect_bw = 0;
  double h200_max_tpp = 0, h200_max_bw = 0;
  std::string h200_us_market_date;    // commercially available in the US on this date
  double h200_china_to_us_ratio = 0;  // China/Macau shipments at most this share of US shipments
  bool h200_zone_verified = true;     // the zone thresholds are read from the rule's text
  std::string h200_zone_citation;
  double hbm_exception_max_density = 0;
  bool hbm_headquarters_verified = true;
  Date hbm_compliance;  // before it, some provisions of 89 FR 96790 were not yet required
  std::string hbm_compliance_note;
  double nac_days = 0;
  std::vector<std::string> license_area_named;  // destinations named beside D:1/D:4/D:5 (the UAE)
  bool license_area_named_verified = true;
  std::string license_area_named_citation;
  std::vector<EmbargoEntry> embargoes;
  std::vector<ListEffect> list_effects;
  std::unordered_map<int, std::string> footnote_citations;
  bool tier1_verified = true;
  AffiliatesRules affiliates;
  // Whether the EAR reaches a foreign-made item (jurisdiction/); null with the reason if the data
  // cannot be read, and items with origin facts are then taken as subject (fail closed).
  std::shared_ptr<const jurisdiction::Rules> jurisdiction_rules;
  std::string jurisdiction_error;

  // Citations and figures the steps' texts state, from regime parameters the steps declare in
  // kRuleSteps (so start-up checks them); never literals in code.
  struct Citations {
    std::string no_requirement;           // acs-2023 no_requirement_citation
    std::string nac_obligation, aca_obligation;  // acs-2023
    std::string tier1_list;               // ai-diffusion-2025 tier1_list_citation
    std::string aia_obligation, aia_certification, lpp_obligation, weights_storage;
    std::string hbm_obligation;           // hbm-2024
    double hbm_discrepancy_percent = 0;   // hbm-2024 hbm_discrepancy_report_percent
    std::string is_informed;              // h20-2025
    std::string owned_entities, sdn_programs, owner_lists, red_flags, ownership_red_flag;  // affiliates-2025
    std::string jurisdiction_reach;  // jurisdiction reach_citation
    std::string footnote_entries;    // restricted-lists footnote_entries_citation
    std::string jurisdiction_weighed_detail;  // the step's detail, naming weighed_citation
  } cite;

  const RuleDef* Step(StepId id) const { return by_step[static_cast<size_t>(id)]; }
};

// Compiles the parameters of the rule steps the data names. Parameters are checked at start-up
// (CheckRuleSteps); what is compiled here may assume they are present and typed.
std::unique_ptr<CompiledRules> Compile(const Dataset& d);

}  // namespace exportctl::steps

// Compiles the regime parameters the rule steps read into CompiledRules, once per Engine.
#include "determine/steps/compiled_rules.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "determine/steps/step.h"

namespace exportctl::steps {

namespace {

double NumberParam(const Dataset& d, const char* regime, const char* name) {
  const Parameter* p = d.Param(regime, name);
  if (!p || !p->value.contains("value") || !p->value["value"].is_number()) return 0;
  return p->value["value"].get<double>();
}

std::string StringParam(const Dataset& d, const char* regime, const char* name) {
  const Parameter* p = d.Param(regime, name);
  if (!p || !p->value.contains("value") || !p->value["value"].is_string()) return "";
  return p->value["value"].get<std::string>();
}

std::vector<std::string> ListParam(const Dataset& d, const char* regime, const char* name) {
  std::vector<std::string> out;
  const Parameter* p = d.Param(regime, name);
  if (!p || !p->value.contains("value") || !p->value["value"].is_array()) return out;
  for (const auto& v : p->value["value"]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The Affiliates Rule's data. Anything that does not read as written is kept as an error: the
// step then applies the rule (fails closed) and says the data is wrong.
void CompileAffiliates(const Dataset& d, AffiliatesRules& a) {
  auto fail = [&](std::string what) {
    if (a.data_error.empty()) a.data_error = "affiliates-2025." + std::move(what);
  };
  if (const Parameter* p = d.Param("affiliates-2025", "status_windows")) {
    const auto& v = p->value["value"];
    for (size_t posture = 0; posture < 2; ++posture) {
      const char* name = posture == 0 ? "enforced" : "codified";
      if (!v.is_object() || !v.contains(name) || !v[name].is_array()) {
        fail(std::string("status_windows.") + name + ": must be an array of windows");
        continue;
      }
      for (const auto& w : v[name]) {
        AffiliatesWindow aw;
        auto from = Date::Parse(w.is_object() ? w.value("from", "") : "");
        if (!from.ok()) {
          fail(std::string("status_windows.") + name + ".from: not a date");
          continue;
        }
        aw.from = *from;
        if (w.contains("through") && !w["through"].is_null()) {
          auto through =
              Date::Parse(w["through"].is_string() ? w["through"].get<std::string>() : "");
          if (!through.ok()) {
            fail(std::string("status_windows.") + name + ".through: not a date");
            continue;  // the window is dropped: the dates around it fall to the rule's default (in
                       // force)
          }
          aw.through = *through;
        }
        aw.in_force = w.value("status", "in_force") != "stayed";
        aw.tgl = w.value("tgl", false);
        aw.verified = w.value("verified", true);
        aw.citation = w.value("citation", "");
        a.windows[posture].push_back(std::move(aw));
      }
    }
  }
  // An extension of the stay, set by an operator: the stay runs through that day, and the
  // windows after it start the day after.
  if (const Parameter* p = d.Param("affiliates-2025", "stay_extended_through");
      p && !p->value["value"].is_null()) {
    const auto& v = p->value["value"];
    auto ext = Date::Parse(v.is_string() ? v.get<std::string>() : "");
    if (!ext.ok()) {
      fail("stay_extended_through: not a date (YYYY-MM-DD); the extension is not applied");
    } else {
      for (auto& ws : a.windows) {
        auto stay = std::find_if(ws.rbegin(), ws.rend(),
                                 [](const AffiliatesWindow& w) { return !w.in_force; });
        if (stay == ws.rend() || !stay->through || *stay->through == *ext) continue;
        if (*stay->through > *ext) {
          // An extension cannot shorten the stay: the date is a mistake, said, not ignored.
          fail("stay_extended_through: " + ext->ToString() + " is before the stay's last day " +
               stay->through->ToString() + "; the extension is not applied");
          break;
        }
        const Date last_stayed = *stay->through;
        stay->through = *ext;
        const std::string extended = "stay extended through " + ext->ToString() +
                                     " (operator setting stay_extended_through)";
        stay->citation += "; " + extended;
        const Date next = Date::FromDays(ext->days() + 1);
        for (auto& w : ws) {
          if (w.from > last_stayed && w.from <= *ext) {
            w.from = next;
            // The window's own citation names the date the extension moved.
            w.citation += "; " + extended + ": in force again from " + next.ToString();
          }
        }
        std::erase_if(ws,
                      [](const AffiliatesWindow& w) { return w.through && *w.through < w.from; });
      }
    }
  }
  if (const Parameter* p = d.Param("affiliates-2025", "owner_lists")) {
    for (const auto& e : p->value["value"]) {
      OwnerListRule o;
      const auto list = RestrictedListFromName(e.value("list", ""));
      if (!list) {
        fail("owner_lists: unknown list \"" + e.value("list", "") + "\"");
        continue;
      }
      o.list = *list;
      o.citation = e.value("citation", "");
      o.wording = e.value("wording", "presumption of denial");
      o.summary = e.value("summary", "");
      o.verified = e.value("verified", true);
      o.by_program = e.contains("programs");
      if (o.by_program) {
        for (const auto& p : e["programs"].get<std::vector<std::string>>()) o.programs.push_back(ProgramCode(p));
        for (const auto& p : e.value("other_programs", std::vector<std::string>{})) o.other_programs.push_back(ProgramCode(p));
      }
      o.programs_citation = e.value("programs_citation", "");
      a.owner_lists.push_back(std::move(o));
    }
  }
  if (a.owner_lists.empty()) fail("owner_lists: none");
  if (double t = NumberParam(d, "affiliates-2025", "threshold_percent"); t > 0) a.threshold = t;
  a.minority = NumberParam(d, "affiliates-2025", "minority_warning_percent");
  if (const Parameter* p = d.Param("affiliates-2025", "unverified_status_warning")) {
    a.unverified_warning = p->value.value("value", "");
  }
  if (a.unverified_warning.empty()) a.unverified_warning = "verify the current BIS status";
  if (const Parameter* p = d.Param("affiliates-2025", "tgl")) {
    const auto& v = p->value["value"];
    auto groups = [&](const char* key) {
      uint32_t bits = 0;
      for (const auto& g : v.value(key, nlohmann::json::array())) {
        if (auto pg = ParseGroup(g.get<std::string>())) bits |= 1u << static_cast<int>(*pg);
      }
      return bits;
    };
    a.tgl_affiliate_groups = groups("affiliate_groups");
    a.tgl_partner_groups = groups("partner_groups");
    a.tgl_excluded_groups = groups("excluded_groups");
    for (const auto& l : v.value("not_for_lists", nlohmann::json::array())) {
      if (auto rl = RestrictedListFromName(l.get<std::string>())) a.tgl_not_for.push_back(*rl);
    }
    a.tgl_citation = p->citation;
    a.tgl_verified = p->verified;
  }
}

}  // namespace

std::unique_ptr<CompiledRules> Compile(const Dataset& d) {
  auto c = std::make_unique<CompiledRules>();
  static std::atomic<uint64_t> generations{0};
  c->generation = generations.fetch_add(1, std::memory_order_relaxed) + 1;
  c->jurisdiction_assumed = d.FindRule("jurisdiction.assumed");
  for (const auto& r : d.rules()) {
    for (const RuleStep& s : RuleSteps()) {
      if (s.name == r.step) c->by_step[static_cast<size_t>(s.id)] = &r;
    }
  }
  for (const auto& g : d.regimes()) {
    std::vector<const RuleDef*> rs;
    for (const auto& id : g.rule_ids) rs.push_back(d.FindRule(id));
    c->regimes.emplace_back(&g, std::move(rs));
  }
  if (auto j = jurisdiction::Rules::Compile(d); j.ok()) c->jurisdiction_rules = *j;
  else c->jurisdiction_error = j.status().message();
  c->tier1 = ListParam(d, "ai-diffusion-2025", "tier1_destinations");
  for (const auto& t : c->tier1) {
    if (int key = Dataset::Alpha2Key(t); key >= 0) c->tier1_set.set(key);
  }
  if (const Parameter* p = d.Param("ai-diffusion-2025", "tier1_destinations"))
    c->tier1_verified = p->verified;
  c->lpp_limit = NumberParam(d, "ai-diffusion-2025", "lpp_tpp_per_consignee_per_year");
  c->aia_trigger = NumberParam(d, "ai-diffusion-2025", "aia_certification_trigger_tpp");
  c->country_allocation = NumberParam(d, "ai-diffusion-2025", "country_allocation_tpp");
  if (const Parameter* p = d.Param("ai-diffusion-2025", "country_allocation_tpp")) {
    c->country_allocation_period =
        p->value.value("from", "").substr(0, 4) + "-" + p->value.value("to", "").substr(0, 4);
  }
  if (const Parameter* p = d.Param("ai-diffusion-2025", "country_allocation_exhausted_wording")) {
    c->allocation_exhausted_wording = p->value.value("value", "policy of denial");
  }
  if (const Parameter* p = d.Param("h20-2025", "letters")) {
    for (const auto& e : p->value["value"]) {
      CompiledRules::Letter l;
      l.vendor = e.value("vendor", "");
      l.citation = e.value("citation", "");
      auto from = Date::Parse(e.value("from", ""));
      l.from = from.ok()
                   ? *from
                   : d.first_effective();  // a bad date applies the letter earlier: fail closed
      for (const auto& id : e.value("chips", nlohmann::json::array()))
        l.chips.push_back(id.get<std::string>());
      l.bandwidth_test = e.value("bandwidth_test", false);
      c->h20_letters.push_back(std::move(l));
    }
  }
  c->h20_memory_bw = NumberParam(d, "h20-2025", "h20_memory_bandwidth_gbps");
  c->h20_interconnect_bw = NumberParam(d, "h20-2025", "h20_interconnect_bandwidth_gbps");
  c->h200_max_tpp = NumberParam(d, "h200-2026", "zone_max_tpp");
  c->h200_max_bw = NumberParam(d, "h200-2026", "zone_max_dram_bandwidth_gbps");
  c->h200_china_to_us_ratio = NumberParam(d, "h200-2026", "china_to_us_ratio");
  if (const Parameter* p = d.Param("h200-2026", "commercially_available_in_us_on"))
    c->h200_us_market_date = p->value.value("value", "");
  for (const char* name : {"zone_max_tpp", "zone_max_dram_bandwidth_gbps"}) {
    if (const Parameter* p = d.Param("h200-2026", name)) {
      c->h200_zone_verified = c->h200_zone_verified && p->verified;
      c->h200_zone_citation = p->citation;
    }
  }
  c->hbm_exception_max_density = NumberParam(d, "hbm-2024", "hbm_exception_max_density");
  if (const Parameter* p = d.Param("hbm-2024", "hbm_headquarters"))
    c->hbm_headquarters_verified = p->verified;
  if (const Parameter* p = d.Param("hbm-2024", "compliance_note")) {
    if (auto cd = Date::Parse(p->value.value("value", "")); cd.ok()) c->hbm_compliance = *cd;
    c->hbm_compliance_note = p->citation;
  }
  c->nac_days = NumberParam(d, "acs-2023", "nac_notification_days");
  c->license_area_named = ListParam(d, "acs-2023", "license_area_named");
  if (const Parameter* p = d.Param("acs-2023", "license_area_named")) {
    c->license_area_named_verified = p->verified;
    c->license_area_named_citation = p->citation;
  }
  if (const Parameter* p = d.Param("embargoes", "destinations")) {
    for (const auto& e : p->value["value"]) {
      EmbargoEntry en;
      for (const auto& code : e["codes"]) en.codes.push_back(code.get<std::string>());
      en.section = e.value("section", "");
      en.wording = e.value("wording", "policy of denial");
      en.summary = e.value("summary", "");
      en.verified = e.value("verified", true);
      // A date that does not parse leaves that end of the window open: the embargo applies (fail
      // closed).
      if (auto f = Date::Parse(e.value("from", "")); f.ok()) en.from = *f;
      if (auto u = Date::Parse(e.value("until", "")); u.ok()) en.until = *u;
      if (e.value("policy", "") == "case_by_case") en.policy = ReviewPolicy::kCaseByCase;
      c->embargoes.push_back(std::move(en));
    }
  }
  if (const Parameter* p = d.Param("restricted-lists", "lists")) {
    for (const auto& e : p->value["value"]) {
      ListEffect le;
      const auto list = RestrictedListFromName(e.value("list", ""));
      if (!list) continue;  // a list this build cannot name: its listings fall back to review below
      le.list = *list;
      le.effect = e.value("effect", "");
      le.verified = e.value("verified", true);
      le.citation = e.value("citation", "");
      le.wording = e.value("wording", "");
      le.summary = e.value("summary", "");
      c->list_effects.push_back(std::move(le));
    }
  }
  if (const Parameter* p = d.Param("restricted-lists", "entity_list_footnotes")) {
    for (const auto& e : p->value["value"]) {
      c->footnote_citations[e.value("footnote", 0)] =
          e.value("citation", "") + " — " + e.value("summary", "");
    }
  }
  if (c->Step(StepId::kAffiliatesRule)) CompileAffiliates(d, c->affiliates);
  CompiledRules::Citations& cite = c->cite;
  cite.no_requirement = StringParam(d, "acs-2023", "no_requirement_citation");
  cite.nac_obligation = StringParam(d, "acs-2023", "nac_obligation_citation");
  cite.aca_obligation = StringParam(d, "acs-2023", "aca_obligation_citation");
  cite.tier1_list = StringParam(d, "ai-diffusion-2025", "tier1_list_citation");
  cite.aia_obligation = StringParam(d, "ai-diffusion-2025", "aia_obligation_citation");
  cite.aia_certification = StringParam(d, "ai-diffusion-2025", "aia_certification_citation");
  cite.lpp_obligation = StringParam(d, "ai-diffusion-2025", "lpp_obligation_citation");
  cite.weights_storage = StringParam(d, "ai-diffusion-2025", "model_weights_storage_citation");
  cite.hbm_obligation = StringParam(d, "hbm-2024", "hbm_obligation_citation");
  cite.hbm_discrepancy_percent = NumberParam(d, "hbm-2024", "hbm_discrepancy_report_percent");
  cite.is_informed = StringParam(d, "h20-2025", "is_informed_citation");
  cite.owned_entities = StringParam(d, "affiliates-2025", "owned_entities_citation");
  cite.sdn_programs = StringParam(d, "affiliates-2025", "sdn_programs_citation");
  cite.owner_lists = StringParam(d, "affiliates-2025", "owner_lists_wording");
  cite.red_flags = StringParam(d, "affiliates-2025", "red_flags_citation");
  cite.ownership_red_flag = StringParam(d, "affiliates-2025", "ownership_red_flag");
  cite.jurisdiction_reach = StringParam(d, "jurisdiction", "reach_citation");
  cite.footnote_entries = StringParam(d, "restricted-lists", "footnote_entries_citation");
  cite.jurisdiction_weighed_detail =
      "items with origin facts weighed under " + StringParam(d, "jurisdiction", "weighed_citation") + " (see items[].jurisdiction)";
  c->affiliates.red_flag_citation = cite.red_flags + " (" + cite.ownership_red_flag + "); " + cite.owned_entities;
  return c;
}

}  // namespace exportctl::steps

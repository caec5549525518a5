// The determination pipeline: the table of rule steps, and the Evaluation that runs it for one
// transaction under one posture. Each step lives in its family's file under steps/; it reads the
// transaction's facts and appends findings citing its rule. Combine (combine.cc) decides
// precedence.
#include "determine/engine.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <bitset>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <tuple>

#include "data/dataset.h"
#include "determine/combine.h"
#include "determine/steps/compiled_rules.h"
#include "determine/steps/families.h"
#include "determine/steps/step.h"

namespace exportctl::steps {
namespace {

using enum ParamType;

// Every rule step, in the order it runs within its stage: ledger reads (prepare), then the
// transaction steps, then per item and candidate class the item steps and the exception steps.
// Rules in data/regimes/*.json name a step by `name`; start-up checks that each does, and that
// the regime parameters a step lists are present and typed (CheckRuleSteps).
constexpr RuleStep kRuleSteps[] = {
    // Rules other steps read: their text, citation and dates; no code of their own.
    {.id = StepId::kClassification, .name = "classification", .params = {{{"acs-2023", "no_requirement_citation", kString}}},
     .read_by = "the reasons of items no requirement binds"},
    {.id = StepId::kClassificationHbm, .name = "classification_hbm", .read_by = "the reasons of 3A090.c items no requirement binds"},
    {.id = StepId::kReviewPolicy2023, .name = "review_policy_2023", .read_by = "license_area_3a090, headquarters_d5_macau, license_area_b"},
    {.id = StepId::kTierPolicy, .name = "tier_policy", .params = {{{"ai-diffusion-2025", "tier1_destinations", kStringList}}},
     .read_by = "worldwide_license_a"},
    {.id = StepId::kRedFlags2025, .name = "red_flags_2025", .read_by = "red_flags"},
    {.id = StepId::kAidNotEnforced, .name = "aid_not_enforced", .read_by = "Engine::Determine, when the codified answer differs"},
    {.id = StepId::kCountryGroupSources, .name = "country_group_sources",
     .read_by = "CheckMembershipSources, when an unverified Country Group membership decides the outcome", .required = true},

    // Transaction steps.
    {.id = StepId::kEmbargo, .name = "embargo", .params = {{{"embargoes", "destinations", kList}}}, .transaction = EmbargoStep},
    {.id = StepId::kRestrictedParties, .name = "restricted_parties",
     .params = {{{"restricted-lists", "lists", kList}, {"restricted-lists", "entity_list_footnotes", kList}}},
     .transaction = RestrictedPartiesStep},
    {.id = StepId::kAffiliatesRule, .name = "affiliates_rule",
     .params = {{{"affiliates-2025", "status_windows", kObject},
                 {"affiliates-2025", "stay_extended_through", kOptionalString},
                 {"affiliates-2025", "unverified_status_warning", kString},
                 {"affiliates-2025", "threshold_percent", kNumber},
                 {"affiliates-2025", "minority_warning_percent", kNumber},
                 {"affiliates-2025", "owner_lists", kList},
                 {"affiliates-2025", "tgl", kObject},
                 {"affiliates-2025", "owned_entities_citation", kString},
                 {"affiliates-2025", "sdn_programs_citation", kString},
                 {"affiliates-2025", "owner_lists_wording", kString},
                 {"affiliates-2025", "red_flags_citation", kString},
                 {"affiliates-2025", "ownership_red_flag", kString},
                 {"restricted-lists", "entity_list_footnotes", kList}}},
     .transaction = AffiliatesStep},
    // Whether the EAR reaches each item at all: after screening, whose footnotes 734.9(e) reads;
    // its reasons lead the decision and an item outside the EAR meets no licensing step.
    {.id = StepId::kJurisdiction, .name = "jurisdiction",
     .params = {{{"jurisdiction", "de_minimis", kObject},
                 {"jurisdiction", "no_de_minimis", kList},
                 {"jurisdiction", "content_controls", kList},
                 {"jurisdiction", "country_chart", kObject},
                 {"jurisdiction", "fdp_h", kObject},
                 {"jurisdiction", "fdp_h_reach_2023", kObject},
                 {"jurisdiction", "fdp_e", kObject},
                 {"jurisdiction", "fdp_i", kObject},
                 {"jurisdiction", "reach_citation", kString},
                 {"jurisdiction", "weighed_citation", kString}}},
     .transaction = JurisdictionStep, .always = true},
    {.id = StepId::kRedFlags, .name = "red_flags", .transaction = RedFlagsStep, .always = true},
    {.id = StepId::kCompliancePending, .name = "compliance_pending", .transaction = CompliancePendingStep},

    // Item steps. The H200 zone comes first: the license steps' denial turns case-by-case in it.
    {.id = StepId::kH200CaseByCase, .name = "h200_case_by_case",
     .params = {{{"h200-2026", "zone_max_tpp", kNumber},
                 {"h200-2026", "zone_max_dram_bandwidth_gbps", kNumber},
                 {"h200-2026", "commercially_available_in_us_on", kDate},
                 {"h200-2026", "china_to_us_ratio", kNumber}}},
     .item = H200ZoneStep},
    {.id = StepId::kLicenseArea3a090, .name = "license_area_3a090", .params = {{{"acs-2023", "license_area_named", kStringList}}},
     .item = LicenseArea2023Step},
    {.id = StepId::kHeadquartersD5Macau, .name = "headquarters_d5_macau", .item = HeadquartersStep},
    {.id = StepId::kWorldwideLicenseA, .name = "worldwide_license_a",
     .params = {{{"ai-diffusion-2025", "tier1_destinations", kStringList}, {"ai-diffusion-2025", "tier1_list_citation", kString}}},
     .item = WorldwideLicenseStep},
    {.id = StepId::kCountryAllocation, .name = "country_allocation",
     .params = {{{"ai-diffusion-2025", "country_allocation_tpp", kNumber},
                 {"ai-diffusion-2025", "country_allocation_exhausted_wording", kString}}},
     .item = CountryAllocationStep},
    {.id = StepId::kLicenseAreaB, .name = "license_area_b", .item = LicenseAreaBStep},
    {.id = StepId::kHbmLicense, .name = "hbm_license",
     .params = {{{"hbm-2024", "hbm_headquarters", kStringList}, {"hbm-2024", "compliance_note", kDate}}}, .item = HbmLicenseStep},
    {.id = StepId::kModelWeights4e091, .name = "model_weights_4e091",
     .params = {{{"ai-diffusion-2025", "model_weights_storage_citation", kString}}}, .item = ModelWeightsStep},
    {.id = StepId::kH20IsInformed, .name = "h20_is_informed",
     .params = {{{"h20-2025", "h20_memory_bandwidth_gbps", kNumber},
                 {"h20-2025", "h20_interconnect_bandwidth_gbps", kNumber},
                 {"h20-2025", "letters", kList},
                 {"h20-2025", "is_informed_citation", kString}}},
     .item = H20IsInformedStep},
    {.id = StepId::kSupercomputerEndUse, .name = "supercomputer_end_use", .item = SupercomputerEndUseStep},
    {.id = StepId::kAiTrainingPolicy, .name = "ai_training_policy", .item = AiTrainingPolicyStep},
    {.id = StepId::kGp10Knowledge, .name = "gp10_knowledge", .params = {{{"guidance-2025-05", "named_prc_ics", kStringList}}},
     .item = Gp10KnowledgeStep},
    {.id = StepId::kGp10PrcIcs, .name = "gp10_prc_ics", .params = {{{"guidance-2025-05", "named_prc_ics", kStringList}}},
     .item = Gp10PrcIcsStep},
    // An item subject to the EAR for an Entity List footnote 1 or 4 entity: their entries' license
    // requirement (15 CFR 744.11), whatever route brought the item in.
    {.id = StepId::kEntityListFootnoteEndUse, .name = "entity_list_footnote_end_use",
     .params = {{{"restricted-lists", "footnote_entries_citation", kString}}}, .item = FootnoteEntityEndUseStep},

    // License exceptions, in the order their conditions are read (preference is Combine's).
    {.id = StepId::kExceptionNac, .name = "exception_nac",
     .params = {{{"acs-2023", "nac_notification_days", kNumber}, {"acs-2023", "nac_obligation_citation", kString}}},
     .exception = NacConditions, .grants = LicenseException::kNAC},
    {.id = StepId::kExceptionAca, .name = "exception_aca", .params = {{{"acs-2023", "aca_obligation_citation", kString}}},
     .exception = AcaConditions, .grants = LicenseException::kACA},
    {.id = StepId::kExceptionAia, .name = "exception_aia",
     .params = {{{"ai-diffusion-2025", "tier1_destinations", kStringList},
                 {"ai-diffusion-2025", "aia_certification_trigger_tpp", kNumber},
                 {"ai-diffusion-2025", "tier1_list_citation", kString},
                 {"ai-diffusion-2025", "aia_obligation_citation", kString},
                 {"ai-diffusion-2025", "aia_certification_citation", kString}}},
     .exception = AiaConditions, .grants = LicenseException::kAIA},
    {.id = StepId::kExceptionLpp, .name = "exception_lpp",
     .params = {{{"ai-diffusion-2025", "lpp_tpp_per_consignee_per_year", kNumber},
                 {"ai-diffusion-2025", "lpp_obligation_citation", kString}}},
     .prepare = LppBalanceStep, .exception = LppConditions, .grants = LicenseException::kLPP},
    {.id = StepId::kExceptionHbm, .name = "exception_hbm",
     .params = {{{"hbm-2024", "hbm_exception_max_density", kNumber},
                 {"hbm-2024", "hbm_obligation_citation", kString},
                 {"hbm-2024", "hbm_discrepancy_report_percent", kNumber}}},
     .exception = HbmConditions, .grants = LicenseException::kHBM},
};
static_assert(std::size(kRuleSteps) == kNumSteps, "every StepId has one entry in the table");
consteval bool TableInStepIdOrder() {
  for (size_t i = 0; i < std::size(kRuleSteps); ++i) {
    if (static_cast<size_t>(kRuleSteps[i].id) != i) return false;
  }
  return true;
}
static_assert(TableInStepIdOrder(), "kRuleSteps lists the steps in StepId order");

}  // namespace

std::span<const RuleStep> RuleSteps() { return kRuleSteps; }

Evaluation::Plan Evaluation::MakePlan(const CompiledRules& rules, Date date, Posture posture) {
  Plan p;
  for (size_t i = 0; i < kNumSteps; ++i) {
    const RuleDef* r = rules.by_step[i];
    p.active[i] = r && r->ActiveOn(date, posture) ? r : nullptr;
    const RuleStep& s = kRuleSteps[i];
    const auto k = static_cast<uint8_t>(i);
    if (s.prepare && p.active[i]) p.prepare[p.n_prepare++] = k;
    if (s.transaction && (p.active[i] || s.always)) p.transaction[p.n_transaction++] = k;
    if (s.item && p.active[i]) p.item[p.n_item++] = k;
    if (s.exception && p.active[i]) p.exception[p.n_exception++] = k;
  }
  return p;
}

StepId ExceptionStepId(LicenseException e) {
  for (const RuleStep& s : kRuleSteps) {
    if (s.exception && s.grants == e) return s.id;
  }
  return StepId::kCount;
}

TransactionFacts Evaluation::ComputeFacts() {
  TransactionFacts facts;
  const std::string_view dest = data.EffectiveCode(tx.destination);
  facts.dest_groups = Groups(tx.destination, GroupBit(Group::D1) | GroupBit(Group::D4) | GroupBit(Group::D5) |
                                              GroupBit(Group::A5) | GroupBit(Group::A6));
  facts.dest_tier1 = Tier1(tx.destination);
  facts.dest_us = dest == "US";
  facts.dest_macau = dest == "MO";
  facts.dest_china_macau = dest == "CN" || dest == "MO";
  facts.dest_d5_macau = facts.dest_macau || facts.Dest(Group::D5);
  facts.dest_license_area = (facts.Dest(Group::D1) || facts.Dest(Group::D4) || facts.Dest(Group::D5)) && !facts.Dest(Group::A5) && !facts.Dest(Group::A6);
  // The UAE is named beside the groups (and was inside them in 2023): never cleared by its A:5 row.
  facts.dest_named = std::find(rules.license_area_named.begin(), rules.license_area_named.end(), dest) != rules.license_area_named.end();
  facts.dest_license_area = facts.dest_license_area || facts.dest_named;
  facts.dest_license_area_b = facts.dest_license_area || dest == "AE";
  for (const auto& e : rules.embargoes) {
    if (e.Covers(dest, date)) facts.embargo = &e;
  }

  // Recipients: the ultimate consignee and end users (744.23(a)(3) "destined to an entity").
  int recipients = 0, tier1 = 0;
  for (const auto& p : tx.parties) {
    if (p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser) continue;
    ++recipients;
    // An unstated parent is unknown, not absent: a subsidiary of a D:5 company states only its own
    // headquarters. A company with no parent states its own headquarters as the ultimate parent's.
    if (p.headquarters.empty() || p.ultimate_parent_headquarters.empty()) {
      if (!facts.hq_unknown) facts.hq_unknown_party = &p;
      facts.hq_unknown = true;
    }
    // A headquarters in the destination has the destination's answers, read above (the same
    // memberships, answered the same way); another is read here.
    auto d5_or_macau = [&](const std::string& code) {
      return code == tx.destination && !code.empty() ? facts.dest_d5_macau : D5OrMacau(code);
    };
    auto tier1_hq = [&](const std::string& code) { return code == tx.destination ? facts.dest_tier1 : Tier1(code); };
    const bool hq_d5 = d5_or_macau(p.headquarters);
    // The parent is read only when the party's own headquarters did not decide it.
    const bool parent_d5 = !hq_d5 && (p.ultimate_parent_headquarters == p.headquarters ? hq_d5 : d5_or_macau(p.ultimate_parent_headquarters));
    if (hq_d5 || parent_d5) {
      if (!facts.hq_d5_macau) {
        const std::string who = std::string(PartyRoleName(p.role)) + " \"" + p.name + "\"";
        facts.hq_d5_fact = hq_d5 ? who + " is headquartered in " + p.headquarters
                                 : who + "'s ultimate parent is headquartered in " + p.ultimate_parent_headquarters;
      }
      facts.hq_d5_macau = true;
    }
    if (tier1_hq(p.headquarters) && (p.ultimate_parent_headquarters == p.headquarters ? tier1_hq(p.headquarters)
                                                                                   : tier1_hq(p.ultimate_parent_headquarters))) ++tier1;
  }
  for (const auto& p : tx.parties) {
    if (p.role != PartyRole::kPurchaser && p.role != PartyRole::kIntermediateConsignee) continue;
    const bool located = p.role == PartyRole::kIntermediateConsignee && D5OrMacau(p.country);
    if (located || D5OrMacau(p.headquarters) || D5OrMacau(p.ultimate_parent_headquarters)) {
      facts.other_d5_party = &p;
      break;
    }
  }
  facts.no_recipient = recipients == 0;
  if (facts.no_recipient) facts.hq_unknown = true;
  facts.hq_all_tier1 = recipients > 0 && tier1 == recipients;
  for (const auto& p : tx.parties) {
    if (p.role == PartyRole::kUltimateConsignee) facts.consignee = &p;
  }
  return facts;
}

void Evaluation::DestinationNotes() {
  if (!explain) return;  // warnings only
  // Cambodia and other dated Country Group changes: say which table the answer rests on.
  if (const MembershipChange* ch = data.ChangeFor(tx.destination, Group::D5)) {
    if (ch->to && date >= *ch->to && ch->table_conformed && date < *ch->table_conformed) {
      Warn(EXPLAIN("Destination left Country Group D:5 on " + ch->to->ToString() + " but the BIS table listed it until " +
           ch->table_conformed->ToString() + " (" + ch->citation + ")"));
    }
    if (!ch->verified) Warn(EXPLAIN("Country Group D:5 membership change rests on secondary sources: " + ch->citation));
  }
  const Country* dc = data.FindCountry(tx.destination);
  if (dc && !dc->treat_as.empty()) {
    Warn(EXPLAIN(dc->name + " is treated as " + std::string(data.EffectiveCode(tx.destination)) + " (" + dc->treat_as_citation + ")"));
  }
}

namespace {

// No license requirement bound the item: say which rules were weighed and the facts that kept
// each out (the item's class, the destination's groups, the recipients' headquarters).
void ExplainNoRequirement(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item) {
  // Its findings change no outcome: an outcome-only evaluation would not keep them.
  if (!ev.explain) return;
  const Eccn eccn = item.eccn;
  const Classification& c = item.c;
  const int idx = item.idx;
  const std::string cls = Cat({item.label, " (", EccnName(eccn), ")"});
  const bool exporting = item.exporting;
  const RuleDef* area = nullptr;
  if (eccn == Eccn::k3A090c) area = ev.Active(StepId::kHbmLicense);
  else if (IsB(eccn)) area = ev.Active(StepId::kLicenseAreaB);
  if (!area && IsAdvanced(eccn)) area = ev.Active(StepId::kLicenseArea3a090);
  if (!area) {
    // Not an advanced-computing item (3A991.p, 4A994.l, EAR99, …), or no rule for its class binds.
    const RuleDef* r = eccn == Eccn::k3A090c ? ev.Active(StepId::kClassificationHbm) : ev.Active(StepId::kClassification);
    if (!r) r = ev.rules.Step(StepId::kClassification);
    if (!r) return;
    ev.Add(r, Effect::kNoLicenseRequired,
        EXPLAIN(cls + (IsAdvanced(eccn) || eccn == Eccn::k3A090c || eccn == Eccn::k4E091
                           ? ": no license requirement for its class binds on " + ev.date.ToString() + " under the " + PostureName(ev.posture) + " posture"
                           : " is outside ECCNs 3A090/4A090" + std::string(c.tpp ? " (TPP " + FormatTpp(*c.tpp) + ")" : "") +
                                 ": no advanced-computing license requirement (" + ev.rules.cite.no_requirement + ") binds it") +
                " for " + ev.tx.destination + " (" + ev.DestinationGroups(facts) + ")"),
        idx);
    return;
  }
  // The facts that keep the item out of the rule.
  if (!exporting || facts.dest_us) {
    ev.Add(area, Effect::kNoLicenseRequired,
           EXPLAIN(Cat({cls, " needs no license under this rule: ",
                        !exporting ? "the activity is use in place, not an export, reexport or transfer"
                                   : "the destination is the United States"})),
           idx);
  } else {
    std::string_view tail;
    if (eccn == Eccn::k3A090c) tail = ", neither Macau nor D:5";
    else if (!facts.Dest(Group::D1) && !facts.Dest(Group::D4) && !facts.Dest(Group::D5)) tail = ", none of D:1, D:4 or D:5";
    else if (!facts.dest_license_area) tail = ": A:5/A:6 are excluded from the license area";
    ev.Add(area, Effect::kNoLicenseRequired,
           EXPLAIN(Cat({cls, " needs no license under this rule: ", ev.tx.destination, " is in ", ev.DestinationGroups(facts), tail})),
           idx);
  }
  if (const RuleDef* hq = ev.Active(StepId::kHeadquartersD5Macau); hq && IsAdvanced(eccn) && exporting) {
    ev.Add(hq, Effect::kNoLicenseRequired,
        EXPLAIN(Cat({cls, ": no ultimate consignee or end user is headquartered, or has its ultimate parent, in D:5 or Macau (",
                     ev.RecipientHeadquarters(), ")"})),
        idx);
  }
}

}  // namespace

// One item under one candidate class: the item steps in table order, then the exceptions whose
// own conditions hold, then Combine.
ItemVerdict Evaluation::EvaluateItem(const TransactionFacts& facts, size_t i, const Classification& c, Eccn eccn) {
  const TransactionItem& ti = tx.items[i];
  ItemContext item{.index = i, .idx = static_cast<int>(i), .tx_item = ti, .spec = ti.spec, .label = ti.label, .c = c, .eccn = eccn};
  item.exporting = tx.activity != Activity::kUse;
  item.abroad = item.exporting && !facts.dest_us;
  item.advanced = IsAdvanced(eccn);
  item.nac_aca_item = item.advanced && !(IsA(eccn) && !c.non_datacenter_high_tpp);
  item.item_tpp = c.tpp ? *c.tpp * static_cast<double>(ti.quantity) : 0;
  item.reqs = party_requirements;
  for (uint8_t k = 0; k < plan_.n_item; ++k) {
    const uint8_t i = plan_.item[k];
    kRuleSteps[i].item(*this, facts, item, *plan_.active[i]);
  }
  if (!agreements.party_changes.empty()) ApplyAgreementChanges(*this, facts, item);
  if (!item.reqs.empty() && !exceptions_barred) {
    for (uint8_t k = 0; k < plan_.n_exception; ++k) {
      const RuleStep& s = kRuleSteps[plan_.exception[k]];
      if (s.exception(*this, facts, item)) item.available |= ExceptionBit(s.grants);
    }
  }
  ItemVerdict v = CombineItem(item.effects, item.reqs.view(), item.available, exceptions_barred);
  v.draws_country_allocation = item.draws_country_allocation && v.outcome == Outcome::kLicenseRequired;
  if (v.outcome == Outcome::kNoLicenseRequired) ExplainNoRequirement(*this, facts, item);
  if (v.outcome == Outcome::kLicenseException) ExplainException(*this, facts, item, *v.exception);
  return v;
}

// Whether an item's class can turn on the classes that exist on the date (Thresholds::hbm_active,
// weights_active): HBM and model weights, or a system holding one. Other items classify alike
// under both postures.
static bool ClassTurnsOnDate(const ItemSpec& s) {
  if (s.kind == ItemKind::kHbm || s.kind == ItemKind::kModelWeights) return true;
  return std::any_of(s.components.begin(), s.components.end(), [](const SystemComponent& c) { return ClassTurnsOnDate(c.spec); });
}

void Evaluation::Run(Decision& out) {
  // Which rules bind depends only on (date, posture): remember the last answer per thread.
  thread_local struct {
    uint64_t generation = 0;
    Date date;
    Plan plan;
    std::vector<std::string_view> regimes;  // ids of the regimes with a rule in force
  } cache[2];
  auto& slot = cache[posture == Posture::kEnforced ? 0 : 1];
  if (slot.generation != rules.generation || slot.date != date) {
    slot.plan = MakePlan(rules, date, posture);
    slot.regimes.clear();
    for (const auto& [regime, regime_rules] : rules.regimes) {
      for (const RuleDef* r : regime_rules) {
        if (r->ActiveOn(date, posture)) {
          slot.regimes.push_back(regime->id);
          break;
        }
      }
    }
    slot.generation = rules.generation;
    slot.date = date;
  }
  plan_ = slot.plan;
  findings.reserve(8);
  if (explain) steps.reserve(8);
  out.posture = posture;
  out.as_of = date;
  out.reference = tx.reference;
  out.data_version = data.version();
  out.activity = tx.activity;
  out.destination = tx.destination;
  if (explain) {
    out.parties.reserve(tx.parties.size());
    for (const auto& p : tx.parties) out.parties.push_back({p.role, p.name, p.country});
  }
  if (explain) out.regimes = slot.regimes;
  if (date < data.first_effective()) {
    Finding f;
    f.rule = "no_regime_data";
    f.citation = "";
    f.summary = "No regime data before " + data.first_effective().ToString() + "; this engine does not decide earlier dates";
    f.effect = Effect::kUnresolved;
    out.reasons.push_back(std::move(f));
    out.outcome = Outcome::kNeedsReview;
    out.warnings.push_back("no regime data for " + date.ToString());
    return;
  }
  // The facts depend on the transaction and the date, not on the posture: an evaluation of the
  // same transaction under the other posture takes them as computed, with the memberships read.
  TransactionFacts computed;
  const TransactionFacts* shared = nullptr;
  const bool can_share = shared_facts_ && !flips_;
  if (can_share && shared_facts_->ready && (!uses_ || shared_facts_->tracked)) {
    if (uses_) {
      for (const GroupUse& u : shared_facts_->uses) {
        auto it = std::find_if(uses_->begin(), uses_->end(), [&](const GroupUse& x) { return x.country == u.country; });
        if (it == uses_->end()) uses_->push_back(u);
        else it->groups |= u.groups;
      }
    }
    shared = &shared_facts_->facts;
  } else {
    const bool first_reads = !uses_ || uses_->empty();
    computed = ComputeFacts();
    if (can_share && !shared_facts_->ready && first_reads) {
      shared_facts_->facts = computed;
      if (uses_) shared_facts_->uses = *uses_;
      shared_facts_->tracked = uses_ != nullptr;
      shared_facts_->ready = true;
    }
  }
  const TransactionFacts& facts = shared ? *shared : computed;
  if (!opt.overlays.empty()) agreements = AgreementEffectOn(opt.overlays, data.EffectiveCode(tx.destination), date);

  // Classification first: LPP needs the transaction's TPP of .a items.
  const Thresholds t = data.ThresholdsOn(date, posture);
  std::vector<Classification> own;  // classified here, not taken from the other evaluation
  const std::vector<Classification>* classified = &own;
  if (shared_facts_ && shared_facts_->classes_ready &&
      ((shared_facts_->hbm_active == t.hbm_active && shared_facts_->weights_active == t.weights_active) ||
       std::none_of(tx.items.begin(), tx.items.end(), [](const TransactionItem& it) { return ClassTurnsOnDate(it.spec); }))) {
    classified = &shared_facts_->classes;
  } else {
    own.reserve(tx.items.size());
    for (const auto& item : tx.items) own.push_back(Classify(item.spec, t));
    if (shared_facts_ && !shared_facts_->classes_ready) {
      shared_facts_->classes = std::move(own);
      shared_facts_->hbm_active = t.hbm_active;
      shared_facts_->weights_active = t.weights_active;
      shared_facts_->classes_ready = true;
      classified = &shared_facts_->classes;
    }
  }
  const std::vector<Classification>& classes = *classified;
  bool all_determinate = true;
  for (size_t i = 0; i < tx.items.size(); ++i) {
    const Classification& c = classes[i];
    all_determinate = all_determinate && c.determinate;
    if (c.determinate && IsA(c.eccn) && c.tpp) lpp_tpp += *c.tpp * static_cast<double>(tx.items[i].quantity);
  }
  this->classes = &classes;
  // The step table, in order: ledger reads, then the transaction steps (destination notes first).
  for (uint8_t k = 0; k < plan_.n_prepare; ++k) {
    const uint8_t i = plan_.prepare[k];
    kRuleSteps[i].prepare(*this, facts, plan_.active[i]);
  }
  if (counterfactuals_) Propose(facts, classes, t);
  Step({"classification", all_determinate ? "performed" : "unresolved",
        all_determinate ? "every item classified" : "some items could not be classified from the facts given"});
  DestinationNotes();
  for (uint8_t k = 0; k < plan_.n_transaction; ++k) {
    const uint8_t i = plan_.transaction[k];
    kRuleSteps[i].transaction(*this, facts, plan_.active[i]);
  }

  // Each item's verdict, inline for the usual few items (this is the hot path).
  std::array<ItemVerdict, 4> few;
  std::vector<ItemVerdict> many(tx.items.size() > few.size() ? tx.items.size() : 0);
  const std::span<ItemVerdict> verdicts = many.empty() ? std::span<ItemVerdict>(few.data(), tx.items.size()) : std::span<ItemVerdict>(many);
  out.items.reserve(out.items.size() + tx.items.size());  // each result is built in place
  for (size_t i = 0; i < tx.items.size(); ++i) {
    const Classification& c = classes[i];
    const TransactionItem& item = tx.items[i];
    ItemResult& ir = out.items.emplace_back();
    ir.label = item.label;
    ir.quantity = item.quantity;
    ir.total_tpp = c.tpp ? *c.tpp * static_cast<double>(item.quantity) : 0;
    for (const auto& w : c.warnings) Warn(EXPLAIN(item.label + ": " + w));
    if (item.spec.catalog && !item.spec.catalog->verified) {
      Warn(EXPLAIN(item.label + ": catalog figures are not verified (" +
                   (item.spec.catalog->verified_note.empty() ? std::string("rumoured or reported specifications") : item.spec.catalog->verified_note) + ")"));
    }

    ItemVerdict ev;
    if (i < jurisdictions.size()) ir.jurisdiction = std::move(jurisdictions[i]);
    if (!ir.jurisdiction && rules.jurisdiction_assumed) ir.jurisdiction_assumed = rules.jurisdiction_assumed->citation;
    if (ir.jurisdiction && ir.jurisdiction->verdict == jurisdiction::Verdict::kNotSubject) {
      ev.outcome = Outcome::kNotSubjectToEar;  // outside the EAR: no licensing step applies to it
    } else if (c.determinate) {
      ev = EvaluateItem(facts, i, c, c.eccn);
    } else {
      // Fail closed unless every candidate class leads to the same outcome.
      std::vector<ItemVerdict> evs;
      const size_t keep = findings.size();
      for (Eccn cand : c.candidates) {
        findings.resize(keep);
        evs.push_back(EvaluateItem(facts, i, c, cand));
      }
      bool same = true;
      for (const auto& e : evs) {
        same = same && e.outcome == evs[0].outcome && e.exception == evs[0].exception && e.policy == evs[0].policy;
      }
      std::string cands;
      for (Eccn e : c.candidates) cands += (cands.empty() ? "" : ", ") + std::string(EccnName(e));
      std::string missing;
      for (const auto& m : c.missing) missing += (missing.empty() ? "" : ", ") + std::string(m);
      const RuleDef* cls = rules.Step(StepId::kClassification);
      if (same) {
        ev = evs.back();  // findings of the last candidate are in place
        Finding& f = Add(cls, Effect::kInfo, EXPLAIN(item.label + ": class indeterminate (" + cands + ") without " + missing + ", but every candidate gives the same outcome"), static_cast<int>(i));
        (void)f;
      } else {
        findings.resize(keep);
        ev = ItemVerdict{};
        ev.outcome = Outcome::kNeedsReview;
        Add(cls, Effect::kUnresolved, EXPLAIN(item.label + ": classification indeterminate (candidates " + cands + "); missing " + missing + " would decide the outcome"), static_cast<int>(i));
      }
    }
    ev = HeldLicenseStep(*this, facts, i, c, ev, ir);  // a license the company holds may meet it
    ir.outcome = ev.outcome;
    ir.license_exception = ev.exception ? LicenseExceptionName(*ev.exception) : "";
    ir.review_policy = ev.policy;
    ir.draws_country_allocation = ev.draws_country_allocation;
    verdicts[i] = ev;
    if (explain) {
      if (classified == &own) ir.classification = std::move(own[i]);  // c is not used after this
      else ir.classification = classes[i];  // the other evaluation reads them too
    }
  }

  // The transaction's outcome, exception and policy follow its items and its own findings.
  ReviewPolicy transaction_policy = ReviewPolicy::kNone;
  for (const auto& f : findings) {
    if (f.item < 0 && f.effect == Effect::kLicenseRequired) transaction_policy = MostRestrictive(transaction_policy, f.review_policy);
  }
  Verdict verdict = CombineTransaction(tx_effects, verdicts, transaction_policy);
  out.outcome = verdict.outcome;
  out.license_exception = std::move(verdict.license_exception);
  out.review_policy = verdict.review_policy;
  if (explain && out.outcome == Outcome::kLicenseRequired) {
    // The words behind the policy, as the rules or the listing put them ("policy of denial").
    for (const auto& f : findings) {
      if (f.effect != Effect::kLicenseRequired || f.review_policy != out.review_policy || f.policy_wording.empty()) continue;
      if (out.policy_wording.find(f.policy_wording) != std::string::npos) continue;
      out.policy_wording += (out.policy_wording.empty() ? "" : "; ") + std::string(f.policy_wording);
    }
  }

  if (explain) Explain(facts, out);
  if (explain && !opt.overlays.empty()) NoteAgreements(*this, out);
  out.reasons = std::move(findings);
  out.warnings = std::move(warnings);
  out.obligations = std::move(obligations);
  out.steps = std::move(steps);
  out.screened_parties = std::move(screened_parties);
  out.licenses = std::move(license_uses);
  out.quota_draws = std::move(quota_draws);
}

// Facts the transaction left out that the rules turn on. Each is tried by Determine; those that
// change the outcome are said in the decision (would_change), so an officer knows what to ask for.
void Evaluation::Propose(const TransactionFacts& facts, const std::vector<Classification>& classes, const Thresholds& t) {
  auto& out = *counterfactuals_;
  // A recipient that stated its own headquarters but not its parent's.
  for (size_t k = 0; k < tx.parties.size(); ++k) {
    const Party& p = tx.parties[k];
    if ((p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser) || p.headquarters.empty() ||
        !p.ultimate_parent_headquarters.empty()) continue;
    const std::string who = RoleInWords(p.role);
    out.push_back({"parties[" + std::to_string(k) + "].ultimate_parent_headquarters", "\"" + p.headquarters + "\"",
                   "the " + who + " \"" + p.name + "\" has no parent (its own headquarters, " + p.headquarters +
                       ", given as the ultimate parent's)",
                   [k](Transaction& x) { x.parties[k].ultimate_parent_headquarters = x.parties[k].headquarters; }});
  }
  // H200 rule: case-by-case review only with all five exporter certifications.
  if (Active(StepId::kH200CaseByCase) && facts.dest_china_macau && tx.activity == Activity::kExport &&
      !(tx.h200_certifications && tx.h200_certifications->all())) {
    out.push_back({"h200_certifications",
                   R"({"sufficient_us_supply":true,"no_foundry_diversion":true,"china_volume_within_half_of_us":true,)"
                   R"("know_your_customer_and_remote_access":true,"third_party_testing_in_us":true})",
                   "the exporter gives all five certifications of the H200 rule",
                   [](Transaction& x) {
                     H200Certifications all;
                     all.sufficient_us_supply = all.no_foundry_diversion = all.china_volume_within_half_of_us =
                         all.know_your_customer_and_remote_access = all.third_party_testing_in_us = true;
                     x.h200_certifications = all;
                   }});
  }
  bool storage_proposed = false;
  for (size_t i = 0; i < classes.size(); ++i) {
    const Classification& c = classes[i];
    const ItemSpec& spec = tx.items[i].spec;
    // 4E091 weights: License Exception AIA needs the storage assurance (one fact for the
    // transaction, proposed once however many items are weights).
    if (c.determinate && c.eccn == Eccn::k4E091 && !tx.model_weights_secure_storage && !storage_proposed) {
      storage_proposed = true;
      out.push_back({"model_weights_secure_storage", "true",
                     "the model weights are stored as " + rules.cite.weights_storage + " require",
                     [](Transaction& x) { x.model_weights_secure_storage = true; }});
    }
    if (c.determinate || spec.kind != ItemKind::kIntegratedCircuit) continue;
    const std::string item = "items[" + std::to_string(i) + "]";
    const bool no_area = std::find(c.missing.begin(), c.missing.end(), std::string_view("die_area_mm2")) != c.missing.end();
    // An indeterminate chip: one die area inside each interval the performance density thresholds
    // cut (PD = TPP / die area, so PD >= t exactly when the area is at most TPP / t).
    if (no_area && c.tpp && !spec.performance_density) {
      std::vector<double> cuts;
      for (double pd : {t.a2_pd, t.b1_pd_min, t.b2_pd_min}) cuts.push_back(std::round(*c.tpp / pd));
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      for (size_t k = 0; k <= cuts.size(); ++k) {
        const double low = k == 0 ? 0 : cuts[k - 1];
        const double high = k == cuts.size() ? std::numeric_limits<double>::infinity() : cuts[k];
        const double area = std::round(k == 0 ? high * 0.9 : k == cuts.size() ? low * 1.1 : (low + high) / 2);
        if (area < 1) continue;
        out.push_back({item + ".die_area_mm2", std::to_string(static_cast<int64_t>(area)), "",
                       [i, area](Transaction& x) { x.items[i].spec.die_area_mm2 = area; },
                       std::make_pair(low, high)});
      }
    }
    if (!spec.datacenter && std::find(c.missing.begin(), c.missing.end(), std::string_view("datacenter")) != c.missing.end()) {
      for (bool dc : {true, false}) {
        out.push_back({item + ".datacenter", dc ? "true" : "false",
                       dc ? "the item is designed or marketed for datacenters" : "the item is not designed or marketed for datacenters",
                       [i, dc](Transaction& x) { x.items[i].spec.datacenter = dc; }});
      }
    }
  }
  // License Exception LPP: the quantity of one .a item that still fits what LPP allows.
  if (Active(StepId::kExceptionLpp) && lpp_tpp > 0) {
    const double room = std::min(rules.lpp_limit, lpp_remaining.value_or(rules.lpp_limit));
    if (lpp_tpp > room) {
      for (size_t i = 0; i < classes.size(); ++i) {
        const Classification& c = classes[i];
        if (!c.determinate || !IsA(c.eccn) || !c.tpp || *c.tpp <= 0) continue;
        const double others = lpp_tpp - *c.tpp * static_cast<double>(tx.items[i].quantity);
        const double fit = std::floor((room - others) / *c.tpp);
        if (fit < 1 || fit >= static_cast<double>(tx.items[i].quantity)) continue;
        const auto q = static_cast<int64_t>(fit);
        out.push_back({"items[" + std::to_string(i) + "].quantity", std::to_string(q),
                       std::to_string(q) + " units of " + tx.items[i].label + " fit the " + FormatTpp(room) +
                           " TPP License Exception LPP still allows",
                       [i, q](Transaction& x) { x.items[i].quantity = q; }});
      }
    }
  }
}

// Obligations, warnings and step statuses: only for the decision that is shown.
void Evaluation::Explain(const TransactionFacts& facts, Decision& out) {
  // Obligations that follow from the outcome.
  auto uses = [&](std::string_view e) {
    for (const auto& ir : out.items) {
      if (ir.license_exception == e) return true;
    }
    return false;
  };
  if (out.outcome == Outcome::kLicenseException || out.outcome == Outcome::kNeedsReview) {
    if (uses("NAC")) Oblige(EXPLAIN("License Exception NAC: notify BIS via SNAP-R at least " + FormatTpp(rules.nac_days) + " calendar days before export (TPP, performance density, datacenter datasheet), with a written purchase order; ship only if BIS does not require a license (" + rules.cite.nac_obligation + ")"));
    if (uses("ACA")) Oblige(EXPLAIN("License Exception ACA: keep records of eligibility; no prior notification (" + rules.cite.aca_obligation + ")"));
    if (uses("AIA")) {
      Oblige(EXPLAIN("License Exception AIA: furnish the ECCN to the ultimate consignee, obtain its one-time certification, and give written notice with each shipment that it is made under AIA (" +
                     rules.cite.aia_obligation + ")"));
      Oblige(EXPLAIN("License Exception AIA: if the ultimate consignee will receive " + FormatTpp(rules.aia_trigger) +
                     " or more cumulative TPP, submit its certification to BIS before the first export to it (" + rules.cite.aia_certification + ")"));
    }
    if (uses("LPP")) Oblige(EXPLAIN("License Exception LPP: cumulative TPP to this ultimate consignee in calendar year " + std::to_string(date.year()) + " must stay within " + FormatTpp(rules.lpp_limit) + " (this transaction: " + FormatTpp(lpp_tpp) + ") (" + rules.cite.lpp_obligation + ")"));
    if (uses("HBM")) {
      Oblige(EXPLAIN("License Exception HBM: ship directly to the co-package designer's packaging site and report discrepancies above " +
                     FormatTpp(rules.cite.hbm_discrepancy_percent) + "% (" + rules.cite.hbm_obligation + ")"));
    }
  }
  if (out.outcome == Outcome::kLicenseRequired) {
    Oblige("Apply for a BIS license (SNAP-R) before export; do not ship until it is granted");
    if (const RuleDef* h200 = Active(StepId::kH200CaseByCase); h200 && facts.dest_china_macau && out.review_policy == ReviewPolicy::kCaseByCase) {
      const Regime* regime = data.FindRegime(h200->regime_id);
      Oblige(EXPLAIN("H200 rule: the application must carry the exporter's certifications (US supply, no foundry diversion, China/Macau volume at most " +
                     FormatTpp(rules.h200_china_to_us_ratio * 100) +
                     "% of US shipments, KYC and remote-access controls, third-party testing in the US) (" + (regime ? regime->fr : h200->citation) + ")"));
    }
  }
  if (out.outcome == Outcome::kLicensed && opt.licenses) {
    // What the licenses drawn on bind the shipment to: their conditions, as written.
    for (const LicenseUse& use : license_uses) {
      // The version the decision weighed (the one in force on the order's date).
      const HeldLicense* found = use.partial ? nullptr : opt.licenses->Find(use.number);
      const HeldLicense* l = found ? found->Version(use.version) : nullptr;
      if (!l) continue;
      Oblige("License " + l->number + ": ship within its terms, and report the shipment under its number (15 CFR 750.7)");
      for (const std::string& c : l->conditions) Oblige(steps::LicenseConditionObligation(l->number, c));
    }
  }
  if (Active(StepId::kH200CaseByCase) && facts.dest_china_macau && out.outcome == Outcome::kLicenseRequired &&
      out.review_policy == ReviewPolicy::kPresumptionOfDenial && tx.activity == Activity::kExport) {
    for (size_t i = 0; i < out.items.size(); ++i) {
      const auto& c = out.items[i].classification;
      if (c.tpp && *c.tpp < rules.h200_max_tpp && !tx.items[i].spec.memory_bandwidth_gbps) {
        Warn(EXPLAIN(out.items[i].label + ": total DRAM bandwidth not given, so the H200 rule's case-by-case zone could not be checked"));
      } else if (c.tpp && *c.tpp < rules.h200_max_tpp && tx.items[i].spec.memory_bandwidth_gbps &&
                 *tx.items[i].spec.memory_bandwidth_gbps < rules.h200_max_bw && (!tx.h200_certifications || !tx.h200_certifications->all())) {
        Warn(EXPLAIN(out.items[i].label + ": inside the H200 rule's zone, but case-by-case review needs all five exporter certifications (h200_certifications); without them the policy stays presumption of denial"));
      }
    }
  }

  if (!rules.tier1_verified && posture == Posture::kCodified && Active(StepId::kExceptionAia)) {
    Warn(EXPLAIN("The " + rules.cite.tier1_list + " (Tier 1) list rests on secondary sources"));
  }
  std::sort(unverified_rules.begin(), unverified_rules.end());
  unverified_rules.erase(std::unique(unverified_rules.begin(), unverified_rules.end()), unverified_rules.end());
  for (auto id : unverified_rules) {
    bool relied = false;
    for (const auto& f : findings) relied = relied || (f.rule == id && f.effect != Effect::kInfo);
    if (relied) Warn(EXPLAIN("Relies on an unverified fact (secondary or incomplete sources): rule " + std::string(id)));
  }
  if (!opt.allocations) {
    Step({"allocation", "not_performed", "no ledger configured"});
  } else {
    Step({"allocation", "performed", "ledger consulted"});
  }
}

// Dataset::Provenance reads every source record. A decision asks for the same few (country,
// group) pairs on one date for each posture, and a batch asks again line after line: the answers
// are kept per thread for one compilation of the data and one date, one entry per country.
struct ProvenanceEntry {
  std::string country;
  uint32_t known = 0;  // the groups answered in p
  std::array<MembershipProvenance, static_cast<size_t>(Group::kCount)> p;
};
static ProvenanceEntry* CachedProvenances(const CompiledRules& rules, std::string_view country, Date d) {
  thread_local uint64_t generation = 0;
  thread_local Date date;
  thread_local std::vector<ProvenanceEntry> entries;
  if (generation != rules.generation || date != d) {
    entries.clear();
    generation = rules.generation;
    date = d;
  }
  for (auto& e : entries) {
    if (e.country == country) return &e;
  }
  if (entries.size() >= 256) return nullptr;  // not kept: asked of the data each time
  entries.push_back({std::string(country), 0, {}});
  return &entries.back();
}

// A Country Group membership used on a date that no source attests is said in the decision. If
// answering it the other way (alone or together with the other unverified ones) would change the
// outcome, the decision fails closed: NEEDS_REVIEW unless a requirement or prohibition holds.
void CheckMembershipSources(const Dataset& data, const CompiledRules& rules, const Transaction& tx, Posture posture,
                            const DetermineOptions& opt, const std::vector<GroupUse>& uses, Decision& out, bool explain,
                            LicenseMemo* memo) {
  struct Unverified {
    std::string_view country;
    Group group;
    size_t use;  // index into out.country_groups (when explained)
  };
  std::vector<Unverified> pairs;
  if (explain) {
    size_t n = out.country_groups.size();
    for (const auto& u : uses) n += static_cast<size_t>(std::popcount(u.groups));
    out.country_groups.reserve(n);
  }
  for (const auto& u : uses) {
    ProvenanceEntry* kept = CachedProvenances(rules, u.country, tx.as_of);
    for (uint32_t bits = u.groups; bits; bits &= bits - 1) {  // the groups read, in Group order
      const int g = std::countr_zero(bits);
      MembershipProvenance p;
      if (kept && (kept->known >> g & 1u)) {
        p = kept->p[static_cast<size_t>(g)];
      } else {
        p = data.Provenance(u.country, static_cast<Group>(g), tx.as_of);
        if (kept) {
          kept->p[static_cast<size_t>(g)] = p;
          kept->known |= 1u << g;
        }
      }
      if (explain) out.country_groups.push_back({u.country, GroupName(static_cast<Group>(g)), p.member, p.verified, false, p.citation});
      if (!p.verified) pairs.push_back({u.country, static_cast<Group>(g), out.country_groups.size() - 1});
    }
  }
  if (pairs.empty()) return;
  std::vector<bool> decisive(pairs.size(), pairs.size() > 8);  // too many to enumerate: all decide
  if (pairs.size() <= 8) {
    // Without the screener and the ledger: they only add requirements, never remove one, so an
    // answer they would mask is still found, and no list or database is queried per combination.
    DetermineOptions bare = opt;
    bare.screener = nullptr;
    bare.allocations = nullptr;
    using Result = std::tuple<Outcome, std::string, ReviewPolicy>;
    std::vector<Result> results(size_t{1} << pairs.size());
    for (size_t m = 0; m < results.size(); ++m) {
      std::vector<GroupFlip> flips;
      for (size_t i = 0; i < pairs.size(); ++i) {
        if (m >> i & 1u) flips.push_back({std::string(pairs[i].country), GroupBit(pairs[i].group)});
      }
      Decision alt;
      Evaluation ev(data, rules, tx, posture, bare, /*explain=*/false);
      ev.license_memo = memo;
      ev.TrackGroups(nullptr, &flips);
      ev.Run(alt);
      results[m] = {alt.outcome, alt.license_exception, alt.review_policy};
    }
    for (size_t i = 0; i < pairs.size(); ++i) {
      for (size_t m = 0; m < results.size() && !decisive[i]; ++m) decisive[i] = results[m] != results[m ^ (size_t{1} << i)];
    }
  }
  const bool any = std::find(decisive.begin(), decisive.end(), true) != decisive.end();
  if (explain) {
    std::string deciding;
    for (size_t i = 0; i < pairs.size(); ++i) {
      MembershipUse& use = out.country_groups[pairs[i].use];
      use.decisive = decisive[i];
      const std::string what = "Country Group " + std::string(use.group) + " membership of " + use.country + " on " +
                               tx.as_of.ToString() + " is unverified (" + std::string(use.citation) + "); treated as " +
                               (use.member ? "a member" : "not a member");
      out.warnings.push_back(what + (decisive[i] ? "; the other answer would change the outcome, so an officer must confirm it"
                                                 : "; the other answer would not change the outcome"));
      if (decisive[i]) deciding += (deciding.empty() ? "" : ", ") + std::string(use.group) + " of " + use.country;
    }
    if (any) {
      Finding f;
      const RuleDef* r = rules.Step(StepId::kCountryGroupSources);  // present: CheckRuleSteps requires it
      f.rule = r->id;
      f.citation = r->citation;
      f.summary = "Unverified Country Group membership on " + tx.as_of.ToString() + " decides the outcome (" + deciding +
                  "): no source attests it on this date";
      f.effect = Effect::kUnresolved;
      f.verified = false;
      out.reasons.push_back(std::move(f));
      out.steps.push_back({"country_groups", "unresolved", "an unverified Country Group membership decides the outcome"});
    } else {
      out.steps.push_back({"country_groups", "performed", "unverified memberships used do not change the outcome"});
    }
  }
  if (any && out.outcome != Outcome::kLicenseRequired && out.outcome != Outcome::kProhibited) {
    out.outcome = Outcome::kNeedsReview;
    out.license_exception.clear();
    out.review_policy = ReviewPolicy::kNone;
  }
}

// What the engine cannot vouch for about its own input: a date past the data's review, and
// fields the transaction format does not define (ignored, so the sender must know).
void AddInputWarnings(const Dataset& data, const Transaction& tx, Decision& d) {
  if (tx.as_of > data.reviewed_through()) {
    d.warnings.push_back("The regulatory data was reviewed through " + data.reviewed_through().ToString() + ", before this decision's date (" +
                         tx.as_of.ToString() + "): rules published since may be missing from it");
  }
  for (const auto& field : tx.unknown_fields) {
    d.warnings.push_back("Unknown field \"" + field + "\" was ignored: it is not part of the transaction format (check its spelling; "
                         "strict mode refuses it)");
  }
}

}  // namespace exportctl::steps

namespace exportctl {

using steps::CompiledRules;
using steps::Counterfactual;
using steps::Evaluation;
using steps::FormatTpp;
using steps::GroupUse;
using steps::StepId;
using steps::Compile;
using steps::kNumSteps;
using steps::AddInputWarnings;
using steps::CheckMembershipSources;
using steps::TransactionFacts;

bool IsKnownRuleStep(std::string_view step) {
  for (const steps::RuleStep& s : steps::RuleSteps()) {
    if (s.name == step) return true;
  }
  return false;
}

namespace {

// Facts left out that one decision tries (Decision::would_change): each costs a determination.
constexpr size_t kMaxFactsTried = 32;

// "must be a number", or "" when the value has the declared type.
std::string TypeProblem(const nlohmann::json& v, steps::ParamType type) {
  using steps::ParamType;
  switch (type) {
    case ParamType::kNumber: return v.is_number() ? "" : "must be a number";
    case ParamType::kString: return v.is_string() && !v.get<std::string>().empty() ? "" : "must be a non-empty string";
    case ParamType::kOptionalString: return v.is_string() || v.is_null() ? "" : "must be a string or null";
    case ParamType::kDate: return v.is_string() && Date::Parse(v.get<std::string>()).ok() ? "" : "must be a date (YYYY-MM-DD)";
    case ParamType::kStringList:
      if (!v.is_array()) return "must be an array of strings";
      for (const auto& e : v) {
        if (!e.is_string()) return "must be an array of strings";
      }
      return "";
    case ParamType::kList: return v.is_array() ? "" : "must be an array";
    case ParamType::kObject: return v.is_object() ? "" : "must be an object";
  }
  return "has an unknown type";
}

}  // namespace

// Every rule names a registered step; every parameter a step named by some rule declares is
// present in its regime and typed (a missing one would otherwise read as 0 or empty).
Status CheckRuleSteps(const Dataset& data) {
  std::array<bool, kNumSteps> named{};
  for (const RuleDef& r : data.rules()) {
    const steps::RuleStep* step = nullptr;
    for (const steps::RuleStep& s : steps::RuleSteps()) {
      if (s.name == r.step) step = &s;
    }
    if (!step) {
      return Status::Error(ErrorCode::kDataError, r.file + ": " + r.path + ".step",
                           "unknown rule step \"" + r.step + "\" (a new step needs code in src/determine)");
    }
    named[static_cast<size_t>(step->id)] = true;
  }
  for (const steps::RuleStep& s : steps::RuleSteps()) {
    if (s.required && !named[static_cast<size_t>(s.id)]) {
      return Status::Error(ErrorCode::kDataError, "rules",
                           "no rule names step \"" + std::string(s.name) + "\" (read by " + s.read_by + "); a decision cannot fail closed without it");
    }
    if (!named[static_cast<size_t>(s.id)]) continue;
    for (const steps::ParamSpec& spec : s.params) {
      if (spec.name.empty()) break;
      const Regime* regime = data.FindRegime(spec.regime);
      if (!regime) {
        return Status::Error(ErrorCode::kDataError, std::string(spec.regime),
                             "regime missing: rule step \"" + std::string(s.name) + "\" reads its parameter " + std::string(spec.name));
      }
      const std::string field = "parameters." + std::string(spec.name);
      const Parameter* p = data.Param(spec.regime, spec.name);
      if (!p) {
        return Status::Error(ErrorCode::kDataError, regime->file + ": " + field,
                             "is required: rule step \"" + std::string(s.name) + "\" reads it");
      }
      if (!p->value.contains("value")) {
        return Status::Error(ErrorCode::kDataError, regime->file + ": " + field + ".value",
                             "is required: rule step \"" + std::string(s.name) + "\" reads it");
      }
      if (std::string problem = TypeProblem(p->value["value"], spec.type); !problem.empty()) {
        return Status::Error(ErrorCode::kDataError, regime->file + ": " + field + ".value",
                             problem + " (rule step \"" + std::string(s.name) + "\" reads it)");
      }
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Dataset>> LoadRegulatoryData(const std::string& dir) {
  auto data = Dataset::Load(dir);
  if (!data.ok()) return data.status();
  EXPORTCTL_RETURN_IF_ERROR(CheckRuleSteps(**data));
  return data;
}


Engine::Engine(const Dataset& data) : data_(data), data_status_(CheckRuleSteps(data)), rules_(Compile(data)) {}

// The two postures can only disagree on a date where they bind different rules (before the AI
// Diffusion rule, for instance, they are the same text); then the alternate need not be computed.
bool Engine::PosturesDiffer(Date d) const {
  thread_local uint64_t last_generation = 0;
  thread_local Date last_date;
  thread_local bool last_answer = true;
  if (last_generation == rules_->generation && last_date == d) return last_answer;
  last_generation = rules_->generation;
  last_date = d;
  last_answer = false;
  for (size_t i = 0; i < kNumSteps; ++i) {
    const RuleDef* r = rules_->by_step[i];
    if (r && r->ActiveOn(d, Posture::kEnforced) != r->ActiveOn(d, Posture::kCodified)) return last_answer = true;
  }
  return false;
}
Engine::~Engine() = default;

LicenseAreaMembership Engine::LicenseArea(std::string_view code, Date d, Posture p) const {
  LicenseAreaMembership out;
  Transaction tx;
  tx.destination = std::string(code);
  tx.as_of = d;
  const DetermineOptions opt;
  Evaluation ev(data_, *rules_, tx, p, opt, /*explain=*/false);
  const TransactionFacts facts = ev.ComputeFacts();
  auto active = [&](StepId s) -> const RuleDef* {
    const RuleDef* r = rules_->by_step[static_cast<size_t>(s)];
    return r && r->ActiveOn(d, p) ? r : nullptr;
  };
  const std::string groups = ev.DestinationGroups(facts);
  if (const RuleDef* r = active(StepId::kLicenseArea3a090)) {
    out.rule = r->id;
    out.citation = r->citation;
    out.items = "3A090/4A090 .a and .b items";
    out.in_area = facts.dest_license_area && !facts.dest_us;
    out.named = facts.dest_named;
    out.verified = r->verified && !(facts.dest_named && !rules_->license_area_named_verified);
    out.basis = facts.dest_named ? std::string(code) + " is named beside Country Groups D:1, D:4 and D:5 (" + rules_->license_area_named_citation + ")"
                : facts.dest_license_area ? std::string(code) + " is in " + groups + ", not A:5/A:6"
                : (facts.Dest(Group::D1) || facts.Dest(Group::D4) || facts.Dest(Group::D5))
                    ? std::string(code) + " is in " + groups + ": A:5/A:6 are excluded from the license area"
                    : std::string(code) + " is in " + groups + ", none of D:1, D:4 or D:5";
  } else if (const RuleDef* b = active(StepId::kLicenseAreaB)) {
    out.rule = b->id;
    out.citation = b->citation;
    out.items = "3A090/4A090 .b items (.a items need a license to every destination under the AI Diffusion rule)";
    out.in_area = facts.dest_license_area_b && !facts.dest_us;
    out.named = facts.dest_license_area_b && !facts.dest_license_area;
    out.verified = b->verified;
    out.basis = out.named ? std::string(code) + " is named beside Country Groups D:1, D:4 and D:5"
                : facts.dest_license_area ? std::string(code) + " is in " + groups + ", not A:5/A:6"
                : std::string(code) + " is in " + groups + ", outside D:1, D:4 and D:5 or in A:5/A:6";
  } else {
    out.basis = "no license-area rule binds on " + d.ToString() + " under the " + PostureName(p) + " posture";
  }
  if (facts.dest_us) out.basis = "the United States is not a destination of an export";
  return out;
}

std::vector<BindingRule> Engine::RulesBinding(std::string_view code, Date d, Posture p) const {
  // The engine itself decides: one export of each kind of advanced-computing item to a company
  // headquartered in the country (and its parent too), with no parties screened or owned.
  static constexpr const char* kItems[] = {"3A090.a", "3A090.b", "3A090.c (HBM)", "4E091"};
  Transaction tx;
  tx.destination = std::string(code);
  tx.as_of = d;
  auto chip = [](double tpp, double die_area) {
    TransactionItem it;
    it.spec.vendor = "probe";
    it.spec.model = "probe";
    it.spec.tpp = tpp;
    it.spec.die_area_mm2 = die_area;
    it.spec.datacenter = true;
    it.spec.designer_headquarters = "US";
    return it;
  };
  tx.items.push_back(chip(6000, 800));   // TPP >= 4800: .a
  tx.items.push_back(chip(3000, 1000));  // TPP 2400-4800 at density 3.0: .b
  TransactionItem hbm;
  hbm.spec.kind = ItemKind::kHbm;
  hbm.spec.memory_bandwidth_density = 3.3;
  tx.items.push_back(hbm);
  TransactionItem weights;
  weights.spec.kind = ItemKind::kModelWeights;
  weights.spec.weights.training_operations = 3e26;
  tx.items.push_back(weights);
  for (size_t i = 0; i < tx.items.size(); ++i) tx.items[i].label = kItems[i];
  Party consignee;
  consignee.role = PartyRole::kUltimateConsignee;
  consignee.name = "probe";
  consignee.country = consignee.headquarters = consignee.ultimate_parent_headquarters = std::string(code);
  tx.parties.push_back(consignee);
  DetermineOptions opt;
  opt.posture = p;
  opt.compute_alternate = false;
  opt.explain_what_would_change = false;
  opt.decision_id = "probe";
  const Decision dec = Determine(tx, opt);
  std::vector<BindingRule> out;
  for (const Finding& f : dec.reasons) {
    if (f.effect != Effect::kLicenseRequired && f.effect != Effect::kProhibited) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const BindingRule& b) { return b.rule == f.rule; });
    if (it == out.end()) {
      BindingRule b;
      b.rule = std::string(f.rule);
      b.citation = std::string(f.citation);
      b.effect = EffectName(f.effect);
      for (const RuleDef& r : data_.rules()) {
        if (r.id == f.rule) b.regime = r.regime_id;
      }
      out.push_back(std::move(b));
      it = out.end() - 1;
    }
    if (f.item >= 0 && static_cast<size_t>(f.item) < std::size(kItems) &&
        std::find(it->items.begin(), it->items.end(), kItems[f.item]) == it->items.end()) {
      it->items.push_back(kItems[f.item]);
    }
  }
  return out;
}

std::string NewDecisionId() {
  static std::atomic<uint64_t> counter{0};
  // splitmix64 seeded once per thread from the system's entropy: unique, unpredictable enough
  // for ids (not secrets), and cheap on the batch path.
  thread_local uint64_t state = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
           static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }();
  auto rng = [] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng(), b = rng() ^ counter.fetch_add(1, std::memory_order_relaxed);
  std::string id = "dec_";
  id.resize(4 + 26);
  for (int i = 0; i < 16; ++i, a >>= 4) id[4 + i] = kHex[a & 15];
  for (int i = 0; i < 10; ++i, b >>= 4) id[20 + i] = kHex[b & 15];
  return id;
}

// A finding that shaped the outcome (not context, nor a rule that was weighed and did not bind).
static bool Binds(const Finding& f) { return f.effect != Effect::kInfo && f.effect != Effect::kNoLicenseRequired; }

// The outcome alone (rule ids, no text), with the Country Group sources checked.
Decision Engine::OutcomeOnly(const Transaction& tx, Posture posture, const DetermineOptions& options,
                             steps::LicenseMemo* memo, steps::SharedFacts* shared) const {
  Decision d;
  std::vector<GroupUse> uses;
  uses.reserve(4);
  {
    Evaluation ev(data_, *rules_, tx, posture, options, /*explain=*/false);
    ev.license_memo = memo;
    ev.ShareFacts(shared);
    ev.TrackGroups(&uses, nullptr);
    ev.Run(d);
  }
  CheckMembershipSources(data_, *rules_, tx, posture, options, uses, d, /*explain=*/false, memo);
  return d;
}

Decision Engine::Determine(const Transaction& tx, const DetermineOptions& options) const {
  const Posture posture = options.posture.value_or(tx.posture.value_or(Posture::kEnforced));
  Decision d;  // one named result, so that it is returned in place
  if (!data_status_.ok()) {
    d.decision_id = options.decision_id.empty() ? NewDecisionId() : options.decision_id;
    d.reference = tx.reference;
    d.as_of = tx.as_of;
    d.activity = tx.activity;
    d.destination = tx.destination;
    d.posture = posture;
    d.data_version = data_.version();
    d.outcome = Outcome::kNeedsReview;
    Finding f;
    f.rule = "regulatory_data";
    f.summary = "The regulatory data does not match the engine's rule steps (" + data_status_.ToString() + "): nothing is decided on it";
    f.effect = Effect::kUnresolved;
    d.reasons.push_back(std::move(f));
    d.warnings.push_back("regulatory data failed its start-up check: " + data_status_.ToString());
    return d;
  }
  std::vector<GroupUse> uses;
  uses.reserve(4);
  std::vector<Counterfactual> counterfactuals;
  // The license step's look-ups, kept across this decision's evaluations (only with licenses).
  std::optional<steps::LicenseMemo> license_memo;
  steps::LicenseMemo* memo = options.licenses ? &license_memo.emplace(tx) : nullptr;
  steps::SharedFacts facts;  // for the other posture's evaluation of this transaction
  const bool alternate = options.compute_alternate && tx.as_of >= data_.first_effective() && PosturesDiffer(tx.as_of);
  facts.keep_gp10 = alternate;
  {
    Evaluation ev(data_, *rules_, tx, posture, options);
    ev.license_memo = memo;
    ev.ShareFacts(&facts);
    ev.TrackGroups(&uses, nullptr);
    if (options.explain_what_would_change) ev.ProposeCounterfactuals(&counterfactuals);
    ev.Run(d);
  }
  CheckMembershipSources(data_, *rules_, tx, posture, options, uses, d, /*explain=*/true, memo);
  AddInputWarnings(data_, tx, d);
  // What a fact left out would change: only where the answer is not already a clearance, or
  // where an item was taken as subject to the EAR for want of a fact.
  bool undetermined = false;
  for (const ItemResult& ir : d.items) {
    if (!ir.jurisdiction || ir.jurisdiction->verdict != jurisdiction::Verdict::kUndetermined) continue;
    undetermined = true;
    for (const auto& m : ir.jurisdiction->missing) {
      if (std::find(d.missing_facts.begin(), d.missing_facts.end(), m) == d.missing_facts.end()) d.missing_facts.push_back(m);
    }
  }
  if (d.outcome == Outcome::kLicenseRequired || d.outcome == Outcome::kNeedsReview || undetermined) {
    auto same = [](const auto& a, const auto& b) {
      return a.outcome == b.outcome && a.license_exception == b.license_exception && a.review_policy == b.review_policy;
    };
    std::optional<std::pair<double, double>> last_range;  // of the last entry, while it can grow
    // Each fact tried decides the whole transaction again: trying one per item made a large
    // transaction cost the square of its items (1,000 undetermined chips: 28 s). Bounded, the
    // cost stays linear, and the decision says that it stopped.
    if (counterfactuals.size() > kMaxFactsTried) {
      d.warnings.push_back("what a fact left out would change was worked out for the first " +
                           std::to_string(kMaxFactsTried) + " of " + std::to_string(counterfactuals.size()) +
                           " such facts only" + (d.missing_facts.empty() ? "" : "; every fact missing for jurisdiction is listed in missing_facts"));
      counterfactuals.resize(kMaxFactsTried);
    }
    for (const auto& c : counterfactuals) {
      Transaction given = tx;
      c.give(given);
      const Decision alt = OutcomeOnly(given, posture, options, memo);
      if (c.range && last_range && d.would_change.back().field == c.field && last_range->second == c.range->first &&
          same(d.would_change.back(), alt)) {
        last_range->second = c.range->second;  // the neighbouring interval gives the same: one range
      } else if (same(alt, d)) {
        last_range.reset();
        continue;
      } else {
        d.would_change.push_back({c.field, c.value, alt.outcome, alt.license_exception, alt.review_policy, c.summary});
        last_range = c.range;
      }
      if (last_range) {
        const auto [low, high] = *last_range;
        d.would_change.back().summary =
            low == 0 ? "a die area of at most " + FormatTpp(high) + " mm2"
            : std::isinf(high) ? "a die area above " + FormatTpp(low) + " mm2"
                               : "a die area above " + FormatTpp(low) + " and at most " + FormatTpp(high) + " mm2";
      }
    }
  }
  d.decision_id = options.decision_id.empty() ? NewDecisionId() : options.decision_id;
  if (options.screener) d.list_versions = options.screener->ListVersions();
  if (alternate) {
    const Posture other = posture == Posture::kEnforced ? Posture::kCodified : Posture::kEnforced;
    const Decision alt = OutcomeOnly(tx, other, options, memo, &facts);
    if (alt.outcome != d.outcome || alt.license_exception != d.license_exception || alt.review_policy != d.review_policy) {
      AlternateOutcome a;
      a.rules.reserve(4);
      a.posture = other;
      a.outcome = alt.outcome;
      a.license_exception = alt.license_exception;
      a.review_policy = alt.review_policy;
      // The rules that made the difference: present in one posture's reasons but not the other's.
      auto has = [](const Decision& x, std::string_view rule) {
        for (const auto& f : x.reasons) {
          if (f.rule == rule && Binds(f)) return true;
        }
        return false;
      };
      for (const auto& f : alt.reasons) {
        if (Binds(f) && !has(d, f.rule) &&
            std::find(a.rules.begin(), a.rules.end(), f.rule) == a.rules.end()) a.rules.emplace_back(f.rule);
      }
      for (const auto& f : d.reasons) {
        if (Binds(f) && !has(alt, f.rule) &&
            std::find(a.rules.begin(), a.rules.end(), f.rule) == a.rules.end()) a.rules.emplace_back(f.rule);
      }
      d.alternate = std::move(a);
      if (posture == Posture::kEnforced) {
        if (const RuleDef* r = rules_->Step(StepId::kAidNotEnforced); r && r->ActiveOn(tx.as_of, posture)) {
          Finding f;
          f.rule = r->id;
          f.citation = r->citation;
          f.summary = steps::Cat({"The codified AI Diffusion rule would give ", OutcomeName(alt.outcome),
                                  "; BIS does not enforce it, but it remains in the CFR (legal risk)"});
          f.effect = Effect::kInfo;
          d.reasons.push_back(std::move(f));
        }
      }
    }
  }
  return d;
}

}  // namespace exportctl

// The AI Diffusion rule (90 FR 4544), codified but not enforced since 2025-05-13: a worldwide
// license for 3A090.a/4A090.a items (742.6(a)(6)(iii)(A)) with the review policy of the
// destination's tier (tier_policy, 742.6(b)(10)), and the .b items' license area.
#include "determine/steps/families.h"

namespace exportctl::steps {

// Between the rule's effective date and its compliance date (the regime's, in the data): a
// notice, no requirement.
void CompliancePendingStep(Evaluation& ev, const TransactionFacts&, const RuleDef* r) {
  if (!ev.explain) return;  // context and a warning: no outcome turns on them
  const Regime* regime = ev.data.FindRegime(r->regime_id);
  const std::string effective = regime ? regime->effective.ToString() : "?";
  const std::string compliance =
      regime && regime->compliance ? regime->compliance->ToString() : "?";
  const std::string fr = regime ? regime->fr : r->citation;
  ev.Add(r, Effect::kInfo,
         EXPLAIN("AI Diffusion rule effective since " + effective +
                 "; its requirements bind from the compliance date " + compliance));
  ev.Warn(EXPLAIN("The AI Diffusion rule is effective but compliance is not required until " +
                  compliance + " (" + fr + ")"));
}

// Worldwide license for .a items; NAC/ACA for non-datacenter items, AIA and LPP may overcome it.
// Tier 3 (Macau, D:5) or a Macau/D:5-headquartered recipient: presumption of denial; Tier 1 or a
// Tier 1-headquartered recipient: approval; Tier 2: approval up to the country allocation.
void WorldwideLicenseStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                          const RuleDef& rule) {
  if (!item.abroad || !IsA(item.eccn)) return;
  ExceptionSet ex = item.nac_aca_item ? (facts.dest_d5_macau || facts.hq_d5_macau
                                             ? ExceptionBit(LicenseException::kNAC)
                                             : ExceptionBit(LicenseException::kACA))
                                      : 0;
  ex |= ExceptionBit(LicenseException::kAIA) | ExceptionBit(LicenseException::kLPP);
  ReviewPolicy p = facts.dest_d5_macau || facts.hq_d5_macau ? ReviewPolicy::kPresumptionOfDenial
                                                             : ReviewPolicy::kPresumptionOfApproval;
  // The destination's tier in words (only for a decision that is shown).
  auto tier = [&]() -> std::string {
    if (facts.dest_d5_macau) return "Tier 3 (Macau or Country Group D:5)";
    if (facts.hq_d5_macau) {
      // The destination's own tier is not Tier 3: name the party that brings the denial.
      return std::string(facts.dest_tier1 ? "Tier 1" : "Tier 2") + ", but " + facts.hq_d5_fact +
             " (D:5 or Macau), so Tier 3's presumption of denial applies";
    }
    if (facts.dest_tier1 || facts.hq_all_tier1) {
      return facts.dest_tier1 ? "a " + ev.rules.cite.tier1_list + " destination (Tier 1)"
                              : "Tier 2, entity headquartered in Tier 1";
    }
    return "Tier 2 (presumption of approval up to the country allocation)";
  };
  p = item.ApplyH200(p);
  Finding& f =
      ev.Add(&rule, Effect::kLicenseRequired,
             EXPLAIN(Cat({item.label, " (", EccnName(item.eccn),
                          ") needs a license to any destination; ", ev.tx.destination, " is ", tier()})),
             item.idx);
  f.review_policy = p;
  if (p == ReviewPolicy::kPresumptionOfDenial) f.policy_wording = "presumption of denial";
  item.reqs.push_back({rule.id, p, ex});
  item.worldwide_policy = p;
}

// .b items to D:1/D:4/D:5 (not A:5/A:6) and the destinations named beside them (the UAE).
void LicenseAreaBStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                      const RuleDef& rule) {
  if (!item.abroad || !IsB(item.eccn)) return;
  if (!facts.dest_license_area_b) return;
  Finding& f = ev.Add(
      &rule, Effect::kLicenseRequired,
      EXPLAIN(item.label + " (" + EccnName(item.eccn) + ") to " + ev.tx.destination), item.idx);
  f.review_policy = item.ApplyH200(facts.BasePolicy());
  item.reqs.push_back({rule.id, f.review_policy,
                       item.nac_aca_item ? (facts.dest_d5_macau || facts.hq_d5_macau
                                                ? ExceptionBit(LicenseException::kNAC)
                                                : ExceptionBit(LicenseException::kACA))
                                         : ExceptionSet{0}});
}

}  // namespace exportctl::steps

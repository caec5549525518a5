// The AC/S rule of 2023-11-17 (88 FR 73458): the license area of 15 CFR 742.6(a)(6)(iii), the
// headquarters rule of 744.23(a)(3), and the supercomputer end use of 744.23(a)(2). Their review
// policy (review_policy_2023) is a presumption of denial for Macau/D:5 destinations and
// Macau/D:5-headquartered entities, approval otherwise.
#include "determine/steps/families.h"

namespace exportctl::steps {

// 742.6(a)(6)(iii) (2023 text): D:1, D:4, D:5 excluding A:5/A:6.
void LicenseArea2023Step(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                         const RuleDef& rule) {
  if (!item.abroad || !item.advanced || !facts.dest_license_area) return;
  const RuleDef* r = &rule;
  ExceptionSet ex = 0;
  if (item.nac_aca_item)
    ex = facts.dest_d5_macau ? ExceptionBit(LicenseException::kNAC)
                             : ExceptionBit(LicenseException::kACA);
  Finding& f = ev.Add(
      r, Effect::kLicenseRequired,
      EXPLAIN(item.label + " (" + EccnName(item.eccn) + ") to " + ev.tx.destination +
              (facts.dest_named ? ", which the rule names beside Country Groups D:1, D:4 and D:5 "
                                  "(and which was inside them in 2023)"
                                : ", which is in Country Group D:1, D:4 or D:5 and not A:5/A:6")),
      item.idx);
  f.review_policy = item.ApplyH200(facts.BasePolicy());
  if (facts.dest_named && !ev.rules.license_area_named_verified) {
    f.verified = false;
    ev.unverified_rules.push_back(r->id);
    ev.Warn(EXPLAIN(ev.tx.destination +
                    " is in the license area by name: " + ev.rules.license_area_named_citation));
  }
  item.reqs.push_back({r->id, f.review_policy, ex});
}

// 744.23(a)(3): entities headquartered in D:5 or Macau, anywhere.
void HeadquartersStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                      const RuleDef& rule) {
  if (!item.abroad || !item.advanced) return;
  const RuleDef* r = &rule;
  if (facts.hq_d5_macau) {
    Finding& f = ev.Add(r, Effect::kLicenseRequired,
                        EXPLAIN(item.label + " (" + EccnName(item.eccn) +
                                ") is destined to an entity headquartered (or with its ultimate "
                                "parent) in D:5 or Macau: " +
                                facts.hq_d5_fact),
                        item.idx);
    f.review_policy = item.ApplyH200(ReviewPolicy::kPresumptionOfDenial);
    f.policy_wording = "presumption of denial";
    item.reqs.push_back(
        {r->id, f.review_policy,
         item.nac_aca_item ? ExceptionBit(LicenseException::kNAC) : ExceptionSet{0}});
  } else if (facts.hq_unknown) {
    ev.Add(r, Effect::kUnresolved,
           EXPLAIN(facts.no_recipient ? "No ultimate consignee or end user stated: whether it is "
                                        "headquartered in D:5 or Macau cannot be checked"
                                      : "Whether the recipient is headquartered (or has its "
                                        "ultimate parent) in D:5 or Macau cannot be checked: " +
                                            facts.HqUnknownFact()),
           item.idx);
    item.effects.Add(Effect::kUnresolved);
  }
  if (!facts.hq_d5_macau && facts.other_d5_party != nullptr) {
    const Party& p = *facts.other_d5_party;
    const bool located = p.role == PartyRole::kIntermediateConsignee && ev.D5OrMacau(p.country);
    ev.Add(r, Effect::kUnresolved,
           EXPLAIN(std::string(PartyRoleName(p.role)) + " \"" + p.name + "\" is " +
                   (located ? "located in " + p.country + " (the item would enter D:5 or Macau on its way)"
                            : "headquartered (or has its ultimate parent) in D:5 or Macau (" +
                                  (ev.D5OrMacau(p.headquarters) ? p.headquarters : p.ultimate_parent_headquarters) + ")") +
                   ": whether " + item.label + " is for a D:5- or Macau-headquartered entity (" + r->citation +
                   ") is left to review"),
           item.idx);
    item.effects.Add(Effect::kUnresolved);
  }
}

// Supercomputer end use in Macau / D:5: the supercomputer's location counts, not the ship-to
// country, so a supercomputer stated to be in the PRC or Macau reaches an order shipped elsewhere.
void SupercomputerEndUseStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                             const RuleDef& rule) {
  if (!item.abroad) return;
  const bool at_destination = ev.tx.end_use.supercomputer && facts.dest_d5_macau;
  const bool in_prc_macau = ev.tx.end_use.supercomputer_prc_macau.value_or(false);
  if (!at_destination && !in_prc_macau) return;
  const RuleDef* r = &rule;
  Finding& f = ev.Add(
      r, Effect::kLicenseRequired,
      EXPLAIN(at_destination ? item.label + " is for a supercomputer end use in " + ev.tx.destination
                             : item.label + " is for a supercomputer located in or destined to the PRC or Macau "
                                            "(end_use.supercomputer_prc_macau), whatever the ship-to country (" +
                                   ev.tx.destination + ")"),
      item.idx);
  f.review_policy = ReviewPolicy::kPresumptionOfDenial;
  f.policy_wording = r->policy_wording;
  item.reqs.push_back({r->id, f.review_policy, 0});
}

}  // namespace exportctl::steps

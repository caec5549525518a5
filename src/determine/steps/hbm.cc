// High-bandwidth memory (89 FR 96790): 3A090.c to Macau and D:5, and to entities headquartered
// (or with their ultimate parent) there; License Exception HBM may overcome it.
#include "determine/steps/families.h"

namespace exportctl::steps {

// 744.23 / 742.6(a)(6)(iv): denial for a Macau/D:5-headquartered recipient, approval for the
// destination alone; a recipient whose headquarters is not stated leaves it open.
void HbmLicenseStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                    const RuleDef& rule) {
  if (!item.abroad || item.eccn != Eccn::k3A090c) return;
  const RuleDef* r = &rule;
  if (facts.dest_d5_macau || facts.hq_d5_macau) {
    Finding& f =
        ev.Add(r, Effect::kLicenseRequired,
               EXPLAIN(item.label + " (3A090.c) " +
                       (facts.dest_d5_macau ? "to " + ev.tx.destination + " (Macau or D:5)"
                                            : std::string("for an entity headquartered (or with "
                                                          "its ultimate parent) in Macau or D:5"))),
               item.idx);
    if (!facts.dest_d5_macau && !ev.rules.hbm_headquarters_verified) {
      f.verified = false;
      ev.unverified_rules.push_back(r->id);
    }
    f.review_policy = facts.hq_d5_macau ? ReviewPolicy::kPresumptionOfDenial
                                        : ReviewPolicy::kPresumptionOfApproval;
    if (facts.hq_d5_macau) f.policy_wording = "presumption of denial";
    item.reqs.push_back({r->id, f.review_policy, ExceptionBit(LicenseException::kHBM)});
    if (ev.date < ev.rules.hbm_compliance)
      ev.Warn(EXPLAIN(item.label + ": " + ev.rules.hbm_compliance_note));
  } else if (facts.hq_unknown) {
    ev.Add(r, Effect::kUnresolved,
           EXPLAIN(item.label +
                   " (3A090.c): the Macau/D:5 headquarters requirement cannot be ruled out: " +
                   facts.HqUnknownFact()),
           item.idx);
    item.effects.Add(Effect::kUnresolved);
  }
}

}  // namespace exportctl::steps

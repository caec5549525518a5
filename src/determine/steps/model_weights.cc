// Technology for model weights (ECCN 4E091, AI Diffusion rule, codified): a license to any
// destination; presumption of denial unless every recipient is headquartered in Tier 1, and
// License Exception AIA may overcome it.
#include "determine/steps/families.h"

namespace exportctl::steps {

// 4E091 model weights (codified).
void ModelWeightsStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                      const RuleDef& rule) {
  if (!item.abroad || item.eccn != Eccn::k4E091) return;
  const RuleDef* r = &rule;
  const bool hq_outside = !facts.hq_all_tier1;
  Finding& f =
      ev.Add(r, Effect::kLicenseRequired,
             EXPLAIN(item.label + " (4E091) needs a license to any destination"), item.idx);
  f.review_policy =
      hq_outside ? ReviewPolicy::kPresumptionOfDenial : ReviewPolicy::kPresumptionOfApproval;
  if (hq_outside) f.policy_wording = "presumption of denial";
  item.reqs.push_back({r->id, f.review_policy, ExceptionBit(LicenseException::kAIA)});
  if (facts.hq_unknown) {
    ev.Add(
        r, Effect::kUnresolved,
        EXPLAIN(
            "The 4E091 policy and License Exception AIA depend on the recipient's headquarters: " +
            facts.HqUnknownFact()),
        item.idx);
    item.effects.Add(Effect::kUnresolved);
  }
}

}  // namespace exportctl::steps

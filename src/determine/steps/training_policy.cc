// BIS policy statement of 2025-05-13: training (or serving) AI models for parties headquartered
// in D:5 or Macau, including through IaaS (so also for "use").
#include "determine/steps/families.h"

namespace exportctl::steps {

// 3A090.a/4A090.a used to train (or serve) models for a Macau/D:5-headquartered party: a license
// under a presumption of denial. The inference aspect rests on the press release only.
void AiTrainingPolicyStep(Evaluation& ev, const TransactionFacts&, ItemContext& item,
                          const RuleDef& rule) {
  if (!IsA(item.eccn)) return;
  const std::string& train = ev.tx.end_use.ai_model_training_for_headquarters;
  const std::string& infer = ev.tx.end_use.ai_model_inference_for_headquarters;
  const bool training = ev.D5OrMacau(train);
  if (!training && !ev.D5OrMacau(infer)) return;
  Finding& f = ev.Add(
      &rule, Effect::kLicenseRequired,
      EXPLAIN(item.label +
              (training
                   ? " will train AI models for a party headquartered in " + train
                   : " will serve (inference) AI models for a party headquartered in " + infer)),
      item.idx);
  f.review_policy = ReviewPolicy::kPresumptionOfDenial;
  f.policy_wording = rule.policy_wording;
  if (!training) {
    f.verified = false;
    const Regime* regime = ev.data.FindRegime(rule.regime_id);
    ev.Warn(EXPLAIN("The inference aspect of the " +
                    (regime ? regime->effective.ToString() + " " : std::string()) +
                    "AI-training policy rests on the press release only; verbatim text not found"));
  }
  item.reqs.push_back({rule.id, ReviewPolicy::kPresumptionOfDenial, 0});
}

}  // namespace exportctl::steps

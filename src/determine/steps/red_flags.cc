// Red flags of diversion (Supp. No. 3 to Part 732; BIS guidance of 2025-05-13): reported red
// flags must be resolved before shipping.
#include "determine/steps/families.h"

namespace exportctl::steps {

// Runs whether or not its rule binds: the decision always says whether red flags were reported.
// On and after the 2025 guidance its rule (red_flags_2025) is the one cited.
void RedFlagsStep(Evaluation& ev, const TransactionFacts&, const RuleDef*) {
  if (ev.tx.red_flags.empty()) {
    ev.Step({"red_flags", "performed", "no red flags reported"});
    return;
  }
  const RuleDef* r = ev.Active(StepId::kRedFlags2025);
  if (!r) r = ev.Active(StepId::kRedFlags);
  if (r) {
    std::string flags;
    for (const auto& f : ev.tx.red_flags) flags += (flags.empty() ? "" : ", ") + f;
    ev.Add(r, Effect::kUnresolved,
           EXPLAIN("Red flags reported (" + flags +
                   "): resolve them before proceeding; do not self-blind"));
    ev.tx_effects.Add(Effect::kUnresolved);
  }
  ev.Step({"red_flags", "unresolved", "red flags reported: see reasons"});
}

}  // namespace exportctl::steps

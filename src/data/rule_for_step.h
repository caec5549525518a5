// Finding a rule by the step it names. Code that needs a particular rule (whether 3A090.c exists
// on a date, the AI Diffusion tier policy) asks for it by what it does, as the engine's step table
// registers it, never by the id the data happens to give it.
#pragma once

#include <string_view>
#include <vector>

#include "data/dataset.h"

namespace exportctl {

// The first rule whose "step" is step, or null when the data has none.
inline const RuleDef* RuleForStep(const std::vector<RuleDef>& rules, std::string_view step) {
  for (const auto& r : rules) {
    if (r.step == step) return &r;
  }
  return nullptr;
}

}  // namespace exportctl

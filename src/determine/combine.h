// The one place that decides precedence between findings:
//   PROHIBITED > LICENSE_REQUIRED > LICENSE_EXCEPTION > NO_LICENSE_REQUIRED,
// and any unresolved check gives NEEDS_REVIEW unless PROHIBITED or LICENSE_REQUIRED already
// holds. No findings at all is NEEDS_REVIEW: nothing established that no license is needed.
#pragma once

#include <span>

#include "determine/decision.h"

namespace exportctl {

Outcome Combine(std::span<const Effect> effects);

// The most restrictive review policy: denial > case-by-case > approval > none.
ReviewPolicy MostRestrictive(ReviewPolicy a, ReviewPolicy b);

// Maps an outcome back to the effect it has when combined at a higher level (item → transaction).
Effect EffectOf(Outcome o);

}  // namespace exportctl

// The one place that decides precedence between findings:
//   PROHIBITED > LICENSE_REQUIRED > LICENSE_EXCEPTION > NO_LICENSE_REQUIRED,
// and any unresolved check gives NEEDS_REVIEW unless PROHIBITED or LICENSE_REQUIRED already
// holds. No findings at all is NEEDS_REVIEW: nothing established that no license is needed.
#pragma once

#include <cstdint>
#include <span>

#include "determine/decision.h"

namespace exportctl {

// The effects seen so far, as a set (order and repetition do not matter to precedence).
class EffectSet {
 public:
  void Add(Effect e) { bits_ |= static_cast<uint8_t>(1u << static_cast<int>(e)); }
  bool Has(Effect e) const { return bits_ >> static_cast<int>(e) & 1u; }

 private:
  uint8_t bits_ = 0;
};

Outcome Combine(EffectSet effects);
Outcome Combine(std::span<const Effect> effects);

// The most restrictive review policy: denial > case-by-case > approval > none.
ReviewPolicy MostRestrictive(ReviewPolicy a, ReviewPolicy b);

// Maps an outcome back to the effect it has when combined at a higher level (item → transaction).
Effect EffectOf(Outcome o);

}  // namespace exportctl

#include "determine/combine.h"

#include <gtest/gtest.h>

#include <vector>

namespace exportctl {
namespace {

constexpr Effect kAll[] = {Effect::kInfo, Effect::kNoLicenseRequired, Effect::kLicenseException,
                           Effect::kLicenseRequired, Effect::kProhibited, Effect::kUnresolved};

// The rule as the issue states it, written as a table of questions rather than a ranking.
Outcome Expected(const std::vector<Effect>& e) {
  auto has = [&](Effect x) { return std::find(e.begin(), e.end(), x) != e.end(); };
  if (has(Effect::kProhibited)) return Outcome::kProhibited;
  if (has(Effect::kLicenseRequired)) return Outcome::kLicenseRequired;
  if (has(Effect::kUnresolved)) return Outcome::kNeedsReview;  // unless a harder outcome holds
  if (has(Effect::kLicenseException)) return Outcome::kLicenseException;
  if (has(Effect::kNoLicenseRequired)) return Outcome::kNoLicenseRequired;
  return Outcome::kNeedsReview;  // nothing established: fail closed
}

TEST(Combine, EverySubsetOfEffectsInEveryOrder) {
  for (unsigned mask = 0; mask < 64; ++mask) {
    std::vector<Effect> effects;
    for (int i = 0; i < 6; ++i) {
      if (mask >> i & 1) effects.push_back(kAll[i]);
    }
    std::vector<Effect> reversed(effects.rbegin(), effects.rend());
    EXPECT_EQ(Combine(effects), Expected(effects)) << "mask " << mask;
    EXPECT_EQ(Combine(reversed), Expected(effects)) << "order must not matter, mask " << mask;
    // Duplicates change nothing.
    std::vector<Effect> doubled = effects;
    doubled.insert(doubled.end(), effects.begin(), effects.end());
    EXPECT_EQ(Combine(doubled), Expected(effects)) << "mask " << mask;
  }
}

TEST(Combine, NamedCases) {
  EXPECT_EQ(Combine(std::vector<Effect>{}), Outcome::kNeedsReview);
  EXPECT_EQ(Combine(std::vector{Effect::kInfo}), Outcome::kNeedsReview);
  EXPECT_EQ(Combine(std::vector{Effect::kNoLicenseRequired, Effect::kUnresolved}), Outcome::kNeedsReview);
  EXPECT_EQ(Combine(std::vector{Effect::kLicenseException, Effect::kUnresolved}), Outcome::kNeedsReview);
  EXPECT_EQ(Combine(std::vector{Effect::kLicenseRequired, Effect::kUnresolved}), Outcome::kLicenseRequired);
  EXPECT_EQ(Combine(std::vector{Effect::kProhibited, Effect::kUnresolved}), Outcome::kProhibited);
  EXPECT_EQ(Combine(std::vector{Effect::kProhibited, Effect::kLicenseRequired}), Outcome::kProhibited);
  EXPECT_EQ(Combine(std::vector{Effect::kLicenseException, Effect::kNoLicenseRequired}), Outcome::kLicenseException);
}

TEST(Combine, EffectOfRoundTrips) {
  for (Outcome o : {Outcome::kNoLicenseRequired, Outcome::kLicenseException, Outcome::kLicenseRequired,
                    Outcome::kProhibited, Outcome::kNeedsReview}) {
    EXPECT_EQ(Combine(std::vector{EffectOf(o)}), o);
  }
}

TEST(Combine, MostRestrictivePolicy) {
  using P = ReviewPolicy;
  EXPECT_EQ(MostRestrictive(P::kNone, P::kPresumptionOfApproval), P::kPresumptionOfApproval);
  EXPECT_EQ(MostRestrictive(P::kPresumptionOfApproval, P::kCaseByCase), P::kCaseByCase);
  EXPECT_EQ(MostRestrictive(P::kPresumptionOfDenial, P::kCaseByCase), P::kPresumptionOfDenial);
  EXPECT_EQ(MostRestrictive(P::kCaseByCase, P::kPresumptionOfDenial), P::kPresumptionOfDenial);
}

}  // namespace
}  // namespace exportctl

// The rule steps the engine implements, one per "step" a rule in data/regimes/*.json may name.
// The order is the order of the step table (kRuleSteps in determine/engine.cc), which is the
// order they run in; the table checks at compile time that the two agree.
#pragma once

#include <cstddef>
#include <cstdint>

namespace exportctl::steps {

enum class StepId : uint8_t {
  // Rules that other steps read: their text, citation and windows, no code of their own.
  kClassification,     // classification: an item outside every advanced-computing class
  kClassificationHbm,  // classification_hbm: 3A090.c (HBM)
  kReviewPolicy2023,   // review_policy_2023: applied by the license-area and headquarters steps
  kTierPolicy,         // tier_policy: applied by worldwide_license_a
  kRedFlags2025,       // red_flags_2025: read by red_flags on and after the 2025 guidance
  kAidNotEnforced,  // aid_not_enforced: said by Engine::Determine when the codified answer differs
  kCountryGroupSources,  // country_group_sources: an unverified membership that decides the outcome
  // Transaction steps.
  kEmbargo,
  kRestrictedParties,
  kAffiliatesRule,
  kJurisdiction,  // after screening (734.9(e) reads its footnotes); its reasons lead the decision
  kRedFlags,
  kCompliancePending,
  // Item steps, per item and candidate class.
  kH200CaseByCase,
  kLicenseArea3a090,
  kHeadquartersD5Macau,
  kWorldwideLicenseA,
  kCountryAllocation,
  kLicenseAreaB,
  kHbmLicense,
  kModelWeights4e091,
  kH20IsInformed,
  kSupercomputerEndUse,
  kAiTrainingPolicy,
  kGp10Knowledge,
  kGp10PrcIcs,
  kEntityListFootnoteEndUse,  // entity_list_footnote_end_use: an item for a footnote 1 or 4 entity
  // License exceptions: whether each one's own conditions hold for an item.
  kExceptionNac,
  kExceptionAca,
  kExceptionAia,
  kExceptionLpp,
  kExceptionHbm,
  kCount,
};
constexpr size_t kNumSteps = static_cast<size_t>(StepId::kCount);

}  // namespace exportctl::steps

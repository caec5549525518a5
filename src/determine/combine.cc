#include "determine/combine.h"

namespace exportctl {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kNoLicenseRequired: return "NO_LICENSE_REQUIRED";
    case Outcome::kLicenseException: return "LICENSE_EXCEPTION";
    case Outcome::kLicenseRequired: return "LICENSE_REQUIRED";
    case Outcome::kProhibited: return "PROHIBITED";
    case Outcome::kNeedsReview: return "NEEDS_REVIEW";
  }
  return "NEEDS_REVIEW";
}

const char* ReviewPolicyName(ReviewPolicy p) {
  switch (p) {
    case ReviewPolicy::kNone: return "";
    case ReviewPolicy::kPresumptionOfApproval: return "presumption_of_approval";
    case ReviewPolicy::kCaseByCase: return "case_by_case";
    case ReviewPolicy::kPresumptionOfDenial: return "presumption_of_denial";
  }
  return "";
}

const char* EffectName(Effect e) {
  switch (e) {
    case Effect::kInfo: return "info";
    case Effect::kNoLicenseRequired: return "no_license_required";
    case Effect::kLicenseException: return "license_exception";
    case Effect::kLicenseRequired: return "license_required";
    case Effect::kProhibited: return "prohibited";
    case Effect::kUnresolved: return "unresolved";
  }
  return "info";
}

Outcome Combine(EffectSet e) {
  if (e.Has(Effect::kProhibited)) return Outcome::kProhibited;
  if (e.Has(Effect::kLicenseRequired)) return Outcome::kLicenseRequired;
  if (e.Has(Effect::kUnresolved)) return Outcome::kNeedsReview;
  if (e.Has(Effect::kLicenseException)) return Outcome::kLicenseException;
  if (e.Has(Effect::kNoLicenseRequired)) return Outcome::kNoLicenseRequired;
  return Outcome::kNeedsReview;
}

Outcome Combine(std::span<const Effect> effects) {
  EffectSet set;
  for (Effect e : effects) set.Add(e);
  return Combine(set);
}

ReviewPolicy MostRestrictive(ReviewPolicy a, ReviewPolicy b) {
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

Effect EffectOf(Outcome o) {
  switch (o) {
    case Outcome::kNoLicenseRequired: return Effect::kNoLicenseRequired;
    case Outcome::kLicenseException: return Effect::kLicenseException;
    case Outcome::kLicenseRequired: return Effect::kLicenseRequired;
    case Outcome::kProhibited: return Effect::kProhibited;
    case Outcome::kNeedsReview: return Effect::kUnresolved;
  }
  return Effect::kUnresolved;
}

}  // namespace exportctl

#include "determine/combine.h"

namespace exportctl {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kNoLicenseRequired: return "NO_LICENSE_REQUIRED";
    case Outcome::kLicenseException: return "LICENSE_EXCEPTION";
    case Outcome::kLicenseRequired: return "LICENSE_REQUIRED";
    case Outcome::kProhibited: return "PROHIBITED";
    case Outcome::kNeedsReview: return "NEEDS_REVIEW";
    case Outcome::kNotSubjectToEar: return "NOT_SUBJECT_TO_EAR";
    case Outcome::kLicensed: return "LICENSED";
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
    case Effect::kNotSubject: return "not_subject";
    case Effect::kLicensed: return "licensed";
  }
  return "info";
}

Outcome Combine(EffectSet e) {
  if (e.Has(Effect::kProhibited)) return Outcome::kProhibited;
  if (e.Has(Effect::kLicenseRequired)) return Outcome::kLicenseRequired;
  if (e.Has(Effect::kUnresolved)) return Outcome::kNeedsReview;
  if (e.Has(Effect::kLicensed)) return Outcome::kLicensed;
  if (e.Has(Effect::kLicenseException)) return Outcome::kLicenseException;
  if (e.Has(Effect::kNoLicenseRequired)) return Outcome::kNoLicenseRequired;
  // Only when every item is outside the EAR and nothing else binds.
  if (e.Has(Effect::kNotSubject)) return Outcome::kNotSubjectToEar;
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
    case Outcome::kNotSubjectToEar: return Effect::kNotSubject;
    case Outcome::kLicensed: return Effect::kLicensed;
  }
  return Effect::kUnresolved;
}

const char* LicenseExceptionName(LicenseException e) {
  switch (e) {
    case LicenseException::kAIA: return "AIA";
    case LicenseException::kACA: return "ACA";
    case LicenseException::kNAC: return "NAC";
    case LicenseException::kLPP: return "LPP";
    case LicenseException::kHBM: return "HBM";
    case LicenseException::kCount: break;
  }
  return "";
}

ItemVerdict CombineItem(EffectSet effects, std::span<const Requirement> requirements, ExceptionSet available,
                        bool exceptions_barred) {
  ItemVerdict v;
  if (requirements.empty()) {
    effects.Add(Effect::kNoLicenseRequired);
  } else {
    if (!exceptions_barred) {
      for (int e = 0; e < static_cast<int>(LicenseException::kCount) && !v.exception; ++e) {
        const ExceptionSet bit = ExceptionBit(static_cast<LicenseException>(e));
        if (!(available & bit)) continue;
        bool all = true;
        for (const Requirement& r : requirements) all = all && (r.exceptions & bit);
        if (all) v.exception = static_cast<LicenseException>(e);
      }
    }
    if (v.exception) {
      effects.Add(Effect::kLicenseException);
    } else {
      effects.Add(Effect::kLicenseRequired);
      for (const Requirement& r : requirements) v.policy = MostRestrictive(v.policy, r.policy);
    }
  }
  v.outcome = Combine(effects);
  v.unresolved = effects.Has(Effect::kUnresolved);
  // The exception stays named when an unresolved fact holds the item at NEEDS_REVIEW: it is what
  // the item would ship under once the fact is resolved (its obligations are said).
  if (v.outcome != Outcome::kLicenseRequired) v.policy = ReviewPolicy::kNone;
  return v;
}

ItemVerdict ApplyLicense(ItemVerdict v, LicenseCover cover) {
  if (v.outcome != Outcome::kLicenseRequired || cover == LicenseCover::kNone) return v;
  v.outcome = cover == LicenseCover::kWhole && !v.unresolved ? Outcome::kLicensed : Outcome::kNeedsReview;
  if (v.outcome == Outcome::kNeedsReview) v.policy = ReviewPolicy::kNone;
  return v;
}

Verdict CombineTransaction(EffectSet effects, std::span<const ItemVerdict> items, ReviewPolicy transaction_policy) {
  Verdict v;
  for (const ItemVerdict& it : items) effects.Add(EffectOf(it.outcome));
  v.outcome = Combine(effects);
  if (v.outcome == Outcome::kLicenseRequired) {
    v.review_policy = transaction_policy;
    for (const ItemVerdict& it : items) v.review_policy = MostRestrictive(v.review_policy, it.policy);
    if (v.review_policy == ReviewPolicy::kNone) v.review_policy = ReviewPolicy::kPresumptionOfDenial;
  }
  if (v.outcome == Outcome::kLicenseException) {
    for (const ItemVerdict& it : items) {
      if (!it.exception) continue;
      const std::string name = LicenseExceptionName(*it.exception);
      if (v.license_exception.empty()) v.license_exception = name;
      else if (v.license_exception.find(name) == std::string::npos) v.license_exception += "+" + name;
    }
  }
  return v;
}

}  // namespace exportctl

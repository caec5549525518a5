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

// The item: requirements, the exceptions whose conditions hold, and what each requirement allows.
TEST(CombineItem, ExceptionChoiceTable) {
  using LE = LicenseException;
  const ExceptionSet nac = ExceptionBit(LE::kNAC), aca = ExceptionBit(LE::kACA), aia = ExceptionBit(LE::kAIA),
                     lpp = ExceptionBit(LE::kLPP), hbm = ExceptionBit(LE::kHBM);
  const auto approval = ReviewPolicy::kPresumptionOfApproval, denial = ReviewPolicy::kPresumptionOfDenial;
  struct Row {
    const char* name;
    std::vector<Requirement> reqs;
    ExceptionSet available;
    bool barred;
    Outcome outcome;
    std::optional<LE> exception;
    ReviewPolicy policy;
  };
  const Row rows[] = {
      {"no requirement", {}, aia | lpp, false, Outcome::kNoLicenseRequired, std::nullopt, ReviewPolicy::kNone},
      {"one requirement, its exception holds", {{"r1", approval, aca}}, aca, false, Outcome::kLicenseException, LE::kACA, ReviewPolicy::kNone},
      {"exception holds but the requirement does not allow it", {{"r1", approval, aca}}, nac, false, Outcome::kLicenseRequired, std::nullopt, approval},
      {"preference: AIA before LPP", {{"r1", approval, aia | lpp}}, aia | lpp, false, Outcome::kLicenseException, LE::kAIA, ReviewPolicy::kNone},
      {"preference: ACA before NAC", {{"r1", approval, aca | nac}}, aca | nac, false, Outcome::kLicenseException, LE::kACA, ReviewPolicy::kNone},
      {"every requirement must allow it", {{"r1", approval, aia | lpp}, {"r2", denial, lpp}}, aia | lpp, false, Outcome::kLicenseException, LE::kLPP, ReviewPolicy::kNone},
      {"no common exception: strictest policy", {{"r1", approval, aia}, {"r2", denial, lpp}}, aia | lpp, false, Outcome::kLicenseRequired, std::nullopt, denial},
      {"a requirement no exception overcomes", {{"r1", approval, hbm}, {"r2", denial, 0}}, hbm, false, Outcome::kLicenseRequired, std::nullopt, denial},
      {"barred (Entity List)", {{"r1", ReviewPolicy::kCaseByCase, aca}}, aca, true, Outcome::kLicenseRequired, std::nullopt, ReviewPolicy::kCaseByCase},
  };
  for (const Row& r : rows) {
    Requirements reqs;
    for (const auto& q : r.reqs) reqs.push_back(q);
    const ItemVerdict v = CombineItem(EffectSet{}, reqs.view(), r.available, r.barred);
    EXPECT_EQ(v.outcome, r.outcome) << r.name;
    EXPECT_EQ(v.exception, r.exception) << r.name;
    EXPECT_EQ(v.policy, r.policy) << r.name;
  }
}

TEST(CombineItem, OtherEffectsCombineWithTheRequirements) {
  const Requirement aca{"r1", ReviewPolicy::kPresumptionOfApproval, ExceptionBit(LicenseException::kACA)};
  EffectSet unresolved;
  unresolved.Add(Effect::kUnresolved);
  // An unresolved fact holds an exception at NEEDS_REVIEW; the exception stays named.
  ItemVerdict v = CombineItem(unresolved, std::span(&aca, 1), ExceptionBit(LicenseException::kACA), false);
  EXPECT_EQ(v.outcome, Outcome::kNeedsReview);
  EXPECT_EQ(v.exception, LicenseException::kACA);
  EXPECT_EQ(v.policy, ReviewPolicy::kNone);
  // A requirement holds over an unresolved fact; a prohibition over everything.
  v = CombineItem(unresolved, std::span(&aca, 1), 0, false);
  EXPECT_EQ(v.outcome, Outcome::kLicenseRequired);
  EXPECT_EQ(v.policy, ReviewPolicy::kPresumptionOfApproval);
  EffectSet prohibited;
  prohibited.Add(Effect::kProhibited);
  EXPECT_EQ(CombineItem(prohibited, {}, 0, false).outcome, Outcome::kProhibited);
  EXPECT_EQ(CombineItem(unresolved, {}, 0, false).outcome, Outcome::kNeedsReview);
}

TEST(CombineItem, ManyRequirementsStayContiguous) {
  Requirements reqs;
  for (int i = 0; i < 20; ++i) reqs.push_back({"r", ReviewPolicy::kPresumptionOfApproval, ExceptionBit(LicenseException::kLPP)});
  reqs.push_back({"last", ReviewPolicy::kPresumptionOfDenial, 0});
  ASSERT_EQ(reqs.view().size(), 21u);
  const ItemVerdict v = CombineItem(EffectSet{}, reqs.view(), ExceptionBit(LicenseException::kLPP), false);
  EXPECT_EQ(v.outcome, Outcome::kLicenseRequired);
  EXPECT_EQ(v.policy, ReviewPolicy::kPresumptionOfDenial);
}

// The transaction: its own effects, its items, and the requirements on the whole transaction.
TEST(CombineTransaction, MergeTable) {
  using LE = LicenseException;
  const ItemVerdict nlr{Outcome::kNoLicenseRequired, std::nullopt, ReviewPolicy::kNone};
  const ItemVerdict aca{Outcome::kLicenseException, LE::kACA, ReviewPolicy::kNone};
  const ItemVerdict lpp{Outcome::kLicenseException, LE::kLPP, ReviewPolicy::kNone};
  const ItemVerdict lr_approval{Outcome::kLicenseRequired, std::nullopt, ReviewPolicy::kPresumptionOfApproval};
  const ItemVerdict lr_cbc{Outcome::kLicenseRequired, std::nullopt, ReviewPolicy::kCaseByCase};
  const ItemVerdict review{Outcome::kNeedsReview, LE::kNAC, ReviewPolicy::kNone};
  struct Row {
    const char* name;
    std::vector<Effect> tx_effects;
    std::vector<ItemVerdict> items;
    ReviewPolicy tx_policy;
    Verdict want;
  };
  const Row rows[] = {
      {"no items, nothing established", {}, {}, ReviewPolicy::kNone, {Outcome::kNeedsReview, "", ReviewPolicy::kNone}},
      {"every item clear", {}, {nlr, nlr}, ReviewPolicy::kNone, {Outcome::kNoLicenseRequired, "", ReviewPolicy::kNone}},
      {"exceptions joined in item order, once each", {}, {lpp, nlr, aca, lpp}, ReviewPolicy::kNone, {Outcome::kLicenseException, "LPP+ACA", ReviewPolicy::kNone}},
      {"one item needs a license", {}, {aca, lr_approval}, ReviewPolicy::kNone, {Outcome::kLicenseRequired, "", ReviewPolicy::kPresumptionOfApproval}},
      {"strictest item policy", {}, {lr_approval, lr_cbc}, ReviewPolicy::kNone, {Outcome::kLicenseRequired, "", ReviewPolicy::kCaseByCase}},
      {"transaction requirement's policy counts", {Effect::kLicenseRequired}, {lr_approval}, ReviewPolicy::kPresumptionOfDenial, {Outcome::kLicenseRequired, "", ReviewPolicy::kPresumptionOfDenial}},
      {"license required without a stated policy: denial", {Effect::kLicenseRequired}, {nlr}, ReviewPolicy::kNone, {Outcome::kLicenseRequired, "", ReviewPolicy::kPresumptionOfDenial}},
      {"an item under review holds the exception", {}, {aca, review}, ReviewPolicy::kNone, {Outcome::kNeedsReview, "", ReviewPolicy::kNone}},
      {"unresolved transaction check", {Effect::kUnresolved}, {aca}, ReviewPolicy::kNone, {Outcome::kNeedsReview, "", ReviewPolicy::kNone}},
      {"prohibited over all", {Effect::kProhibited}, {lr_cbc}, ReviewPolicy::kNone, {Outcome::kProhibited, "", ReviewPolicy::kNone}},
  };
  for (const Row& r : rows) {
    EffectSet effects;
    for (Effect e : r.tx_effects) effects.Add(e);
    const Verdict v = CombineTransaction(effects, r.items, r.tx_policy);
    EXPECT_EQ(v.outcome, r.want.outcome) << r.name;
    EXPECT_EQ(v.license_exception, r.want.license_exception) << r.name;
    EXPECT_EQ(v.review_policy, r.want.review_policy) << r.name;
  }
}

// A license the company holds (15 CFR 750.7) meets a license requirement only: it never outranks
// a prohibition or a doubt, and a listed party sends the item to review.
TEST(ApplyLicense, MeetsARequirementAndNothingElse) {
  ItemVerdict lr;
  lr.outcome = Outcome::kLicenseRequired;
  lr.policy = ReviewPolicy::kPresumptionOfApproval;
  EXPECT_EQ(ApplyLicense(lr, LicenseCover::kWhole).outcome, Outcome::kLicensed);
  EXPECT_EQ(ApplyLicense(lr, LicenseCover::kNone).outcome, Outcome::kLicenseRequired);
  EXPECT_EQ(ApplyLicense(lr, LicenseCover::kUnweighed).outcome, Outcome::kNeedsReview);
  ItemVerdict doubt = lr;
  doubt.unresolved = true;  // a fact left open was outranked by the requirement: it returns
  EXPECT_EQ(ApplyLicense(doubt, LicenseCover::kWhole).outcome, Outcome::kNeedsReview);
  for (Outcome o : {Outcome::kProhibited, Outcome::kNeedsReview, Outcome::kLicenseException, Outcome::kNoLicenseRequired}) {
    ItemVerdict v;
    v.outcome = o;
    EXPECT_EQ(ApplyLicense(v, LicenseCover::kWhole).outcome, o) << OutcomeName(o);
  }
  // The transaction: a licensed item with an item that still needs one, a doubt, a prohibition.
  ItemVerdict licensed = ApplyLicense(lr, LicenseCover::kWhole), nlr;
  EXPECT_EQ(CombineTransaction({}, std::vector<ItemVerdict>{licensed, nlr}, ReviewPolicy::kNone).outcome, Outcome::kLicensed);
  EXPECT_EQ(CombineTransaction({}, std::vector<ItemVerdict>{licensed, lr}, ReviewPolicy::kNone).outcome, Outcome::kLicenseRequired);
  EffectSet red_flag, sdn;
  red_flag.Add(Effect::kUnresolved);
  sdn.Add(Effect::kProhibited);
  EXPECT_EQ(CombineTransaction(red_flag, std::vector<ItemVerdict>{licensed}, ReviewPolicy::kNone).outcome, Outcome::kNeedsReview);
  EXPECT_EQ(CombineTransaction(sdn, std::vector<ItemVerdict>{licensed}, ReviewPolicy::kNone).outcome, Outcome::kProhibited);
}

}  // namespace
}  // namespace exportctl

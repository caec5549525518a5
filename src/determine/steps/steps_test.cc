// One test per step family: the step fired (its rule id, effect and reason are in the decision),
// not only the final outcome. The cases in tests/cases/ check outcomes across the families.
#include <gtest/gtest.h>

#include <string>

#include "data/test_data.h"
#include "determine/engine.h"
#include "determine/steps/step.h"

namespace exportctl {
namespace {

Transaction Tx(const std::string& json) {
  auto tx = ParseTransaction(json, BundledData());
  EXPECT_TRUE(tx.ok()) << tx.status().ToString() << "\n" << json;
  return std::move(tx).value();
}

// The finding of `rule` with `effect`, or nullptr.
const Finding* Fired(const Decision& d, std::string_view rule, Effect effect) {
  for (const auto& f : d.reasons) {
    if (f.rule == rule && f.effect == effect) return &f;
  }
  return nullptr;
}

// Fails the test unless `rule` gave a finding with `effect` whose summary says `says`.
void ExpectFired(const Decision& d, std::string_view rule, Effect effect, std::string_view says) {
  const Finding* f = Fired(d, rule, effect);
  ASSERT_NE(f, nullptr) << rule << " did not fire with " << EffectName(effect);
  EXPECT_NE(f->summary.find(says), std::string::npos) << f->summary;
}

Decision Decide(const std::string& json, const DetermineOptions& opt = {}) {
  static const Engine engine(BundledData());
  return engine.Determine(Tx(json), opt);
}

const std::string kCnParty =
    R"("parties":[{"role":"ultimate_consignee","name":"C","country":"CN","headquarters":"CN","ultimate_parent_headquarters":"CN"}])";
const std::string kMyParty =
    R"("parties":[{"role":"ultimate_consignee","name":"M","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY"}])";
const std::string kDeParty =
    R"("parties":[{"role":"ultimate_consignee","name":"D","country":"DE","headquarters":"DE","ultimate_parent_headquarters":"DE"}])";

TEST(EmbargoStep, Part746DestinationNeedsALicense) {
  const Decision d = Decide(
      R"({"as_of":"2025-06-01","destination":"IR","items":[{"chip":"RTX 4090 D","quantity":1}],)" +
      kDeParty + "}");
  const Finding* f = Fired(d, "embargo.part746", Effect::kLicenseRequired);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->citation, "15 CFR 746.7");
  EXPECT_EQ(f->item, -1);
}

TEST(RestrictedPartiesStep, EntityListListingNeedsALicense) {
  const Decision d = Decide(
      R"({"as_of":"2025-06-01","destination":"VN","items":[{"chip":"L40","quantity":4}],"parties":[{"role":"ultimate_consignee",)"
      R"("name":"Listed","country":"VN","headquarters":"VN","ultimate_parent_headquarters":"VN","restricted_lists":[{"list":"entity_list"}]}]})");
  ExpectFired(d, "screening.restricted_party", Effect::kLicenseRequired, "is on the entity_list");
}

TEST(RestrictedPartiesStep, ItemForAFootnoteEntityNeedsALicense) {
  // No listed party: the stated end use alone (15 CFR 744.11(a)), a US-origin H100 to Malaysia.
  const std::string tx = R"({"as_of":"2024-06-01","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":1}],)" + kMyParty;
  const Decision d = Decide(tx + R"(,"end_use":{"for_footnote_1_4_entity":true}})");
  ExpectFired(d, "screening.footnote_1_4_end_use", Effect::kLicenseRequired, "footnote 1 or 4 entity");
  EXPECT_EQ(d.outcome, Outcome::kLicenseRequired);
  EXPECT_EQ(d.review_policy, ReviewPolicy::kPresumptionOfDenial);
  EXPECT_EQ(Fired(Decide(tx + "}"), "screening.footnote_1_4_end_use", Effect::kLicenseRequired), nullptr);
}

TEST(AffiliatesStep, MajorityOwnedByAnEntityListPartyNeedsALicense) {
  const Decision d = Decide(
      R"({"as_of":"2025-09-29","destination":"MY","items":[{"chip":"L40","quantity":4}],"parties":[{"role":"ultimate_consignee",)"
      R"("name":"P","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY","owners":[{"name":"Holdco","percent":55,)"
      R"("country":"CN","restricted_lists":[{"list":"entity_list"}]}]}]})");
  ExpectFired(d, "affiliates.ownership", Effect::kLicenseRequired, "55% owned");
}

TEST(RedFlagsStep, ReportedRedFlagsAreUnresolved) {
  const Decision d = Decide(
      R"({"as_of":"2025-06-01","destination":"DE","red_flags":["reluctant to give end use"],"items":[{"chip":"L40","quantity":1}],)" +
      kDeParty + "}");
  EXPECT_NE(Fired(d, "guidance.diversion_red_flags", Effect::kUnresolved), nullptr);
  const Decision before = Decide(
      R"({"as_of":"2024-06-01","destination":"DE","red_flags":["x"],"items":[{"chip":"L40","quantity":1}],)" +
      kDeParty + "}");
  EXPECT_NE(Fired(before, "acs.red_flags", Effect::kUnresolved), nullptr);
}

TEST(LicenseAreaStep, AcsLicenseAreaAndHeadquartersRule) {
  const Decision cn = Decide(
      R"({"as_of":"2024-06-01","destination":"CN","items":[{"chip":"H100 SXM5 80GB","quantity":1}],)" +
      kCnParty + "}");
  const Finding* area = Fired(cn, "acs.license_area", Effect::kLicenseRequired);
  ASSERT_NE(area, nullptr);
  EXPECT_EQ(area->item, 0);
  EXPECT_NE(Fired(cn, "acs.headquarters", Effect::kLicenseRequired), nullptr);
  // Outside the license area, a Chinese-headquartered recipient alone brings the requirement.
  const Decision my = Decide(
      R"({"as_of":"2024-06-01","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":1}],"parties":[{"role":"ultimate_consignee",)"
      R"("name":"M","country":"MY","headquarters":"CN","ultimate_parent_headquarters":"CN"}]})");
  EXPECT_EQ(Fired(my, "acs.license_area", Effect::kLicenseRequired), nullptr);
  EXPECT_NE(Fired(my, "acs.headquarters", Effect::kLicenseRequired), nullptr);
}

// 1,700 H100 to Malaysia (Tier 2) under a posture: beyond LPP, within the country allocation.
Decision H100sToMalaysia(const char* posture) {
  return Decide(std::string(R"({"as_of":"2025-06-01","posture":")") + posture +
                R"(","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":1700}],)" +
                kMyParty + "}");
}

TEST(AiDiffusionStep, WorldwideLicenseForDotAItems) {
  ExpectFired(H100sToMalaysia("codified"), "aid.worldwide_a", Effect::kLicenseRequired, "Tier 2");
  // Not under the enforced posture.
  EXPECT_EQ(Fired(H100sToMalaysia("enforced"), "aid.worldwide_a", Effect::kLicenseRequired),
            nullptr);
}

TEST(AllocationsStep, CountryAllocationWithoutALedgerIsSaid) {
  ExpectFired(H100sToMalaysia("codified"), "aid.country_allocation", Effect::kInfo,
              "790,000,000 TPP for 2025-2027");
}

TEST(HbmStep, HbmToChinaNeedsALicense) {
  const Decision d = Decide(
      R"({"as_of":"2025-01-10","destination":"CN","items":[{"hbm":{"model":"HBM3E stack","memory_bandwidth_density":2.5},"quantity":100}],)" +
      kCnParty + "}");
  const Finding* f = Fired(d, "hbm.license", Effect::kLicenseRequired);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->review_policy, ReviewPolicy::kPresumptionOfDenial);
}

TEST(H20H200Step, IsInformedLetterAndH200Zone) {
  const Decision h20 = Decide(
      R"({"as_of":"2025-06-01","destination":"CN","items":[{"chip":"H20","quantity":100}],)" +
      kCnParty + "}");
  EXPECT_NE(Fired(h20, "h20.is_informed", Effect::kLicenseRequired), nullptr);
  const Decision h200 = Decide(
      R"({"as_of":"2026-01-15","destination":"CN","items":[{"chip":"H200 SXM 141GB","quantity":100}],"h200_certifications":{)"
      R"("sufficient_us_supply":true,"no_foundry_diversion":true,"china_volume_within_half_of_us":true,"know_your_customer_and_remote_access":true,)"
      R"("third_party_testing_in_us":true},)" +
      kCnParty + "}");
  ExpectFired(h200, "h200.case_by_case", Effect::kInfo, "inside the H200 rule's zone");
  EXPECT_EQ(h200.review_policy, ReviewPolicy::kCaseByCase);
}

TEST(Gp10Step, NamedPrcIcIsProhibited) {
  const Decision d = Decide(
      R"({"as_of":"2025-06-01","destination":"DE","items":[{"chip":"Ascend 910B","quantity":1}],)" +
      kDeParty + "}");
  EXPECT_NE(Fired(d, "guidance.gp10_prc_ics", Effect::kProhibited), nullptr);
  const Decision before = Decide(
      R"({"as_of":"2025-01-01","destination":"DE","items":[{"chip":"Ascend 910B","quantity":1}],)" +
      kDeParty + "}");
  EXPECT_NE(Fired(before, "acs.gp10_knowledge", Effect::kUnresolved), nullptr);
}

TEST(TrainingPolicyStep, TrainingForAChineseHeadquarteredPartyNeedsALicense) {
  const Decision d = Decide(
      R"({"as_of":"2025-06-01","destination":"MY","end_use":{"ai_model_training_for_headquarters":"CN"},"items":[{"chip":"H100 SXM5 80GB","quantity":1}],)" +
      kMyParty + "}");
  ExpectFired(d, "guidance.ai_training", Effect::kLicenseRequired, "will train AI models");
}

TEST(ModelWeightsStep, Weights4E091NeedALicenseAnywhere) {
  const Decision d = Decide(
      R"({"as_of":"2025-06-01","posture":"codified","destination":"DE","items":[{"model_weights":{"training_operations":3e26,"published":false}}],)" +
      kDeParty + "}");
  ExpectFired(d, "aid.model_weights", Effect::kLicenseRequired, "(4E091)");
}

TEST(ExceptionsStep, TheChosenExceptionIsAReason) {
  const Decision aca = Decide(
      R"({"as_of":"2025-06-01","destination":"VN","items":[{"chip":"L40","quantity":4}],"parties":[{"role":"ultimate_consignee",)"
      R"("name":"V","country":"VN","headquarters":"VN","ultimate_parent_headquarters":"VN"}]})");
  EXPECT_EQ(aca.license_exception, "ACA");
  EXPECT_NE(Fired(aca, "acs.aca", Effect::kLicenseException), nullptr);
  const Decision lpp = Decide(
      R"({"as_of":"2025-06-01","posture":"codified","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":100}],)" +
      kMyParty + "}");
  EXPECT_EQ(lpp.license_exception, "LPP");
  EXPECT_NE(Fired(lpp, "aid.lpp", Effect::kLicenseException), nullptr);
}

TEST(StepTable, EveryStepIsListedOnceInStepIdOrder) {
  const auto table = steps::RuleSteps();
  ASSERT_EQ(table.size(), steps::kNumSteps);
  for (size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(table[i].id), i);
    const auto& s = table[i];
    const bool has_code = s.prepare || s.transaction || s.item || s.exception;
    EXPECT_TRUE(has_code != (s.read_by != nullptr))
        << s.name << ": a step has code, or says which step reads its rule";
    if (s.exception) EXPECT_NE(s.grants, LicenseException::kCount) << s.name;
    for (size_t j = 0; j < i; ++j) EXPECT_NE(table[j].name, s.name);
  }
}

}  // namespace
}  // namespace exportctl

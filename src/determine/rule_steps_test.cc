// Start-up checks of the regulatory data against the engine's rule steps: a rule naming no
// registered step is a load error naming its file and field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "data/test_data.h"
#include "determine/engine.h"

namespace exportctl {
namespace {

// The bundled data with one file edited, loaded as start-up loads it.
class RuleStepData : public EditedDataTest {
 protected:
  Status LoadStatus() {
    auto d = LoadRegulatoryData(dir_.string());
    return d.ok() ? Status::Ok() : d.status();
  }
};

TEST_F(RuleStepData, BundledDataLoads) { EXPECT_TRUE(LoadStatus().ok()) << LoadStatus().ToString(); }

TEST_F(RuleStepData, RuleWithoutRegisteredStepIsAnError) {
  Edit("regimes/h200-2026.json", [](auto& j) { j["rules"][0]["step"] = "guess"; });
  const Status st = LoadStatus();
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.message().find("unknown rule step \"guess\""), std::string::npos) << st.ToString();
  EXPECT_NE(st.field().find("h200-2026.json"), std::string::npos) << st.ToString();
  EXPECT_NE(st.field().find("rules[0].step"), std::string::npos) << st.ToString();
}

TEST_F(RuleStepData, RuleWithoutAStepIsAnError) {
  Edit("regimes/embargoes.json", [](auto& j) { j["rules"][0].erase("step"); });
  const Status st = LoadStatus();
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.field().find("embargoes.json"), std::string::npos) << st.ToString();
  EXPECT_NE(st.field().find("rules[0]"), std::string::npos) << st.ToString();
}

TEST_F(RuleStepData, MissingParameterIsAnErrorNamingFileAndField) {
  Edit("regimes/ai-diffusion-2025.json", [](auto& j) { j["parameters"].erase("lpp_tpp_per_consignee_per_year"); });
  const Status st = LoadStatus();
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.field().find("ai-diffusion-2025.json: parameters.lpp_tpp_per_consignee_per_year"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("exception_lpp"), std::string::npos) << st.ToString();
}

TEST_F(RuleStepData, ParameterWithoutValueIsAnError) {
  Edit("regimes/h200-2026.json", [](auto& j) { j["parameters"]["zone_max_tpp"].erase("value"); });
  const Status st = LoadStatus();
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.field().find("h200-2026.json: parameters.zone_max_tpp.value"), std::string::npos) << st.ToString();
}

TEST_F(RuleStepData, MistypedParameterIsAnErrorNotZero) {
  Edit("regimes/h200-2026.json", [](auto& j) { j["parameters"]["zone_max_tpp"]["value"] = "21000"; });
  Status st = LoadStatus();
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.field().find("h200-2026.json: parameters.zone_max_tpp.value"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("must be a number"), std::string::npos) << st.ToString();
}

TEST_F(RuleStepData, EveryDeclaredTypeIsChecked) {
  struct Edit1 {
    const char* file;
    const char* param;
    nlohmann::json value;
    const char* problem;
  };
  const Edit1 edits[] = {
      {"regimes/embargoes.json", "destinations", nlohmann::json::object(), "must be an array"},
      {"regimes/acs-2023.json", "license_area_named", nlohmann::json::array({"AE", 3}), "must be an array of strings"},
      {"regimes/hbm-2024.json", "compliance_note", "2024-13-40", "must be a date"},
      {"regimes/affiliates-2025.json", "tgl", nlohmann::json::array(), "must be an object"},
      {"regimes/affiliates-2025.json", "stay_extended_through", 5, "must be a string or null"},
      {"regimes/ai-diffusion-2025.json", "country_allocation_exhausted_wording", "", "must be a non-empty string"},
  };
  for (const auto& e : edits) {
    SetUp();
    Edit(e.file, [&](auto& j) { j["parameters"][e.param]["value"] = e.value; });
    const Status st = LoadStatus();
    EXPECT_EQ(st.code(), ErrorCode::kDataError) << e.param;
    EXPECT_NE(st.field().find(std::string("parameters.") + e.param + ".value"), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find(e.problem), std::string::npos) << st.ToString();
  }
}

TEST_F(RuleStepData, AnEngineOnUncheckedBadDataDecidesNothing) {
  Edit("regimes/ai-diffusion-2025.json", [](auto& j) { j["parameters"]["lpp_tpp_per_consignee_per_year"]["value"] = "26900000"; });
  auto data = Dataset::Load(dir_.string());  // the files load; the step check is what fails
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  Engine engine(**data);
  auto tx = ParseTransaction(R"({"as_of":"2025-06-01","destination":"DE","items":[{"chip":"L40","quantity":1}]})", **data);
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  const Decision d = engine.Determine(*tx);
  EXPECT_EQ(d.outcome, Outcome::kNeedsReview);
  ASSERT_FALSE(d.reasons.empty());
  EXPECT_NE(d.reasons[0].summary.find("lpp_tpp_per_consignee_per_year"), std::string::npos) << d.reasons[0].summary;
}

// The citations and figures in obligation and warning texts are parameters the steps declare:
// missing or mistyped, start-up names the file and the field; present, the text says what the
// data says.
TEST_F(RuleStepData, TextCitationsAreDeclaredParameters) {
  struct Param {
    const char* file;
    const char* name;
    const char* step;
  };
  const Param params[] = {
      {"regimes/acs-2023.json", "nac_obligation_citation", "exception_nac"},
      {"regimes/acs-2023.json", "aca_obligation_citation", "exception_aca"},
      {"regimes/acs-2023.json", "no_requirement_citation", "classification"},
      {"regimes/ai-diffusion-2025.json", "aia_certification_citation", "exception_aia"},
      {"regimes/ai-diffusion-2025.json", "lpp_obligation_citation", "exception_lpp"},
      {"regimes/ai-diffusion-2025.json", "model_weights_storage_citation", "model_weights_4e091"},
      {"regimes/hbm-2024.json", "hbm_discrepancy_report_percent", "exception_hbm"},
      {"regimes/h20-2025.json", "is_informed_citation", "h20_is_informed"},
      {"regimes/affiliates-2025.json", "sdn_programs_citation", "affiliates_rule"},
      {"regimes/jurisdiction.json", "weighed_citation", "jurisdiction"},
  };
  for (const auto& p : params) {
    SetUp();
    Edit(p.file, [&](auto& j) { j["parameters"].erase(p.name); });
    Status st = LoadStatus();
    EXPECT_EQ(st.code(), ErrorCode::kDataError) << p.name;
    EXPECT_NE(st.field().find(std::string(p.file).substr(8) + ": parameters." + p.name), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find(p.step), std::string::npos) << st.ToString();
    SetUp();
    Edit(p.file, [&](auto& j) { j["parameters"][p.name]["value"] = nlohmann::json::array(); });
    st = LoadStatus();
    EXPECT_EQ(st.code(), ErrorCode::kDataError) << p.name;
    EXPECT_NE(st.field().find(std::string("parameters.") + p.name + ".value"), std::string::npos) << st.ToString();
  }
}

TEST_F(RuleStepData, ObligationsCiteTheData) {
  Edit("regimes/acs-2023.json", [](auto& j) {
    j["parameters"]["nac_obligation_citation"]["value"] = "15 CFR 740.8(a) as amended";
    j["parameters"]["aca_obligation_citation"]["value"] = "15 CFR 740.8(b) as amended";
  });
  auto data = LoadRegulatoryData(dir_.string());
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  Engine engine(**data);
  // NAC: a .b chip to Cambodia while it was in D:5 (tests/cases/cambodia.json).
  auto tx = ParseTransaction(R"({"as_of":"2025-11-06","destination":"KH","items":[{"chip":"L40","quantity":2}],
      "parties":[{"role":"ultimate_consignee","name":"K","country":"KH","headquarters":"KH","ultimate_parent_headquarters":"KH"}]})",
                             **data);
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  const Decision d = engine.Determine(*tx);
  std::string all;
  for (const auto& o : d.obligations) all += o + "\n";
  EXPECT_EQ(d.license_exception, "NAC");
  EXPECT_NE(all.find("(15 CFR 740.8(a) as amended)"), std::string::npos) << all;
}

TEST_F(RuleStepData, ParametersOfStepsNoRuleNamesAreNotRequired) {
  // Without its rule, the H200 step's parameters are not read.
  Edit("regimes/h200-2026.json", [](auto& j) {
    j["rules"][0]["step"] = "h20_is_informed";
    j["parameters"].erase("zone_max_tpp");
  });
  EXPECT_TRUE(LoadStatus().ok()) << LoadStatus().ToString();
}

// The finding that sends an order to review when an unverified Country Group membership decides
// it cites a rule of the data: data without that rule must not load (it could not fail closed).
TEST_F(RuleStepData, RequiredStepWithoutARuleIsAnError) {
  Edit("regimes/country-groups.json", [](auto& j) { j["rules"][0]["step"] = "aid_not_enforced"; });
  const Status st = LoadStatus();
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.message().find("country_group_sources"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace exportctl

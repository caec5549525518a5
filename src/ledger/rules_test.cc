// Caps and periods come from the regime data files, not from code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ledger/ledger_test_util.h"

namespace exportctl::ledger {
namespace {

using testing::D;
using testing::TestRules;

TEST(AllocationRules, ReadsTheCitedParameters) {
  const AllocationRules& r = TestRules();
  EXPECT_EQ(r.CapMilli(AccountKey::Country("AE"), D("2026-01-01")), 790000000000);
  EXPECT_EQ(r.CapMilli(AccountKey::Lpp("x"), D("2026-01-01")), 26900000000);
  EXPECT_EQ(r.CapMilli(AccountKey::Aia("x"), D("2026-01-01")), 253000000000);
  EXPECT_EQ(r.CapMilli(AccountKey::Nveu("x", "IN"), D("2025-01-01")), 633000000000);
  EXPECT_EQ(r.CapMilli(AccountKey::Nveu("x", "IN"), D("2026-12-31")), 4272750000000);
  EXPECT_EQ(r.CapMilli(AccountKey::Nveu("x", "IN"), D("2024-12-31")), 0);
  EXPECT_DOUBLE_EQ(r.h200_china_to_us_ratio(), 0.5);
  EXPECT_DOUBLE_EQ(r.h100_equivalent_tpp(), 15832);
  EXPECT_TRUE(r.IsTier1("US"));
  EXPECT_FALSE(r.IsTier1("IN"));
  EXPECT_NE(r.Citation(AccountKind::kCountryAllocation).find("742.6(b)(10)(iii)(B)"),
            std::string::npos);
  EXPECT_NE(r.Citation(AccountKind::kLppConsignee).find("740.29"), std::string::npos);
}

TEST(AllocationRules, Periods) {
  const AllocationRules& r = TestRules();
  EXPECT_EQ(*r.Period(AccountKey::Country("AE"), D("2025-01-01")), "2025-2027");
  EXPECT_EQ(*r.Period(AccountKey::Country("AE"), D("2027-12-31")), "2025-2027");
  EXPECT_EQ(r.Period(AccountKey::Country("AE"), D("2028-01-01")).status().field(), "as_of");
  EXPECT_EQ(*r.Period(AccountKey::Lpp("x"), D("2026-07-04")), "2026");
  EXPECT_EQ(*r.Period(AccountKey::Nveu("x", "IN"), D("2026-07-04")), "cumulative");
  EXPECT_EQ(r.Period(AccountKey::Lpp("x"), Date()).status().field(), "as_of");
}

TEST(AllocationRules, GovernmentAssuranceRaisesTheCountryAllocation) {
  auto r =
      AllocationRules::Load(EXPORTCTL_LEDGER_DATA_DIR, {.government_assurance_countries = {"AE"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->CapMilli(AccountKey::Country("AE"), D("2026-01-01")),
            1580000000000);  // up to 100% more
  EXPECT_EQ(r->CapMilli(AccountKey::Country("SA"), D("2026-01-01")), 790000000000);
}

// Copies the data directory, applies an edit to ai-diffusion-2025.json, and loads it.
Result<AllocationRules> LoadEdited(const std::function<void(nlohmann::json&)>& edit) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ledger_rules_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "regimes");
  for (const char* f : {"ai-diffusion-2025.json", "h200-2026.json", "acs-2023.json"}) {
    fs::copy_file(fs::path(EXPORTCTL_LEDGER_DATA_DIR) / "regimes" / f, dir / "regimes" / f);
  }
  nlohmann::json j;
  {
    std::ifstream in(dir / "regimes/ai-diffusion-2025.json");
    in >> j;
  }
  edit(j);
  std::ofstream(dir / "regimes/ai-diffusion-2025.json") << j.dump();
  auto r = AllocationRules::Load(dir.string());
  fs::remove_all(dir);
  return r;
}

TEST(AllocationRules, CapsFollowTheDataFile) {
  auto r = LoadEdited([](nlohmann::json& j) {
    j["parameters"]["country_allocation_tpp"]["value"] = 1000;
    j["parameters"]["country_allocation_tpp"]["to"] = "2026-12-31";
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->CapMilli(AccountKey::Country("AE"), D("2026-01-01")), 1000000);
  EXPECT_FALSE(r->Period(AccountKey::Country("AE"), D("2027-01-01")).ok());
}

TEST(AllocationRules, MissingParameterIsADataErrorNamingIt) {
  auto r = LoadEdited(
      [](nlohmann::json& j) { j["parameters"].erase("lpp_tpp_per_consignee_per_year"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kDataError);
  EXPECT_NE(r.status().field().find("lpp_tpp_per_consignee_per_year"), std::string::npos);
  auto bad_quarter = LoadEdited([](nlohmann::json& j) {
    j["parameters"]["nveu_cumulative_caps_tpp"]["value"][0]["quarter"] = "2025 first";
  });
  ASSERT_FALSE(bad_quarter.ok());
  EXPECT_NE(bad_quarter.status().field().find("nveu_cumulative_caps_tpp"), std::string::npos);
  auto missing_dir = AllocationRules::Load("/nonexistent");
  EXPECT_EQ(missing_dir.status().code(), ErrorCode::kDataError);
}

}  // namespace
}  // namespace exportctl::ledger

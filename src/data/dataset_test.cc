#include "data/dataset.h"
#include "data/test_data.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace exportctl {
namespace {

namespace fs = std::filesystem;

const Dataset& Data() { return BundledData(); }

TEST(Dataset, LoadsBundledData) {
  auto d = Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_GE((*d)->chips().size(), 50u);
  EXPECT_GE((*d)->countries().size(), 200u);
  EXPECT_EQ((*d)->first_effective().ToString(), "2023-11-17");
  for (const auto& r : (*d)->rules()) {
    EXPECT_FALSE(r.citation.empty()) << r.id << " must cite its rule";
    EXPECT_FALSE(r.summary.empty()) << r.id;
  }
}

TEST(Dataset, ResolvesCountriesByCodeNameAndAlias) {
  EXPECT_EQ(*Data().ResolveCountry("cn"), "CN");
  EXPECT_EQ(*Data().ResolveCountry("People's Republic of China"), "CN");
  EXPECT_EQ(*Data().ResolveCountry("Hong Kong"), "HK");
  EXPECT_EQ(*Data().ResolveCountry("macao"), "MO");
  EXPECT_EQ(*Data().ResolveCountry("UAE"), "AE");
  EXPECT_EQ(*Data().ResolveCountry("Burma"), "MM");
  EXPECT_EQ(*Data().ResolveCountry("Crimea"), "UA-43");
  EXPECT_FALSE(Data().ResolveCountry("Narnia").ok());
  EXPECT_FALSE(Data().ResolveCountry("").ok());
  EXPECT_EQ(Data().EffectiveCode("HK"), "CN");
}

TEST(Dataset, DatedCountryGroupMembership) {
  const Date before = *Date::Parse("2025-11-06"), after = *Date::Parse("2025-11-07");
  EXPECT_TRUE(Data().InGroup("KH", Group::D5, before));
  EXPECT_FALSE(Data().InGroup("KH", Group::D5, after));
  EXPECT_TRUE(Data().InGroup("KH", Group::D1, after));
  // Cyprus: out of D:5 by the note to D:5 since State lifted its denial policy (2022-10-01), though
  // BIS's table listed it until 2024-05-30; that window is unverified (decisions fail closed).
  EXPECT_FALSE(Data().InGroup("CY", Group::D5, *Date::Parse("2024-05-29")));
  EXPECT_FALSE(Data().Provenance("CY", Group::D5, *Date::Parse("2024-05-29")).verified);
  EXPECT_TRUE(Data().Provenance("CY", Group::D5, *Date::Parse("2024-05-30")).verified);
  EXPECT_FALSE(Data().InGroup("CY", Group::D5, *Date::Parse("2024-05-30")));
  EXPECT_TRUE(Data().InGroup("HK", Group::D5, after));  // treated as China
  EXPECT_FALSE(Data().InGroup("MO", Group::D5, after)); // Macau is not D:5
  EXPECT_TRUE(Data().InGroup("MO", Group::D1, after));
  EXPECT_TRUE(Data().InGroup("IL", Group::A6, after));
  EXPECT_TRUE(Data().InGroup("IR", Group::E1, after));
  EXPECT_TRUE(Data().InGroup("CU", Group::E2, after));
}

TEST(Dataset, FindsChipsCaseInsensitively) {
  auto h = Data().FindChip("h100 sxm5 80gb");
  ASSERT_TRUE(h.ok());
  EXPECT_DOUBLE_EQ(*(*h)->tpp, 15832);
  EXPECT_TRUE(Data().FindChip("nvidia-h100-sxm5-80gb").ok());
  EXPECT_TRUE(Data().FindChip("H20").ok());
  EXPECT_TRUE(Data().FindChip("MI300X").ok());
  auto ambiguous = Data().FindChip("H100");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.status().message().find("H100 PCIe 80GB"), std::string::npos);
  EXPECT_EQ(Data().FindChip("Z9000").status().code(), ErrorCode::kNotFound);
}

TEST(Dataset, UnknownChipSuggestsNearestNames) {
  auto typo = Data().FindChip("H100 SXM 80GB");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("did you mean \"H100 SXM5 80GB\""), std::string::npos) << typo.status().message();
  EXPECT_NE(Data().FindChip("MI300").status().message().find("MI300X"), std::string::npos) << Data().FindChip("MI300").status().message();
  // Nothing near: no suggestion, just the pointer to the catalog.
  EXPECT_EQ(Data().FindChip("Z9000").status().message().find("did you mean"), std::string::npos);
}

TEST(Dataset, ChipSourcesAreWholeEntries) {
  // One citation per entry: an entry split at a comma leaves a parenthesis open in one entry and
  // a dangling one in the next.
  for (const auto& c : Data().chips()) {
    for (const auto& src : c.sources) {
      EXPECT_EQ(std::count(src.begin(), src.end(), '('), std::count(src.begin(), src.end(), ')')) << c.name << ": " << src;
    }
  }
}

// A copy of the bundled data with one file edited, for rejection tests.
class BrokenData : public EditedDataTest {
 protected:
  Status LoadStatus() {
    auto d = Dataset::Load(dir_.string());
    return d.ok() ? Status::Ok() : d.status();
  }
};

TEST_F(BrokenData, RejectsBadDate) {
  Edit("regimes/acs-2023.json", [](auto& j) { j["effective"] = "2023-02-30"; });
  Status st = LoadStatus();
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.field().find("acs-2023.json"), std::string::npos) << st.ToString();
}

TEST_F(BrokenData, RejectsTppThatContradictsThroughput) {
  Edit("chips.json", [](auto& j) { j["chips"][0]["tpp"] = 9999; });
  EXPECT_NE(LoadStatus().ToString().find("chips[0].tpp"), std::string::npos);
}

TEST_F(BrokenData, RejectsUnknownCountryGroup) {
  Edit("countries.json", [](auto& j) { j["membership"][0]["group"] = "Z:9"; });
  EXPECT_FALSE(LoadStatus().ok());
}

TEST_F(BrokenData, RejectsDuplicateRuleId) {
  Edit("regimes/hbm-2024.json", [](auto& j) { j["rules"][1]["id"] = j["rules"][0]["id"]; });
  EXPECT_NE(LoadStatus().message().find("duplicate"), std::string::npos);
}

TEST_F(BrokenData, RejectsMissingThreshold) {
  Edit("regimes/acs-2023.json", [](auto& j) { j["parameters"]["thresholds_3a090"].erase("a2_pd"); });
  EXPECT_NE(LoadStatus().ToString().find("a2_pd"), std::string::npos);
}

TEST_F(BrokenData, RejectsMalformedJson) {
  std::ofstream(dir_ / "regimes" / "embargoes.json") << "{ not json";
  EXPECT_NE(LoadStatus().message().find("not valid JSON"), std::string::npos);
}

TEST(Dataset, MissingDirectoryIsAnError) {
  EXPECT_FALSE(Dataset::Load("/nonexistent/exportctl").ok());
}

}  // namespace
}  // namespace exportctl

namespace exportctl {
namespace {

// China-market parts without sourced figures are named as missing, not guessed or silently unknown.
TEST(Dataset, PartsMissingFromTheCatalogSaySo) {
  for (const char* q : {"B30A", "h20e", "RTX Pro 6000D"}) {
    auto c = Data().FindChip(q);
    ASSERT_FALSE(c.ok()) << q;
    EXPECT_NE(c.status().message().find("is not in the catalog"), std::string::npos) << c.status().message();
  }
  EXPECT_NE(Data().FindChip("Narnia 9000").status().message().find("unknown chip"), std::string::npos);
  // Figures from one source, a range, or no figure at all are not verified.
  for (const char* q : {"MI308X", "MLU590", "Ascend 910C", "B300", "RTX 5090 D"}) {
    auto c = Data().FindChip(q);
    ASSERT_TRUE(c.ok()) << q << ": " << c.status().message();
    EXPECT_FALSE((*c)->verified) << q;
    EXPECT_FALSE((*c)->verified_note.empty()) << q;
  }
}

}  // namespace
}  // namespace exportctl

namespace exportctl {
namespace {

// The classification notes state the thresholds the data gives, not figures written in code.
TEST_F(BrokenData, ClassificationNotesSayTheDataFigures) {
  Edit("regimes/hbm-2024.json", [](auto& j) { j["parameters"]["hbm_density_gbps_per_mm2"]["value"] = 2.5; });
  Edit("regimes/ai-diffusion-2025.json", [](auto& j) { j["parameters"]["model_weights_operations"]["value"] = 2e26; });
  auto d = Dataset::Load(dir_.string());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const Thresholds t = (*d)->ThresholdsOn(*Date::Parse("2025-06-01"), Posture::kCodified);
  EXPECT_EQ(t.hbm_above_note, "Memory bandwidth density above 2.5 GB/s/mm2 (3A090.c)");
  EXPECT_EQ(t.weights_note, "Model trained with 2e26 or more operations (4E091)");
  ItemSpec hbm;
  hbm.kind = ItemKind::kHbm;
  hbm.memory_bandwidth_density = 3.0;
  const Classification c = Classify(hbm, t);
  ASSERT_FALSE(c.notes.empty());
  EXPECT_EQ(c.notes.back(), "Memory bandwidth density above 2.5 GB/s/mm2 (3A090.c)");
}

// Whether 3A090.c and 4E091 exist on a date follows the rules of their steps, whatever the
// data calls those rules.
TEST_F(BrokenData, ClassesFollowTheirStepsNotRuleIds) {
  Edit("regimes/hbm-2024.json", [](auto& j) {
    for (auto& r : j["rules"]) {
      if (r["step"] == "classification_hbm") r["id"] = "hbm.renamed";
    }
  });
  Edit("regimes/ai-diffusion-2025.json", [](auto& j) {
    for (auto& r : j["rules"]) {
      if (r["step"] == "model_weights_4e091") r["id"] = "aid.renamed";
    }
  });
  auto d = Dataset::Load(dir_.string());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const Thresholds t = (*d)->ThresholdsOn(*Date::Parse("2025-06-01"), Posture::kCodified);
  EXPECT_TRUE(t.hbm_active);
  EXPECT_TRUE(t.weights_active);
}

}  // namespace
}  // namespace exportctl

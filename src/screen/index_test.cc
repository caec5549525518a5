#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "screen/screen.h"
#include "screen/test_data.h"

namespace exportctl::screen {
namespace {

LoadedList SmallList() {
  LoadedList l;
  l.version.list_id = "test";
  auto add = [&](ListSource s, PartyType t, std::string name, std::vector<std::string> alts,
                 std::string country) {
    ListRecord r;
    r.record_id = "r" + std::to_string(l.records.size() + 1);
    r.source = s;
    r.type = t;
    r.name = std::move(name);
    r.alt_names = std::move(alts);
    if (!country.empty()) r.countries.push_back(country);
    l.records.push_back(std::move(r));
  };
  add(ListSource::kEntityList, PartyType::kEntity,
      "Huawei Technologies Co., Ltd. (Huawei). Affiliated Entity: Beijing Huawei Longshine "
      "Information Technology Co., Ltd.",
      {}, "CN");
  add(ListSource::kSdn, PartyType::kEntity, "GAZPROMBANK", {"GAZPROM BANK OAO"}, "RU");
  add(ListSource::kSdn, PartyType::kIndividual, "MADURO MOROS, Nicolas", {}, "VE");
  add(ListSource::kEntityList, PartyType::kEntity, "11420 CORP.", {}, "RU");
  add(ListSource::kDeniedPersons, PartyType::kUnknown, "Lee?s Trading Company", {}, "HK");
  l.version.record_count = l.records.size();
  return l;
}

TEST(Screener, FindsNamesAliasesAffiliatesAndExplains) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = "Beijing Huawei Longshine Information Technology"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->record_id, "r1");
  EXPECT_NE((*hits)[0].Explain().find("longshine~longshine"), std::string::npos)
      << (*hits)[0].Explain();

  hits = index->Screen({.name = "Gazprom Bank"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->record_id, "r2");
  EXPECT_GE((*hits)[0].score, kCertainThreshold);

  hits = index->Screen({.name = "Nicolas Maduro Moros"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->record_id, "r3");

  hits = index->Screen({.name = "Lee's Trading Co"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->record_id, "r5");
}

TEST(Screener, LegalFormAloneIsNoHit) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = "BELLETECH CORP"});
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
}

TEST(Screener, CountryAndTypeFilters) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = "Gazprombank", .country = "RU"});
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 1u);
  hits = index->Screen({.name = "Gazprombank", .country = "FR"});
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
  hits = index->Screen({.name = "Gazprombank", .type = PartyType::kIndividual});
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
}

TEST(Screener, EmptyNameIsAnError) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = " ,. "});
  ASSERT_FALSE(hits.ok());
  EXPECT_EQ(hits.status().field(), "name");
}

void ExpectSameHits(const std::vector<Hit>& a, const std::vector<Hit>& b, const std::string& q) {
  ASSERT_EQ(a.size(), b.size()) << q;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].record_index, b[i].record_index) << q;
    EXPECT_EQ(a[i].score, b[i].score) << q;
    EXPECT_EQ(a[i].matched_name, b[i].matched_name) << q;
  }
}

// The index returns exactly what a full scan with the same scorer returns (real CSL, sampled
// treated UN names and negatives, at a low threshold so that many hits are compared).
TEST(Screener, IndexEqualsBruteForceOnTheCsl) {
  const std::string csl = testing::SharedData("csl/consolidated_2026-07-31.json");
  const std::string treated = testing::SharedData("eval/yente/positives_un_treated.csv");
  const std::string negatives = testing::SharedData("eval/yente/negatives_global.csv");
  SKIP_WITHOUT_SHARED(csl);
  SKIP_WITHOUT_SHARED(treated);
  SKIP_WITHOUT_SHARED(negatives);
  auto list = LoadListFile(csl);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  auto index = Screener::Build({std::move(list).value()});
  std::vector<std::string> queries = {"Huawei Technologies", "Gazprom Bank", "Sophgo",
                                      "Rosoboronexport",     "Mahan Air",    "BIREN TECHNOLOGY"};
  for (const std::string& path : {treated, negatives}) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    for (int i = 0; i < 200 && std::getline(in, line); ++i) {
      if (i % 20 != 0) continue;
      std::string name =
          line[0] == '"' ? line.substr(1, line.find('"', 1) - 1) : line.substr(0, line.find(','));
      queries.push_back(name);
    }
  }
  for (const auto& q : queries) {
    ScreenQuery query{.name = q, .threshold = 0.6, .limit = 50};
    auto fast = index->Screen(query);
    auto slow = index->ScreenBruteForce(query);
    ASSERT_TRUE(fast.ok() && slow.ok()) << q;
    ExpectSameHits(*fast, *slow, q);
  }
}

TEST(Screener, KnownCslNamesAreFound) {
  const std::string csl = testing::SharedData("csl/consolidated_2026-07-31.json");
  SKIP_WITHOUT_SHARED(csl);
  auto list = LoadListFile(csl);
  ASSERT_TRUE(list.ok());
  auto index = Screener::Build({std::move(list).value()});
  auto hits = index->Screen({.name = "Beijing Huawei Longshine Information Technology Co Ltd",
                             .sources = {ListSource::kEntityList}});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_GE((*hits)[0].score, kCertainThreshold);
  EXPECT_EQ((*hits)[0].record->source, ListSource::kEntityList);
  EXPECT_EQ((*hits)[0].record->Footnote(), 1) << (*hits)[0].record->license_requirement;

  hits = index->Screen({.name = "Biren Technology", .sources = {ListSource::kEntityList}});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->Footnote(), 4) << (*hits)[0].record->license_requirement;
}

}  // namespace
}  // namespace exportctl::screen

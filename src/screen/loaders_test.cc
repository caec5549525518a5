#include <algorithm>
#include <gtest/gtest.h>

#include "screen/screen.h"
#include "screen/sha256.h"
#include "screen/test_data.h"

namespace exportctl::screen {
namespace {

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(ParseListBytes, RejectsUnknownAndBrokenFiles) {
  EXPECT_FALSE(ParseListBytes("", "x.csv").ok());
  EXPECT_FALSE(ParseListBytes("hello world\n", "x.txt").ok());
  auto broken = ParseListBytes("{\"results\": [", "consolidated.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), ErrorCode::kInvalidInput);
  // The file is named in the message; the field is a path inside the file, not "consolidated.json".
  EXPECT_EQ(broken.status().field().rfind("consolidated.json", 0), std::string::npos) << broken.status().ToString();
  EXPECT_NE(broken.status().message().find("consolidated.json"), std::string::npos) << broken.status().ToString();
}

TEST(ParseListBytes, CslJsonFields) {
  const char* json =
      R"({"results":[{"id":"x1","source":"Entity List (EL) - Bureau of Industry and Security",
    "name":"Sophgo Technologies Ltd.","alt_names":["Sophgo"],"addresses":[{"country":"CN"}],
    "federal_register_notice":"90 FR 1","license_requirement":"For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)4",
    "license_policy":"Presumption of denial."}]})";
  auto l = ParseListBytes(json, "consolidated_2026-07-31.json");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  ASSERT_EQ(l->records.size(), 1u);
  const ListRecord& r = l->records[0];
  EXPECT_EQ(r.source, ListSource::kEntityList);
  EXPECT_EQ(r.Footnote(), 4);
  EXPECT_EQ(r.countries, std::vector<std::string>{"CN"});
  EXPECT_EQ(l->version.source_date, "2026-07-31");
  EXPECT_EQ(l->version.format, "csl-json");
}

TEST(ParseListBytes, KeepsTheCslFieldsTheCompatibleSearchShows) {
  const char* json =
      R"({"results":[{"id":"x2","source":"Specially Designated Nationals (SDN) - Treasury Department",
    "type":"Individual","name":"QARANI, Yusuf","addresses":[{"address":"1 Road","city":"Kabul","state":null,
    "postal_code":"1001","country":"AF"}],"dates_of_birth":["1961-03-12"],"nationalities":["AF"],
    "ids":[{"type":"Passport","number":"OR123","country":"AF"}],"remarks":"r","title":"Mullah"}]})";
  auto l = ParseListBytes(json, "consolidated_2026-07-31.json");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  const ListRecord& r = l->records[0];
  ASSERT_EQ(r.addresses.size(), 1u);
  EXPECT_EQ(r.addresses[0].city, "Kabul");
  EXPECT_EQ(r.addresses[0].postal_code, "1001");
  EXPECT_EQ(r.addresses[0].state, "");
  EXPECT_EQ(r.dates_of_birth, std::vector<std::string>{"1961-03-12"});
  ASSERT_EQ(r.ids.size(), 1u);
  EXPECT_EQ(r.ids[0].number, "OR123");
  EXPECT_EQ(r.other_fields, (std::vector<std::pair<std::string, std::string>>{{"title", "Mullah"}, {"remarks", "r"}}));

  // CSV: ";"-joined fields; an identifier is "type, number, country".
  auto csv = LoadListFile(std::string(EXPORTCTL_SHARED_DIR) + "/data/csl/consolidated_2025-06_sample.csv");
  if (csv.ok()) {
    const auto it = std::find_if(csv->records.begin(), csv->records.end(),
                                 [](const ListRecord& x) { return x.dates_of_birth == std::vector<std::string>{"1978-12-05"}; });
    ASSERT_NE(it, csv->records.end());
    EXPECT_EQ(it->nationalities, std::vector<std::string>{"KP"});
    ASSERT_FALSE(it->ids.empty());
    EXPECT_EQ(it->ids[0].type, "Passport");
    EXPECT_EQ(it->ids[0].number, "836238033");
    EXPECT_EQ(it->ids[0].country, "KP");
  }
}

TEST(ParseListBytes, OfacRemarksGiveBirthDatesNationalityAndDocuments) {
  const char* csv =
      "2676,\"AL ZAWAHIRI, Dr. Ayman\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
      "\"DOB 19 Jun 1951; POB Giza, Egypt; nationality Egypt; Passport 1084010 (Egypt); alt. Passport 19820215; "
      "Operational and Military Leader of JIHAD GROUP.\"\n";
  auto l = ParseListBytes(csv, "sdn_2024-05-03.csv");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  const ListRecord& r = l->records[0];
  EXPECT_EQ(r.dates_of_birth, std::vector<std::string>{"19 Jun 1951"});
  EXPECT_EQ(r.places_of_birth, std::vector<std::string>{"Giza, Egypt"});
  EXPECT_EQ(r.nationalities, std::vector<std::string>{"Egypt"});
  ASSERT_EQ(r.ids.size(), 2u);
  EXPECT_EQ(r.ids[0].number, "1084010");
  EXPECT_EQ(r.ids[0].country, "Egypt");
  EXPECT_EQ(r.ids[1].number, "19820215");
}

struct RealFile {
  const char* path;
  const char* format;
  size_t records;
};

TEST(LoadListFile, RealFiles) {
  const RealFile files[] = {
      {"csl/consolidated_2026-07-31.json", "csl-json", 25921},
      {"csl/consolidated_2025-06_sample.csv", "csl-csv", 13},
      {"csl/consolidated_2019_sample.csv", "csl-csv-legacy", 115},
      {"ofac/sdn_2024-05-03.csv", "ofac-csv", 14965},
      {"ofac/2021-07/sdn.csv", "ofac-csv+alt+add", 8976},
      {"ofac/consolidated-non-sdn/cons_prim.csv", "ofac-csv+alt+add", 442},
      {"bis/dpl_2022-09.txt", "bis-dpl-txt", 581},
  };
  for (const auto& f : files) {
    const std::string path = testing::SharedData(f.path);
    SKIP_WITHOUT_SHARED(path);
    auto l = LoadListFile(path);
    ASSERT_TRUE(l.ok()) << f.path << ": " << l.status().ToString();
    EXPECT_EQ(l->version.format, f.format) << f.path;
    EXPECT_EQ(l->records.size(), f.records) << f.path;
    EXPECT_EQ(l->version.sha256.size(), 64u);
  }
}

TEST(LoadListFile, DplSourceDateIgnoresImplausibleYears) {
  const std::string path = testing::SharedData("bis/dpl_2022-09.txt");
  SKIP_WITHOUT_SHARED(path);
  auto l = LoadListFile(path);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->version.source_date.substr(0, 4), "2022") << l->version.source_date;
}

TEST(LoadListFile, OfacAliasesFromAltCsv) {
  const std::string path = testing::SharedData("ofac/2021-07/sdn.csv");
  SKIP_WITHOUT_SHARED(path);
  auto l = LoadListFile(path);
  ASSERT_TRUE(l.ok());
  size_t aliases = 0;
  for (const auto& r : l->records) aliases += r.alt_names.size();
  EXPECT_GE(aliases, 11000u);
  auto index = Screener::Build({std::move(l).value()});
  auto hits = index->Screen({.name = "National Bank of Cuba"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->name, "BANCO NACIONAL DE CUBA");
  EXPECT_TRUE((*hits)[0].alias);
}

TEST(LoadListFile, CslCsvIsnSuffixAndCountries) {
  const std::string path = testing::SharedData("csl/consolidated_2025-06_sample.csv");
  SKIP_WITHOUT_SHARED(path);
  auto l = LoadListFile(path);
  ASSERT_TRUE(l.ok());
  auto index = Screener::Build({std::move(l).value()});
  auto hits = index->Screen({.name = "Sinobright Import and Export Company"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_GE((*hits)[0].score, kCertainThreshold);
  EXPECT_EQ((*hits)[0].record->source, ListSource::kNonproliferation);
}

}  // namespace
}  // namespace exportctl::screen

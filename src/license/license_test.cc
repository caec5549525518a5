#include "license/license.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "data/test_data.h"

namespace exportctl::license {
namespace {

using nlohmann::json;

json Example() {
  return json::parse(R"({"number": "D1234567", "holder": "Example Exporter Inc", "issued": "2026-02-01",
   "expires": "2028-01-31", "destinations": ["AE"],
   "items": [{"eccn": "3A090.a", "chip": "B300 SXM", "quantity": 35000}],
   "tpp_limit": null, "value_usd_limit": null,
   "parties": [{"role": "ultimate_consignee", "name": "Example Compute LLC", "country": "AE"}],
   "conditions": ["No reexport without BIS authorization", "Quarterly end-use reports"]})");
}

std::string TempDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("lic-test-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir.string();
}

TEST(LicenseFile, TheIssueExampleParses) {
  auto l = ParseLicense(Example().dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->number, "D1234567");
  EXPECT_EQ(l->destinations, std::vector<std::string>{"AE"});
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0].eccn, "3A090.a");
  EXPECT_EQ(l->items[0].chip, "B300 SXM (HGX, Blackwell Ultra)");
  EXPECT_EQ(l->quantity_limit(), 35000);
  EXPECT_FALSE(l->tpp_limit);
  EXPECT_EQ(l->parties[0].country, "AE");
  EXPECT_EQ(l->conditions.size(), 2u);
}

TEST(LicenseFile, CountriesAreResolvedFromNames) {
  json j = Example();
  j["destinations"] = {"United Arab Emirates"};
  auto l = ParseLicense(j.dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->destinations[0], "AE");
}

struct Bad {
  const char* name;
  std::function<void(json&)> edit;
  const char* field;
};

TEST(LicenseFile, BadFilesNameTheField) {
  const std::vector<Bad> cases = {
      {"unknown eccn", [](json& j) { j["items"][0]["eccn"] = "3A999.x"; }, "items[0].eccn"},
      {"unknown chip", [](json& j) { j["items"][0]["chip"] = "Nonexistent Z9"; }, "items[0].chip"},
      {"empty eccn beside a chip", [](json& j) { j["items"][0]["eccn"] = ""; }, "items[0].eccn"},
      {"empty chip beside an eccn", [](json& j) { j["items"][0] = {{"eccn", "3A090.a"}, {"chip", ""}, {"quantity", 5}}; }, "items[0].chip"},
      {"negative quantity", [](json& j) { j["items"][0]["quantity"] = -5; }, "items[0].quantity"},
      {"zero quantity", [](json& j) { j["items"][0]["quantity"] = 0; }, "items[0].quantity"},
      {"fractional quantity", [](json& j) { j["items"][0]["quantity"] = 1.5; }, "items[0].quantity"},
      {"negative tpp limit", [](json& j) { j["tpp_limit"] = -1; }, "tpp_limit"},
      {"negative value limit", [](json& j) { j["value_usd_limit"] = -100; }, "value_usd_limit"},
      {"expiry before issue", [](json& j) { j["expires"] = "2026-01-31"; }, "expires"},
      {"bad date", [](json& j) { j["issued"] = "2026-02-30"; }, "issued"},
      {"unknown destination", [](json& j) { j["destinations"] = {"AE", "ZZ"}; }, "destinations[1]"},
      {"no destination", [](json& j) { j["destinations"] = json::array(); }, "destinations"},
      {"unknown party country", [](json& j) { j["parties"][0]["country"] = "Atlantis"; }, "parties[0].country"},
      {"unknown role", [](json& j) { j["parties"][0]["role"] = "friend"; }, "parties[0].role"},
      {"no parties", [](json& j) { j["parties"] = json::array(); }, "parties"},
      {"item with neither", [](json& j) { j["items"][0] = {{"quantity", 5}}; }, "items[0]"},
      {"no number", [](json& j) { j.erase("number"); }, "number"},
      {"number with colon", [](json& j) { j["number"] = "D1:2"; }, "number"},
      {"unknown field", [](json& j) { j["expiry"] = "2028-01-31"; }, "expiry"},
      {"unknown item field", [](json& j) { j["items"][0]["qty"] = 3; }, "items[0].qty"},
      {"condition not text", [](json& j) { j["conditions"] = {1}; }, "conditions[0]"},
      {"control character", [](json& j) { j["holder"] = "A\nB"; }, "holder"},
      {"eccn contradicting the chip", [](json& j) { j["items"][0]["eccn"] = "4A090.a"; }, "items[0].eccn"},
      {"specs beside a chip", [](json& j) { j["items"][0]["tpp"] = 20000; }, "items[0].tpp"},
      {"specs without an eccn", [](json& j) { j["items"][0] = {{"tpp", 20000}}; }, "items[0]"},
      {"negative spec", [](json& j) { j["items"][0] = {{"eccn", "3A090.a"}, {"memory_bandwidth_gbps", -1}}; }, "items[0].memory_bandwidth_gbps"},
      {"spec not a number", [](json& j) { j["items"][0] = {{"eccn", "3A090.a"}, {"tpp", "high"}}; }, "items[0].tpp"},
      {"unknown spec", [](json& j) { j["items"][0] = {{"eccn", "3A090.a"}, {"die_area", 800}}; }, "items[0].die_area"},
      {"party id with a colon", [](json& j) { j["parties"][0]["id"] = "CUST:7"; }, "parties[0].id"},
      {"party name without a letter", [](json& j) { j["parties"][0]["name"] = "--"; }, "parties[0].name"},
  };
  for (const auto& c : cases) {
    json j = Example();
    c.edit(j);
    auto l = ParseLicense(j.dump(), BundledData());
    ASSERT_FALSE(l.ok()) << c.name;
    EXPECT_EQ(l.status().code(), ErrorCode::kInvalidInput) << c.name;
    EXPECT_EQ(l.status().field(), c.field) << c.name << ": " << l.status().ToString();
  }
  // A key given twice: JSON leaves it undefined which one counts, so the file is refused.
  std::string twice = Example().dump();
  twice.insert(1, R"("number": "D9999999", )");
  auto dup = ParseLicense(twice, BundledData());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().field(), "number") << dup.status().ToString();
  EXPECT_FALSE(ParseLicense("{\"number\": ", BundledData()).ok());
  EXPECT_FALSE(ParseLicense("[]", BundledData()).ok());
}

TEST(LicenseStore, VersionsAreAppendedNeverOverwritten) {
  const std::string dir = TempDir();
  LicenseStore store(dir);
  EXPECT_EQ(store.List()->size(), 0u);  // no file yet: nothing, not an error
  EXPECT_EQ(store.Get("D1234567").status().code(), ErrorCode::kNotFound);

  auto l = ParseLicense(Example().dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  auto v1 = store.Add(*l, "cli:alice");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->change, "added");
  EXPECT_FALSE(v1->recorded_at.empty());
  EXPECT_EQ(store.Add(*l, "cli:alice").status().code(), ErrorCode::kConflict);
  // The same number spelt otherwise is the same license, not a second one with a fresh limit.
  json respelt = Example();
  respelt["number"] = "d-1234567";
  auto r = ParseLicense(respelt.dump(), BundledData());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->number, "D1234567");
  EXPECT_EQ(store.Add(*r, "cli:alice").status().code(), ErrorCode::kConflict);
  EXPECT_TRUE(store.Get("d1234567").ok());

  License amended = *l;
  amended.items[0].quantity = 40000;
  auto v2 = store.Amend(amended, "cli:bob", "BIS amendment A1");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(store.Get("D1234567")->items[0].quantity, 40000);

  EXPECT_EQ(store.Revoke("D1234567", "cli:bob", "").status().field(), "reason");
  auto v3 = store.Revoke("D1234567", "cli:carol", "Revoked by BIS letter of 2026-09-01");
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  EXPECT_EQ(v3->version, 3);
  EXPECT_EQ(v3->status, LicenseStatus::kRevoked);
  EXPECT_EQ(store.Revoke("D1234567", "cli:carol", "again").status().code(), ErrorCode::kConflict);
  EXPECT_EQ(store.Amend(amended, "cli:bob", "").status().code(), ErrorCode::kConflict);

  License other = *l;
  other.number = "D7654321";
  EXPECT_EQ(store.Amend(other, "cli:bob", "").status().code(), ErrorCode::kNotFound);

  auto versions = store.Versions("D1234567");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].items[0].quantity, 35000);  // version 1 is intact
  EXPECT_EQ((*versions)[0].actor, "cli:alice");
  EXPECT_EQ((*versions)[1].items[0].quantity, 40000);
  EXPECT_EQ((*versions)[2].reason, "Revoked by BIS letter of 2026-09-01");
  ASSERT_EQ(store.List()->size(), 1u);
  EXPECT_EQ((*store.List())[0].version, 3);

  // The table refuses edits made behind the store's back.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store.path().c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE license_versions SET status='active'", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM license_versions", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(store.Versions("D1234567")->size(), 3u);
  std::filesystem::remove_all(dir);
}

TEST(LicenseFile, AWholeEntryMayBeNamedWithItsChip) {
  json j = Example();
  j["items"][0]["eccn"] = "3A090";  // the chip is 3A090.a
  EXPECT_TRUE(ParseLicense(j.dump(), BundledData()).ok());
}

// A line of explicit specs (15 CFR 750.7: the license describes the items it authorizes): an ECCN
// with the most an item may have of each figure, kept as written by the store.
TEST(LicenseFile, ALineOfExplicitSpecsIsKept) {
  const std::string dir = TempDir();
  json j = Example();
  j["items"][0] = {{"eccn", "3A090.a"}, {"tpp", 20000}, {"performance_density", 25}, {"memory_bandwidth_gbps", 8000},
                   {"quantity", 500}};
  auto l = ParseLicense(j.dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->items[0].tpp, 20000);
  EXPECT_EQ(l->items[0].performance_density, 25);
  EXPECT_EQ(l->items[0].memory_bandwidth_gbps, 8000);
  EXPECT_FALSE(l->items[0].interconnect_bandwidth_gbps);
  LicenseStore store(dir);
  ASSERT_TRUE(store.Add(*l, "cli:alice").ok());
  auto back = store.Get("D1234567");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->items[0].tpp, 20000);
  EXPECT_EQ(back->items[0].memory_bandwidth_gbps, 8000);
  EXPECT_EQ(json::parse(LicenseToJson(*back))["items"][0]["performance_density"], 25);
  std::filesystem::remove_all(dir);
}

// A per-customer account is kept under who the party is, not where the license lists it.
TEST(LicenseFile, ACustomerIsKnownByItsIdElseItsFoldedName) {
  LicenseParty a{"ultimate_consignee", "Example Compute LLC", "AE", ""};
  LicenseParty b{"ultimate_consignee", "EXAMPLE COMPUTE, L.L.C.", "AE", ""};
  EXPECT_EQ(CustomerIdentity(a), "example compute");
  EXPECT_EQ(CustomerIdentity(b), CustomerIdentity(a));
  LicenseParty c{"ultimate_consignee", "Example Compute Holdings LLC", "AE", "CUST-77"};
  EXPECT_EQ(CustomerIdentity(c), "id=CUST-77");
  json j = Example();
  j["parties"][0]["id"] = "CUST-77";
  auto l = ParseLicense(j.dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->parties[0].id, "CUST-77");
  EXPECT_EQ(json::parse(LicenseToJson(*l))["parties"][0]["id"], "CUST-77");
  const std::vector<License> held = {*l};
  LicenseIndex index(held);
  const HeldLicense* h = index.Find("D1234567");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->parties[0].customer, "id=CUST-77");
  EXPECT_EQ(LicenseCustomerMeasure(h->parties[0].customer), "customer=id=CUST-77");
}

// An amendment may reorder parties and add them anywhere (each keeps its account); one that
// gives a party already named another identity (an id added, dropped or changed) is refused.
TEST(LicenseStore, AnAmendmentKeepsEachPartysIdentity) {
  const std::string dir = TempDir();
  LicenseStore store(dir);
  json j = Example();
  j["parties"].push_back({{"role", "ultimate_consignee"}, {"name", "Falcon Compute FZ-LLC"}, {"country", "AE"}, {"id", "F-1"}});
  auto l = ParseLicense(j.dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  ASSERT_TRUE(store.Add(*l, "cli:alice").ok());
  License reordered = *l;
  std::swap(reordered.parties[0], reordered.parties[1]);
  reordered.parties.insert(reordered.parties.begin(), LicenseParty{"ultimate_consignee", "Oasis Cloud LLC", "AE", ""});
  reordered.effective = Date::Parse("2026-03-01").value();
  auto v2 = store.Amend(reordered, "cli:bob", "Oasis Cloud added first");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  License with_id = reordered;
  with_id.parties[2].id = "E-9";  // Example Compute LLC had none
  with_id.effective = Date::Parse("2026-03-02").value();
  EXPECT_EQ(store.Amend(with_id, "cli:bob", "id added").status().field(), "parties[2].id");
  License changed = reordered;
  changed.parties[1].id = "F-2";
  changed.effective = Date::Parse("2026-03-02").value();
  EXPECT_EQ(store.Amend(changed, "cli:bob", "id changed").status().field(), "parties[1].id");
  License renamed = reordered;
  renamed.parties[1].name = "Falcon Compute Holdings FZ-LLC";  // the id keeps the account
  renamed.effective = Date::Parse("2026-03-02").value();
  EXPECT_TRUE(store.Amend(renamed, "cli:bob", "renamed").ok());
  EXPECT_EQ(store.Versions(l->number)->size(), 3u);
  std::filesystem::remove_all(dir);
}

TEST(LicenseStore, AnAmendmentKeepsEachLineInItsPlace) {
  const std::string dir = TempDir();
  LicenseStore store(dir);
  json j = Example();
  j["items"].push_back({{"chip", "H200 SXM 141GB"}, {"quantity", 100}});
  auto l = ParseLicense(j.dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  ASSERT_TRUE(store.Add(*l, "cli:alice").ok());
  License swapped = *l;
  std::swap(swapped.items[0], swapped.items[1]);
  auto bad = store.Amend(swapped, "cli:bob", "reordered");
  EXPECT_EQ(bad.status().field(), "items[0]") << bad.status().ToString();
  License dropped = *l;
  dropped.items.pop_back();
  EXPECT_EQ(store.Amend(dropped, "cli:bob", "dropped").status().field(), "items[1]");
  License added = *l;
  added.items.push_back({.eccn = "4A090.a", .chip = "", .quantity = 10});
  EXPECT_TRUE(store.Amend(added, "cli:bob", "a line added after the others").ok());
  EXPECT_EQ(store.Versions(l->number)->size(), 2u);
  std::filesystem::remove_all(dir);
}

// Every version is kept with the day it takes effect; the engine weighs the one in force on the
// order's date (an amendment from its own date, else the day recorded; a revocation likewise).
TEST(LicenseStore, VersionsTakeEffectFromTheirDates) {
  const std::string dir = TempDir();
  LicenseStore store(dir);
  auto l = ParseLicense(Example().dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  auto v1 = store.Add(*l, "cli:alice");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->effective, l->issued);
  json j = Example();
  j["destinations"] = {"AE", "SA"};
  j["effective"] = "2026-07-01";
  auto a = ParseLicense(j.dump(), BundledData());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(store.Amend(*a, "cli:bob", "A1").ok());
  j["effective"] = "2026-06-30";  // before version 2 takes effect
  EXPECT_EQ(store.Amend(*ParseLicense(j.dump(), BundledData()), "cli:bob", "A2").status().field(), "effective");
  j["effective"] = "2026-01-01";  // before the issuing date: refused by the file's own check
  EXPECT_EQ(ParseLicense(j.dump(), BundledData()).status().field(), "effective");
  json added = Example();
  added["effective"] = "2026-03-01";
  EXPECT_EQ(store.Add(*ParseLicense(added.dump(), BundledData()), "cli:alice").status().field(), "effective");
  ASSERT_TRUE(store.Revoke("D1234567", "cli:carol", "BIS letter", Date::FromYmd(2026, 8, 1)).ok());

  auto all = store.AllVersions();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  const LicenseIndex index(*all);
  EXPECT_EQ(index.size(), 1u);
  const HeldLicense* latest = index.Find("D1234567");
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->version, 3);
  EXPECT_EQ(latest->InForceOn(Date::FromYmd(2026, 1, 31)), nullptr);  // before the issuing date
  EXPECT_EQ(latest->InForceOn(Date::FromYmd(2026, 6, 30))->version, 1);
  EXPECT_EQ(latest->InForceOn(Date::FromYmd(2026, 7, 1))->version, 2);
  EXPECT_FALSE(latest->InForceOn(Date::FromYmd(2026, 7, 31))->revoked);
  EXPECT_TRUE(latest->InForceOn(Date::FromYmd(2026, 8, 1))->revoked);
  EXPECT_EQ(latest->Version(1)->destinations, std::vector<std::string>{"AE"});
  // Found by what any version covers: SA only from version 2.
  std::vector<const HeldLicense*> found;
  index.Candidates("SA", "3A090.a", "B300 SXM (HGX, Blackwell Ultra)", found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], latest);

  // An amendment without a date of its own takes effect the day it is recorded.
  const std::string dir2 = TempDir() + "-2";
  LicenseStore store2(dir2);
  ASSERT_TRUE(store2.Add(*l, "cli:alice").ok());
  auto undated = store2.Amend(*l, "cli:bob", "A1");
  ASSERT_TRUE(undated.ok()) << undated.status().ToString();
  EXPECT_EQ(undated->effective, TodayUtc());
  EXPECT_EQ((*store2.Versions("D1234567"))[1].effective, TodayUtc());
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir2);
}

TEST(LicenseAttention, ExpiringWithinThirtyDays) {
  auto l = ParseLicense(Example().dump(), BundledData());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(ExpiryAttention(*l, Date::FromYmd(2027, 12, 31)), "");
  EXPECT_NE(ExpiryAttention(*l, Date::FromYmd(2028, 1, 1)), "");
  EXPECT_NE(ExpiryAttention(*l, Date::FromYmd(2028, 1, 31)), "");
  EXPECT_EQ(ExpiryAttention(*l, Date::FromYmd(2028, 2, 1)), "");  // expired: authorizes nothing
  l->status = LicenseStatus::kRevoked;
  EXPECT_EQ(ExpiryAttention(*l, Date::FromYmd(2028, 1, 10)), "");
}

// A check reads the licenses naming its consignee word for word, else those sharing a word with
// it, at most a given number, those sharing the most words first.
TEST(LicenseIndex, CandidatesByTheConsigneesNameAndWords) {
  std::vector<License> held;
  const char* names[] = {"Example Compute LLC", "Example Compute Holdings LLC", "Falcon Compute LLC", "Desert Data LLC"};
  for (int n = 0; n < 4; ++n) {
    json j = Example();
    j["number"] = "D300000" + std::to_string(n);
    j["parties"][0]["name"] = names[n];
    auto l = ParseLicense(j.dump(), BundledData());
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    held.push_back(*l);
  }
  const LicenseIndex index(held);
  const std::string chip = "B300 SXM (HGX, Blackwell Ultra)";
  std::vector<const HeldLicense*> found;
  index.CandidatesNaming("AE", "3A090.a", chip, "EXAMPLE COMPUTE, LLC", found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->number, "D3000000");
  found.clear();
  index.CandidatesNaming("AE", "3A090.a", chip, "Example Computer LLC", found);
  EXPECT_TRUE(found.empty());
  EXPECT_EQ(index.CandidatesAlike("AE", "3A090.a", chip, "Example Compute Group", 2, found), 3u);
  ASSERT_EQ(found.size(), 2u);  // the two sharing "example" and "compute"; "Falcon Compute" left out
  EXPECT_EQ(found[0]->number, "D3000000");
  EXPECT_EQ(found[1]->number, "D3000001");
  found.clear();
  EXPECT_EQ(index.CandidatesAlike("SA", "3A090.a", chip, "Example Compute Group", 2, found), 0u);
}

// The engine's view: candidates by destination and ECCN entry or chip; party names compared by
// the screening matcher, and names sharing no identifying word refused without it.
TEST(LicenseIndex, FindsByDestinationAndItemAndComparesPartyNames) {
  auto l = ParseLicense(Example().dump(), BundledData());
  ASSERT_TRUE(l.ok());
  json whole = Example();
  whole["number"] = "D2000000";
  whole["items"] = json::parse(R"([{"eccn": "3A090", "quantity": null}])");
  auto w = ParseLicense(whole.dump(), BundledData());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const LicenseIndex index({*l, *w});
  std::vector<const HeldLicense*> found;
  index.Candidates("AE", "3A090.a", "B300 SXM (HGX, Blackwell Ultra)", found);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->number, "D1234567");
  EXPECT_EQ(found[1]->number, "D2000000");  // the whole entry covers its paragraph
  found.clear();
  index.Candidates("SA", "3A090.a", "B300 SXM (HGX, Blackwell Ultra)", found);
  EXPECT_TRUE(found.empty());
  found.clear();
  index.Candidates("AE", "4A090.a", "", found);
  EXPECT_TRUE(found.empty());
  ASSERT_NE(index.Find("D1234567"), nullptr);
  EXPECT_EQ(index.Find("D1234567")->units_limit(), 35000);
  EXPECT_EQ(index.Find("D7654321"), nullptr);
  const std::string& licensed = index.Find("D1234567")->parties[0].name;
  EXPECT_GE(index.CompareNames(licensed, "EXAMPLE COMPUTE, LLC"), kCertainNameMatch);
  EXPECT_EQ(index.CompareNames(licensed, "Falcon Desert Cloud FZ-LLC"), 0);
}

// A revocation recorded by any process is weighed from the next look at the store.
TEST(LicenseSource, ReadsTheStoreAgainWhenItChanges) {
  const std::string dir = TempDir();
  const LicenseSource source(dir);
  EXPECT_EQ(source.Current(), nullptr);  // nothing recorded: no license weighed
  auto l = ParseLicense(Example().dump(), BundledData());
  ASSERT_TRUE(l.ok());
  LicenseStore store(dir);
  ASSERT_TRUE(store.Add(*l, "test").ok());
  std::this_thread::sleep_for(LicenseSource::kRecheck + std::chrono::milliseconds(50));
  auto now = source.Current();
  ASSERT_NE(now, nullptr);
  ASSERT_NE(now->Find("D1234567"), nullptr);
  EXPECT_FALSE(now->Find("D1234567")->revoked);
  ASSERT_TRUE(store.Revoke("D1234567", "test", "BIS letter").ok());
  std::this_thread::sleep_for(LicenseSource::kRecheck + std::chrono::milliseconds(50));
  auto after = source.Current();
  ASSERT_NE(after, nullptr);
  EXPECT_TRUE(after->Find("D1234567")->revoked);
  EXPECT_EQ(after->Find("D1234567")->revocation_reason, "BIS letter");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace exportctl::license

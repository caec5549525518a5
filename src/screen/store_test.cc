#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <random>

#include "screen/index_cache.h"
#include "screen/party_screener.h"
#include "screen/party_store.h"
#include "screen/screen.h"
#include "screen/test_data.h"

namespace exportctl::screen {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("screen_test_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& p, const std::string& content) { std::ofstream(p) << content; }

const char* kListV1 = R"({"results":[
  {"id":"a","source":"Entity List (EL) - Bureau of Industry and Security","name":"Sophgo Technologies Ltd.","addresses":[{"country":"CN"}],"federal_register_notice":"90 FR 1","license_requirement":"For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)4"},
  {"id":"b","source":"Denied Persons List (DPL) - Bureau of Industry and Security","name":"Acme Smuggling Inc","federal_register_notice":"80 FR 2"}]})";
const char* kListV2 = R"({"results":[
  {"id":"a","source":"Entity List (EL) - Bureau of Industry and Security","name":"Sophgo Technologies Ltd.","alt_names":["Suanneng"],"addresses":[{"country":"CN"}],"federal_register_notice":"90 FR 1","license_requirement":"For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)4"},
  {"id":"c","source":"Unverified List (UVL) - Bureau of Industry and Security","name":"Atlas Sanatgaran"}]})";

// A data directory and two versions of a list written beside it.
struct TwoListVersions {
  TempDir dir;
  fs::path v1 = fs::path(dir.str()) / "consolidated_2026-01-01.json";
  fs::path v2 = fs::path(dir.str()) / "consolidated_2026-02-01.json";
  ListStore store{dir.str() + "/data"};
  TwoListVersions() {
    WriteFile(v1, kListV1);
    WriteFile(v2, kListV2);
  }
};

// Names of the records a query finds, best first, with their scores and explanations.
std::vector<std::string> Screened(const Screener& index, const std::string& name) {
  std::vector<std::string> out;
  auto hits = index.Screen({.name = name, .threshold = 0.5});
  if (!hits.ok()) return {hits.status().ToString()};
  for (const Hit& h : *hits) out.push_back(h.record->record_id + " " + h.Explain());
  return out;
}

// A truncated download must not replace a list: listed parties it leaves out would clear.
TEST(ListStore, AnEmptyOrTruncatedListIsRefusedUnlessTheShrinkIsAllowed) {
  TempDir dir;
  ListStore store(dir.str() + "/data");
  auto list_of = [&](const std::string& date, int n) {
    std::string body = R"({"results":[)";
    for (int i = 0; i < n; ++i) {
      body += (i ? "," : "") + std::string(R"({"id":"r)") + std::to_string(i) +
              R"(","source":"Entity List (EL) - Bureau of Industry and Security","name":"Company Number )" +
              std::to_string(i) + R"( Ltd"})";
    }
    const fs::path p = fs::path(dir.str()) / ("consolidated_" + date + ".json");
    WriteFile(p, body + "]}");
    return p.string();
  };
  const std::string empty = list_of("2026-01-01", 0);
  auto refused = store.Import(empty);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "file");
  EXPECT_NE(refused.status().message().find("no list records"), std::string::npos) << refused.status().message();

  ASSERT_TRUE(store.Import(list_of("2026-01-02", 200)).ok());
  const std::string truncated = list_of("2026-01-03", 99);
  auto shrunk = store.Import(truncated);
  ASSERT_FALSE(shrunk.ok());
  EXPECT_NE(shrunk.status().message().find("holds 99 records where the csl list it replaces (2026-01-02) held 200"),
            std::string::npos)
      << shrunk.status().message();
  auto status = store.Status();
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->size(), 1u);
  EXPECT_EQ((*status)[0].record_count, 200u) << "nothing was imported";
  EXPECT_FALSE(store.Import(empty).ok()) << "an empty file never replaces a list";

  EXPECT_TRUE(store.Import(list_of("2026-01-04", 100)).ok()) << "half the records is a shrink we accept";
  auto allowed = store.Import(truncated, /*allow_shrink=*/true);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->previous->records.size(), 100u);
  EXPECT_TRUE(store.Import(empty, /*allow_shrink=*/true).ok());
}

TEST(ListStore, IndexCacheIsUsedOnlyWhenCurrentAndIntact) {
  TwoListVersions t;
  const fs::path &v1 = t.v1, &v2 = t.v2;
  const TempDir& dir = t.dir;
  ListStore& store = t.store;
  auto none = store.OpenIndex();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store.Import(v1.string()).ok());

  auto built = store.OpenIndex();  // parses and builds, writes the cache
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const fs::path cache = fs::path(dir.str()) / "data" / "screen" / "index.cache";
  ASSERT_TRUE(fs::exists(cache));
  // From the cache: it loads with the stored list files moved away, and gives the same
  // versions, records and hits.
  const fs::path files = fs::path(dir.str()) / "data" / "lists" / "files";
  fs::rename(files, files.string() + ".away");
  auto cached = store.OpenIndex();
  fs::rename(files.string() + ".away", files);
  ASSERT_TRUE(cached.ok()) << cached.status().ToString();
  EXPECT_EQ((*cached)->versions()[0].ToString(), (*built)->versions()[0].ToString());
  EXPECT_EQ((*cached)->records()[0].license_requirement, (*built)->records()[0].license_requirement);
  EXPECT_EQ((*cached)->name_count(), (*built)->name_count());
  for (const char* q : {"Sophgo Technology", "Acme Smugling", "SOPGO"}) {
    EXPECT_EQ(Screened(**cached, q), Screened(**built, q)) << q;
    EXPECT_FALSE(Screened(**cached, q).empty()) << q;
  }

  // A damaged cache is ignored (and rewritten); damage in the lazily checked sections is
  // DamagedCacheSectionsAreFoundBeforeUse.
  {
    std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(cache) - 30));
    f.put('\x5a');
  }
  auto after_damage = store.OpenIndex();
  ASSERT_TRUE(after_damage.ok());
  EXPECT_EQ(Screened(**after_damage, "Sophgo Technology"), Screened(**built, "Sophgo Technology"));

  // A newer import makes the cache stale: the new record is found, the removed one is not.
  ASSERT_TRUE(store.Import(v2.string()).ok());
  auto updated = store.OpenIndex();
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ((*updated)->records().size(), 2u);
  EXPECT_FALSE(Screened(**updated, "Atlas Sanatgaran").empty());
  EXPECT_TRUE(Screened(**updated, "Acme Smuggling").empty());
}

// The cache is mapped and used in place; records are parsed when a query shows them.
TEST(ListStore, MappedIndexCacheIsReadInPlaceAndNeverUsedDamaged) {
  TwoListVersions t;
  ASSERT_TRUE(t.store.Import(t.v1.string()).ok());
  auto built = t.store.OpenIndex();  // builds and writes the cache
  ASSERT_TRUE(built.ok());
  const fs::path cache = fs::path(t.dir.str()) / "data" / "screen" / "index.cache";
  const auto size = fs::file_size(cache);
  auto mapped = t.store.OpenIndex();
  ASSERT_TRUE(mapped.ok());
  // A hit's record is parsed from the mapping; every record equals the built one.
  auto hits = (*mapped)->Screen({.name = "Sophgo Technologies", .threshold = 0.5});
  ASSERT_TRUE(hits.ok() && !hits->empty());
  EXPECT_EQ((*hits)[0].record->name, "Sophgo Technologies Ltd.");
  ASSERT_EQ((*mapped)->records().size(), (*built)->records().size());
  for (size_t i = 0; i < (*built)->records().size(); ++i) {
    const ListRecord &a = (*built)->records()[i], &b = (*mapped)->records()[i];
    EXPECT_EQ(a.ContentHash(), b.ContentHash());
    EXPECT_EQ(a.record_id, b.record_id);
    EXPECT_EQ(a.addresses.size(), b.addresses.size());
    EXPECT_EQ(a.other_fields, b.other_fields);
  }
  // A cache cut short is not used: rebuilt and written whole again.
  fs::resize_file(cache, size - 100);
  auto after_cut = t.store.OpenIndex();
  ASSERT_TRUE(after_cut.ok());
  EXPECT_EQ(Screened(**after_cut, "Sophgo Technology"), Screened(**built, "Sophgo Technology"));
  EXPECT_EQ(fs::file_size(cache), size);
  // A cache of another format version is not used either.
  {
    std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(23);  // the N of "exportctl screen index N"
    f.put('9');
  }
  auto after_version = t.store.OpenIndex();
  ASSERT_TRUE(after_version.ok());
  EXPECT_EQ(Screened(**after_version, "Sophgo Technology"), Screened(**built, "Sophgo Technology"));
  std::ifstream in(cache, std::ios::binary);
  std::string magic(25, '\0');
  in.read(magic.data(), 25);
  EXPECT_EQ(magic, "exportctl screen index 5\n");
  // An index in use stays valid when a newer import replaces the cache file under it.
  auto in_use = t.store.OpenIndex();
  ASSERT_TRUE(in_use.ok());
  ASSERT_TRUE(t.store.Import(t.v2.string()).ok());
  auto newer = t.store.OpenIndex();
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(Screened(**in_use, "Sophgo Technology"), Screened(**built, "Sophgo Technology"));
  EXPECT_FALSE(Screened(**newer, "Atlas Sanatgaran").empty());
}

// The records and the key tables' slots are checked lazily, when a query reaches them (a
// single `screen` reads a few blocks, not the whole file); damage there fails the query that
// meets it (never an empty or partial result), removes the cache and the next open rebuilds it.
// Damage anywhere else is found when the cache is opened, which then rebuilds it.
TEST(ListStore, DamagedCacheSectionsAreFoundBeforeUse) {
  TwoListVersions t;
  ASSERT_TRUE(t.store.Import(t.v1.string()).ok());
  auto built = t.store.OpenIndex();
  ASSERT_TRUE(built.ok());
  const std::vector<std::string> expected = Screened(**built, "Sophgo Technology");
  ASSERT_FALSE(expected.empty());
  const fs::path cache = fs::path(t.dir.str()) / "data" / "screen" / "index.cache";
  std::string original;
  {
    std::ifstream in(cache, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto lazy = internal::LazyCacheSections(original);
  ASSERT_EQ(lazy.size(), 3u);  // the records, the deletion-key slots, the phonetic-key slots
  auto write = [&](const std::string& bytes) {
    std::ofstream out(cache, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  auto damaged_in = [&](size_t begin, size_t end, size_t step) {
    std::string bytes = original;
    for (size_t at = begin; at < end; at += step) bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
    return bytes;
  };

  // Every block of the deletion-key slots damaged: the first probe finds it.
  write(damaged_in(lazy[1].first, lazy[1].second, 16384));
  {
    auto mapped = t.store.OpenIndex();  // opens: only the eager part is checked here
    ASSERT_TRUE(mapped.ok());
    auto hits = (*mapped)->Screen({.name = "Sophgo Technology", .threshold = 0.5});
    ASSERT_FALSE(hits.ok());
    EXPECT_EQ(hits.status().code(), ErrorCode::kDataError);
    EXPECT_NE(hits.status().message().find("damaged"), std::string::npos);
    EXPECT_FALSE(fs::exists(cache));  // removed, so the next process rebuilds it
    EXPECT_FALSE((*mapped)->Screen({.name = "Acme", .threshold = 0.5}).ok());  // and stays failed
  }
  auto rebuilt = t.store.OpenIndex();
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(Screened(**rebuilt, "Sophgo Technology"), expected);
  EXPECT_TRUE(fs::exists(cache));

  // A damaged record: found when it is parsed; the query then fails.
  write(damaged_in((lazy[0].first + lazy[0].second) / 2, (lazy[0].first + lazy[0].second) / 2 + 1, 1));
  {
    auto mapped = t.store.OpenIndex();
    ASSERT_TRUE(mapped.ok());
    (*mapped)->records();  // parses every record
    EXPECT_FALSE((*mapped)->Screen({.name = "Sophgo Technology", .threshold = 0.5}).ok());
  }

  // Damage outside the lazy sections (the per-name arrays after them): the cache is not used.
  write(damaged_in(lazy[2].second + 64, lazy[2].second + 65, 1));
  auto reopened = t.store.OpenIndex();
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(Screened(**reopened, "Sophgo Technology"), expected);
  // The intact cache written again is used, and reads the lazy sections without complaint.
  write(original);
  auto intact = t.store.OpenIndex();
  ASSERT_TRUE(intact.ok());
  EXPECT_EQ(Screened(**intact, "Sophgo Technology"), expected);
  EXPECT_EQ((*intact)->records().size(), (*built)->records().size());
}

TEST(ListStore, ImportStatusReplaceAndDiff) {
  TwoListVersions t;
  const fs::path &v1 = t.v1, &v2 = t.v2;
  ListStore& store = t.store;
  auto first = store.Import(v1.string());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->previous.has_value());
  auto second = store.Import(v2.string());
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->previous.has_value());
  auto status = store.Status();
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->size(), 1u);
  EXPECT_EQ((*status)[0].source_date, "2026-02-01");
  EXPECT_EQ((*status)[0].record_count, 2u);

  const ListDiff diff = DiffLists(*second->previous, second->list);
  ASSERT_EQ(diff.added.size(), 1u);
  EXPECT_EQ(diff.added[0]->name, "Atlas Sanatgaran");
  ASSERT_EQ(diff.removed.size(), 1u);
  EXPECT_EQ(diff.removed[0]->name, "Acme Smuggling Inc");
  ASSERT_EQ(diff.changed.size(), 1u);
  EXPECT_EQ(diff.changed[0].second->alt_names.size(), 1u);

  auto all = store.LoadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].version.sha256, second->list.version.sha256);
}

TEST(PartyScreener, ListingsFootnotesDispositionsAndNoLists) {
  TempDir dir;
  const std::string data = dir.str() + "/data";
  auto none = OpenPartyScreener(data);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kNotFound);

  const fs::path v1 = fs::path(dir.str()) / "consolidated_2026-01-01.json";
  WriteFile(v1, kListV1);
  ASSERT_TRUE(ListStore(data).Import(v1.string()).ok());
  auto screener = OpenPartyScreener(data);
  ASSERT_TRUE(screener.ok()) << screener.status().ToString();
  Party party;
  party.name = "SOPHGO TECHNOLOGIES LIMITED";
  const Date as_of = Date::FromYmd(2026, 3, 1);
  auto listings = (*screener)->Screen(party, as_of);
  ASSERT_TRUE(listings.ok());
  ASSERT_EQ(listings->size(), 1u);
  EXPECT_EQ((*listings)[0].list, RestrictedList::kEntityList);
  EXPECT_EQ((*listings)[0].footnote, 4);
  EXPECT_EQ((*listings)[0].score, 1.0);
  EXPECT_EQ((*listings)[0].citation, "90 FR 1");
  EXPECT_EQ((*listings)[0].record_id, "a");
  ASSERT_EQ((*screener)->ListVersions().size(), 1u);

  party.name = "Sopgo Technologies";  // a possible match keeps its score below 1
  listings = (*screener)->Screen(party, as_of);
  ASSERT_TRUE(listings.ok());
  ASSERT_EQ(listings->size(), 1u);
  EXPECT_LT((*listings)[0].score, 1.0);

  // Clear the pair until 2026-06-01.
  const ListRecord& record = (*screener)->index().records()[0];
  Disposition d{.party = "Sopgo Technologies",
                .record_id = "a",
                .record_hash = record.ContentHash(),
                .reason = "different company, verified registration",
                .expires = Date::FromYmd(2026, 6, 1),
                .cleared_by = "officer",
                .cleared_on = "2026-03-01"};
  ASSERT_TRUE(DispositionStore(data).Add(d).ok());
  screener = OpenPartyScreener(data);
  ASSERT_TRUE(screener.ok());
  listings = (*screener)->Screen(party, as_of);
  ASSERT_TRUE(listings.ok());
  EXPECT_TRUE(listings->empty());
  listings = (*screener)->Screen(party, Date::FromYmd(2026, 7, 1));  // expired
  ASSERT_TRUE(listings.ok());
  EXPECT_EQ(listings->size(), 1u);
}

// Hits on State and Treasury lists outside the EAR reach the engine too (it sends them to an
// officer) instead of being dropped.
TEST(PartyScreener, EveryListBecomesAListing) {
  TempDir dir;
  const std::string data = dir.str() + "/data";
  const fs::path file = fs::path(dir.str()) / "consolidated_2026-01-01.json";
  WriteFile(file, R"({"results":[
    {"id":"n","source":"Nonproliferation Sanctions (ISN) - State Department","name":"Zenith Rocket Propellant Works"},
    {"id":"d","source":"ITAR Debarred (DTC) - State Department","name":"Harbor Arms Brokerage"}]})");
  ASSERT_TRUE(ListStore(data).Import(file.string()).ok());
  auto screener = OpenPartyScreener(data);
  ASSERT_TRUE(screener.ok()) << screener.status().ToString();
  Party party;
  party.name = "Zenith Rocket Propellant Works";
  auto listings = (*screener)->Screen(party, Date::FromYmd(2026, 3, 1));
  ASSERT_TRUE(listings.ok());
  ASSERT_EQ(listings->size(), 1u);
  EXPECT_EQ((*listings)[0].list, RestrictedList::kNonproliferationSanctions);
  party.name = "Harbor Arms Brokerage";
  listings = (*screener)->Screen(party, Date::FromYmd(2026, 3, 1));
  ASSERT_TRUE(listings.ok());
  ASSERT_EQ(listings->size(), 1u);
  EXPECT_EQ((*listings)[0].list, RestrictedList::kItarDebarred);
}

TEST(PartyStore, KeepsEachNameOnceAcrossReopensAndSkipsATornLine) {
  TempDir dir;
  {
    auto store = PartyStore::Open(dir.str());
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE((*store)->Names().empty());
    ASSERT_TRUE((*store)->Remember("Contoso Ltd", "2026-11-29").ok());
    ASSERT_TRUE((*store)->Remember("Contoso Ltd", "2026-11-29").ok());
    ASSERT_TRUE((*store)->Remember("", "2026-11-29").ok());
    ASSERT_TRUE((*store)->Remember("Fabrikam GmbH", "2026-11-29").ok());
  }
  std::ofstream(fs::path(dir.str()) / "screen" / "parties.jsonl", std::ios::app) << R"({"party":"Torn)";
  auto again = PartyStore::Open(dir.str());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Names(), (std::vector<std::string>{"Contoso Ltd", "Fabrikam GmbH"}));
}

// Parties screened for a decision are kept, so that `lists import` re-screens them.
TEST(PartyScreener, KeepsTheScreenedParties) {
  TempDir dir;
  const std::string data = dir.str() + "/data";
  const fs::path v1 = fs::path(dir.str()) / "consolidated_2026-01-01.json";
  WriteFile(v1, kListV1);
  ASSERT_TRUE(ListStore(data).Import(v1.string()).ok());
  auto screener = OpenPartyScreener(data);
  ASSERT_TRUE(screener.ok());
  Party party;
  party.name = "Northwind Traders";
  ASSERT_TRUE((*screener)->Screen(party, Date::FromYmd(2026, 3, 1)).ok());
  auto kept = PartyStore::Open(data);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ((*kept)->Names(), std::vector<std::string>{"Northwind Traders"});
}

TEST(DispositionStore, RejectsIncompleteDispositions) {
  TempDir dir;
  DispositionStore store(dir.str());
  Disposition d;
  EXPECT_EQ(store.Add(d).field(), "party");
  d.party = "x";
  d.record_id = "r";
  d.reason = "ok";
  EXPECT_EQ(store.Add(d).field(), "expires");
  d.expires = Date::FromYmd(2026, 6, 1);
  EXPECT_EQ(store.Add(d).field(), "cleared_on");
  // Validated as ledger entries are (core/validate.h): printable text, a real reason, an expiry
  // after the day it is made and within the horizon.
  d.cleared_on = "2026-03-01";
  const struct {
    std::function<void(Disposition&)> mutate;
    const char* field;
  } refused[] = {
      {[](Disposition& x) { x.expires = Date::FromYmd(2026, 2, 1); }, "expires"},
      {[](Disposition& x) { x.expires = Date::FromYmd(2026, 3, 1); }, "expires"},
      {[](Disposition& x) { x.expires = Date::FromYmd(9999, 12, 31); }, "expires"},
      {[](Disposition& x) { x.reason = "  "; }, "reason"},
      {[](Disposition& x) { x.reason = std::string(100 * 1024, 'x'); }, "reason"},
      {[](Disposition& x) { x.reason = "ok\r\nforged line"; }, "reason"},
      {[](Disposition& x) { x.party = "Sopgo\nTech"; }, "party"},
      {[](Disposition& x) { x.party = "Huawei \xe2\x80\xae"; }, "party"},
  };
  for (const auto& r : refused) {
    Disposition bad = d;
    r.mutate(bad);
    EXPECT_EQ(store.Add(bad).field(), r.field);
  }
  EXPECT_TRUE(store.Add(d).ok());
  EXPECT_EQ(store.Add(d, 30).field(), "expires");  // a tighter horizon
}

TEST(DiffLists, RealSdnUpdate) {
  const std::string old_path = testing::SharedData("ofac/sdn_2024-05-02.csv");
  const std::string new_path = testing::SharedData("ofac/sdn_2024-05-03.csv");
  SKIP_WITHOUT_SHARED(old_path);
  SKIP_WITHOUT_SHARED(new_path);
  auto a = LoadListFile(old_path);
  auto b = LoadListFile(new_path);
  ASSERT_TRUE(a.ok() && b.ok());
  const ListDiff diff = DiffLists(*a, *b);
  EXPECT_EQ(diff.removed.size(), 8u);
  EXPECT_TRUE(diff.added.empty());
}

// A list older than the allowed age (or undated) is stale, and the screener says so on the day
// it is used: the warning names the list and its date.
TEST(ListAges, StaleAndUndatedListsWarnNamingTheListAndItsDate) {
  ListVersion csl{.list_id = "csl", .file_name = "consolidated_2026-07-31.json", .source_date = "2026-07-31"};
  ListVersion dpl{.list_id = "bis-dpl", .file_name = "dpl.txt", .source_date = ""};
  ListVersion sdn{.list_id = "ofac-sdn", .file_name = "sdn.csv", .source_date = "2026-11-25"};
  const auto ages = ListAges({csl, dpl, sdn}, Date::FromYmd(2026, 11, 30), kDefaultMaxListAgeDays);
  ASSERT_EQ(ages.size(), 3u);
  EXPECT_TRUE(ages[0].stale);
  EXPECT_EQ(ages[0].age_days, 122);
  EXPECT_NE(ages[0].warning.find("csl"), std::string::npos) << ages[0].warning;
  EXPECT_NE(ages[0].warning.find("2026-07-31"), std::string::npos) << ages[0].warning;
  EXPECT_TRUE(ages[1].stale) << "an undated list cannot be shown current";
  EXPECT_FALSE(ages[2].stale);
  EXPECT_TRUE(ages[2].warning.empty());
  EXPECT_EQ(StaleListWarnings({csl, sdn}, Date::FromYmd(2026, 8, 7), 7).size(), 0u);
  EXPECT_EQ(StaleListWarnings({csl, sdn}, Date::FromYmd(2026, 8, 8), 7).size(), 1u);

  TempDir dir;
  const std::string data = dir.str() + "/data";
  const fs::path v1 = fs::path(dir.str()) / "consolidated_2026-01-01.json";
  WriteFile(v1, kListV1);
  ASSERT_TRUE(ListStore(data).Import(v1.string()).ok());
  auto fresh = OpenPartyScreener(data, {.max_age_days = 7, .today = [] { return Date::FromYmd(2026, 1, 5); }});
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE((*fresh)->Caveats().empty());
  auto stale = OpenPartyScreener(data, {.max_age_days = 7, .today = [] { return Date::FromYmd(2026, 3, 1); }});
  ASSERT_TRUE(stale.ok());
  ASSERT_EQ((*stale)->Caveats().size(), 1u);
  EXPECT_NE((*stale)->Caveats()[0].find("2026-01-01"), std::string::npos);
}

}  // namespace
}  // namespace exportctl::screen

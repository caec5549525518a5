#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "ownership/ownership.h"

namespace exportctl::ownership {
namespace {

TEST(Share, ReadsTheWaysSourcesWriteIt) {
  EXPECT_EQ(*ParseShare("60", "f")->low, 60);
  EXPECT_EQ(*ParseShare("60%", "f")->low, 60);
  EXPECT_EQ(*ParseShare("50.5 %", "f")->low, 50.5);
  auto r = ParseShare("25-50%", "f");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->low, 25);
  EXPECT_EQ(*r->high, 50);
  EXPECT_FALSE(ParseShare("", "f")->known());
  EXPECT_EQ(ParseShare("101", "f").status().field(), "f");
  EXPECT_FALSE(ParseShare("-1", "f").ok());
  EXPECT_FALSE(ParseShare("half", "f").ok());
  EXPECT_FALSE(ParseShare("50-25", "f").ok());
}

}  // namespace
}  // namespace exportctl::ownership

namespace exportctl::ownership {
namespace {

Graph Parse(const std::string& text, const std::string& file = "g.csv") {
  auto g = ParseGraph(text, file);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return g.ok() ? std::move(g).value() : Graph{};
}

const char* kHeader = "owner,owned,percent,source,as_of,owner_country,owned_country,start_date,end_date\n";

// A FollowTheMoney record without "properties" (or with some, but not the one read) is an input
// error naming the missing property, never a read of an absent object (found by fuzzing).
TEST(FollowTheMoney, ARecordWithoutPropertiesIsAnErrorNotACrash) {
  auto g = ParseGraph(R"({"id":"o1","schema":"Ownership","popterries":{"owner":["c1"]}})" "\n", "g.jsonl");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().field(), "g.jsonl:1.properties.owner");
  auto company = ParseGraph(R"({"id":"c1","schema":"Company"})" "\n", "c.jsonl");
  ASSERT_TRUE(company.ok()) << company.status().ToString();  // an entity with nothing to say
  EXPECT_TRUE(company->edges.empty());
}

// A country code that is not ISO 3166 ("XX") would match no party and silently keep the entity
// from being found: an input error naming the line and column.
TEST(Csv, AnUnknownCountryCodeIsAnErrorNotAnEntityNobodyMatches) {
  auto g = ParseGraph(std::string(kHeader) + "X,A,60,Orbis,2026-10-01,CN,XX,,\n", "g.csv");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().field(), "g.csv:2.owned_country");
  EXPECT_TRUE(ParseGraph(std::string(kHeader) + "X,A,60,Orbis,2026-10-01,cn,my,,\n", "g.csv").ok());
}

// A column given twice is refused (which of the two shares counts is not known; the last one
// used to win silently), an unknown column is named, "≥50%" reads as ">=50%", and a file without
// a stake does not replace the graph in use unless that is what the caller asks for.
TEST(Csv, ARepeatedColumnIsRefusedAndAnUnknownOneIsNamed) {
  auto twice = ParseGraph("owner,owned,percent,source,as_of,owner_country,owned_country,percent\nS,P,60,x,2026-10-01,CN,MY,10\n", "g.csv");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().field(), "g.csv:1.percent");
  auto unknown = ParseGraph("owner,owned,percent,source,as_of,enddate\nS,P,60,x,2026-10-01,2020-01-01\n", "g.csv");
  ASSERT_TRUE(unknown.ok()) << unknown.status().ToString();
  ASSERT_EQ(unknown->warnings.size(), 1u);
  EXPECT_NE(unknown->warnings[0].find("\"enddate\""), std::string::npos);
  EXPECT_EQ(*ParseShare("\u226550%", "f")->low, 50);
  const std::string dir = ::testing::TempDir() + "/own-empty-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  GraphStore store(dir);
  ASSERT_TRUE(store.Import(*unknown).ok());
  auto empty = ParseGraph("owner,owned,percent,source,as_of\n", "empty.csv");
  ASSERT_TRUE(empty.ok());
  auto refused = store.Import(*empty);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "empty.csv");
  EXPECT_EQ(store.Load()->edges.size(), 1u);  // the graph in use stays
  ASSERT_TRUE(store.Import(*empty, /*allow_empty=*/true).ok());
  EXPECT_EQ(store.Load()->edges.size(), 0u);
  std::filesystem::remove_all(dir);
}

// FollowTheMoney properties are lists: none of their values is dropped silently.
TEST(FollowTheMoney, SeveralValuesAreReadNotTruncatedToTheFirst) {
  const std::string entities =
      R"({"id":"c1","schema":"Company","properties":{"name":["Owner Co"],"country":["cn"]}})" "\n"
      R"({"id":"c2","schema":"Company","properties":{"name":["Penang Compute Sdn Bhd"],"country":["sg","my"]}})" "\n";
  // Two owners in one statement cannot be one share.
  auto two = ParseGraph(entities + R"({"id":"o1","schema":"Ownership","properties":{"owner":["c1","c2"],"asset":["c2"],"percentage":["60"]}})" "\n", "g.jsonl");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().field(), "g.jsonl:3.properties.owner");
  // Several countries: not known, so no party is ruled out by it; several dates: the widest span.
  Graph g = Parse(entities + R"({"id":"o1","schema":"Ownership","properties":{"owner":["c1"],"asset":["c2"],"percentage":["60"],)"
                  R"("startDate":["2027-01-01","2019"],"endDate":["2020-06-30","2030"]}})" "\n", "g.jsonl");
  ASSERT_EQ(g.edges.size(), 1u);
  EXPECT_EQ(g.entities[g.edges[0].owned].country, "");
  EXPECT_TRUE(g.edges[0].ActiveOn(*Date::Parse("2019-01-01")));
  EXPECT_TRUE(g.edges[0].ActiveOn(*Date::Parse("2030-12-31")));
  EXPECT_FALSE(g.edges[0].ActiveOn(*Date::Parse("2031-01-01")));
}

TEST(Store, AnImportReplacesTheGraphWholeAndKeepsThePreviousOne) {
  const std::string dir = ::testing::TempDir() + "/own-store-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  GraphStore store(dir);
  EXPECT_EQ(store.Load().status().code(), ErrorCode::kNotFound);
  Graph g1 = Parse(std::string(kHeader) + "X,A,60,Orbis,2026-10-01,CN,MY,,\nY,A,25-40%,Orbis,2026-10-01,CN,MY,2020-01,2026\n");
  auto i1 = store.Import(g1);
  ASSERT_TRUE(i1.ok()) << i1.status().ToString();
  EXPECT_EQ(i1->version, 1);
  auto bad = ParseGraph(std::string(kHeader) + "X,A,60,Orbis,2026-10-01,CN,MY,,\nY,A,60,Orbis,2026-10-01,CN,MY,,\n", "bad.csv");
  EXPECT_EQ(bad.status().field(), "bad.csv:3.percent");
  auto loaded = store.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->version, 1);
  ASSERT_EQ(loaded->edges.size(), 2u);
  EXPECT_EQ(loaded->edges[1].share.ToString(), "25–40%");
  EXPECT_EQ(loaded->edges[1].start->ToString(), "2020-01-01");
  EXPECT_EQ(loaded->edges[1].end->ToString(), "2026-12-31");
  EXPECT_EQ(loaded->SourceOf(loaded->edges[0]), "g.csv:2 (Orbis as of 2026-10-01)");
  ASSERT_EQ(loaded->ByName("x").size(), 1u);
  Graph g2 = Parse(std::string(kHeader) + "X,A,70,Orbis,2026-11-01,CN,MY,,\nZ,B,10,Orbis,2026-11-01,CN,MY,,\n");
  ASSERT_TRUE(store.Import(g2).ok());
  auto now = store.Load();
  auto before = store.Load(true);
  ASSERT_TRUE(now.ok() && before.ok());
  EXPECT_EQ(now->version, 2);
  EXPECT_EQ(before->version, 1);
  GraphDiff d = Diff(*before, *now);
  EXPECT_EQ(d.changes.size(), 3u);  // X→A changed, Y→A removed, Z→B added
  EXPECT_EQ(d.entities_added.size(), 2u);
  EXPECT_EQ(d.entities_removed.size(), 1u);
  std::filesystem::remove_all(dir);
}

struct Fixture {
  Graph g;
  std::set<std::string> listed;
  CoverageCalculator calc;
  explicit Fixture(const std::string& csv, std::set<std::string> l)
      : g(Parse(std::string(kHeader) + csv)), listed(std::move(l)), calc(g, [this](const Entity& e) {
          ListedStatus s;
          if (listed.count(e.name)) s = {ListedStatus::Carries::kYes, "entity_list"};
          return s;
        }, "test") {}
  const Coverage& Of(const std::string& name, const char* date = "2026-11-30") {
    return calc.Of(g.ByName(name).at(0), *Date::Parse(date));
  }
};

TEST(Coverage, AggregatesWithoutMultiplyingAlongAChain) {
  Fixture f("X,A,50,s,2026-10-01,CN,HK,,\nX,B,50,s,2026-10-01,CN,HK,,\nA,C,25,s,2026-10-01,HK,MY,,\nB,C,25,s,2026-10-01,HK,MY,,\n"
            "X,D,40,s,2026-10-01,CN,HK,,\nD,E,100,s,2026-10-01,HK,MY,,\n", {"X"});
  EXPECT_EQ(f.Of("C").state, Coverage::State::kCovered);  // 25 + 25 through covered A and B
  EXPECT_EQ(f.Of("C").share, 50);
  ASSERT_EQ(f.Of("C").paths.size(), 2u);
  EXPECT_EQ(f.Of("C").paths[0], "\"X\" (entity_list) → 50% of \"A\" → 25% of \"C\"");
  EXPECT_EQ(f.Of("E").state, Coverage::State::kNotCovered);  // D is 40% owned: not covered
  EXPECT_TRUE(f.Of("X").listed);
}

// A US entity is not covered itself (as `check` answers for a US party), but whether its stake
// counts in what it owns is open: that stays for review.
TEST(Coverage, AUsEntityIsNotCoveredButItsStakeStaysOpen) {
  Fixture f("X,U,100,s,2026-10-01,CN,US,,\nU,M,100,s,2026-10-01,US,MY,,\n", {"X"});
  EXPECT_EQ(f.Of("U").state, Coverage::State::kNotCovered);
  EXPECT_TRUE(f.Of("U").us_stake_open);
  EXPECT_EQ(f.Of("M").state, Coverage::State::kUncertain);
}

TEST(Coverage, RangesAndDates) {
  Fixture f("X,A,50-60%,s,2026-10-01,CN,MY,,\nX,B,40-60%,s,2026-10-01,CN,MY,,\nX,C,70,s,2026-10-01,CN,MY,,2026-11-29\nX,D,,s,2026-10-01,CN,MY,,\n", {"X"});
  EXPECT_EQ(f.Of("A").state, Coverage::State::kCovered);
  EXPECT_EQ(f.Of("B").state, Coverage::State::kUncertain);
  EXPECT_EQ(f.Of("C").state, Coverage::State::kNotCovered);
  EXPECT_EQ(f.Of("C", "2026-11-29").state, Coverage::State::kCovered);
  EXPECT_EQ(f.Of("D").state, Coverage::State::kUncertain);
  EXPECT_TRUE(f.Of("D").red_flag_29);
}

}  // namespace
}  // namespace exportctl::ownership

#include "ownership/graph_owners.h"

namespace exportctl::ownership {
namespace {

std::string Describe(const std::vector<Owner>& owners) {
  std::string s;
  for (const auto& o : owners) {
    std::string aka;
    for (const auto& a : o.aliases) aka += "aka " + a + "|";
    s += "[" + o.name + "|" + aka + o.country + "|" + (o.percent ? std::to_string(*o.percent) : "?") + "|" +
         (o.percent_max ? std::to_string(*o.percent_max) : "") + "|" + o.source + "|" + Describe(o.owners) + "]";
  }
  return s;
}
std::string Describe(const Result<GraphOwners>& r) {
  if (!r.ok()) return "error " + r.status().ToString();
  std::string s = r->entity + "\n" + r->match + "\n" + Describe(r->owners) + "\n";
  for (const auto& d : r->doubts) s += d + "\n";
  for (const auto& u : r->unweighed) s += "unweighed: " + u + "\n";
  for (const auto& [i, o] : r->also_stated) s += "also stated #" + std::to_string(i) + ": " + Describe(std::vector<Owner>{o}) + "\n";
  for (const auto& c : r->candidates) s += "candidate " + c.entity + " (" + c.match + "): " + Describe(c.owners) + "\n";
  return s;
}

// A walk cut past its bounds says so (the Affiliates Rule step then does not clear the party),
// and a chain as deep as the coverage calculation follows is walked whole.
TEST(GraphView, ACutWalkNamesTheCutAndADeepChainIsFollowed) {
  std::string csv = "owner,owned,percent,source,as_of,owner_country,owned_country\n";
  for (int i = 0; i < 5001; ++i) csv += "Holder " + std::to_string(i) + ",Wide Party Bhd,0.01,Registry,2026-10-01,MY,MY\n";
  csv += "Top Holdco,Layer 1 Ltd,100,Orbis,2026-10-01,CN,HK\n";
  for (int i = 1; i < 10; ++i) csv += "Layer " + std::to_string(i) + " Ltd,Layer " + std::to_string(i + 1) + " Ltd,100,Orbis,2026-10-01,HK,HK\n";
  csv += "Layer 10 Ltd,Deep Party Bhd,100,Orbis,2026-10-01,HK,MY\n";
  auto g = ParseGraph(csv, "g.csv");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  GraphOwnership view(std::make_shared<Graph>(std::move(g).value()));
  const Date d = *Date::Parse("2026-11-30");
  Party wide;
  wide.name = "Wide Party Bhd";
  auto w = view.OwnersOf(wide, d);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->owners.size(), 5000u);
  ASSERT_EQ(w->unweighed.size(), 1u);
  EXPECT_NE(w->unweighed[0].find("more than 5000 owners"), std::string::npos) << w->unweighed[0];
  Party deep;
  deep.name = "Deep Party Bhd";
  auto dp = view.OwnersOf(deep, d);
  ASSERT_TRUE(dp.ok());
  EXPECT_TRUE(dp->unweighed.empty());
  const Owner* o = &dp->owners.at(0);
  int levels = 1;
  while (!o->owners.empty()) o = &o->owners[0], ++levels;
  EXPECT_EQ(levels, 11);
  EXPECT_EQ(o->name, "Top Holdco");
}

// A party stated with an owner the graph also has gets the graph's account beside it; a party
// only possibly in the graph gets the candidate entity with its owners.
TEST(GraphView, StatedOwnersAndPossibleMatchesAreHandedOnNotDropped) {
  auto g = ParseGraph("owner,owned,percent,source,as_of,owner_country,owned_country\n"
                      "Shenzhen Holdco,Penang Compute Sdn Bhd,50.5 %,Orbis,2026-10-01,CN,MY\n",
                      "g.csv");
  ASSERT_TRUE(g.ok());
  GraphOwnership view(std::make_shared<Graph>(std::move(g).value()));
  const Date d = *Date::Parse("2026-11-30");
  Party p;
  p.name = "Penang Compute Sdn Bhd";
  p.owners.push_back(Owner{.name = "Other Co", .percent = 5});
  p.owners.push_back(Owner{.name = "SHENZHEN HOLDCO", .percent = 10});
  auto r = view.OwnersOf(p, d);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->owners.empty());
  ASSERT_EQ(r->also_stated.size(), 1u);
  EXPECT_EQ(r->also_stated[0].first, 1u);
  EXPECT_EQ(*r->also_stated[0].second.percent, 50.5);
  Party maybe;
  maybe.name = "Penang Kompute Sdn Bhd";
  maybe.country = "MY";
  auto m = view.OwnersOf(maybe, d);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->entity.empty());
  ASSERT_EQ(m->candidates.size(), 1u);
  EXPECT_EQ(m->candidates[0].entity, "\"Penang Compute Sdn Bhd\" (name:penang compute sdn bhd)");
  ASSERT_EQ(m->candidates[0].owners.size(), 1u);
  EXPECT_EQ(m->candidates[0].owners[0].name, "Shenzhen Holdco");
  EXPECT_EQ(m->doubts.size(), 1u);
}

TEST(StoredView, AnswersAsTheLoadedGraphWithoutLoadingIt) {
  const std::string dir = ::testing::TempDir() + "/own-view-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(StoredGraphOwnership::Open(dir)->get(), nullptr);  // none imported: no owners, not an error
  const std::string csv =
      "owner,owned,percent,source,as_of,owner_country,owned_country,owner_id,owned_id,start_date,end_date\n"
      "Huawei Technologies Co Ltd,Acme Holding Ltd,60,Orbis,2026-10-01,CN,HK,,HK-1,,\n"
      "Acme Holding Ltd,Penang Compute Sdn Bhd,55,Orbis,2026-10-01,HK,MY,HK-1,,,\n"
      "Someone Else,Penang Compute Sdn Bhd,20-30%,Registry,2026-10-01,SG,MY,,,2020,2026-11-01\n"
      "Penang Compute Sdn Bhd,Kedah Chips Bhd,100,Registry,2026-10-01,MY,MY,,,,\n"
      "Kedah Chips Bhd,Kedah Chips Services,,Registry,2026-10-01,MY,MY,,,,\n";
  auto g = ParseGraph(csv, "g.csv");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_TRUE(GraphStore(dir).Import(*g).ok());
  auto loaded = GraphStore(dir).Load();
  ASSERT_TRUE(loaded.ok());
  GraphOwnership memory(std::make_shared<Graph>(std::move(loaded).value()));
  auto stored = StoredGraphOwnership::Open(dir);
  ASSERT_TRUE(stored.ok() && *stored) << stored.status().ToString();
  EXPECT_EQ((*stored)->Version(), memory.Version());
  const Date d = *Date::Parse("2026-11-30");
  std::vector<Party> parties(7);
  parties[0].name = "Penang Compute Sdn Bhd";
  parties[0].country = "MY";
  parties[1].party_id = "HK-1";
  parties[1].name = "Whatever";
  parties[2].name = "PENANG COMPUTE SDN. BHD.";
  parties[3].name = "Penang Computer Sdn Bhd";  // the matcher
  parties[3].country = "MY";
  parties[4].name = "Nobody Known Corp";
  parties[5].name = "Kedah Chips Services";
  parties[5].owners.push_back(Owner{.name = "Kedah Chips Bhd"});
  parties[6].name = "Penang Compute Sdn Bhd";
  parties[6].country = "DE";  // another country: not the same entity by name
  for (size_t i = 0; i < parties.size(); ++i) {
    EXPECT_EQ(Describe((*stored)->OwnersOf(parties[i], d)), Describe(memory.OwnersOf(parties[i], d))) << "party " << i;
  }
  EXPECT_NE(Describe((*stored)->OwnersOf(parties[0], d)).find("g.csv:3 (Orbis as of 2026-10-01)"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir + "/ownership.matcher"));  // built once, read by the next check
  auto again = StoredGraphOwnership::Open(dir);
  EXPECT_EQ(Describe((*again)->OwnersOf(parties[3], d)), Describe(memory.OwnersOf(parties[3], d)));
  std::filesystem::remove_all(dir);
}

// An entity's other names (FollowTheMoney: further `name` values, `alias`, `previousName`) are
// kept through the store, find the entity as its name does, and go with it as an owner, so a
// party or a listing under any of them is not missed.
TEST(StoredView, AnEntityIsFoundByEveryNameItGoesBy) {
  const std::string dir = ::testing::TempDir() + "/own-aliases-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const std::string ftm =
      R"({"id":"c1","schema":"Company","properties":{"name":["Guangdong New Holdco","Shenzhen Holdco"],"previousName":["SZ Holdco Old"],"weakAlias":["SZH"],"country":["cn"]}})" "\n"
      R"({"id":"c2","schema":"Company","properties":{"name":["Penang Compute Sdn Bhd","PCSB Malaysia"],"alias":["Penang AI Cloud","PENANG COMPUTE SDN. BHD."],"country":["my"]}})" "\n"
      R"({"id":"o1","schema":"Ownership","properties":{"owner":["c1"],"asset":["c2"],"percentage":["60"]}})" "\n";
  Graph g = Parse(ftm, "g.jsonl");
  ASSERT_EQ(g.entities.size(), 2u);
  ASSERT_EQ(g.warnings.size(), 1u);  // weakAlias is said to be unused, not dropped silently
  EXPECT_NE(g.warnings[0].find("weakAlias"), std::string::npos);
  // The alias that folds as the name is not kept twice.
  EXPECT_EQ(g.entities[1].aliases, (std::vector<std::string>{"PCSB Malaysia", "Penang AI Cloud"}));
  EXPECT_EQ(g.entities[0].aliases, (std::vector<std::string>{"Shenzhen Holdco", "SZ Holdco Old"}));
  EXPECT_EQ(g.ByName("penang ai cloud"), (std::vector<uint32_t>{1}));
  EXPECT_EQ(g.ByName("Penang Compute Sdn Bhd"), (std::vector<uint32_t>{1}));
  ASSERT_TRUE(GraphStore(dir).Import(g).ok());
  auto loaded = GraphStore(dir).Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->entities[1].aliases, g.entities[1].aliases);
  EXPECT_EQ(loaded->ByName("PCSB Malaysia"), (std::vector<uint32_t>{1}));
  auto reader = GraphReader::Open(dir);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->ByName("PCSB Malaysia"), (std::vector<uint32_t>{1}));
  EXPECT_EQ((*reader)->EntityAt(0)->aliases, g.entities[0].aliases);
  GraphOwnership memory(std::make_shared<Graph>(std::move(loaded).value()));
  auto stored = StoredGraphOwnership::Open(dir);
  ASSERT_TRUE(stored.ok() && *stored);
  const Date d = *Date::Parse("2026-11-30");
  std::vector<Party> parties(4);
  parties[0].name = "PCSB Malaysia";
  parties[1].name = "Penang AI Cloud";
  parties[1].country = "MY";
  parties[2].name = "Penang A.I. Clouds";  // the matcher, over the other names too
  parties[3].name = "Penang Compute Sdn Bhd";
  parties[3].owners.push_back(Owner{.name = "SZ Holdco Old", .percent = 60});  // stated under a former name
  for (size_t i = 0; i < parties.size(); ++i) {
    const std::string m = Describe(memory.OwnersOf(parties[i], d));
    EXPECT_EQ(Describe((*stored)->OwnersOf(parties[i], d)), m) << "party " << i;
    if (i < 3) {
      EXPECT_NE(m.find("[Guangdong New Holdco|aka Shenzhen Holdco|aka SZ Holdco Old|CN|60"), std::string::npos) << "party " << i << ": " << m;
    }
  }
  EXPECT_NE(Describe(memory.OwnersOf(parties[0], d)).find("its other name \"PCSB Malaysia\""), std::string::npos);
  // The graph's account of a stated owner goes beside it, not counted a second time.
  auto four = memory.OwnersOf(parties[3], d);
  ASSERT_TRUE(four.ok());
  EXPECT_TRUE(four->owners.empty());
  ASSERT_EQ(four->also_stated.size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(Store, AFileOfTheFirstLayoutIsNotReadAsNoGraph) {
  const std::string dir = ::testing::TempDir() + "/own-layout-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // The first layout: a source text per edge and no user_version.
  const std::string sql =
      "sqlite3 " + dir + "/ownership.sqlite \"CREATE TABLE graphs(slot TEXT PRIMARY KEY, version INTEGER, file TEXT, format TEXT, sha256 TEXT,"
      " imported_at TEXT, entities INTEGER, edges INTEGER); INSERT INTO graphs VALUES('current',1,'a.csv','csv','','2026-11-30',2,1);"
      " CREATE TABLE entities_current(idx INTEGER PRIMARY KEY, id TEXT, name TEXT, country TEXT, identifiers TEXT, schema TEXT);"
      " CREATE TABLE edges_current(owner INTEGER, owned INTEGER, low REAL, high REAL, source TEXT, start INTEGER, end_ INTEGER);\"";
  if (std::system(sql.c_str()) != 0) GTEST_SKIP() << "no sqlite3 shell";
  GraphStore store(dir);
  EXPECT_EQ(store.Load().status().code(), ErrorCode::kUnavailable);  // not "no graph": checks stop
  EXPECT_EQ(StoredGraphOwnership::Open(dir).status().code(), ErrorCode::kUnavailable);
  auto g = ParseGraph(std::string(kHeader) + "X,A,60,Orbis,2026-10-01,CN,MY,,\n", "g.csv");
  ASSERT_TRUE(g.ok());
  auto imported = store.Import(*g);  // an import replaces it
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(store.Load()->edges.size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace exportctl::ownership

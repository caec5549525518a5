#include <gtest/gtest.h>

#include <unistd.h>

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
  EXPECT_EQ(loaded->sources[0], "g.csv:2 (Orbis as of 2026-10-01)");
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

// What a fact left out would change (Decision::would_change) costs one determination per fact
// tried; a large transaction must not cost the square of its items.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <string>

#include "data/test_data.h"
#include "determine/engine.h"

namespace exportctl {
namespace {

// Chips without a die area, to China: each proposes die areas and a datacenter flag.
Transaction Undetermined(int items) {
  std::string json = R"({"as_of":"2025-06-01","destination":"CN","items":[)";
  for (int i = 0; i < items; ++i) json += std::string(i ? "," : "") + R"({"vendor":"Test","model":"T","tpp":3000,"quantity":1})";
  json += R"(],"parties":[{"role":"ultimate_consignee","name":"X","country":"CN","headquarters":"CN"}]})";
  auto tx = ParseTransaction(json, BundledData());
  EXPECT_TRUE(tx.ok()) << tx.status().ToString();
  return std::move(tx).value();
}

// CPU time of this thread per item of one determination of tx (the least of `rounds`: the
// machine may be busy).
double CpuPerItem(const Engine& engine, const Transaction& tx, int rounds, Decision* d) {
  double best = 1e9;
  for (int r = 0; r < rounds; ++r) {
    timespec a{}, b{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    *d = engine.Determine(tx, {});
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    best = std::min(best, static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e9);
  }
  return best / static_cast<double>(tx.items.size());
}

// Before: 1,000 such items took 28 s of CPU (6,000 facts tried, each deciding 1,000 items), 100
// items 0.08 s. Now at most 32 facts are tried and the decision says so.
TEST(WouldChangeCost, LinearInTheItems) {
  Engine engine(BundledData());
  const Transaction small = Undetermined(100), large = Undetermined(1000);
  Decision s, l;
  const double per_small = CpuPerItem(engine, small, 5, &s);
  const double per_large = CpuPerItem(engine, large, 3, &l);
  EXPECT_EQ(l.outcome, s.outcome);
  // Quadratic cost was 35 times the per-item cost at 100; linear is about 1. A margin of 5 keeps
  // the test failing on the defect without failing on a busy machine's cache and scheduler noise.
  EXPECT_LT(per_large, 5 * per_small) << per_large * 1e6 << " us per item at 1,000, " << per_small * 1e6
                                              << " us at 100";
  bool said = false;
  for (const auto& w : l.warnings) said = said || w.find("for the first 32 of") != std::string::npos;
  EXPECT_TRUE(said) << "the decision does not say that not every fact was tried";
}

// Foreign-made chips whose origin leaves jurisdiction open: more facts than would_change tries.
// Each item's missing facts must still be in the decision (missing_facts), not only the first 32.
TEST(WouldChangeCost, JurisdictionMissingFactsSurviveTheLimit) {
  std::string json = R"({"as_of":"2024-06-01","destination":"MY","items":[)";
  const int items = 40;
  for (int i = 0; i < items; ++i) {
    json += std::string(i ? "," : "") +
            R"({"vendor":"Test","model":"T","tpp":5000,"die_area_mm2":800,"datacenter":true,"quantity":1,)"
            R"("origin":{"in_us":false,"produced_in_us":false,"produced_in":["TW"],"us_content":[],"value_usd":1000}})";
  }
  json += R"(],"parties":[{"role":"ultimate_consignee","name":"X","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY"}],)"
          R"("end_use":{"supercomputer_prc_macau":false,"for_footnote_1_4_entity":false,"incorporated_into_items_for":[]}})";
  auto tx = ParseTransaction(json, BundledData());
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  Engine engine(BundledData());
  const Decision d = engine.Determine(*tx, {});
  bool capped = false;
  for (const auto& w : d.warnings) capped = capped || w.find("for the first 32 of") != std::string::npos;
  ASSERT_TRUE(capped) << "the transaction must propose more facts than are tried";
  for (int i = 0; i < items; ++i) {
    for (const char* fact : {"us_technology_eccns", "us_origin_plant"}) {
      const std::string m = "items[" + std::to_string(i) + "].origin." + fact;
      EXPECT_NE(std::find(d.missing_facts.begin(), d.missing_facts.end(), m), d.missing_facts.end()) << m << " is not reported";
      ASSERT_TRUE(d.items[i].jurisdiction);
      const auto& own = d.items[i].jurisdiction->missing;
      EXPECT_NE(std::find(own.begin(), own.end(), m), own.end()) << m << " is not in the item's own list";
    }
  }
}

}  // namespace
}  // namespace exportctl

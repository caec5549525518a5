// The engine with screening and allocation plugged in through its ports (fakes here; the real
// screen and ledger modules test their adapters).
#include <gtest/gtest.h>

#include "data/test_data.h"
#include "determine/decision_json.h"
#include "determine/engine.h"

namespace exportctl {
namespace {

class FakeAllocations : public AllocationView {
 public:
  double country_cap = 790000000, country_used = 0, lpp_cap = 26900000, lpp_used = 0;
  bool fail = false;
  mutable std::vector<AllocationQuery> queries;
  Result<AllocationBalance> Balance(const AllocationQuery& q) const override {
    queries.push_back(q);
    if (fail) return Status::Error(ErrorCode::kUnavailable, "", "ledger unreachable");
    AllocationBalance b;
    if (q.account == AllocationQuery::Account::kLppConsignee) {
      b.cap = lpp_cap;
      b.used = lpp_used;
    } else {
      b.cap = country_cap;
      b.used = country_used;
    }
    return b;
  }
};

class FakeScreener : public PartyScreener {
 public:
  std::vector<Listing> hits;
  Result<std::vector<Listing>> Screen(const Party& p, Date) const override {
    if (p.name == "Listed Ltd") return hits;
    return std::vector<Listing>{};
  }
  std::vector<std::string> ListVersions() const override { return {"csl@test"}; }
};

Transaction Tx(const char* json) {
  auto tx = ParseTransaction(json, BundledData());
  EXPECT_TRUE(tx.ok()) << tx.status().ToString();
  return std::move(tx).value();
}

constexpr const char* kMalaysia =
    R"({"as_of":"2025-06-01","posture":"codified","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":100}],)"
    R"("parties":[{"role":"ultimate_consignee","name":"Contoh Sdn Bhd","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY"}]})";

TEST(Ports, LppUsesTheLedgerBalance) {
  Engine engine(BundledData());
  FakeAllocations alloc;
  DetermineOptions opts{.allocations = &alloc};
  Decision d = engine.Determine(Tx(kMalaysia), opts);
  EXPECT_EQ(d.outcome, Outcome::kLicenseException);
  EXPECT_EQ(d.license_exception, "LPP");
  alloc.lpp_used = 26900000 - 100 * 15832 + 1;  // one TPP short
  d = engine.Determine(Tx(kMalaysia), opts);
  EXPECT_EQ(d.outcome, Outcome::kLicenseRequired) << DecisionToJson(d);
  EXPECT_EQ(d.review_policy, ReviewPolicy::kPresumptionOfApproval);
  EXPECT_NE(DecisionToJson(d).find("would still fit"), std::string::npos);
}

// The ledger is asked with the consignee's party_id and the transaction's reference (its own
// reservation is not counted against it), and the decision names the account and what it left out.
TEST(Ports, LppQueryCarriesPartyIdAndReferenceAndTheDecisionNamesTheAccount) {
  Engine engine(BundledData());
  struct Named : FakeAllocations {
    Result<AllocationBalance> Balance(const AllocationQuery& q) const override {
      auto b = FakeAllocations::Balance(q);
      b->account = "lpp:id=MY-77";
      b->note = "leaves out posting 3";
      return b;
    }
  } alloc;
  const Decision d = engine.Determine(
      Tx(R"({"reference":"SO-5","as_of":"2025-06-01","posture":"codified","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":100}],)"
         R"("parties":[{"role":"ultimate_consignee","name":"Contoh Sdn Bhd","party_id":"MY-77","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY"}]})"),
      {.allocations = &alloc});
  EXPECT_EQ(d.license_exception, "LPP");
  ASSERT_FALSE(alloc.queries.empty());
  EXPECT_EQ(alloc.queries[0].consignee_id, "MY-77");
  EXPECT_EQ(alloc.queries[0].reference, "SO-5");
  EXPECT_NE(DecisionToJson(d).find("(ledger account lpp:id=MY-77; leaves out posting 3)"), std::string::npos) << DecisionToJson(d);
}

TEST(Ports, CountryAllocationMetGivesPolicyOfDenial) {
  Engine engine(BundledData());
  FakeAllocations alloc;
  alloc.lpp_used = 26900000;  // LPP exhausted: the order needs a license
  alloc.country_used = 790000000 - 1000;
  DetermineOptions opts{.allocations = &alloc};
  Decision d = engine.Determine(Tx(kMalaysia), opts);
  EXPECT_EQ(d.outcome, Outcome::kLicenseRequired);
  EXPECT_EQ(d.review_policy, ReviewPolicy::kPresumptionOfDenial);
  bool quoted = false;
  for (const auto& f : d.reasons) quoted = quoted || f.policy_wording == "policy of denial";
  EXPECT_TRUE(quoted) << DecisionToJson(d);
  EXPECT_NE(DecisionToJson(d).find("1,000 TPP remain"), std::string::npos) << DecisionToJson(d);
}

TEST(Ports, UnreachableLedgerFailsClosed) {
  Engine engine(BundledData());
  FakeAllocations alloc;
  alloc.fail = true;
  Decision d = engine.Determine(Tx(kMalaysia), {.allocations = &alloc});
  EXPECT_EQ(d.outcome, Outcome::kNeedsReview);
}

TEST(Ports, ScreeningHitsChangeTheOutcome) {
  Engine engine(BundledData());
  FakeScreener screener;
  const char* json =
      R"({"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H20","quantity":1}],)"
      R"("parties":[{"role":"ultimate_consignee","name":"Listed Ltd","country":"DE","headquarters":"DE","ultimate_parent_headquarters":"DE"}]})";
  Decision clean = engine.Determine(Tx(json), {.screener = &screener});
  EXPECT_EQ(clean.outcome, Outcome::kNoLicenseRequired);
  screener.hits = {Listing{RestrictedList::kEntityList, 4, "Listed Ltd", "", "el-1", 1.0}};
  Decision listed = engine.Determine(Tx(json), {.screener = &screener});
  EXPECT_EQ(listed.outcome, Outcome::kLicenseRequired);
  screener.hits = {Listing{RestrictedList::kDeniedPersons, 0, "Listed Ltd", "", "dpl-1", 1.0}};
  EXPECT_EQ(engine.Determine(Tx(json), {.screener = &screener}).outcome, Outcome::kProhibited);
  screener.hits = {Listing{RestrictedList::kEntityList, 0, "Listed Limited", "", "el-2", 0.9}};
  EXPECT_EQ(engine.Determine(Tx(json), {.screener = &screener}).outcome, Outcome::kNeedsReview);
}

TEST(Ports, WithoutPortsTheStepsSayNotPerformed) {
  Engine engine(BundledData());
  Decision d = engine.Determine(Tx(kMalaysia));
  bool screening = false, allocation = false;
  for (const auto& s : d.steps) {
    screening = screening || (s.step == "screening" && s.status == "not_performed");
    allocation = allocation || (s.step == "allocation" && s.status == "not_performed");
  }
  EXPECT_TRUE(screening);
  EXPECT_TRUE(allocation);
}

}  // namespace
}  // namespace exportctl

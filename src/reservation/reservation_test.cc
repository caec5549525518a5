#include "reservation/reservation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "data/test_data.h"
#include "determine/decision_json.h"

namespace exportctl {
namespace {

class ReservationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("exportctl-reservation-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    rules_ = std::make_unique<ledger::AllocationRules>(std::move(ledger::AllocationRules::Load(EXPORTCTL_DEFAULT_DATA_DIR)).value());
    auto l = ledger::Ledger::Open({.location = (dir_ / "ledger.sqlite").string()}, *rules_);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(l).value();
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }
  Transaction Tx(const std::string& reference, int quantity, const std::string& consignee = R"("name":"Contoh")") {
    const std::string json = R"({"reference":")" + reference +
                             R"(","as_of":"2025-09-01","posture":"codified","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":)" +
                             std::to_string(quantity) +
                             R"(}],"parties":[{"role":"ultimate_consignee",)" + consignee +
                             R"(,"country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY","restricted_lists":[]}]})";
    auto tx = ParseTransaction(json, BundledData());
    EXPECT_TRUE(tx.ok()) << tx.status().ToString();
    return std::move(tx).value();
  }
  std::filesystem::path dir_;
  std::unique_ptr<ledger::AllocationRules> rules_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

TEST_F(ReservationTest, LppThenCountryAllocationAndIdempotentRetries) {
  Engine engine(BundledData());
  auto first = ReserveForDecision(engine, *ledger_, Tx("R-1", 1000), {}, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->decision.license_exception, "LPP");
  ASSERT_EQ(first->postings.size(), 1u);
  EXPECT_EQ(first->postings[0].account, "lpp:contoh");  // the consignee's identity

  auto retry = ReserveForDecision(engine, *ledger_, Tx("R-1", 1000), {}, {});
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->decision.decision_id, first->decision.decision_id);
  EXPECT_EQ(retry->decision.license_exception, "LPP");
  EXPECT_EQ(retry->postings[0].id, first->postings[0].id);

  // 1,000 more H100 no longer fit LPP this year: a license, counted against the country.
  auto second = ReserveForDecision(engine, *ledger_, Tx("R-2", 1000), {}, {});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->decision.outcome, Outcome::kLicenseRequired);
  ASSERT_EQ(second->postings.size(), 1u);
  EXPECT_EQ(second->postings[0].account, "country:MY");

  auto balance = ledger_->GetBalance(ledger::AccountKey::Lpp("contoh"), *Date::Parse("2025-09-01"));
  ASSERT_TRUE(balance.ok());
  EXPECT_DOUBLE_EQ(balance->reserved_tpp + balance->used_tpp, 1000 * 15832.0);
}

bool SaysSomewhere(const Decision& d, const std::string& text) {
  for (const auto& f : d.reasons) {
    if (f.summary.find(text) != std::string::npos) return true;
  }
  return false;
}

// Issue 9.3: checking a reserved order again (without reserving) answers as the reserving check
// did: its own reservation is not counted against it, and the decision says it was left out.
TEST_F(ReservationTest, ACheckOfAReservedOrderDoesNotCountItsOwnReservation) {
  Engine engine(BundledData());
  // 1,500 H100 = 23,748,000 TPP of LPP's 26,900,000: fits once, not twice.
  auto reserved = ReserveForDecision(engine, *ledger_, Tx("SO-9", 1500), {}, {});
  ASSERT_TRUE(reserved.ok()) << reserved.status().ToString();
  ASSERT_EQ(reserved->decision.license_exception, "LPP");
  ASSERT_EQ(reserved->postings.size(), 1u);
  // The check use case (check/) says which reservations of the reference this request made.
  ledger::LedgerAllocationView view(*ledger_, "", [](const ledger::Posting&) { return true; });
  const Decision again = engine.Determine(Tx("SO-9", 1500), {.allocations = &view});
  EXPECT_EQ(again.outcome, reserved->decision.outcome);
  EXPECT_EQ(again.license_exception, "LPP");
  EXPECT_TRUE(SaysSomewhere(again, "posting " + std::to_string(reserved->postings[0].id))) << DecisionToJson(again);
  // Another order for the same consignee does see the reservation.
  const Decision other = engine.Determine(Tx("SO-10", 1500), {.allocations = &view});
  EXPECT_NE(other.license_exception, "LPP");
  // An amended order under the same reference (1,600 units: another request) counts the
  // reservation, as reserving it would: LPP's room is not there twice.
  ledger::LedgerAllocationView amended_view(*ledger_);
  const Decision amended = engine.Determine(Tx("SO-9", 1600), {.allocations = &amended_view});
  EXPECT_NE(amended.license_exception, "LPP") << DecisionToJson(amended);
  EXPECT_TRUE(SaysSomewhere(amended, "counts the reservation posting " + std::to_string(reserved->postings[0].id)))
      << DecisionToJson(amended);
  // Once released, the reservation is no longer left out (there is nothing to leave out).
  ASSERT_TRUE(ledger_->Release({.reservation_id = reserved->postings[0].id, .as_of = *Date::Parse("2025-09-01")}).ok());
  const Decision released = engine.Determine(Tx("SO-9", 1500), {.allocations = &view});
  EXPECT_EQ(released.license_exception, "LPP");
  EXPECT_FALSE(SaysSomewhere(released, "already holds"));
}

// Issue 9.4: one LPP allowance per consignee, however its name is spelt; a stable party_id keys it
// instead of the name; the decision names the account.
TEST_F(ReservationTest, ConsigneeSpellingsShareOneLppAllowance) {
  Engine engine(BundledData());
  auto first = ReserveForDecision(engine, *ledger_, Tx("S-1", 1500, R"("name":"Saigon Cloud JSC")"), {}, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->decision.license_exception, "LPP");
  ASSERT_EQ(first->postings.size(), 1u);
  EXPECT_EQ(first->postings[0].account, "lpp:saigon cloud");
  EXPECT_TRUE(SaysSomewhere(first->decision, "ledger account lpp:saigon cloud")) << DecisionToJson(first->decision);
  for (const char* spelling : {"SAIGON CLOUD J.S.C.", "Saigon Cloud Joint Stock Co., Ltd.", "saigon  cloud"}) {
    auto again = ReserveForDecision(engine, *ledger_, Tx(std::string("S-") + spelling, 1500, std::string(R"("name":")") + spelling + "\""), {}, {});
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_NE(again->decision.license_exception, "LPP") << spelling;
  }
  // A party_id keys the account whatever the name.
  auto by_id = ReserveForDecision(engine, *ledger_, Tx("I-1", 1500, R"("name":"Saigon Cloud JSC","party_id":"VN-0312")"), {}, {});
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->decision.license_exception, "LPP");
  EXPECT_EQ(by_id->postings.at(0).account, "lpp:id=VN-0312");
  auto renamed = ReserveForDecision(engine, *ledger_, Tx("I-2", 1500, R"("name":"SCJ Holdings","party_id":"VN-0312")"), {}, {});
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_NE(renamed->decision.license_exception, "LPP");
  // A party_id that could forge an account name is refused.
  auto tx = ParseTransaction(R"({"as_of":"2025-09-01","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":1}],"parties":[{"role":"ultimate_consignee","name":"X","party_id":"a:b"}]})", BundledData());
  ASSERT_FALSE(tx.ok());
  EXPECT_EQ(tx.status().field(), "parties[0].party_id");
}

// Ledgers written before identities hold lpp:<spelling>: until carried over, the identity's
// balance is unknown (NEEDS_REVIEW), never "all still fits".
TEST_F(ReservationTest, LegacyConsigneeAccountsFailClosedUntilMigrated) {
  Engine engine(BundledData());
  const Date day = *Date::Parse("2025-09-01");
  auto legacy = ledger_->Reserve({.account = ledger::AccountKey::Lpp("Saigon Cloud JSC"), .tpp = 1500 * 15832.0,
                                  .as_of = day, .idempotency_key = "old-1"});
  ASSERT_TRUE(legacy.ok() && legacy->status == ledger::ReserveStatus::kReserved) << legacy.status().ToString();
  auto reopened = ledger::Ledger::Open({.location = (dir_ / "ledger.sqlite").string()}, *rules_);
  ASSERT_TRUE(reopened.ok());
  ledger::LedgerAllocationView view(**reopened);
  const Decision before = engine.Determine(Tx("N-1", 1500, R"("name":"SAIGON CLOUD J.S.C.")"), {.allocations = &view});
  EXPECT_EQ(before.outcome, Outcome::kNeedsReview) << DecisionToJson(before);
  EXPECT_TRUE(SaysSomewhere(before, "lpp:Saigon Cloud JSC"));
  auto refused = ReserveForDecision(engine, **reopened, Tx("N-1", 1500, R"("name":"SAIGON CLOUD J.S.C.")"), {}, {});
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_TRUE(refused->postings.empty());

  auto carried = (*reopened)->MigrateConsigneeAccounts();
  ASSERT_TRUE(carried.ok()) << carried.status().ToString();
  ASSERT_EQ(carried->size(), 1u);
  EXPECT_EQ((*carried)[0].account, "lpp:saigon cloud");
  EXPECT_EQ((*carried)[0].kind, ledger::PostingKind::kAdjust);
  EXPECT_TRUE((*reopened)->UnmigratedConsigneeAccounts()->empty());
  EXPECT_TRUE((*reopened)->MigrateConsigneeAccounts()->size() == 1u);  // a rerun replays, writes nothing new
  const Decision after = engine.Determine(Tx("N-1", 1500, R"("name":"SAIGON CLOUD J.S.C.")"), {.allocations = &view});
  EXPECT_NE(after.outcome, Outcome::kNeedsReview) << DecisionToJson(after);
  EXPECT_NE(after.license_exception, "LPP");  // the legacy reservation counts
}

TEST_F(ReservationTest, NoReferenceNoKeyIsRefused) {
  Engine engine(BundledData());
  auto r = ReserveForDecision(engine, *ledger_, Tx("", 10), {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "idempotency_key");
}

TEST_F(ReservationTest, ConcurrentRequestsNeverExceedLpp) {
  Engine engine(BundledData());
  // Each request is 600 H100 (9,499,200 TPP): at most two fit in 26,900,000.
  std::vector<std::thread> threads;
  std::atomic<int> lpp{0}, licensed{0}, failed{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto r = ReserveForDecision(engine, *ledger_, Tx("C-" + std::to_string(i), 600), {}, {});
      if (!r.ok()) {
        ++failed;
        return;
      }
      if (r->decision.license_exception == "LPP") ++lpp;
      else if (r->decision.outcome == Outcome::kLicenseRequired) ++licensed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(lpp.load(), 2);
  EXPECT_EQ(licensed.load(), 4);
  auto balance = ledger_->GetBalance(ledger::AccountKey::Lpp("contoh"), *Date::Parse("2025-09-01"));
  ASSERT_TRUE(balance.ok());
  EXPECT_LE(balance->reserved_tpp + balance->used_tpp, 26900000.0);
}

// 91 FR 1684: H200-zone chips to China (Hong Kong included) are case-by-case only while the
// exporter's China/Macau volume stays within 50% of its US shipments of the product. The ledger
// holds that share (h200-cn:<exporter>:<product>), reserved under China's code for Hong Kong.
TEST_F(ReservationTest, H200ShareToHongKongIsCheckedAgainstUsShipments) {
  Engine engine(BundledData());
  auto tx = [&](const std::string& ref, int quantity) {
    auto t = ParseTransaction(
        R"({"reference":")" + ref + R"(","as_of":"2026-03-01","destination":"HK","items":[{"chip":"H200 SXM 141GB","quantity":)" +
            std::to_string(quantity) +
            R"(}],"h200_certifications":{"sufficient_us_supply":true,"no_foundry_diversion":true,"china_volume_within_half_of_us":true,"know_your_customer_and_remote_access":true,"third_party_testing_in_us":true},)"
            R"("parties":[{"role":"exporter","name":"Chipco","country":"US","headquarters":"US"},{"role":"ultimate_consignee","name":"HK Cloud","country":"HK","headquarters":"HK","ultimate_parent_headquarters":"HK","restricted_lists":[]}]})",
        BundledData());
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return std::move(t).value();
  };
  // No US shipments yet: the volume certification cannot hold.
  auto first = ReserveForDecision(engine, *ledger_, tx("HK-1", 50), {}, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->decision.outcome, Outcome::kLicenseRequired);
  EXPECT_EQ(first->decision.review_policy, ReviewPolicy::kPresumptionOfDenial);
  EXPECT_TRUE(first->postings.empty());
  bool explained = false;
  for (const auto& f : first->decision.reasons) explained = explained || f.summary.find("China/Macau share") != std::string::npos;
  EXPECT_TRUE(explained);

  // 100 shipped in the US: 50 fit China's half, 51 do not.
  const std::string product = first->decision.items.at(0).label;
  const double tpp_each = first->decision.items.at(0).total_tpp / 50;
  const Date day = *Date::Parse("2026-03-01");
  auto us = ledger_->Reserve({.account = ledger::AccountKey::H200Us("Chipco", product), .tpp = 100 * tpp_each, .as_of = day, .idempotency_key = "us-1"});
  ASSERT_TRUE(us.ok()) << us.status().ToString();
  ASSERT_TRUE(ledger_->Commit({.reservation_id = us->posting.id, .as_of = day}).ok());

  auto too_many = ReserveForDecision(engine, *ledger_, tx("HK-2", 51), {}, {});
  ASSERT_TRUE(too_many.ok()) << too_many.status().ToString();
  EXPECT_EQ(too_many->decision.review_policy, ReviewPolicy::kPresumptionOfDenial);
  EXPECT_TRUE(too_many->postings.empty());

  auto fits = ReserveForDecision(engine, *ledger_, tx("HK-3", 50), {}, {});
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  EXPECT_EQ(fits->decision.review_policy, ReviewPolicy::kCaseByCase);
  ASSERT_EQ(fits->postings.size(), 1u);
  EXPECT_EQ(fits->postings[0].account, ledger::AccountKey::H200China("Chipco", product).ToString());
}

// 742.6(b)(10) (codified): two line items that each fit the remaining country allocation but not
// together: the first is counted, the second meets the allocation ("policy of denial").
TEST_F(ReservationTest, ItemsOfOneTransactionShareTheCountryAllocation) {
  Engine engine(BundledData());
  const Date day = *Date::Parse("2025-09-01");
  auto balance = ledger_->GetBalance(ledger::AccountKey::Country("MY"), day);
  ASSERT_TRUE(balance.ok() && balance->cap_tpp) << balance.status().ToString();
  const double item_tpp = 2000 * 15832.0;  // above LPP's yearly limit, so licensed
  ASSERT_TRUE(ledger_->Adjust({.account = ledger::AccountKey::Country("MY"), .tpp = *balance->cap_tpp - 1.5 * item_tpp,
                               .as_of = day, .reason = "earlier licences"}).ok());
  auto tx = ParseTransaction(
      R"({"reference":"TWO","as_of":"2025-09-01","posture":"codified","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":2000},{"chip":"H100 SXM5 80GB","quantity":2000}],)"
      R"("parties":[{"role":"ultimate_consignee","name":"Contoh","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY","restricted_lists":[]}]})",
      BundledData());
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  auto r = ReserveForDecision(engine, *ledger_, *tx, {}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->decision.items.size(), 2u);
  EXPECT_EQ(r->decision.items[0].review_policy, ReviewPolicy::kPresumptionOfApproval);
  EXPECT_EQ(r->decision.items[1].review_policy, ReviewPolicy::kPresumptionOfDenial);
  ASSERT_EQ(r->postings.size(), 1u);
  EXPECT_DOUBLE_EQ(r->postings[0].tpp(), item_tpp);
}

}  // namespace
}  // namespace exportctl

namespace exportctl {
namespace {

// A Tier 2 destination for a consignee headquartered in Tier 1: licensed under a presumption of
// approval without the country allocation (15 CFR 742.6(b)(10)(iii)(A), "headquarters rule"), so
// nothing is reserved on the country account — even when the allocation is nearly spent, where
// reserving on it used to fail the whole check with "the reservation does not fit".
TEST_F(ReservationTest, TierOneHeadquarteredConsigneeDoesNotDrawOnTheCountryAllocation) {
  Engine engine(BundledData());
  const Date day = *Date::Parse("2025-09-01");
  auto balance = ledger_->GetBalance(ledger::AccountKey::Country("MY"), day);
  ASSERT_TRUE(balance.ok() && balance->cap_tpp) << balance.status().ToString();
  ASSERT_TRUE(ledger_->Adjust({.account = ledger::AccountKey::Country("MY"), .tpp = *balance->cap_tpp - 1000,
                               .as_of = day, .reason = "earlier licences"}).ok());
  auto tx = ParseTransaction(
      R"({"reference":"US-HQ","as_of":"2025-09-01","posture":"codified","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":2000}],)"
      R"("parties":[{"role":"ultimate_consignee","name":"US Cloud Malaysia","country":"MY","headquarters":"US","ultimate_parent_headquarters":"US","restricted_lists":[]}]})",
      BundledData());
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  auto r = ReserveForDecision(engine, *ledger_, *tx, {}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->decision.outcome, Outcome::kLicenseRequired);
  EXPECT_EQ(r->decision.review_policy, ReviewPolicy::kPresumptionOfApproval);
  EXPECT_FALSE(r->decision.items[0].draws_country_allocation);
  EXPECT_TRUE(r->postings.empty());
  // The same order for a Malaysian-headquartered consignee is counted, and no longer fits.
  auto local = ReserveForDecision(engine, *ledger_, Tx("MY-HQ", 2000), {}, {});
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(local->decision.review_policy, ReviewPolicy::kPresumptionOfDenial);
  EXPECT_TRUE(local->postings.empty());
}

}  // namespace
}  // namespace exportctl

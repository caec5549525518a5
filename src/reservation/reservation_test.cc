#include "reservation/reservation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "data/test_data.h"

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
  Transaction Tx(const std::string& reference, int quantity) {
    const std::string json = R"({"reference":")" + reference +
                             R"(","as_of":"2025-09-01","posture":"codified","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":)" +
                             std::to_string(quantity) +
                             R"(}],"parties":[{"role":"ultimate_consignee","name":"Contoh","country":"MY","headquarters":"MY","restricted_lists":[]}]})";
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
  EXPECT_EQ(first->postings[0].account, "lpp:Contoh");

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

  auto balance = ledger_->GetBalance(ledger::AccountKey::Lpp("Contoh"), *Date::Parse("2025-09-01"));
  ASSERT_TRUE(balance.ok());
  EXPECT_DOUBLE_EQ(balance->reserved_tpp + balance->used_tpp, 1000 * 15832.0);
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
  auto balance = ledger_->GetBalance(ledger::AccountKey::Lpp("Contoh"), *Date::Parse("2025-09-01"));
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
            R"("parties":[{"role":"exporter","name":"Chipco","country":"US","headquarters":"US"},{"role":"ultimate_consignee","name":"HK Cloud","country":"HK","headquarters":"HK","restricted_lists":[]}]})",
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
      R"("parties":[{"role":"ultimate_consignee","name":"Contoh","country":"MY","headquarters":"MY","restricted_lists":[]}]})",
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

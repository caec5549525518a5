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

}  // namespace
}  // namespace exportctl

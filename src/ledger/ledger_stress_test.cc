// Reliability on both backends: concurrent threads and processes against a nearly-full
// allocation, and SIGKILL of the writing process at random points of a reservation stream; each
// on a country allocation and on a license account (whose limit comes with each reservation).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <thread>

#include "ledger/ledger_test_util.h"

namespace exportctl::ledger {
namespace {

using testing::D;
using testing::OpenOrDie;
using testing::SpawnChild;
using testing::SumLog;
using testing::TestLocation;

constexpr double kUnit = 1000;   // TPP per contended reservation
constexpr int kSlotsLeft = 100;  // how many units still fit when the race starts

class LedgerStressTest : public testing::BackendTest {
 protected:
  // The contended account: the AE allocation, or license D1234567's units (UseLicense).
  AccountKey account_ = AccountKey::Country("AE");
  std::string period_ = "2025-2027";
  std::optional<double> limit_;
  void UseLicense() {
    account_ = AccountKey::License("D1234567", "units");
    period_ = "cumulative";
    limit_ = testing::kLicenseLimit;
  }
  double Cap(Ledger& ledger) {
    if (limit_) return *limit_;
    auto cap = ledger.GetBalance(account_, D("2026-06-01"));
    EXPECT_TRUE(cap.ok() && cap->cap_tpp);
    return cap.ok() && cap->cap_tpp ? *cap->cap_tpp : 0;
  }
  ReserveRequest Request(const std::string& key, double amount) const {
    ReserveRequest r;
    r.account = account_;
    r.tpp = amount;
    r.as_of = D("2026-06-01");
    r.idempotency_key = key;
    if (key != "fill") r.decision_id = "dec_" + key;
    r.limit = limit_;
    return r;
  }
  std::string ChildAccount() const { return limit_ ? "license" : "country"; }

  // Leaves exactly kSlotsLeft units of the account.
  void FillAllocation() {
    auto res = ledger_->Reserve(Request("fill", Cap(*ledger_) - kSlotsLeft * kUnit));
    ASSERT_TRUE(res.ok() && res->status == ReserveStatus::kReserved);
  }

  void ConcurrentThreads();
  void ConcurrentProcesses();
  void SigkillAtRandomPoints();

  // Every acknowledged reservation is in the log with its key, and totals reconcile with it.
  void Verify(Ledger& ledger, const std::map<std::string, int64_t>& acked, bool expect_full) {
    auto log = ledger.History("");
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::map<std::string, const Posting*> by_key;
    for (const auto& p : *log) {
      if (!p.idempotency_key.empty()) by_key[p.idempotency_key] = &p;
      ASSERT_EQ(p.kind, PostingKind::kReserve);
      ASSERT_EQ(p.account, account_.ToString());
      ASSERT_EQ(p.period, period_);
      ASSERT_GT(p.amount_milli, 0);
      ASSERT_EQ(p.decision_id, p.idempotency_key == "fill" ? "" : "dec_" + p.idempotency_key);
    }
    for (const auto& [key, id] : acked) {
      auto it = by_key.find(key);
      ASSERT_NE(it, by_key.end()) << "acknowledged reservation " << key << " (posting " << id
                                  << ") is lost";
      EXPECT_EQ(it->second->id, id) << key;
      EXPECT_EQ(it->second->amount_milli, std::llround(kUnit * 1000)) << key;
    }
    auto b = ledger.GetBalance(account_, D("2026-06-01"));
    ASSERT_TRUE(b.ok());
    auto sums = SumLog(*log);
    const auto& s = sums[{account_.ToString(), period_}];
    EXPECT_EQ(std::llround(b->reserved_tpp * 1000), s.reserved_milli);
    EXPECT_EQ(std::llround(b->used_tpp * 1000), s.used_milli);
    const double cap = Cap(ledger);
    EXPECT_LE(b->reserved_tpp + b->used_tpp, cap) << "the cap was exceeded";
    if (expect_full) {
      EXPECT_EQ(acked.size(), static_cast<size_t>(kSlotsLeft));
      EXPECT_DOUBLE_EQ(cap - b->reserved_tpp - b->used_tpp, 0);
      EXPECT_EQ(log->size(), static_cast<size_t>(kSlotsLeft + 1));
    }
  }
};

void LedgerStressTest::ConcurrentThreads() {
  FillAllocation();
  constexpr int kThreads = 8, kPerThread = 25;  // 200 attempts for 100 slots
  std::mutex mu;
  std::map<std::string, int64_t> acked;
  std::atomic<int> errors{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const ReserveRequest r = Request("t" + std::to_string(t) + "-" + std::to_string(i), kUnit);
        auto res = ledger_->Reserve(r);
        if (!res.ok()) {
          ++errors;
          ADD_FAILURE() << res.status().ToString();
        } else if (res->status == ReserveStatus::kReserved) {
          std::lock_guard g(mu);
          acked[r.idempotency_key] = res->posting.id;
        } else {
          ++refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(refused, kThreads * kPerThread - kSlotsLeft);
  Verify(*ledger_, acked, true);
}

// Reads "ID KEY" lines from a child until EOF.
void ReadAcks(int fd, std::map<std::string, int64_t>& acked, int* refused, std::string& buffer) {
  char chunk[4096];
  ssize_t n;
  while ((n = read(fd, chunk, sizeof chunk)) > 0) buffer.append(chunk, static_cast<size_t>(n));
  size_t pos;
  while ((pos = buffer.find('\n')) != std::string::npos) {
    const std::string line = buffer.substr(0, pos);
    buffer.erase(0, pos + 1);
    const size_t sp = line.find(' ');
    if (line.substr(0, sp) == "X") {
      ++*refused;
    } else {
      acked[line.substr(sp + 1)] = std::stoll(line.substr(0, sp));
    }
  }
}

void LedgerStressTest::ConcurrentProcesses() {
  if (GetParam() == "memory") GTEST_SKIP() << "a memory ledger lives in one process";
  FillAllocation();
  constexpr int kProcesses = 4, kPerProcess = 50;
  std::vector<std::pair<int, int>> children;  // pid, fd
  for (int c = 0; c < kProcesses; ++c) {
    int fd = -1;
    const int pid = SpawnChild({"--ledger-child=reserve", loc_->location(), "p" + std::to_string(c),
                                std::to_string(kPerProcess), std::to_string(kUnit), ChildAccount()},
                               &fd);
    ASSERT_GT(pid, 0);
    children.push_back({pid, fd});
  }
  std::map<std::string, int64_t> acked;
  int refused = 0;
  for (auto [pid, fd] : children) {
    std::string buffer;
    ReadAcks(fd, acked, &refused, buffer);
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "child " << pid << " status " << status;
  }
  EXPECT_EQ(refused, kProcesses * kPerProcess - kSlotsLeft);
  Verify(*ledger_, acked, true);
}

void LedgerStressTest::SigkillAtRandomPoints() {
  if (GetParam() == "memory") GTEST_SKIP() << "a memory ledger lives in one process";
  constexpr int kKills = 100;
  std::mt19937 rng(20260115);  // fixed seed: reproducible kill schedule
  std::map<std::string, int64_t> acked;
  int refused = 0, killed_mid_stream = 0;
  ledger_.reset();
  for (int k = 0; k < kKills; ++k) {
    int fd = -1;
    const int pid = SpawnChild({"--ledger-child=reserve", loc_->location(), "k" + std::to_string(k),
                                "100000", std::to_string(kUnit), ChildAccount()},
                               &fd);
    ASSERT_GT(pid, 0);
    // Let the child acknowledge a random number of reservations (0–5), then kill it after a
    // random delay: it dies while opening, between postings, or inside a transaction.
    const int wait_acks = std::uniform_int_distribution<int>(0, 5)(rng);
    std::string buffer;
    int seen = 0;
    char chunk[256];
    while (seen < wait_acks) {
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i) seen += chunk[i] == '\n';
      buffer.append(chunk, static_cast<size_t>(n));
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    killed_mid_stream += WIFSIGNALED(status);
    ReadAcks(fd, acked, &refused, buffer);  // lines written before the kill were acknowledged
    close(fd);

    // "Restart": a fresh process state opening the same ledger.
    auto reopened = OpenOrDie(loc_->location());
    ASSERT_NE(reopened, nullptr);
    Verify(*reopened, acked, false);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(killed_mid_stream, kKills);
  EXPECT_EQ(refused, 0);
  EXPECT_GT(acked.size(), static_cast<size_t>(kKills));
  // A retry of any acknowledged request after the crash returns the same posting.
  auto reopened = OpenOrDie(loc_->location());
  const auto& [key, id] = *acked.begin();
  auto again = reopened->Reserve(Request(key, kUnit));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->posting.id, id);
}

TEST_P(LedgerStressTest, ConcurrentThreadsNeverExceedTheCap) { ConcurrentThreads(); }
TEST_P(LedgerStressTest, ConcurrentProcessesNeverExceedTheCap) { ConcurrentProcesses(); }
TEST_P(LedgerStressTest, SigkillAtRandomPointsLosesNoAcknowledgedPosting) { SigkillAtRandomPoints(); }

// A license account: the same guarantees with the license's limit carried by each reservation.
TEST_P(LedgerStressTest, ConcurrentThreadsNeverExceedALicense) {
  UseLicense();
  ConcurrentThreads();
}
TEST_P(LedgerStressTest, ConcurrentProcessesNeverExceedALicense) {
  UseLicense();
  ConcurrentProcesses();
}
TEST_P(LedgerStressTest, SigkillOnALicenseAccountLosesNoAcknowledgedPosting) {
  UseLicense();
  SigkillAtRandomPoints();
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerStressTest, ::testing::Values("sqlite", "postgresql", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace exportctl::ledger

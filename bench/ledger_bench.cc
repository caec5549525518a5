// Durable reservations per second, compared with the raw limit of the same database (one
// INSERT + COMMIT per transaction, same durability settings):
//   1. SQLite, one writer thread
//   2. SQLite, 8 writer threads sharing one Ledger (group commit)
//   3. PostgreSQL, 8 clients (8 connections, each its own Ledger) on one hot account
//   4. PostgreSQL, 8 threads of one server sharing one Ledger (connection pool)
// Usage: ledger_bench [--seconds S] [--postgres URL] [--data DIR]
// Every reservation is acknowledged only after its transaction is on disk (SQLite WAL with
// synchronous=FULL; PostgreSQL synchronous_commit as configured on the server, default on).
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"

namespace {

using exportctl::Date;
using namespace exportctl::ledger;
using Clock = std::chrono::steady_clock;

double g_seconds = 3.0;

// Runs body(thread, i) on `threads` threads for `seconds`; returns {operations, seconds}.
std::pair<int64_t, double> Run(int threads, double seconds,
                               const std::function<bool(int, int64_t)>& body, int64_t first) {
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false}, failed{false};
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int64_t i = first; !stop.load(std::memory_order_relaxed); ++i) {
        if (!body(t, i)) {
          failed = true;
          return;
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  if (failed) std::exit(1);
  return {done.load(), std::chrono::duration<double>(Clock::now() - start).count()};
}

// The disk's fsync latency drifts (shared machine), so the ledger and the raw database are
// measured in alternating rounds and each rate is the total over its rounds.
std::pair<double, double> Compare(int threads, const std::function<bool(int, int64_t)>& ledger,
                                  const std::function<bool(int, int64_t)>& raw) {
  constexpr int kRounds = 6;
  int64_t ledger_ops = 0, raw_ops = 0;
  double ledger_s = 0, raw_s = 0;
  for (int r = 0; r < kRounds; ++r) {
    auto [lo, ls] = Run(threads, g_seconds / kRounds, ledger, int64_t{r} << 32);
    auto [ro, rs] = Run(threads, g_seconds / kRounds, raw, int64_t{r} << 32);
    ledger_ops += lo;
    ledger_s += ls;
    raw_ops += ro;
    raw_s += rs;
  }
  return {static_cast<double>(ledger_ops) / ledger_s, static_cast<double>(raw_ops) / raw_s};
}

std::string Unique() {
  return std::to_string(getpid()) + "_" + std::to_string(std::random_device{}() % 1000000);
}

bool Reserve(Ledger& l, int t, int64_t i, const std::string& run) {
  ReserveRequest r;
  r.account = AccountKey::Country("AE");
  r.tpp = 1;
  r.as_of = *Date::Parse("2026-06-01");
  r.idempotency_key = run + "-" + std::to_string(t) + "-" + std::to_string(i);
  r.decision_id = "dec_" + r.idempotency_key;
  auto res = l.Reserve(r);
  if (!res.ok() || res->status != ReserveStatus::kReserved) {
    std::fprintf(stderr, "reserve failed: %s\n",
                 res.ok() ? "insufficient" : res.status().ToString().c_str());
    return false;
  }
  return true;
}

// Raw SQLite: one connection per thread, BEGIN IMMEDIATE; INSERT; COMMIT.
class RawSqlite {
 public:
  RawSqlite(const std::string& path, int threads) : conns_(static_cast<size_t>(threads)) {
    for (auto& c : conns_) {
      sqlite3_open(path.c_str(), &c.db);
      sqlite3_busy_timeout(c.db, 60000);
      sqlite3_exec(c.db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", nullptr, nullptr,
                   nullptr);
      sqlite3_exec(
          c.db, "CREATE TABLE IF NOT EXISTS raw(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v INTEGER)",
          nullptr, nullptr, nullptr);
      sqlite3_prepare_v2(c.db, "INSERT INTO raw(k, v) VALUES (?1, ?2)", -1, &c.insert, nullptr);
    }
  }
  ~RawSqlite() {
    for (auto& c : conns_) {
      sqlite3_finalize(c.insert);
      sqlite3_close(c.db);
    }
  }
  bool Insert(int t, int64_t i) {
    Conn& c = conns_[static_cast<size_t>(t)];
    if (sqlite3_exec(c.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return false;
    const std::string k = run_ + std::to_string(t) + "-" + std::to_string(i);
    sqlite3_bind_text(c.insert, 1, k.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(c.insert, 2, i);
    const int rc = sqlite3_step(c.insert);
    sqlite3_reset(c.insert);
    if (rc != SQLITE_DONE) return false;
    return sqlite3_exec(c.db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  }

 private:
  struct Conn {
    sqlite3* db = nullptr;
    sqlite3_stmt* insert = nullptr;
  };
  std::vector<Conn> conns_;
  std::string run_ = Unique();
};

// Raw PostgreSQL: one connection per thread, BEGIN; INSERT; COMMIT (synchronous_commit as
// configured on the server).
class RawPostgres {
 public:
  RawPostgres(const std::string& location, int threads) {
    for (int t = 0; t < threads; ++t) {
      conns_.push_back(std::make_unique<pqxx::connection>(location));
      if (t == 0) {
        pqxx::work w(*conns_[0]);
        w.exec("CREATE TABLE IF NOT EXISTS raw(id BIGSERIAL PRIMARY KEY, k TEXT UNIQUE, v BIGINT)");
        w.commit();
      }
      conns_.back()->prepare("ins", "INSERT INTO raw(k, v) VALUES ($1, $2)");
    }
  }
  bool Insert(int t, int64_t i) {
    try {
      pqxx::work w(*conns_[static_cast<size_t>(t)]);
      w.exec_prepared("ins", run_ + std::to_string(t) + "-" + std::to_string(i),
                      static_cast<long>(i));
      w.commit();
      return true;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "raw postgres: %s\n", e.what());
      return false;
    }
  }

 private:
  std::vector<std::unique_ptr<pqxx::connection>> conns_;
  std::string run_ = Unique();
};

std::unique_ptr<Ledger> Open(const std::string& location, const AllocationRules& rules) {
  auto l = Ledger::Open({.location = location}, rules);
  if (!l.ok()) {
    std::fprintf(stderr, "open %s: %s\n", location.c_str(), l.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*l);
}

void Report(const char* name, double ledger_rate, double raw_rate, double target) {
  std::printf("| %-58s | %9.0f | %9.0f | %5.2f | %s |\n", name, ledger_rate, raw_rate,
              ledger_rate / raw_rate, ledger_rate >= target ? "yes" : "no");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string postgres = "postgresql://exportctl:exportctl@127.0.0.1:5432/exportctl_test";
  if (const char* env = std::getenv("EXPORTCTL_TEST_POSTGRES")) postgres = env;
  std::string data = EXPORTCTL_BENCH_DATA_DIR;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seconds")
      g_seconds = std::atof(argv[i + 1]);
    else if (a == "--postgres")
      postgres = argv[i + 1];
    else if (a == "--data")
      data = argv[i + 1];
    else if (a == "--dir")
      dir = argv[i + 1];
  }
  auto rules = AllocationRules::Load(data);
  if (!rules.ok()) {
    std::fprintf(stderr, "%s\n", rules.status().ToString().c_str());
    return 1;
  }
  std::printf("| %-58s | %9s | %9s | %5s | %s |\n", "Scenario (durable, one hot account)",
              "ledger/s", "raw/s", "ratio", "target met");
  std::printf("|%s|%s|%s|%s|%s|\n", std::string(60, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(7, '-').c_str(),
              std::string(12, '-').c_str());

  const std::filesystem::path base =
      std::filesystem::path(dir) / ("exportctl_ledger_bench_" + Unique());
  std::filesystem::create_directories(base);
  {
    auto l = Open((base / "single.sqlite").string(), *rules);
    RawSqlite raw((base / "raw1.sqlite").string(), 1);
    auto [ledger_rate, raw_rate] = Compare(
        1, [&](int t, int64_t i) { return Reserve(*l, t, i, "s1"); },
        [&](int t, int64_t i) { return raw.Insert(t, i); });
    Report("SQLite, 1 writer (WAL, synchronous=FULL)", ledger_rate, raw_rate, 5000);
  }
  {
    auto l = Open((base / "eight.sqlite").string(), *rules);
    RawSqlite raw((base / "raw8.sqlite").string(), 8);
    auto [ledger_rate, raw_rate] = Compare(
        8, [&](int t, int64_t i) { return Reserve(*l, t, i, "s8"); },
        [&](int t, int64_t i) { return raw.Insert(t, i); });
    Report("SQLite, 8 writer threads (group commit)", ledger_rate, raw_rate, 5000);
  }
  std::filesystem::remove_all(base);

  std::string schema = "ledger_bench_" + Unique();
  try {
    pqxx::connection c(postgres);
    pqxx::work w(c);
    w.exec("CREATE SCHEMA " + w.quote_name(schema));
    w.commit();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "PostgreSQL unreachable (%s): skipping the PostgreSQL rows\n", e.what());
    return 0;
  }
  const std::string location = postgres + (postgres.find('?') == std::string::npos ? "?" : "&") +
                               "options=-csearch_path%3D" + schema;
  {
    std::vector<std::unique_ptr<Ledger>> clients;
    for (int t = 0; t < 8; ++t) clients.push_back(Open(location, *rules));
    RawPostgres raw(location, 8);
    auto [ledger_rate, raw_rate] = Compare(
        8, [&](int t, int64_t i) { return Reserve(*clients[static_cast<size_t>(t)], t, i, "p8"); },
        [&](int t, int64_t i) { return raw.Insert(t, i); });
    Report("PostgreSQL, 8 clients (8 connections), one hot account", ledger_rate, raw_rate, 2000);
  }
  {
    auto shared = Open(location, *rules);
    RawPostgres raw(location, 8);
    auto [ledger_rate, raw_rate] = Compare(
        8, [&](int t, int64_t i) { return Reserve(*shared, t, i, "ps"); },
        [&](int t, int64_t i) { return raw.Insert(t, i); });
    Report("PostgreSQL, 8 threads sharing one Ledger, one hot account", ledger_rate, raw_rate,
           2000);
  }
  try {
    pqxx::connection c(postgres);
    pqxx::work w(c);
    w.exec("DROP SCHEMA " + w.quote_name(schema) + " CASCADE");
    w.commit();
  } catch (const std::exception&) {
  }
  return 0;
}

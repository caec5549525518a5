#include "audit/audit_log.h"

#include "audit/audit_test_util.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

namespace exportctl::audit {
namespace {

// Every test runs on both backends (PostgreSQL: skipped locally when it is not running, a
// failure in CI).
class AuditLogFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(Backend(), "audit.sqlite");
    AUDIT_REQUIRE_DATABASE(*db_);
    path_ = db_->location();
  }
  virtual std::string Backend() const = 0;

  std::unique_ptr<AuditLog> Open() {
    auto log = OpenAuditLog({.location = path_, .clock = [this] { return Now(); }});
    EXPORTCTL_CHECK_OK(log);
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::chrono::system_clock::time_point Now() {
    // 2026-01-01T00:00:00Z plus one hour per call: deterministic times.
    return std::chrono::system_clock::time_point(std::chrono::seconds(1767225600)) +
           std::chrono::hours(ticks_++);
  }
  void AppendN(AuditLog& log, int n) {
    for (int i = 0; i < n; ++i) {
      auto r = log.Append({.id = "dec_" + std::to_string(i + 1), .kind = "decision",
                           .actor = "key1", .payload = R"({"n":)" + std::to_string(i + 1) + "}"});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }
  // Appends from `threads` threads, thread t on logs[t % logs.size()]; returns the failures.
  static int AppendConcurrently(const std::vector<AuditLog*>& logs, int threads, int per_thread) {
    std::vector<std::thread> running;
    std::atomic<int> failures{0};
    for (int t = 0; t < threads; ++t) {
      running.emplace_back([&, t] {
        AuditLog& log = *logs[static_cast<size_t>(t) % logs.size()];
        for (int i = 0; i < per_thread; ++i) {
          auto r = log.Append({.id = "t" + std::to_string(t) + "_" + std::to_string(i),
                               .kind = "decision", .actor = "k", .payload = "[1,2,3]"});
          if (!r.ok()) ++failures;
        }
      });
    }
    for (auto& th : running) th.join();
    return failures.load();
  }
  // Runs SQL directly on the database, as an attacker with write access would.
  void Tamper(const std::string& sql) { db_->Exec(sql); }
  static void EXPORTCTL_CHECK_OK(const Result<std::unique_ptr<AuditLog>>& r) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::string path_;
  int ticks_ = 0;
};

class AuditLogTest : public AuditLogFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string Backend() const override { return GetParam(); }
};

std::string BackendName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }
INSTANTIATE_TEST_SUITE_P(Backends, AuditLogTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

TEST_P(AuditLogTest, EmptyLogVerifies) {
  auto log = Open();
  const VerifyReport r = log->Verify();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.records_checked, 0);
  EXPECT_EQ(r.head_hash, kGenesisHash);
}

TEST_P(AuditLogTest, AppendChainsRecords) {
  auto log = Open();
  AppendN(*log, 3);
  auto first = log->Get("dec_1");
  auto second = log->Get("dec_2");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->seq, 1);
  EXPECT_EQ(first->prev_hash, kGenesisHash);
  EXPECT_EQ(second->prev_hash, first->hash);
  EXPECT_EQ(second->hash, RecordHash(*second));
  EXPECT_EQ(first->time, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(first->payload, R"({"n":1})");
  const VerifyReport r = log->Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.records_checked, 3);
  EXPECT_EQ(r.head_seq, 3);
  auto head = log->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->hash, log->Get("dec_3")->hash);
}

TEST_P(AuditLogTest, ChainContinuesAfterReopen) {
  { auto log = Open(); AppendN(*log, 2); }
  auto log = Open();
  auto r = log->Append({.id = "", .kind = "config", .actor = "cli", .payload = "{}"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seq, 3);
  EXPECT_EQ(r->id.rfind("evt_", 0), 0u);
  EXPECT_EQ(r->prev_hash, log->Get("dec_2")->hash);
  EXPECT_TRUE(log->Verify().ok);
}

TEST_P(AuditLogTest, RejectsBadEntriesAndWritesNothing) {
  auto log = Open();
  AppendN(*log, 1);
  auto dup = log->Append({.id = "dec_1", .kind = "decision", .actor = "k", .payload = "{}"});
  EXPECT_EQ(dup.status().code(), ErrorCode::kConflict);
  auto bad_json = log->Append({.id = "x", .kind = "decision", .actor = "k", .payload = "{oops"});
  EXPECT_FALSE(log->Append({.id = "x", .kind = "d", .actor = "k", .payload = "42"}).ok());
  EXPECT_EQ(bad_json.status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(bad_json.status().field(), "payload");
  auto no_kind = log->Append({.id = "y", .kind = "", .actor = "k", .payload = "{}"});
  EXPECT_EQ(no_kind.status().code(), ErrorCode::kInvalidInput);
  const VerifyReport r = log->Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.records_checked, 1);
  EXPECT_EQ(log->Get("x").status().code(), ErrorCode::kNotFound);
}

TEST_P(AuditLogTest, ConcurrentAppendsFormOneChain) {
  auto log = Open();
  constexpr int kThreads = 8, kPerThread = 40;
  EXPECT_EQ(AppendConcurrently({log.get()}, kThreads, kPerThread), 0);
  const VerifyReport r = log->Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.records_checked, kThreads * kPerThread);
}

// Each kind of tampering is caught and the first bad record is named.
struct TamperCase {
  const char* name;
  const char* sql;
  int64_t first_bad_seq;
  const char* problem_contains;
};

void PrintTo(const TamperCase& c, std::ostream* os) { *os << c.name; }

class AuditTamperTest
    : public AuditLogFixture,
      public ::testing::WithParamInterface<std::tuple<std::string, TamperCase>> {
 protected:
  std::string Backend() const override { return std::get<0>(GetParam()); }
  const TamperCase& Case() const { return std::get<1>(GetParam()); }
};

TEST_P(AuditTamperTest, VerifyNamesFirstBadRecord) {
  {
    auto log = Open();
    AppendN(*log, 5);
    ASSERT_TRUE(log->Verify().ok);
  }
  Tamper(Case().sql);
  auto log = Open();
  const VerifyReport r = log->Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, Case().first_bad_seq) << r.problem;
  EXPECT_NE(r.problem.find(Case().problem_contains), std::string::npos) << r.problem;
}

INSTANTIATE_TEST_SUITE_P(
    Tampering, AuditTamperTest,
    ::testing::Combine(::testing::Values("sqlite", "postgresql"), ::testing::Values(
        TamperCase{"modified_payload",
                   "UPDATE audit_records SET payload='{\"n\":99}' WHERE seq=3", 3, "modified"},
        TamperCase{"modified_actor", "UPDATE audit_records SET actor='someone' WHERE seq=2", 2,
                   "modified"},
        TamperCase{"modified_time",
                   "UPDATE audit_records SET time='2020-01-01T00:00:00.000Z' WHERE seq=1", 1,
                   "modified"},
        // A forged stored hash no longer matches the content.
        TamperCase{"forged_hash",
                   "UPDATE audit_records SET hash='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
                   "WHERE seq=3",
                   3,
                   "modified"},
        TamperCase{"removed_middle", "DELETE FROM audit_records WHERE seq=3", 3, "missing"},
        TamperCase{"removed_and_renumbered",
                   "DELETE FROM audit_records WHERE seq=3; "
                   "UPDATE audit_records SET seq=seq-1 WHERE seq>3",
                   3, "prev_hash"},
        TamperCase{"reordered",
                   "UPDATE audit_records SET seq=-2 WHERE seq=2; "
                   "UPDATE audit_records SET seq=2 WHERE seq=3; "
                   "UPDATE audit_records SET seq=3 WHERE seq=-2",
                   2, "prev_hash"},
        TamperCase{"truncated_tail", "DELETE FROM audit_records WHERE seq>=4", 4,
                   "removed from the end"},
        TamperCase{"head_rewound", "UPDATE audit_head SET seq=3", 4, "added outside"})),
    [](const ::testing::TestParamInfo<std::tuple<std::string, TamperCase>>& info) {
      return std::get<0>(info.param) + "_" + std::get<1>(info.param).name;
    });

TEST_P(AuditLogTest, AnchorCatchesRewrittenTail) {
  Anchor anchor;
  {
    auto log = Open();
    AppendN(*log, 5);
    anchor = *log->Head();
  }
  // An attacker truncates and fixes up the head so the chain itself looks whole.
  auto fourth = [&] {
    auto log = Open();
    return log->Get("dec_3")->hash;
  }();
  Tamper("DELETE FROM audit_records WHERE seq>=4; UPDATE audit_head SET seq=3, hash='" + fourth +
         "'");
  auto log = Open();
  EXPECT_TRUE(log->Verify().ok);
  const VerifyReport r = log->Verify(anchor);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4);
  EXPECT_NE(r.problem.find("truncated"), std::string::npos);
}

// Two logs on one database (as two server processes would have) keep one chain: each writer
// takes the head under the database's lock, never a stale copy.
TEST_P(AuditLogTest, TwoLogsOnOneDatabaseKeepOneChain) {
  auto first = Open();
  auto second = Open();
  ASSERT_TRUE(first && second);
  constexpr int kThreads = 4, kPerThread = 30;
  EXPECT_EQ(AppendConcurrently({first.get(), second.get()}, kThreads, kPerThread), 0);
  const VerifyReport r = first->Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.records_checked, kThreads * kPerThread);
  EXPECT_EQ(second->Head()->seq, kThreads * kPerThread);
}

TEST_P(AuditLogTest, ParseAnchor) {
  EXPECT_TRUE(ParseAnchor("12:" + std::string(64, 'f')).ok());
  EXPECT_FALSE(ParseAnchor("12").ok());
  EXPECT_FALSE(ParseAnchor("x:" + std::string(64, 'f')).ok());
  EXPECT_FALSE(ParseAnchor("0:" + std::string(64, 'f')).ok());
  EXPECT_FALSE(ParseAnchor("3:abc").ok());
}

TEST_P(AuditLogTest, ScanByTimeRangeAndExport) {
  auto log = Open();
  AppendN(*log, 30);  // one hour apart from 2026-01-01T00:00Z: 24 on Jan 1, 6 on Jan 2
  std::vector<int64_t> seqs;
  ASSERT_TRUE(log->Scan({.from = "2026-01-02", .to = "2026-01-02"}, [&](const AuditRecord& r) {
                   seqs.push_back(r.seq);
                   return true;
                 }).ok());
  ASSERT_EQ(seqs.size(), 6u);
  EXPECT_EQ(seqs.front(), 25);
  std::string jsonl;
  ASSERT_TRUE(log->Scan({}, [&](const AuditRecord& r) {
                   AppendRecordJsonl(r, jsonl);
                   jsonl += '\n';
                   return r.seq < 2;
                 }).ok());
  std::istringstream lines(jsonl);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["seq"], ++n);
    EXPECT_EQ(j["payload"]["n"], n);
  }
  EXPECT_EQ(n, 2);
  std::string csv;
  AppendRecordCsv(*log->Get("dec_1"), csv);
  EXPECT_EQ(csv.rfind("1,\"dec_1\",\"decision\",", 0), 0u);
  EXPECT_NE(csv.find("\"{\"\"n\"\":1}\""), std::string::npos);
}

TEST_P(AuditLogTest, ReadOnlyOpenOfMissingLogFails) {
  auto log = OpenAuditLog({.location = path_, .clock = {}, .read_only = true});
  EXPECT_FALSE(log.ok());
}

TEST_P(AuditLogTest, PostgresRefusesUpdatesAndDeletes) {
  if (!db_->postgres()) GTEST_SKIP() << "PostgreSQL only (SQLite has no triggers here)";
  auto log = Open();
  AppendN(*log, 2);
  pqxx::connection c(path_);
  for (const char* sql : {"UPDATE audit_records SET actor='x' WHERE seq=1",
                          "DELETE FROM audit_records WHERE seq=2", "TRUNCATE audit_records"}) {
    pqxx::work w(c);
    EXPECT_THROW(w.exec(sql), pqxx::sql_error) << sql;
  }
  EXPECT_TRUE(log->Verify().ok);
  EXPECT_EQ(log->Verify().records_checked, 2);
}

// A short-lived process (a CLI call) leaves its records in the WAL for the next one; they are
// read by every later opener, and the WAL does not grow without bound across such processes.
TEST_P(AuditLogTest, SqliteShortLivedAppendsStayReadableAndTheWalBounded) {
  if (db_->postgres()) GTEST_SKIP() << "SQLite only";
  const std::string wal = path_ + "-wal";
  for (int call = 0; call < 200; ++call) {
    auto log = OpenAuditLog({.location = path_, .clock = {},
                             .durability = Durability::kProcessCrash});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    auto r = (*log)->Append({.id = "dec_" + std::to_string(call), .kind = "decision",
                             .actor = "cli", .payload = R"({"pad":")" + std::string(9000, 'x') + "\"}"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (call == 0) {
      log->reset();
      ASSERT_TRUE(std::filesystem::exists(wal));
      auto reader = OpenAuditLog({.location = path_, .clock = {}, .read_only = true});
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      EXPECT_TRUE((*reader)->Get("dec_0").ok());
    }
  }
  // 200 commits of two 16 KiB pages or more each: without checkpoints the WAL would pass
  // 400 frames; a process that finds 64 or more empties it on its way out.
  EXPECT_LT(std::filesystem::file_size(wal), 128u * (16384 + 24)) << "the WAL was never emptied";
  auto reader = OpenAuditLog({.location = path_, .clock = {}, .read_only = true});
  ASSERT_TRUE(reader.ok());
  const VerifyReport report = (*reader)->Verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records_checked, 200);
}

TEST(AuditLocationTest, RedactsPasswords) {
  EXPECT_EQ(RedactLocation("postgresql://u:secret@host:5432/db"), "postgresql://u:***@host:5432/db");
  EXPECT_EQ(RedactLocation("postgres://u@host/db"), "postgres://u@host/db");
  EXPECT_EQ(RedactLocation("/var/lib/x:y@z/audit.sqlite"), "/var/lib/x:y@z/audit.sqlite");
  EXPECT_TRUE(IsPostgresUrl("postgresql://h/db"));
  EXPECT_FALSE(IsPostgresUrl("./audit.sqlite"));
}

}  // namespace
}  // namespace exportctl::audit

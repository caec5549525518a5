// The embedded backend: one SQLite file in WAL mode with synchronous=FULL, so a transaction is
// on disk before Transact returns. Writers from many threads of one process share a single
// write connection and are group-committed: one leader runs every queued request in one
// BEGIN IMMEDIATE … COMMIT, each inside its own SAVEPOINT so that a failing request leaves no
// trace. Separate processes serialise on SQLite's write lock (busy_timeout).
#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "ledger/store.h"

namespace exportctl::ledger::internal {
namespace {

// Tables shared with PostgreSQL (store.h) plus SQLite's append-only triggers.
const std::string kSchema =
    LedgerTablesSql("INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER", " WITHOUT ROWID") + R"sql(
CREATE TRIGGER IF NOT EXISTS ledger_postings_append_only_update BEFORE UPDATE ON ledger_postings
  BEGIN SELECT RAISE(ABORT, 'ledger postings are append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_postings_append_only_delete BEFORE DELETE ON ledger_postings
  BEGIN SELECT RAISE(ABORT, 'ledger postings are append-only'); END;
INSERT OR IGNORE INTO ledger_meta(key, value) VALUES ('schema_version', '1');
)sql";

Status Unavailable(sqlite3* db, const std::string& what) {
  return Status::Error(ErrorCode::kUnavailable, "ledger",
                       what + ": " + (db ? sqlite3_errmsg(db) : "cannot open database"));
}

// A prepared statement, reset after each use.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(s_); }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

// One connection with a statement cache. Not thread-safe; callers hold a mutex.
class Connection {
 public:
  ~Connection() {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    if (db_) sqlite3_close_v2(db_);
  }
  Status Open(const std::string& path, int busy_timeout_ms) {
    int rc =
        sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) return Unavailable(db_, "opening " + path);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    sqlite3_extended_result_codes(db_, 1);
    EXPORTCTL_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    EXPORTCTL_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
    EXPORTCTL_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
    return Status::Ok();
  }
  Status Exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return Status::Error(rc == SQLITE_BUSY || (rc & 0xff) == SQLITE_BUSY ? ErrorCode::kUnavailable
                                                                           : ErrorCode::kInternal,
                           "ledger", std::string(sql).substr(0, 40) + ": " + msg);
    }
    return Status::Ok();
  }
  Result<Stmt> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
          SQLITE_OK) {
        return Status::Error(ErrorCode::kInternal, "ledger",
                             "preparing \"" + sql + "\": " + sqlite3_errmsg(db_));
      }
      it = cache_.emplace(sql, s).first;
    }
    return Stmt(db_, it->second);
  }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Status StepError(const Stmt& s, int rc) {
  return Status::Error((rc & 0xff) == SQLITE_BUSY ? ErrorCode::kUnavailable : ErrorCode::kInternal,
                       "ledger", sqlite3_errmsg(s.db()));
}

Result<Posting> ReadPosting(const Stmt& s) {
  Posting p;
  p.id = s.Int(0);
  auto kind = ParsePostingKind(s.Text(1));
  if (!kind.ok()) return kind.status();
  p.kind = *kind;
  p.account = s.Text(2);
  p.period = s.Text(3);
  p.amount_milli = s.Int(4);
  auto d = Date::Parse(s.Text(5));
  if (!d.ok()) return Status::Error(ErrorCode::kDataError, "as_of", "stored date does not parse");
  p.as_of = *d;
  p.reservation_id = s.Int(6);
  p.decision_id = s.Text(7);
  p.transaction_ref = s.Text(8);
  p.idempotency_key = s.Text(9);
  p.reason = s.Text(10);
  p.recorded_at = s.Text(11);
  return p;
}

const std::string kSelectPostings =
    std::string("SELECT ") + kPostingColumns + " FROM ledger_postings ";

Result<std::optional<StoredPosting>> QueryOne(Connection& c, const std::string& where,
                                              const std::function<void(Stmt&)>& bind) {
  auto s = c.Prepare(kSelectPostings + where);
  if (!s.ok()) return s.status();
  bind(*s);
  int rc = s->Step();
  if (rc == SQLITE_DONE) return std::optional<StoredPosting>();
  if (rc != SQLITE_ROW) return StepError(*s, rc);
  auto p = ReadPosting(*s);
  if (!p.ok()) return p.status();
  return std::optional<StoredPosting>(StoredPosting{*p, s->Text(12)});
}

Result<Totals> SumAsOf(Connection& c, const std::string& account, const std::string& period,
                       Date as_of) {
  auto s = c.Prepare(
      "SELECT kind, COALESCE(SUM(amount_milli), 0) FROM ledger_postings WHERE account = ?1 AND "
      "period = ?2 AND "
      "as_of <= ?3 GROUP BY kind");
  if (!s.ok()) return s.status();
  s->Bind(1, account).Bind(2, period).Bind(3, as_of.ToString());
  std::vector<Posting> sums;
  int rc;
  while ((rc = s->Step()) == SQLITE_ROW) {
    auto kind = ParsePostingKind(s->Text(0));
    if (!kind.ok()) return kind.status();
    Posting p;
    p.kind = *kind;
    p.amount_milli = s->Int(1);
    sums.push_back(p);
  }
  if (rc != SQLITE_DONE) return StepError(*s, rc);
  return SumPostings(sums);
}

Result<std::optional<Posting>> Unwrap(Result<std::optional<StoredPosting>> r) {
  if (!r.ok()) return r.status();
  if (!*r) return std::optional<Posting>();
  return std::optional<Posting>((*r)->posting);
}

class SqliteTxn final : public StoreTxn {
 public:
  explicit SqliteTxn(Connection& c) : c_(c) {}
  Status Lock(const std::string&) override {
    return Status::Ok();
  }  // BEGIN IMMEDIATE holds the write lock

  Result<std::optional<StoredPosting>> FindByIdempotencyKey(const std::string& key) override {
    return QueryOne(c_, "WHERE idempotency_key = ?1", [&](Stmt& s) { s.Bind(1, key); });
  }
  Result<std::optional<Posting>> FindById(int64_t id) override {
    return Unwrap(QueryOne(c_, "WHERE id = ?1", [&](Stmt& s) { s.Bind(1, id); }));
  }
  Result<std::optional<Posting>> FindSettlement(int64_t reservation_id) override {
    return Unwrap(
        QueryOne(c_, "WHERE reservation_id = ?1", [&](Stmt& s) { s.Bind(1, reservation_id); }));
  }
  Result<Totals> GetTotals(const std::string& account, const std::string& period) override {
    auto s = c_.Prepare(
        "SELECT reserved_milli, used_milli FROM ledger_totals WHERE account = ?1 AND period = ?2");
    if (!s.ok()) return s.status();
    s->Bind(1, account).Bind(2, period);
    int rc = s->Step();
    if (rc == SQLITE_DONE) return Totals();
    if (rc != SQLITE_ROW) return StepError(*s, rc);
    return Totals{s->Int(0), s->Int(1)};
  }
  Result<std::vector<std::pair<std::string, Totals>>> GetTotalsWithPrefix(
      const std::string& prefix, const std::string& period) override {
    auto s = c_.Prepare(
        "SELECT account, reserved_milli, used_milli FROM ledger_totals WHERE substr(account, 1, "
        "length(?1)) = ?1 "
        "AND period = ?2");
    if (!s.ok()) return s.status();
    s->Bind(1, prefix).Bind(2, period);
    std::vector<std::pair<std::string, Totals>> out;
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW)
      out.push_back({s->Text(0), Totals{s->Int(1), s->Int(2)}});
    if (rc != SQLITE_DONE) return StepError(*s, rc);
    return out;
  }
  Status Append(Posting& p, const std::string& fingerprint, int64_t delta_reserved,
                int64_t delta_used) override {
    auto s = c_.Prepare(
        "INSERT INTO ledger_postings(kind, account, period, amount_milli, as_of, reservation_id, "
        "decision_id, "
        "transaction_ref, idempotency_key, reason, recorded_at, fingerprint) VALUES (?1, ?2, ?3, "
        "?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?11) RETURNING id, recorded_at");
    if (!s.ok()) return s.status();
    s->Bind(1, std::string(PostingKindName(p.kind)))
        .Bind(2, p.account)
        .Bind(3, p.period)
        .Bind(4, p.amount_milli)
        .Bind(5, p.as_of.ToString())
        .Bind(7, p.decision_id)
        .Bind(8, p.transaction_ref)
        .Bind(10, p.reason)
        .Bind(11, fingerprint);
    if (p.reservation_id)
      s->Bind(6, p.reservation_id);
    else
      s->BindNull(6);
    if (!p.idempotency_key.empty())
      s->Bind(9, p.idempotency_key);
    else
      s->BindNull(9);
    int rc = s->Step();
    if (rc != SQLITE_ROW) return StepError(*s, rc);
    p.id = s->Int(0);
    p.recorded_at = s->Text(1);
    rc = s->Step();
    if (rc != SQLITE_DONE) return StepError(*s, rc);

    auto t = c_.Prepare(
        "INSERT INTO ledger_totals(account, period, reserved_milli, used_milli) VALUES (?1, ?2, "
        "?3, ?4) "
        "ON CONFLICT(account, period) DO UPDATE SET reserved_milli = reserved_milli + "
        "excluded.reserved_milli, "
        "used_milli = used_milli + excluded.used_milli");
    if (!t.ok()) return t.status();
    t->Bind(1, p.account).Bind(2, p.period).Bind(3, delta_reserved).Bind(4, delta_used);
    rc = t->Step();
    if (rc != SQLITE_DONE) return StepError(*t, rc);
    return Status::Ok();
  }

 private:
  Connection& c_;
};

class SqliteStore final : public Store {
 public:
  Status Open(const std::string& path, int busy_timeout_ms) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      return Status::Error(ErrorCode::kUnavailable, "ledger",
                           "cannot create " + parent.string() + ": " + ec.message());
    EXPORTCTL_RETURN_IF_ERROR(writer_.Open(path, busy_timeout_ms));
    EXPORTCTL_RETURN_IF_ERROR(writer_.Exec("BEGIN IMMEDIATE"));
    Status st = writer_.Exec(kSchema.c_str());
    if (!st.ok()) {
      (void)writer_.Exec("ROLLBACK");
      return st;
    }
    EXPORTCTL_RETURN_IF_ERROR(writer_.Exec("COMMIT"));
    return reader_.Open(path, busy_timeout_ms);
  }

  Status Transact(const std::function<Status(StoreTxn&)>& fn) override {
    Job job{&fn, Status::Ok(), false};
    std::unique_lock lock(queue_mu_);
    queue_.push_back(&job);
    while (!job.done) {
      if (leader_active_) {
        queue_cv_.wait(lock);
        continue;
      }
      leader_active_ = true;
      std::vector<Job*> batch;
      batch.swap(queue_);
      lock.unlock();
      RunBatch(batch);
      lock.lock();
      for (Job* j : batch) j->done = true;
      leader_active_ = false;
      queue_cv_.notify_all();
    }
    return job.result;
  }

  Result<std::vector<Posting>> Postings(const std::string& account) override {
    return Select(account.empty() ? "ORDER BY id" : "WHERE account = ?1 ORDER BY id", account);
  }
  Result<std::vector<Posting>> PostingsOfTransaction(const std::string& ref) override {
    return Select("WHERE transaction_ref = ?1 ORDER BY id", ref);
  }
  // Postings matching `where`, with ?1 bound to `arg` when it is not empty.
  Result<std::vector<Posting>> Select(const std::string& where, const std::string& arg) {
    std::lock_guard g(reader_mu_);
    auto s = reader_.Prepare(kSelectPostings + where);
    if (!s.ok()) return s.status();
    if (!arg.empty()) s->Bind(1, arg);
    std::vector<Posting> out;
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW) {
      auto p = ReadPosting(*s);
      if (!p.ok()) return p.status();
      out.push_back(std::move(*p));
    }
    if (rc != SQLITE_DONE) return StepError(*s, rc);
    return out;
  }
  Result<std::optional<Posting>> FindPosting(int64_t id) override {
    std::lock_guard g(reader_mu_);
    return Unwrap(QueryOne(reader_, "WHERE id = ?1", [&](Stmt& s) { s.Bind(1, id); }));
  }
  Result<std::optional<Posting>> FindPostingByKey(const std::string& key) override {
    std::lock_guard g(reader_mu_);
    return Unwrap(QueryOne(reader_, "WHERE idempotency_key = ?1", [&](Stmt& s) { s.Bind(1, key); }));
  }
  Result<std::vector<std::string>> Accounts() override {
    std::lock_guard g(reader_mu_);
    auto s = reader_.Prepare("SELECT DISTINCT account FROM ledger_totals ORDER BY account");
    if (!s.ok()) return s.status();
    std::vector<std::string> out;
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW) out.push_back(s->Text(0));
    if (rc != SQLITE_DONE) return StepError(*s, rc);
    return out;
  }
  Result<Totals> TotalsAsOf(const std::string& account, const std::string& period,
                            Date as_of) override {
    std::lock_guard g(reader_mu_);
    return SumAsOf(reader_, account, period, as_of);
  }
  Result<std::vector<std::pair<std::string, Totals>>> TotalsAsOfWithPrefix(
      const std::string& prefix, const std::string& period, Date as_of) override {
    std::vector<std::string> accounts;
    {
      std::lock_guard g(reader_mu_);
      auto s = reader_.Prepare(
          "SELECT DISTINCT account FROM ledger_totals WHERE substr(account, 1, length(?1)) = ?1 "
          "AND period = ?2");
      if (!s.ok()) return s.status();
      s->Bind(1, prefix).Bind(2, period);
      int rc;
      while ((rc = s->Step()) == SQLITE_ROW) accounts.push_back(s->Text(0));
      if (rc != SQLITE_DONE) return StepError(*s, rc);
    }
    std::vector<std::pair<std::string, Totals>> out;
    for (const auto& a : accounts) {
      auto t = TotalsAsOf(a, period, as_of);
      if (!t.ok()) return t.status();
      out.push_back({a, *t});
    }
    return out;
  }
  std::string name() const override { return "sqlite"; }

 private:
  struct Job {
    const std::function<Status(StoreTxn&)>* fn;
    Status result;
    bool done = false;
  };

  // One write transaction for the whole batch; each job in its own savepoint.
  void RunBatch(const std::vector<Job*>& batch) {
    Status begin = writer_.Exec("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (Job* j : batch) j->result = begin;
      return;
    }
    SqliteTxn txn(writer_);
    bool any_ok = false;
    if (batch.size() == 1) {  // alone: its failure rolls back the whole transaction
      batch[0]->result = (*batch[0]->fn)(txn);
      any_ok = batch[0]->result.ok();
    }
    for (Job* j : batch.size() == 1 ? std::vector<Job*>() : batch) {
      Status sp = writer_.Exec("SAVEPOINT job");
      if (!sp.ok()) {
        j->result = sp;
        continue;
      }
      j->result = (*j->fn)(txn);
      if (!j->result.ok()) {
        Status rb = writer_.Exec("ROLLBACK TO job");
        if (!rb.ok()) j->result = rb;
      } else {
        any_ok = true;
      }
      (void)writer_.Exec("RELEASE job");
    }
    Status commit = any_ok ? writer_.Exec("COMMIT") : writer_.Exec("ROLLBACK");
    if (!commit.ok()) {
      (void)writer_.Exec("ROLLBACK");
      for (Job* j : batch) {
        if (j->result.ok()) j->result = commit;
      }
    }
  }

  Connection writer_;
  std::mutex reader_mu_;
  Connection reader_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<Job*> queue_;
  bool leader_active_ = false;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int busy_timeout_ms) {
  auto store = std::make_unique<SqliteStore>();
  EXPORTCTL_RETURN_IF_ERROR(store->Open(path, busy_timeout_ms));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace exportctl::ledger::internal

// The shared backend: PostgreSQL through libpqxx, so several exportctl servers use one ledger.
// Each write is one READ COMMITTED transaction; writers touching the same account (or account
// group) serialise on a transaction-scoped advisory lock taken before the cap is read, so two
// requests can never both take the last of an allocation. A unique-key race (two requests with
// one idempotency key) or a deadlock/serialization failure retries the whole transaction.
#include <chrono>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "ledger/store.h"

namespace exportctl::ledger::internal {
namespace {

// Tables shared with SQLite (store.h) plus PostgreSQL's append-only trigger. The advisory lock
// keeps two processes from creating the schema at the same time.
const std::string kSchema = "SELECT pg_advisory_xact_lock(7260531);\n" +
                            LedgerTablesSql("BIGSERIAL PRIMARY KEY", "BIGINT", "") + R"sql(
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'ledger postings are append-only'; END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE t.tgname = 'ledger_postings_append_only' AND c.oid = 'ledger_postings'::regclass) THEN
    CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
  END IF;
END $$;
INSERT INTO ledger_meta(key, value) VALUES ('schema_version', '1') ON CONFLICT DO NOTHING;
)sql";

// Early lock release. Write connections run with synchronous_commit=off, so a transaction's locks
// (the account's totals row, its advisory lock) are released as soon as its commit record is in
// the WAL buffer, not after the flush: writers on a hot account no longer queue behind each
// other's fsync. Before acknowledging, this tiny transaction takes an xid and commits with the
// server's own synchronous_commit setting; its commit flushes the WAL up to its record, which lies
// after ours, so our posting is on disk too (and the flushes of concurrent clients are grouped).
// Anything another client read in between that a crash could undo was never acknowledged; a
// request refused because of it was refused conservatively. It also runs after read-only
// outcomes (replays, refusals), which may rest on another client's not-yet-flushed commit.
constexpr const char* kWaitDurable =
    "BEGIN; SET LOCAL synchronous_commit TO DEFAULT; SELECT txid_current(); COMMIT;";

const std::string kSelect = std::string("SELECT ") + kPostingColumns + " FROM ledger_postings ";

void Prepare(pqxx::connection& c) {
  c.prepare("lock", "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
  c.prepare("by_key", kSelect + "WHERE idempotency_key = $1");
  c.prepare("by_id", kSelect + "WHERE id = $1");
  c.prepare("settlement", kSelect + "WHERE reservation_id = $1");
  c.prepare("all", kSelect + "ORDER BY id");
  c.prepare("by_account", kSelect + "WHERE account = $1 ORDER BY id");
  c.prepare("by_transaction", kSelect + "WHERE transaction_ref = $1 ORDER BY id");
  c.prepare(
      "totals",
      "SELECT reserved_milli, used_milli FROM ledger_totals WHERE account = $1 AND period = $2");
  c.prepare("totals_prefix",
            "SELECT account, reserved_milli, used_milli FROM ledger_totals WHERE "
            "starts_with(account, $1) AND "
            "period = $2");
  c.prepare("accounts", "SELECT DISTINCT account FROM ledger_totals ORDER BY account");
  c.prepare("sum_as_of",
            "SELECT kind, COALESCE(SUM(amount_milli), 0)::bigint FROM ledger_postings WHERE "
            "account = $1 AND "
            "period = $2 AND as_of <= $3 GROUP BY kind");
  // The one-step reservation: the conditional UPDATE waits for the totals row lock and then
  // re-checks the cap on the latest committed totals (READ COMMITTED re-evaluation).
  c.prepare(
      "reserve_if_fits",
      "WITH upd AS (UPDATE ledger_totals SET reserved_milli = reserved_milli + $3::bigint "
      "WHERE account = $1 AND period = $2 AND reserved_milli + used_milli + $3::bigint <= "
      "$9::bigint RETURNING reserved_milli, used_milli), "
      "ins AS (INSERT INTO ledger_postings(kind, account, period, amount_milli, as_of, "
      "reservation_id, decision_id, transaction_ref, idempotency_key, reason, recorded_at, "
      "fingerprint) SELECT 'reserve', $1, $2, $3::bigint, $4, NULL, $5, $6, "
      "NULLIF($7::text, ''), '', "
      "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), $8 "
      "FROM upd RETURNING id, recorded_at) "
      "SELECT ins.id, ins.recorded_at, upd.reserved_milli, upd.used_milli FROM ins CROSS JOIN upd");
  c.prepare(
      "ensure_totals",
      "INSERT INTO ledger_totals(account, period, reserved_milli, used_milli) VALUES ($1, $2, 0, "
      "0) ON CONFLICT (account, period) DO NOTHING");
  c.prepare(
      "append",
      "WITH ins AS (INSERT INTO ledger_postings(kind, account, period, amount_milli, as_of, "
      "reservation_id, "
      "decision_id, transaction_ref, idempotency_key, reason, recorded_at, fingerprint) VALUES "
      "($1, $2, $3, "
      "$4, $5, NULLIF($6::bigint, 0), $7, $8, NULLIF($9::text, ''), $10, "
      "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), $11) "
      "RETURNING id, recorded_at), "
      "tot AS (INSERT INTO ledger_totals(account, period, reserved_milli, used_milli) VALUES ($2, "
      "$3, "
      "$12::bigint, $13::bigint) ON CONFLICT (account, period) DO UPDATE SET reserved_milli = "
      "ledger_totals.reserved_milli + EXCLUDED.reserved_milli, used_milli = "
      "ledger_totals.used_milli + "
      "EXCLUDED.used_milli) "
      "SELECT id, recorded_at FROM ins");
}

Result<Posting> ReadPosting(const pqxx::row& r) {
  Posting p;
  p.id = r[0].as<int64_t>();
  auto kind = ParsePostingKind(r[1].as<std::string>());
  if (!kind.ok()) return kind.status();
  p.kind = *kind;
  p.account = r[2].as<std::string>();
  p.period = r[3].as<std::string>();
  p.amount_milli = r[4].as<int64_t>();
  auto d = Date::Parse(r[5].as<std::string>());
  if (!d.ok()) return Status::Error(ErrorCode::kDataError, "as_of", "stored date does not parse");
  p.as_of = *d;
  p.reservation_id = r[6].as<int64_t>();
  p.decision_id = r[7].as<std::string>();
  p.transaction_ref = r[8].as<std::string>();
  p.idempotency_key = r[9].as<std::string>();
  p.reason = r[10].as<std::string>();
  p.recorded_at = r[11].as<std::string>();
  return p;
}

Result<std::optional<StoredPosting>> One(const pqxx::result& res) {
  if (res.empty()) return std::optional<StoredPosting>();
  auto p = ReadPosting(res[0]);
  if (!p.ok()) return p.status();
  return std::optional<StoredPosting>(StoredPosting{*p, res[0][12].as<std::string>()});
}

Result<std::optional<Posting>> OnePosting(const pqxx::result& res) {
  auto r = One(res);
  if (!r.ok()) return r.status();
  if (!*r) return std::optional<Posting>();
  return std::optional<Posting>((*r)->posting);
}

Totals SumRows(const pqxx::result& res) {
  std::vector<Posting> sums;
  for (const auto& row : res) {
    auto kind = ParsePostingKind(row[0].as<std::string>());
    if (!kind.ok()) continue;
    Posting p;
    p.kind = *kind;
    p.amount_milli = row[1].as<int64_t>();
    sums.push_back(p);
  }
  return SumPostings(sums);
}

// Runs on a connection in autocommit mode and opens the explicit transaction lazily, at the first
// step that needs one. The idempotency lookup and the one-step reservation are single
// statements, so the common reservation needs no BEGIN/COMMIT round trips: the conditional
// UPDATE + INSERT commits as one statement. (AppendReserveIfFits outside a transaction must
// therefore be fn's last write; ledger.cc's Reserve guarantees that.)
class PgTxn final : public StoreTxn {
 public:
  PgTxn(pqxx::transaction_base& w, bool& in_transaction) : w_(w), in_transaction_(in_transaction) {}
  Status RequireTransaction() override {
    Begin();
    return Status::Ok();
  }
  Status Lock(const std::string& key) override {
    Begin();
    w_.exec_prepared("lock", key);
    return Status::Ok();
  }
  Result<std::optional<StoredPosting>> FindByIdempotencyKey(const std::string& key) override {
    return One(w_.exec_prepared("by_key", key));
  }
  Result<std::optional<Posting>> FindById(int64_t id) override {
    Begin();
    return OnePosting(w_.exec_prepared("by_id", id));
  }
  Result<std::optional<Posting>> FindSettlement(int64_t id) override {
    Begin();
    return OnePosting(w_.exec_prepared("settlement", id));
  }
  Result<Totals> GetTotals(const std::string& account, const std::string& period) override {
    Begin();
    auto r = w_.exec_prepared("totals", account, period);
    if (r.empty()) return Totals();
    return Totals{r[0][0].as<int64_t>(), r[0][1].as<int64_t>()};
  }
  Result<std::vector<std::pair<std::string, Totals>>> GetTotalsWithPrefix(
      const std::string& prefix, const std::string& period) override {
    Begin();
    std::vector<std::pair<std::string, Totals>> out;
    for (const auto& row : w_.exec_prepared("totals_prefix", prefix, period)) {
      out.push_back({row[0].as<std::string>(), Totals{row[1].as<int64_t>(), row[2].as<int64_t>()}});
    }
    return out;
  }
  Result<std::optional<Totals>> AppendReserveIfFits(Posting& p, const std::string& fingerprint,
                                                    int64_t limit_milli) override {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto r = w_.exec_prepared("reserve_if_fits", p.account, p.period, p.amount_milli,
                                p.as_of.ToString(), p.decision_id, p.transaction_ref,
                                p.idempotency_key, fingerprint, limit_milli);
      if (!r.empty()) {
        p.id = r[0][0].as<int64_t>();
        p.recorded_at = r[0][1].as<std::string>();
        return std::optional<Totals>(
            Totals{r[0][2].as<int64_t>() - p.amount_milli, r[0][3].as<int64_t>()});
      }
      // It does not fit, or the account had no totals row yet (create it and retry), or
      // another client changed the totals in between (retry). After a few rounds of the
      // latter, answer "does not fit": conservative.
      auto t = w_.exec_prepared("totals", p.account, p.period);
      if (t.empty()) {
        w_.exec_prepared("ensure_totals", p.account, p.period);
        continue;
      }
      const int64_t held = t[0][0].as<int64_t>() + t[0][1].as<int64_t>();
      if (p.amount_milli > limit_milli - held) break;
    }
    return std::optional<Totals>();
  }
  Status Append(Posting& p, const std::string& fingerprint, int64_t delta_reserved,
                int64_t delta_used) override {
    Begin();
    auto r = w_.exec_prepared("append", std::string(PostingKindName(p.kind)), p.account, p.period,
                              p.amount_milli, p.as_of.ToString(), p.reservation_id, p.decision_id,
                              p.transaction_ref, p.idempotency_key, p.reason, fingerprint,
                              delta_reserved, delta_used);
    p.id = r[0][0].as<int64_t>();
    p.recorded_at = r[0][1].as<std::string>();
    return Status::Ok();
  }

 private:
  void Begin() {
    if (in_transaction_) return;
    w_.exec("BEGIN");
    in_transaction_ = true;
  }
  pqxx::transaction_base& w_;
  bool& in_transaction_;
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::string connection_string)
      : connection_string_(std::move(connection_string)) {}

  Status Init() {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    try {
      pqxx::work w(**conn);
      w.exec(kSchema);
      w.commit();
    } catch (const std::exception& e) {
      return Status::Error(ErrorCode::kUnavailable, "ledger",
                           std::string("creating the schema: ") + e.what());
    }
    Return(std::move(*conn));
    return Status::Ok();
  }

  Status Transact(const std::function<Status(StoreTxn&)>& fn) override {
    constexpr int kAttempts = 50;
    for (int attempt = 0;; ++attempt) {
      auto conn = Acquire();
      if (!conn.ok()) return conn.status();
      bool in_transaction = false;
      bool committing = false;
      try {
        Status st;
        {
          pqxx::nontransaction n(**conn);  // must end before the connection goes back to the pool
          PgTxn txn(n, in_transaction);
          st = fn(txn);
          if (!st.ok()) {
            if (in_transaction) n.exec("ROLLBACK");
          } else {
            // COMMIT (asynchronous: releases locks without waiting for the disk), then wait
            // until the WAL is flushed past it, in one round trip.
            committing = true;
            n.exec(in_transaction ? std::string("COMMIT; ") + kWaitDurable
                                  : std::string(kWaitDurable));
          }
        }
        Return(std::move(*conn));
        return st;
      } catch (const pqxx::broken_connection& e) {
        if (committing) return OutcomeUnknown(e);
        if (attempt >= 1) return Status::Error(ErrorCode::kUnavailable, "ledger", e.what());
      } catch (const pqxx::transaction_rollback& e) {  // serialization failure, deadlock
        if (committing) return OutcomeUnknown(e);
        Rollback(std::move(*conn), in_transaction);
        if (attempt >= kAttempts) return Status::Error(ErrorCode::kUnavailable, "ledger", e.what());
        Backoff(attempt);
      } catch (const pqxx::unique_violation& e) {  // a concurrent request with the same key won
        Rollback(std::move(*conn), in_transaction);
        if (attempt >= kAttempts) {
          return Status::Error(ErrorCode::kConflict, "idempotency_key", e.what());
        }
      } catch (const std::exception& e) {
        if (committing) return OutcomeUnknown(e);
        return Status::Error(ErrorCode::kUnavailable, "ledger", e.what());
      }
    }
  }

  Result<std::vector<Posting>> Postings(const std::string& account) override {
    return Select(account.empty() ? "all" : "by_account", account);
  }
  Result<std::vector<Posting>> PostingsOfTransaction(const std::string& ref) override {
    return Select("by_transaction", ref);
  }
  // The postings a prepared statement returns (with $1 = arg when it has a parameter).
  Result<std::vector<Posting>> Select(const char* statement, const std::string& arg) {
    return Read<std::vector<Posting>>([&](pqxx::work& w) -> Result<std::vector<Posting>> {
      auto res = arg.empty() ? w.exec_prepared(statement) : w.exec_prepared(statement, arg);
      std::vector<Posting> out;
      for (const auto& row : res) {
        auto p = ReadPosting(row);
        if (!p.ok()) return p.status();
        out.push_back(std::move(*p));
      }
      return out;
    });
  }
  Result<std::optional<Posting>> FindPosting(int64_t id) override {
    return Read<std::optional<Posting>>(
        [&](pqxx::work& w) { return OnePosting(w.exec_prepared("by_id", id)); });
  }
  Result<std::optional<Posting>> FindPostingByKey(const std::string& key) override {
    return Read<std::optional<Posting>>(
        [&](pqxx::work& w) { return OnePosting(w.exec_prepared("by_key", key)); });
  }
  Result<std::vector<std::string>> Accounts() override {
    return Read<std::vector<std::string>>([&](pqxx::work& w) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      for (const auto& row : w.exec_prepared("accounts")) out.push_back(row[0].as<std::string>());
      return out;
    });
  }
  Result<Totals> TotalsAsOf(const std::string& account, const std::string& period,
                            Date as_of) override {
    return Read<Totals>([&](pqxx::work& w) -> Result<Totals> {
      return SumRows(w.exec_prepared("sum_as_of", account, period, as_of.ToString()));
    });
  }
  Result<std::vector<std::pair<std::string, Totals>>> TotalsAsOfWithPrefix(
      const std::string& prefix, const std::string& period, Date as_of) override {
    using Out = std::vector<std::pair<std::string, Totals>>;
    return Read<Out>([&](pqxx::work& w) -> Result<Out> {
      Out out;
      for (const auto& row : w.exec_prepared("totals_prefix", prefix, period)) {
        const std::string account = row[0].as<std::string>();
        out.push_back(
            {account, SumRows(w.exec_prepared("sum_as_of", account, period, as_of.ToString()))});
      }
      return out;
    });
  }
  std::string name() const override { return "postgresql"; }

 private:
  using Conn = std::unique_ptr<pqxx::connection>;

  Result<Conn> Acquire() {
    {
      std::lock_guard g(mu_);
      if (!free_.empty()) {
        Conn c = std::move(free_.back());
        free_.pop_back();
        return c;
      }
    }
    try {
      auto c = std::make_unique<pqxx::connection>(connection_string_);
      // Write transactions commit asynchronously and are then made durable (kWaitDurable).
      pqxx::nontransaction(*c).exec("SET synchronous_commit TO off");
      Prepare(*c);
      return c;
    } catch (const std::exception& e) {
      return Status::Error(ErrorCode::kUnavailable, "ledger",
                           std::string("cannot connect to PostgreSQL: ") + e.what());
    }
  }
  void Return(Conn c) {
    if (!c || !c->is_open()) return;
    std::lock_guard g(mu_);
    free_.push_back(std::move(c));
  }
  static Status OutcomeUnknown(const std::exception& e) {
    return Status::Error(ErrorCode::kUnavailable, "ledger",
                         std::string("the commit was not confirmed durable; retry with the same "
                                     "idempotency key: ") +
                             e.what());
  }
  void Rollback(Conn conn, bool in_transaction) {
    if (!in_transaction) return Return(std::move(conn));
    try {
      pqxx::nontransaction(*conn).exec("ROLLBACK");
      Return(std::move(conn));
    } catch (const std::exception&) {  // the connection is dropped
    }
  }
  static void Backoff(int attempt) {
    thread_local std::mt19937 rng(std::random_device{}());
    const int max_us = 100 << std::min(attempt, 6);
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, max_us)(rng)));
  }
  template <typename T>
  Result<T> Read(const std::function<Result<T>(pqxx::work&)>& fn) {
    for (int attempt = 0;; ++attempt) {
      auto conn = Acquire();
      if (!conn.ok()) return conn.status();
      try {
        std::optional<Result<T>> out;
        {
          pqxx::work w(**conn);
          out.emplace(fn(w));
          w.commit();
        }
        Return(std::move(*conn));
        return std::move(*out);
      } catch (const pqxx::broken_connection& e) {
        if (attempt >= 1) return Status::Error(ErrorCode::kUnavailable, "ledger", e.what());
      } catch (const std::exception& e) {
        return Status::Error(ErrorCode::kUnavailable, "ledger", e.what());
      }
    }
  }

  std::string connection_string_;
  std::mutex mu_;
  std::vector<Conn> free_;
};

}  // namespace
}  // namespace exportctl::ledger::internal

// The PostgreSQL module's entry point for the ledger (core/postgres_module.h); the answer is
// written to *out (a C-linkage function does not return a C++ type).
extern "C" __attribute__((visibility("default"))) void exportctl_postgres_open_store(
    const std::string& connection_string,
    exportctl::Result<std::unique_ptr<exportctl::ledger::internal::Store>>* out) {
  using exportctl::ledger::internal::PostgresStore;
  using exportctl::ledger::internal::Store;
  auto store = std::make_unique<PostgresStore>(connection_string);
  if (exportctl::Status st = store->Init(); !st.ok()) {
    *out = st;
    return;
  }
  *out = std::unique_ptr<Store>(std::move(store));
}

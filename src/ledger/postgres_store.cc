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
                            LedgerTablesSql("BIGSERIAL PRIMARY KEY", "BIGINT") + R"sql(
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

const std::string kSelect = std::string("SELECT ") + kPostingColumns + " FROM ledger_postings ";

void Prepare(pqxx::connection& c) {
  c.prepare("lock", "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
  c.prepare("by_key", kSelect + "WHERE idempotency_key = $1");
  c.prepare("by_id", kSelect + "WHERE id = $1");
  c.prepare("settlement", kSelect + "WHERE reservation_id = $1");
  c.prepare("all", kSelect + "ORDER BY id");
  c.prepare("by_account", kSelect + "WHERE account = $1 ORDER BY id");
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

class PgTxn final : public StoreTxn {
 public:
  explicit PgTxn(pqxx::work& w) : w_(w) {}
  Status Lock(const std::string& key) override {
    w_.exec_prepared("lock", key);
    return Status::Ok();
  }
  Result<std::optional<StoredPosting>> FindByIdempotencyKey(const std::string& key) override {
    return One(w_.exec_prepared("by_key", key));
  }
  Result<std::optional<Posting>> FindById(int64_t id) override {
    return OnePosting(w_.exec_prepared("by_id", id));
  }
  Result<std::optional<Posting>> FindSettlement(int64_t id) override {
    return OnePosting(w_.exec_prepared("settlement", id));
  }
  Result<Totals> GetTotals(const std::string& account, const std::string& period) override {
    auto r = w_.exec_prepared("totals", account, period);
    if (r.empty()) return Totals();
    return Totals{r[0][0].as<int64_t>(), r[0][1].as<int64_t>()};
  }
  Result<std::vector<std::pair<std::string, Totals>>> GetTotalsWithPrefix(
      const std::string& prefix, const std::string& period) override {
    std::vector<std::pair<std::string, Totals>> out;
    for (const auto& row : w_.exec_prepared("totals_prefix", prefix, period)) {
      out.push_back({row[0].as<std::string>(), Totals{row[1].as<int64_t>(), row[2].as<int64_t>()}});
    }
    return out;
  }
  Status Append(Posting& p, const std::string& fingerprint, int64_t delta_reserved,
                int64_t delta_used) override {
    auto r = w_.exec_prepared("append", std::string(PostingKindName(p.kind)), p.account, p.period,
                              p.amount_milli, p.as_of.ToString(), p.reservation_id, p.decision_id,
                              p.transaction_ref, p.idempotency_key, p.reason, fingerprint,
                              delta_reserved, delta_used);
    p.id = r[0][0].as<int64_t>();
    p.recorded_at = r[0][1].as<std::string>();
    return Status::Ok();
  }

 private:
  pqxx::work& w_;
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
      try {
        pqxx::work w(**conn);
        PgTxn txn(w);
        Status st = fn(txn);
        if (!st.ok()) {
          w.abort();
          Return(std::move(*conn));
          return st;
        }
        w.commit();
        Return(std::move(*conn));
        return Status::Ok();
      } catch (const pqxx::in_doubt_error& e) {
        return Status::Error(
            ErrorCode::kUnavailable, "ledger",
            std::string("the commit outcome is unknown (retry with the same idempotency key): ") +
                e.what());
      } catch (const pqxx::broken_connection& e) {
        if (attempt >= 1) return Status::Error(ErrorCode::kUnavailable, "ledger", e.what());
      } catch (const pqxx::transaction_rollback& e) {  // serialization failure, deadlock
        Return(std::move(*conn));
        if (attempt >= kAttempts) return Status::Error(ErrorCode::kUnavailable, "ledger", e.what());
        Backoff(attempt);
      } catch (const pqxx::unique_violation& e) {  // a concurrent request with the same key won
        Return(std::move(*conn));
        if (attempt >= kAttempts)
          return Status::Error(ErrorCode::kConflict, "idempotency_key", e.what());
      } catch (const std::exception& e) {
        return Status::Error(ErrorCode::kUnavailable, "ledger", e.what());
      }
    }
  }

  Result<std::vector<Posting>> Postings(const std::string& account) override {
    return Read<std::vector<Posting>>([&](pqxx::work& w) -> Result<std::vector<Posting>> {
      auto res = account.empty() ? w.exec_prepared("all") : w.exec_prepared("by_account", account);
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
        pqxx::work w(**conn);
        Result<T> out = fn(w);
        w.commit();
        Return(std::move(*conn));
        return out;
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

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& connection_string) {
  auto store = std::make_unique<PostgresStore>(connection_string);
  EXPORTCTL_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace exportctl::ledger::internal

// The PostgreSQL audit log, normally in the ledger's database, so that several servers share one
// chain. A write transaction locks the head row (SELECT … FOR UPDATE) before reading it: appends
// from every process are serialised on it, and under READ COMMITTED the locked read returns the
// head the previous writer committed. Within one process, group commit (chained_log.cc) puts
// concurrent appends into one transaction. Records are append-only (a trigger refuses UPDATE,
// DELETE and TRUNCATE); the hash chain, not the trigger, is what makes tampering visible.
#include <limits>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>

#include "audit/audit_log.h"
#include "audit/chained_log.h"

namespace exportctl::audit {
namespace {

// The advisory lock keeps two processes from creating the schema at the same time.
const std::string kSchema = "SELECT pg_advisory_xact_lock(7260532);\n" +
                            internal::AuditTablesSql("BIGINT PRIMARY KEY") + R"sql(
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE t.tgname = 'audit_records_append_only' AND c.oid = 'audit_records'::regclass) THEN
    CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
      FOR EACH ROW EXECUTE FUNCTION audit_append_only();
    CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
      FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
  END IF;
END $$;
)sql";

constexpr int kPage = 1000;

AuditRecord RowToRecord(const pqxx::row& row) {
  AuditRecord r;
  r.seq = row[0].as<int64_t>();
  r.id = row[1].as<std::string>();
  r.kind = row[2].as<std::string>();
  r.time = row[3].as<std::string>();
  r.actor = row[4].as<std::string>();
  r.payload = row[5].as<std::string>();
  r.prev_hash = row[6].as<std::string>();
  r.hash = row[7].as<std::string>();
  return r;
}

Status Unavailable(const std::string& what, const std::exception& e) {
  return Status::Error(ErrorCode::kUnavailable, "audit", what + ": " + e.what());
}

class PgChainTxn final : public internal::ChainTxn {
 public:
  explicit PgChainTxn(pqxx::work& w) : w_(w) {}
  Result<Anchor> Head() override {
    auto r = w_.exec_prepared("audit_head_lock");
    if (r.empty()) return Status::Error(ErrorCode::kUnavailable, "audit", "audit head missing");
    return Anchor{r[0][0].as<int64_t>(), r[0][1].as<std::string>()};
  }
  Result<bool> Insert(const AuditRecord& r) override {
    auto res = w_.exec_prepared("audit_insert", r.seq, r.id, r.kind, r.time, r.actor, r.payload,
                                r.prev_hash, r.hash);
    return res.affected_rows() == 1;
  }
  Status SetHead(const Anchor& head) override {
    w_.exec_prepared("audit_set_head", head.seq, head.hash);
    return Status::Ok();
  }

 private:
  pqxx::work& w_;
};

class PostgresAuditLog final : public internal::ChainedAuditLog {
 public:
  explicit PostgresAuditLog(AuditLogOptions options)
      : ChainedAuditLog(options.clock, options.read_only), options_(std::move(options)) {}

  Status Open() {
    try {
      if (!options_.read_only) {
        auto c = std::make_unique<pqxx::connection>(options_.location);
        pqxx::work w(*c);
        w.exec(kSchema);
        w.commit();
      }
      auto reader = Connect(false);
      if (!reader.ok()) return reader.status();
      read_ = std::move(*reader);
      pqxx::read_transaction t(*read_);
      auto r = t.exec(
          "SELECT 1 FROM information_schema.tables WHERE table_name = 'audit_meta' AND "
          "table_schema = ANY (current_schemas(false))");
      if (r.empty()) {
        return Status::Error(ErrorCode::kNotFound, "",
                             RedactLocation(options_.location) + " holds no exportctl audit log");
      }
    } catch (const std::exception& e) {
      return Unavailable("opening the audit log in PostgreSQL", e);
    }
    return Status::Ok();
  }

  Result<AuditRecord> Get(const std::string& id) const override {
    return Read<AuditRecord>([&](pqxx::transaction_base& t) -> Result<AuditRecord> {
      auto r = t.exec_prepared("audit_get", id);
      if (r.empty()) {
        return Status::Error(ErrorCode::kNotFound, "id", "no audit record with id " + id);
      }
      return RowToRecord(r[0]);
    });
  }

  Status Scan(const TimeRange& range,
              const std::function<bool(const AuditRecord&)>& visit) const override {
    return Read<bool>([&](pqxx::transaction_base& t) -> Result<bool> {
      return Pages(visit, [&](int64_t after) {
        return t.exec_prepared("audit_scan", after, range.from, internal::UpperBound(range.to));
      });
    }).status();
  }

  Result<Anchor> Head() const override {
    return Read<Anchor>([&](pqxx::transaction_base& t) -> Result<Anchor> { return ReadHead(t); });
  }

 protected:
  Status WriteTransaction(const std::function<Status(internal::ChainTxn&)>& fn) override {
    // Only the group-commit leader is here, so the write connection needs no lock of its own.
    for (int attempt = 0;; ++attempt) {
      bool committing = false;
      try {
        if (!write_ || !write_->is_open()) {
          auto c = Connect(true);
          if (!c.ok()) return c.status();
          write_ = std::move(*c);
        }
        pqxx::work w(*write_);
        PgChainTxn txn(w);
        Status st = fn(txn);
        if (!st.ok()) return st;  // w's destructor rolls back
        committing = true;
        w.commit();
        return Status::Ok();
      } catch (const pqxx::broken_connection& e) {
        write_.reset();
        // A commit whose answer was lost may have happened: report it rather than append the
        // batch a second time.
        if (committing || attempt >= 1) return Unavailable("audit append", e);
      } catch (const pqxx::in_doubt_error& e) {
        write_.reset();
        return Unavailable("audit append (outcome unknown)", e);
      } catch (const std::exception& e) {
        return Unavailable("audit append", e);
      }
    }
  }

  Status ReadChain(Anchor* head,
                   const std::function<bool(const AuditRecord&)>& visit) const override {
    return Read<bool>([&](pqxx::transaction_base& t) -> Result<bool> {
      auto h = ReadHead(t);
      if (!h.ok()) return h.status();
      *head = *h;
      return Pages(visit, [&](int64_t after) { return t.exec_prepared("audit_all", after); });
    }).status();
  }

 private:
  Result<std::unique_ptr<pqxx::connection>> Connect(bool writer) const {
    try {
      auto c = std::make_unique<pqxx::connection>(options_.location);
      if (writer) {
        if (options_.durability == Durability::kProcessCrash) {
          pqxx::nontransaction(*c).exec("SET synchronous_commit TO off");
        }
        c->prepare("audit_head_lock",
                   "SELECT seq, hash FROM audit_head WHERE singleton = 1 FOR UPDATE");
        c->prepare("audit_insert",
                   "INSERT INTO audit_records(seq, id, kind, time, actor, payload, prev_hash, "
                   "hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING");
        c->prepare("audit_set_head", "UPDATE audit_head SET seq = $1, hash = $2 WHERE singleton = 1");
      } else {
        const std::string select = internal::kSelectColumns;
        c->prepare("audit_head", "SELECT seq, hash FROM audit_head WHERE singleton = 1");
        c->prepare("audit_get", select + "WHERE id = $1");
        c->prepare("audit_all", select + "WHERE seq > $1 ORDER BY seq LIMIT " +
                                    std::to_string(kPage));
        c->prepare("audit_scan", select +
                                     "WHERE seq > $1 AND ($2 = '' OR time >= $2) AND "
                                     "($3 = '' OR time <= $3) ORDER BY seq LIMIT " +
                                     std::to_string(kPage));
      }
      return c;
    } catch (const std::exception& e) {
      return Unavailable("cannot connect to PostgreSQL", e);
    }
  }

  static Result<Anchor> ReadHead(pqxx::transaction_base& t) {
    auto r = t.exec_prepared("audit_head");
    if (r.empty()) return Status::Error(ErrorCode::kUnavailable, "audit", "audit head missing");
    return Anchor{r[0][0].as<int64_t>(), r[0][1].as<std::string>()};
  }

  // Visits the records `page(after_seq)` returns, a page at a time (keyset on seq, from the
  // lowest possible seq so that even a tampered seq is seen), until visit returns false.
  template <typename PageFn>
  static Result<bool> Pages(const std::function<bool(const AuditRecord&)>& visit, PageFn page) {
    int64_t after = std::numeric_limits<int64_t>::min();
    for (;;) {
      pqxx::result r = page(after);
      for (const auto& row : r) {
        const AuditRecord rec = RowToRecord(row);
        if (!visit(rec)) return false;
        after = rec.seq;
      }
      if (r.size() < static_cast<size_t>(kPage)) return true;
    }
  }

  // One REPEATABLE READ, read-only transaction on the shared reading connection (reconnecting
  // once when it was lost).
  template <typename T>
  Result<T> Read(const std::function<Result<T>(pqxx::transaction_base&)>& fn) const {
    std::lock_guard<std::mutex> lock(read_mu_);
    for (int attempt = 0;; ++attempt) {
      try {
        if (!read_ || !read_->is_open()) {
          auto c = Connect(false);
          if (!c.ok()) return c.status();
          read_ = std::move(*c);
        }
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> t(*read_);
        Result<T> out = fn(t);
        t.commit();
        return out;
      } catch (const pqxx::broken_connection& e) {
        read_.reset();
        if (attempt >= 1) return Unavailable("audit read", e);
      } catch (const std::exception& e) {
        return Unavailable("audit read", e);
      }
    }
  }

  AuditLogOptions options_;
  std::unique_ptr<pqxx::connection> write_;
  mutable std::mutex read_mu_;
  mutable std::unique_ptr<pqxx::connection> read_;
};

}  // namespace

}  // namespace exportctl::audit

// The PostgreSQL module's entry point for the audit log (core/postgres_module.h); the answer is
// written to *out (a C-linkage function does not return a C++ type).
extern "C" __attribute__((visibility("default"))) void exportctl_postgres_open_audit_log(
    const exportctl::audit::AuditLogOptions& options,
    exportctl::Result<std::unique_ptr<exportctl::audit::AuditLog>>* out) {
  using exportctl::audit::AuditLog;
  auto log = std::make_unique<exportctl::audit::PostgresAuditLog>(options);
  if (exportctl::Status st = log->Open(); !st.ok()) {
    *out = st;
    return;
  }
  *out = std::unique_ptr<AuditLog>(std::move(log));
}

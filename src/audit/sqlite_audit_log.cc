// The SQLite audit log (the default): one file in WAL mode. Writes are serialised by SQLite's
// write lock (BEGIN IMMEDIATE), so several processes on one file keep one chain; readers share
// one connection. The chain itself is built and verified in chained_log.cc.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "audit/audit_log.h"
#include "audit/chained_log.h"
#include "audit/sqlite_util.h"

namespace exportctl::audit {
namespace {

using internal::Db;
using internal::Stmt;

const std::string kSchema = internal::AuditTablesSql("INTEGER PRIMARY KEY");

using internal::kSelectColumns;

AuditRecord RowToRecord(const Stmt& s) {
  AuditRecord r;
  r.seq = s.Int(0);
  r.id = s.Text(1);
  r.kind = s.Text(2);
  r.time = s.Text(3);
  r.actor = s.Text(4);
  r.payload = s.Text(5);
  r.prev_hash = s.Text(6);
  r.hash = s.Text(7);
  return r;
}

// The write connection's statements, prepared once: the leader of every group commit runs
// them, and preparing (parsing) them again each time was a tenth of an append's cost.
struct WriteStatements {
  explicit WriteStatements(const Db& db)
      : begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        head(db, "SELECT seq, hash FROM audit_head WHERE singleton = 1"),
        set_head(db, "UPDATE audit_head SET seq = ?1, hash = ?2 WHERE singleton = 1"),
        insert(db, "INSERT INTO audit_records(seq, id, kind, time, actor, payload, prev_hash, "
                   "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)") {}
  bool ok() const { return begin.ok() && commit.ok() && head.ok() && set_head.ok() && insert.ok(); }
  Stmt begin, commit, head, set_head, insert;
};

// Runs a statement without results; true when it completed.
bool Run(Stmt& s) {
  const int rc = s.Step();
  s.Reset();
  return rc == SQLITE_DONE;
}

Result<Anchor> HeadFrom(const Db& db, Stmt& s) {
  if (!s.ok() || s.Step() != SQLITE_ROW) {
    s.Reset();
    return db.Error("audit head");
  }
  Anchor head{s.Int(0), s.Text(1)};
  s.Reset();
  return head;
}

Result<Anchor> ReadHead(const Db& db) {
  Stmt s(db, "SELECT seq, hash FROM audit_head WHERE singleton = 1");
  return HeadFrom(db, s);
}

class SqliteChainTxn final : public internal::ChainTxn {
 public:
  SqliteChainTxn(const Db& db, WriteStatements& s) : db_(db), s_(s) {}
  Result<Anchor> Head() override { return HeadFrom(db_, s_.head); }
  Result<bool> Insert(const AuditRecord& r) override {
    Stmt& insert = s_.insert;
    insert.Bind(1, r.seq);
    insert.Bind(2, r.id);
    insert.Bind(3, r.kind);
    insert.Bind(4, r.time);
    insert.Bind(5, r.actor);
    insert.Bind(6, r.payload);
    insert.Bind(7, r.prev_hash);
    insert.Bind(8, r.hash);
    const int rc = insert.Step();
    insert.Reset();
    if (rc == SQLITE_CONSTRAINT) return false;
    if (rc != SQLITE_DONE) return db_.Error("audit insert");
    return true;
  }
  Status SetHead(const Anchor& head) override {
    s_.set_head.Bind(1, head.seq);
    s_.set_head.Bind(2, head.hash);
    if (!Run(s_.set_head)) return db_.Error("audit head");
    return Status::Ok();
  }

 private:
  const Db& db_;
  WriteStatements& s_;
};

class SqliteAuditLog final : public internal::ChainedAuditLog {
 public:
  explicit SqliteAuditLog(SqliteAuditOptions options)
      : ChainedAuditLog(options.clock, options.read_only), options_(std::move(options)) {}

  ~SqliteAuditLog() override {
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu_);
      stop_checkpoints_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    // The WAL is left for the next process (its records are durable already: every commit is
    // synced), so that a one-shot CLI call costs one fsync, not four, and does not delete and
    // re-create the WAL (a directory sync). The first opener after it re-reads the WAL to
    // rebuild its index, so a process that finds it longer than a few commits empties it.
    // Never waiting here: a busy reader or writer elsewhere leaves it to a later process.
    if (write_db_.get() && wal_frames_.load() >= kCheckpointOnCloseFrames) {
      sqlite3_busy_timeout(write_db_.get(), 0);
      (void)sqlite3_wal_checkpoint_v2(write_db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                      nullptr, nullptr);
    }
  }

  Status Open() {
    if (!options_.read_only) {
      EXPORTCTL_RETURN_IF_ERROR(internal::EnsureParentDir(options_.path));
      EXPORTCTL_RETURN_IF_ERROR(
          write_db_.Open(options_.path, false, options_.durability == Durability::kFsync));
      EXPORTCTL_RETURN_IF_ERROR(write_db_.Exec(kSchema.c_str()));
      // Checkpoints (copying the WAL into the database, with an fsync) run on their own
      // connection and thread, so that an append never waits for one.
      EXPORTCTL_RETURN_IF_ERROR(write_db_.Exec("PRAGMA wal_autocheckpoint=0"));
      KeepWalOnClose(write_db_);
      sqlite3_wal_hook(write_db_.get(), &SqliteAuditLog::CountWalFrames, this);
      checkpointer_ = std::thread([this] { CheckpointLoop(); });
      return Status::Ok();  // the read connection is opened by the first read
    }
    EXPORTCTL_RETURN_IF_ERROR(read_db_.Open(options_.path, true));
    Stmt check(read_db_, "SELECT value FROM audit_meta WHERE key='format'");
    if (!check.ok() || check.Step() != SQLITE_ROW) {
      return Status::Error(ErrorCode::kNotFound, "",
                           options_.path + " is not an exportctl audit log");
    }
    return Status::Ok();
  }

  Result<AuditRecord> Get(const std::string& id) const override {
    std::lock_guard<std::mutex> lock(read_mu_);
    EXPORTCTL_RETURN_IF_ERROR(OpenReadDb());
    Stmt s(read_db_, (std::string(kSelectColumns) + "WHERE id = ?1").c_str());
    if (!s.ok()) return read_db_.Error("audit get");
    s.Bind(1, id);
    const int rc = s.Step();
    if (rc == SQLITE_ROW) return RowToRecord(s);
    if (rc == SQLITE_DONE) {
      return Status::Error(ErrorCode::kNotFound, "id", "no audit record with id " + id);
    }
    return read_db_.Error("audit get");
  }

  Status Scan(const TimeRange& range,
              const std::function<bool(const AuditRecord&)>& visit) const override {
    std::lock_guard<std::mutex> lock(read_mu_);
    EXPORTCTL_RETURN_IF_ERROR(OpenReadDb());
    Stmt s(read_db_, (std::string(kSelectColumns) +
                      "WHERE (?1 = '' OR time >= ?1) AND (?2 = '' OR time <= ?2) ORDER BY seq")
                         .c_str());
    if (!s.ok()) return read_db_.Error("audit scan");
    s.Bind(1, range.from);
    s.Bind(2, internal::UpperBound(range.to));
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      if (!visit(RowToRecord(s))) return Status::Ok();
    }
    return rc == SQLITE_DONE ? Status::Ok() : read_db_.Error("audit scan");
  }

  Result<Anchor> Head() const override {
    std::lock_guard<std::mutex> lock(read_mu_);
    EXPORTCTL_RETURN_IF_ERROR(OpenReadDb());
    return ReadHead(read_db_);
  }

 protected:
  // The leader's transaction: BEGIN IMMEDIATE takes SQLite's write lock, which also keeps other
  // processes on the file from moving the head.
  Status WriteTransaction(const std::function<Status(internal::ChainTxn&)>& fn) override {
    if (!statements_) {
      statements_ = std::make_unique<WriteStatements>(write_db_);
      if (!statements_->ok()) {
        statements_.reset();
        return write_db_.Error("audit statements");
      }
    }
    if (!Run(statements_->begin)) return write_db_.Error("BEGIN IMMEDIATE");
    SqliteChainTxn txn(write_db_, *statements_);
    Status st = fn(txn);
    if (st.ok() && !Run(statements_->commit)) st = write_db_.Error("COMMIT");
    if (!st.ok()) (void)write_db_.Exec("ROLLBACK");
    return st;
  }

  Status ReadChain(Anchor* head,
                   const std::function<bool(const AuditRecord&)>& visit) const override {
    std::lock_guard<std::mutex> lock(read_mu_);
    EXPORTCTL_RETURN_IF_ERROR(OpenReadDb());
    // One read transaction: the head and the records come from the same snapshot.
    EXPORTCTL_RETURN_IF_ERROR(read_db_.Exec("BEGIN"));
    struct EndTxn {
      const Db& db;
      ~EndTxn() { (void)db.Exec("COMMIT"); }
    } end_txn{read_db_};
    auto h = ReadHead(read_db_);
    if (!h.ok()) return h.status();
    *head = *h;
    Stmt s(read_db_, (std::string(kSelectColumns) + "ORDER BY seq").c_str());
    if (!s.ok()) return read_db_.Error("audit records");
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      if (!visit(RowToRecord(s))) return Status::Ok();
    }
    return rc == SQLITE_DONE ? Status::Ok() : read_db_.Error("audit records");
  }

 private:
  // A WAL this long (16 KiB pages, about 1 MiB) is emptied by the process that closes the log.
  static constexpr int kCheckpointOnCloseFrames = 64;

  static void KeepWalOnClose(const Db& db) {
    sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }

  static int CountWalFrames(void* self, sqlite3*, const char*, int frames) {
    static_cast<SqliteAuditLog*>(self)->wal_frames_.store(frames);
    return SQLITE_OK;
  }

  // The read connection, opened by the first read (read_mu_ held): a process that only
  // appends, as a CLI `check`, never opens it.
  Status OpenReadDb() const {
    if (read_db_.get()) return Status::Ok();
    EXPORTCTL_RETURN_IF_ERROR(read_db_.Open(options_.path, false));
    KeepWalOnClose(read_db_);
    return Status::Ok();
  }

  // Every 200 ms; the connection is opened on the first round, so a process that ends sooner
  // (a CLI call) neither opens it nor checkpoints on its way out.
  void CheckpointLoop() {
    std::unique_lock<std::mutex> lock(checkpoint_mu_);
    while (!stop_checkpoints_) {
      checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (stop_checkpoints_) break;
      lock.unlock();
      if (!checkpoint_db_.get() &&
          checkpoint_db_.Open(options_.path, false, options_.durability == Durability::kFsync).ok()) {
        KeepWalOnClose(checkpoint_db_);
      }
      // PASSIVE never blocks writers; a failure (e.g. busy) is retried on the next round.
      if (checkpoint_db_.get()) (void)checkpoint_db_.Exec("PRAGMA wal_checkpoint(PASSIVE)");
      lock.lock();
    }
  }

  SqliteAuditOptions options_;
  Db write_db_;  // used by the current leader only
  std::unique_ptr<WriteStatements> statements_;  // write_db_'s, prepared on the first write
  std::atomic<int> wal_frames_{0};  // the WAL's length after this process's last commit
  mutable std::mutex read_mu_;
  mutable Db read_db_;
  Db checkpoint_db_;  // the checkpoint thread's
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stop_checkpoints_ = false;
  std::thread checkpointer_;
};

}  // namespace

Result<std::unique_ptr<AuditLog>> OpenSqliteAuditLog(const SqliteAuditOptions& options) {
  auto log = std::make_unique<SqliteAuditLog>(options);
  EXPORTCTL_RETURN_IF_ERROR(log->Open());
  return std::unique_ptr<AuditLog>(std::move(log));
}

}  // namespace exportctl::audit

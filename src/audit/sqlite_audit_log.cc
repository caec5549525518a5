// The SQLite audit log: leader-based group commit for writers; readers share one connection.
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <thread>
#include <deque>
#include <mutex>
#include <vector>

#include "audit/audit_log.h"
#include "audit/crypto.h"
#include "audit/sqlite_util.h"
#include "core/json_writer.h"

namespace exportctl::audit {
namespace {

using internal::Db;
using internal::Stmt;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS audit_records (
  seq       INTEGER PRIMARY KEY,
  id        TEXT NOT NULL UNIQUE,
  kind      TEXT NOT NULL,
  time      TEXT NOT NULL,
  actor     TEXT NOT NULL,
  payload   TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records(time);
CREATE TABLE IF NOT EXISTS audit_head (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  seq       INTEGER NOT NULL,
  hash      TEXT NOT NULL
);
INSERT OR IGNORE INTO audit_head(singleton, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO audit_meta(key, value) VALUES ('format', 'exportctl-audit/1');
)sql";

constexpr char kSelectColumns[] =
    "SELECT seq, id, kind, time, actor, payload, prev_hash, hash FROM audit_records ";

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

// '{' … '}' or '[' … ']' around optional whitespace.
bool LooksLikeJsonContainer(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  const size_t last = s.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  return (s[first] == '{' && s[last] == '}') || (s[first] == '[' && s[last] == ']');
}

std::string UpperBound(const std::string& to) {
  // A bare date covers the whole day.
  if (to.size() == 10) return to + "T23:59:59.999Z";
  return to;
}

class SqliteAuditLog final : public AuditLog {
 public:
  explicit SqliteAuditLog(SqliteAuditOptions options) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
  }

  ~SqliteAuditLog() override {
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu_);
      stop_checkpoints_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
  }

  Status Open() {
    if (!options_.read_only) {
      EXPORTCTL_RETURN_IF_ERROR(internal::EnsureParentDir(options_.path));
      EXPORTCTL_RETURN_IF_ERROR(
          write_db_.Open(options_.path, false, options_.durability == Durability::kFsync));
      EXPORTCTL_RETURN_IF_ERROR(write_db_.Exec(kSchema));
      // Checkpoints (copying the WAL into the database, with an fsync) run on their own
      // connection and thread, so that an append never waits for one.
      EXPORTCTL_RETURN_IF_ERROR(write_db_.Exec("PRAGMA wal_autocheckpoint=0"));
      EXPORTCTL_RETURN_IF_ERROR(checkpoint_db_.Open(options_.path, false,
                                                    options_.durability == Durability::kFsync));
      checkpointer_ = std::thread([this] { CheckpointLoop(); });
    }
    EXPORTCTL_RETURN_IF_ERROR(read_db_.Open(options_.path, options_.read_only));
    if (options_.read_only) {
      Stmt check(read_db_, "SELECT value FROM audit_meta WHERE key='format'");
      if (!check.ok() || check.Step() != SQLITE_ROW) {
        return Status::Error(ErrorCode::kNotFound, "",
                             options_.path + " is not an exportctl audit log");
      }
    }
    return Status::Ok();
  }

  Result<AuditRecord> Append(AuditEntry entry) override {
    std::vector<AuditEntry> one;
    one.push_back(std::move(entry));
    return std::move(AppendMany(std::move(one)).front());
  }

  std::vector<Result<AuditRecord>> AppendMany(std::vector<AuditEntry> entries) override {
    std::vector<std::optional<Result<AuditRecord>>> early(entries.size());
    std::vector<Pending> pending;
    pending.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      AuditEntry& e = entries[i];
      if (options_.read_only) {
        early[i] = Status::Error(ErrorCode::kInternal, "", "audit log opened read-only");
      } else if (e.kind.empty()) {
        early[i] = Status::Invalid("kind", "must not be empty");
      } else if (!LooksLikeJsonContainer(e.payload)) {
        early[i] = Status::Invalid("payload", "must be a JSON object or array");
      } else {
        if (e.id.empty()) e.id = NewEventId();
        pending.push_back(Pending{std::move(e), std::nullopt});
      }
    }
    if (!pending.empty()) {
      // Group commit without a writer thread: whoever finds no write in progress becomes the
      // leader and writes everything queued so far in one transaction; the others wait, and one
      // of them leads the next batch. Alone, an append costs no thread hand-off.
      std::unique_lock<std::mutex> lock(mu_);
      for (Pending& p : pending) queue_.push_back(&p);
      while (!pending.back().result.has_value()) {
        if (writing_) {
          done_cv_.wait(lock);
          continue;
        }
        writing_ = true;
        std::vector<Pending*> batch(queue_.begin(), queue_.end());
        queue_.clear();
        lock.unlock();
        WriteBatch(batch);
        lock.lock();
        writing_ = false;
        done_cv_.notify_all();
      }
    }
    std::vector<Result<AuditRecord>> results;
    results.reserve(entries.size());
    size_t next = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (early[i]) {
        results.push_back(std::move(*early[i]));
      } else {
        results.push_back(std::move(*pending[next++].result));
      }
    }
    return results;
  }

  Result<AuditRecord> Get(const std::string& id) const override {
    std::lock_guard<std::mutex> lock(read_mu_);
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
    Stmt s(read_db_, (std::string(kSelectColumns) +
                      "WHERE (?1 = '' OR time >= ?1) AND (?2 = '' OR time <= ?2) ORDER BY seq")
                         .c_str());
    if (!s.ok()) return read_db_.Error("audit scan");
    s.Bind(1, range.from);
    s.Bind(2, range.to.empty() ? std::string() : UpperBound(range.to));
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      if (!visit(RowToRecord(s))) return Status::Ok();
    }
    return rc == SQLITE_DONE ? Status::Ok() : read_db_.Error("audit scan");
  }

  Result<Anchor> Head() const override {
    std::lock_guard<std::mutex> lock(read_mu_);
    return ReadHead(read_db_);
  }

  VerifyReport Verify(const std::optional<Anchor>& anchor) const override {
    std::lock_guard<std::mutex> lock(read_mu_);
    VerifyReport report;
    auto fail = [&](int64_t seq, std::string id, std::string problem) {
      report.ok = false;
      report.first_bad_seq = seq;
      report.first_bad_id = std::move(id);
      report.problem = std::move(problem);
      return report;
    };
    // One read transaction: the head and the records come from the same snapshot.
    if (!read_db_.Exec("BEGIN").ok()) return fail(0, "", "cannot read the audit log");
    struct EndTxn {
      const Db& db;
      ~EndTxn() { (void)db.Exec("COMMIT"); }
    } end_txn{read_db_};

    auto head = ReadHead(read_db_);
    if (!head.ok()) return fail(0, "", "audit head missing: " + head.status().message());
    report.head_seq = head->seq;
    report.head_hash = head->hash;

    Stmt s(read_db_, (std::string(kSelectColumns) + "ORDER BY seq").c_str());
    if (!s.ok()) return fail(0, "", "cannot read the audit records");
    int64_t expected = 1;
    std::string prev = kGenesisHash;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      const AuditRecord r = RowToRecord(s);
      if (r.seq != expected) {
        return fail(expected, "",
                    "record " + std::to_string(expected) + " is missing (the next record is " +
                        std::to_string(r.seq) + ")");
      }
      if (r.prev_hash != prev) {
        return fail(r.seq, r.id,
                    "prev_hash does not match the hash of record " + std::to_string(r.seq - 1) +
                        ": a record was modified, removed or reordered");
      }
      if (RecordHash(r) != r.hash) {
        return fail(r.seq, r.id, "the record's content does not match its hash: it was modified");
      }
      if (anchor && anchor->seq == r.seq && anchor->hash != r.hash) {
        return fail(r.seq, r.id, "the record does not match the anchor: the chain was rewritten");
      }
      prev = r.hash;
      ++report.records_checked;
      ++expected;
    }
    if (rc != SQLITE_DONE) return fail(0, "", "error while reading the audit records");
    const int64_t last = expected - 1;
    if (head->seq > last) {
      return fail(last + 1, "",
                  "the log ends at record " + std::to_string(last) + " but its head says " +
                      std::to_string(head->seq) + ": records were removed from the end");
    }
    if (head->seq < last) {
      return fail(head->seq + 1, "",
                  "records after the head (" + std::to_string(head->seq) +
                      ") were added outside the log");
    }
    if (head->hash != prev) {
      return fail(last, "", "the head hash does not match the last record");
    }
    if (anchor && anchor->seq > last) {
      return fail(last + 1, "",
                  "the anchor names record " + std::to_string(anchor->seq) +
                      " but the log ends at " + std::to_string(last) + ": truncated");
    }
    return report;
  }

 private:
  struct Pending {
    AuditEntry entry;
    std::optional<Result<AuditRecord>> result;
  };

  void CheckpointLoop() {
    std::unique_lock<std::mutex> lock(checkpoint_mu_);
    while (!stop_checkpoints_) {
      checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(200));
      lock.unlock();
      // PASSIVE never blocks writers; a failure (e.g. busy) is retried on the next round.
      (void)checkpoint_db_.Exec("PRAGMA wal_checkpoint(PASSIVE)");
      lock.lock();
    }
  }

  static Result<Anchor> ReadHead(const Db& db) {
    Stmt s(db, "SELECT seq, hash FROM audit_head WHERE singleton = 1");
    if (!s.ok() || s.Step() != SQLITE_ROW) return db.Error("audit head");
    return Anchor{s.Int(0), s.Text(1)};
  }

  // Appends the batch in one transaction (one fsync); a duplicate id fails only its own entry.
  // Called by the leader without mu_; results are handed over under mu_.
  void WriteBatch(const std::vector<Pending*>& batch) {
    std::vector<Result<AuditRecord>> results;
    results.reserve(batch.size());
    auto fail_all = [&](const Status& st) {
      (void)write_db_.Exec("ROLLBACK");
      results.clear();
      for (size_t i = 0; i < batch.size(); ++i) results.emplace_back(st);
    };
    [&] {
      if (Status st = write_db_.Exec("BEGIN IMMEDIATE"); !st.ok()) {
        for (size_t i = 0; i < batch.size(); ++i) results.emplace_back(st);
        return;
      }
      auto head = ReadHead(write_db_);
      if (!head.ok()) return fail_all(head.status());
      Stmt insert(write_db_,
                  "INSERT INTO audit_records(seq, id, kind, time, actor, payload, prev_hash, hash) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
      if (!insert.ok()) return fail_all(write_db_.Error("audit insert"));
      int64_t seq = head->seq;
      std::string prev = head->hash;
      for (Pending* p : batch) {
        AuditRecord r;
        r.seq = seq + 1;
        r.id = std::move(p->entry.id);
        r.kind = std::move(p->entry.kind);
        r.time = FormatTime(options_.clock());
        r.actor = std::move(p->entry.actor);
        r.payload = std::move(p->entry.payload);
        r.prev_hash = prev;
        r.hash = RecordHash(r);
        insert.Reset();
        insert.Bind(1, r.seq);
        insert.Bind(2, r.id);
        insert.Bind(3, r.kind);
        insert.Bind(4, r.time);
        insert.Bind(5, r.actor);
        insert.Bind(6, r.payload);
        insert.Bind(7, r.prev_hash);
        insert.Bind(8, r.hash);
        const int rc = insert.Step();
        if (rc == SQLITE_CONSTRAINT) {
          results.emplace_back(Status::Error(ErrorCode::kConflict, "id",
                                             "an audit record with id " + r.id + " exists"));
          continue;
        }
        if (rc != SQLITE_DONE) return fail_all(write_db_.Error("audit insert"));
        seq = r.seq;
        prev = r.hash;
        results.emplace_back(std::move(r));
      }
      Stmt update(write_db_, "UPDATE audit_head SET seq = ?1, hash = ?2 WHERE singleton = 1");
      if (!update.ok()) return fail_all(write_db_.Error("audit head"));
      update.Bind(1, seq);
      update.Bind(2, prev);
      if (update.Step() != SQLITE_DONE) return fail_all(write_db_.Error("audit head"));
      if (Status st = write_db_.Exec("COMMIT"); !st.ok()) return fail_all(st);
    }();
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->result.emplace(std::move(results[i]));
  }

  SqliteAuditOptions options_;
  Db write_db_;          // used by the current leader only (writing_ == true)
  mutable std::mutex read_mu_;
  Db read_db_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  std::deque<Pending*> queue_;
  bool writing_ = false;
  Db checkpoint_db_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stop_checkpoints_ = false;
  std::thread checkpointer_;
};

}  // namespace

const char* DurabilityName(Durability d) {
  switch (d) {
    case Durability::kFsync: return "fsync";
    case Durability::kProcessCrash: return "process-crash";
  }
  return "fsync";
}

std::string CanonicalRecord(const AuditRecord& r) {
  std::string out;
  out.reserve(r.payload.size() + 256);
  JsonWriter w(out);
  w.BeginArray()
      .String("exportctl-audit/1")
      .Integer(r.seq)
      .String(r.id)
      .String(r.kind)
      .String(r.time)
      .String(r.actor)
      .String(r.prev_hash)
      .String(r.payload)
      .EndArray();
  return out;
}

std::string RecordHash(const AuditRecord& r) { return Sha256Hex(CanonicalRecord(r)); }

Result<Anchor> ParseAnchor(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::Invalid("anchor", "expected SEQ:HASH as printed by `audit head`");
  }
  Anchor a;
  try {
    size_t used = 0;
    a.seq = std::stoll(text.substr(0, colon), &used);
    if (used != colon || a.seq < 1) throw std::invalid_argument("seq");
  } catch (const std::exception&) {
    return Status::Invalid("anchor", "SEQ must be a positive integer");
  }
  a.hash = text.substr(colon + 1);
  if (a.hash.size() != 64 || a.hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::Invalid("anchor", "HASH must be 64 lower-case hex digits");
  }
  return a;
}

std::string FormatTime(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

std::string NewEventId(const std::string& prefix) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char time_hex[16];
  std::snprintf(time_hex, sizeof time_hex, "%011llx",
                static_cast<unsigned long long>(ms) & 0xfffffffffffULL);
  return prefix + time_hex + RandomHex(8).substr(0, 15);
}

Result<std::unique_ptr<AuditLog>> OpenSqliteAuditLog(const SqliteAuditOptions& options) {
  auto log = std::make_unique<SqliteAuditLog>(options);
  EXPORTCTL_RETURN_IF_ERROR(log->Open());
  return std::unique_ptr<AuditLog>(std::move(log));
}

void AppendRecordJsonl(const AuditRecord& r, std::string& out) {
  JsonWriter w(out);
  w.BeginObject()
      .Field("seq", r.seq)
      .Field("id", r.id)
      .Field("kind", r.kind)
      .Field("time", r.time)
      .Field("actor", r.actor)
      .Key("payload")
      .Raw(r.payload)
      .Field("prev_hash", r.prev_hash)
      .Field("hash", r.hash)
      .EndObject();
}

namespace {
void AppendCsvField(std::string_view v, std::string& out) {
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}
}  // namespace

void AppendRecordCsvHeader(std::string& out) {
  out += "seq,id,kind,time,actor,payload,prev_hash,hash";
}

void AppendRecordCsv(const AuditRecord& r, std::string& out) {
  out += std::to_string(r.seq);
  for (const std::string* f : {&r.id, &r.kind, &r.time, &r.actor, &r.payload, &r.prev_hash,
                               &r.hash}) {
    out += ',';
    AppendCsvField(*f, out);
  }
}

void AppendVerifyReportJson(const VerifyReport& r, std::string& out) {
  JsonWriter w(out);
  w.BeginObject()
      .Field("ok", r.ok)
      .Field("records_checked", r.records_checked)
      .Field("head_seq", r.head_seq)
      .Field("head_hash", r.head_hash);
  if (!r.ok) {
    w.Key("first_bad").BeginObject().Field("seq", r.first_bad_seq);
    if (!r.first_bad_id.empty()) w.Field("id", r.first_bad_id);
    w.Field("problem", r.problem).EndObject();
  }
  w.EndObject();
}

}  // namespace exportctl::audit

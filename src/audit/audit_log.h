// The audit log: an append-only, hash-chained record of every decision and every configuration
// or list change, kept so that an officer can show, years later, why a shipment was allowed
// (15 CFR Part 762 asks for five years). Each record carries the SHA-256 of the previous one, so
// `Verify` finds any modified, removed, reordered or truncated record. Format: docs/audit.md.
//
//   auto log = OpenSqliteAuditLog({.path = "exportctl-data/audit.sqlite"});
//   auto rec = (*log)->Append({.id = decision_id, .kind = "decision", .actor = key_id,
//                              .payload = payload_json});          // durable when it returns
//   VerifyReport report = (*log)->Verify();
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace exportctl::audit {

// What a caller appends. `payload` is one JSON value (normally an object), stored byte for byte.
struct AuditEntry {
  std::string id;       // unique: the decision id, or an event id ("evt_…"); empty = generated
  std::string kind;     // "decision", "key.created", "key.revoked", "config", "lists.imported", …
  std::string actor;    // API key id, or "cli:<user>"; never a secret
  // One JSON object or array, built from validated parts (the log checks only that it is
  // delimited like one: a full parse would cost more than the rest of the append).
  std::string payload;
};

// A stored record: the entry plus its place in the chain.
struct AuditRecord {
  int64_t seq = 0;         // 1, 2, 3, … without gaps
  std::string id, kind;
  std::string time;        // UTC, RFC 3339 with milliseconds: "2026-11-29T01:39:31.123Z"
  std::string actor;
  std::string payload;
  std::string prev_hash;   // hex SHA-256 of the previous record (64 zeros for the first)
  std::string hash;        // hex SHA-256 of this record (see RecordHash)
};

// The hash of a record from its fields and the previous hash; the one definition of the chain.
std::string RecordHash(const AuditRecord& r);
// The canonical bytes that RecordHash covers (documented in docs/audit.md).
std::string CanonicalRecord(const AuditRecord& r);
inline constexpr char kGenesisHash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct VerifyReport {
  bool ok = true;
  int64_t records_checked = 0;
  int64_t head_seq = 0;           // the head the log claims (0 = empty)
  std::string head_hash;
  // When !ok: the first record found bad (seq 0 = the problem is at the end, e.g. truncation).
  int64_t first_bad_seq = 0;
  std::string first_bad_id;
  std::string problem;            // one sentence: what is wrong
};

// An externally kept checkpoint ("audit head" printed earlier and stored elsewhere); Verify then
// also proves that the chain still passes through it, which catches a rewritten tail + head.
struct Anchor {
  int64_t seq = 0;
  std::string hash;
};
Result<Anchor> ParseAnchor(const std::string& text);  // "SEQ:HASH"

struct TimeRange {
  std::string from;  // inclusive; "" = open. "YYYY-MM-DD" or an RFC 3339 prefix
  std::string to;    // inclusive for a date ("2026-01-31" covers the whole day); "" = open
};

// Thread-safe. Append blocks until the record is durable (group commit: concurrent appends share
// one transaction and one fsync).
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // kConflict when the id exists; kInvalidInput for an empty kind; kUnavailable on storage failure.
  virtual Result<AuditRecord> Append(AuditEntry entry) = 0;
  // Appends several entries with one commit; one result per entry, in order.
  virtual std::vector<Result<AuditRecord>> AppendMany(std::vector<AuditEntry> entries) = 0;
  virtual Result<AuditRecord> Get(const std::string& id) const = 0;
  // Records in seq order whose time is within the range; `visit` returning false stops early.
  virtual Status Scan(const TimeRange& range,
                      const std::function<bool(const AuditRecord&)>& visit) const = 0;
  virtual VerifyReport Verify(const std::optional<Anchor>& anchor = std::nullopt) const = 0;
  virtual Result<Anchor> Head() const = 0;
};

using WallClock = std::function<std::chrono::system_clock::time_point()>;

// When Append returns, the record is…
enum class Durability {
  kFsync,         // …on disk (SQLite synchronous=FULL: one fsync per group commit). Default.
  kProcessCrash,  // …in the OS (synchronous=NORMAL): survives a crash or SIGKILL of the process,
                  // not a power loss or kernel crash (the last commits may then be lost whole;
                  // the chain stays consistent because WAL commits are atomic).
};
const char* DurabilityName(Durability d);  // "fsync", "process-crash"

struct SqliteAuditOptions {
  std::string path;              // e.g. "./exportctl-data/audit.sqlite"; parent dirs are created
  WallClock clock;               // default: the system clock
  bool read_only = false;        // verify/show/export open read-only
  Durability durability = Durability::kFsync;
};
Result<std::unique_ptr<AuditLog>> OpenSqliteAuditLog(const SqliteAuditOptions& options);

// The log at a location: a postgresql:// or postgres:// URL (tables audit_records, audit_head
// and audit_meta in that database, normally the ledger's; any number of processes may append),
// or else a SQLite file path. Same records, same chain, same verification on both.
struct AuditLogOptions {
  std::string location;
  WallClock clock;               // default: the system clock
  bool read_only = false;        // verify/show/export: the log must exist
  // PostgreSQL: kFsync commits with the server's synchronous_commit (on by default: flushed
  // before Append returns); kProcessCrash with synchronous_commit=off (the record is in the
  // database server once Append returns, on its disk within wal_writer_delay).
  Durability durability = Durability::kFsync;
};
Result<std::unique_ptr<AuditLog>> OpenAuditLog(const AuditLogOptions& options);
bool IsPostgresUrl(const std::string& location);
// The location with any password in a URL replaced by "***", for messages and logs.
std::string RedactLocation(const std::string& location);

// "2026-11-29T01:39:31.123Z"
std::string FormatTime(std::chrono::system_clock::time_point t);
// A fresh id with the given prefix: "evt_" + 26 hex chars, the first 11 the time in
// milliseconds, the rest random. Time-ordered ids keep the id index append-mostly (one dirty
// page per batch instead of one per record), which is most of the cost of an append.
std::string NewEventId(const std::string& prefix = "evt_");

// Export helpers (CLI `audit export`, one record per line).
void AppendRecordJsonl(const AuditRecord& r, std::string& out);  // payload embedded as JSON
void AppendRecordCsvHeader(std::string& out);
void AppendRecordCsv(const AuditRecord& r, std::string& out);     // RFC 4180 quoting
void AppendVerifyReportJson(const VerifyReport& r, std::string& out);

}  // namespace exportctl::audit

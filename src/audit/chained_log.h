// The part of the audit log that does not depend on where it is stored: entry validation,
// leader-based group commit, building the hash chain, and verification. A storage backend
// (SQLite, PostgreSQL) supplies a write transaction that holds the chain's head against every
// other writer (thread or process) and a consistent read of the chain. Private to the module.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"

namespace exportctl::audit::internal {

// One open write transaction with the head locked until it ends.
class ChainTxn {
 public:
  virtual ~ChainTxn() = default;
  virtual Result<Anchor> Head() = 0;
  // Inserts the record; false (nothing written, the transaction still usable) when a record with
  // its id exists.
  virtual Result<bool> Insert(const AuditRecord& r) = 0;
  virtual Status SetHead(const Anchor& head) = 0;
};

class ChainedAuditLog : public AuditLog {
 public:
  Result<AuditRecord> Append(AuditEntry entry) final;
  std::vector<Result<AuditRecord>> AppendMany(std::vector<AuditEntry> entries) final;
  VerifyReport Verify(const std::optional<Anchor>& anchor) const final;

 protected:
  ChainedAuditLog(WallClock clock, bool read_only);

  // Runs fn in one write transaction; commits when it returns OK (Append returns only after the
  // commit is durable to the backend's Durability), rolls back otherwise.
  virtual Status WriteTransaction(const std::function<Status(ChainTxn&)>& fn) = 0;
  // From one snapshot: sets *head, then visits every record in seq order until visit returns
  // false.
  virtual Status ReadChain(Anchor* head,
                           const std::function<bool(const AuditRecord&)>& visit) const = 0;

 private:
  struct Waiter {
    std::condition_variable cv;
  };
  struct Pending {
    AuditEntry entry;
    std::optional<Result<AuditRecord>> result;
    Waiter* waiter = nullptr;  // the caller waiting for the result (under mu_)
  };
  std::vector<Result<AuditRecord>> WriteBatch(const std::vector<Pending*>& batch);

  WallClock clock_;
  bool read_only_;
  std::mutex mu_;
  std::deque<Pending*> queue_;
  bool writing_ = false;
};

// The tables of docs/audit.md, for both backends: `seq_primary_key` is SQLite's
// "INTEGER PRIMARY KEY" (the rowid) or PostgreSQL's "BIGINT PRIMARY KEY".
std::string AuditTablesSql(const char* seq_primary_key);
inline constexpr char kSelectColumns[] =
    "SELECT seq, id, kind, time, actor, payload, prev_hash, hash FROM audit_records ";

// '{' … '}' or '[' … ']' around optional whitespace.
bool LooksLikeJsonContainer(std::string_view s);
// The inclusive upper bound of a TimeRange's `to` ("" stays open; a bare date covers the day).
std::string UpperBound(const std::string& to);

}  // namespace exportctl::audit::internal

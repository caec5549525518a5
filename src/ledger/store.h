// Private to the ledger module: the storage primitives a backend provides. The posting
// semantics (caps, idempotency, settle rules) live once, in ledger.cc, on top of these.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace exportctl::ledger::internal {

struct Totals {
  int64_t reserved_milli = 0;
  int64_t used_milli = 0;
  int64_t held() const { return reserved_milli + used_milli; }
};

struct StoredPosting {
  Posting posting;
  std::string fingerprint;  // canonical request content, for idempotency checks
};

// One write transaction. Everything read sees the latest committed state once Lock() returned.
class StoreTxn {
 public:
  virtual ~StoreTxn() = default;
  // Serialises writers that touch lock_key until this transaction ends. (SQLite: every write
  // transaction is already exclusive, so this is free.)
  virtual Status Lock(const std::string& lock_key) = 0;
  // From here on, every step runs in one explicit transaction (PostgreSQL otherwise runs the
  // first single-statement steps in autocommit; see postgres_store.cc).
  virtual Status RequireTransaction() { return Status::Ok(); }
  virtual Result<std::optional<StoredPosting>> FindByIdempotencyKey(const std::string& key) = 0;
  virtual Result<std::optional<Posting>> FindById(int64_t id) = 0;
  // The commit or release that settled a reservation, if any.
  virtual Result<std::optional<Posting>> FindSettlement(int64_t reservation_id) = 0;
  virtual Result<Totals> GetTotals(const std::string& account, const std::string& period) = 0;
  // Totals of every account whose text starts with prefix, in one period.
  virtual Result<std::vector<std::pair<std::string, Totals>>> GetTotalsWithPrefix(
      const std::string& prefix, const std::string& period) = 0;
  // Appends a reserve posting if the held total (reserved + used) of (posting.account,
  // posting.period) plus its amount stays within limit_milli, as one atomic step that needs no
  // Lock(). Returns the totals before the posting, or nullopt when it does not fit (nothing
  // written). The default locks the account and checks, then appends.
  virtual Result<std::optional<Totals>> AppendReserveIfFits(Posting& posting,
                                                            const std::string& fingerprint,
                                                            int64_t limit_milli);
  // Appends the posting (id and recorded_at are assigned) and applies the deltas to the
  // running totals of (posting.account, posting.period).
  virtual Status Append(Posting& posting, const std::string& fingerprint, int64_t delta_reserved,
                        int64_t delta_used) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs fn in one write transaction and commits it. When fn returns an error nothing it wrote
  // is kept. fn may be run more than once (retry after a serialization failure), so it must
  // only write its results through captured variables it resets itself.
  virtual Status Transact(const std::function<Status(StoreTxn&)>& fn) = 0;

  // Reads outside any write transaction (latest committed state).
  virtual Result<std::vector<Posting>> Postings(const std::string& account) = 0;
  virtual Result<std::optional<Posting>> FindPosting(int64_t id) = 0;
  virtual Result<std::optional<Posting>> FindPostingByKey(const std::string& idempotency_key) = 0;
  virtual Result<std::vector<std::string>> Accounts() = 0;
  // Postings whose transaction_ref is ref (settlements carry their reservation's), oldest first.
  virtual Result<std::vector<Posting>> PostingsOfTransaction(const std::string& ref) = 0;
  // Totals of (account, period) counting only postings dated <= as_of.
  virtual Result<Totals> TotalsAsOf(const std::string& account, const std::string& period,
                                    Date as_of) = 0;
  virtual Result<std::vector<std::pair<std::string, Totals>>> TotalsAsOfWithPrefix(
      const std::string& prefix, const std::string& period, Date as_of) = 0;
  virtual std::string name() const = 0;
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int busy_timeout_ms);
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& connection_string);
// Kept in memory only, gone with the process (LedgerOptions::location "memory:").
std::unique_ptr<Store> OpenMemoryStore();

// Shared by both backends.
// CREATE TABLE/INDEX IF NOT EXISTS statements of the ledger (docs/ledger.md), in a dialect.
std::string LedgerTablesSql(const std::string& id_column_type, const std::string& integer_type,
                            const std::string& totals_table_options);
const char* const kPostingColumns =
    "id, kind, account, period, amount_milli, as_of, COALESCE(reservation_id, 0), decision_id, "
    "transaction_ref, COALESCE(idempotency_key, ''), reason, recorded_at, fingerprint";
Result<PostingKind> ParsePostingKind(const std::string& text);
// The totals a list of postings adds up to.
Totals SumPostings(const std::vector<Posting>& postings);

}  // namespace exportctl::ledger::internal

// Shared by both backends: the ledger tables (documented in docs/ledger.md) and the default
// check-then-append reservation step.
#include "ledger/store.h"

#include "core/postgres_module.h"

namespace exportctl::ledger::internal {

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& connection_string) {
  return CallPostgresModule<std::unique_ptr<Store>>(PostgresModule::kLedger, "exportctl_postgres_open_store",
                                                    connection_string);
}

std::string LedgerTablesSql(const std::string& id_type, const std::string& int_type,
                            const std::string& totals_table_options) {
  return R"sql(
CREATE TABLE IF NOT EXISTS ledger_meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_postings(
  id )sql" +
         id_type + R"sql(,
  kind TEXT NOT NULL CHECK (kind IN ('reserve', 'commit', 'release', 'adjust')),
  account TEXT NOT NULL,
  period TEXT NOT NULL,
  amount_milli )sql" +
         int_type + R"sql( NOT NULL,
  as_of TEXT NOT NULL,
  reservation_id )sql" +
         int_type + R"sql( REFERENCES ledger_postings(id),
  decision_id TEXT NOT NULL DEFAULT '',
  transaction_ref TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT UNIQUE,
  reason TEXT NOT NULL DEFAULT '',
  recorded_at TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  CHECK (kind = 'adjust' OR amount_milli > 0),
  CHECK ((kind IN ('commit', 'release')) = (reservation_id IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS ledger_postings_one_settlement
  ON ledger_postings(reservation_id) WHERE reservation_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_postings_by_account ON ledger_postings(account, period, as_of);
CREATE INDEX IF NOT EXISTS ledger_postings_by_transaction ON ledger_postings(transaction_ref);
CREATE TABLE IF NOT EXISTS ledger_totals(
  account TEXT NOT NULL,
  period TEXT NOT NULL,
  reserved_milli )sql" +
         int_type + R"sql( NOT NULL,
  used_milli )sql" +
         int_type + R"sql( NOT NULL,
  PRIMARY KEY (account, period)
))sql" + totals_table_options +
         R"sql(;
)sql";
}

Result<std::optional<Totals>> StoreTxn::AppendReserveIfFits(Posting& posting,
                                                            const std::string& fingerprint,
                                                            int64_t limit_milli) {
  EXPORTCTL_RETURN_IF_ERROR(Lock(posting.account));
  auto totals = GetTotals(posting.account, posting.period);
  if (!totals.ok()) return totals.status();
  if (posting.amount_milli > limit_milli - totals->held()) return std::optional<Totals>();
  EXPORTCTL_RETURN_IF_ERROR(Append(posting, fingerprint, posting.amount_milli, 0));
  return std::optional<Totals>(*totals);
}

}  // namespace exportctl::ledger::internal

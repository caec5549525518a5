// How optional modules (screening lists, the allocation ledger, the audit log) plug into `check`
// without the engine commands depending on them: a session opened once per command run.
// Every decision `check` prints is in the audit log first (unless --no-audit).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "core/clock.h"
#include "core/status.h"
#include "data/dataset.h"
#include "determine/engine.h"

namespace exportctl::cli {

class HookSession {
 public:
  virtual ~HookSession() = default;
  // Decides one transaction with the session's screener and ledger: with --reserve the decision
  // and its reservation are one step (reservation/reservation.h). `request` is the transaction
  // JSON as read, kept in the decision's audit record. Without SessionOptions::defer_audit the
  // record is durable when Decide returns; if it cannot be written the reservation is released
  // and the result is an error (a decision not in the log is not given out).
  virtual Result<Decision> Decide(const Engine& engine, const Transaction& tx, DetermineOptions options,
                                  std::string_view request) = 0;
  // With defer_audit: appends the records of the decisions made since the last Flush in one
  // commit. The caller prints those decisions only after Flush succeeds; on failure their
  // reservations are released.
  [[nodiscard]] virtual Status Flush() { return Status::Ok(); }
  // Whether Decide may be called from several threads at once.
  virtual bool thread_safe() const = 0;
};

struct SessionOptions {
  std::string ledger;           // --ledger: SQLite path or postgresql://…; empty = default file
  bool reserve = false;         // --reserve
  std::string idempotency_key;  // --idempotency-key; empty = the transaction's reference
  // The audit log: --audit (SQLite path or postgresql://…); empty = the ledger's database when
  // it is PostgreSQL, else audit.sqlite under --data-dir. --no-audit turns it off.
  std::string audit;
  bool no_audit = false;
  bool defer_audit = false;      // --batch: one commit per chunk (Flush)
  std::string posture_override;  // --posture as given, recorded with each decision
  std::string default_as_of;     // today, used when a transaction has no as_of
};

struct EngineHooks {
  // Set by the module glue at start-up; empty when no optional module is built in. Returns a
  // null session when there is nothing to plug in (no lists imported, no ledger, --no-audit).
  std::function<Result<std::unique_ptr<HookSession>>(CliContext&, const SessionOptions&)> open_session;
};

EngineHooks& Hooks();
// Installs the optional modules' session (screening lists, ledger) into Hooks(); in session.cc.
void InstallModuleHooks();
const Dataset* LoadDataset(CliContext& ctx);  // loads once; prints the error and sets exit code
std::string CliActor();  // "cli:<user>": the audit log's actor for command-line changes

}  // namespace exportctl::cli

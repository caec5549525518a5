// How optional modules (screening lists, the allocation ledger, the audit log) plug into `check`
// without the engine commands depending on them: a session opened once per command run.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/status.h"
#include "data/dataset.h"
#include "determine/engine.h"

namespace exportctl::cli {

class HookSession {
 public:
  virtual ~HookSession() = default;
  // Decides one transaction with the session's screener and ledger: with --reserve the decision
  // and its reservation are one step (reservation/reservation.h).
  virtual Result<Decision> Decide(const Engine& engine, const Transaction& tx, DetermineOptions options) = 0;
  // Whether Decide may be called from several threads at once.
  virtual bool thread_safe() const = 0;
};

struct SessionOptions {
  std::string ledger;           // --ledger: SQLite path or postgresql://…; empty = default file
  bool reserve = false;         // --reserve
  std::string idempotency_key;  // --idempotency-key; empty = the transaction's reference
};

struct EngineHooks {
  // Set by the module glue at start-up; empty when no optional module is built in. Returns a
  // null session when there is nothing to plug in (no lists imported, no ledger).
  std::function<Result<std::unique_ptr<HookSession>>(CliContext&, const SessionOptions&)> open_session;
};

EngineHooks& Hooks();
// Installs the optional modules' session (screening lists, ledger) into Hooks(); in session.cc.
void InstallModuleHooks();
const Dataset* LoadDataset(CliContext& ctx);  // loads once; prints the error and sets exit code
Date TodayUtc();

}  // namespace exportctl::cli

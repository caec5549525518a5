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
  virtual const PartyScreener* screener() const = 0;      // nullptr: screening not performed
  virtual const AllocationView* allocations() const = 0;  // nullptr: allocation not performed
  // After each decision: reserve allocations (with --reserve), append to the audit log.
  virtual Status AfterDecision(const Transaction& tx, Decision& decision) = 0;
};

struct EngineHooks {
  // Set by the module glue at start-up; empty when no optional module is built in.
  std::function<Result<std::unique_ptr<HookSession>>(CliContext&, const std::string& ledger, bool reserve)> open_session;
};

EngineHooks& Hooks();
const Dataset* LoadDataset(CliContext& ctx);  // loads once; prints the error and sets exit code
Date TodayUtc();

}  // namespace exportctl::cli

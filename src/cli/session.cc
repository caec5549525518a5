// Plugs the optional modules into `check`: screening against imported lists (when any are
// imported under --data-dir) and the allocation ledger (with --ledger, --reserve, or when the
// default ledger file exists).
#include <filesystem>
#include <mutex>

#include "cli/engine_hooks.h"
#include "ledger/ledger.h"
#include "reservation/reservation.h"
#include "screen/party_screener.h"

namespace exportctl::cli {
namespace {

class ModuleSession : public HookSession {
 public:
  std::unique_ptr<screen::ListPartyScreener> screener;
  std::unique_ptr<ledger::AllocationRules> rules;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<ledger::LedgerAllocationView> view;
  bool reserve = false;
  std::string idempotency_key;

  Result<Decision> Decide(const Engine& engine, const Transaction& tx, DetermineOptions options) override {
    options.screener = screener.get();
    if (reserve) {
      auto r = ReserveForDecision(engine, *ledger, tx, options, {.idempotency_key = idempotency_key});
      if (!r.ok()) return r.status();
      return std::move(r->decision);
    }
    options.allocations = view.get();
    return engine.Determine(tx, options);
  }
  bool thread_safe() const override { return true; }  // screener and ledger are thread-safe
};

Result<std::unique_ptr<HookSession>> Open(CliContext& ctx, const SessionOptions& so) {
  const std::string& ledger_location = so.ledger;
  const bool reserve = so.reserve;
  auto s = std::make_unique<ModuleSession>();
  auto screener = screen::OpenPartyScreener(ctx.data_dir);
  if (screener.ok()) {
    s->screener = std::move(screener).value();
  } else if (screener.status().code() != ErrorCode::kNotFound) {
    return screener.status();  // lists present but unreadable: do not decide as if unscreened
  }
  const std::string location = ledger_location.empty() ? ledger::Ledger::DefaultLocation(ctx.data_dir) : ledger_location;
  const bool want_ledger = reserve || !ledger_location.empty() || std::filesystem::exists(location);
  if (want_ledger) {
    auto rules = ledger::AllocationRules::Load(ctx.regulatory_data_dir);
    if (!rules.ok()) return rules.status();
    s->rules = std::make_unique<ledger::AllocationRules>(std::move(rules).value());
    auto opened = ledger::Ledger::Open({.location = location}, *s->rules);
    if (!opened.ok()) return opened.status();
    s->ledger = std::move(opened).value();
    s->view = std::make_unique<ledger::LedgerAllocationView>(*s->ledger);
  }
  s->reserve = reserve;
  s->idempotency_key = so.idempotency_key;
  if (!s->screener && !s->ledger) return std::unique_ptr<HookSession>();
  return std::unique_ptr<HookSession>(std::move(s));
}

}  // namespace

void InstallModuleHooks() { Hooks().open_session = Open; }

}  // namespace exportctl::cli

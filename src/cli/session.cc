// Plugs the optional modules into `check`: screening against imported lists (when any are
// imported under --data-dir), the allocation ledger (with --ledger, --reserve, or when the
// default ledger file exists) and the audit log (unless --no-audit).
#include <filesystem>
#include <mutex>

#include "audit/audit_log.h"
#include "audit/replay.h"
#include "cli/engine_hooks.h"
#include "determine/decision_json.h"
#include "ledger/ledger.h"
#include "ledger/ledger_json.h"
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
  std::unique_ptr<audit::AuditLog> log;
  SessionOptions so;
  std::string actor;

  Result<Decision> Decide(const Engine& engine, const Transaction& tx, DetermineOptions options,
                          std::string_view request) override {
    audit::FactRecorder facts(screener.get(), view.get());
    options.screener = log ? facts.screener() : screener.get();
    Decision d;
    std::vector<ledger::Posting> postings;
    if (so.reserve) {
      ReserveOptions ro{.idempotency_key = so.idempotency_key};
      if (log) ro.wrap_allocations = [&facts](const AllocationView* v) { return facts.RecordAllocations(v); };
      auto r = ReserveForDecision(engine, *ledger, tx, options, ro);
      if (!r.ok()) return r.status();
      d = std::move(r->decision);
      postings = std::move(r->postings);
    } else {
      options.allocations = log ? facts.allocations() : view.get();
      d = engine.Determine(tx, options);
    }
    if (!log) return d;
    std::string decision_json;
    AppendDecisionJson(d, decision_json);
    audit::DecisionPayload p;
    p.request.assign(request);
    p.default_as_of = so.default_as_of;
    p.posture_override = so.posture_override;
    p.decision = std::move(decision_json);
    p.list_versions = d.list_versions;
    p.ledger_postings = ledger::PostingsToJson(postings);
    p.api_route = so.defer_audit ? "cli check --batch" : "cli check";
    p.facts = facts.Json();
    audit::AuditEntry entry{.id = d.decision_id, .kind = "decision", .actor = actor,
                            .payload = audit::BuildDecisionPayload(p)};
    if (so.defer_audit) {
      std::lock_guard lock(mu_);
      pending_.push_back(std::move(entry));
      pending_postings_.insert(pending_postings_.end(), postings.begin(), postings.end());
      return d;
    }
    auto record = log->Append(std::move(entry));
    // kConflict: a retried reservation (same idempotency key) keeps its first decision id, which
    // is recorded already.
    if (!record.ok() && record.status().code() != ErrorCode::kConflict) {
      Release(postings);
      return Status::Error(ErrorCode::kUnavailable, "audit",
                           "the audit log cannot record the decision, so it is not given: " + record.status().message());
    }
    return d;
  }

  Status Flush() override {
    std::vector<audit::AuditEntry> entries;
    std::vector<ledger::Posting> postings;
    {
      std::lock_guard lock(mu_);
      entries.swap(pending_);
      postings.swap(pending_postings_);
    }
    if (entries.empty()) return Status::Ok();
    for (auto& r : log->AppendMany(std::move(entries))) {
      if (!r.ok() && r.status().code() != ErrorCode::kConflict) {  // kConflict: recorded before
        // The commit failed as a whole: none of these decisions is recorded.
        Release(postings);
        return Status::Error(ErrorCode::kUnavailable, "audit",
                             "the audit log cannot record these decisions, so they are not given: " + r.status().message());
      }
    }
    return Status::Ok();
  }

  bool thread_safe() const override { return true; }  // screener, ledger and log are thread-safe

 private:
  void Release(const std::vector<ledger::Posting>& postings) {
    for (const auto& p : postings) {
      if (p.kind != ledger::PostingKind::kReserve) continue;
      (void)ledger->Release({.reservation_id = p.id, .as_of = p.as_of, .idempotency_key = "",
                             .reason = "audit record could not be written"});
    }
  }
  std::mutex mu_;
  std::vector<audit::AuditEntry> pending_;
  std::vector<ledger::Posting> pending_postings_;
};

Result<std::unique_ptr<HookSession>> Open(CliContext& ctx, const SessionOptions& so) {
  auto s = std::make_unique<ModuleSession>();
  auto screener = screen::OpenPartyScreener(ctx.data_dir);
  if (screener.ok()) {
    s->screener = std::move(screener).value();
  } else if (screener.status().code() != ErrorCode::kNotFound) {
    return screener.status();  // lists present but unreadable: do not decide as if unscreened
  }
  const std::string location = so.ledger.empty() ? ledger::Ledger::DefaultLocation(ctx.data_dir) : so.ledger;
  const bool want_ledger = so.reserve || !so.ledger.empty() || std::filesystem::exists(location);
  if (want_ledger) {
    auto rules = ledger::AllocationRules::Load(ctx.regulatory_data_dir);
    if (!rules.ok()) return rules.status();
    s->rules = std::make_unique<ledger::AllocationRules>(std::move(rules).value());
    auto opened = ledger::Ledger::Open({.location = location}, *s->rules);
    if (!opened.ok()) return opened.status();
    s->ledger = std::move(opened).value();
    s->view = std::make_unique<ledger::LedgerAllocationView>(*s->ledger);
  }
  if (!so.no_audit) {
    // Beside the ledger when it is shared (PostgreSQL), as `serve` does.
    const std::string audit_location = !so.audit.empty()                     ? so.audit
                                       : audit::IsPostgresUrl(so.ledger) ? so.ledger
                                                                         : ctx.data_dir + "/audit.sqlite";
    auto log = audit::OpenAuditLog({.location = audit_location});
    if (!log.ok()) return log.status().WithFieldPrefix("audit");
    s->log = std::move(log).value();
  }
  s->so = so;
  s->actor = CliActor();
  if (!s->screener && !s->ledger && !s->log) return std::unique_ptr<HookSession>();
  return std::unique_ptr<HookSession>(std::move(s));
}

}  // namespace

void InstallModuleHooks() { Hooks().open_session = Open; }

}  // namespace exportctl::cli

// Plugs the optional modules into `check`: screening against imported lists (when any are
// imported under --data-dir), the allocation ledger (with --ledger, --reserve, or when the
// default ledger file exists) and the audit log (unless --no-audit).
#include <algorithm>
#include <filesystem>
#include <mutex>

#include "audit/audit_log.h"
#include "audit/idempotency.h"
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
    std::vector<ledger::Posting> postings, written;
    if (so.reserve) {
      // A retry (same key from this user, or the same reference) keeps its first decision id and
      // replays its postings; one that is not the request decided then is refused.
      auto identity = audit::IdentifyRetry(actor, so.idempotency_key, tx.reference);
      if (!identity.ok()) return identity.status();
      options.decision_id = identity->decision_id;
      if (log) EXPORTCTL_RETURN_IF_ERROR(CheckRetry(identity->decision_id, request, identity->by_reference, tx));
      ReserveOptions ro{.idempotency_key = identity->ledger_key};
      if (log) ro.wrap_allocations = [&facts](const AllocationView* v) { return facts.RecordAllocations(v); };
      auto r = ReserveForDecision(engine, *ledger, tx, options, ro);
      if (!r.ok()) return r.status();
      d = std::move(r->decision);
      postings = std::move(r->postings);
      written = std::move(r->written);
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
    p.reserve = so.reserve;
    audit::AuditEntry entry{.id = d.decision_id, .kind = "decision", .actor = actor,
                            .payload = audit::BuildDecisionPayload(p)};
    if (so.defer_audit) {
      std::lock_guard lock(mu_);
      pending_.push_back(std::move(entry));
      pending_postings_.insert(pending_postings_.end(), written.begin(), written.end());
      return d;
    }
    auto record = log->Append(std::move(entry));
    if (!record.ok()) {
      // Only what this run wrote is undone: replayed postings belong to the earlier attempt, and
      // a concurrent retry that recorded the decision first owns the postings its record carries.
      if (record.status().code() == ErrorCode::kConflict) {
        auto first = log->Get(d.decision_id);
        if (!first.ok()) return first.status();
        const auto owned = audit::RecordedPostingIds(*first);
        std::erase_if(written, [&](const ledger::Posting& p) { return std::find(owned.begin(), owned.end(), p.id) != owned.end(); });
        Release(written);
        // It is this request's decision, or a refusal.
        EXPORTCTL_RETURN_IF_ERROR(CheckRetry(d.decision_id, request, false, tx));
        return d;
      }
      Release(written);
      return Status::Error(ErrorCode::kUnavailable, "audit",
                           "the audit log cannot record the decision, so it is not given: " + record.status().message());
    }
    return d;
  }

  // The reservation `id` is recorded already: the same request from this user goes on (the
  // ledger replays its postings); any other is kConflict naming the decision.
  Status CheckRetry(const std::string& id, std::string_view request, bool by_reference, const Transaction& tx) {
    auto record = log->Get(id);
    if (!record.ok()) return record.status().code() == ErrorCode::kNotFound ? Status::Ok() : record.status();
    const auto match = audit::MatchRetry(*record, actor, request, so.posture_override, so.reserve);
    if (match == audit::RetryMatch::kSame) return Status::Ok();
    const std::string what = by_reference ? "reference " + tx.reference + " was reserved" : "this idempotency key was used";
    return Status::Error(ErrorCode::kConflict, by_reference ? "reference" : "idempotency_key",
                         what + (match == audit::RetryMatch::kDifferentCaller ? " by another caller" : " for a different request") +
                             " (decision " + id + "; exportctl audit show " + id + "); nothing was decided or reserved");
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
  // Releases reservations this run wrote and could not record; the releases are recorded (if the
  // log takes them) under this user.
  void Release(const std::vector<ledger::Posting>& written) {
    std::vector<ledger::Posting> releases;
    for (const auto& p : written) {
      if (p.kind != ledger::PostingKind::kReserve) continue;
      auto r = ledger->Release({.reservation_id = p.id, .as_of = p.as_of, .idempotency_key = "",
                                .reason = "the decision's audit record could not be written"});
      if (r.ok()) releases.push_back(*r);
    }
    if (releases.empty()) return;
    std::string payload = R"({"request":{"reason":"the decision's audit record could not be written"},"result":)";
    payload += ledger::PostingsToJson(releases);
    payload += '}';
    (void)log->Append({.id = "", .kind = "ledger.release", .actor = actor, .payload = std::move(payload)});
  }
  std::mutex mu_;
  std::vector<audit::AuditEntry> pending_;
  std::vector<ledger::Posting> pending_postings_;
};

Result<std::unique_ptr<HookSession>> Open(CliContext& ctx, const SessionOptions& so) {
  auto s = std::make_unique<ModuleSession>();
  auto screener = screen::OpenPartyScreener(ctx.data_dir, {.max_age_days = ctx.max_list_age_days});
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

#include "check/check.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "audit/idempotency.h"
#include "audit/replay.h"
#include "data/agreements.h"
#include "determine/decision_json.h"
#include "determine/transaction.h"
#include "ledger/ledger.h"
#include "ledger/ledger_json.h"
#include "reservation/reservation.h"

namespace exportctl::check {

namespace {

constexpr char kReleaseReason[] = "the decision's audit record could not be written";

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The overlays a check weighs, as their audit record keeps them.
std::vector<std::string> OverlayContents(const CheckOptions& o) {
  std::vector<std::string> out;
  for (const Agreement* a : o.overlays) out.push_back(a->json);
  return out;
}

// Which reservations held under a check's reference this very request made: those whose
// reserving decision's audit record holds the same transaction (as a JSON value), posture
// override and overlays. Only those are left out of the balances the check weighs; one made for
// an amended order (or another order naming the reference) is counted, as reserving this request
// would count it. The idempotency key does not enter: a check sent under the reservation's key is
// that reservation's retry (answered from its record, or 409). Without the log nothing can be
// compared, so every reservation counts (fail closed).
ledger::SameRequest SameRequestAs(audit::AuditLog* log, std::string_view request, const CheckOptions& o) {
  if (!log) return nullptr;
  struct Memo {
    std::mutex mu;
    std::map<std::string, bool> same;  // by decision id: one record read per reservation's decision
  };
  return [log, memo = std::make_shared<Memo>(), request = std::string(request),
          posture = std::string(o.posture ? PostureName(*o.posture) : ""),
          overlays = OverlayContents(o)](const ledger::Posting& reservation) {
    if (reservation.decision_id.empty()) return false;
    std::lock_guard lock(memo->mu);
    auto it = memo->same.find(reservation.decision_id);
    if (it != memo->same.end()) return it->second;
    auto record = log->Get(reservation.decision_id);
    const bool same = record.ok() && audit::SameRequestBody(*record, request, posture, overlays);
    memo->same.emplace(reservation.decision_id, same);
    return same;
  };
}

// A batch line's view of the ledger view its chunk shares: the line's own reservations are those
// its request made.
class BatchLineView final : public AllocationView {
 public:
  BatchLineView(const ledger::BatchAllocationView& shared, ledger::SameRequest same)
      : shared_(shared), same_(std::move(same)) {}
  Result<AllocationBalance> Balance(const AllocationQuery& q) const override { return shared_.Balance(q, same_); }

 private:
  const ledger::BatchAllocationView& shared_;
  ledger::SameRequest same_;
};

}  // namespace

// A decision made and not yet recorded: the answer, its audit entry, and what it reserved.
struct Checker::Decided {
  Checked checked;
  std::optional<audit::AuditEntry> entry;  // none when there is no log, or answered from record
  std::vector<ledger::Posting> written;    // reservations this call wrote: released on failure
  std::string ledger_key;
  bool by_reference = false;
  Transaction tx;
  std::shared_ptr<const LicenseView> licenses;  // held while the decision is made
};

// What the lines of one batch chunk share when they reserve nothing: the license accounts'
// balances (ledger::BatchAllocationView: read once per account, not per line) and the licenses
// held, each kept for at most kMaxAge. A batch line is then decided on the ledger and licenses as
// they were at most kMaxAge before it (a revocation or reservation made meanwhile binds the lines
// after that), as if it had been decided then; a line that reserves reads both afresh.
struct Checker::BatchShared {
  static constexpr std::chrono::milliseconds kMaxAge = ledger::BatchAllocationView::kMaxAge;
  std::optional<ledger::BatchAllocationView> allocations;
  std::mutex mu;
  std::shared_ptr<const LicenseView> licenses;
  std::optional<std::chrono::steady_clock::time_point> licenses_read;
  std::shared_ptr<const LicenseView> Licenses(const std::function<std::shared_ptr<const LicenseView>()>& source) {
    std::lock_guard lock(mu);
    const auto now = std::chrono::steady_clock::now();
    if (!licenses_read || now - *licenses_read >= kMaxAge) {
      licenses = source();
      licenses_read = now;
    }
    return licenses;
  }
};

Checker::Checker(Services services) : s_(services) {}

Checker::~Checker() = default;

// Parse, decide, reserve, and build the audit entry; nothing recorded yet.
Result<Checker::Decided> Checker::Decide(std::string_view request, const CheckOptions& o, BatchShared* batch) const {
  auto parsed = ParseTransaction(request, *s_.dataset, o.today, o.strict);
  if (!parsed.ok()) return parsed.status();
  Decided out;
  out.tx = std::move(parsed).value();
  const Transaction& tx = out.tx;
  if (!o.idempotency_key.empty() && !s_.audit) {
    return Status::Error(ErrorCode::kUnavailable, "idempotency_key", "idempotent requests need the audit log");
  }
  if (o.reserve && !s_.ledger) {
    return Status::Error(ErrorCode::kUnavailable, "reserve",
                         "the allocation ledger is not available; nothing was decided or reserved");
  }
  for (const Agreement* a : o.overlays) {
    if (a->country == s_.dataset->EffectiveCode(tx.destination) && !a->InForce(tx.as_of))
      return Status::Invalid("--overlay", "overlay \"" + a->id + "\" (" + a->file + ") is in force " + a->Dates() +
                                              "; the order is dated " + tx.as_of.ToString());
  }
  DetermineOptions options;
  options.posture = o.posture;
  options.overlays = o.overlays;
  options.screener = s_.screener && s_.screener->Ready() ? s_.screener : nullptr;
  // The ledger as this request sees it (a reservation decides on its own view, reservation/).
  std::optional<ledger::LedgerAllocationView> ledger_view;
  std::optional<BatchLineView> batch_view;
  if (s_.ledger && !o.reserve) {
    auto same = SameRequestAs(s_.audit, request, o);
    if (batch && batch->allocations) {
      options.allocations = &batch_view.emplace(*batch->allocations, std::move(same));
    } else {
      options.allocations = &ledger_view.emplace(*s_.ledger, "", std::move(same));
    }
  }
  options.ownership = s_.ownership;
  // One version of the licenses for the whole decision (and its reservation).
  if (s_.licenses) out.licenses = batch ? batch->Licenses(s_.licenses) : s_.licenses();
  options.licenses = out.licenses.get();
  // A retry gets its first decision's id: a reservation's from its key or its reference, a
  // check's from its key.
  if (o.reserve) {
    auto identity = audit::IdentifyRetry(o.caller, o.idempotency_key, tx.reference);
    if (!identity.ok()) return identity.status();
    options.decision_id = identity->decision_id;
    out.ledger_key = identity->ledger_key;
    out.by_reference = identity->by_reference;
  } else if (!o.idempotency_key.empty()) {
    options.decision_id = audit::ScopedDecisionId(o.caller, o.idempotency_key);
  }
  if ((o.reserve || !o.idempotency_key.empty()) && s_.audit) {
    EXPORTCTL_RETURN_IF_ERROR(RetryOf(options.decision_id, request, tx, out.by_reference, o, &out.checked.recorded));
    if (out.checked.recorded) return out;
  }

  // What the engine consults (listings, balances) is recorded with the decision for replay.
  std::optional<audit::FactRecorder> facts;
  if (s_.audit) {
    facts.emplace(options.screener, options.allocations, options.licenses);
    options.screener = facts->screener();
    options.allocations = facts->allocations();
    options.licenses = facts->licenses();
  }
  Checked& c = out.checked;
  if (o.reserve) {
    ReserveOptions ro{.idempotency_key = out.ledger_key};
    if (facts) ro.wrap_allocations = [&facts](const AllocationView* v) { return facts->RecordAllocations(v); };
    auto reserved = ReserveForDecision(*s_.engine, *s_.ledger, tx, options, ro);
    if (!reserved.ok()) return reserved.status();
    c.decision = std::move(reserved->decision);
    c.postings = std::move(reserved->postings);
    out.written = std::move(reserved->written);
    c.postings_written = out.written.size();
  } else {
    c.decision = s_.engine->Determine(tx, options);
  }
  if (!s_.audit) return out;
  audit::DecisionPayload p;
  p.request.assign(request);
  p.default_as_of = o.today.ToString();
  p.posture_override = o.posture ? PostureName(*o.posture) : "";
  AppendDecisionJson(c.decision, p.decision);
  p.list_versions = c.decision.list_versions;
  p.ledger_postings = ledger::PostingsToJson(c.postings);
  p.api_route = o.route;
  p.facts = facts->Json();
  p.reserve = o.reserve;
  p.overlays = OverlayContents(o);
  out.entry = audit::AuditEntry{.id = c.decision.decision_id, .kind = "decision", .actor = o.caller,
                                .payload = audit::BuildDecisionPayload(p)};
  return out;
}

// The decision `id` is recorded already: the same request from the same caller is a retry (with
// RetryAnswer::kFromRecord, *same is its record); any other is kConflict naming the decision.
Status Checker::RetryOf(const std::string& id, std::string_view request, const Transaction& tx,
                        bool by_reference, const CheckOptions& o,
                        std::optional<audit::AuditRecord>* same) const {
  auto record = s_.audit->Get(id);
  if (!record.ok()) return record.status().code() == ErrorCode::kNotFound ? Status::Ok() : record.status();
  const std::string posture_override = o.posture ? PostureName(*o.posture) : "";
  const auto match = audit::MatchRetry(*record, o.caller, request, posture_override, o.reserve, OverlayContents(o));
  if (match == audit::RetryMatch::kSame) {
    if (o.retry == RetryAnswer::kFromRecord) *same = std::move(record).value();
    return Status::Ok();
  }
  const std::string what = by_reference ? "reference " + tx.reference + " was reserved" : "this idempotency key was used";
  return Status::Error(ErrorCode::kConflict, by_reference ? "reference" : "idempotency_key",
                       what + (match == audit::RetryMatch::kDifferentCaller ? " by another caller" : " for a different request") +
                           " (decision " + id + "; exportctl audit show " + id + "); nothing was decided or reserved");
}

// Releases reservations this call wrote and could not record, and records the releases (if the
// log takes them) under the caller. Returns what could not be done ("" when all went well).
std::string Checker::Release(const std::vector<ledger::Posting>& written, const std::string& ledger_key,
                             const std::string& caller) const {
  std::vector<ledger::Posting> releases;
  std::string problems;
  for (const auto& p : written) {
    if (p.kind != ledger::PostingKind::kReserve) continue;
    // On the reservation's own date (a release cannot precede it); idempotent under the request's key.
    auto r = s_.ledger->Release({.reservation_id = p.id, .as_of = p.as_of,
                                 .idempotency_key = ledger_key.empty() ? "" : ledger_key + ":cancel:" + std::to_string(p.id),
                                 .reason = kReleaseReason});
    if (r.ok()) releases.push_back(*r);
    else problems += "; reservation " + std::to_string(p.id) + " could not be released: " + r.status().message();
  }
  if (releases.empty()) return problems;
  std::string payload = std::string(R"({"request":{"reason":")") + kReleaseReason + R"("},"result":)";
  payload += ledger::PostingsToJson(releases);
  payload += '}';
  auto recorded = s_.audit->Append({.id = "", .kind = "ledger.release", .actor = caller, .payload = std::move(payload)});
  if (!recorded.ok()) problems += "; the release of its reservations is not in the audit log: " + recorded.status().message();
  return problems;
}

Result<Checked> Checker::Check(std::string_view request, const CheckOptions& o) const {
  auto decided = Decide(request, o);
  if (!decided.ok()) return decided.status();
  Decided& d = *decided;
  if (!d.entry) return std::move(d.checked);
  const auto t0 = std::chrono::steady_clock::now();
  auto record = s_.audit->Append(std::move(*d.entry));
  d.checked.audit_seconds = SecondsSince(t0);
  if (record.ok()) return std::move(d.checked);
  const std::string& id = d.checked.decision.decision_id;
  if (record.status().code() == ErrorCode::kConflict) {
    // A concurrent retry recorded this decision first: only what this call wrote is undone (that
    // retry owns the postings its record carries), and the answer is that record's, or a refusal.
    auto first = s_.audit->Get(id);
    if (!first.ok()) return first.status();
    const auto owned = audit::RecordedPostingIds(*first);
    std::erase_if(d.written, [&](const ledger::Posting& p) { return std::find(owned.begin(), owned.end(), p.id) != owned.end(); });
    (void)Release(d.written, d.ledger_key, o.caller);
    std::optional<audit::AuditRecord> same;
    EXPORTCTL_RETURN_IF_ERROR(RetryOf(id, request, d.tx, d.by_reference, o, &same));
    if (same) {
      Checked answer;
      answer.recorded = std::move(same);
      return answer;
    }
    return std::move(d.checked);
  }
  const std::string problems = Release(d.written, d.ledger_key, o.caller);
  return Status::Error(ErrorCode::kUnavailable, "audit",
                       "the audit log cannot record the decision, so it is not given: " + record.status().message() + problems);
}

Status Checker::CheckBatch(std::span<const BatchLine> lines, const CheckOptions& o, const LineWriter& write,
                           std::vector<std::string>& texts, unsigned workers) const {
  // One share of the lines per worker: what the commit needs from its decisions.
  struct Share {
    std::vector<audit::AuditEntry> entries;
    std::vector<Decided> reserved;  // decisions that wrote reservations: released on failure
  };
  workers = lines.size() < 64 ? 1u : std::max(1u, workers);
  std::vector<Share> shares(workers);
  if (texts.size() < workers) texts.resize(workers);
  const size_t per = (lines.size() + workers - 1) / workers;
  // A chunk that reserves nothing reads the license accounts once, not once per line (a small one
  // reads them as a single check does).
  std::optional<BatchShared> shared;
  if (!o.reserve && lines.size() >= 64) {
    shared.emplace();
    if (s_.ledger) shared->allocations.emplace(*s_.ledger);
  }
  auto decide = [&](unsigned w) {
    Share& share = shares[w];
    std::string& text = texts[w];
    for (size_t i = w * per; i < std::min(lines.size(), (w + 1) * per); ++i) {
      const BatchLine& line = lines[i];
      if (line.refused.ok() && line.text.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank
      auto decided = line.refused.ok() ? Decide(line.text, o, shared ? &*shared : nullptr) : Result<Decided>(line.refused);
      if (!decided.ok()) {
        write({line.number, decided.status()}, text);
        continue;
      }
      if (decided->entry) share.entries.push_back(std::move(*decided->entry));
      LineAnswer answer{line.number, std::move(decided->checked)};
      write(answer, text);
      if (!decided->written.empty()) share.reserved.push_back(std::move(decided).value());
    }
  };
  if (workers == 1) {
    decide(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < workers; ++w) pool.emplace_back(decide, w);
    for (auto& t : pool) t.join();
  }
  // One commit for the chunk's decisions, in line order.
  std::vector<audit::AuditEntry> entries;
  for (auto& share : shares) std::move(share.entries.begin(), share.entries.end(), std::back_inserter(entries));
  if (!entries.empty()) {
    for (auto& r : s_.audit->AppendMany(std::move(entries))) {
      if (r.ok() || r.status().code() == ErrorCode::kConflict) continue;  // kConflict: recorded before
      // The commit failed as a whole: none of these decisions is recorded, none is given.
      std::string problems;
      for (auto& share : shares) {
        for (auto& d : share.reserved) problems += Release(d.written, d.ledger_key, o.caller);
      }
      return Status::Error(ErrorCode::kUnavailable, "audit",
                           "the audit log cannot record these decisions, so they are not given: " + r.status().message() + problems);
    }
  }
  return Status::Ok();
}

}  // namespace exportctl::check

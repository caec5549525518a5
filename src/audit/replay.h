// Replay: re-runs a recorded decision with today's engine and reports whether it agrees.
// The recorded payload (docs/audit.md, kind "decision") keeps the transaction exactly as the
// engine parsed it, the posture override, the country agreements (overlays) it weighed, the
// decision and the facts the engine consulted (the listings screening found for each party, the
// allocation balances it read), so replay re-runs the decision with the data it recorded, not
// with today's lists, ledger and overlay files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/status.h"
#include "determine/engine.h"

namespace exportctl::audit {

struct ReplayReport {
  std::string id;
  // The record carried the facts the engine consulted and replay used them (records written
  // before facts were recorded replay without screening and allocation).
  bool facts_recorded = false;
  int facts_used = 0;                        // recorded answers today's engine asked for again
  std::vector<std::string> unrecorded;       // questions today's engine asked that were not
                                             // recorded (answered "not recorded": an error)
  // False when the record cannot be replayed faithfully: it weighed licenses the company holds
  // (a LICENSED decision, or one naming licenses) but was written before the licenses were
  // recorded with its facts. `not_replayable` says why ("license facts: …"); such a record is
  // reported as not replayable, not as a disagreement.
  bool replayable = true;
  std::string not_replayable;
  bool agrees = false;        // same outcome, license exception and review policy
  bool identical = false;     // the whole decision is the same (ids and data version aside)
  std::string recorded_outcome, today_outcome;
  std::string recorded_data_version, today_data_version;
  std::vector<std::string> differences;  // top-level decision fields that differ
  std::string today_decision;            // JSON
};

// kInvalidInput when the record is not a decision or its payload is not one we wrote.
Result<ReplayReport> ReplayDecision(const AuditRecord& record, const Engine& engine);
void AppendReplayReportJson(const ReplayReport& r, std::string& out);

// The payload of a "decision" record. `request` is the transaction JSON the engine parsed
// (after edge defaults such as as_of); `decision` the decision JSON returned to the caller.
struct DecisionPayload {
  std::string request;                    // JSON object, as the caller sent it
  std::string default_as_of;              // the edge's "today" used when request has no as_of
  std::string posture_override;           // "" when none
  std::string decision;                   // JSON object
  std::vector<std::string> list_versions;
  std::string ledger_postings = "[]";     // JSON array
  std::string api_route;                  // e.g. "POST /v1/check"
  std::string facts;                      // FactRecorder::Json(); "" = not recorded
  bool reserve = false;                   // the request asked to reserve ("reserve": true)
  // The country agreements the decision was asked to weigh (`check --overlay`), each the
  // overlay's JSON object as read: replay applies these contents, not today's files.
  std::vector<std::string> overlays;
};
std::string BuildDecisionPayload(const DecisionPayload& p);

// A request sent again under a recorded decision's id (the same Idempotency-Key, or the same
// reference for a reservation): whether it is the request that decision answered, from the same
// caller. Requests compare as JSON values (key order and spacing aside), with their posture
// override and whether they reserve.
enum class RetryMatch { kSame, kDifferentRequest, kDifferentCaller };
RetryMatch MatchRetry(const AuditRecord& record, std::string_view actor, std::string_view request,
                      std::string_view posture_override, bool reserve,
                      const std::vector<std::string>& overlays = {});
// Whether a decision record answered this transaction (as a JSON value, key order and spacing
// aside) with the same posture override and overlays, whoever sent it and whether it reserved: a
// check of a reserved order is the very request the reservation was made for only then.
bool SameRequestBody(const AuditRecord& record, std::string_view request, std::string_view posture_override,
                     const std::vector<std::string>& overlays = {});
// The ids of the ledger postings a decision record carries (its "ledger_postings").
std::vector<int64_t> RecordedPostingIds(const AuditRecord& record);
// The answer a replayed retry gets: the recorded decision, with the reservation's postings
// (objects) under "ledger_postings" when it reserved.
std::string RecordedAnswer(const AuditRecord& record);

// Records what the engine consulted while deciding, for the decision's audit record: wraps the
// screener and the allocation view the decision uses. One per decision; thread-safe.
class FactRecorder {
 public:
  // Any may be nullptr (that step is not performed); the wrapper is then nullptr too.
  FactRecorder(const PartyScreener* screener, const AllocationView* allocations,
               const LicenseView* licenses = nullptr);
  ~FactRecorder();
  FactRecorder(const FactRecorder&) = delete;
  FactRecorder& operator=(const FactRecorder&) = delete;

  const PartyScreener* screener() const;
  const AllocationView* allocations() const;
  // The licenses the company holds, as the license steps see them: each license shown to the
  // engine is recorded with every version (and each version's SHA-256), and each question asked
  // with its answer, so replay weighs the same versions whatever the store holds today.
  const LicenseView* licenses() const;
  // Records the balances read through `inner` instead (e.g. the view a reservation decides
  // with); returns the recording wrapper. A balance read again replaces the earlier answer, so
  // a decision made again (the ledger moved) leaves the answers its final version used.
  const AllocationView* RecordAllocations(const AllocationView* inner);
  // {"screening": [{"party", "as_of", "listings": [...]} | {…, "error"}] | null,
  //  "allocations": [{"account", "country", "consignee", "exporter", "product", "as_of",
  //                   "cap", "used"} | {…, "error"}] | null,   (null: step not performed)
  //  "licenses": {"held": [{"number", "versions": [{…the version…, "sha256"}]}],
  //               "answers": [{"question", …, "numbers"|"found"|"value"…}]} | null}
  std::string Json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exportctl::audit

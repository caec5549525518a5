// Replay: re-runs a recorded decision with today's engine and reports whether it agrees.
// The recorded payload (docs/audit.md, kind "decision") keeps the transaction exactly as the
// engine parsed it, the posture override and the decision, so replay needs nothing else.
#pragma once

#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/status.h"

namespace exportctl {
class Engine;
}

namespace exportctl::audit {

struct ReplayReport {
  std::string id;
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
};
std::string BuildDecisionPayload(const DecisionPayload& p);

}  // namespace exportctl::audit

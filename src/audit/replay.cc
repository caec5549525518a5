#include "audit/replay.h"

#include <nlohmann/json.hpp>

#include "core/json_writer.h"
#include "data/dataset.h"
#include "determine/decision_json.h"
#include "determine/engine.h"
#include "determine/transaction.h"

namespace exportctl::audit {

std::string BuildDecisionPayload(const DecisionPayload& p) {
  std::string out;
  out.reserve(p.request.size() + p.decision.size() + 256);
  JsonWriter w(out);
  w.BeginObject().Key("request").Raw(p.request);
  if (!p.default_as_of.empty()) w.Field("default_as_of", p.default_as_of);
  if (p.posture_override.empty()) {
    w.Key("posture_override").Null();
  } else {
    w.Field("posture_override", p.posture_override);
  }
  w.Key("decision").Raw(p.decision);
  w.Key("list_versions").BeginArray();
  for (const auto& v : p.list_versions) w.String(v);
  w.EndArray();
  w.Key("ledger_postings").Raw(p.ledger_postings.empty() ? "[]" : p.ledger_postings);
  if (!p.api_route.empty()) w.Field("api_route", p.api_route);
  w.EndObject();
  return out;
}

namespace {

std::string StringOr(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<ReplayReport> ReplayDecision(const AuditRecord& record, const Engine& engine) {
  if (record.kind != "decision") {
    return Status::Invalid("id", "record " + record.id + " is a " + record.kind +
                                     " record, not a decision");
  }
  nlohmann::json payload = nlohmann::json::parse(record.payload, nullptr, false);
  if (payload.is_discarded() || !payload.is_object() || !payload.contains("request") ||
      !payload.contains("decision") || !payload["decision"].is_object()) {
    return Status::Invalid("payload", "record " + record.id + " has no recorded request/decision");
  }
  std::optional<Date> default_as_of;
  if (const std::string d = StringOr(payload, "default_as_of"); !d.empty()) {
    auto parsed = Date::Parse(d);
    if (!parsed.ok()) return Status::Invalid("default_as_of", parsed.status().message());
    default_as_of = *parsed;
  }
  auto tx = ParseTransaction(payload["request"].dump(), engine.data(), default_as_of);
  if (!tx.ok()) {
    return Status::Invalid("request", "today's parser rejects the recorded request: " +
                                          tx.status().ToString());
  }
  DetermineOptions options;
  options.decision_id = record.id;
  const std::string posture = StringOr(payload, "posture_override");
  if (posture == "enforced") options.posture = Posture::kEnforced;
  if (posture == "codified") options.posture = Posture::kCodified;
  const Decision today = engine.Determine(*tx, options);

  ReplayReport report;
  report.id = record.id;
  report.today_decision = DecisionToJson(today);
  const nlohmann::json& recorded = payload["decision"];
  nlohmann::json now = nlohmann::json::parse(report.today_decision, nullptr, false);
  if (now.is_discarded()) return Status::Error(ErrorCode::kInternal, "", "decision JSON invalid");
  report.recorded_outcome = StringOr(recorded, "outcome");
  report.today_outcome = StringOr(now, "outcome");
  report.recorded_data_version = StringOr(recorded, "data_version");
  report.today_data_version = engine.data().version();
  report.agrees = report.recorded_outcome == report.today_outcome &&
                  recorded.value("license_exception", nlohmann::json()) ==
                      now.value("license_exception", nlohmann::json()) &&
                  recorded.value("review_policy", nlohmann::json()) ==
                      now.value("review_policy", nlohmann::json());
  nlohmann::json keys = nlohmann::json::object();
  for (auto it = recorded.begin(); it != recorded.end(); ++it) keys[it.key()] = true;
  for (auto it = now.begin(); it != now.end(); ++it) keys[it.key()] = true;
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (it.key() == "decision_id" || it.key() == "data_version") continue;
    if (recorded.value(it.key(), nlohmann::json()) != now.value(it.key(), nlohmann::json())) {
      report.differences.push_back(it.key());
    }
  }
  report.identical = report.differences.empty();
  return report;
}

void AppendReplayReportJson(const ReplayReport& r, std::string& out) {
  JsonWriter w(out);
  w.BeginObject()
      .Field("id", r.id)
      .Field("agrees", r.agrees)
      .Field("identical", r.identical)
      .Field("recorded_outcome", r.recorded_outcome)
      .Field("today_outcome", r.today_outcome)
      .Field("recorded_data_version", r.recorded_data_version)
      .Field("today_data_version", r.today_data_version)
      .Key("differences")
      .BeginArray();
  for (const auto& d : r.differences) w.String(d);
  w.EndArray().Key("today_decision").Raw(r.today_decision).EndObject();
}

}  // namespace exportctl::audit

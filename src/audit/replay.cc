#include "audit/replay.h"

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/json_writer.h"
#include "data/agreements.h"
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
  if (!p.facts.empty()) w.Key("facts").Raw(p.facts);
  if (p.reserve) w.Field("reserve", true);
  if (!p.overlays.empty()) {
    w.Key("overlays").BeginArray();
    for (const auto& o : p.overlays) w.Raw(o);
    w.EndArray();
  }
  w.EndObject();
  return out;
}

namespace {
// The request, posture override and overlays of a decision payload against those asked.
bool SameBody(const nlohmann::json& payload, std::string_view request, std::string_view posture_override,
              const std::vector<std::string>& overlays) {
  if (!payload.is_object() || !payload.contains("request")) return false;
  const auto recorded_posture = payload.value("posture_override", nlohmann::json());
  // Another overlay is another question, though the transaction be the same.
  nlohmann::json asked_overlays = nlohmann::json::array();
  for (const auto& o : overlays) asked_overlays.push_back(nlohmann::json::parse(o, nullptr, false));
  const auto asked = nlohmann::json::parse(request, nullptr, false);
  return !asked.is_discarded() && payload["request"] == asked &&
         (recorded_posture.is_string() ? recorded_posture.get<std::string>() : "") == posture_override &&
         payload.value("overlays", nlohmann::json::array()) == asked_overlays;
}
}  // namespace

RetryMatch MatchRetry(const AuditRecord& record, std::string_view actor, std::string_view request,
                      std::string_view posture_override, bool reserve,
                      const std::vector<std::string>& overlays) {
  if (record.actor != actor) return RetryMatch::kDifferentCaller;
  const auto payload = nlohmann::json::parse(record.payload, nullptr, false);
  const bool same = SameBody(payload, request, posture_override, overlays) &&
                    payload.value("reserve", false) == reserve;
  return same ? RetryMatch::kSame : RetryMatch::kDifferentRequest;
}

bool SameRequestBody(const AuditRecord& record, std::string_view request, std::string_view posture_override,
                     const std::vector<std::string>& overlays) {
  if (record.kind != "decision") return false;
  return SameBody(nlohmann::json::parse(record.payload, nullptr, false), request, posture_override, overlays);
}

std::vector<int64_t> RecordedPostingIds(const AuditRecord& record) {
  std::vector<int64_t> out;
  const auto payload = nlohmann::json::parse(record.payload, nullptr, false);
  if (!payload.is_object()) return out;
  for (const auto& p : payload.value("ledger_postings", nlohmann::json::array())) {
    if (p.is_object() && p.contains("id") && p["id"].is_number_integer()) {
      out.push_back(p["id"].get<int64_t>());
    }
  }
  return out;
}

std::string RecordedAnswer(const AuditRecord& record) {
  auto payload = nlohmann::json::parse(record.payload, nullptr, false);
  if (!payload.is_object() || !payload.contains("decision")) return "{}";
  nlohmann::json decision = payload["decision"];
  const auto postings = payload.value("ledger_postings", nlohmann::json::array());
  // One key: the postings as objects replace the decision's own one-line summaries.
  if (decision.is_object() && (payload.value("reserve", false) || !postings.empty())) {
    decision["ledger_postings"] = postings;
  }
  return decision.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::string StringOr(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// ---- Facts: what the engine asked and what it was told -----------------------------------------

constexpr AllocationQuery::Account kAccounts[] = {
    AllocationQuery::Account::kCountryAllocation, AllocationQuery::Account::kLppConsignee,
    AllocationQuery::Account::kAiaCertification, AllocationQuery::Account::kH200ChinaShare,
    AllocationQuery::Account::kLicense, AllocationQuery::Account::kAgreementQuota};
const char* AccountName(AllocationQuery::Account a) {
  switch (a) {
    case AllocationQuery::Account::kCountryAllocation: return "country";
    case AllocationQuery::Account::kLppConsignee: return "lpp";
    case AllocationQuery::Account::kAiaCertification: return "aia";
    case AllocationQuery::Account::kH200ChinaShare: return "h200_china";
    case AllocationQuery::Account::kLicense: return "license";
    case AllocationQuery::Account::kAgreementQuota: return "quota";
  }
  return "country";
}

// The identity of a question, the same when recording and when replaying.
std::string ScreeningKey(const std::string& party, Date as_of) {
  return party + '\n' + as_of.ToString();
}
std::string AllocationKey(const AllocationQuery& q) {
  return std::string(AccountName(q.account)) + '\n' + q.country + '\n' + q.consignee + '\n' +
         q.exporter + '\n' + q.product + '\n' + q.as_of.ToString() + '\n' + q.license + '\n' + q.measure +
         (q.quota.empty() ? std::string() : '\n' + q.quota);
}
std::string Describe(const std::string& key) {
  std::string out = key;
  for (char& c : out) {
    if (c == '\n') c = '|';
  }
  return out;
}

// Recorded answers, in the order first asked; an answer asked again replaces the earlier one.
class Answers {
 public:
  void Put(const std::string& key, std::string json) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = index_.emplace(key, entries_.size());
    if (fresh) {
      entries_.push_back(std::move(json));
    } else {
      entries_[it->second] = std::move(json);
    }
  }
  void AppendArray(JsonWriter& w) const {
    std::lock_guard<std::mutex> lock(mu_);
    w.BeginArray();
    for (const auto& e : entries_) w.Raw(e);
    w.EndArray();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, size_t> index_;
  std::vector<std::string> entries_;
};

void WriteError(JsonWriter& w, const Status& st) {
  w.Key("error").BeginObject().Field("code", ErrorCodeName(st.code()));
  w.Field("field", st.field()).Field("message", st.message()).EndObject();
}

}  // namespace

struct FactRecorder::Impl {
  struct Screening final : PartyScreener {
    Impl* owner = nullptr;
    const PartyScreener* inner = nullptr;
    Result<std::vector<Listing>> Screen(const Party& party, Date as_of) const override {
      auto r = inner->Screen(party, as_of);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("party", party.name).Field("as_of", as_of.ToString());
      if (r.ok()) {
        w.Key("listings").BeginArray();
        for (const Listing& l : *r) {
          w.BeginObject().Field("list", RestrictedListName(l.list));
          w.Field("footnote", static_cast<int64_t>(l.footnote)).Field("entry", l.entry);
          w.Field("citation", l.citation).Field("record_id", l.record_id);
          w.Field("license_requirement", l.license_requirement).Field("license_policy", l.license_policy);
          w.Field("score", l.score).EndObject();
        }
        w.EndArray();
      } else {
        WriteError(w, r.status());
      }
      w.EndObject();
      owner->screening.Put(ScreeningKey(party.name, as_of), std::move(json));
      return r;
    }
    std::vector<std::string> ListVersions() const override { return inner->ListVersions(); }
    std::vector<std::string> Caveats() const override {
      auto caveats = inner->Caveats();
      std::lock_guard lock(owner->caveats_mu);
      owner->caveats = caveats;
      return caveats;
    }
  };
  struct Allocations final : AllocationView {
    Impl* owner = nullptr;
    const AllocationView* inner = nullptr;
    Result<AllocationBalance> Balance(const AllocationQuery& q) const override {
      auto r = inner->Balance(q);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("account", AccountName(q.account)).Field("country", q.country);
      w.Field("consignee", q.consignee).Field("exporter", q.exporter);
      w.Field("product", q.product).Field("as_of", q.as_of.ToString());
      if (!q.license.empty()) w.Field("license", q.license).Field("measure", q.measure);
      if (!q.quota.empty()) w.Field("quota", q.quota).Field("measure", q.measure);
      if (r.ok()) {
        w.Field("cap", r->cap).Field("used", r->used);
        // Which account answered, and what it left out, as the decision says it.
        if (!r->account.empty()) w.Field("ledger_account", r->account);
        if (!r->note.empty()) w.Field("note", r->note);
      } else {
        WriteError(w, r.status());
      }
      w.EndObject();
      owner->allocations.Put(AllocationKey(q), std::move(json));
      return r;
    }
  };
  Screening screening_view;
  Allocations allocation_view;
  Answers screening, allocations;
  std::mutex caveats_mu;
  std::vector<std::string> caveats;  // the screener's caveats (stale lists) when it was asked
};

FactRecorder::FactRecorder(const PartyScreener* screener, const AllocationView* allocations)
    : impl_(std::make_unique<Impl>()) {
  impl_->screening_view.owner = impl_.get();
  impl_->screening_view.inner = screener;
  impl_->allocation_view.owner = impl_.get();
  impl_->allocation_view.inner = allocations;
}
FactRecorder::~FactRecorder() = default;

const PartyScreener* FactRecorder::screener() const {
  return impl_->screening_view.inner ? &impl_->screening_view : nullptr;
}
const AllocationView* FactRecorder::allocations() const {
  return impl_->allocation_view.inner ? &impl_->allocation_view : nullptr;
}
const AllocationView* FactRecorder::RecordAllocations(const AllocationView* inner) {
  impl_->allocation_view.inner = inner;
  return allocations();
}

std::string FactRecorder::Json() const {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("screening");
  if (screener()) {
    impl_->screening.AppendArray(w);
    std::lock_guard lock(impl_->caveats_mu);
    if (!impl_->caveats.empty()) {
      w.Key("screening_caveats").BeginArray();
      for (const auto& c : impl_->caveats) w.String(c);
      w.EndArray();
    }
  } else {
    w.Null();
  }
  w.Key("allocations");
  if (allocations()) {
    impl_->allocations.AppendArray(w);
  } else {
    w.Null();
  }
  w.EndObject();
  return out;
}

namespace {

// Replays recorded answers; a question that was not recorded is answered with an error (and
// listed), never with today's data.
class Recorded {
 public:
  Status Unrecorded(const std::string& what, const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    unrecorded_.push_back(what + " " + Describe(key));
    return Status::Error(ErrorCode::kUnavailable, what, "not recorded with the decision");
  }
  void Used() const {
    std::lock_guard<std::mutex> lock(mu_);
    ++used_;
  }
  int used() const { return used_; }
  const std::vector<std::string>& unrecorded() const { return unrecorded_; }

 private:
  mutable std::mutex mu_;
  mutable int used_ = 0;
  mutable std::vector<std::string> unrecorded_;
};

Status RecordedError(const nlohmann::json& entry) {
  const nlohmann::json& e = entry["error"];
  ErrorCode code = ErrorCode::kUnavailable;
  const std::string name = StringOr(e, "code");
  for (ErrorCode c : {ErrorCode::kInvalidInput, ErrorCode::kNotFound, ErrorCode::kConflict,
                      ErrorCode::kDataError, ErrorCode::kUnavailable, ErrorCode::kInternal}) {
    if (name == ErrorCodeName(c)) code = c;
  }
  return Status::Error(code, StringOr(e, "field"), StringOr(e, "message"));
}

class RecordedScreener final : public PartyScreener, public Recorded {
 public:
  static Result<std::unique_ptr<RecordedScreener>> Parse(const nlohmann::json& facts,
                                                         std::vector<std::string> versions) {
    auto out = std::make_unique<RecordedScreener>();
    out->versions_ = std::move(versions);
    for (const auto& e : facts) {
      if (!e.is_object() || !e.contains("party") || !e.contains("as_of")) {
        return Status::Invalid("facts.screening", "each entry needs party and as_of");
      }
      auto as_of = Date::Parse(StringOr(e, "as_of"));
      if (!as_of.ok()) return Status::Invalid("facts.screening.as_of", as_of.status().message());
      const std::string key = ScreeningKey(StringOr(e, "party"), *as_of);
      if (e.contains("error")) {
        out->answers_.emplace(key, RecordedError(e));
        continue;
      }
      std::vector<Listing> listings;
      for (const auto& l : e.value("listings", nlohmann::json::array())) {
        auto list = RestrictedListFromName(StringOr(l, "list"));
        if (!list) return Status::Invalid("facts.screening.list", "unknown list " + StringOr(l, "list"));
        Listing listing;
        listing.list = *list;
        listing.footnote = l.value("footnote", 0);
        listing.entry = StringOr(l, "entry");
        listing.citation = StringOr(l, "citation");
        listing.record_id = StringOr(l, "record_id");
        listing.license_requirement = StringOr(l, "license_requirement");  // "" in older records
        listing.license_policy = StringOr(l, "license_policy");
        listing.score = l.value("score", 1.0);
        listings.push_back(std::move(listing));
      }
      out->answers_.emplace(key, std::move(listings));
    }
    return out;
  }
  Result<std::vector<Listing>> Screen(const Party& party, Date as_of) const override {
    const std::string key = ScreeningKey(party.name, as_of);
    auto it = answers_.find(key);
    if (it == answers_.end()) return Unrecorded("screening", key);
    Used();
    return it->second;
  }
  std::vector<std::string> ListVersions() const override { return versions_; }
  std::vector<std::string> Caveats() const override { return caveats_; }
  void SetCaveats(std::vector<std::string> caveats) { caveats_ = std::move(caveats); }

 private:
  std::map<std::string, Result<std::vector<Listing>>> answers_;
  std::vector<std::string> versions_;
  std::vector<std::string> caveats_;
};

class RecordedAllocations final : public AllocationView, public Recorded {
 public:
  static Result<std::unique_ptr<RecordedAllocations>> Parse(const nlohmann::json& facts) {
    auto out = std::make_unique<RecordedAllocations>();
    for (const auto& e : facts) {
      AllocationQuery q;
      bool known = false;
      for (auto a : kAccounts) {
        if (StringOr(e, "account") == AccountName(a)) {
          q.account = a;
          known = true;
        }
      }
      auto as_of = Date::Parse(StringOr(e, "as_of"));
      if (!known || !as_of.ok()) {
        return Status::Invalid("facts.allocations", "each entry needs a known account and as_of");
      }
      q.country = StringOr(e, "country");
      q.consignee = StringOr(e, "consignee");
      q.exporter = StringOr(e, "exporter");
      q.product = StringOr(e, "product");
      q.license = StringOr(e, "license");
      q.measure = StringOr(e, "measure");
      q.quota = StringOr(e, "quota");
      q.as_of = *as_of;
      if (e.contains("error")) {
        out->answers_.emplace(AllocationKey(q), RecordedError(e));
      } else {
        out->answers_.emplace(AllocationKey(q),
                              AllocationBalance{.cap = e.value("cap", 0.0), .used = e.value("used", 0.0),
                                                .account = StringOr(e, "ledger_account"), .note = StringOr(e, "note")});
      }
    }
    return out;
  }
  Result<AllocationBalance> Balance(const AllocationQuery& q) const override {
    const std::string key = AllocationKey(q);
    auto it = answers_.find(key);
    if (it == answers_.end()) return Unrecorded("allocation", key);
    Used();
    return it->second;
  }

 private:
  std::map<std::string, Result<AllocationBalance>> answers_;
};

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
  // The overlays as recorded (their contents, validated against today's data).
  std::vector<Agreement> overlays;
  if (auto o = payload.find("overlays"); o != payload.end()) {
    if (!o->is_array()) return Status::Invalid("payload.overlays", "record " + record.id + ": not a list of overlays");
    for (size_t i = 0; i < o->size(); ++i) {
      auto a = ParseAgreement((*o)[i].dump(), "overlays[" + std::to_string(i) + "]", engine.data());
      if (!a.ok())
        return Status::Invalid("payload." + a.status().field(),
                               "record " + record.id + ": today's data rejects the recorded overlay: " + a.status().message());
      overlays.push_back(std::move(a).value());
    }
  }
  std::vector<const Agreement*> overlay_ptrs;
  for (const auto& a : overlays) overlay_ptrs.push_back(&a);
  options.overlays = overlay_ptrs;
  const std::string posture = StringOr(payload, "posture_override");
  if (posture == "enforced") options.posture = Posture::kEnforced;
  if (posture == "codified") options.posture = Posture::kCodified;
  // The facts the engine consulted then: screening answers and allocation balances.
  ReplayReport report;
  std::unique_ptr<RecordedScreener> screener;
  std::unique_ptr<RecordedAllocations> allocations;
  if (auto facts = payload.find("facts"); facts != payload.end() && facts->is_object()) {
    report.facts_recorded = true;
    if (auto s = facts->find("screening"); s != facts->end() && s->is_array()) {
      std::vector<std::string> versions;
      for (const auto& v : payload.value("list_versions", nlohmann::json::array())) {
        if (v.is_string()) versions.push_back(v.get<std::string>());
      }
      auto parsed = RecordedScreener::Parse(*s, std::move(versions));
      if (!parsed.ok()) return parsed.status();
      screener = std::move(parsed).value();
      std::vector<std::string> caveats;
      for (const auto& c : facts->value("screening_caveats", nlohmann::json::array())) {
        if (c.is_string()) caveats.push_back(c.get<std::string>());
      }
      screener->SetCaveats(std::move(caveats));
      options.screener = screener.get();
    }
    if (auto a = facts->find("allocations"); a != facts->end() && a->is_array()) {
      auto parsed = RecordedAllocations::Parse(*a);
      if (!parsed.ok()) return parsed.status();
      allocations = std::move(parsed).value();
      options.allocations = allocations.get();
    }
  }
  const Decision today = engine.Determine(*tx, options);
  for (const Recorded* r : {static_cast<const Recorded*>(screener.get()),
                            static_cast<const Recorded*>(allocations.get())}) {
    if (!r) continue;
    report.facts_used += r->used();
    report.unrecorded.insert(report.unrecorded.end(), r->unrecorded().begin(),
                             r->unrecorded().end());
  }

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
    // Replay decides; it does not reserve, so the postings a reservation made are not compared.
    if (it.key() == "decision_id" || it.key() == "data_version" || it.key() == "ledger_postings") {
      continue;
    }
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
      .Field("facts_recorded", r.facts_recorded)
      .Field("facts_used", static_cast<int64_t>(r.facts_used))
      .Field("recorded_outcome", r.recorded_outcome)
      .Field("today_outcome", r.today_outcome)
      .Field("recorded_data_version", r.recorded_data_version)
      .Field("today_data_version", r.today_data_version)
      .Key("differences")
      .BeginArray();
  for (const auto& d : r.differences) w.String(d);
  w.EndArray().Key("unrecorded").BeginArray();
  for (const auto& u : r.unrecorded) w.String(u);
  w.EndArray().Key("today_decision").Raw(r.today_decision).EndObject();
}

}  // namespace exportctl::audit

#include "audit/replay.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>

#include "audit/crypto.h"
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

// ---- Licenses: the versions the license steps were shown, and what they asked -------------------

// One version of a license as the engine sees it (HeldLicense), without its hash. Replay parses it
// back and writes it again: the same bytes, so the recorded SHA-256 checks the round trip.
std::string HeldLicenseVersionJson(const HeldLicense& l) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Field("number", l.number).Field("holder", l.holder).Field("version", l.version);
  w.Field("revoked", l.revoked).Field("revocation_reason", l.revocation_reason);
  w.Field("issued", l.issued.ToString()).Field("expires", l.expires.ToString()).Field("effective", l.effective.ToString());
  w.Key("destinations").BeginArray();
  for (const auto& d : l.destinations) w.String(d);
  w.EndArray().Key("lines").BeginArray();
  for (const auto& line : l.lines) {
    w.BeginObject().Field("eccn", line.eccn).Field("chip", line.chip);
    if (line.quantity) w.Field("quantity", *line.quantity);
    if (line.tpp) w.Key("tpp").Number(*line.tpp);
    if (line.performance_density) w.Key("performance_density").Number(*line.performance_density);
    if (line.memory_bandwidth_gbps) w.Key("memory_bandwidth_gbps").Number(*line.memory_bandwidth_gbps);
    if (line.interconnect_bandwidth_gbps) w.Key("interconnect_bandwidth_gbps").Number(*line.interconnect_bandwidth_gbps);
    w.EndObject();
  }
  w.EndArray();
  if (l.tpp_limit) w.Key("tpp_limit").Number(*l.tpp_limit);
  if (l.value_usd_limit) w.Key("value_usd_limit").Number(*l.value_usd_limit);
  w.Key("parties").BeginArray();
  for (const auto& p : l.parties) {
    w.BeginObject().Field("role", p.role).Field("name", p.name).Field("country", p.country);
    w.Field("id", p.id).Field("customer", p.customer).EndObject();
  }
  w.EndArray().Key("conditions").BeginArray();
  for (const auto& c : l.conditions) w.String(c);
  w.EndArray().EndObject();
  return out;
}

std::string LicenseQuestionKey(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (std::string_view p : parts) key.append(p).push_back('\n');
  return key;
}

// The numbers of licenses (in the order given), for an answer.
void WriteNumbers(JsonWriter& w, const char* key, const std::vector<const HeldLicense*>& licenses, size_t from = 0) {
  w.Key(key).BeginArray();
  for (size_t i = from; i < licenses.size(); ++i) w.String(licenses[i]->number);
  w.EndArray();
}

std::string SortedNumbers(const std::vector<const HeldLicense*>& licenses) {
  std::vector<std::string> numbers;
  for (const HeldLicense* l : licenses) numbers.push_back(l->number);
  std::sort(numbers.begin(), numbers.end());
  std::string out;
  for (const auto& n : numbers) out += (out.empty() ? "" : ",") + n;
  return out;
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
  struct Licenses final : LicenseView {
    Impl* owner = nullptr;
    const LicenseView* inner = nullptr;
    // Every version of each license shown to the engine, once per number.
    void Shown(const HeldLicense* l) const {
      if (!l) return;
      std::lock_guard lock(owner->held_mu);
      if (!owner->held_numbers.insert(l->number).second) return;
      std::vector<const HeldLicense*> chain;
      for (const HeldLicense* v = l; v; v = v->previous) chain.push_back(v);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("number", l->number).Key("versions").BeginArray();
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const std::string version = HeldLicenseVersionJson(**it);
        w.Raw(version.substr(0, version.size() - 1) + ",\"sha256\":\"" + Sha256Hex(version) + "\"}");
      }
      w.EndArray().EndObject();
      owner->held.push_back(std::move(json));
    }
    void ShownAll(const std::vector<const HeldLicense*>& v, size_t from) const {
      for (size_t i = from; i < v.size(); ++i) Shown(v[i]);
    }
    void Candidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                    std::vector<const HeldLicense*>& out) const override {
      const size_t from = out.size();
      inner->Candidates(destination, eccn, chip, out);
      ShownAll(out, from);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("question", "candidates").Field("destination", destination).Field("eccn", eccn).Field("chip", chip);
      WriteNumbers(w, "numbers", out, from);
      w.EndObject();
      owner->license_answers.Put(LicenseQuestionKey({"candidates", destination, eccn, chip}), std::move(json));
    }
    size_t CountCandidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                           const std::vector<const HeldLicense*>& skip, size_t* unskipped,
                           const HeldLicense** first) const override {
      size_t unskipped_here = 0;
      const HeldLicense* first_here = nullptr;
      const size_t listed = inner->CountCandidates(destination, eccn, chip, skip, &unskipped_here, &first_here);
      if (unskipped) *unskipped = unskipped_here;
      if (first) *first = first_here;
      Shown(first_here);
      const std::string skipped = SortedNumbers(skip);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("question", "count").Field("destination", destination).Field("eccn", eccn).Field("chip", chip);
      w.Field("skip", skipped).Field("listed", static_cast<int64_t>(listed)).Field("unskipped", static_cast<int64_t>(unskipped_here));
      w.Field("first", first_here ? first_here->number : std::string()).EndObject();
      owner->license_answers.Put(LicenseQuestionKey({"count", destination, eccn, chip, skipped}), std::move(json));
      return listed;
    }
    void CandidatesNaming(std::string_view destination, std::string_view eccn, std::string_view chip,
                          std::string_view party, std::vector<const HeldLicense*>& out) const override {
      const size_t from = out.size();
      inner->CandidatesNaming(destination, eccn, chip, party, out);
      ShownAll(out, from);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("question", "naming").Field("destination", destination).Field("eccn", eccn).Field("chip", chip);
      w.Field("party", party);
      WriteNumbers(w, "numbers", out, from);
      w.EndObject();
      owner->license_answers.Put(LicenseQuestionKey({"naming", destination, eccn, chip, party}), std::move(json));
    }
    size_t CandidatesAlike(std::string_view destination, std::string_view eccn, std::string_view chip,
                           std::string_view party, size_t max, std::vector<const HeldLicense*>& out) const override {
      const size_t from = out.size();
      const size_t sharing = inner->CandidatesAlike(destination, eccn, chip, party, max, out);
      ShownAll(out, from);
      const std::string max_text = std::to_string(max);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("question", "alike").Field("destination", destination).Field("eccn", eccn).Field("chip", chip);
      w.Field("party", party).Field("max", static_cast<int64_t>(max)).Field("sharing", static_cast<int64_t>(sharing));
      WriteNumbers(w, "numbers", out, from);
      w.EndObject();
      owner->license_answers.Put(LicenseQuestionKey({"alike", destination, eccn, chip, party, max_text}), std::move(json));
      return sharing;
    }
    const HeldLicense* Find(std::string_view number) const override {
      const HeldLicense* found = inner->Find(number);
      Shown(found);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("question", "find").Field("number", number).Field("found", found ? found->number : std::string());
      w.EndObject();
      owner->license_answers.Put(LicenseQuestionKey({"find", number}), std::move(json));
      return found;
    }
    double CompareNames(std::string_view licensed, std::string_view stated) const override {
      const double score = inner->CompareNames(licensed, stated);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("question", "compare").Field("licensed", licensed).Field("stated", stated);
      w.Key("value").Number(score);
      w.EndObject();
      owner->license_answers.Put(LicenseQuestionKey({"compare", licensed, stated}), std::move(json));
      return score;
    }
    bool SameName(std::string_view licensed, std::string_view stated) const override {
      const bool same = inner->SameName(licensed, stated);
      std::string json;
      JsonWriter w(json);
      w.BeginObject().Field("question", "same_name").Field("licensed", licensed).Field("stated", stated);
      w.Field("value", same).EndObject();
      owner->license_answers.Put(LicenseQuestionKey({"same_name", licensed, stated}), std::move(json));
      return same;
    }
  };
  Screening screening_view;
  Allocations allocation_view;
  Licenses license_view;
  Answers screening, allocations, license_answers;
  std::mutex held_mu;
  std::set<std::string> held_numbers;
  std::vector<std::string> held;  // each license shown: {"number", "versions": [...]}
  std::mutex caveats_mu;
  std::vector<std::string> caveats;  // the screener's caveats (stale lists) when it was asked
};

FactRecorder::FactRecorder(const PartyScreener* screener, const AllocationView* allocations,
                           const LicenseView* licenses)
    : impl_(std::make_unique<Impl>()) {
  impl_->license_view.owner = impl_.get();
  impl_->license_view.inner = licenses;
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
const LicenseView* FactRecorder::licenses() const {
  return impl_->license_view.inner ? &impl_->license_view : nullptr;
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
  w.Key("licenses");
  if (licenses()) {
    w.BeginObject().Key("held").BeginArray();
    {
      std::lock_guard lock(impl_->held_mu);
      for (const auto& h : impl_->held) w.Raw(h);
    }
    w.EndArray().Key("answers");
    impl_->license_answers.AppendArray(w);
    w.EndObject();
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

// The licenses as the license steps saw them then: the versions recorded (each checked against
// its SHA-256) and the answers recorded; a question not recorded is answered "none" (no license
// authorizes anything on it) and listed as unrecorded, never from today's license store.
class RecordedLicenses final : public LicenseView, public Recorded {
 public:
  static Result<std::unique_ptr<RecordedLicenses>> Parse(const nlohmann::json& facts) {
    auto out = std::make_unique<RecordedLicenses>();
    for (const auto& h : facts.value("held", nlohmann::json::array())) {
      const std::string number = StringOr(h, "number");
      const HeldLicense* previous = nullptr;
      for (const auto& v : h.value("versions", nlohmann::json::array())) {
        auto version = ParseVersion(v);
        if (!version.ok()) return version.status().WithFieldPrefix("facts.licenses.held");
        version->previous = previous;
        const std::string sha = StringOr(v, "sha256");
        if (version->number != number || Sha256Hex(HeldLicenseVersionJson(*version)) != sha) {
          return Status::Invalid("facts.licenses.held", "license " + number + " version " + std::to_string(version->version) +
                                                            " does not match its recorded SHA-256");
        }
        out->versions_.push_back(std::move(version).value());
        previous = &out->versions_.back();
      }
      if (previous) out->latest_[number] = previous;
    }
    for (const auto& a : facts.value("answers", nlohmann::json::array())) {
      const std::string q = StringOr(a, "question");
      std::string key;
      if (q == "candidates") key = LicenseQuestionKey({q, StringOr(a, "destination"), StringOr(a, "eccn"), StringOr(a, "chip")});
      else if (q == "count") key = LicenseQuestionKey({q, StringOr(a, "destination"), StringOr(a, "eccn"), StringOr(a, "chip"), StringOr(a, "skip")});
      else if (q == "naming") key = LicenseQuestionKey({q, StringOr(a, "destination"), StringOr(a, "eccn"), StringOr(a, "chip"), StringOr(a, "party")});
      else if (q == "alike") key = LicenseQuestionKey({q, StringOr(a, "destination"), StringOr(a, "eccn"), StringOr(a, "chip"), StringOr(a, "party"),
                                                       std::to_string(a.value("max", int64_t{0}))});
      else if (q == "find") key = LicenseQuestionKey({q, StringOr(a, "number")});
      else if (q == "compare" || q == "same_name") key = LicenseQuestionKey({q, StringOr(a, "licensed"), StringOr(a, "stated")});
      else return Status::Invalid("facts.licenses.answers", "unknown question \"" + q + "\"");
      out->answers_[key] = a;
    }
    return out;
  }

  void Candidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                  std::vector<const HeldLicense*>& out) const override {
    if (const auto* a = Answer({"candidates", destination, eccn, chip})) Append((*a)["numbers"], out);
  }
  size_t CountCandidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                         const std::vector<const HeldLicense*>& skip, size_t* unskipped,
                         const HeldLicense** first) const override {
    if (unskipped) *unskipped = 0;
    if (first) *first = nullptr;
    const auto* a = Answer({"count", destination, eccn, chip, SortedNumbers(skip)});
    if (!a) return 0;
    if (unskipped) *unskipped = a->value("unskipped", size_t{0});
    if (first) *first = Latest(StringOr(*a, "first"));
    return a->value("listed", size_t{0});
  }
  void CandidatesNaming(std::string_view destination, std::string_view eccn, std::string_view chip, std::string_view party,
                        std::vector<const HeldLicense*>& out) const override {
    if (const auto* a = Answer({"naming", destination, eccn, chip, party})) Append((*a)["numbers"], out);
  }
  size_t CandidatesAlike(std::string_view destination, std::string_view eccn, std::string_view chip, std::string_view party,
                         size_t max, std::vector<const HeldLicense*>& out) const override {
    const auto* a = Answer({"alike", destination, eccn, chip, party, std::to_string(max)});
    if (!a) return 0;
    Append((*a)["numbers"], out);
    return a->value("sharing", size_t{0});
  }
  const HeldLicense* Find(std::string_view number) const override {
    const auto* a = Answer({"find", number});
    return a ? Latest(StringOr(*a, "found")) : nullptr;
  }
  double CompareNames(std::string_view licensed, std::string_view stated) const override {
    const auto* a = Answer({"compare", licensed, stated});
    return a ? a->value("value", 0.0) : 0.0;
  }
  bool SameName(std::string_view licensed, std::string_view stated) const override {
    const auto* a = Answer({"same_name", licensed, stated});
    return a ? a->value("value", false) : false;
  }

 private:
  static Result<HeldLicense> ParseVersion(const nlohmann::json& v) {
    if (!v.is_object()) return Status::Invalid("versions", "each version is an object");
    HeldLicense l;
    l.number = StringOr(v, "number");
    l.holder = StringOr(v, "holder");
    l.version = v.value("version", int64_t{0});
    l.revoked = v.value("revoked", false);
    l.revocation_reason = StringOr(v, "revocation_reason");
    for (auto [field, date] : {std::pair{"issued", &l.issued}, std::pair{"expires", &l.expires}, std::pair{"effective", &l.effective}}) {
      auto d = Date::Parse(StringOr(v, field));
      if (!d.ok()) return Status::Invalid(std::string("versions.") + field, d.status().message());
      *date = *d;
    }
    for (const auto& d : v.value("destinations", nlohmann::json::array())) l.destinations.push_back(d.get<std::string>());
    auto optional_number = [](const nlohmann::json& j, const char* key) -> std::optional<double> {
      auto it = j.find(key);
      if (it == j.end() || !it->is_number()) return std::nullopt;
      return it->get<double>();
    };
    for (const auto& x : v.value("lines", nlohmann::json::array())) {
      HeldLicense::Line line;
      line.eccn = StringOr(x, "eccn");
      line.chip = StringOr(x, "chip");
      if (auto q = x.find("quantity"); q != x.end() && q->is_number_integer()) line.quantity = q->get<int64_t>();
      line.tpp = optional_number(x, "tpp");
      line.performance_density = optional_number(x, "performance_density");
      line.memory_bandwidth_gbps = optional_number(x, "memory_bandwidth_gbps");
      line.interconnect_bandwidth_gbps = optional_number(x, "interconnect_bandwidth_gbps");
      l.lines.push_back(std::move(line));
    }
    l.tpp_limit = optional_number(v, "tpp_limit");
    l.value_usd_limit = optional_number(v, "value_usd_limit");
    for (const auto& p : v.value("parties", nlohmann::json::array())) {
      l.parties.push_back({.role = StringOr(p, "role"), .name = StringOr(p, "name"), .country = StringOr(p, "country"),
                           .id = StringOr(p, "id"), .customer = StringOr(p, "customer")});
    }
    for (const auto& c : v.value("conditions", nlohmann::json::array())) l.conditions.push_back(c.get<std::string>());
    return l;
  }
  const nlohmann::json* Answer(std::initializer_list<std::string_view> parts) const {
    const std::string key = LicenseQuestionKey(parts);
    auto it = answers_.find(key);
    if (it == answers_.end()) {
      (void)Unrecorded("license", key);
      return nullptr;
    }
    Used();
    return &it->second;
  }
  const HeldLicense* Latest(const std::string& number) const {
    auto it = latest_.find(number);
    return it == latest_.end() ? nullptr : it->second;
  }
  void Append(const nlohmann::json& numbers, std::vector<const HeldLicense*>& out) const {
    if (!numbers.is_array()) return;
    for (const auto& n : numbers) {
      if (const HeldLicense* l = n.is_string() ? Latest(n.get<std::string>()) : nullptr) out.push_back(l);
    }
  }
  std::deque<HeldLicense> versions_;  // stable addresses: versions point at the one before
  std::map<std::string, const HeldLicense*> latest_;
  std::map<std::string, nlohmann::json> answers_;
};

// The licenses a recorded decision weighed, from its JSON: "D1234567 version 2", …
std::string LicensesNamed(const nlohmann::json& decision) {
  std::string out;
  for (const auto& l : decision.value("licenses", nlohmann::json::array())) {
    if (!l.is_object()) continue;
    out += (out.empty() ? "" : ", ") + StringOr(l, "number") + " version " + std::to_string(l.value("version", int64_t{0}));
  }
  return out;
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
  std::unique_ptr<RecordedLicenses> licenses;
  bool license_facts = false;
  if (auto facts = payload.find("facts"); facts != payload.end() && facts->is_object()) {
    // "licenses": null when no license was held (none weighed then either); absent in records
    // written before licenses were recorded.
    if (auto l = facts->find("licenses"); l != facts->end()) {
      license_facts = true;
      if (l->is_object()) {
        auto parsed = RecordedLicenses::Parse(*l);
        if (!parsed.ok()) return parsed.status();
        licenses = std::move(parsed).value();
        options.licenses = licenses.get();
      }
    }
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
                            static_cast<const Recorded*>(allocations.get()),
                            static_cast<const Recorded*>(licenses.get())}) {
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
  // A decision that weighed licenses the company holds, recorded before the licenses were kept
  // with its facts: replay has no view of them, so its answer says nothing about the decision.
  const std::string named = LicensesNamed(recorded);
  if (!license_facts && (report.recorded_outcome == "LICENSED" || !named.empty())) {
    report.replayable = false;
    report.agrees = false;
    report.identical = false;
    report.not_replayable = "license facts: the decision weighed licenses the company holds" +
                            (named.empty() ? std::string() : " (" + named + ")") +
                            ", and its record was written before the license versions a decision weighs were recorded "
                            "with its facts; replay cannot weigh them";
  }
  return report;
}

void AppendReplayReportJson(const ReplayReport& r, std::string& out) {
  JsonWriter w(out);
  w.BeginObject()
      .Field("id", r.id)
      .Field("replayable", r.replayable);
  if (!r.replayable) w.Field("not_replayable", r.not_replayable);
  w.Field("agrees", r.agrees)
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

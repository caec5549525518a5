// The check use case on its own, as both front ends use it: a reservation recorded once, retries
// known by the caller's key or the reference, nothing left reserved when the log cannot record,
// and a batch recorded in one commit with its answers in line order.
#include "check/check.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "audit/audit_test_util.h"
#include "audit/replay.h"
#include "determine/decision_json.h"
#include "license/license.h"
#include "data/agreements.h"
#include "data/test_data.h"

namespace exportctl::check {
namespace {

// A real log that can be made to refuse every append (a full disk, a lost database).
class FailingLog final : public audit::AuditLog {
 public:
  explicit FailingLog(std::unique_ptr<audit::AuditLog> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> fail{false};
  std::atomic<int> commits{0};
  Result<audit::AuditRecord> Append(audit::AuditEntry entry) override {
    ++commits;
    if (fail) return Status::Error(ErrorCode::kUnavailable, "", "disk full");
    return inner_->Append(std::move(entry));
  }
  std::vector<Result<audit::AuditRecord>> AppendMany(std::vector<audit::AuditEntry> entries) override {
    ++commits;
    if (fail) return std::vector<Result<audit::AuditRecord>>(entries.size(), Status::Error(ErrorCode::kUnavailable, "", "disk full"));
    return inner_->AppendMany(std::move(entries));
  }
  Result<audit::AuditRecord> Get(const std::string& id) const override { return inner_->Get(id); }
  Status Scan(const audit::TimeRange& range, const std::function<bool(const audit::AuditRecord&)>& visit) const override {
    return inner_->Scan(range, visit);
  }
  audit::VerifyReport Verify(const std::optional<audit::Anchor>& anchor) const override { return inner_->Verify(anchor); }
  Result<audit::Anchor> Head() const override { return inner_->Head(); }

 private:
  std::unique_ptr<audit::AuditLog> inner_;
};

// Tier 1 destination, consignee headquartered in Tier 2 (codified): License Exception LPP draws
// on the consignee's allowance.
std::string Order(const std::string& reference, int quantity = 8) {
  return R"({"reference":")" + reference + R"(","as_of":"2025-06-01","posture":"codified","destination":"DE",)"
         R"("items":[{"chip":"H100 SXM5 80GB","quantity":)" + std::to_string(quantity) + R"(}],)"
         R"("parties":[{"role":"ultimate_consignee","name":"C","country":"DE","headquarters":"IN",)"
         R"("ultimate_parent_headquarters":"IN"}]})";
}

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("exportctl-check-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    rules_ = std::make_unique<ledger::AllocationRules>(std::move(ledger::AllocationRules::Load(EXPORTCTL_DEFAULT_DATA_DIR)).value());
    auto l = ledger::Ledger::Open({.location = (dir_ / "ledger.sqlite").string()}, *rules_);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(l).value();
    auto log = audit::OpenSqliteAuditLog({.path = (dir_ / "audit.sqlite").string()});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::make_unique<FailingLog>(std::move(log).value());
    checker_ = std::make_unique<Checker>(
        Services{.dataset = &BundledData(), .engine = &engine_, .ledger = ledger_.get(), .audit = log_.get()});
  }
  void TearDown() override {
    checker_.reset();
    log_.reset();
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }
  CheckOptions Reserve(const std::string& caller, const std::string& key = "") const {
    return {.today = Date::FromYmd(2025, 6, 1), .reserve = true, .caller = caller, .idempotency_key = key,
            .route = "test"};
  }
  size_t Postings(ledger::PostingKind kind) {
    auto h = ledger_->History("lpp:c");
    EXPECT_TRUE(h.ok());
    size_t n = 0;
    for (const auto& p : *h) n += p.kind == kind;
    return n;
  }

  std::filesystem::path dir_;
  Engine engine_{BundledData()};
  std::unique_ptr<ledger::AllocationRules> rules_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<FailingLog> log_;
  std::unique_ptr<Checker> checker_;
};

TEST_F(CheckTest, ReservationIsRecordedOnceAndARetryIsAnsweredFromTheRecord) {
  auto first = checker_->Check(Order("SO-1"), Reserve("k1", "so-1"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->decision.license_exception, "LPP");
  ASSERT_EQ(first->postings.size(), 1u);
  EXPECT_EQ(first->postings_written, 1u);
  auto recorded = log_->Get(first->decision.decision_id);
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  EXPECT_EQ(recorded->actor, "k1");
  EXPECT_EQ(audit::RecordedPostingIds(*recorded), std::vector<int64_t>{first->postings[0].id});

  auto retry = checker_->Check(Order("SO-1"), Reserve("k1", "so-1"));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  ASSERT_TRUE(retry->recorded.has_value());
  EXPECT_EQ(retry->recorded->id, first->decision.decision_id);
  // Decided again instead (the CLI's way): the same decision id, the posting replayed.
  CheckOptions again = Reserve("k1", "so-1");
  again.retry = RetryAnswer::kDecideAgain;
  auto decided = checker_->Check(Order("SO-1"), again);
  ASSERT_TRUE(decided.ok()) << decided.status().ToString();
  EXPECT_EQ(decided->decision.decision_id, first->decision.decision_id);
  EXPECT_EQ(decided->postings_written, 0u);
  EXPECT_EQ(Postings(ledger::PostingKind::kReserve), 1u);
}

TEST_F(CheckTest, KeysAreScopedToTheCallerAndAReferenceIsReservedOnce) {
  auto mine = checker_->Check(Order("SO-2", 1), Reserve("k1", "same"));
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  // Another caller's identical key is another request, with its own decision and reservation.
  auto other = checker_->Check(Order("SO-2", 1), Reserve("k2", "same"));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_FALSE(other->recorded.has_value());
  EXPECT_NE(other->decision.decision_id, mine->decision.decision_id);
  EXPECT_EQ(other->postings_written, 1u);
  // Without a key the reference names the request, whoever sends it: another body is 409.
  ASSERT_TRUE(checker_->Check(Order("SO-3"), Reserve("k1")).ok());
  auto changed = checker_->Check(Order("SO-3", 9), Reserve("k2"));
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(changed.status().field(), "reference");
}

TEST_F(CheckTest, NothingStaysReservedWhenTheLogCannotRecord) {
  log_->fail = true;
  auto r = checker_->Check(Order("SO-4"), Reserve("k1", "so-4"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.status().field(), "audit");
  EXPECT_EQ(Postings(ledger::PostingKind::kReserve), 1u);
  EXPECT_EQ(Postings(ledger::PostingKind::kRelease), 1u);
  EXPECT_EQ(log_->commits, 2);  // the decision, then the release (both refused)

  // A batch chunk the log cannot commit gives no decision and keeps nothing reserved.
  const std::string a = Order("SO-5"), b = Order("SO-6");
  const BatchLine lines[] = {{.number = 1, .text = a}, {.number = 2, .text = b}};
  std::vector<std::string> texts;
  EXPECT_FALSE(checker_->CheckBatch(lines, Reserve("k1"), [](const LineAnswer&, std::string& out) { out += "answer\n"; }, texts).ok());
  EXPECT_EQ(Postings(ledger::PostingKind::kReserve), 3u);
  EXPECT_EQ(Postings(ledger::PostingKind::kRelease), 3u);
}

// A decision taken with an overlay (`check --overlay`) replays to the same decision: the record
// keeps the overlay's contents, so replay neither drops it nor reads a file changed since.
TEST_F(CheckTest, ADecisionWithAnOverlayReplaysWithTheOverlayItWeighed) {
  const auto file = dir_ / "deal.json";
  auto write = [&](const std::string& policy) {
    std::ofstream(file) << R"({"id": "test-deal", "title": "A hypothetical deal", "country": "AE",
      "effective": "2026-01-01", "expiry": null, "status": "hypothetical",
      "changes": [{"kind": "review_policy", "policy": ")" << policy << R"(",
                   "rules": ["acs.license_area", "aid.worldwide_a"], "citation": "hypothetical"}]})";
  };
  write("case_by_case");
  auto deal = LoadAgreementFile(file.string(), BundledData());
  ASSERT_TRUE(deal.ok()) << deal.status().ToString();
  const Agreement* overlays[] = {&*deal};
  CheckOptions o{.today = Date::FromYmd(2026, 3, 1), .caller = "k1", .route = "test"};
  o.overlays = overlays;
  const std::string order = R"({"reference":"AE-1","as_of":"2026-03-01","posture":"codified","destination":"AE",)"
                            R"J("items":[{"chip":"B200 SXM (HGX)","quantity":1000}],)J"
                            R"("parties":[{"role":"ultimate_consignee","name":"Gulf Cloud LLC","country":"AE",)"
                            R"("headquarters":"AE","ultimate_parent_headquarters":"AE"}]})";
  auto checked = checker_->Check(order, o);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  ASSERT_EQ(checked->decision.overlays.size(), 1u);
  EXPECT_TRUE(checked->decision.overlays[0].applied);
  EXPECT_EQ(checked->decision.review_policy, ReviewPolicy::kCaseByCase);
  write("presumption_of_denial");  // the file changes after the decision; the record does not
  auto record = log_->Get(checked->decision.decision_id);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  auto replay = audit::ReplayDecision(*record, engine_);
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_TRUE(replay->agrees) << replay->today_decision;
  EXPECT_TRUE(replay->identical) << replay->today_decision;
  // The same order under another overlay is another request, not a retry of this one.
  EXPECT_EQ(audit::MatchRetry(*record, "k1", order, "", false), audit::RetryMatch::kDifferentRequest);
  EXPECT_EQ(audit::MatchRetry(*record, "k1", order, "", false, {deal->json}), audit::RetryMatch::kSame);
}

TEST_F(CheckTest, BatchAnswersInLineOrderAfterOneCommit) {
  std::vector<std::string> inputs;
  for (int i = 0; i < 100; ++i) inputs.push_back(i == 7 ? "{\"destination\":" : i == 9 ? "  " : Order("B-" + std::to_string(i)));
  std::vector<BatchLine> lines;
  for (size_t i = 0; i < inputs.size(); ++i) lines.push_back({.number = i + 1, .text = inputs[i]});
  lines[20].refused = Status::Invalid("reserve", "refused by the front end");
  std::vector<std::string> ids;
  std::mutex mu;
  const int commits = log_->commits;
  std::vector<std::string> texts;
  const Status st = checker_->CheckBatch(
      lines, {.today = Date::FromYmd(2025, 6, 1), .caller = "k1", .route = "test"},
      [&](const LineAnswer& line, std::string& out) {
        out += std::to_string(line.number) + (line.answer.ok() ? " ok\n"
                                                          : std::string(" ") + ErrorCodeName(line.answer.status().code()) + ":" +
                                                                line.answer.status().field() + "\n");
        std::lock_guard lock(mu);
        if (line.answer.ok()) ids.push_back(line.answer->decision.decision_id);
      },
      texts, 4);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(texts.size(), 4u);
  EXPECT_EQ(log_->commits, commits + 1);
  std::string expected;
  for (size_t n = 1; n <= 100; ++n) {
    if (n == 10) continue;  // the blank line has no answer
    expected += std::to_string(n) + (n == 8 ? " invalid_input:\n" : n == 21 ? " invalid_input:reserve\n" : " ok\n");
  }
  EXPECT_EQ(texts[0] + texts[1] + texts[2] + texts[3], expected);
  ASSERT_EQ(ids.size(), 97u);
  for (const auto& id : ids) EXPECT_TRUE(log_->Get(id).ok()) << id;
}

// A LICENSED decision records the license versions the license steps weighed (each with its
// SHA-256) and the answers they got, so replay weighs the same versions without the license store
// and agrees; a record written before license facts were kept is "not replayable", not a
// disagreement.
TEST_F(CheckTest, ALicensedDecisionReplaysWithTheLicenseVersionsItWeighed) {
  auto lic = license::ParseLicense(
      R"({"number": "D1234567", "holder": "Example Exporter Inc", "issued": "2026-02-01", "expires": "2028-01-31",
          "destinations": ["AE"], "items": [{"eccn": "3A090.a", "chip": "B300 SXM", "quantity": 35000}],
          "parties": [{"role": "ultimate_consignee", "name": "Example Compute LLC", "country": "AE"}],
          "conditions": ["Quarterly end-use reports"]})",
      BundledData());
  ASSERT_TRUE(lic.ok()) << lic.status().ToString();
  lic->version = 1;
  std::shared_ptr<const LicenseView> held = std::make_shared<license::LicenseIndex>(std::vector<license::License>{*lic});
  Checker checker(Services{.dataset = &BundledData(), .engine = &engine_, .ledger = ledger_.get(), .audit = log_.get(),
                           .licenses = [held] { return held; }});
  const std::string order =
      R"j({"reference": "SO-2026-0917", "as_of": "2026-06-01", "posture": "enforced", "destination": "AE",
          "items": [{"chip": "B300 SXM (HGX, Blackwell Ultra)", "quantity": 1000}],
          "parties": [{"role": "ultimate_consignee", "name": "Example Compute LLC", "country": "AE",
                       "headquarters": "AE", "ultimate_parent_headquarters": "AE"},
                      {"role": "exporter", "name": "Example Exporter Inc", "country": "US"}]})j";
  auto checked = checker.Check(order, {.today = Date::FromYmd(2026, 6, 1), .caller = "k1", .route = "test"});
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  ASSERT_EQ(checked->decision.outcome, Outcome::kLicensed) << DecisionToJson(checked->decision);
  auto record = log_->Get(checked->decision.decision_id);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  const auto payload = nlohmann::json::parse(record->payload);
  const auto& versions = payload["facts"]["licenses"]["held"].at(0)["versions"];
  EXPECT_EQ(payload["facts"]["licenses"]["held"][0]["number"], "D1234567");
  EXPECT_EQ(versions.at(0)["version"], 1);
  EXPECT_EQ(versions.at(0)["sha256"].get<std::string>().size(), 64u);

  auto replay = audit::ReplayDecision(*record, engine_);
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_TRUE(replay->replayable);
  EXPECT_TRUE(replay->agrees) << replay->today_decision;
  EXPECT_TRUE(replay->identical) << ::testing::PrintToString(replay->differences);
  EXPECT_TRUE(replay->unrecorded.empty()) << ::testing::PrintToString(replay->unrecorded);

  // A recorded version that does not match its SHA-256 is refused, naming the facts.
  auto tampered = *record;
  auto changed = payload;
  changed["facts"]["licenses"]["held"][0]["versions"][0]["lines"][0]["quantity"] = 99999;
  tampered.payload = changed.dump();
  auto refused = audit::ReplayDecision(tampered, engine_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "facts.licenses.held");

  // Written before license facts were kept: not replayable (license facts), not a disagreement.
  auto old = *record;
  auto without = payload;
  without["facts"].erase("licenses");
  old.payload = without.dump();
  auto old_replay = audit::ReplayDecision(old, engine_);
  ASSERT_TRUE(old_replay.ok()) << old_replay.status().ToString();
  EXPECT_FALSE(old_replay->replayable);
  EXPECT_EQ(old_replay->not_replayable.rfind("license facts: ", 0), 0u) << old_replay->not_replayable;
  EXPECT_NE(old_replay->not_replayable.find("D1234567 version 1"), std::string::npos) << old_replay->not_replayable;
}

// A check of an order whose reference holds a reservation leaves that reservation out only when
// it is the very request that reserved (same transaction); an amended order under the same
// reference counts it, as reserving the amended order would. On both ledger backends, for a
// single check and for a batch (which shares one view of the ledger between its lines).
class ReferenceRecheckTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceRecheckTest, OnlyTheRequestThatReservedLeavesItsReservationOut) {
  audit::testing::TestDatabase db(GetParam(), "ledger.sqlite");
  AUDIT_REQUIRE_DATABASE(db);
  auto rules = ledger::AllocationRules::Load(EXPORTCTL_DEFAULT_DATA_DIR);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  auto ledger = ledger::Ledger::Open({.location = db.location()}, *rules);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  auto log = audit::OpenAuditLog({.location = db.postgres() ? db.location() : db.dir() + "/audit.sqlite"});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  Engine engine(BundledData());
  Checker checker(Services{.dataset = &BundledData(), .engine = &engine, .ledger = ledger->get(), .audit = log->get()});
  const Date today = Date::FromYmd(2025, 6, 1);
  // 1,500 H100 hold 23,748,000 TPP of the consignee's 26,900,000 under LPP; 1,600 would fit alone,
  // not beside them.
  auto reserved = checker.Check(Order("SO-9", 1500), {.today = today, .reserve = true, .caller = "k1", .route = "test"});
  ASSERT_TRUE(reserved.ok()) << reserved.status().ToString();
  ASSERT_EQ(reserved->decision.license_exception, "LPP");
  ASSERT_EQ(reserved->postings.size(), 1u);
  const std::string posting = "posting " + std::to_string(reserved->postings[0].id);
  const CheckOptions check{.today = today, .caller = "k2", .route = "test"};

  auto same = checker.Check(Order("SO-9", 1500), check);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  const std::string same_json = DecisionToJson(same->decision);
  EXPECT_EQ(same->decision.license_exception, "LPP") << same_json;
  EXPECT_NE(same_json.find("leaves out the reservation this transaction already holds: " + posting), std::string::npos) << same_json;

  auto amended = checker.Check(Order("SO-9", 1600), check);
  ASSERT_TRUE(amended.ok()) << amended.status().ToString();
  const std::string amended_json = DecisionToJson(amended->decision);
  EXPECT_NE(amended->decision.license_exception, "LPP") << amended_json;
  EXPECT_NE(amended_json.find("counts the reservation " + posting), std::string::npos) << amended_json;
  // Reserving the amended order (under its own key) would refuse LPP too: the check agrees.
  auto reserving = checker.Check(Order("SO-9", 1600), {.today = today, .reserve = true, .caller = "k1",
                                                       .idempotency_key = "so-9-amended", .route = "test"});
  ASSERT_TRUE(reserving.ok()) << reserving.status().ToString();
  EXPECT_EQ(reserving->decision.license_exception, amended->decision.license_exception);

  // A batch large enough to share one ledger view between its lines answers as single checks do.
  std::vector<std::string> inputs = {Order("SO-9", 1500), Order("SO-9", 1600)};
  for (int i = 0; i < 70; ++i) inputs.push_back(Order("B-" + std::to_string(i), 1));
  std::vector<BatchLine> lines;
  for (size_t i = 0; i < inputs.size(); ++i) lines.push_back({.number = i + 1, .text = inputs[i]});
  std::mutex mu;
  std::map<size_t, std::string> exceptions;
  std::vector<std::string> texts;
  const Status st = checker.CheckBatch(
      lines, check,
      [&](const LineAnswer& line, std::string&) {
        std::lock_guard lock(mu);
        exceptions[line.number] = line.answer.ok() ? line.answer->decision.license_exception : "error";
      },
      texts, 2);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(exceptions[1], "LPP");
  EXPECT_NE(exceptions[2], "LPP");
  EXPECT_NE(exceptions[2], "error");
}

INSTANTIATE_TEST_SUITE_P(Backends, ReferenceRecheckTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
}  // namespace exportctl::check

// Runs every data-driven regulatory case in tests/cases/*.json (see tests/cases/README.md).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "data/agreements.h"
#include "data/dataset.h"
#include "data/test_data.h"
#include "determine/decision_json.h"
#include "determine/engine.h"
#include "ledger/ledger.h"
#include "license/license.h"
#include "ownership/graph_owners.h"

namespace exportctl {
namespace {

using nlohmann::json;

struct Case {
  std::string file, name;
  json body;
  json base;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.file << ": " << c.name; }

// `ownership show` (the coverage calculation over the whole graph) and `check` (the Affiliates
// Rule step over the owners the graph hands it) must give one answer for a party the graph knows
// for certain: covered ↔ license required, needs_review ↔ unresolved, not covered ↔ neither.
// Compared where nothing else decides: owners from the graph only, the rule in force, no
// temporary general license, the party not listed itself.
void ExpectShowAgreesWithCheck(const Transaction& tx, const ownership::GraphOwnership& graph, const PartyScreener* screener,
                               const Dataset& data, const Decision& d) {
  auto calc = ownership::CoverageUnder(graph.graph(), screener, data, d.as_of);
  for (const Party& p : tx.parties) {
    if (p.role == PartyRole::kExporter || !p.owners.empty()) continue;
    auto m = graph.Match(p);
    if (!m) continue;
    const ownership::Coverage& cov = calc->Of(m->entity, d.as_of);
    if (cov.listed || !p.listings.empty()) continue;
    const std::string who = std::string(PartyRoleName(p.role)) + " \"" + p.name + "\"";
    auto state = ownership::Coverage::State::kNotCovered;
    bool skip = false;
    for (const auto& f : d.reasons) {
      if (f.rule != "affiliates.ownership" || !f.summary.starts_with(who)) continue;
      if (f.summary.find("stayed") != std::string::npos || f.summary.find("temporary general license") != std::string::npos) skip = true;
      if (f.effect == Effect::kLicenseRequired) state = ownership::Coverage::State::kCovered;
      if (f.effect == Effect::kUnresolved && state != ownership::Coverage::State::kCovered) state = ownership::Coverage::State::kUncertain;
    }
    // Several graph entities with the party's name are weighed together by check; show reads one.
    for (const auto& w : d.warnings) skip = skip || w.find("entities named") != std::string::npos;
    if (skip) continue;
    EXPECT_EQ(ownership::CoverageStateName(cov.state), ownership::CoverageStateName(state))
        << who << ": ownership show and check disagree\n" << DecisionToJson(d);
  }
}

std::vector<Case> LoadCases() {
  std::vector<Case> out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(EXPORTCTL_CASES_DIR)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    json j = json::parse(in);
    for (const auto& c : j["cases"]) {
      out.push_back({f.filename().string(), c.value("name", "?"), c, j.value("base", json::object())});
    }
  }
  return out;
}

const Dataset& Data() { return BundledData(); }

// "data_patch": {"REGIME ID": {merge patch}}: the case runs on a copy of the bundled data with
// those regime files patched, as an operator would edit them (no code change).
const Dataset& CaseData(const json& body) {
  if (!body.contains("data_patch")) return Data();
  static std::map<std::string, std::unique_ptr<Dataset>> cache;
  const std::string key = body["data_patch"].dump();
  auto& slot = cache[key];
  if (!slot) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() /
                         ("exportctl-case-data-" + std::to_string(::getpid()) + "-" + std::to_string(cache.size()));
    fs::remove_all(dir);
    fs::copy(EXPORTCTL_DEFAULT_DATA_DIR, dir, fs::copy_options::recursive);
    for (const auto& [regime, patch] : body["data_patch"].items()) {
      const fs::path f = dir / "regimes" / (regime + ".json");
      std::ifstream in(f);
      json j = json::parse(in);
      j.merge_patch(patch);
      std::ofstream(f) << j.dump(2);
    }
    auto d = Dataset::Load(dir.string());
    fs::remove_all(dir);
    if (!d.ok()) {
      ADD_FAILURE() << "patched data does not load: " << d.status().ToString();
      return Data();
    }
    slot = std::move(d).value();
  }
  return *slot;
}

class RegulatoryCase : public ::testing::TestWithParam<Case> {};

// "screening": {"list_versions": [...], "listings": {"PARTY NAME": [{"list", "footnote", "entry",
// "score"}]}}: what imported lists would find for each party name (no entry = screened, no hit).
class CaseScreener : public PartyScreener {
 public:
  explicit CaseScreener(const json& j) : j_(j) {}
  Result<std::vector<Listing>> Screen(const Party& p, Date) const override {
    std::vector<Listing> out;
    const json& by_name = j_.value("listings", json::object());
    if (!by_name.contains(p.name)) return out;
    for (const auto& l : by_name[p.name]) {
      Listing listing;
      listing.list = *RestrictedListFromName(l.value("list", ""));
      listing.footnote = l.value("footnote", 0);
      listing.entry = l.value("entry", p.name);
      listing.score = l.value("score", 1.0);
      listing.programs = l.value("programs", std::vector<std::string>{});
      listing.license_policy = l.value("license_policy", "");
      listing.license_requirement = l.value("license_requirement", "");
      out.push_back(std::move(listing));
    }
    return out;
  }
  std::vector<std::string> ListVersions() const override {
    return j_.value("list_versions", std::vector<std::string>{});
  }
  std::vector<std::string> Caveats() const override {
    return j_.value("caveats", std::vector<std::string>{});
  }

 private:
  json j_;
};

// "allocations": {"country_allocation": {"cap", "used"}, "lpp": {…}, "quotas": {"<overlay id>/<change
// index>": {"used"}}}: what a ledger holds for the transaction's accounts (an account not named:
// the rule's cap, nothing used; a quota: what earlier orders took of it, in its measure).
class CaseAllocations : public AllocationView {
 public:
  explicit CaseAllocations(const json& j) : j_(j) {}
  Result<AllocationBalance> Balance(const AllocationQuery& q) const override {
    if (q.account == AllocationQuery::Account::kAgreementQuota) {
      const json a = j_.value("quotas", json::object()).value(q.quota, json::object());
      return AllocationBalance{.cap = 0, .used = a.value("used", 0.0), .account = "quota:" + q.quota + ":" + q.measure};
    }
    const char* key = q.account == AllocationQuery::Account::kCountryAllocation ? "country_allocation"
                      : q.account == AllocationQuery::Account::kLppConsignee     ? "lpp"
                                                                                 : "other";
    const json a = j_.value(key, json::object());
    AllocationBalance b;
    b.cap = a.value("cap", q.account == AllocationQuery::Account::kCountryAllocation ? 790000000.0 : 26900000.0);
    b.used = a.value("used", 0.0);
    b.account = key;
    return b;
  }

 private:
  json j_;
};

// "overlays": [bundled id | {"file": "deal.json", "content": {overlay}}]: country agreements
// (data/agreements.h) applied to the case; a bad one is the expected error.
Result<std::vector<Agreement>> CaseOverlays(const json& body, const Dataset& data) {
  std::vector<Agreement> out;
  auto bundled = LoadAgreementDir(std::string(EXPORTCTL_DEFAULT_DATA_DIR) + "/agreements", data);
  if (!bundled.ok()) return bundled.status();
  for (const auto& o : body["overlays"]) {
    if (o.is_string()) {
      const auto it = std::find_if(bundled->begin(), bundled->end(), [&](const Agreement& a) { return a.id == o.get<std::string>(); });
      if (it == bundled->end()) return Status::Invalid("--overlay", "no bundled overlay " + o.dump());
      out.push_back(*it);
      continue;
    }
    const auto dir = std::filesystem::temp_directory_path() / ("exportctl-case-overlay-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / o.value("file", "overlay.json");
    std::ofstream(file) << (o["content"].is_string() ? o["content"].get<std::string>() : o["content"].dump());
    auto a = LoadAgreementFile(file.string(), data);
    std::filesystem::remove_all(dir);
    if (!a.ok()) return a.status();
    out.push_back(std::move(a).value());
  }
  return out;
}

// Whether got has every key of want with an equal value (numbers to 1e-3; objects recursively).
bool Within(const json& want, const json& got) {
  if (want.is_object()) {
    if (!got.is_object()) return false;
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k) || !Within(v, got[k])) return false;
    }
    return true;
  }
  if (want.is_number() && got.is_number()) return std::fabs(want.get<double>() - got.get<double>()) < 1e-3;
  if (want.is_array() && got.is_array()) {
    if (want.size() != got.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!Within(want[i], got[i])) return false;
    }
    return true;
  }
  return want == got;
}

std::string ItemEccn(const ItemResult& it) {
  return it.classification.determinate ? EccnName(it.classification.eccn) : "indeterminate";
}

TEST_P(RegulatoryCase, MatchesExpectation) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.body.contains("rule")) << "every case cites its rule";
  std::string input;
  if (c.body.contains("raw")) {
    input = c.body["raw"].get<std::string>();
  } else {
    json tx = c.base;
    tx.merge_patch(c.body.value("transaction", json::object()));
    input = tx.dump();
  }
  const Dataset& data = CaseData(c.body);
  // "ownership_graph": {"file": "graph.csv", "lines": [...]}: an ownership graph imported
  // beside the lists (CSV or FollowTheMoney JSON lines); a bad one is the expected error.
  std::optional<ownership::GraphOwnership> graph;
  if (c.body.contains("ownership_graph")) {
    const json& og = c.body["ownership_graph"];
    std::string text;
    for (const auto& l : og["lines"]) text += (l.is_string() ? l.get<std::string>() : l.dump()) + "\n";
    auto g = ownership::ParseGraph(text, og.value("file", "graph.csv"));
    if (!g.ok()) {
      ASSERT_TRUE(c.body.contains("expect_error")) << g.status().ToString();
      EXPECT_EQ(g.status().field(), c.body["expect_error"].value("field", "")) << g.status().ToString();
      if (c.body["expect_error"].contains("message_contains")) {
        EXPECT_NE(g.status().message().find(c.body["expect_error"]["message_contains"].get<std::string>()), std::string::npos) << g.status().message();
      }
      return;
    }
    graph.emplace(std::make_shared<ownership::Graph>(std::move(g).value()));
  }
  std::vector<Agreement> overlays;
  if (c.body.contains("overlays")) {
    auto loaded = CaseOverlays(c.body, data);
    if (!loaded.ok()) {
      ASSERT_TRUE(c.body.contains("expect_error")) << loaded.status().ToString();
      EXPECT_EQ(loaded.status().field(), c.body["expect_error"].value("field", "")) << loaded.status().ToString();
      return;
    }
    overlays = std::move(loaded).value();
  }
  std::vector<const Agreement*> overlay_ptrs;
  for (const auto& a : overlays) overlay_ptrs.push_back(&a);
  auto tx = ParseTransaction(input, data);
  if (c.body.contains("expect_error")) {
    ASSERT_FALSE(tx.ok()) << "expected an input error for " << input;
    const json& e = c.body["expect_error"];
    EXPECT_EQ(tx.status().field(), e.value("field", "")) << tx.status().ToString();
    if (e.contains("message_contains")) {
      EXPECT_NE(tx.status().message().find(e["message_contains"].get<std::string>()), std::string::npos)
          << tx.status().message();
    }
    return;
  }
  ASSERT_TRUE(tx.ok()) << tx.status().ToString() << "\ninput: " << input;
  Engine engine(data);
  DetermineOptions opts;
  std::optional<CaseScreener> screener;
  if (c.body.contains("screening")) opts.screener = &screener.emplace(c.body["screening"]);
  if (c.body.contains("posture")) opts.posture = *ParsePosture(c.body["posture"].get<std::string>());
  if (graph) opts.ownership = &*graph;
  std::optional<CaseAllocations> allocations;
  if (c.body.contains("allocations")) opts.allocations = &allocations.emplace(c.body["allocations"]);
  opts.overlays = overlay_ptrs;
  // "licenses": [{"file": {license file}, "revoked": "reason", "used": {"units": N, "line1": N,
  // "tpp": T, "usd": V}, "used_on": "YYYY-MM-DD"}]: licenses the company holds, as `licenses add` records them, with what shipments
  // already drew on each (ledger postings on license:<number>:<measure>, on an in-memory ledger).
  std::optional<license::LicenseIndex> licenses;
  std::optional<ledger::AllocationRules> rules;
  std::unique_ptr<ledger::Ledger> ledger;
  std::optional<ledger::LedgerAllocationView> license_ledger_view;
  // "amendments": [{"file": {license file, may give "effective"}, "recorded_on": "YYYY-MM-DD"}]
  // are versions 2, 3, … (in force from their "effective", else from the day recorded, as the
  // store does); "revoked_on" is the revocation's date (default: the issuing date).
  if (c.body.contains("licenses")) {
    std::vector<license::License> held;
    for (const auto& l : c.body["licenses"]) {
      auto parsed = license::ParseLicense(l["file"].dump(), data);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      parsed->version = 1;
      parsed->effective = parsed->issued;
      held.push_back(*parsed);
      for (const auto& a : l.value("amendments", json::array())) {
        auto amended = license::ParseLicense(a["file"].dump(), data);
        ASSERT_TRUE(amended.ok()) << amended.status().ToString();
        amended->version = held.back().version + 1;
        if (!amended->effective) amended->effective = Date::Parse(a["recorded_on"].get<std::string>()).value();
        held.push_back(*amended);
      }
      if (l.contains("revoked")) {
        license::License revoked = held.back();
        revoked.version += 1;
        revoked.status = license::LicenseStatus::kRevoked;
        revoked.reason = l["revoked"].get<std::string>();
        revoked.effective = l.contains("revoked_on") ? Date::Parse(l["revoked_on"].get<std::string>()).value() : revoked.issued;
        held.push_back(revoked);
      }
    }
    licenses.emplace(held);
    auto r = ledger::AllocationRules::Load(EXPORTCTL_DEFAULT_DATA_DIR);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    rules.emplace(std::move(r).value());
    auto opened = ledger::Ledger::Open({.location = ledger::kMemoryLocation}, *rules);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ledger = std::move(opened).value();
    for (const auto& l : c.body["licenses"]) {
      const json used = l.value("used", json::object());
      // "used_on": the date those shipments are posted on (default: the transaction's as_of).
      Date used_on = tx->as_of;
      if (l.contains("used_on")) {
        auto d = Date::Parse(l["used_on"].get<std::string>());
        ASSERT_TRUE(d.ok()) << d.status().ToString();
        used_on = *d;
      }
      for (const auto& [measure, amount] : used.items()) {
        auto a = ledger->Adjust({.account = ledger::AccountKey::License(l["file"]["number"].get<std::string>(), measure),
                                 .tpp = amount.get<double>(), .as_of = used_on, .reason = "shipped before"});
        ASSERT_TRUE(a.ok()) << a.status().ToString();
      }
    }
    license_ledger_view.emplace(*ledger);
    opts.licenses = &*licenses;
    opts.allocations = &*license_ledger_view;  // a case gives "licenses" or "allocations", not both
  }
  Decision d = engine.Determine(*tx, opts);
  const std::string dump = DecisionToJson(d);
  if (graph) ExpectShowAgreesWithCheck(*tx, *graph, screener ? &*screener : nullptr, data, d);
  const json& ex = c.body["expect"];
  if (ex.contains("outcome")) EXPECT_EQ(OutcomeName(d.outcome), ex["outcome"].get<std::string>()) << dump;
  if (ex.contains("item_outcomes")) {
    std::vector<std::string> got;
    for (const auto& it : d.items) got.push_back(OutcomeName(it.outcome));
    EXPECT_EQ(got, ex["item_outcomes"].get<std::vector<std::string>>()) << dump;
  }
  if (ex.contains("licenses")) {
    // The licenses the decision names, as its JSON has them (number, items, partial, drawdowns).
    EXPECT_EQ(json::parse(dump)["licenses"], ex["licenses"]) << dump;
  }
  if (ex.contains("license_exception")) {
    EXPECT_EQ(d.license_exception, ex["license_exception"].is_null() ? "" : ex["license_exception"].get<std::string>()) << dump;
  }
  if (ex.contains("review_policy")) {
    EXPECT_EQ(ReviewPolicyName(d.review_policy), ex["review_policy"].is_null() ? "" : ex["review_policy"].get<std::string>()) << dump;
  }
  if (ex.contains("eccn")) {
    std::vector<std::string> got;
    for (const auto& it : d.items) got.push_back(ItemEccn(it));
    EXPECT_EQ(got, ex["eccn"].get<std::vector<std::string>>()) << dump;
  }
  if (ex.contains("tpp")) {
    for (size_t i = 0; i < ex["tpp"].size() && i < d.items.size(); ++i) {
      ASSERT_TRUE(d.items[i].classification.tpp.has_value()) << dump;
      EXPECT_DOUBLE_EQ(*d.items[i].classification.tpp, ex["tpp"][i].get<double>()) << dump;
    }
  }
  for (const auto& r : ex.value("rules", json::array())) {
    bool found = false;
    for (const auto& f : d.reasons) found = found || f.rule == r.get<std::string>();
    EXPECT_TRUE(found) << "rule " << r << " missing\n" << dump;
  }
  // Rules other steps read (a review policy, a classification) give no reason of their own: the
  // case names them where they bind.
  for (const auto& r : ex.value("rules_in_force", json::array())) {
    const RuleDef* rule = data.FindRule(r.get<std::string>());
    ASSERT_NE(rule, nullptr) << "no rule " << r;
    EXPECT_TRUE(rule->ActiveOn(d.as_of, d.posture)) << "rule " << r << " does not bind on " << d.as_of.ToString() << " under "
                                                    << PostureName(d.posture) << "\n" << dump;
  }
  for (const auto& r : ex.value("citations", json::array())) {
    bool found = false;
    for (const auto& f : d.reasons) found = found || f.citation == r.get<std::string>();
    EXPECT_TRUE(found) << "citation " << r << " missing\n" << dump;
  }
  if (ex.contains("policy_wording")) {
    bool found = false;
    for (const auto& f : d.reasons) found = found || f.policy_wording == ex["policy_wording"].get<std::string>();
    EXPECT_TRUE(found) << "policy wording missing\n" << dump;
  }
  if (ex.contains("decision_policy_wording")) {
    EXPECT_EQ(d.policy_wording, ex["decision_policy_wording"].get<std::string>()) << dump;
  }
  for (const auto& r : ex.value("reasons_contain", json::array())) {
    bool found = false;
    for (const auto& f : d.reasons) found = found || f.summary.find(r.get<std::string>()) != std::string::npos;
    EXPECT_TRUE(found) << "no reason says " << r << "\n" << dump;
  }
  for (const auto& r : ex.value("reasons_exclude", json::array())) {
    for (const auto& f : d.reasons) EXPECT_EQ(f.summary.find(r.get<std::string>()), std::string::npos) << "a reason says " << r << "\n" << dump;
  }
  const json steps = ex.value("steps", json::object());
  for (const auto& [step, status] : steps.items()) {
    bool found = false;
    for (const auto& s : d.steps) found = found || (s.step == step && s.status == status.get<std::string>());
    EXPECT_TRUE(found) << "step " << step << " is not " << status << "\n" << dump;
  }
  auto contains = [](const std::vector<std::string>& v, const std::string& needle) {
    for (const auto& s : v) {
      if (s.find(needle) != std::string::npos) return true;
    }
    return false;
  };
  for (const auto& w : ex.value("warnings_contain", json::array())) {
    EXPECT_TRUE(contains(d.warnings, w.get<std::string>())) << "warning " << w << " missing\n" << dump;
  }
  for (const auto& w : ex.value("warnings_exclude", json::array())) {
    EXPECT_FALSE(contains(d.warnings, w.get<std::string>())) << "a warning says " << w << "\n" << dump;
  }
  for (const auto& o : ex.value("obligations_contain", json::array())) {
    EXPECT_TRUE(contains(d.obligations, o.get<std::string>())) << "obligation " << o << " missing\n" << dump;
  }
  if (ex.contains("screened_parties")) {
    json got = json::parse(dump)["screened_parties"];
    EXPECT_EQ(got, ex["screened_parties"]) << dump;
  }
  // overlays: the country agreements the decision names ({"id", "applied", "status"}), in order.
  if (ex.contains("overlays")) {
    const json got = json::parse(dump).value("overlays", json::array());
    EXPECT_TRUE(Within(ex["overlays"], got)) << "overlays are not " << ex["overlays"].dump() << "\n" << dump;
  }
  if (ex.contains("list_versions")) {
    EXPECT_EQ(d.list_versions, ex["list_versions"].get<std::vector<std::string>>()) << dump;
  }
  // would_change: each expected entry's keys (field, value, outcome, license_exception,
  // review_policy) must all match one entry of the decision; [] means none.
  if (ex.contains("would_change")) {
    const json got = json::parse(dump)["would_change"];
    if (ex["would_change"].empty()) EXPECT_TRUE(got.empty()) << dump;
    for (const auto& want : ex["would_change"]) {
      bool found = false;
      for (const auto& g : got) {
        bool all = true;
        for (const auto& [k, v] : want.items()) all = all && g.contains(k) && g[k] == v;
        found = found || all;
      }
      EXPECT_TRUE(found) << "would_change " << want.dump() << " missing\n" << dump;
    }
  }
  for (const auto& m : ex.value("missing_facts_contain", json::array())) {
    EXPECT_TRUE(contains(d.missing_facts, m.get<std::string>())) << "missing fact " << m << " not reported\n" << dump;
  }
  // jurisdiction: per item, its verdict, the routes that apply ("routes_applying"), texts the
  // missing facts and notes must contain, and any keys of its object (de_minimis: {…}).
  for (size_t i = 0; i < ex.value("jurisdiction", json::array()).size(); ++i) {
    const json& want = ex["jurisdiction"][i];
    const json got = json::parse(dump)["items"][i]["jurisdiction"];
    json plain = want;
    if (want.contains("routes_applying")) {
      std::vector<std::string> applying;
      for (const auto& r : got.value("routes", json::array())) {
        if (r.value("applies", "") == "yes") applying.push_back(r.value("route", ""));
      }
      EXPECT_EQ(applying, want["routes_applying"].get<std::vector<std::string>>()) << "item " << i << "\n" << dump;
      plain.erase("routes_applying");
    }
    for (const char* key : {"missing_contain", "notes_contain", "unsupported_contain"}) {
      if (!want.contains(key)) continue;
      const std::string list = std::string(key).substr(0, std::string(key).find("_contain"));
      const std::vector<std::string> have = got.value(list, std::vector<std::string>{});
      for (const auto& m : want[key]) EXPECT_TRUE(contains(have, m.get<std::string>())) << key << " " << m << "\n" << dump;
      plain.erase(key);
    }
    EXPECT_TRUE(Within(plain, got)) << "item " << i << " jurisdiction is not " << plain.dump() << "\n" << dump;
  }
  if (ex.contains("alternate")) {
    if (ex["alternate"].is_null()) {
      EXPECT_FALSE(d.alternate.has_value()) << dump;
    } else {
      ASSERT_TRUE(d.alternate.has_value()) << dump;
      const json& a = ex["alternate"];
      if (a.contains("outcome")) EXPECT_EQ(OutcomeName(d.alternate->outcome), a["outcome"].get<std::string>()) << dump;
      if (a.contains("license_exception")) EXPECT_EQ(d.alternate->license_exception, a["license_exception"].get<std::string>()) << dump;
    }
  }
}

// Every outcome names the rules that made it: an item that needs no license says which rules were
// weighed and why they did not bind; an item under a license exception names the exception's rule.
TEST_P(RegulatoryCase, FavourableOutcomesCiteTheirRules) {
  const Case& c = GetParam();
  if (c.body.contains("raw") || c.body.contains("expect_error")) return;
  json tx = c.base;
  tx.merge_patch(c.body.value("transaction", json::object()));
  const Dataset& data = CaseData(c.body);
  auto parsed = ParseTransaction(tx.dump(), data);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  Engine engine(data);
  DetermineOptions opts;
  if (c.body.contains("posture")) opts.posture = *ParsePosture(c.body["posture"].get<std::string>());
  const Decision d = engine.Determine(*parsed, opts);
  const std::string dump = DecisionToJson(d);
  for (size_t i = 0; i < d.items.size(); ++i) {
    const ItemResult& it = d.items[i];
    if (it.outcome == Outcome::kNotSubjectToEar) {  // outside the EAR: the finding that says so, cited
      bool found = false;
      for (const auto& f : d.reasons) {
        found = found || (f.item == static_cast<int>(i) && f.effect == Effect::kNotSubject && !f.citation.empty());
      }
      EXPECT_TRUE(found) << "item " << i << " is NOT_SUBJECT_TO_EAR without a cited reason\n" << dump;
      continue;
    }
    if (it.outcome != Outcome::kNoLicenseRequired && it.outcome != Outcome::kLicenseException) continue;
    const Effect want = it.outcome == Outcome::kNoLicenseRequired ? Effect::kNoLicenseRequired : Effect::kLicenseException;
    bool found = false;
    for (const auto& f : d.reasons) {
      if (f.item != static_cast<int>(i) || f.effect != want || f.rule.empty() || f.citation.empty()) continue;
      found = found || want == Effect::kNoLicenseRequired ||
              f.summary.find("License Exception " + it.license_exception) != std::string::npos;
    }
    EXPECT_TRUE(found) << "item " << i << " (" << OutcomeName(it.outcome) << ") cites no rule for its outcome\n" << dump;
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.file.substr(0, info.param.file.size() - 5) + "_" + std::to_string(info.index);
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, RegulatoryCase, ::testing::ValuesIn(LoadCases()), CaseName);

// Every rule in data/regimes/ is named by at least one case (expect.rules or
// expect.rules_in_force), so no rule's data goes untested.
TEST(RegulatoryData, EveryRuleIsNamedByACase) {
  std::set<std::string> named;
  for (const Case& c : LoadCases()) {
    const json ex = c.body.value("expect", json::object());
    for (const char* key : {"rules", "rules_in_force"}) {
      for (const auto& r : ex.value(key, json::array())) named.insert(r.get<std::string>());
    }
  }
  for (const RuleDef& r : Data().rules()) {
    EXPECT_TRUE(named.count(r.id)) << "rule " << r.id << " (" << r.file << ") is named by no case in tests/cases/: add one citing " << r.citation;
  }
}

}  // namespace
}  // namespace exportctl

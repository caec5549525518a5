// The policy simulator: its input errors, and the property that a simulation under one policy set
// answers exactly as the same orders sent one by one to `check --reserve` on a fresh ledger.
#include "simulate/simulate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "check/check.h"
#include "data/test_data.h"

namespace exportctl::simulate {
namespace {

const Date kToday = Date::FromYmd(2026, 11, 30);

// Tier 1 destination, consignee headquartered in Tier 2: under the codified rule License
// Exception LPP draws on the consignee's 26,900,000 TPP a year (15 CFR 740.29(a)); 400 H100s
// (15,832 TPP each) are 6,332,800 TPP, so the fifth such order in a year does not fit.
std::string LppOrder(const std::string& ref, const std::string& as_of, int quantity = 400) {
  return R"({"reference":")" + ref + R"(","as_of":")" + as_of + R"(","destination":"DE",)"
         R"("items":[{"chip":"H100 SXM5 80GB","quantity":)" + std::to_string(quantity) + R"(}],)"
         R"("parties":[{"role":"ultimate_consignee","name":"Delhi Compute","country":"DE","headquarters":"IN",)"
         R"("ultimate_parent_headquarters":"IN"}]})";
}
// Tier 2 destination: licensed under a presumption of approval and drawn from Malaysia's
// 790,000,000 TPP allocation (15 CFR 742.6(b)(10)(iii)(B)); 20,000 H100s are 316,640,000 TPP,
// so the third such order does not fit.
std::string TierTwoOrder(const std::string& ref, const std::string& as_of, int quantity = 20000) {
  return R"({"reference":")" + ref + R"(","as_of":")" + as_of + R"(","destination":"MY",)"
         R"("items":[{"chip":"H100 SXM5 80GB","quantity":)" + std::to_string(quantity) + R"(}],)"
         R"("parties":[{"role":"ultimate_consignee","name":"Contoh Cloud Sdn Bhd","country":"MY","headquarters":"MY",)"
         R"("ultimate_parent_headquarters":"MY"}]})";
}

// Tier 1 destination, consignee headquartered there: License Exception AIA (15 CFR 740.27),
// counted toward the consignee's certification trigger.
std::string AiaOrder(const std::string& ref, const std::string& as_of, int quantity) {
  return R"({"reference":")" + ref + R"(","as_of":")" + as_of + R"(","destination":"DE",)"
         R"("items":[{"chip":"H100 SXM5 80GB","quantity":)" + std::to_string(quantity) + R"(}],)"
         R"("parties":[{"role":"ultimate_consignee","name":"Berlin Compute","country":"DE","headquarters":"DE",)"
         R"("ultimate_parent_headquarters":"DE"}]})";
}

Result<std::vector<Order>> Read(const std::string& text) {
  std::istringstream in(text);
  return ReadOrders(in, "orders.jsonl", BundledData(), kToday);
}

const ledger::AllocationRules& Rules() {
  static auto rules = std::move(ledger::AllocationRules::Load(EXPORTCTL_DEFAULT_DATA_DIR)).value();
  return rules;
}

struct SimRun {
  Summary summary;
  std::vector<std::vector<Decision>> decisions;  // per order (date order), per policy set
};
SimRun Simulate(const std::vector<Order>& orders, std::vector<PolicySet> sets, unsigned workers = 1) {
  static const Engine engine(BundledData());
  Simulation sim({.dataset = &BundledData(), .engine = &engine, .rules = &Rules(), .workers = workers},
                 std::move(sets));
  SimRun run;
  const Status st = sim.Run(orders, [&](const OrderAnswers& a) {
    std::vector<Decision> row;
    for (const Decision* d : a.decisions) row.push_back(*d);
    run.decisions.push_back(std::move(row));
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  run.summary = sim.summary();
  return run;
}

PolicySet Builtin(const char* id) { return std::move(ParsePolicySet(id)).value(); }

// `check --reserve` as the CLI runs it, on a fresh ledger and audit log in `dir`.
struct FreshCheck {
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<audit::AuditLog> log;
  Engine engine{BundledData()};
  std::unique_ptr<check::Checker> checker;
  static std::unique_ptr<FreshCheck> Open(const std::filesystem::path& dir) {
    auto f = std::make_unique<FreshCheck>();
    auto ledger = ledger::Ledger::Open({.location = (dir / "ledger.sqlite").string()}, Rules());
    auto log = audit::OpenSqliteAuditLog({.path = (dir / "audit.sqlite").string()});
    EXPECT_TRUE(ledger.ok() && log.ok());
    if (!ledger.ok() || !log.ok()) return nullptr;
    f->ledger = std::move(ledger).value();
    f->log = std::move(log).value();
    f->checker = std::make_unique<check::Checker>(
        check::Services{.dataset = &BundledData(), .engine = &f->engine, .ledger = f->ledger.get(), .audit = f->log.get()});
    return f;
  }
};

TEST(PolicySet, BuiltInNamesAndFilesAreReadAndBadOnesNamed) {
  EXPECT_EQ(Builtin("enforced").posture, Posture::kEnforced);
  EXPECT_EQ(Builtin("codified").posture, Posture::kCodified);
  EXPECT_EQ(ParsePolicySet("strict").status().field(), "--policy");
  EXPECT_EQ(ParsePolicySet("x=").status().field(), "--policy");
  EXPECT_EQ(ParsePolicySet("x=/nonexistent/p.json").status().field(), "--policy");
  const auto dir = std::filesystem::temp_directory_path() / ("exportctl-sim-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.json").string(), bad = (dir / "bad.json").string(),
                    typo = (dir / "typo.json").string();
  std::ofstream(good) << R"({"posture": "codified", "description": "the CFR text"})";
  std::ofstream(bad) << R"({"posture": "lenient"})";
  std::ofstream(typo) << R"({"posture": "codified", "postrue": "enforced"})";
  auto p = ParsePolicySet("cfr=" + good);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->id, "cfr");
  EXPECT_EQ(p->posture, Posture::kCodified);
  EXPECT_EQ(ParsePolicySet("b=" + bad).status().field(), bad + ".posture");
  EXPECT_EQ(ParsePolicySet("t=" + typo).status().field(), typo + ".policy.postrue");
  std::filesystem::remove_all(dir);
}

TEST(ReadOrders, DateOrderReferencesFromLinesAndErrorsNamingLineAndField) {
  const std::string no_ref = R"({"as_of":"2025-06-01","destination":"DE","items":[{"chip":"H100 SXM5 80GB","quantity":1}]})";
  auto orders = Read(LppOrder("b", "2025-07-01") + "\n\n" + no_ref + "\n" + LppOrder("a", "2025-06-01") + "\n");
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  ASSERT_EQ(orders->size(), 3u);
  EXPECT_EQ((*orders)[0].reference, "line-3");  // 2025-06-01, line 3 before line 4
  EXPECT_EQ((*orders)[1].reference, "a");
  EXPECT_EQ((*orders)[2].reference, "b");
  EXPECT_EQ((*orders)[2].units, 400);

  auto dup = Read(LppOrder("a", "2025-06-01") + "\n" + LppOrder("a", "2025-06-02") + "\n");
  EXPECT_EQ(dup.status().field(), "orders.jsonl:2.reference");
  // Several references repeated: the first order (in the file) whose reference an earlier one has.
  auto dups = Read(LppOrder("c", "2025-06-01") + "\n" + LppOrder("b", "2025-06-01") + "\n" + LppOrder("d", "2025-06-01") +
                   "\n" + LppOrder("b", "2025-06-03") + "\n" + LppOrder("c", "2025-06-02") + "\n");
  EXPECT_EQ(dups.status().field(), "orders.jsonl:4.reference");
  EXPECT_NE(dups.status().message().find("\"b\" is used by an earlier order"), std::string::npos) << dups.status().ToString();
  auto bad = Read(LppOrder("a", "2025-06-01") + "\n" +
                  R"({"reference":"x","as_of":"2025-06-01","destination":"DE","items":[{"chip":"H100 SXM5 80GB","quantity":-3}]})");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(bad.status().field(), "orders.jsonl:2.items[0].quantity");
  EXPECT_EQ(Read("{not json\n").status().field().rfind("orders.jsonl:1", 0), 0u);
}

Result<std::vector<Order>> Demand(const std::string& csv) {
  std::istringstream in(csv);
  return ExpandDemand(in, "demand.csv", BundledData(), kToday);
}

TEST(Demand, RowsExpandDeterministicallyThroughTheQuarter) {
  auto orders = Demand(
      "country,quarter,chip,quantity,consignee_profile,orders\n"
      "AE,2026-Q3,H100 SXM5 80GB,10,local,3\n"
      "IN,2026-Q1,B200 SXM (HGX),5,us_headquartered,\n");
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  ASSERT_EQ(orders->size(), 4u);
  EXPECT_EQ((*orders)[0].reference, "demand-3-1");  // 2026-Q1 comes first
  EXPECT_EQ((*orders)[0].as_of, Date::FromYmd(2026, 1, 1));
  EXPECT_EQ((*orders)[0].units, 5);
  EXPECT_EQ((*orders)[1].reference, "demand-2-1");
  EXPECT_EQ((*orders)[1].units, 4);  // 10 in 3 orders: 4, 3, 3
  EXPECT_EQ((*orders)[2].units, 3);
  EXPECT_EQ((*orders)[1].as_of, Date::FromYmd(2026, 7, 1));
  EXPECT_EQ((*orders)[2].as_of, Date::FromYmd(2026, 7, 31));  // 92 days / 3: days 0, 30, 61
  EXPECT_EQ((*orders)[3].as_of, Date::FromYmd(2026, 8, 31));
  EXPECT_NE((*orders)[1].text.find(R"("ultimate_parent_headquarters":"AE")"), std::string::npos) << (*orders)[1].text;
  auto again = Demand("country,quarter,chip,quantity,consignee_profile,orders\nAE,2026-Q3,H100 SXM5 80GB,10,local,3\n");
  EXPECT_EQ((*again)[0].text, (*orders)[1].text);  // deterministic
}

TEST(Demand, BadRowsNameTheRowAndColumn) {
  const std::string h = "country,quarter,chip,quantity,consignee_profile\n";
  EXPECT_EQ(Demand("country,quarter,chip\n").status().field(), "demand.csv:1");
  EXPECT_EQ(Demand(h + "AE,2026-Q5,H100 SXM5 80GB,1,local\n").status().field(), "demand.csv:2.quarter");
  EXPECT_EQ(Demand(h + "AE,2026-Q1,H100 SXM5 80GB,-4,local\n").status().field(), "demand.csv:2.quantity");
  EXPECT_EQ(Demand(h + "AE,2026-Q1,H100 SXM5 80GB,4,friendly\n").status().field(), "demand.csv:2.consignee_profile");
  EXPECT_EQ(Demand(h + "Atlantis,2026-Q1,H100 SXM5 80GB,4,local\n").status().field(), "demand.csv:2.country");
  EXPECT_EQ(Demand(h + "AE,2026-Q1,No Such Chip 9000,4,local\n").status().field(), "demand.csv:2.chip");
  EXPECT_EQ(Demand(h + "AE,2026-Q1,H100 SXM5 80GB,4\n").status().field(), "demand.csv:2");
  EXPECT_TRUE(Demand(h + "AE,2026-Q1,H100 SXM5 80GB,4,local\n").ok());
}

// The property of issue "Policy simulator" §2: N orders under one policy set are N sequential
// `check --reserve` calls on a fresh ledger — the same outcomes, exceptions and postings.
class SimulationProperty : public ::testing::TestWithParam<bool> {};

// With each order's own decision (the library's default) and with orders alike sharing one
// (Services::own_decisions false, as `exportctl simulate` runs): the same outcomes, and the same
// amounts held on every account, as `check --reserve` on a fresh ledger.
TEST_P(SimulationProperty, EqualsSequentialCheckReserveOnAFreshLedger) {
  const bool own = GetParam();
  std::string jsonl;
  std::vector<std::string> texts;
  for (int i = 0; i < 7; ++i) texts.push_back(LppOrder("lpp-" + std::to_string(i), "2025-06-0" + std::to_string(7 - i)));
  for (int i = 0; i < 4; ++i) texts.push_back(TierTwoOrder("my-" + std::to_string(i), "2025-08-1" + std::to_string(i)));
  texts.push_back(LppOrder("lpp-next-year", "2026-01-05"));  // LPP counts per calendar year
  // Orders alike but for their reference, on one day: they reuse an evaluation and reserve (AIA
  // counts toward a trigger the decision does not read; 10,000 H100s are 158,320,000 TPP, so the
  // second reaches the 253,000,000 TPP certification trigger, 740.27(c)).
  for (int i = 0; i < 6; ++i) texts.push_back(AiaOrder("aia-same-" + std::to_string(i), "2025-09-01", 10000));
  for (int i = 0; i < 3; ++i) texts.push_back(TierTwoOrder("my-same-" + std::to_string(i), "2025-09-02", 4000));
  for (const auto& t : texts) jsonl += t + "\n";
  auto orders = Read(jsonl);
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  static const Engine engine(BundledData());
  SimRun run;
  size_t evaluated = 0;
  {
    Simulation sim({.dataset = &BundledData(), .engine = &engine, .rules = &Rules(), .own_decisions = own},
                   {Builtin("codified")});
    const Status st = sim.Run(*orders, [&](const OrderAnswers& a) {
      run.decisions.push_back({*a.decisions[0]});
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
    run.summary = sim.summary();
    evaluated = run.summary.policies[0].evaluated;
  }
  ASSERT_EQ(run.decisions.size(), orders->size());
  EXPECT_LT(evaluated, orders->size()) << "orders alike reused an evaluation";

  const auto dir = std::filesystem::temp_directory_path() / ("exportctl-sim-prop-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto fresh = FreshCheck::Open(dir);
  ASSERT_TRUE(fresh);
  const check::Checker& checker = *fresh->checker;
  ledger::Ledger& store = *fresh->ledger;
  std::map<std::string, int> outcomes;
  for (size_t i = 0; i < orders->size(); ++i) {
    auto checked = checker.Check((*orders)[i].text, {.today = kToday, .posture = Posture::kCodified, .reserve = true,
                                                     .caller = "cli:test", .route = "test"});
    ASSERT_TRUE(checked.ok()) << checked.status().ToString();
    const Decision& sim = run.decisions[i][0];
    EXPECT_EQ(OutcomeName(sim.outcome), std::string(OutcomeName(checked->decision.outcome))) << (*orders)[i].reference;
    EXPECT_EQ(sim.license_exception, checked->decision.license_exception) << (*orders)[i].reference;
    EXPECT_EQ(sim.review_policy, checked->decision.review_policy) << (*orders)[i].reference;
    if (own) {
      EXPECT_EQ(sim.ledger_postings.size(), checked->postings.size()) << (*orders)[i].reference;
      EXPECT_EQ(sim.reference, (*orders)[i].reference);
      EXPECT_EQ(sim.obligations, checked->decision.obligations) << (*orders)[i].reference;  // AIA certification due
    }
    ++outcomes[std::string(OutcomeName(sim.outcome)) + "/" + sim.license_exception];
  }
  // Both allocations ran out part way: the run must have exercised both sides of each cap.
  EXPECT_EQ(outcomes["LICENSE_EXCEPTION/LPP"], 5) << "4 of 2025's LPP orders fit, and 2026's";
  EXPECT_EQ(outcomes["LICENSE_EXCEPTION/AIA"], 6);
  EXPECT_EQ(outcomes["LICENSE_REQUIRED/"], 4 + 3 + 3);
  auto balances = store.Balances(Date::FromYmd(2026, 12, 31));
  ASSERT_TRUE(balances.ok());
  std::map<std::string, double> held;
  for (const auto& b : *balances) held[b.account + "@" + b.period] = b.reserved_tpp + b.used_tpp;
  std::map<std::string, double> sim_held;
  for (const auto& [account, burn] : run.summary.policies[0].burn) sim_held[account] = burn.points.back().held_tpp;
  EXPECT_DOUBLE_EQ(sim_held["country:MY (2025-2027)"], held["country:MY@2025-2027"]);
  EXPECT_GT(held["country:MY@2025-2027"], 0);
  // Every account the check reserved on holds in the simulation what it holds on the ledger.
  for (const auto& [account_period, tpp] : held) {
    const size_t at = account_period.rfind('@');
    const std::string key = account_period.substr(0, at) + " (" + account_period.substr(at + 1) + ")";
    if (account_period.rfind("aia:", 0) == 0) continue;  // a trigger: no burn-down
    EXPECT_DOUBLE_EQ(sim_held[key], tpp) << key;
  }
  EXPECT_TRUE(std::any_of(held.begin(), held.end(), [](const auto& h) { return h.first.rfind("lpp:", 0) == 0 && h.second > 0; }))
      << "an LPP account was drawn on";
  std::filesystem::remove_all(dir);
}
INSTANTIATE_TEST_SUITE_P(OwnAndSharedDecisions, SimulationProperty, ::testing::Bool());

TEST(Simulation, FlipsNameTheFirstDifferingReasonAndExhaustionIsDated) {
  std::string jsonl;
  for (int i = 0; i < 6; ++i) jsonl += LppOrder("lpp-" + std::to_string(i), "2025-06-1" + std::to_string(i)) + "\n";
  auto orders = Read(jsonl);
  ASSERT_TRUE(orders.ok());
  for (unsigned workers : {1u, 2u}) {
    const SimRun run = Simulate(*orders, {Builtin("enforced"), Builtin("codified")}, workers);
    const Summary& s = run.summary;
    ASSERT_EQ(s.policies.size(), 2u);
    EXPECT_EQ(s.orders, 6u);
    // Enforced (AI Diffusion not enforced): Germany needs no license for any of them.
    EXPECT_EQ(s.policies[0].totals.at("NO_LICENSE_REQUIRED").orders, 6u);
    EXPECT_EQ(s.policies[0].totals.at("NO_LICENSE_REQUIRED").units, 2400);
    // Codified: every order differs from enforced; the fifth finds LPP's allowance spent.
    EXPECT_EQ(s.policies[1].totals.at("LICENSE_EXCEPTION").orders, 4u);
    EXPECT_EQ(s.policies[1].totals.at("LICENSE_REQUIRED").orders, 2u);
    EXPECT_EQ(s.flips_total, 6u);
    ASSERT_EQ(s.flips.size(), 6u);
    EXPECT_EQ(s.flips[0].outcomes, (std::vector<std::string>{"NO_LICENSE_REQUIRED", "LICENSE_EXCEPTION"}));
    EXPECT_FALSE(s.flips[0].rule_b.empty());
    EXPECT_FALSE(s.flips[0].reason_b.empty());
    ASSERT_EQ(s.policies[1].exhausted.size(), 1u);
    EXPECT_EQ(s.policies[1].exhausted[0].account, "lpp:delhi compute");
    EXPECT_EQ(s.policies[1].exhausted[0].period, "2025");
    EXPECT_EQ(s.policies[1].exhausted[0].reference, "lpp-4");
    EXPECT_EQ(s.policies[1].exhausted[0].date, Date::FromYmd(2025, 6, 14));
    EXPECT_TRUE(s.policies[0].exhausted.empty());
    EXPECT_EQ(s.policies[1].by_country_quarter.at({"DE", "2025-Q2"}).at("LICENSE_REQUIRED").units, 800);

    const auto j = nlohmann::json::parse(SummaryJson(s));
    EXPECT_EQ(j["policy_sets"][1]["id"], "codified");
    EXPECT_EQ(j["policy_sets"][1]["totals"]["LICENSE_EXCEPTION"]["orders"], 4);
    EXPECT_EQ(j["flips"][0]["outcomes"]["enforced"], "NO_LICENSE_REQUIRED");
    EXPECT_EQ(j["flips_total"], 6);
    const std::string html = ReportHtml(s, "LPP <test>");
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_NE(html.find("LPP &lt;test&gt;"), std::string::npos);
    // A world map of where they disagree: Germany's outline shaded, with its count; drawn from
    // outlines in the binary, nothing fetched.
    EXPECT_NE(html.find("aria-label=\"world map: orders decided differently, by destination\""), std::string::npos);
    EXPECT_NE(html.find("\" stroke=\"#fff\" stroke-width=\"0.3\"><title>DE: 6 orders decided differently</title></path>"),
              std::string::npos);
    for (const char* external : {"://", "href=", "src=", "<image", "@import", "url("})
      EXPECT_EQ(html.find(external), std::string::npos) << external;
    EXPECT_EQ(j["flips_by_destination"]["DE"], 6);
    EXPECT_NE(FlipsCsv(s).find("lpp-0,2025-06-10,DE,NO_LICENSE_REQUIRED,LICENSE_EXCEPTION"), std::string::npos)
        << FlipsCsv(s);
  }
}

// Policy sets that change the data (docs/simulate.md): a cap, a tier, the Affiliates Rule's stay.
TEST(PolicySet, DataChangesAreReadCheckedAndApplied) {
  const auto dir = std::filesystem::temp_directory_path() / ("exportctl-sim-data-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& text) {
    const std::string path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
  };
  const std::string half = write("half.json", R"({"posture": "codified", "caps": {"country_allocation_tpp": 395000000}})");
  const std::string tier1 = write("tier1.json", R"({"posture": "codified", "tiers": {"MY": 1}})");
  const std::string stay = write("stay.json", R"({"posture": "enforced", "affiliates_stay_extended_through": "2027-11-09"})");
  EXPECT_EQ(ParsePolicySet("t=" + write("t3.json", R"({"posture": "codified", "tiers": {"MY": 3}})")).status().field(),
            (dir / "t3.json").string() + ".tiers.MY");
  EXPECT_EQ(ParsePolicySet("c=" + write("cap.json", R"({"posture": "codified", "caps": {"country_tpp": 1}})")).status().field(),
            (dir / "cap.json").string() + ".caps.country_tpp");
  EXPECT_EQ(ParsePolicySet("s=" + write("bad-stay.json", R"({"posture": "codified", "affiliates_stay_extended_through": "soon"})"))
                .status().field(),
            (dir / "bad-stay.json").string() + ".affiliates_stay_extended_through");
  auto unknown_country = ParsePolicySet("u=" + write("xx.json", R"({"posture": "codified", "tiers": {"XX": 1}})"));
  ASSERT_TRUE(unknown_country.ok());
  EXPECT_EQ(PreparePolicyData(*unknown_country, EXPORTCTL_DEFAULT_DATA_DIR).field(), (dir / "xx.json").string() + ".tiers.XX");

  std::vector<PolicySet> sets = {Builtin("codified")};
  for (const auto& [name, file] : {std::pair{"half", half}, std::pair{"tier1", tier1}, std::pair{"stay", stay}}) {
    auto p = ParsePolicySet(std::string(name) + "=" + file);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_TRUE(p->ChangesData());
    ASSERT_TRUE(PreparePolicyData(*p, EXPORTCTL_DEFAULT_DATA_DIR).ok());
    sets.push_back(std::move(p).value());
  }
  // Three 20,000-H100 orders to Malaysia: two fit the 790,000,000 TPP allocation, one fits half of it.
  std::string jsonl;
  for (int i = 0; i < 3; ++i) jsonl += TierTwoOrder("my-" + std::to_string(i), "2025-08-1" + std::to_string(i)) + "\n";
  auto orders = Read(jsonl);
  ASSERT_TRUE(orders.ok());
  const SimRun run = Simulate(*orders, sets);
  const Summary& s = run.summary;
  EXPECT_EQ(s.policies[0].exhausted.size(), 1u);
  EXPECT_EQ(s.policies[0].exhausted[0].reference, "my-2");
  ASSERT_EQ(s.policies[1].exhausted.size(), 1u);
  EXPECT_EQ(s.policies[1].exhausted[0].reference, "my-1");  // half the cap: the second order no longer fits
  EXPECT_DOUBLE_EQ(s.policies[1].exhausted[0].cap_tpp, 395000000);
  EXPECT_EQ(run.decisions[1][1].review_policy, ReviewPolicy::kPresumptionOfDenial);
  EXPECT_EQ(run.decisions[1][0].review_policy, ReviewPolicy::kPresumptionOfApproval);
  // Malaysia in Tier 1: no country allocation binds it.
  EXPECT_TRUE(s.policies[2].exhausted.empty());
  for (const auto& row : run.decisions) EXPECT_NE(row[2].review_policy, ReviewPolicy::kPresumptionOfDenial);
  EXPECT_TRUE(s.policies[2].burn.empty());
  // The stay extended: on 2026-12-01 the Affiliates Rule is still stayed under this policy set.
  const auto& stay_data = *sets[3].data->dataset;
  const Parameter* p = stay_data.Param("affiliates-2025", "stay_extended_through");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->value["value"], "2027-11-09");
  std::filesystem::remove_all(dir);
}

// An agreement's uplift reaches the policy set's ledger: reservations fit the raised cap.
TEST(Simulation, AnOverlayUpliftRaisesTheLedgerCapOfItsPolicySet) {
  const auto dir = std::filesystem::temp_directory_path() / ("exportctl-sim-ov-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "my.json").string();
  std::ofstream(file) << R"J({"id": "my-assurance", "title": "t", "country": "MY", "effective": "2025-01-01", "expiry": null,
    "status": "hypothetical", "changes": [{"kind": "allocation_uplift", "fraction": 1.0, "citation": "15 CFR 742.6(b)(10)(iii)(C)"}]})J";
  auto deal = LoadAgreementFile(file, BundledData());
  ASSERT_TRUE(deal.ok()) << deal.status().ToString();
  PolicySet with = Builtin("codified");
  with.id = "codified+assurance";
  with.overlays = {&*deal};
  std::string jsonl;
  for (int i = 0; i < 4; ++i) jsonl += TierTwoOrder("my-" + std::to_string(i), "2025-08-1" + std::to_string(i)) + "\n";
  auto orders = Read(jsonl);
  ASSERT_TRUE(orders.ok());
  const SimRun run = Simulate(*orders, {Builtin("codified"), with});
  const Summary& s = run.summary;
  // Codified: the third order finds the allocation met. With the assurance all four fit and are reserved.
  EXPECT_EQ(run.decisions[2][0].review_policy, ReviewPolicy::kPresumptionOfDenial);
  EXPECT_EQ(run.decisions[2][1].review_policy, ReviewPolicy::kPresumptionOfApproval);
  EXPECT_EQ(run.decisions[3][1].review_policy, ReviewPolicy::kPresumptionOfApproval);
  EXPECT_FALSE(run.decisions[3][1].ledger_postings.empty());
  ASSERT_EQ(run.decisions[3][1].overlays.size(), 1u);
  EXPECT_EQ(run.decisions[3][1].overlays[0].id, "my-assurance");
  EXPECT_TRUE(s.policies[1].exhausted.empty());
  EXPECT_EQ(s.flips_total, 2u);  // a different review policy of LICENSE_REQUIRED is a flip
  ASSERT_FALSE(s.flips.empty());
  EXPECT_EQ(s.flips[0].rule_b, "my-assurance");
  const auto j = nlohmann::json::parse(SummaryJson(s));
  EXPECT_EQ(j["flips"][0]["review_policies"]["codified"], "presumption_of_denial");
  EXPECT_EQ(j["policy_sets"][1]["overlays"][0]["id"], "my-assurance");
  std::filesystem::remove_all(dir);
}

// A quota an overlay grants for named parties depletes across the run: what one order takes of it
// is reserved (quota:<overlay>/<change>:units), and a later order that exceeds what is left is not
// approved under it. The same orders sent one by one to `check --reserve` answer the same.
TEST(Simulation, AnOverlayQuotaDepletesAcrossOrders) {
  const auto dir = std::filesystem::temp_directory_path() / ("exportctl-sim-quota-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "quota.json").string();
  std::ofstream(file) << R"J({"id": "my-quota", "title": "t", "country": "MY", "effective": "2025-01-01", "expiry": null,
    "status": "hypothetical", "changes": [{"kind": "quota", "parties": ["Contoh Cloud Sdn Bhd"], "units": 25000,
    "rules": ["aid.country_allocation"], "citation": "hypothetical quota"}]})J";
  auto deal = LoadAgreementFile(file, BundledData());
  ASSERT_TRUE(deal.ok()) << deal.status().ToString();
  PolicySet with = Builtin("codified");
  with.overlays = {&*deal};
  std::string jsonl;
  for (int i = 0; i < 4; ++i) jsonl += TierTwoOrder("my-" + std::to_string(i), "2025-08-1" + std::to_string(i)) + "\n";
  auto orders = Read(jsonl);
  ASSERT_TRUE(orders.ok());
  const SimRun run = Simulate(*orders, {with});
  // Orders 0 and 1 fit the allocation; order 2 finds it met and takes 20,000 of the 25,000-unit
  // quota; order 3 needs 20,000 more, 5,000 are left: the allocation's denial stays.
  EXPECT_EQ(run.decisions[1][0].review_policy, ReviewPolicy::kPresumptionOfApproval);
  EXPECT_EQ(run.decisions[2][0].review_policy, ReviewPolicy::kPresumptionOfApproval);
  ASSERT_EQ(run.decisions[2][0].quota_draws.size(), 1u);
  EXPECT_EQ(run.decisions[2][0].quota_draws[0].quota, "my-quota/0");
  bool reserved_quota = false;
  for (const auto& p : run.decisions[2][0].ledger_postings)
    reserved_quota = reserved_quota || p.find("reserve 20000 units on quota:my-quota/0:units") != std::string::npos;
  EXPECT_TRUE(reserved_quota) << ::testing::PrintToString(run.decisions[2][0].ledger_postings);
  EXPECT_EQ(run.decisions[3][0].outcome, Outcome::kLicenseRequired);
  EXPECT_EQ(run.decisions[3][0].review_policy, ReviewPolicy::kPresumptionOfDenial);
  EXPECT_TRUE(run.decisions[3][0].quota_draws.empty());
  bool said = false;
  for (const auto& r : run.decisions[3][0].reasons)
    said = said || r.summary.find("exceeds what is left of the quota of 25000 units (5,000 units; earlier orders took 20,000 units)") !=
                       std::string::npos;
  EXPECT_TRUE(said);

  const auto fresh = FreshCheck::Open(dir);
  ASSERT_TRUE(fresh);
  const check::Checker& checker = *fresh->checker;
  ledger::Ledger& store = *fresh->ledger;
  const Agreement* overlays[] = {&*deal};
  for (size_t i = 0; i < orders->size(); ++i) {
    check::CheckOptions o{.today = kToday, .posture = Posture::kCodified, .reserve = true, .caller = "cli:test", .route = "test"};
    o.overlays = overlays;
    auto checked = checker.Check((*orders)[i].text, o);
    ASSERT_TRUE(checked.ok()) << checked.status().ToString();
    EXPECT_EQ(run.decisions[i][0].review_policy, checked->decision.review_policy) << (*orders)[i].reference;
    EXPECT_EQ(run.decisions[i][0].ledger_postings.size(), checked->postings.size()) << (*orders)[i].reference;
  }
  auto quota = store.GetBalance(ledger::AccountKey::Quota("my-quota/0", "units"), Date::FromYmd(2025, 12, 31));
  ASSERT_TRUE(quota.ok()) << quota.status().ToString();
  EXPECT_DOUBLE_EQ(quota->reserved_tpp, 20000);
  std::filesystem::remove_all(dir);
}

// Reusing an evaluation for orders alike but for their reference (the fast path) answers exactly
// as sending every order through the engine: the same summary.json and report, byte for byte, on
// a scenario that crosses regime dates (2025-01-13, 2025-05-13), runs a country allocation, LPP
// allowances and an agreement's quota out, and reserves AIA counts, with several orders alike on
// one date.
TEST(Simulation, ReusingEvaluationsGivesTheSameSummaryAsEvaluatingEveryOrder) {
  std::istringstream demand(
      "country,quarter,chip,quantity,consignee_profile,orders\n"
      "MY,2025-Q2,H100 SXM5 80GB,60000,us_headquartered,240\n"
      "MY,2025-Q3,H100 SXM5 80GB,150000,local,300\n"  // 500 H100s an order: the allocation runs out
      "DE,2025-Q1,H100 SXM5 80GB,4000,china_headquartered,200\n"
      "DE,2024-Q4,H100 SXM5 80GB,4000,local,200\n"
      "IN,2025-Q2,B200 SXM (HGX),9000,local,300\n"              // LPP for a Tier 2 consignee, then its allowance spent
      "AE,2025-Q2,H200 SXM 141GB,3000,local,150\n");
  auto from_demand = ExpandDemand(demand, "demand.csv", BundledData(), kToday);
  ASSERT_TRUE(from_demand.ok()) << from_demand.status().ToString();
  // JSONL lines alike but for the reference (or with none) on the days around 2025-01-13.
  std::string jsonl;
  for (const char* day : {"2025-01-12", "2025-01-13", "2025-01-14"})
    for (int i = 0; i < 4; ++i) jsonl += LppOrder(std::string("de-") + day + "-" + std::to_string(i), day, 300) + "\n";
  jsonl += R"({"as_of":"2025-01-13","destination":"DE","items":[{"chip":"H100 SXM5 80GB","quantity":300}],)"
           R"("parties":[{"role":"ultimate_consignee","name":"Delhi Compute","country":"DE","headquarters":"IN",)"
           R"("ultimate_parent_headquarters":"IN"}]})" "\n";
  auto from_jsonl = Read(jsonl);
  ASSERT_TRUE(from_jsonl.ok()) << from_jsonl.status().ToString();
  auto orders = MergeOrders(std::move(from_jsonl).value(), std::move(from_demand).value());
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();

  const auto dir = std::filesystem::temp_directory_path() / ("exportctl-sim-reuse-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "quota.json").string();
  std::ofstream(file) << R"J({"id": "my-quota", "title": "t", "country": "MY", "effective": "2025-01-01", "expiry": null,
    "status": "hypothetical", "changes": [{"kind": "quota", "parties": ["Local compute (MY)", "US cloud subsidiary (MY)"],
    "units": 6000, "rules": ["aid.country_allocation"], "citation": "hypothetical quota"}]})J";
  auto deal = LoadAgreementFile(file, BundledData());
  ASSERT_TRUE(deal.ok()) << deal.status().ToString();
  PolicySet with = Builtin("codified");
  with.id = "codified+quota";
  with.overlays = {&*deal};
  const std::vector<PolicySet> sets = {Builtin("enforced"), Builtin("codified"), with};

  auto run = [&](bool reuse, unsigned workers, bool own = true, bool with_sink = true) {
    static const Engine engine(BundledData());
    Simulation sim({.dataset = &BundledData(), .engine = &engine, .rules = &Rules(), .workers = workers,
                    .reuse_evaluations = reuse, .own_decisions = own},
                   sets);
    std::vector<std::string> rows;
    const Status st = sim.Run(*orders, !with_sink ? OrderSink() : [&](const OrderAnswers& a) {
      std::string row;
      AppendOrderRowCsv(a, row);
      for (const Decision* d : a.decisions)
        row += std::string(ReviewPolicyName(d->review_policy)) + " " + std::to_string(d->reasons.size()) + ";";
      rows.push_back(std::move(row));
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return std::make_pair(sim.summary(), rows);
  };
  const auto [plain, plain_rows] = run(false, 1);
  const auto [fast, fast_rows] = run(true, 2);
  EXPECT_EQ(SummaryJson(fast), SummaryJson(plain));
  EXPECT_EQ(ReportHtml(fast, "t"), ReportHtml(plain, "t"));
  EXPECT_EQ(ExhaustedCsv(fast), ExhaustedCsv(plain));
  EXPECT_EQ(fast_rows, plain_rows);
  // Orders alike sharing one decision whether or not they reserve (as `exportctl simulate` runs),
  // and with no sink (as the server runs): the same, byte for byte.
  const auto [shared, shared_rows] = run(true, 2, false);
  EXPECT_EQ(SummaryJson(shared), SummaryJson(plain));
  EXPECT_EQ(ReportHtml(shared, "t"), ReportHtml(plain, "t"));
  EXPECT_EQ(ExhaustedCsv(shared), ExhaustedCsv(plain));
  EXPECT_EQ(FlipsCsv(shared), FlipsCsv(plain));
  EXPECT_EQ(ByCountryQuarterCsv(shared), ByCountryQuarterCsv(plain));
  EXPECT_EQ(shared_rows, plain_rows);
  const auto [unseen, unseen_rows] = run(true, 1, true, false);
  EXPECT_EQ(SummaryJson(unseen), SummaryJson(plain));
  EXPECT_EQ(ReportHtml(unseen, "t"), ReportHtml(plain, "t"));

  // The scenario is what it says: evaluations reused, allocations and the quota run out, orders
  // reserved, and the regime dates make the policy sets disagree.
  size_t evaluated = 0;
  for (const auto& p : fast.policies) evaluated += p.evaluated;
  EXPECT_LT(evaluated * 2, orders->size() * sets.size()) << "fewer than half the orders evaluated";
  std::set<std::string> ran_out;
  for (const auto& p : plain.policies)
    for (const auto& e : p.exhausted) ran_out.insert(e.account);
  EXPECT_TRUE(ran_out.count("country:MY"));
  EXPECT_TRUE(ran_out.count("quota:my-quota/0:units"));
  EXPECT_TRUE(ran_out.count("lpp:id=demand-local-IN"));
  EXPECT_GT(plain.policies[1].reserving, 100u);
  EXPECT_GT(plain.flips_total, 0u);
  std::filesystem::remove_all(dir);
}

// A quota that runs out is listed with the allocations that did (summary.json "exhausted", with
// its measure) and drawn in the report's burn-down: in units when it counts units, in TPP when
// it counts TPP; the date is the order's that found too little left, or that took the last of it.
TEST(Simulation, AnOverlayQuotaThatRunsOutIsListedAndBurnsDown) {
  const auto dir = std::filesystem::temp_directory_path() / ("exportctl-sim-quota-out-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto overlay = [&](const std::string& id, const std::string& amount) {
    const std::string file = (dir / (id + ".json")).string();
    std::ofstream(file) << R"J({"id": ")J" + id + R"J(", "title": "t", "country": "MY", "effective": "2025-01-01",
      "expiry": null, "status": "hypothetical", "changes": [{"kind": "quota", "parties": ["Contoh Cloud Sdn Bhd"], )J" +
                               amount + R"J(, "rules": ["aid.country_allocation"], "citation": "hypothetical quota"}]})J";
    auto a = LoadAgreementFile(file, BundledData());
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return std::move(a).value();
  };
  // 25,000 units: my-2 takes 20,000, my-3 finds 5,000 left for its 20,000 (runs out on its date).
  // 20,000 H100s' TPP exactly: my-2 takes all of it (runs out on my-2's date, nothing left).
  const Agreement units = overlay("my-units", R"("units": 25000)");
  const Agreement tpp = overlay("my-tpp", R"("tpp": 316640000)");
  PolicySet by_units = Builtin("codified"), by_tpp = Builtin("codified");
  by_units.id = "units";
  by_units.overlays = {&units};
  by_tpp.id = "tpp";
  by_tpp.overlays = {&tpp};
  std::string jsonl;
  for (int i = 0; i < 4; ++i) jsonl += TierTwoOrder("my-" + std::to_string(i), "2025-08-1" + std::to_string(i)) + "\n";
  auto orders = Read(jsonl);
  ASSERT_TRUE(orders.ok());
  const SimRun run = Simulate(*orders, {by_units, by_tpp});
  const Summary& s = run.summary;
  auto find = [](const PolicySummary& p, const std::string& account) -> const Exhaustion* {
    for (const auto& e : p.exhausted)
      if (e.account == account) return &e;
    return nullptr;
  };
  const Exhaustion* u = find(s.policies[0], "quota:my-units/0:units");
  ASSERT_NE(u, nullptr) << SummaryJson(s);
  EXPECT_EQ(u->reference, "my-3");
  EXPECT_EQ(u->date, Date::FromYmd(2025, 8, 13));
  EXPECT_DOUBLE_EQ(u->cap_tpp, 25000);
  EXPECT_DOUBLE_EQ(u->remaining_tpp, 5000);
  EXPECT_EQ(u->measure, "units");
  EXPECT_EQ(u->period, "cumulative");
  const Exhaustion* t = find(s.policies[1], "quota:my-tpp/0:tpp");
  ASSERT_NE(t, nullptr) << SummaryJson(s);
  EXPECT_EQ(t->reference, "my-2");
  EXPECT_EQ(t->date, Date::FromYmd(2025, 8, 12));
  EXPECT_DOUBLE_EQ(t->cap_tpp, 316640000);
  EXPECT_DOUBLE_EQ(t->remaining_tpp, 316640000);  // what was left when my-2 took all of it
  EXPECT_EQ(t->measure, "tpp");
  // The country allocation still runs out first, as before.
  EXPECT_NE(find(s.policies[0], "country:MY"), nullptr);

  // The burn-down: the quota's held amount against its limit, in its measure.
  ASSERT_EQ(s.policies[0].burn.count("quota:my-units/0:units (cumulative)"), 1u);
  const AccountBurn& burn = s.policies[0].burn.at("quota:my-units/0:units (cumulative)");
  EXPECT_EQ(burn.measure, "units");
  ASSERT_TRUE(burn.cap_tpp);
  EXPECT_DOUBLE_EQ(*burn.cap_tpp, 25000);
  ASSERT_EQ(burn.points.size(), 1u);
  EXPECT_DOUBLE_EQ(burn.points[0].held_tpp, 20000);
  const std::string html = ReportHtml(s, "quota");
  EXPECT_NE(html.find("quota:my-units/0:units (cumulative): 20000 of 25000 units held by 2025-08-12"), std::string::npos);
  EXPECT_NE(html.find("quota:my-tpp/0:tpp (cumulative): 316640000 of 316640000 TPP held by 2025-08-12"), std::string::npos);

  const auto j = nlohmann::json::parse(SummaryJson(s));
  bool listed = false;
  for (const auto& e : j["policy_sets"][0]["exhausted"])
    listed = listed || (e["account"] == "quota:my-units/0:units" && e["date"] == "2025-08-13" && e["measure"] == "units" &&
                        e["cap_tpp"] == 25000);
  EXPECT_TRUE(listed) << j["policy_sets"][0]["exhausted"].dump();
  EXPECT_NE(ExhaustedCsv(s).find("units,quota:my-units/0:units,cumulative,25000,2025-08-13,my-3,5000,units"), std::string::npos)
      << ExhaustedCsv(s);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace exportctl::simulate

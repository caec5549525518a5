// The policy simulator: the same orders under several policy sets, each on a fresh in-memory
// ledger, in date order — what `check --reserve` would have answered order by order, and where
// the policy sets disagree.
//
//   auto orders = simulate::ReadOrders(in, "orders.jsonl", data, today);
//   auto sets = {*simulate::ParsePolicySet("enforced"), *simulate::ParsePolicySet("codified")};
//   simulate::Simulation sim(services, sets);
//   auto status = sim.Run(*orders, sink);   // sink receives each order's answers, in date order
//   sim.summary()                            // totals, by country × quarter, exhaustions, flips
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/posture.h"
#include "core/status.h"
#include "data/agreements.h"
#include "data/dataset.h"
#include "determine/engine.h"
#include "ledger/ledger.h"

namespace exportctl::simulate {

// A policy set's own regulatory data: the bundled data with its changes (tiers, caps, the stay).
struct PolicyData {
  std::unique_ptr<Dataset> dataset;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<ledger::AllocationRules> rules;
};

// What the orders are evaluated under. `enforced` and `codified` evaluate each order at its own
// as_of under that posture.
struct PolicySet {
  std::string id;      // "enforced", "codified", or the NAME of NAME=FILE
  Posture posture = Posture::kEnforced;
  std::string source;  // "built-in" or the file it was read from
  std::string description;
  // Country agreements applied under this policy set (`--overlay`, the file's "overlays"),
  // outliving the run; the file names them in `overlay_names` until the front end resolves them.
  std::vector<const Agreement*> overlays;
  std::vector<std::string> overlay_names;
  // Changes to the data (docs/simulate.md), applied by PreparePolicyData:
  std::map<std::string, int> tiers;               // country code → AI Diffusion tier 1 or 2
  std::optional<double> country_allocation_tpp;   // 742.6(b)(10)(iii)(B)(1)
  std::optional<double> lpp_tpp_per_consignee_per_year;  // 740.29(a)
  std::optional<Date> affiliates_stay_extended_through;  // the Affiliates Rule's last stayed day
  std::shared_ptr<const PolicyData> data;         // set when the policy set changes the data
  bool ChangesData() const {
    return !tiers.empty() || country_allocation_tpp || lpp_tpp_per_consignee_per_year || affiliates_stay_extended_through;
  }
};

// "enforced", "codified", or NAME=FILE where FILE is {"posture": "enforced"|"codified",
// "description"?, "overlays"?: [ID|FILE], "tiers"?: {"CC": 1|2}, "caps"?:
// {"country_allocation_tpp"?, "lpp_tpp_per_consignee_per_year"?}, "affiliates_stay_extended_through"?:
// "YYYY-MM-DD"}. Errors name the argument ("--policy") or the file's field.
Result<PolicySet> ParsePolicySet(const std::string& argument);
// Builds the policy set's own data when it changes any (a copy of `regulatory_data_dir` with the
// changes written into its regime files, loaded and checked like the bundled data). Errors name
// the policy file's field.
Status PreparePolicyData(PolicySet& policy, const std::string& regulatory_data_dir);

// One order of the scenario: its transaction text as given, where it came from, and the facts
// needed to order and report it.
struct Order {
  std::string origin;     // "<file>:<line>", what errors about the order name
  size_t line = 0;        // 1-based line in the orders file (demand: the row)
  std::string text;       // the transaction JSON
  std::string reference;  // as given, else "line-<N>"
  Date as_of;
  std::string destination;
  int64_t units = 0;      // items' quantities
  // Orders with the same non-zero content (ReadOrders, ExpandDemand) are the same transaction but
  // for their reference: on one date, a policy set evaluates them once (Simulation::Run).
  uint64_t content = 0;
};

// Reads a JSONL file of transactions; every line is validated up front (a simulation does not
// stop half way on a bad line). Errors name "<file>:<line>" and the transaction's field, e.g.
// field "orders.jsonl:7.items[0].chip". Two orders with one reference are an error (a ledger
// reserves a reference once). Blank lines are skipped. Returned in date order (as_of, then line).
Result<std::vector<Order>> ReadOrders(std::istream& in, const std::string& file_name, const Dataset& data,
                                      Date today);

// Demand as CSV rows, expanded deterministically into orders:
//   country,quarter,chip,quantity,consignee_profile[,orders]
//   AE,2026-Q3,B200 SXM (HGX),20000,local,4
// splits each row's quantity into `orders` orders (default 1; the first ones take the
// remainder) dated evenly through the quarter, with reference "demand-<row>-<k>". Profiles:
//   local                 the consignee is in the country, headquartered there
//   us_headquartered      a US-headquartered company's subsidiary in the country
//   china_headquartered   a subsidiary of a company headquartered in China (Country Group D:5)
// Errors name "<file>:<row>" and the column. Returned in date order, references checked. More
// than `max_orders` orders in all is an error naming the row that passes it (column "orders").
Result<std::vector<Order>> ExpandDemand(std::istream& in, const std::string& file_name, const Dataset& data,
                                        Date today, size_t max_orders = SIZE_MAX);

// Orders from several sources as one run: date order (as_of, then source order), each reference
// once (an error names the later order's origin).
Result<std::vector<Order>> MergeOrders(std::vector<Order> a, std::vector<Order> b);

// Orders, units and TPP with one outcome.
struct Tally {
  size_t orders = 0;
  int64_t units = 0;
  double tpp = 0;
  void Add(int64_t u, double t) {
    ++orders;
    units += u;
    tpp += t;
  }
};
using Tallies = std::map<std::string, Tally>;  // by outcome name

// An allocation that ran out: the first order that found less left than it needed, or after
// whose reservation nothing was left. A country agreement's quota (quota:<overlay>/<change>:units
// or :tpp) runs out the same way; its cap and what was left are in its own measure.
struct Exhaustion {
  std::string account;
  std::string period;
  double cap_tpp = 0;     // in `measure`
  Date date;
  std::string reference;  // the order
  double remaining_tpp = 0;  // what was left when it happened, in `measure`
  std::string measure = "tpp";  // "tpp", or "units" for a quota in units
};

// One point of an allocation's burn-down: held (reserved + used) TPP after an order reserved.
struct BurnPoint {
  Date date;
  double held_tpp = 0;
};
struct AccountBurn {
  std::optional<double> cap_tpp;  // in `measure`
  std::string measure = "tpp";    // "units" for a quota in units
  std::vector<BurnPoint> points;  // one per date (the last of the day), in date order
};

struct PolicySummary {
  PolicySet policy;
  Tallies totals;
  std::map<std::pair<std::string, std::string>, Tallies> by_country_quarter;  // (country, "2026-Q3")
  std::vector<Exhaustion> exhausted;
  std::map<std::string, AccountBurn> burn;  // by "account (period)": LPP starts again each year
  size_t evaluated = 0;  // orders the engine evaluated (the others reused an evaluation: Simulation::Run)
  size_t reserving = 0;  // orders that reserved
};

// An order whose outcome differs between policy sets, and the first reason that differs.
struct Flip {
  size_t line = 0;
  std::string reference;
  Date as_of;
  std::string destination;
  std::vector<std::string> outcomes;  // per policy set, in order
  std::vector<std::string> review_policies;  // per policy set ("" unless LICENSE_REQUIRED)
  // The first reason (in the order the rules ran) that differs between the first policy set
  // and the first one that decided otherwise: rule, citation and words on each side.
  std::string policy_a, policy_b;
  std::string rule_a, citation_a, reason_a;
  std::string rule_b, citation_b, reason_b;
};

struct Summary {
  size_t orders = 0;
  std::vector<PolicySummary> policies;
  std::vector<Flip> flips;  // the first kMaxFlipsKept
  size_t flips_total = 0;
  std::map<std::string, size_t> flips_by_destination;  // every flip, by destination code
};
inline constexpr size_t kMaxFlipsKept = 10000;

// One order's answer under every policy set (for the per-order table).
struct OrderAnswers {
  const Order* order = nullptr;
  double tpp = 0;
  // Per policy set, valid during the call. Orders alike but for their reference, on one date,
  // that reserve nothing may share one evaluation (Services::reuse_evaluations): its `reference`
  // and `decision_id` are then the first such order's; use `order` for the order's own. Without
  // Services::own_decisions, orders alike that reserve may share one too.
  std::vector<const Decision*> decisions;
};
using OrderSink = std::function<void(const OrderAnswers&)>;

struct Services {
  const Dataset* dataset = nullptr;         // required
  const Engine* engine = nullptr;           // required
  const PartyScreener* screener = nullptr;  // as check: nullptr = screening not performed
  const OwnershipGraphView* ownership = nullptr;
  const ledger::AllocationRules* rules = nullptr;  // required: each policy set's fresh ledger
  unsigned workers = 1;                            // policy sets decided in parallel
  // Orders alike but for their reference, on one date, reading unchanged balances, are evaluated
  // once per policy set (Simulation::Run); false: every order through the engine (the same
  // answers, slower: tests compare the two).
  bool reuse_evaluations = true;
  // Each order's decision is its own (its reference, decision id, ledger postings, obligations).
  // False (and with no sink): orders alike that reuse an evaluation share its decision whether or
  // not they reserve, and what is reserved is not written into it as text. The outcome,
  // exception, review policy, items and reasons (all that the summary and orders.csv read) are
  // the same; it spares a copy of the decision for each order that reserves.
  bool own_decisions = true;
  std::function<void(size_t done, size_t total)> progress;  // called between chunks
};

class Simulation {
 public:
  Simulation(Services services, std::vector<PolicySet> policies);
  // Runs every order (in the order given: ReadOrders' date order) under every policy set, each
  // on its own fresh in-memory ledger. A reservation error (not "does not fit", which is an
  // answer) stops the run.
  [[nodiscard]] Status Run(const std::vector<Order>& orders, const OrderSink& sink);
  const Summary& summary() const { return summary_; }

 private:
  Services s_;
  Summary summary_;
};

// "2026-Q3".
std::string QuarterOf(Date d);

// The summary as the interface promises it (docs/simulate.md):
// {"orders", "policy_sets": [{"id", "posture", "source", "totals": {OUTCOME: {"orders", "units",
// "tpp"}}, "by_country_quarter": […], "exhausted": […]}], "flips": […], "flips_total"}.
std::string SummaryJson(const Summary& s);
// CSV tables: outcomes per country × quarter, exhaustions, flips (RFC 4180 quoting).
std::string ByCountryQuarterCsv(const Summary& s);
std::string ExhaustedCsv(const Summary& s);
std::string FlipsCsv(const Summary& s);
// The per-order table: a header, then one row per order (OrderRowCsv).
std::string OrdersCsvHeader(const std::vector<PolicySet>& policies);
void AppendOrderRowCsv(const OrderAnswers& a, std::string& out);
// A self-contained HTML page with SVG charts: outcomes by quarter per policy set, allocation
// burn-down per account, and a world map of where the policy sets disagree (countries shaded by
// the orders decided differently; outlines bundled in the binary, world_map.inc).
std::string ReportHtml(const Summary& s, const std::string& title);

}  // namespace exportctl::simulate

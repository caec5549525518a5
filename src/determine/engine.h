// The determination engine: transaction + regulatory data (+ optional screening and ledger)
// → decision. Thread-safe for concurrent Determine calls once constructed.
//
//   auto data = Dataset::Load("data/");            // validated, cited regulatory data
//   Engine engine(*data);
//   Decision d = engine.Determine(tx, {.posture = Posture::kEnforced});
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "determine/decision.h"
#include "determine/transaction.h"

namespace exportctl {

class Dataset;

// Screening plugs in here: returns the listings found for a party (empty = screened, no hit).
// Possible matches carry score < 1.0. Returning an error makes the step "unresolved".
class PartyScreener {
 public:
  virtual ~PartyScreener() = default;
  virtual Result<std::vector<Listing>> Screen(const Party& party, Date as_of) const = 0;
  // Versions of the lists used, recorded in the decision.
  virtual std::vector<std::string> ListVersions() const = 0;
  // What makes every screening answer uncertain, e.g. a list older than the allowed age: each
  // becomes a warning and an unresolved finding (NEEDS_REVIEW unless a license is required).
  virtual std::vector<std::string> Caveats() const { return {}; }
};

// Allocation accounting plugs in here (the ledger). Amounts in TPP.
struct AllocationQuery {
  enum class Account { kCountryAllocation, kLppConsignee, kAiaCertification, kH200ChinaShare };
  Account account = Account::kCountryAllocation;
  std::string country;     // destination
  std::string consignee;     // ultimate consignee name
  std::string consignee_id;  // its stable party_id, when stated (keys its accounts instead of the name)
  std::string exporter;      // exporter name (H200 rule)
  std::string product;       // product (H200 rule)
  Date as_of;
  // The transaction's reference: a reservation it already holds under it is not counted against it.
  std::string reference;
};
struct AllocationBalance {
  double cap = 0;
  double used = 0;      // committed + reserved
  double remaining() const { return cap - used; }
  std::string account;  // the account read, e.g. "lpp:saigon cloud" (said in the decision)
  std::string note;     // e.g. the transaction's own reservation left out of `used`
};
class AllocationView {
 public:
  virtual ~AllocationView() = default;
  virtual Result<AllocationBalance> Balance(const AllocationQuery& q) const = 0;
};

struct DetermineOptions {
  std::optional<Posture> posture;        // overrides the transaction's posture
  bool compute_alternate = true;         // also evaluate the other posture
  const PartyScreener* screener = nullptr;
  const AllocationView* allocations = nullptr;
  std::string decision_id;               // assigned by the caller (edge); empty = generated
  // Try the facts left out that the rules turn on (Decision::would_change).
  bool explain_what_would_change = true;
};

struct CompiledRules;

class Engine {
 public:
  // The dataset must outlive the engine and every decision it returns.
  explicit Engine(const Dataset& data);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Decision Determine(const Transaction& tx, const DetermineOptions& options = {}) const;
  const Dataset& data() const { return data_; }

 private:
  bool PosturesDiffer(Date d) const;
  Decision OutcomeOnly(const Transaction& tx, Posture posture, const DetermineOptions& options) const;

  const Dataset& data_;
  std::unique_ptr<const CompiledRules> rules_;
};

// Rule steps the engine implements; every rule in the data names one of these.
bool IsKnownRuleStep(std::string_view step);

// A fresh random decision id ("dec_" + 26 hex chars); thread-safe.
std::string NewDecisionId();

}  // namespace exportctl

// The determination engine: transaction + regulatory data (+ optional screening and ledger)
// → decision. Thread-safe for concurrent Determine calls once constructed.
//
//   auto data = LoadRegulatoryData("data/");        // validated, cited regulatory data
//   Engine engine(*data);
//   Decision d = engine.Determine(tx, {.posture = Posture::kEnforced});
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "determine/decision.h"
#include "determine/ports.h"
#include "determine/transaction.h"

namespace exportctl {

class Dataset;
struct Agreement;

struct DetermineOptions {
  std::optional<Posture> posture;        // overrides the transaction's posture
  bool compute_alternate = true;         // also evaluate the other posture
  const PartyScreener* screener = nullptr;
  const AllocationView* allocations = nullptr;
  const OwnershipGraphView* ownership = nullptr;  // nullptr: only stated owners are weighed
  const LicenseView* licenses = nullptr;  // licenses the company holds; nullptr: none weighed
  std::string decision_id;               // assigned by the caller (edge); empty = generated
  // Try the facts left out that the rules turn on (Decision::would_change).
  bool explain_what_would_change = true;
  // Country agreements as overlays (data/agreements.h), applied to a destination on the dates
  // they are in force; they must outlive the decision (its reasons cite them). Empty: none.
  std::span<const Agreement* const> overlays;
};

namespace steps {
struct CompiledRules;
struct LicenseMemo;
}

class Engine {
 public:
  // The dataset must outlive the engine and every decision it returns. Load it with
  // LoadRegulatoryData, which checks it against the rule steps.
  explicit Engine(const Dataset& data);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Decision Determine(const Transaction& tx, const DetermineOptions& options = {}) const;
  const Dataset& data() const { return data_; }

 private:
  bool PosturesDiffer(Date d) const;
  Decision OutcomeOnly(const Transaction& tx, Posture posture, const DetermineOptions& options,
                       steps::LicenseMemo* memo) const;

  const Dataset& data_;
  // CheckRuleSteps on the data: data that was not checked at start-up and fails it makes every
  // decision NEEDS_REVIEW naming the problem, never a step reading a missing parameter as 0.
  Status data_status_;
  std::unique_ptr<const steps::CompiledRules> rules_;
};

// Rule steps the engine implements; every rule in the data names one of these.
bool IsKnownRuleStep(std::string_view step);

// The regulatory data as start-up needs it: Dataset::Load, then every rule checked against the
// engine's rule steps (a rule naming no registered step is a kDataError with its file and field).
Result<std::unique_ptr<Dataset>> LoadRegulatoryData(const std::string& dir);
// The same check on data already loaded.
Status CheckRuleSteps(const Dataset& data);

// A fresh random decision id ("dec_" + 26 hex chars); thread-safe.
std::string NewDecisionId();

}  // namespace exportctl

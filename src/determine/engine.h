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
struct SharedFacts;
}

// Whether a destination is in the license area of advanced-computing items on a date under a
// posture, as the license-area steps decide it (the same destination facts a check computes):
// the AC/S rule's area (15 CFR 742.6(a)(6)(iii): D:1, D:4, D:5 but not A:5/A:6, and the
// destinations named beside them) while it binds, else the AI Diffusion rule's area of .b items
// (742.6(a)(6)(iii)(B) as of 2025; .a items then need a license worldwide).
struct LicenseAreaMembership {
  bool in_area = false;
  std::string rule;      // the license-area rule binding on (date, posture); "" = none binds
  std::string citation;  // its citation
  std::string items;     // which items the area is for, in words
  bool named = false;    // in the area by name (the UAE), not by its Country Groups
  bool verified = true;  // false when membership rests on secondary sources
  std::string basis;     // why, in words
};

// A rule that binds an export to a destination on a date under a posture (license requirement
// or prohibition), as the engine finds it for advanced-computing items (3A090.a datacenter,
// 3A090.b, 3A090.c HBM, 4E091 model weights) shipped to a recipient headquartered there.
struct BindingRule {
  std::string rule, citation, effect, regime;
  std::vector<std::string> items;  // the probe items it binds ("3A090.a", …)
};

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

  // The license area of advanced-computing items for `code` on (d, p).
  LicenseAreaMembership LicenseArea(std::string_view code, Date d, Posture p) const;
  // The rules that bind an export of advanced-computing items to `code` on (d, p), in rule-step
  // order; party-specific rules (screening, the Affiliates Rule) bind by the parties, not the
  // country, and appear only when the country alone triggers them.
  std::vector<BindingRule> RulesBinding(std::string_view code, Date d, Posture p) const;

 private:
  bool PosturesDiffer(Date d) const;
  Decision OutcomeOnly(const Transaction& tx, Posture posture, const DetermineOptions& options,
                       steps::LicenseMemo* memo, steps::SharedFacts* shared = nullptr) const;

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

// A rule step: the code behind a "step" that rules in data/regimes/*.json name. Each step family
// has its own file in steps/ holding a few free functions; the one table listing every step, in
// the order they run, is kRuleSteps in determine/engine.cc. Internal to determine/.
//
// A step reads the transaction's facts (computed once per evaluation: TransactionFacts), its
// own rule (only when that rule binds on the date under the posture) and the compiled regime
// parameters it declared, and appends findings citing its rule through the Evaluation. Item
// steps also add license requirements to the item (ItemContext); exception steps say whether an
// exception's own conditions hold. Precedence is never decided here: determine/combine does it.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "data/agreements.h"
#include "data/dataset.h"
#include "determine/combine.h"
#include "determine/decision.h"
#include "determine/engine.h"
#include "determine/steps/compiled_rules.h"
#include "determine/steps/step_id.h"
#include "jurisdiction/jurisdiction.h"

namespace exportctl::steps {

// Wraps reason text so it is only formatted when the decision is explained.
#define EXPLAIN(...) [&]() -> std::string { return __VA_ARGS__; }

// A regime parameter a step reads, checked at start-up: present under `regime`.parameters.`name`
// with a "value" of this type (kOptionalString: a string or null).
enum class ParamType : uint8_t {
  kNumber,
  kString,
  kOptionalString,
  kDate,
  kStringList,
  kList,
  kObject
};
struct ParamSpec {
  std::string_view regime, name;
  ParamType type = ParamType::kNumber;
};
constexpr size_t kMaxParams = 16;

class Evaluation;
struct TransactionFacts;
struct ItemContext;

// Once per transaction (a step about the parties, the destination or the whole shipment). The
// rule is the step's own, binding on the date; null only for a step that runs unbound (`always`).
using TransactionStepFn = void(Evaluation& ev, const TransactionFacts& facts, const RuleDef* rule);
// Once per item and candidate class: adds findings and requirements to the item.
using ItemStepFn = void(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                        const RuleDef& rule);
// A license exception: whether its own conditions hold for the item (its requirements allowing
// it is Combine's question).
using ExceptionStepFn = bool(Evaluation& ev, const TransactionFacts& facts,
                             const ItemContext& item);
using TransactionStep = TransactionStepFn*;
using ItemStep = ItemStepFn*;
using ExceptionStep = ExceptionStepFn*;

struct RuleStep {
  StepId id;
  std::string_view name;                     // as rules name it in the data ("step")
  std::array<ParamSpec, kMaxParams> params;  // the regime parameters it reads (empty names end)
  TransactionStep prepare = nullptr;         // before the transaction steps: ledger reads
  TransactionStep transaction = nullptr;
  ItemStep item = nullptr;
  ExceptionStep exception = nullptr;
  LicenseException grants = LicenseException::kCount;  // the exception an exception step grants
  const char* read_by = nullptr;  // a rule without code of its own: which step reads it
  bool always = false;            // the transaction step runs even when its rule does not bind
  bool required = false;          // the data must name it: a decision cannot fail closed without it
};

// The table (determine/engine.cc), indexed by StepId.
std::span<const RuleStep> RuleSteps();

// Country Group memberships an evaluation consulted (effective code → groups read), and the
// memberships to answer the other way (to test whether an unverified one decides the outcome).
struct GroupUse {
  std::string country;
  uint32_t groups = 0;
};
struct GroupFlip {
  std::string country;
  uint32_t groups = 0;
};
constexpr uint32_t GroupBit(Group g) { return 1u << static_cast<int>(g); }

inline bool IsA(Eccn e) { return e == Eccn::k3A090a || e == Eccn::k4A090a; }
inline bool IsB(Eccn e) { return e == Eccn::k3A090b || e == Eccn::k4A090b; }
inline bool IsAdvanced(Eccn e) { return IsA(e) || IsB(e); }

// Text helpers shared by the steps.
// The pieces joined in one allocation (a chain of `+` reallocates as the text grows).
std::string Cat(std::initializer_list<std::string_view> parts);
std::string FormatTpp(double v);     // 26,900,000; two decimals when not whole
std::string FormatDouble(double v);  // %.4g
std::string Quoted(const std::string& name);
std::string RoleInWords(PartyRole role);  // "end user", not "end_user"
// " (ledger account lpp:saigon cloud; leaves out …)": which account a balance came from.
std::string LedgerSource(const AllocationBalance& b);

// An Entity List entry's license review policy, as listed ("Presumption of denial.", "Policy of
// denial for all items subject to the EAR…", "Case-by-case for all items listed on the CCL…").
// Any mention of denial wins (a case-by-case carve-out names specific ECCNs, not 3A090/4A090);
// a text we cannot read is treated as denial. The wording is the entry's ("policy of denial" vs
// "presumption of denial"), as a literal: findings hold views, and the entry text is the
// decision's caller's, not ours.
struct ListedPolicy {
  ReviewPolicy policy = ReviewPolicy::kPresumptionOfDenial;
  std::string_view wording = "presumption of denial";
};
ListedPolicy ReadListedPolicy(std::string_view text);

// Facts about the transaction the steps share, derived once per evaluation (Evaluation::Run).
struct TransactionFacts {
  uint32_t dest_groups = 0;  // D:1, D:4, D:5, A:5, A:6 of the destination
  bool dest_tier1 = false;   // a Supp. No. 5 paragraph (a) destination
  bool dest_us = false, dest_d5_macau = false, dest_macau = false;
  bool dest_license_area =
      false;                // D:1/D:4/D:5 excluding A:5/A:6, and destinations named beside them
  bool dest_named = false;  // named in 742.6(a)(6)(iii) beside the groups (the UAE)
  bool dest_license_area_b = false;  // the AI Diffusion rule's area of .b items: the above and the UAE
  bool dest_china_macau = false;  // China (incl. Hong Kong) or Macau
  const EmbargoEntry* embargo =
      nullptr;               // the Part 746 embargo covering the destination on the date
  bool hq_d5_macau = false;  // a recipient (or its parent) is headquartered in D:5 or Macau
  std::string hq_d5_fact;   // which one, e.g. end_user "X"'s ultimate parent is headquartered in CN
  bool hq_unknown = false;  // a recipient's headquarters or its ultimate parent's is not stated
  const Party* hq_unknown_party = nullptr;  // the first such recipient
  bool hq_all_tier1 = false;         // every recipient is headquartered in a Supp. 5(a) destination
  bool no_recipient = false;         // no ultimate consignee or end user stated
  // A purchaser or intermediate consignee headquartered (or with its parent) in D:5 or Macau, or an
  // intermediate consignee located there: whether the item is "for" it, or enters D:5 on its way,
  // is not established by the recipients alone (the first such party).
  const Party* other_d5_party = nullptr;
  const Party* consignee = nullptr;  // the ultimate consignee (its ledger accounts)

  bool Dest(Group g) const { return dest_groups >> static_cast<int>(g) & 1u; }
  // Review policy under the 2023 rule (and its AI Diffusion successor): D:5/Macau destinations and
  // D:5/Macau-headquartered entities get a presumption of denial, the rest approval.
  ReviewPolicy BasePolicy() const {
    return (dest_d5_macau || hq_d5_macau) ? ReviewPolicy::kPresumptionOfDenial
                                          : ReviewPolicy::kPresumptionOfApproval;
  }
  // Which headquarters is missing, for the text (built only when the decision is shown).
  std::string HqUnknownFact() const;
};

// One item under one candidate class, as the item steps see it.
struct ItemContext {
  size_t index = 0;
  int idx = 0;  // index as findings carry it
  const TransactionItem& tx_item;
  const ItemSpec& spec;
  const std::string& label;
  const Classification& c;
  Eccn eccn;
  bool exporting = false;  // an export, reexport or transfer (not use in place)
  bool abroad = false;     // exporting, and not to the United States (the license steps' scope)
  bool advanced = false;   // 3A090.a/.b or 4A090.a/.b
  bool nac_aca_item =
      false;  // datacenter 3A090.a (or unknown datacenter status) is outside NAC/ACA (740.8)
  double item_tpp = 0;  // tpp × quantity (0 when unknown)

  Requirements reqs;           // the transaction's own requirements first, then the item steps'
  EffectSet effects;           // unresolved checks and prohibitions on the item
  ExceptionSet available = 0;  // exceptions whose own conditions hold (exception steps)
  // H200 rule (h200_case_by_case runs first): inside the zone with all five certifications, and
  // whether the exporter's China/Macau share is exceeded. Then the license steps' denial becomes
  // case-by-case.
  bool h200_certified = false, h200_share_exceeded = false;
  // The policy worldwide_license_a gave the item (the country allocation reads it).
  std::optional<ReviewPolicy> worldwide_policy;
  // The country allocation step counted the item against the destination's allocation (it
  // fits): a license for it draws on that allocation, and a reservation must too.
  bool draws_country_allocation = false;

  ReviewPolicy ApplyH200(ReviewPolicy p) const {
    return h200_certified && !h200_share_exceeded ? ReviewPolicy::kCaseByCase : p;
  }
};

// A fact the transaction left out, and the transaction with it given (see Decision::would_change).
struct Counterfactual {
  std::string field, value, summary;
  std::function<void(Transaction&)> give;
  // A numeric fact tried once per interval (a die area between two thresholds): neighbouring
  // intervals with the same result are said as one range.
  std::optional<std::pair<double, double>> range =
      std::nullopt;  // (low, high]; high = infinity for the last
};

// One evaluation (one posture, one candidate class per item): the state the steps read and
// write. Run (determine/engine.cc) computes the facts, runs the step table and combines.
// What the license step looks up, kept across the evaluations of one decision (its posture, the
// other posture, the Country Group answers tried, the facts tried): they weigh the same order
// against the same licenses, so each look-up, party match and ledger read is made once. Keyed by
// what it depends on; a fact tried that changes the parties or the date is another order.
struct LicenseMemo {
  struct PartyMatch {
    bool named = false, alike = false;  // PartiesNamed's answer
    size_t consignee_party = 0;
    bool written = false;  // its texts below, written only when an explained evaluation asks them
    std::string why, matched, alike_text;
  };
  struct Lookup {
    std::vector<const HeldLicense*> found;
    size_t sharing = 0;  // CandidatesAlike: how many share a word
  };
  struct Order {
    std::unordered_map<std::string, Lookup> lookups;  // by kind, ECCN and chip
    std::map<std::pair<const HeldLicense*, bool>, PartyMatch> parties;  // by license version, exact only
    std::unordered_map<std::string, Result<AllocationBalance>> balances;  // by license and measure
    // The step's answer for one item in an evaluation that is not explained, keyed by everything
    // else the step reads (the item, its class and verdict so far, the requirements and listings
    // found, earlier items' drawdowns: held_licenses.cc, VerdictKey): replayed, not weighed again.
    struct Kept {
      ItemVerdict verdict;
      std::vector<Finding> findings;  // what the step appended
      std::vector<LicenseUse> uses;   // what the step appended to license_uses
      std::optional<std::string> license;  // ItemResult::license, when the step set it
    };
    std::unordered_map<std::string, Kept> verdicts;
  };
  // `own`: the decision's transaction, which must outlive the memo.
  explicit LicenseMemo(const Transaction& own) : own_tx_(own) {}
  // The order's parties, destination, date, reference and named license.
  Order& For(const Transaction& tx);

 private:
  Order& Keyed(const Transaction& tx);
  std::unordered_map<std::string, Order> orders_;
  // Most evaluations weigh the decision's own transaction, or a fact tried that leaves its
  // parties, destination and date as they were: compared field by field, no key built.
  const Transaction& own_tx_;
  Order* own_order_ = nullptr;
};

// The transaction's facts as one evaluation computed them, for another evaluation of the same
// transaction object on the same date (the other posture): they do not depend on the posture.
struct SharedFacts {
  bool ready = false;
  bool tracked = false;  // `uses` holds the memberships computing them read
  TransactionFacts facts;
  std::vector<GroupUse> uses;
  // The items' classes under the thresholds of one evaluation (the postures share them except for
  // whether 3A090.c and 4E091 exist on the date).
  bool classes_ready = false;
  bool hbm_active = false, weights_active = false;
  std::vector<Classification> classes;
  // The GP10 presumption of an item that is not a system, per class weighed: it depends on the
  // item, its class, the date and the memberships read (kept with their answers, and read again
  // by the other evaluation so that it records them), not on the posture (gp10.cc).
  struct Gp10Kept {
    size_t item = 0;
    Eccn eccn{};
    jurisdiction::Gp10Presumption presumption;
    std::vector<std::tuple<std::string, uint32_t, uint32_t>> reads;  // code, groups read, answer
  };
  std::vector<Gp10Kept> gp10;
  bool keep_gp10 = false;  // another evaluation will read them (Engine::Determine sets it)
};

class Evaluation {
 public:
  // explain = false computes the outcome only (rule ids, no text): enough for the alternate
  // posture.
  Evaluation(const Dataset& data, const CompiledRules& rules, const Transaction& tx,
             Posture posture, const DetermineOptions& opt, bool explain = true)
      : data(data),
        rules(rules),
        tx(tx),
        posture(posture),
        opt(opt),
        date(tx.as_of),
        explain(explain) {}

  void Run(Decision& out);
  // Records the memberships read into *uses; answers the flipped ones the other way.
  void TrackGroups(std::vector<GroupUse>* uses, const std::vector<GroupFlip>* flips) {
    uses_ = uses;
    flips_ = flips;
  }
  // Takes the transaction's facts from *shared when set there, else sets them there.
  void ShareFacts(SharedFacts* shared) { shared_facts_ = shared; }
  // What this evaluation may share with the other posture's (null when answers are flipped).
  SharedFacts* shared_facts() const { return flips_ ? nullptr : shared_facts_; }
  // Collects the facts left out that could change the outcome, for the caller to try.
  void ProposeCounterfactuals(std::vector<Counterfactual>* out) { counterfactuals_ = out; }
  // Where a step adds the facts it found left out (null when they are not being tried).
  std::vector<Counterfactual>* counterfactuals() const { return counterfactuals_; }

  // --- What the steps use. ---
  // The code whose memberships apply (Dataset::EffectiveCode) and its Country Groups on the date
  // (Dataset::GroupMask), kept per thread for one compilation of the data and one date.
  struct CountryAnswer {
    std::string_view effective;
    uint32_t groups = 0;
  };
  CountryAnswer CountryOn(std::string_view code) const;
  bool IsMacau(std::string_view code) const { return CountryOn(code).effective == "MO"; }
  // Every Country Group read goes through here: `read` names the groups the caller looks at.
  uint32_t Groups(std::string_view code, uint32_t read) const {
    const CountryAnswer country = CountryOn(code);
    const std::string_view eff = country.effective;
    uint32_t mask = country.groups;
    if (flips_) {
      for (const auto& f : *flips_) {
        if (f.country == eff) mask ^= f.groups;
      }
    }
    if (uses_) {
      auto it = std::find_if(uses_->begin(), uses_->end(),
                             [&](const GroupUse& u) { return u.country == eff; });
      if (it == uses_->end())
        uses_->push_back({std::string(eff), read});
      else
        it->groups |= read;
    }
    return mask & read;
  }
  bool D5OrMacau(std::string_view code) const {
    return !code.empty() && (IsMacau(code) || Groups(code, GroupBit(Group::D5)) != 0);
  }
  bool Tier1(std::string_view code) const {
    const int key = Dataset::Alpha2Key(CountryOn(code).effective);
    return key >= 0 && rules.tier1_set[key];
  }
  // The step's rule when it binds on this date under this posture (resolved once in Run).
  const RuleDef* Active(StepId step) const { return plan_.active[static_cast<size_t>(step)]; }
  // Text is built only when the decision will be shown (not for the alternate posture's outcome).
  template <typename Text>
  std::string Render(Text&& text) const {
    if constexpr (std::is_invocable_v<Text>) {
      return explain ? std::string(text()) : std::string();
    } else {
      return std::string(text);
    }
  }
  template <typename Text>
  Finding& Add(const RuleDef* r, Effect effect, Text&& summary, int item = -1) {
    // Context and rules weighed that did not bind change no outcome: an evaluation that computes
    // the outcome only (explain = false) does not keep them.
    if (!explain && (effect == Effect::kInfo || effect == Effect::kNoLicenseRequired)) {
      discarded_ = Finding{};
      return discarded_;
    }
    Finding f;
    f.rule = r->id;
    f.citation = r->citation;
    f.summary = Render(std::forward<Text>(summary));
    f.effect = effect;
    f.item = item;
    f.verified = r->verified;
    findings.push_back(std::move(f));
    if (!r->verified) unverified_rules.push_back(r->id);
    return findings.back();
  }
  void Step(StepStatus st) {
    if (explain) steps.push_back(st);
  }
  template <typename Text>
  void Warn(Text&& text) {
    if (!explain) return;
    std::string w = Render(std::forward<Text>(text));
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end())
      warnings.push_back(std::move(w));
  }
  template <typename Text>
  void Oblige(Text&& text) {
    if (!explain) return;
    std::string o = Render(std::forward<Text>(text));
    if (std::find(obligations.begin(), obligations.end(), o) == obligations.end())
      obligations.push_back(std::move(o));
  }
  // "Country Groups D:1, D:5" of the destination, and each recipient's headquarters, for reasons.
  std::string DestinationGroups(const TransactionFacts& facts) const;
  std::string RecipientHeadquarters() const;

  const Dataset& data;
  const CompiledRules& rules;
  const Transaction& tx;
  const Posture posture;
  const DetermineOptions& opt;
  const Date date;
  const bool explain;

  std::vector<Finding> findings;
  std::vector<std::string> warnings, obligations;
  std::vector<std::string_view> unverified_rules;
  std::vector<StepStatus> steps;
  std::vector<PartyScreening> screened_parties;
  EffectSet tx_effects;             // transaction-level effects (prohibitions, unresolved checks)
  bool exceptions_barred = false;   // Entity List / Unverified List / Affiliates Rule
  // Parties on the Unverified List (15 CFR 744.15), as the decision names them with the
  // listing's citation: a red flag no license the company holds is shown to have weighed.
  std::vector<std::string> unverified_listings;
  Requirements party_requirements;  // embargo, Entity List, MEU: apply to every item
  double lpp_tpp = 0;               // TPP of LPP-eligible items in this transaction
  std::optional<double>
      lpp_remaining;  // from the ledger: what LPP still allows this consignee this year
  // TPP that earlier items of this transaction draw on the country allocation / on each
  // product's H200 China share, so that several items cannot each fit what only one fits.
  double country_drawn = 0;
  std::map<std::string, double, std::less<>> h200_drawn;
  // The items' classes (Run sets them before the transaction steps).
  const std::vector<Classification>* classes = nullptr;
  // Per party: on the Entity List with footnote 1 / 4, from screening and stated listings (734.9(e)).
  std::vector<std::array<jurisdiction::Answer, 2>> party_footnotes;
  // Per party: footnote 1 / 4 of a listed owner that covers it under the Affiliates Rule in force
  // (the footnote follows the owner); unknown when the owner's share is. Empty: no owner counted.
  std::vector<std::array<jurisdiction::Answer, 2>> owner_footnotes;
  // Licenses the company holds that items drew on so far (HeldLicenseStep), in item order.
  std::vector<LicenseUse> license_uses;
  // Shared by the evaluations of one decision (Engine::Determine); nullptr: nothing kept.
  LicenseMemo* license_memo = nullptr;
  LicenseMemo::Order* license_order = nullptr;  // license_memo->For(tx), once
  // Per item with origin facts: whether the EAR reaches it (the jurisdiction step).
  std::vector<std::optional<jurisdiction::Determination>> jurisdictions;
  // Per item with origin facts: the Entity List foreign direct product rule (734.9(e)) is among
  // the routes that make it subject (the jurisdiction step; read by entity_list_footnote_end_use).
  std::vector<bool> subject_by_entity_fdp;
  // Country agreements in force for the destination on the date (DetermineOptions::overlays),
  // and those that changed something (agreements.cc).
  AgreementEffect agreements;
  std::vector<const Agreement*> agreements_applied;
  // Quotas of those agreements the items rely on (one each: a quota covers the transaction).
  std::vector<QuotaDraw> quota_draws;

 // The transaction's facts (Run computes them once; Engine::LicenseArea reads the destination's).
  TransactionFacts ComputeFacts();

 private:
  void Propose(const TransactionFacts& facts, const std::vector<Classification>& classes,
               const Thresholds& t);
  void Explain(const TransactionFacts& facts, Decision& out);
  void DestinationNotes();
  // Runs the item steps for one class; returns the item's verdict and appends findings.
  ItemVerdict EvaluateItem(const TransactionFacts& facts, size_t i, const Classification& c,
                           Eccn eccn);

  // What runs on this date under this posture (resolved once per thread and date in Run): each
  // step's binding rule, and the table indexes of the steps to call at each stage, in order.
  struct Plan {
    std::array<const RuleDef*, kNumSteps> active{};
    std::array<uint8_t, kNumSteps> prepare{}, transaction{}, item{}, exception{};
    uint8_t n_prepare = 0, n_transaction = 0, n_item = 0, n_exception = 0;
  };
  static Plan MakePlan(const CompiledRules& rules, Date date, Posture posture);
  Plan plan_;
  std::vector<GroupUse>* uses_ = nullptr;
  const std::vector<GroupFlip>* flips_ = nullptr;
  Finding discarded_;  // what Add returns for a finding the outcome-only evaluation does not keep
  std::vector<Counterfactual>* counterfactuals_ = nullptr;
  SharedFacts* shared_facts_ = nullptr;
};

}  // namespace exportctl::steps

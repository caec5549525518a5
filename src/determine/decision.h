// The decision: an outcome an officer can defend, with every reason cited.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classify/classify.h"
#include "determine/transaction.h"
#include "jurisdiction/jurisdiction.h"

namespace exportctl {

enum class Outcome {
  kNoLicenseRequired,
  kLicenseException,
  kLicenseRequired,
  kProhibited,
  kNeedsReview,
  // The EAR does not reach the item (foreign-made, outside every route of 15 CFR 734.3(a)): not
  // "no license required" under the EAR, but outside it; re-checked per shipment.
  kNotSubjectToEar,
  // Authorized under a license the company holds (15 CFR 750.7): every license requirement of
  // the items is met by a license covering them (ECCN or chip, destination, parties, date,
  // enough remaining); named in `licenses`.
  kLicensed,
};
const char* OutcomeName(Outcome o);

enum class ReviewPolicy { kNone, kPresumptionOfApproval, kCaseByCase, kPresumptionOfDenial };
const char* ReviewPolicyName(ReviewPolicy p);  // "" for kNone

// What one rule concluded. Effects combine in one place (Combine, in combine.h).
enum class Effect {
  kInfo,               // context, no effect on the outcome
  kNoLicenseRequired,
  kLicenseException,   // an exception overcomes the item's license requirements
  kLicenseRequired,
  kProhibited,
  kUnresolved,         // a fact is missing or a check was not possible: fail closed
  kNotSubject,         // the item is not subject to the EAR (15 CFR 734.3)
  kLicensed,           // a license the company holds authorizes the item (15 CFR 750.7)
};
const char* EffectName(Effect e);

// rule, citation and policy_wording view strings owned by the Dataset, which outlives decisions.
struct Finding {
  std::string_view rule;      // rule id from the regime data, e.g. "acs.license_area"
  std::string_view citation;  // e.g. "15 CFR 742.6(a)(6)(iii)"
  std::string summary;        // one line an officer can read aloud, with the facts used
  Effect effect = Effect::kInfo;
  ReviewPolicy review_policy = ReviewPolicy::kNone;
  std::string_view policy_wording;  // the rule's own words, e.g. "policy of denial"
  std::string_view license_exception;
  int item = -1;           // index into the transaction's items; -1 = whole transaction
  bool verified = true;    // false when the rule rests on secondary or incomplete sources
};

struct ItemResult {
  std::string label;
  Classification classification;
  int64_t quantity = 0;
  double total_tpp = 0;  // tpp × quantity (0 when unknown)
  Outcome outcome = Outcome::kNoLicenseRequired;
  std::string license_exception;
  ReviewPolicy review_policy = ReviewPolicy::kNone;
  // Licensed against the destination's country allocation (15 CFR 742.6(b)(10)(iii)(B)): what
  // `check --reserve` reserves on the country account. Set by the allocation step alone, so a
  // reservation never draws on an allocation the decision did not count it against.
  bool draws_country_allocation = false;
  // Whether the EAR reaches the item, from its "origin" facts; absent when none were given (the
  // item is then taken as US-origin and subject: an assumption the decision states).
  std::optional<jurisdiction::Determination> jurisdiction;
  // Without origin facts: the citation of that assumption (the data's "jurisdiction.assumed").
  std::string_view jurisdiction_assumed;
  // The license that authorizes the item (outcome LICENSED), or that covers part of it; "".
  std::string license;
};

// What a license the company holds is drawn down by for this decision, per limit it has
// (units, TPP, USD): the ledger account license:<number>:<measure>, the amount, the license
// version's limit and what remains after it. `check --reserve` reserves exactly these.
struct LicenseDrawdown {
  std::string measure;  // "units", "tpp", "usd"
  double amount = 0;
  double limit = 0;
  double remaining_after = 0;
};
struct LicenseUse {
  std::string number;
  int64_t version = 0;
  std::string expires;              // YYYY-MM-DD
  std::vector<int> items;           // indexes of the items it authorizes
  bool partial = false;             // covers only part of what the items need: nothing drawn
  std::vector<LicenseDrawdown> drawdowns;
  // The date a later version revokes the license from (YYYY-MM-DD), "" when none does: an order
  // dated before it is weighed against the version then in force, but a reservation made on or
  // after it draws nothing (not in the decision's JSON).
  std::string revoked_from;
};

// What a decision takes from a country agreement's quota (data/agreements.h): reserved on
// quota:<quota>:<measure> with the decision, so that the next order sees what is left.
struct QuotaDraw {
  std::string quota;    // AgreementQuotaName
  std::string measure;  // "units" or "tpp"
  double amount = 0;
  double limit = 0;
};

// Status of a pipeline step that may be plugged in later (screening, allocation).
struct StepStatus {
  std::string_view step;    // "classification", "screening", "allocation", "red_flags"
  std::string_view status;  // "performed", "not_performed", "partial", "unresolved"
  std::string_view detail;  // static text
};

// A Country Group membership the decision relied on, and whether a source covers its date.
struct MembershipUse {
  std::string country;
  std::string_view group;     // "D:5"
  bool member = false;
  bool verified = true;       // a source attests it on the decision's date
  bool decisive = false;      // unverified, and the other answer would change the outcome
  std::string_view citation;  // the source, or why there is none (owned by the Dataset)
};

// What screening did for one party: screened against the imported lists (Decision::list_versions)
// or not, with the listings stated on the transaction and those screening found.
struct PartyScreening {
  std::string role;
  std::string name;
  std::string_view status;  // "screened", "not_screened" (no lists imported), "failed"
  size_t stated_listings = 0;
  size_t listings_found = 0;
};

// A fact the transaction did not give that would change the outcome: what it would take.
struct WouldChange {
  std::string field;    // path in the transaction, e.g. "items[0].die_area_mm2", "h200_certifications"
  std::string value;    // the value as JSON text, e.g. "true", "612", "\"SG\""
  Outcome outcome = Outcome::kNeedsReview;
  std::string license_exception;
  ReviewPolicy review_policy = ReviewPolicy::kNone;
  std::string summary;  // the fact in words and what it opens
};

struct AlternateOutcome {
  Posture posture = Posture::kCodified;
  Outcome outcome = Outcome::kNoLicenseRequired;
  std::string license_exception;
  ReviewPolicy review_policy = ReviewPolicy::kNone;
  std::vector<std::string> rules;  // the rules that made the difference
};

// A country agreement (overlay) the decision weighed: in force for its destination on its date.
struct OverlayUse {
  std::string id, title, status, dates;  // status: codified, announced, hypothetical
  bool applied = false;                   // it changed a requirement or the allocation
};

// A party as the transaction named it: repeated in the decision so a filed decision stands alone.
struct DecisionParty {
  PartyRole role = PartyRole::kUltimateConsignee;
  std::string name;
  std::string country;  // "" when not given
};

struct Decision {
  std::string decision_id;
  std::string reference;
  Date as_of;
  Activity activity = Activity::kExport;
  std::string destination;  // resolved ISO code
  std::vector<DecisionParty> parties;
  Posture posture = Posture::kEnforced;
  Outcome outcome = Outcome::kNeedsReview;
  std::string license_exception;
  ReviewPolicy review_policy = ReviewPolicy::kNone;
  std::string policy_wording;  // the words behind review_policy ("policy of denial"), from its reasons
  std::vector<std::string_view> regimes;  // ids of regimes in force (under this posture) on as_of
  std::string_view data_version;
  std::vector<ItemResult> items;
  std::vector<Finding> reasons;       // in the order the rules ran
  std::vector<std::string> obligations;
  std::vector<std::string> warnings;
  std::vector<StepStatus> steps;
  std::vector<MembershipUse> country_groups;  // memberships used, with their provenance
  std::optional<AlternateOutcome> alternate;
  std::vector<WouldChange> would_change;     // facts not given that would change the outcome
  // Every fact whose absence left an item's jurisdiction undetermined (items[].jurisdiction.missing,
  // gathered): complete even when would_change stops at its limit.
  std::vector<std::string> missing_facts;
  std::vector<LicenseUse> licenses;          // licenses the company holds that authorize items
  std::vector<QuotaDraw> quota_draws;        // country agreements' quotas the decision relies on
  std::vector<std::string> ledger_postings;  // reservations made with the decision, if any
  std::vector<std::string> list_versions;    // screening lists used, if any
  std::vector<PartyScreening> screened_parties;
  std::vector<OverlayUse> overlays;          // country agreements weighed (DetermineOptions::overlays)
};

}  // namespace exportctl

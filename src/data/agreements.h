// Country agreements as dated overlays on the regime: what a government-to-government deal (or an
// announced framework, or a user's hypothesis) changes for one country between two dates. Data,
// never code per country: `data/agreements/*.json` bundled, plus user files.
//
//   auto bundled = LoadAgreementDir("data/agreements", dataset);     // every file validated
//   auto mine = LoadAgreementFile("my-deal.json", dataset);
//   AgreementEffect e = AgreementEffectOn(overlays, "AE", date);   // the one function
//
// A file is one overlay:
//   {"id", "title", "country", "effective", "expiry" (null: no stated end), "status":
//    "codified"|"announced"|"hypothetical", "sources": [text], "notes"?: text,
//    "changes": [{"kind", "citation", "source"?, …}]}
// Change kinds:
//   allocation_uplift  "fraction" (0 < f ≤ 1): the country allocation raised by f (742.6(b)(10)(iii)(C))
//   quota              "parties", "units" or "tpp", "rules": within the quota, the named rules'
//                      license requirements for those parties are under presumption of approval
//   review_policy      "policy", "rules", "parties"? (none: every recipient): the named rules'
//                      requirements get that review policy
//   veu                "parties", "rules": the parties are validated end users: the named rules'
//                      requirements are under presumption of approval and their items do not
//                      draw on the country allocation
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/status.h"

namespace exportctl {

class Dataset;

enum class AgreementStatus { kCodified, kAnnounced, kHypothetical };
const char* AgreementStatusName(AgreementStatus s);  // "codified", "announced", "hypothetical"

enum class AgreementChangeKind { kAllocationUplift, kQuota, kReviewPolicy, kVeu };
const char* AgreementChangeKindName(AgreementChangeKind k);

// Review policies an overlay may set (the engine's ReviewPolicy, spelled as the data spells it).
enum class AgreementPolicy { kPresumptionOfApproval, kCaseByCase, kPresumptionOfDenial };

struct AgreementChange {
  AgreementChangeKind kind = AgreementChangeKind::kAllocationUplift;
  std::string citation;  // the rule the change rests on
  std::string source;    // where it was reported ("" when none given)
  double fraction = 0;   // allocation_uplift
  std::vector<std::string> parties;   // names or party ids, matched written alike (PartyKey)
  std::optional<int64_t> units;       // quota
  std::optional<double> tpp;          // quota
  AgreementPolicy policy = AgreementPolicy::kPresumptionOfApproval;  // review_policy
  std::vector<std::string> rules;     // rule ids whose license requirements it changes
  std::string field;                  // "<file>.changes[N]", what messages about it name
  size_t index = 0;                   // N: its place in the overlay's changes
};

struct Agreement {
  std::string id, title, country;  // country: ISO code as the dataset resolves it
  Date effective;
  std::optional<Date> expiry;      // inclusive; none = no stated end
  AgreementStatus status = AgreementStatus::kHypothetical;
  std::vector<std::string> sources;
  std::string notes;
  std::vector<AgreementChange> changes;
  std::string file;  // where it was read from
  std::string json;  // the overlay as read (compact JSON): what an audit record keeps to replay it
  bool InForce(Date d) const { return d >= effective && (!expiry || d <= *expiry); }
  std::string Dates() const;  // "2025-05-15 … 2027-12-31" or "from 2025-05-15"
};

// One overlay file. Errors (kInvalid) name the file and field ("deal.json.changes[0].fraction").
// The country must resolve, rule ids must be rules of the dataset, an uplift may not exceed the
// data's government_assurance_uplift_fraction.
Result<Agreement> LoadAgreementFile(const std::string& path, const Dataset& data);
// One overlay from its JSON text, validated as a file is; `name` is what errors name (and the
// overlay's `file`): a request field ("overlays[0]") or a recorded decision's.
Result<Agreement> ParseAgreement(std::string_view text, const std::string& name, const Dataset& data);
// Every *.json in a directory (sorted by name), ids unique. A missing directory is no overlays.
Result<std::vector<Agreement>> LoadAgreementDir(const std::string& dir, const Dataset& data);

// The name a quota's use is kept under in the ledger: "<overlay id>/<change index>" (account
// quota:<name>:units|tpp), so that what one order took is not there for the next.
std::string AgreementQuotaName(const Agreement& a, const AgreementChange& change);

// How a party is matched to an overlay's "parties": letters and digits only, lower case
// ("G42 Cloud, Ltd." → "g42cloudltd").
std::string AgreementPartyKey(std::string_view name);

// What the overlays in force change for one destination on one date: the one place that decides
// it. Overlays for other countries or outside their dates change nothing (and are not "used").
struct AgreementEffect {
  double allocation_uplift = 0;  // the largest in force (the rule allows up to 100 % in all)
  const Agreement* uplift_by = nullptr;
  const AgreementChange* uplift_change = nullptr;
  struct PartyChange {
    const Agreement* agreement;
    const AgreementChange* change;
  };
  std::vector<PartyChange> party_changes;  // quota, review_policy, veu, in overlay order
  std::vector<const Agreement*> used;      // every overlay in force for the destination
  bool empty() const { return used.empty(); }
};
AgreementEffect AgreementEffectOn(std::span<const Agreement* const> overlays, std::string_view country, Date d);

}  // namespace exportctl

// A transaction as a compliance officer describes it: what, to whom, where, when, for what use.
// ParseTransaction validates JSON into this struct; every error names the field path.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classify/classify.h"
#include "core/date.h"
#include "core/posture.h"
#include "core/status.h"
#include "jurisdiction/origin.h"

namespace exportctl {

enum class Activity { kExport, kReexport, kTransfer, kUse };
const char* ActivityName(Activity a);

enum class PartyRole { kPurchaser, kIntermediateConsignee, kUltimateConsignee, kEndUser, kExporter };
const char* PartyRoleName(PartyRole r);

// A restricted-list listing already known for a party (from screening, or stated by the caller).
// The first five have an EAR/OFAC effect in data/regimes/restricted-lists.json; the State and
// Treasury lists after them (and a list we cannot name) send the decision to an officer.
enum class RestrictedList {
  kEntityList, kDeniedPersons, kUnverified, kMilitaryEndUser, kSdn,
  kNonproliferationSanctions,  // ISN (State)
  kItarDebarred,               // DTC (State)
  kSectoralSanctions,          // SSI (OFAC)
  kChineseMilitaryCompanies,   // Non-SDN CMIC (OFAC)
  kMenuBasedSanctions,         // NS-MBS (OFAC)
  kPalestinianLegislativeCouncil,  // PLC (OFAC)
  kCapta,                      // CAPTA (OFAC)
  kForeignSanctionsEvaders,    // FSE (OFAC)
  kOtherList,                  // a list record whose source we could not identify
};
const char* RestrictedListName(RestrictedList l);  // "entity_list", "itar_debarred", …
std::optional<RestrictedList> RestrictedListFromName(std::string_view name);
// An OFAC program code as compared: upper case, without the brackets the SDN list writes around
// it ("[SDGT]") and with runs of spaces as one ("russia-eo14024 " is RUSSIA-EO14024).
std::string ProgramCode(std::string_view code);
// A listing's OFAC programs against those whose listings carry over (`carrying`) and those known
// not to (`others`), both spelt as ProgramCode spells them: whether one carries, and the codes in
// neither list (as written), which may be either.
struct ProgramReach {
  bool carries = false;
  std::vector<std::string> unknown;
};
ProgramReach ReachOfPrograms(const std::vector<std::string>& programs, const std::vector<std::string>& carrying,
                             const std::vector<std::string>& others);

struct Listing {
  RestrictedList list = RestrictedList::kEntityList;
  int footnote = 0;           // Entity List footnote (1 = Huawei FDP, 4 = advanced computing FDP)
  std::string entry;          // the list record's name, as listed
  std::string citation;       // e.g. Federal Register citation of the listing
  std::string record_id;      // list record id, when from our screening
  double score = 1.0;         // 1.0 = certain; below the certain threshold = possible match
  // The entry's own terms, as listed (Entity List: "For all items subject to the EAR…",
  // "Presumption of denial."); empty when not known.
  std::string license_requirement;
  std::string license_policy;
  // OFAC program codes of an SDN listing ("RUSSIA-EO14024"): which decide whether 15 CFR 744.8
  // reaches it. Empty when not known.
  std::vector<std::string> programs;
};

// One owner of a party, as the caller states it ("owners"): its share, where it is, what it is
// listed on, and its own owners in turn (the Affiliates Rule looks up the chain).
struct Owner {
  std::string name;
  // Other names an ownership graph knows it by: each is screened like the name.
  std::vector<std::string> aliases;
  std::optional<double> percent;  // 0–100; absent = unknown
  // Upper bound when the share is known only as a range ("25-50%" in an ownership graph).
  std::optional<double> percent_max;
  std::string country;            // resolved ISO code ("" when not given)
  std::string headquarters;       // resolved ISO code of its headquarters ("" when not given)
  // The party is a joint venture and this owner is a partner in it (the Affiliates Rule's
  // temporary general license reads it); absent = not known.
  std::optional<bool> joint_venture_partner;
  std::string source;             // where an ownership graph has it from ("" when stated)
  std::vector<Listing> listings;  // stated, as for a party
  std::vector<Owner> owners;
};

struct Party {
  PartyRole role = PartyRole::kUltimateConsignee;
  std::string name;
  std::string party_id;       // the exporter's stable id for the party ("" when not given)
  std::string country;        // resolved ISO code ("" when not given)
  std::string headquarters;   // resolved ISO code of the headquarters ("" when not given)
  std::string ultimate_parent_headquarters;  // resolved ISO code ("" when not given)
  // Listings the caller already knows of ("restricted_lists"). They add to what screening finds;
  // an empty list is not a screening result.
  std::vector<Listing> listings;
  // Its owners as stated ("owners"); empty = not stated, which is not "no owners".
  std::vector<Owner> owners;
  // Never parsed: set only when the engine tries what a clean screening would change (would_change).
  bool screening_assumed_clear = false;
};

struct EndUse {
  std::string ai_model_training_for_headquarters;   // ISO code, "" = none stated
  std::string ai_model_inference_for_headquarters;  // ISO code, "" = none stated
  bool technical_evaluation = false;  // GP10 safe harbour: acquisition solely for evaluation/testing
  bool military_intelligence = false;
  bool weapons_of_mass_destruction = false;
  bool supercomputer = false;
  // Jurisdiction facts (absent = unknown, never "no"): knowledge of a supercomputer end use in
  // the PRC or Macau (15 CFR 734.9(i)); the item is for items produced, purchased or ordered by an
  // Entity List footnote 1 or 4 entity (734.9(e)); where items incorporating it are bound (734.9(h)).
  std::optional<bool> supercomputer_prc_macau;
  std::optional<bool> for_footnote_1_4_entity;
  std::optional<std::vector<std::string>> incorporated_into_items_for;
};

// License Exception HBM (15 CFR 740.25) facts the exporter attests to.
struct HbmFacts {
  std::string exporter_headquarters;   // ISO code
  bool direct_to_copackager = false;   // purchased directly by the co-package designer, shipped to the packaging site
};

// Exporter certifications of the 2026 H200 rule (91 FR 1684).
struct H200Certifications {
  bool sufficient_us_supply = false;
  bool no_foundry_diversion = false;
  bool china_volume_within_half_of_us = false;
  bool know_your_customer_and_remote_access = false;
  bool third_party_testing_in_us = false;
  bool all() const {
    return sufficient_us_supply && no_foundry_diversion && china_volume_within_half_of_us &&
           know_your_customer_and_remote_access && third_party_testing_in_us;
  }
};

struct TransactionItem {
  ItemSpec spec;            // what the item is (catalog chip, explicit specs, system, HBM, weights)
  int64_t quantity = 1;
  std::string label;        // how the caller named it, for messages
  // Where it was made and what US content and technology it has ("origin"): absent = not stated,
  // and the item is then taken as US-origin (subject to the EAR).
  std::optional<jurisdiction::Origin> origin;
  // The item's value in US dollars ("value_usd"): what a license's value limit counts; absent =
  // not stated (a license with a value limit then cannot be shown to cover it).
  std::optional<double> value_usd;
};

struct Transaction {
  std::string reference;
  // The license the exporter ships under ("license": "D1234567"); "" = let check find one.
  std::string license;
  Date as_of;
  std::optional<Posture> posture;      // absent = the caller's default (enforced)
  Activity activity = Activity::kExport;
  std::string destination;             // resolved ISO code (regions like "UA-43" allowed)
  std::string destination_input;       // as written by the caller
  std::vector<TransactionItem> items;
  std::vector<Party> parties;
  EndUse end_use;
  std::optional<HbmFacts> hbm;
  std::optional<H200Certifications> h200_certifications;
  std::vector<std::string> red_flags;  // diversion red flags the exporter has observed
  bool aia_certification_obtained = false;  // AIA one-time ultimate-consignee certification on file
  bool model_weights_secure_storage = false;  // storage meets Supp. 10 to Part 748 ¶¶14, 15, 18
  // Paths of fields the format does not define ("destinaton", "items[0].qty"): a typo or a newer
  // client's field. The decision warns about each; in strict mode they are an input error.
  std::vector<std::string> unknown_fields;
};

class Dataset;

// Bounds on one transaction, for the CLI and the server alike: past them the input is refused
// (the field is named), so one request cannot cost seconds of work and megabytes of audit
// record, nor add thousands of remembered parties. A larger order is split into several
// transactions (or a batch).
inline constexpr size_t kMaxItemsPerTransaction = 1000;
inline constexpr size_t kMaxPartiesPerTransaction = 100;
inline constexpr size_t kMaxComponentsPerSystem = 100;  // distinct entries; each has a count
inline constexpr size_t kMaxOwnershipDepth = 8;         // levels of "owners" inside "owners"
inline constexpr size_t kMaxOwnersPerTransaction = 500;  // owners stated across all parties

// Parses and validates a transaction. Country names and aliases resolve through the dataset;
// catalog chips are looked up there too. Never returns a partial transaction.
// default_as_of applies when the transaction has no "as_of" (the edge passes today's date);
// without it a missing as_of is an error. strict (or "strict": true in the transaction) makes a
// field the format does not define an input error naming it; otherwise it is listed in
// unknown_fields.
Result<Transaction> ParseTransaction(std::string_view json, const Dataset& data,
                                     std::optional<Date> default_as_of = std::nullopt, bool strict = false);

}  // namespace exportctl

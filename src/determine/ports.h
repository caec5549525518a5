// What the engine asks of the world outside the regulatory data: restricted-party screening and
// allocation accounting. The screen/ and ledger/ modules implement these; the engine holds only
// the interfaces, so neither depends on the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/status.h"
#include "determine/transaction.h"

namespace exportctl {

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
  // False while a server waits for its first lists: a check then says screening was not
  // performed, exactly as without a screener, until an import brings lists.
  virtual bool Ready() const { return true; }
};

// What screening finds for an owner under every name it goes by (a listing may be under an other
// name an ownership graph knows), in the order of the names. A name whose screening fails is in
// `failures` (name, why); the other names are still screened. The Affiliates Rule step and the
// coverage of graph entities (`ownership show`) both read owners through it.
struct NamesScreened {
  std::vector<Listing> listings;
  std::vector<std::pair<std::string, std::string>> failures;
};
NamesScreened ScreenNames(const PartyScreener& screener, PartyRole role, const std::string& name,
                          const std::vector<std::string>& aliases, const std::string& country, Date as_of);

// An ownership graph plugs in here: the owners it knows for a party, up the chain, on a date.
// They join the owners the transaction states in the Affiliates Rule step.
struct GraphOwners {
  std::string entity;         // the graph entity the party was matched to; "" = not in the graph
  std::string match;          // how it was matched (identifier, name score, country)
  std::vector<Owner> owners;  // its owners as of the date, each with its source and own owners
  std::vector<std::string> doubts;  // what the graph could not say (warnings)
  // Parts of the chain the walk did not follow (too deep or too many owners): an owner there
  // could cover the party, so they keep it from being cleared.
  std::vector<std::string> unweighed;
  // Owners the transaction states that the graph also knows, as the graph has them (source,
  // share, own owners), by the index of the stated owner in party.owners: when the two accounts
  // disagree on coverage, an officer decides.
  std::vector<std::pair<size_t, Owner>> also_stated;
  // Graph entities the party may be (a name match below the certain threshold), with their
  // owners: a candidate that is or may be covered keeps the party from being cleared.
  struct Candidate {
    std::string name;
    std::string entity;  // "\"Name\" (id)"
    std::string match;   // the matcher's explanation and score
    std::vector<Owner> owners;
    std::vector<std::string> unweighed;
  };
  std::vector<Candidate> candidates;
};
class OwnershipGraphView {
 public:
  virtual ~OwnershipGraphView() = default;
  virtual Result<GraphOwners> OwnersOf(const Party& party, Date as_of) const = 0;
  virtual std::string Version() const = 0;
};

// Allocation accounting plugs in here (the ledger). Amounts in TPP.
struct AllocationQuery {
  // kLicense: a license the company holds, one limit of it (`license`, `measure`).
  // kAgreementQuota: what a country agreement's quota has given out (`quota`, `measure`).
  enum class Account { kCountryAllocation, kLppConsignee, kAiaCertification, kH200ChinaShare, kLicense, kAgreementQuota };
  Account account = Account::kCountryAllocation;
  std::string country;     // destination
  std::string consignee;     // ultimate consignee name
  std::string consignee_id;  // its stable party_id, when stated (keys its accounts instead of the name)
  std::string exporter;      // exporter name (H200 rule)
  std::string product;       // product (H200 rule)
  std::string license;       // license number (kLicense)
  std::string measure;       // "units", "tpp" or "usd" (kLicense); "units" or "tpp" (kAgreementQuota)
  std::string quota;         // AgreementQuotaName: "<overlay id>/<change index>" (kAgreementQuota)
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

// Licenses the company holds plug in here (license/): the latest version of each, as the engine
// weighs them against an item's license requirement (15 CFR 750.7). What a license still
// allows is read from the ledger (AllocationQuery::Account::kLicense).
struct HeldLicense {
  struct Line {
    std::string eccn;                 // "3A090.a", or a whole entry "3A090"; "" when only a chip
    std::string chip;                 // catalog chip name; "" when only an ECCN
    std::optional<int64_t> quantity;  // units; nullopt = no unit limit on this line
    // Explicit specs (a line of its ECCN within these figures, per unit): the most an item may
    // have of each; nullopt = the line does not state it. An item whose figure is not known does
    // not fit a stated one.
    std::optional<double> tpp, performance_density, memory_bandwidth_gbps, interconnect_bandwidth_gbps;
    bool has_specs() const { return tpp || performance_density || memory_bandwidth_gbps || interconnect_bandwidth_gbps; }
  };
  struct Party {
    std::string role, name, country;
    std::string id;        // the license file's stable id for the party, "" when it gives none
    std::string customer;  // who the party is for a per-customer cap (LicenseCustomerMeasure): the
                           // same in every version that names it, whatever its place on the license
  };
  std::string number;
  std::string holder;  // the company the license was granted to
  int64_t version = 0;
  bool revoked = false;
  std::string revocation_reason;
  Date issued, expires;  // valid issued..expires inclusive
  std::vector<std::string> destinations;
  std::vector<Line> lines;
  std::optional<double> tpp_limit, value_usd_limit;
  std::vector<Party> parties;
  std::vector<std::string> conditions;  // as written on the license
  // The day this version takes effect (version 1: its issuing date; an amendment or revocation:
  // its own date, else the day it was recorded), and the version before it (nullptr: version 1).
  Date effective;
  const HeldLicense* previous = nullptr;
  // The version in force on `d`: the latest that took effect on or before it; nullptr when `d` is
  // before the license took effect (it authorizes nothing yet). Called on the latest version.
  const HeldLicense* InForceOn(Date d) const {
    const HeldLicense* v = this;
    while (v && d < v->effective) v = v->previous;
    return v;
  }
  // Version `n` of this license (called on the latest), nullptr when there is none.
  const HeldLicense* Version(int64_t n) const {
    const HeldLicense* v = this;
    while (v && v->version != n) v = v->previous;
    return v;
  }
  // The units the license allows: the lines' quantities added up (nullopt when no line has one).
  std::optional<double> units_limit() const {
    std::optional<double> total;
    for (const auto& l : lines) {
      if (l.quantity) total = total.value_or(0) + static_cast<double>(*l.quantity);
    }
    return total;
  }
};
class LicenseView {
 public:
  virtual ~LicenseView() = default;
  // Every license (revoked and expired ones too, so they can be named) that lists `destination`
  // and has a line for the ECCN or the catalog chip in any of its versions; in number order, each
  // as its latest version (HeldLicense::InForceOn gives the one an order is weighed against).
  // Appended to `out`.
  virtual void Candidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                          std::vector<const HeldLicense*>& out) const = 0;
  // How many licenses Candidates would give (returned), how many of them are not in `skip`
  // (*unskipped) and the first of those in number order (*first, nullptr when none), without
  // listing them (a decision explains the other licenses of its item and destination by count).
  virtual size_t CountCandidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                                 const std::vector<const HeldLicense*>& skip, size_t* unskipped,
                                 const HeldLicense** first) const = 0;
  // Among those, the ones naming `party` word for word (SameName): a check reads these instead
  // of every license of the item and destination.
  virtual void CandidatesNaming(std::string_view destination, std::string_view eccn, std::string_view chip,
                                std::string_view party, std::vector<const HeldLicense*>& out) const = 0;
  // The ones naming a party that shares an identifying word with `party` (the only ones the
  // matcher can find alike), at most `max`, those sharing the most words first. Returns how many
  // share a word. A license named only alike is never authorized, so the cap changes what the
  // decision explains (and NEEDS_REVIEW against LICENSE_REQUIRED), never clears an order.
  virtual size_t CandidatesAlike(std::string_view destination, std::string_view eccn, std::string_view chip,
                                 std::string_view party, size_t max, std::vector<const HeldLicense*>& out) const = 0;
  // The license of that number (its latest version), nullptr when the company holds none.
  virtual const HeldLicense* Find(std::string_view number) const = 0;
  // How alike a license's party name and a transaction party's name are, by the screening
  // matcher (0..1; kCertainNameMatch and above is the same party).
  virtual double CompareNames(std::string_view licensed, std::string_view stated) const = 0;
  // Whether the two are the same name: the same words in the same order once folded (case,
  // accents, punctuation). A license names its parties exactly; a name the matcher only finds
  // alike ("Example Computer LLC" for "Example Compute LLC") is for an officer to confirm.
  virtual bool SameName(std::string_view licensed, std::string_view stated) const = 0;
};
// A license line's own unit account: "line1" for items[0] (the line's quantity is its limit).
inline std::string LicenseLineMeasure(size_t line_index) { return "line" + std::to_string(line_index + 1); }
// A per-customer cap's account for one customer (the license party the ultimate consignee is
// matched to; the cap is its limit), keyed by who the party is, not by its place on the license,
// so an amendment that reorders or adds parties keeps each customer's drawdowns:
// "customer=id=G42-AE" when the license gives the party an id, else "customer=example compute"
// (its name folded as ledger consignee identities are: case, accents, punctuation, legal forms).
inline std::string LicenseCustomerMeasure(std::string_view customer) { return "customer=" + std::string(customer); }
inline constexpr double kCertainNameMatch = 0.97;  // screening's certain threshold

}  // namespace exportctl

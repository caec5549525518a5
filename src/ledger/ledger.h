// The allocation ledger: TPP accounts derived from the regulatory data (AI Diffusion country
// allocations, License Exception LPP per consignee per calendar year, the AIA certification
// counter, NVEU quarterly caps, UVEU geographic shares, the H200 China/US ratio), and an
// append-only log of postings against them: reserve (hold), commit (shipped), release
// (cancelled) and adjust (officer correction). Two backends share these semantics: an embedded
// SQLite file (WAL, synchronous=FULL) and PostgreSQL (several servers, one ledger).
//
//   auto rules = AllocationRules::Load("data/");                   // caps come from the data
//   auto ledger = Ledger::Open({.location = "exportctl-data/ledger.sqlite"}, *rules);
//   auto r = (*ledger)->Reserve({.account = AccountKey::Country("AE"), .tpp = 1e6,
//                                .as_of = today, .idempotency_key = "req-42",
//                                .decision_id = decision.id});
//   if (r.ok() && r->status == ReserveStatus::kReserved) { ... r->posting.id ... }
//
// Thread-safety: a Ledger is safe to share between threads; any number of processes may open
// the same SQLite file or PostgreSQL database. Every mutating call is one transaction: it either
// writes exactly one posting or nothing. Errors are values (Status/Result) naming the field.
#pragma once
#include <unordered_map>
#include <mutex>
#include <chrono>

#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <set>
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/date.h"
#include "core/status.h"
#include "determine/ports.h"

namespace exportctl::ledger {

// What an account counts. The cap of each kind is read from the regime data files.
enum class AccountKind {
  kCountryAllocation,  // per destination country, 2025–2027 cumulative (742.6(b)(10)(iii)(B))
  kLppConsignee,       // per ultimate consignee, per calendar year (740.29)
  kAiaCertification,   // per consignee, cumulative; a trigger, not a cap (740.27)
  kNveu,               // per company × country, cumulative cap stepping by quarter (748.15)
  kUveuCountry,        // per UVEU company × country; geographic shares of the company total
  kH200China,          // per exporter × product: China/Macau shipments, capped by the US base
  kH200Us,             // per exporter × product: US shipments (the base; no cap)
  kLicense,            // per license × measure (units, TPP or USD): what a license the company
                       // holds still allows (15 CFR 750.7); the limit comes with each reservation
  kAgreementQuota,     // per country agreement's quota × measure (units or TPP): what an overlay's
                       // quota for named parties still allows; its limit comes with each reservation
};
const char* AccountKindName(AccountKind kind);  // "country", "lpp", "aia", "nveu", ...

// An account's identity. Text form (used in the CLI and stored in the log):
//   country:AE  lpp:<consignee>  aia:<consignee>  nveu:<company>:<country>
//   uveu:<company>:<country>  h200-cn:<exporter>:<product>  h200-us:<exporter>:<product>
//   license:<number>:units|tpp|usd  quota:<overlay id>/<change index>:units|tpp
// Names may not contain ':'; country codes are upper-case ISO 3166 codes.
struct AccountKey {
  AccountKind kind = AccountKind::kCountryAllocation;
  std::string country;
  std::string party;    // consignee (lpp, aia), company (nveu, uveu), exporter (h200), license number
  std::string product;  // h200: the product; license: the measure

  static AccountKey Country(std::string country);
  static AccountKey Lpp(std::string consignee);
  static AccountKey Aia(std::string consignee);
  static AccountKey Nveu(std::string company, std::string country);
  static AccountKey Uveu(std::string company, std::string country);
  static AccountKey H200China(std::string exporter, std::string product);
  static AccountKey H200Us(std::string exporter, std::string product);
  // A license's limit of one measure: "units", "tpp" or "usd" (amounts are in that measure).
  static AccountKey License(std::string number, std::string measure);
  // A country agreement's quota (data/agreements.h, AgreementQuotaName): "units" or "tpp".
  static AccountKey Quota(std::string quota, std::string measure);
  // License and quota accounts: the cap is the limit each reservation states.
  bool CarriesLimit() const { return kind == AccountKind::kLicense || kind == AccountKind::kAgreementQuota; }

  static Result<AccountKey> Parse(const std::string& text);  // field "account" on error
  std::string ToString() const;
  Status Validate() const;  // field "account.*" on error
  bool operator==(const AccountKey&) const = default;
};

// The identity an ultimate consignee's LPP and AIA accounts are kept under, so that its yearly
// LPP allowance (15 CFR 740.29) is one however its name is spelt:
//   "id=<party_id>" when the transaction gives the party a stable party_id;
//   else the name folded as screening folds it (screen/normalize.h: case, accents, scripts,
//   punctuation), runs of single letters joined ("J.S.C." → "jsc"), legal forms and stop words
//   left out: "Saigon Cloud JSC", "SAIGON CLOUD J.S.C." and "Saigon Cloud Co., Ltd." are all
//   "saigon cloud". Merging two spellings can only lower what fits (fail closed).
// Error on field "party_id" (control characters, ':', over 100 characters) or "name" (no letter
// or digit).
Result<std::string> ConsigneeIdentity(std::string_view name, std::string_view party_id);
// Whether an lpp:/aia: account's party is already an identity (ConsigneeIdentity's own output).
bool IsConsigneeIdentity(std::string_view party);

// Caps and periods, derived from data/regimes/*.json. Immutable; share freely.
class AllocationRules {
 public:
  struct Options {
    // Countries that gave government-to-government assurances: their country allocation is
    // raised by government_assurance_uplift_fraction (742.6(b)(10)(iii)(C)). Not in the data.
    std::set<std::string> government_assurance_countries;
    // The uplift (0..1) of a country's allocation on a date, from country agreements
    // (data/agreements.h); empty: none. Raises the cap like an assurance, by this fraction.
    std::function<double(const std::string& country, Date as_of)> country_allocation_uplift;
  };
  // Reads ai-diffusion-2025.json, h200-2026.json and acs-2023.json under <data_dir>/regimes.
  static Result<AllocationRules> Load(const std::string& regulatory_data_dir, Options options);
  static Result<AllocationRules> Load(const std::string& regulatory_data_dir) {
    return Load(regulatory_data_dir, Options());
  }

  // The period a posting dated `as_of` counts in ("2025-2027", "2026", "cumulative"); an error
  // (field "as_of") when the account has no period containing the date (e.g. country allocation
  // after 2027).
  Result<std::string> Period(const AccountKey& account, Date as_of) const;
  // The cap in milli-TPP for a period as of a date, or nullopt when the account is uncapped
  // (h200-us). 0 where the data defines no cap on that date (fail closed).
  std::optional<int64_t> CapMilli(const AccountKey& account, Date as_of) const;
  bool IsTrigger(AccountKind kind) const { return kind == AccountKind::kAiaCertification; }
  // The same rules with other options (a simulation's policy set with its own agreements).
  AllocationRules WithOptions(Options options) const {
    AllocationRules r = *this;
    r.options_ = std::move(options);
    return r;
  }

  double h100_equivalent_tpp() const { return h100_tpp_; }
  double h200_china_to_us_ratio() const { return h200_ratio_; }
  const std::string& Citation(AccountKind kind) const;
  // UVEU geographic shares (748 Supp. 10 ¶6).
  double uveu_max_single_tier2() const { return uveu_max_tier2_; }
  double uveu_min_tier1() const { return uveu_min_tier1_; }
  double uveu_min_us_when_us_headquartered() const { return uveu_min_us_; }
  bool IsTier1(const std::string& country) const { return tier1_.count(country) > 0; }

 private:
  AllocationRules() = default;
  int64_t country_cap_milli_ = 0;
  double uplift_fraction_ = 0;
  Date country_from_, country_to_;  // inclusive
  int64_t lpp_cap_milli_ = 0;
  int64_t aia_trigger_milli_ = 0;
  struct QuarterCap {
    int year;
    int quarter;
    int64_t cap_milli;
  };
  std::vector<QuarterCap> nveu_caps_;
  double uveu_max_tier2_ = 0, uveu_min_tier1_ = 0, uveu_min_us_ = 0;
  std::set<std::string> tier1_;
  double h200_ratio_ = 0;
  double h100_tpp_ = 0;
  std::vector<std::string> citations_;  // indexed by AccountKind
  Options options_;
};

enum class PostingKind { kReserve, kCommit, kRelease, kAdjust };
const char* PostingKindName(PostingKind kind);  // "reserve", "commit", "release", "adjust"

// One immutable row of the log. Amounts are stored exactly, in thousandths of a TPP.
struct Posting {
  int64_t id = 0;  // assigned by the store, increasing
  PostingKind kind = PostingKind::kReserve;
  std::string account;         // AccountKey text
  std::string period;          // see AllocationRules::Period
  int64_t amount_milli = 0;    // reserve/commit/release: > 0; adjust: signed (+ uses more)
  Date as_of;                  // the date the posting takes effect
  int64_t reservation_id = 0;  // commit/release: the reservation settled; else 0
  std::string decision_id;
  std::string transaction_ref;
  std::string idempotency_key;  // empty when none was given
  std::string reason;           // adjust (required), release (optional)
  std::string recorded_at;      // UTC timestamp written by the store
  double tpp() const { return static_cast<double>(amount_milli) / 1000.0; }
};

// State of an account in one period, as of a date. "used" in the engine's sense is
// reserved + committed (AllocationView); here the two are kept apart.
struct Balance {
  std::string account;
  std::string period;
  std::optional<double> cap_tpp;  // nullopt: uncapped counter
  double reserved_tpp = 0;        // held, not yet shipped
  double used_tpp = 0;            // committed + adjustments
  double remaining_tpp() const { return cap_tpp ? *cap_tpp - reserved_tpp - used_tpp : 0; }
  double h100_equivalent_tpp = 0;  // TPP of one H100, from the data (acs-2023.json)
  double ToH100(double tpp) const { return tpp / h100_equivalent_tpp; }
};

struct ReserveRequest {
  AccountKey account;
  double tpp = 0;               // > 0; on a license account, the amount in its measure
  Date as_of;                   // the decision date; decides the period and the cap
  std::string idempotency_key;  // required: retrying the same request returns the same result
  std::string decision_id;
  std::string transaction_ref;
  // UVEU only: where the company is headquartered ("US" tightens the US share).
  std::string company_headquarters;
  // License and quota accounts only (required there): the license's limit of the account's
  // measure, as the license version in force states it (a quota: as its overlay states it). The ledger never lets reserved + used pass it; the
  // limit is part of the request's content (a retry with another limit is a conflict).
  std::optional<double> limit;
};

enum class ReserveStatus {
  kReserved,      // a reserve posting was written (or had been, for a retried idempotency key)
  kInsufficient,  // the request does not fit; nothing written; fits_tpp says what would
};

struct Reservation {
  ReserveStatus status = ReserveStatus::kInsufficient;
  Posting posting;                 // kReserved: the reserve posting
  bool replayed = false;           // an earlier request with this key: posting is the original,
                                   // the fields below describe the account now
  std::optional<double> cap_tpp;   // cap in force for the period (nullopt: uncapped)
  double before_tpp = 0;           // reserved + used in the period before this request
  double fits_tpp = 0;             // how much would still fit (before this request)
  bool certification_due = false;  // AIA: cumulative TPP reaches the certification trigger
};

// The outcome of Ledger::ReserveAll: either every request was reserved (all_reserved, each item
// kReserved with its posting) or nothing was written (each item kInsufficient; an item whose
// request exceeds its fits_tpp is one that did not fit).
struct BatchReservation {
  bool all_reserved = false;
  std::vector<Reservation> items;  // in the order of the requests
};

// Commit or release a reservation.
struct SettleRequest {
  int64_t reservation_id = 0;
  Date as_of;
  std::string idempotency_key;  // optional; when given, a retry returns the same posting
  std::string reason;           // optional
};

// An officer's correction: adds (or, negative, removes) used TPP, with a reason.
struct AdjustRequest {
  AccountKey account;
  double tpp = 0;  // non-zero, signed
  Date as_of;
  std::string reason;           // required
  std::string idempotency_key;  // optional
  std::string decision_id;
  std::string transaction_ref;
};

// A ledger kept in memory only, gone with the process: what-if runs (exportctl simulate).
inline constexpr const char* kMemoryLocation = "memory:";

struct LedgerOptions {
  // A file path (SQLite, created if missing, parent directory too), a
  // postgresql:// / postgres:// connection string, or kMemoryLocation.
  std::string location;
  // SQLite: how long a writer waits for the file lock before failing with kUnavailable.
  int busy_timeout_ms = 30000;
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Opens (and creates or migrates the schema of) the ledger at options.location.
  static Result<std::unique_ptr<Ledger>> Open(const LedgerOptions& options,
                                              const AllocationRules& rules);
  // The default embedded location: <data_dir>/ledger.sqlite.
  static std::string DefaultLocation(const std::string& data_dir);

  // Checks the cap and writes the reservation in one transaction: two concurrent requests can
  // never both take the last of an allocation. kInsufficient is a value, not an error; errors
  // are invalid input (field named), kConflict (idempotency key reused with different content)
  // and kUnavailable (store).
  virtual Result<Reservation> Reserve(const ReserveRequest& request) = 0;
  // Several reservations (e.g. one decision drawing on two accounts) in one transaction, all or
  // nothing. Each request needs its own idempotency key; a retried batch replays. Errors name
  // the request: "requests[1].tpp".
  virtual Result<BatchReservation> ReserveAll(const std::vector<ReserveRequest>& requests) = 0;
  // Marks a reservation shipped (commit) or cancelled (release). Errors: kNotFound (no such
  // reservation), kConflict (already committed or released).
  virtual Result<Posting> Commit(const SettleRequest& request) = 0;
  virtual Result<Posting> Release(const SettleRequest& request) = 0;
  virtual Result<Posting> Adjust(const AdjustRequest& request) = 0;

  // Balance of one account in the period containing as_of, counting postings dated <= as_of.
  virtual Result<Balance> GetBalance(const AccountKey& account, Date as_of) = 0;
  // Balances of every account with postings, each in the period containing as_of.
  virtual Result<std::vector<Balance>> Balances(Date as_of) = 0;
  // Postings of one account (all periods), oldest first; all postings when account is empty.
  virtual Result<std::vector<Posting>> History(const std::string& account) = 0;
  virtual Result<Posting> GetPosting(int64_t id) = 0;
  // Postings made for one transaction reference (its reservations and their settlements), oldest
  // first; none for an empty reference.
  virtual Result<std::vector<Posting>> TransactionPostings(const std::string& transaction_ref) = 0;
  // The posting written under an idempotency key, if any (latest committed state).
  virtual Result<std::optional<Posting>> FindByIdempotencyKey(const std::string& key) = 0;

  // Ledgers written before consignee identities keep LPP/AIA accounts under the name as spelt
  // (lpp:Saigon Cloud JSC). Until such an account is carried over to its identity account, the
  // identity account cannot be read by a decision or reserved on (an error naming both), so no
  // spelling escapes the cap. Returns {legacy account, identity account} pairs not yet carried over.
  virtual Result<std::vector<std::pair<std::string, std::string>>> UnmigratedConsigneeAccounts() = 0;
  // Carries each legacy consignee account over: per period, one adjust posting on the identity
  // account of what the legacy account holds (reserved + used), dated at its last posting,
  // reason "carried over from …", idempotency key "consignee-migration:<account>:<period>".
  // The legacy account and its postings stay (its reservations can still be committed or
  // released there; a release does not give the carried-over room back: an officer adjusts).
  virtual Result<std::vector<Posting>> MigrateConsigneeAccounts() = 0;

  virtual const AllocationRules& rules() const = 0;
  virtual std::string backend() const = 0;  // "sqlite" or "postgresql"
};

// Whether a reservation held under the transaction's reference (AllocationQuery::reference) was
// made for this very request: the same transaction, as the check's front end knows it (check/:
// the reserving decision's audit record holds the same request). Only such a reservation is left
// out of the balance a check weighs; any other is counted, and the balance's note names it (an
// amended order under the reference of a reserved one must not fit where reserving it would not).
using SameRequest = std::function<bool(const Posting& reservation)>;

// The determination engine's read-only view of the ledger (determine/engine.h). Maps the
// engine's queries to accounts (consignees by ConsigneeIdentity); "used" is reserved + committed,
// less the reservation the transaction itself already holds under its reference when
// `same_request` says it was made for this very request (OwnReservations); the balance's note
// names every unreleased reservation of the reference, left out or counted. Errors (bad query,
// store down) are returned as errors, which the engine treats as "unresolved" (fail closed).
class LedgerAllocationView : public AllocationView {
 public:
  // own_key (reserving, reservation/reservation.h): leave out only what was reserved under this
  // idempotency key (a retry), not other reservations of the same reference.
  // same_request (not reserving): which reservations of the reference are this request's own;
  // nullptr: none is, every one is counted.
  explicit LedgerAllocationView(Ledger& ledger, std::string own_key = "", SameRequest same_request = nullptr)
      : ledger_(ledger), own_key_(std::move(own_key)), same_request_(std::move(same_request)) {}
  Result<AllocationBalance> Balance(const AllocationQuery& query) const override;
  static Result<AccountKey> AccountFor(const AllocationQuery& query);

 private:
  Ledger& ledger_;
  std::string own_key_;
  SameRequest same_request_;
};

// A batch's view of the ledger (`check --batch` and POST /v1/check/batch, never when reserving: a
// reservation is checked against the ledger itself, all or nothing). Each account is read once
// (per decision date, for an account whose balance depends on it) and kept for `max_age`: its
// totals and its reserve and release postings, from which the reservations an order already holds
// under its reference are left out as LedgerAllocationView does, without a query per order. What
// a batch line answers is then the ledger as it was at most `max_age` before, as if the line had
// been decided then. Thread-safe.
class BatchAllocationView : public AllocationView {
 public:
  static constexpr std::chrono::milliseconds kMaxAge{250};
  explicit BatchAllocationView(Ledger& ledger, std::chrono::milliseconds max_age = kMaxAge)
      : ledger_(ledger), direct_(ledger), max_age_(max_age) {}
  // Counts every reservation of the query's reference (no request is known to be its own).
  Result<AllocationBalance> Balance(const AllocationQuery& query) const override;
  // Leaves out those `same_request` says the line's request made (a batch line's own view).
  Result<AllocationBalance> Balance(const AllocationQuery& query, const SameRequest& same_request) const;

 private:
  struct Snapshot {
    std::chrono::steady_clock::time_point read;
    ledger::Balance balance;  // the account's totals (the type, not the member function)
    std::vector<Posting> settlements;  // reserve and release postings on the account
  };
  Ledger& ledger_;
  LedgerAllocationView direct_;
  std::chrono::milliseconds max_age_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const Snapshot>> accounts_;
};

// An error naming the legacy account when `key` is a consignee identity account that a legacy
// spelling account has not been carried over to (Ledger::UnmigratedConsigneeAccounts).
Status CheckConsigneeAccountMigrated(Ledger& ledger, const AccountKey& key);

// The reservations a transaction already holds on `account` and has not released: those made
// for its reference (transaction_ref), and the one written under idempotency key
// "<key>/<account>" (ReserveForDecision's key) when key is given.
Result<std::vector<Posting>> OwnReservations(Ledger& ledger, const AccountKey& account, const std::string& reference,
                                             const std::string& key);

// CSV export of the whole log (header + one row per posting), RFC 4180 quoting.
std::string PostingsToCsv(const std::vector<Posting>& postings);

// What shipments hold on a license on `as_of` (reserved + used on license:<number>:units, :tpp,
// :usd), in that order: for "under 10 % left" (licenses list --attention, GET /v1/licenses).
Result<std::array<double, 3>> HeldOnLicense(Ledger& ledger, const std::string& number, Date as_of);

}  // namespace exportctl::ledger

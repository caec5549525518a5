// Licenses the company holds (15 CFR 750.7): the license file (JSON), its validation, and the
// versioned store. A license is never overwritten: an amendment or a revocation is a new version
// of the same number, and the store keeps every version (append-only).
//
//   auto lic = license::ParseLicense(file_bytes, dataset);          // field named on error
//   license::LicenseStore store(data_dir);
//   auto v = store.Add(*lic, "cli:alice");                        // version 1
//   auto all = store.List();                                      // the latest version of each
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/status.h"
#include "determine/ports.h"

namespace exportctl {
class Dataset;
}

namespace exportctl::license {

// One line of the license: an ECCN (any item of it counts), a catalog chip, or both; or an ECCN
// with explicit specs (items of it within the figures given).
struct LicenseItem {
  std::string eccn;                 // "3A090.a", or a whole entry "3A090"; "" when only a chip is named
  std::string chip;                 // the catalog chip's name ("B300 SXM"), "" when only an ECCN
  std::optional<int64_t> quantity;  // units; nullopt = no unit limit on this line
  // Explicit specs, per unit (the transaction item's field names): the most an item may have of
  // each to be covered by the line; nullopt = not stated. Only with an eccn, never with a chip.
  std::optional<double> tpp, performance_density, memory_bandwidth_gbps, interconnect_bandwidth_gbps;
};

struct LicenseParty {
  std::string role;     // ultimate_consignee, end_user, intermediate_consignee, purchaser
  std::string name;
  std::string country;  // ISO code, resolved from the file's code, name or alias
  std::string id;       // the exporter's stable id for the party ("" when not given): keys its
                        // per-customer account instead of its name, through renames
};

// Who a license party is for a per-customer cap (HeldLicense::Party::customer): "id=<id>" when
// the file gives one, else its name as ledger consignee identities fold it.
std::string CustomerIdentity(const LicenseParty& p);

enum class LicenseStatus { kActive, kRevoked };
const char* LicenseStatusName(LicenseStatus s);  // "active", "revoked"

struct License {
  std::string number;  // "D1234567"
  std::string holder;
  Date issued, expires;  // valid on issued..expires inclusive
  std::vector<std::string> destinations;  // ISO codes
  std::vector<LicenseItem> items;
  std::optional<double> tpp_limit;        // nullopt = no TPP limit
  std::optional<double> value_usd_limit;  // nullopt = no value limit
  std::vector<LicenseParty> parties;
  std::vector<std::string> conditions;    // as written on the license
  // The day this version takes effect (orders dated on or after it are weighed against it, those
  // dated before against the version before). A license file names it only for an amendment
  // ("effective"); the store sets it on every version: the issuing date for version 1, else the
  // amendment's own date or, when it gives none, the day it was recorded (UTC); a revocation's
  // date, or the day it was recorded.
  std::optional<Date> effective;

  // Set by the store.
  int64_t version = 0;
  LicenseStatus status = LicenseStatus::kActive;
  std::string change;         // "added", "amended", "revoked"
  std::string reason;         // the revocation's (or amendment's) reason
  std::string recorded_at;    // UTC
  std::string actor;          // who made this version

  // The total of the items' quantities; nullopt when any line has no unit limit.
  std::optional<int64_t> quantity_limit() const;
};

// A license number as the store keeps it: letters in upper case, without '-' ("d-1234567" is
// "D1234567"), so that one license cannot be recorded twice under two spellings.
std::string CanonicalNumber(std::string_view number);

// Parses and validates a license file. Every problem is kInvalidInput naming the field
// ("items[0].eccn", "expires", "destinations[1]", "parties[0].country"): unknown fields, an
// unknown ECCN or chip, a negative quantity or limit, an expiry before the issuing date, an
// unknown country. Countries are resolved to ISO codes.
Result<License> ParseLicense(std::string_view json_text, const Dataset& data);

// The license as JSON (the file's fields plus version, status, change, reason, recorded_at, actor).
std::string LicenseToJson(const License& l);

// {"as_of", "licenses": [license + "attention": [why, …]]}: every license (attention_only: those
// with a reason for attention), the latest version of each. Shared by the CLI and the server.
// `held`, when given, answers what shipments hold on a license now (units, TPP, USD: reserved and
// used on its ledger accounts); a license with under kAttentionRemaining of a limit left is then
// reported too.
using HeldOnLicense = std::function<Result<std::array<double, 3>>(const std::string& number)>;
Result<std::string> LicenseListJson(const std::vector<License>& licenses, Date today, bool attention_only,
                                    const HeldOnLicense& held = nullptr);
// {"license": the latest version, "versions": [every version, oldest first]}.
std::string LicenseVersionsJson(const std::vector<License>& versions);

// Why a license needs attention on `today` for its expiry: "" when it does not. A license is
// reported from kAttentionDays before its expiry through its last day; expired and revoked
// licenses are not (they authorize nothing any more).
inline constexpr int kAttentionDays = 30;
std::string ExpiryAttention(const License& l, Date today);

// A license's limits as the ledger draws them: units (the items' quantities added up), TPP, USD;
// nullopt = no limit of that kind.
std::array<std::optional<double>, 3> LicenseLimits(const License& l);
// Why a license needs attention for what is left of it: "" when every limit has at least
// kAttentionRemaining of it left (active licenses only).
inline constexpr double kAttentionRemaining = 0.10;
std::string RemainingAttention(const License& l, const std::array<double, 3>& held);

// <data_dir>/licenses.sqlite: every version of every license, append-only (triggers refuse
// UPDATE and DELETE). Safe to use from several threads and processes (each call is one SQLite
// transaction).
class LicenseStore {
 public:
  explicit LicenseStore(std::string data_dir);
  const std::string& path() const { return path_; }

  // Version 1 of a new number; kConflict when the number exists.
  Result<License> Add(License l, const std::string& actor) const;
  // A new version with the file's terms (the number must match and exist, and not be revoked),
  // in force from the file's `effective` date, else from today (UTC): not before the version it
  // follows takes effect, nor after the amended expiry.
  Result<License> Amend(License l, const std::string& actor, const std::string& reason) const;
  // A new version, revoked, with the reason (required), binding orders dated on or after
  // `effective` (default: today, UTC). kConflict when already revoked.
  Result<License> Revoke(const std::string& number, const std::string& actor, const std::string& reason,
                         std::optional<Date> effective = std::nullopt) const;
  // Every version of every license, by number then version.
  Result<std::vector<License>> AllVersions() const;
  // The latest version; kNotFound when absent.
  Result<License> Get(const std::string& number) const;
  // Every version of a number, oldest first.
  Result<std::vector<License>> Versions(const std::string& number) const;
  // The latest version of every license, by number. None when the store does not exist yet.
  Result<std::vector<License>> List() const;

 private:
  std::string path_;
};

// The engine's view of the licenses (determine/ports.h): every version of each (the check weighs
// the one in force on the order's date), revoked and expired ones included (a decision names
// them), indexed by destination × ECCN entry or chip of any version. Immutable once built; share
// between threads (not copied: versions point at the one before).
class LicenseIndex final : public LicenseView {
 public:
  // `licenses`: every version to weigh (one or more per number, any order).
  explicit LicenseIndex(const std::vector<License>& licenses);
  LicenseIndex(const LicenseIndex&) = delete;
  LicenseIndex& operator=(const LicenseIndex&) = delete;
  // The store's versions; none when nothing was recorded yet.
  static Result<std::unique_ptr<LicenseIndex>> Load(const LicenseStore& store);

  void Candidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                  std::vector<const HeldLicense*>& out) const override;
  size_t CountCandidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                         const std::vector<const HeldLicense*>& skip, size_t* unskipped,
                         const HeldLicense** first) const override;
  void CandidatesNaming(std::string_view destination, std::string_view eccn, std::string_view chip, std::string_view party,
                        std::vector<const HeldLicense*>& out) const override;
  size_t CandidatesAlike(std::string_view destination, std::string_view eccn, std::string_view chip, std::string_view party,
                         size_t max, std::vector<const HeldLicense*>& out) const override;
  const HeldLicense* Find(std::string_view number) const override;
  // The screening matcher's score (screen::CompareNames).
  double CompareNames(std::string_view licensed, std::string_view stated) const override;
  bool SameName(std::string_view licensed, std::string_view stated) const override;
  size_t size() const { return latest_.size(); }  // licenses (numbers), not versions

 private:
  std::vector<HeldLicense> held_;                                   // every version, by number then version
  std::vector<uint32_t> latest_;                                    // each number's latest version in held_
  std::unordered_map<std::string, std::vector<uint32_t>> by_key_;  // "AE|3A090.a", "AE|chip:<name>"
  // The same buckets by a party's name (folded words in order) and by each identifying word.
  std::unordered_map<std::string, std::vector<uint32_t>> by_name_, by_word_;
  // The bucket keys of an item: destination × ECCN, × its whole entry, × chip.
  void Lookup(const std::unordered_map<std::string, std::vector<uint32_t>>& index, std::string_view destination,
              std::string_view eccn, std::string_view chip, const std::vector<std::string>& suffixes,
              std::vector<const HeldLicense*>& out, bool unique = true) const;
  // The same as places in held_, ascending (a license once per bucket it is in unless `unique`).
  void Places(const std::unordered_map<std::string, std::vector<uint32_t>>& index, std::string_view destination,
              std::string_view eccn, std::string_view chip, const std::vector<std::string>& suffixes,
              std::vector<uint32_t>& found, bool unique) const;
  // The buckets of an item in `index` (at most three: ECCN, its whole entry, chip).
  size_t Buckets(const std::unordered_map<std::string, std::vector<uint32_t>>& index, std::string_view destination,
                 std::string_view eccn, std::string_view chip, std::string_view suffix,
                 const std::vector<uint32_t>* out[3]) const;
  std::unordered_map<std::string, uint32_t> by_number_;
  // Each license party's identifying words (by its name's storage in held_), sorted.
  std::unordered_map<const char*, std::vector<std::string>> party_words_;
  // Each license party's folded words in order (SameName), by its name's storage in held_.
  std::unordered_map<const char*, std::string> party_key_;
};

// The licenses a check weighs, from <data_dir>/licenses.sqlite, read again when the file changes
// (a license added, amended or revoked by any process is weighed from the next check; the file is
// looked at no more than every kRecheck). nullptr when the company holds no license, or when the
// store cannot be read: then no license authorizes anything (fail closed). Thread-safe.
class LicenseSource {
 public:
  // 0: the file's size and time are looked at by every check (two stats), so a revocation binds the
  // next check; a revocation made while a check is being decided may still miss that one.
  static constexpr std::chrono::milliseconds kRecheck{0};
  explicit LicenseSource(std::string data_dir);
  std::shared_ptr<const LicenseView> Current() const;

 private:
  std::string Stamp() const;
  LicenseStore store_;
  mutable std::mutex mu_;
  mutable bool loaded_ = false;
  mutable std::chrono::steady_clock::time_point checked_;
  mutable std::string stamp_;
  mutable std::shared_ptr<const LicenseView> current_;
};

}  // namespace exportctl::license

// Restricted-party screening against the US Consolidated Screening List and the source lists it
// is built from (OFAC SDN, BIS Entity / Denied Persons / Unverified / MEU lists, …).
//
//   auto list = LoadListFile("consolidated.json");          // CSL JSON/CSV, OFAC CSV, BIS DPL
//   auto index = Screener::Build({std::move(*list)});
//   auto hits = index->Screen({.name = "Huawei Technologies", .country = "CN"});
//   for (const Hit& h : *hits) std::cout << h.record->name << " " << h.score << "\n";
//
// Matching: names are folded to ASCII words (ICU NFKC, case folding, transliteration), split into
// words, legal forms and stop words down-weighted, and compared word-by-word with Jaro-Winkler
// (one-to-one best pairs, adjacent words may be joined on either side). Candidates come from an
// index of word keys; Screen() returns exactly what ScreenBruteForce() returns. docs/screening.md
// describes the scoring function and the on-disk store.
//
// Thread-safety: a built Screener is immutable; Screen() may be called from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/status.h"
#include "core/validate.h"

namespace exportctl::screen {

// The list a record comes from (CSL "source" labels, OFAC and BIS files).
enum class ListSource {
  kEntityList,          // EL, BIS, 15 CFR 744 Supp. 4
  kDeniedPersons,       // DPL, BIS
  kUnverified,          // UVL, BIS
  kMilitaryEndUser,     // MEU, BIS
  kSdn,                 // OFAC Specially Designated Nationals
  kNonproliferation,    // ISN, State
  kItarDebarred,        // DTC, State
  kSectoral,            // SSI, OFAC
  kChineseMilitary,     // CMIC, OFAC
  kMenuBased,           // NS-MBS, OFAC
  kPalestinianCouncil,  // PLC, OFAC
  kCapta,               // CAP, OFAC
  kForeignEvaders,      // FSE, OFAC
  kOther,
};
const char* ListSourceCode(ListSource source);  // "EL", "DPL", "SDN", …
std::optional<ListSource> ListSourceFromCode(std::string_view code);

enum class PartyType { kUnknown, kIndividual, kEntity, kVessel, kAircraft };
const char* PartyTypeName(PartyType type);
std::optional<PartyType> PartyTypeFromName(std::string_view name);  // "individual", "entity", …

struct ListRecord {
  std::string record_id;  // unique within a list file: the CSL "id"/"_id", else source:number
  ListSource source = ListSource::kOther;
  PartyType type = PartyType::kUnknown;
  std::string name;                    // as listed
  std::vector<std::string> alt_names;  // as listed
  std::vector<std::string> countries;  // ISO-2 codes or country names, as listed
  std::vector<std::string> programs;
  std::string entity_number;  // source list number (OFAC ent_num), may be empty
  std::string federal_register_notice;
  std::string license_requirement;
  std::string license_policy;
  std::string source_list_url;
  std::string start_date;  // as listed, may be empty
  // The rest of what the CSL carries, as listed (empty when the file has none): shown by the
  // CSL-compatible search and weighed by the matching API (docs/screening.md, "Compatible APIs").
  struct Address {
    std::string address, city, state, postal_code, country;
  };
  struct Identifier {
    std::string type, number, country, issue_date, expiration_date;
  };
  std::vector<Address> addresses;
  std::vector<Identifier> ids;
  std::vector<std::string> dates_of_birth;  // "1978-12-05", "1955", "10 Dec 1948", as listed
  std::vector<std::string> nationalities, citizenships, places_of_birth;
  // Other single-valued CSL fields by their CSL name (title, end_date, standard_order, remarks,
  // call_sign, vessel_type, gross_tonnage, gross_registered_tonnage, vessel_flag, vessel_owner,
  // source_information_url), only those present.
  std::vector<std::pair<std::string, std::string>> other_fields;

  // Entity List footnote parsed from the license requirement ("…EAR)4" → 4; §734.9(e)(1) → 1),
  // 0 when none.
  int Footnote() const;
  // Identity of the record across list versions: source code + entity number, else name.
  std::string DiffKey() const;
  // 16-hex-digit hash of the record's content; changes when the listing changes.
  std::string ContentHash() const;
};

// What was imported: the file's identity, used in every screening result.
struct ListVersion {
  std::string list_id;    // "csl", "ofac-sdn", "ofac-cons", "bis-dpl"
  std::string format;     // "csl-json", "csl-csv", "csl-csv-legacy", "ofac-csv", "bis-dpl-txt"
  std::string file_name;  // base name of the imported file
  std::string sha256;     // of the file bytes (primary file only)
  size_t record_count = 0;
  std::string source_date;  // YYYY-MM-DD from the file's metadata or name; "" when unknown
  // "csl@2026-07-31#sha256:1a2b3c4d5e6f (25921 records)"
  std::string ToString() const;
};

// A list is stale when its source date is more than max_age_days before the day it is used (the
// CSL is republished daily); an undated list is stale too, since its currency cannot be shown.
inline constexpr int kDefaultMaxListAgeDays = 7;
struct ListAge {
  const ListVersion* version = nullptr;
  std::optional<int> age_days;  // nullopt: undated
  bool stale = false;
  std::string warning;  // "" when current; else names the list, its date and its age
};
std::vector<ListAge> ListAges(const std::vector<ListVersion>& versions, Date today, int max_age_days);
// The warnings of the stale lists among `versions`.
std::vector<std::string> StaleListWarnings(const std::vector<ListVersion>& versions, Date today,
                                           int max_age_days);

struct LoadedList {
  ListVersion version;
  std::vector<ListRecord> records;
};

// Detects the format from the content: CSL JSON (consolidated.json), CSL CSV (with or without the
// leading `_id` column), OFAC legacy CSV (sdn.csv / cons_prim.csv, with alt/add siblings when
// present beside it), BIS DPL tab-separated text.
Result<LoadedList> LoadListFile(const std::string& path);
// The same, from bytes already read (`file_name` picks siblings and the source date).
Result<LoadedList> ParseListBytes(std::string_view bytes, const std::string& file_name);

// Whether `code` is an ISO 3166-1 alpha-2 country code (ICU's list, and XK), in either case, or
// an ISO 3166-2 subdivision of one ("UA-43"): a filter by "CHN", "ZZ" or "China" would match no
// record and silently clear the party.
bool IsIsoCountryCode(std::string_view code);

inline constexpr double kDefaultThreshold = 0.84;  // a possible match ("match" in compare)
// Longest party or listed name screened, in characters: a longer one is an input error naming its
// field (no list holds a name near this long; the CSL's longest is under 400).
inline constexpr size_t kMaxNameChars = 1000;
inline constexpr double kCertainThreshold = 0.97;  // at or above: treated as a listing

struct ScreenQuery {
  std::string name;
  std::string country;              // ISO-2; records listed elsewhere are dropped
  std::optional<PartyType> type;    // records of another known type are dropped
  std::vector<ListSource> sources;  // empty = all
  double threshold = kDefaultThreshold;
  size_t limit = 10;
};

struct TokenMatch {
  std::string query_word;  // as normalized; two words joined show as "gazprom+bank"
  std::string listed_word;
  double similarity = 0;
};

struct Hit {
  const ListRecord* record = nullptr;  // points into the Screener
  uint32_t record_index = 0;
  std::string matched_name;  // the listed name or alias that scored best
  bool alias = false;
  double score = 0;
  std::vector<TokenMatch> matched;
  std::vector<std::string> unmatched_query_words;
  std::vector<std::string> unmatched_listed_words;
  // Query words that weigh less for what they are (docs/screening.md, "Scoring"): places
  // ("singapore", "hong kong"), legal forms ("pte", "ltd") and generic business words ("trading").
  std::vector<std::string> place_words, legal_form_words, generic_words;
  // What the query's text hid (NameWarnings): bidirectional controls, invisible characters,
  // look-alike letters of another script in a word.
  std::vector<std::string> query_notes;
  // The query contains the listed entity's whole name with words of its own ("Mahan Air Cargo" /
  // MAHAN AIR): scored with those words at a lower weight, never certain (docs/screening.md).
  bool contained = false;
  // "alias 'GAZPROMBANK' (SDN record 12345): gazprom+bank~gazprombank 1.00; score 0.97"
  std::string Explain() const;
};

class Screener {
 public:
  virtual ~Screener() = default;
  // Builds the index over every record of every list. Never fails; empty lists give an empty index.
  static std::unique_ptr<Screener> Build(std::vector<LoadedList> lists);

  // Top hits, best first (ties by record order), at most query.limit, each with score ≥ threshold.
  // An empty or unmatchable name, or one that is not UTF-8, is an error naming field "name". The
  // name is read as displayed (docs/screening.md, "Evasion"): bidi controls and invisible
  // characters removed, look-alike letters of another script inside a word compared as the
  // letters they imitate, letter-spaced words joined; a record's best score over these forms.
  virtual Result<std::vector<Hit>> Screen(const ScreenQuery& query) const = 0;
  // The same scorer applied to every indexed name; the reference the index is tested against.
  virtual Result<std::vector<Hit>> ScreenBruteForce(const ScreenQuery& query) const = 0;

  // The score Screen() gives `listed_name`, listed as a record of `listed_type`, for the party
  // name `party`: the same reading of the party's name and the same word weights (the rarity of
  // each word in the indexed lists; class factors only in an index over no list). For `screen
  // compare`. Errors as Screen(), naming "name" or "listed_name".
  virtual Result<double> Compare(std::string_view party, std::string_view listed_name,
                                 PartyType listed_type = PartyType::kUnknown) const = 0;

  virtual const std::vector<ListVersion>& versions() const = 0;
  virtual const std::vector<ListRecord>& records() const = 0;
  virtual size_t name_count() const = 0;
  virtual size_t memory_bytes() const = 0;  // approximate heap size of the index
};

// What a name hides from a reader, for a warning (docs/screening.md, "Evasion"): bidirectional
// controls (the name is screened as displayed), invisible characters, a word mixing scripts
// (look-alike letters: screened as the letters they imitate). Empty for an ordinary name.
std::vector<std::string> NameWarnings(std::string_view name);

// Screener::Compare over no list: the word weights of a neutral corpus (class factors only, no
// list frequencies); 0 for a name that cannot be read.
double CompareNames(std::string_view name1, std::string_view name2);

// ---- The list store in the data directory (docs/screening.md, "Store") ----

struct ListDiff {
  std::vector<const ListRecord*> added, removed;
  std::vector<std::pair<const ListRecord*, const ListRecord*>> changed;  // old, new
};
ListDiff DiffLists(const LoadedList& old_list, const LoadedList& new_list);

// <data_dir>/lists/: one copy of each imported file plus manifest.json naming the current
// version of each list_id. Importing a list_id replaces its previous version.
class ListStore {
 public:
  explicit ListStore(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  // Parses, copies into the store and records the version; returns what was imported and the
  // list it replaced (if any) so callers can diff.
  struct Imported {
    LoadedList list;
    std::optional<LoadedList> previous;
  };
  // A file with no records, or with less than half the records of the version it replaces (when
  // that had 100 or more), is refused unless allow_shrink: a truncated download would otherwise
  // replace the list and clear every party it no longer holds.
  Result<Imported> Import(const std::string& path, bool allow_shrink = false) const;
  Result<std::vector<ListVersion>> Status() const;
  Result<std::vector<LoadedList>> LoadAll() const;
  // Every imported list as a built index. Read from <data_dir>/screen/index.cache when that cache
  // was written by this same executable for exactly the imported files (manifest SHA-256s) and
  // is intact (checksum); else LoadAll + Screener::Build, and the cache is rewritten (best
  // effort). not_found (field "lists") when no list is imported.
  Result<std::unique_ptr<Screener>> OpenIndex() const;

 private:
  std::string data_dir_;
};

// An officer's decision that a party is not the listed record. The pair is not raised again while
// the record's content hash is unchanged and as_of is before `expires`.
struct Disposition {
  std::string party;  // the party name as screened
  std::string record_id;
  std::string record_hash;  // ListRecord::ContentHash() when cleared
  std::string reason;
  Date expires;
  std::string cleared_by;
  std::string cleared_on;  // YYYY-MM-DD
};

// <data_dir>/screen/dispositions.jsonl, one JSON object per line, append-only; the last line for
// a (party, record) pair wins.
class DispositionStore {
 public:
  explicit DispositionStore(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  // Refuses (CheckDisposition, with cleared_on as today) anything but a well-formed clearance.
  [[nodiscard]] Status Add(const Disposition& d, int horizon_days = kDefaultClearanceHorizonDays) const;
  Result<std::vector<Disposition>> LoadAll() const;

 private:
  std::string data_dir_;
};

// A clearance as every front end must record it (core/validate.h, one rule set with the ledger):
// party (≤ 300 characters), record id and officer (≤ 200) and a required reason (≤ 1000) are
// printable text without line breaks or bidirectional controls; it expires after `today` and
// at most `horizon_days` later. The error names the field.
Status CheckDisposition(const Disposition& d, Date today, int horizon_days);

// True when `d` clears `record` for `party` on `as_of`.
bool Clears(const Disposition& d, std::string_view party, const ListRecord& record, Date as_of);

}  // namespace exportctl::screen

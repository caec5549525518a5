// The trade.gov CSL API v1 and OpenSanctions yente matching API over our lists and matcher.
#include "screen/compat_api.h"

#include <fmt/format.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "screen/normalize.h"

namespace exportctl::screen {

using nlohmann::json;

namespace {

constexpr size_t kCslMaxSize = 100;
constexpr size_t kCslMaxOffset = 100000;
constexpr size_t kMatchMaxQueries = 100;
constexpr int64_t kMatchMaxLimit = 500;
constexpr size_t kMaxTextLength = 1000;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> SplitComma(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = s.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    start = end + 1;
  }
  return out;
}

json NullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

const char* CslTypeName(PartyType t) {
  switch (t) {
    case PartyType::kIndividual: return "Individual";
    case PartyType::kEntity: return "Entity";
    case PartyType::kVessel: return "Vessel";
    case PartyType::kAircraft: return "Aircraft";
    case PartyType::kUnknown: return nullptr;
  }
  return nullptr;
}

constexpr const char* kCslFieldOrder[] = {
    "title", "end_date", "standard_order", "call_sign", "vessel_type", "gross_tonnage",
    "gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks", "source_information_url"};

// A record as the CSL JSON carries it (absent values are null, as in consolidated.json).
json CslRecordJson(const ListRecord& r) {
  auto other = [&r](std::string_view key) -> json {
    for (const auto& [k, v] : r.other_fields) {
      if (k == key) return v;
    }
    return nullptr;
  };
  json addresses = json::array();
  for (const auto& a : r.addresses) {
    addresses.push_back({{"address", NullIfEmpty(a.address)}, {"city", NullIfEmpty(a.city)},
                         {"state", NullIfEmpty(a.state)}, {"postal_code", NullIfEmpty(a.postal_code)},
                         {"country", NullIfEmpty(a.country)}});
  }
  json ids = json::array();
  for (const auto& i : r.ids) {
    ids.push_back({{"type", NullIfEmpty(i.type)}, {"number", NullIfEmpty(i.number)},
                   {"country", NullIfEmpty(i.country)}, {"issue_date", NullIfEmpty(i.issue_date)},
                   {"expiration_date", NullIfEmpty(i.expiration_date)}});
  }
  const char* type = CslTypeName(r.type);
  json j = {{"id", r.record_id},
            {"source", CslSourceLabel(r.source)},
            {"entity_number", NullIfEmpty(r.entity_number)},
            {"type", type ? json(type) : json(nullptr)},
            {"programs", r.programs},
            {"name", r.name},
            {"addresses", addresses},
            {"federal_register_notice", NullIfEmpty(r.federal_register_notice)},
            {"start_date", NullIfEmpty(r.start_date)},
            {"license_requirement", NullIfEmpty(r.license_requirement)},
            {"license_policy", NullIfEmpty(r.license_policy)},
            {"source_list_url", NullIfEmpty(r.source_list_url)},
            {"alt_names", r.alt_names},
            {"citizenships", r.citizenships},
            {"dates_of_birth", r.dates_of_birth},
            {"nationalities", r.nationalities},
            {"places_of_birth", r.places_of_birth},
            {"ids", ids}};
  for (const char* key : kCslFieldOrder) j[key] = other(key);
  return j;
}

// Our explanation of a fuzzy hit, beside the record's fields.
json ScreeningJson(const Hit& h) {
  json words = json::array();
  for (const auto& m : h.matched) {
    words.push_back({{"query", m.query_word}, {"listed", m.listed_word},
                     {"similarity", std::round(m.similarity * 10000.0) / 10000.0}});
  }
  return {{"score", std::round(h.score * 10000.0) / 10000.0},
          {"certain", h.score >= kCertainThreshold},
          {"matched_name", h.matched_name},
          {"alias", h.alias},
          {"contained", h.contained},
          {"matched_words", words},
          {"unmatched_query_words", h.unmatched_query_words},
          {"unmatched_listed_words", h.unmatched_listed_words},
          {"explanation", h.Explain()}};
}

Status Invalid(const std::string& field, const std::string& message) {
  return Status::Invalid(field, message);
}

// ---- Countries: ISO codes and English names --------------------------------------------------

const std::unordered_map<std::string, std::string>& CountryNames() {
  static const auto* names = [] {
    auto* m = new std::unordered_map<std::string, std::string>();
    for (const char* const* c = icu::Locale::getISOCountries(); *c; ++c) {
      icu::UnicodeString display;
      icu::Locale("", *c).getDisplayCountry(icu::Locale::getEnglish(), display);
      std::string utf8;
      display.toUTF8String(utf8);
      (*m)[FoldToAscii(utf8)] = *c;
    }
    // Spellings the lists use that ICU does not.
    for (const auto& [name, code] : {std::pair{"korea north", "KP"}, {"north korea", "KP"},
                                     {"korea south", "KR"}, {"burma", "MM"}, {"russia", "RU"},
                                     {"syria", "SY"}, {"iran", "IR"}, {"west bank", "PS"},
                                     {"gaza", "PS"}, {"palestinian", "PS"}, {"turkey", "TR"},
                                     {"czech republic", "CZ"}, {"congo democratic republic of the", "CD"},
                                     // ISO 3166 / UN formal names, as clients and lists write them.
                                     {"russian federation", "RU"}, {"iran islamic republic of", "IR"},
                                     {"korea republic of", "KR"}, {"republic of korea", "KR"},
                                     {"korea democratic people s republic of", "KP"},
                                     {"democratic people s republic of korea", "KP"}, {"viet nam", "VN"},
                                     {"syrian arab republic", "SY"}, {"lao people s democratic republic", "LA"},
                                     {"venezuela bolivarian republic of", "VE"}, {"bolivia plurinational state of", "BO"},
                                     {"tanzania united republic of", "TZ"}, {"moldova republic of", "MD"},
                                     {"taiwan province of china", "TW"}, {"people s republic of china", "CN"},
                                     {"united states of america", "US"}, {"great britain", "GB"},
                                     {"united states", "US"}, {"united kingdom", "GB"}}) {
      (*m)[name] = code;
    }
    return m;
  }();
  return *names;
}

// "CN", "cn", "China" → "CN"; "" when it is not a known country.
std::string CountryCode(std::string_view text) {
  if (text.size() == 2 && std::isalpha(static_cast<unsigned char>(text[0])) &&
      std::isalpha(static_cast<unsigned char>(text[1]))) {
    return Upper(text);
  }
  const auto& names = CountryNames();
  auto it = names.find(FoldToAscii(text));
  return it == names.end() ? std::string() : it->second;
}

// ---- Dates of birth ---------------------------------------------------------------------------

struct BirthDate {
  int year = 0, month = 0, day = 0;  // 0 = not given
};

// FollowTheMoney dates: YYYY, YYYY-MM or YYYY-MM-DD.
std::optional<BirthDate> ParseQueryDate(std::string_view s) {
  static const std::regex kIso(R"((\d{4})(?:-(\d{2})(?:-(\d{2}))?)?)");
  std::cmatch m;
  if (!std::regex_match(s.begin(), s.end(), m, kIso)) return std::nullopt;
  BirthDate d{std::stoi(m.str(1)), m[2].matched ? std::stoi(m.str(2)) : 0,
              m[3].matched ? std::stoi(m.str(3)) : 0};
  if (d.month > 12 || (m[2].matched && d.month == 0) || d.day > 31 || (m[3].matched && d.day == 0)) {
    return std::nullopt;
  }
  return d;
}

// Dates as lists write them: "1978-12-05", "1955", "10 Dec 1948", "Dec 1948", "circa 1960",
// "1960 to 1962" (every year of the range, year only).
std::vector<BirthDate> ParseListedDate(std::string_view s) {
  if (auto d = ParseQueryDate(s)) return {*d};
  static const std::regex kDmy(R"((?:(\d{1,2}) )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4}))",
                               std::regex::icase);
  std::cmatch m;
  const std::string text(s);
  if (std::regex_match(text.c_str(), m, kDmy)) {
    static constexpr std::string_view kMonths = "janfebmaraprmayjunjulaugsepoctnovdec";
    const int month = static_cast<int>(kMonths.find(Lower(m.str(2))) / 3) + 1;
    return {{std::stoi(m.str(3)), month, m[1].matched ? std::stoi(m.str(1)) : 0}};
  }
  static const std::regex kYear(R"(\b(1[89]\d\d|20\d\d)\b)");
  std::vector<int> years;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kYear); it != std::sregex_iterator(); ++it) {
    years.push_back(std::stoi((*it)[1].str()));
  }
  std::vector<BirthDate> out;
  if (years.size() == 2 && text.find(" to ") != std::string::npos && years[1] >= years[0] &&
      years[1] - years[0] <= 20) {
    for (int y = years[0]; y <= years[1]; ++y) out.push_back({y, 0, 0});
  } else {
    for (int y : years) out.push_back({y, 0, 0});
  }
  return out;
}

// ---- Identifiers --------------------------------------------------------------------------------

std::string IdKey(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// ---- yente ------------------------------------------------------------------------------------

// FollowTheMoney schemata a query may have, and the listed type each compares with.
std::optional<PartyType> SchemaType(std::string_view schema) {
  if (schema == "Person") return PartyType::kIndividual;
  if (schema == "Company" || schema == "Organization" || schema == "LegalEntity") return PartyType::kEntity;
  if (schema == "Vessel") return PartyType::kVessel;
  if (schema == "Airplane") return PartyType::kAircraft;
  return std::nullopt;
}

const char* SchemaOf(PartyType t) {
  switch (t) {
    case PartyType::kIndividual: return "Person";
    case PartyType::kVessel: return "Vessel";
    case PartyType::kAircraft: return "Airplane";
    default: return "LegalEntity";
  }
}

constexpr const char* kIdProperties[] = {"registrationNumber", "idNumber", "passportNumber", "taxNumber",
                                         "innCode", "ogrnCode", "leiCode", "imoNumber", "swiftBic",
                                         "vatCode", "okpoCode", "uscCode"};
constexpr const char* kCountryProperties[] = {"nationality", "country", "jurisdiction", "citizenship"};
constexpr const char* kOtherKnownProperties[] = {"name", "alias", "birthDate", "firstName", "lastName",
                                                 "address", "previousName", "weakAlias"};

// Score adjustments: evidence beside the name moves the score, and each move is a feature.
constexpr double kDobMatch = 0.05, kDobDayDisjoint = -0.05, kDobYearDisjoint = -0.15;
constexpr double kCountryMatch = 0.03, kCountryMismatch = -0.10;
constexpr double kIdentifierMatch = 0.25;

struct Dataset {
  const char* name;
  const char* title;
  bool (*holds)(ListSource);
};

bool Any(ListSource) { return true; }
bool IsSdn(ListSource s) { return s == ListSource::kSdn; }
bool IsOfacNonSdn(ListSource s) {
  return s == ListSource::kSectoral || s == ListSource::kChineseMilitary || s == ListSource::kMenuBased ||
         s == ListSource::kPalestinianCouncil || s == ListSource::kCapta || s == ListSource::kForeignEvaders;
}
bool IsDpl(ListSource s) { return s == ListSource::kDeniedPersons; }
bool IsEntityList(ListSource s) { return s == ListSource::kEntityList; }

constexpr Dataset kDatasets[] = {
    {"default", "Every imported list", Any},
    {"sanctions", "Every imported list", Any},
    {"us_trade_csl", "US Consolidated Screening List (every imported list)", Any},
    {"us_ofac_sdn", "OFAC Specially Designated Nationals", IsSdn},
    {"us_ofac_cons", "OFAC non-SDN lists (SSI, CMIC, NS-MBS, PLC, CAP, FSE)", IsOfacNonSdn},
    {"us_bis_denied", "BIS Denied Persons List", IsDpl},
    {"us_bis_entity", "BIS Entity List", IsEntityList},
};

const Dataset* FindDataset(std::string_view name) {
  for (const auto& d : kDatasets) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

std::vector<std::string> RecordDatasets(ListSource s) {
  std::vector<std::string> out;
  for (const auto& d : kDatasets) {
    if (d.holds != Any && d.holds(s)) out.push_back(d.name);
  }
  out.push_back("us_trade_csl");
  return out;
}

json FeatureDocs() {
  auto doc = [](const char* description, double coefficient) {
    return json{{"description", description}, {"coefficient", coefficient}, {"url", "docs/screening.md"}};
  };
  return {
      {"name_match", doc("exportctl name matcher score of the best query name against the record's "
                         "names and aliases (0-1)", 1.0)},
      {"dob_match", doc("a birth date of the query agrees with a listed one", kDobMatch)},
      {"dob_day_disjoint", doc("the birth years agree but no month/day does", kDobDayDisjoint)},
      {"dob_year_disjoint", doc("no birth year of the query is a listed one", kDobYearDisjoint)},
      {"country_match", doc("a nationality/country of the query is one of the record's", kCountryMatch)},
      {"country_mismatch", doc("the query's and the record's countries are both known and disjoint",
                               kCountryMismatch)},
      {"identifier_match", doc("an identifier of the query equals a listed identifier", kIdentifierMatch)},
  };
}

}  // namespace

const char* CslSourceLabel(ListSource source) {
  switch (source) {
    case ListSource::kEntityList: return "Entity List (EL) - Bureau of Industry and Security";
    case ListSource::kDeniedPersons: return "Denied Persons List (DPL) - Bureau of Industry and Security";
    case ListSource::kUnverified: return "Unverified List (UVL) - Bureau of Industry and Security";
    case ListSource::kMilitaryEndUser: return "Military End User (MEU) List - Bureau of Industry and Security";
    case ListSource::kSdn: return "Specially Designated Nationals (SDN) - Treasury Department";
    case ListSource::kNonproliferation: return "Nonproliferation Sanctions (ISN) - State Department";
    case ListSource::kItarDebarred: return "ITAR Debarred (DTC) - State Department";
    case ListSource::kSectoral: return "Sectoral Sanctions Identifications List (SSI) - Treasury Department";
    case ListSource::kChineseMilitary:
      return "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department";
    case ListSource::kMenuBased: return "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department";
    case ListSource::kPalestinianCouncil: return "Palestinian Legislative Council List (PLC) - Treasury Department";
    case ListSource::kCapta: return "Capta List (CAP) - Treasury Department";
    case ListSource::kForeignEvaders: return "Foreign Sanctions Evaders (FSE) - Treasury Department";
    case ListSource::kOther: return "Other";
  }
  return "Other";
}

const char* CslSourceAbbreviation(ListSource source) {
  return source == ListSource::kMenuBased ? "MBS" : ListSourceCode(source);
}

struct CompatApis::Impl {
  const Screener& screener;
  std::function<std::vector<std::string>()> caveats;
  std::vector<uint32_t> record_version;  // index into versions() per record

  // For exact (non-fuzzy) name search: each record's names as folded words, built on first use.
  mutable std::once_flag words_once;
  mutable std::vector<std::vector<std::vector<std::string>>> record_words;  // record → name → words

  Impl(const Screener& s, std::function<std::vector<std::string>()> c) : screener(s), caveats(std::move(c)) {
    const auto& versions = screener.versions();
    record_version.reserve(screener.records().size());
    for (uint32_t v = 0; v < versions.size(); ++v) {
      for (size_t i = 0; i < versions[v].record_count; ++i) record_version.push_back(v);
    }
    // A version count that disagrees with the records (it never should) names the last list.
    const uint32_t last = versions.empty() ? 0 : static_cast<uint32_t>(versions.size() - 1);
    record_version.resize(screener.records().size(), last);
  }

  std::string SourceDate(uint32_t record) const {
    const auto& versions = screener.versions();
    return versions.empty() ? std::string() : versions[record_version[record]].source_date;
  }

  json SourcesUsed() const {
    std::map<int, uint32_t> first_record;
    const auto& records = screener.records();
    for (uint32_t i = 0; i < records.size(); ++i) first_record.emplace(static_cast<int>(records[i].source), i);
    json out = json::array();
    for (const auto& [source, record] : first_record) {
      const auto& v = screener.versions()[record_version[record]];
      out.push_back({{"source", CslSourceLabel(static_cast<ListSource>(source))},
                     {"source_last_updated", NullIfEmpty(v.source_date)},
                     {"list_version", v.ToString()}});
    }
    return out;
  }

  json ListVersions() const {
    json out = json::array();
    for (const auto& v : screener.versions()) out.push_back(v.ToString());
    return out;
  }

  void BuildWords() const {
    std::call_once(words_once, [this] {
      const auto& records = screener.records();
      record_words.resize(records.size());
      for (size_t i = 0; i < records.size(); ++i) {
        record_words[i].push_back(Tokenize(records[i].name));
        for (const auto& a : records[i].alt_names) record_words[i].push_back(Tokenize(a));
      }
    });
  }
};

CompatApis::CompatApis(const Screener& screener, std::function<std::vector<std::string>()> caveats)
    : impl_(std::make_unique<Impl>(screener, std::move(caveats))) {}
CompatApis::~CompatApis() = default;

std::vector<std::string> CompatApis::Datasets() {
  std::vector<std::string> out;
  for (const auto& d : kDatasets) out.push_back(d.name);
  return out;
}

// ---- CSL search -------------------------------------------------------------------------------

Result<std::string> CompatApis::CslSearch(const QueryParams& params,
                                          const std::string& performed_at) const {
  static const std::set<std::string> kKnown = {
      "name", "fuzzy_name", "sources", "types", "countries", "address", "city", "state",
      "postal_code", "full_address", "size", "offset", "subscription-key", "api_key"};
  std::map<std::string, std::string> p;
  json warnings = json::array();
  for (const auto& [key, value] : params) {
    if (!kKnown.count(key)) {
      warnings.push_back(fmt::format("unknown parameter '{}' ignored", key.substr(0, 100)));
      continue;
    }
    if (!p.emplace(key, value).second) return Invalid(key, "is given more than once");
    if (Status st = CheckUtf8(value, key); !st.ok()) return st;
    if (value.size() > kMaxTextLength) {
      return Invalid(key, fmt::format("is longer than {} bytes", kMaxTextLength));
    }
  }
  auto get = [&p](const char* key) {
    auto it = p.find(key);
    return it == p.end() ? std::string() : it->second;
  };
  bool fuzzy = false;
  if (const std::string f = Lower(get("fuzzy_name")); !f.empty()) {
    if (f != "true" && f != "false") return Invalid("fuzzy_name", "must be true or false");
    fuzzy = f == "true";
  }
  auto number = [&](const char* key, size_t def, size_t max) -> Result<size_t> {
    const std::string text = get(key);
    if (text.empty()) return def;
    size_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || v > max) {
      return Invalid(key, fmt::format("must be an integer from 0 to {}", max));
    }
    return v;
  };
  auto size = number("size", 10, kCslMaxSize);
  if (!size.ok()) return size.status();
  auto offset = number("offset", 0, kCslMaxOffset);
  if (!offset.ok()) return offset.status();

  std::set<ListSource> sources;
  for (const auto& code : SplitComma(get("sources"))) {
    std::optional<ListSource> s = Upper(code) == "MBS" ? std::optional(ListSource::kMenuBased) : ListSourceFromCode(code);
    if (!s || *s == ListSource::kOther) {
      return Invalid("sources", fmt::format("unknown source '{}' (CAP, CMIC, DPL, DTC, EL, FSE, ISN, MBS, "
                                            "MEU, PLC, SDN, SSI, UVL)", code));
    }
    sources.insert(*s);
  }
  std::set<PartyType> types;
  for (const auto& t : SplitComma(get("types"))) {
    auto type = PartyTypeFromName(Lower(t));
    if (!type) return Invalid("types", fmt::format("unknown type '{}' (Individual, Entity, Vessel, Aircraft)", t));
    types.insert(*type);
  }
  std::set<std::string> countries;
  for (const auto& c : SplitComma(get("countries"))) {
    if (!IsIsoCountryCode(c)) {
      return Invalid("countries", fmt::format("'{}' is not an ISO 3166-1 alpha-2 code", c));
    }
    countries.insert(Upper(c));
  }
  // Address filters: every word of the value must be in one of the record's addresses.
  std::vector<std::pair<std::string, std::vector<std::string>>> address_filters;
  for (const char* key : {"address", "city", "state", "postal_code", "full_address"}) {
    if (std::string v = get(key); !v.empty()) {
      auto words = Tokenize(v);
      if (words.empty()) return Invalid(key, "has no letters or digits");
      address_filters.emplace_back(key, std::move(words));
    }
  }

  const Screener& screener = impl_->screener;
  const auto& records = screener.records();
  size_t kept_without_address = 0;
  auto passes = [&](const ListRecord& r) {
    if (!sources.empty() && !sources.count(r.source)) return false;
    // Fail closed, as `screen --type/--country`: a record of unknown type, or without countries
    // or with a country written as a name, is not dropped by a filter it cannot be judged by.
    if (!types.empty() && r.type != PartyType::kUnknown && !types.count(r.type)) return false;
    if (!countries.empty() && !r.countries.empty()) {
      bool all_codes = true, any = false;
      for (const auto& c : r.countries) {
        all_codes = all_codes && c.size() == 2;
        any = any || countries.count(Upper(c));
      }
      if (all_codes && !any) return false;
    }
    if (!address_filters.empty()) {
      std::vector<std::vector<std::string>> texts;
      for (const auto& a : r.addresses) {
        const std::string joined = a.address + " " + a.city + " " + a.state + " " + a.postal_code;
        if (joined.find_first_not_of(' ') != std::string::npos) texts.push_back(Tokenize(joined + " " + a.country));
      }
      if (texts.empty()) {
        ++kept_without_address;
        return true;
      }
      for (const auto& filter : address_filters) {
        const std::vector<std::string>& words = filter.second;  // a plain name: clang 14 cannot capture a binding
        const bool found = std::any_of(texts.begin(), texts.end(), [&words](const auto& t) {
          return std::all_of(words.begin(), words.end(), [&t](const std::string& w) {
            return std::find(t.begin(), t.end(), w) != t.end();
          });
        });
        if (!found) return false;
      }
    }
    return true;
  };

  struct Found {
    uint32_t record;
    std::optional<Hit> hit;
    std::string matched_name;  // exact search
  };
  std::vector<Found> found;
  const std::string name = get("name");
  if (!name.empty() && fuzzy) {
    ScreenQuery q;
    q.name = name;
    q.sources.assign(sources.begin(), sources.end());
    q.limit = records.size();
    auto hits = screener.Screen(q);
    if (!hits.ok()) return Invalid("name", hits.status().message());
    for (auto& h : *hits) {
      if (passes(*h.record)) found.push_back({h.record_index, std::move(h), ""});
    }
  } else if (!name.empty()) {
    const std::vector<std::string> words = Tokenize(name);
    if (words.empty()) return Invalid("name", "has no letters or digits");
    impl_->BuildWords();
    for (uint32_t i = 0; i < records.size(); ++i) {
      const auto& names = impl_->record_words[i];
      for (size_t n = 0; n < names.size(); ++n) {
        const bool all = std::all_of(words.begin(), words.end(), [&](const std::string& w) {
          return std::find(names[n].begin(), names[n].end(), w) != names[n].end();
        });
        if (all) {
          if (passes(records[i])) found.push_back({i, std::nullopt, n == 0 ? records[i].name : records[i].alt_names[n - 1]});
          break;
        }
      }
    }
  } else {
    for (uint32_t i = 0; i < records.size(); ++i) {
      if (passes(records[i])) found.push_back({i, std::nullopt, ""});
    }
  }

  std::map<int, size_t> by_source;
  for (const auto& f : found) ++by_source[static_cast<int>(records[f.record].source)];
  json source_counts = json::array();
  for (const auto& [s, n] : by_source) {
    source_counts.push_back({{"value", CslSourceLabel(static_cast<ListSource>(s))}, {"count", n}});
  }
  json results = json::array();
  for (size_t i = *offset; i < found.size() && i < *offset + *size; ++i) {
    const Found& f = found[i];
    json r = CslRecordJson(records[f.record]);
    if (f.hit) {
      r["screening"] = ScreeningJson(*f.hit);
    } else if (!f.matched_name.empty()) {
      r["screening"] = {{"matched_name", f.matched_name},
                        {"explanation", fmt::format("every word of '{}' is in '{}' (exact word search; "
                                                    "fuzzy_name=true screens with the matcher)",
                                                    name, f.matched_name)}};
    }
    r["list_version"] = impl_->screener.versions().empty()
                            ? json(nullptr)
                            : json(impl_->screener.versions()[impl_->record_version[f.record]].ToString());
    results.push_back(std::move(r));
  }
  if (kept_without_address > 0) {
    warnings.push_back(fmt::format("{} record(s) kept although the address filters could not be applied: "
                                   "the list gives no address for them", kept_without_address));
  }
  for (const auto& c : impl_->caveats()) warnings.push_back(c);
  json out = {{"total", found.size()},
              {"sources", source_counts},
              {"sources_used", impl_->SourcesUsed()},
              {"search_performed_at", performed_at},
              {"results", results},
              {"list_versions", impl_->ListVersions()},
              {"warnings", warnings}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string CompatApis::CslSources() const {
  std::map<int, size_t> counts;
  for (const auto& r : impl_->screener.records()) ++counts[static_cast<int>(r.source)];
  json sources = json::array();
  json used = impl_->SourcesUsed();
  for (const auto& u : used) {
    for (const auto& [s, n] : counts) {
      const auto source = static_cast<ListSource>(s);
      if (u["source"] == CslSourceLabel(source)) {
        json entry = u;
        entry["abbreviation"] = CslSourceAbbreviation(source);
        entry["count"] = n;
        sources.push_back(std::move(entry));
      }
    }
  }
  json warnings = json::array();
  for (const auto& c : impl_->caveats()) warnings.push_back(c);
  json out = {{"sources", sources}, {"sources_used", used}, {"list_versions", impl_->ListVersions()},
              {"warnings", warnings}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---- yente matching ---------------------------------------------------------------------------

Result<std::string> CompatApis::Match(std::string_view dataset_name, std::string_view body,
                                      const QueryParams& params) const {
  const Dataset* dataset = FindDataset(dataset_name);
  if (!dataset) {
    std::string known;
    for (const auto& d : kDatasets) known += (known.empty() ? "" : ", ") + std::string(d.name);
    return Status::Error(ErrorCode::kNotFound, "dataset",
                         fmt::format("no dataset '{}' (served: {})", std::string(dataset_name).substr(0, 100), known));
  }
  json warnings = json::array();
  int64_t limit = 5;
  double threshold = kDefaultThreshold, cutoff = 0.5;
  std::set<std::string> include, exclude;
  std::set<std::string> exclude_schema;
  for (const auto& param : params) {
    const auto& key = param.first;  // plain names: clang 14 cannot capture a structured binding
    const auto& value = param.second;
    if (Status st = CheckUtf8(value, key); !st.ok()) return st;
    auto real = [&](double lo, double hi) -> Result<double> {
      double v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || ptr != value.data() + value.size() || !std::isfinite(v) || v < lo || v > hi) {
        return Invalid(key, fmt::format("must be a number from {} to {}", lo, hi));
      }
      return v;
    };
    if (key == "limit") {
      auto v = real(1, kMatchMaxLimit);
      if (!v.ok() || *v != std::floor(*v)) return Invalid("limit", fmt::format("must be an integer from 1 to {}", kMatchMaxLimit));
      limit = static_cast<int64_t>(*v);
    } else if (key == "threshold" || key == "cutoff") {
      auto v = real(0, 1);
      if (!v.ok()) return v.status();
      (key == "threshold" ? threshold : cutoff) = *v;
    } else if (key == "include_dataset" || key == "exclude_dataset") {
      if (!FindDataset(value)) return Invalid(key, fmt::format("no dataset '{}'", value.substr(0, 100)));
      (key == "include_dataset" ? include : exclude).insert(value);
    } else if (key == "exclude_schema") {
      exclude_schema.insert(value);
    } else if (key == "algorithm") {
      warnings.push_back(fmt::format("algorithm '{}' is answered by the exportctl matcher", value.substr(0, 100)));
    } else if (key == "subscription-key" || key == "api_key") {
      continue;
    } else {
      warnings.push_back(fmt::format("unknown parameter '{}' ignored", key.substr(0, 100)));
    }
  }
  cutoff = std::min(cutoff, threshold);

  json request;
  try {
    request = json::parse(body);
  } catch (const json::parse_error& e) {
    // Where it broke helps a client find a truncated or hand-edited body.
    return Invalid("", fmt::format("the request body is not valid JSON (at byte {})", e.byte));
  }
  if (!request.is_object()) return Invalid("", "the request body must be a JSON object");
  if (!request.contains("queries") || !request["queries"].is_object()) {
    return Invalid("queries", "must be an object of named queries");
  }
  const json& queries = request["queries"];
  if (queries.empty()) return Invalid("queries", "no queries provided");
  if (queries.size() > kMatchMaxQueries) {
    return Invalid("queries", fmt::format("more than {} queries in one batch", kMatchMaxQueries));
  }
  for (const auto& [key, v] : request.items()) {
    if (key != "queries") warnings.push_back(fmt::format("request field '{}' ignored", key.substr(0, 100)));
  }

  const Screener& screener = impl_->screener;
  const auto& records = screener.records();
  json responses = json::object();
  for (const auto& [qname, query] : queries.items()) {
    const std::string field = "queries." + qname.substr(0, 100);
    if (!query.is_object()) return Invalid(field, "must be an object");
    if (!query.contains("schema") || !query["schema"].is_string()) return Invalid(field + ".schema", "is required");
    const std::string schema = query["schema"].get<std::string>();
    const std::optional<PartyType> type = SchemaType(schema);
    if (!type) {
      return Invalid(field + ".schema", fmt::format("unknown schema '{}' (Person, Company, Organization, "
                                                    "LegalEntity, Vessel, Airplane)", schema.substr(0, 100)));
    }
    if (!query.contains("properties") || !query["properties"].is_object()) {
      return Invalid(field + ".properties", "must be an object");
    }
    for (const auto& part : query.items()) {
      const std::string& key = part.key();
      if (key != "schema" && key != "properties" && key != "id")
        warnings.push_back(fmt::format("{}.{}: field ignored", field, key.substr(0, 100)));
    }
    // Each property is a list of strings (a single string is read as a list of one).
    std::map<std::string, std::vector<std::string>> props;
    for (const auto& property : query["properties"].items()) {
      const std::string& pname = property.key();  // plain names: clang 14 cannot capture a structured binding
      const json& pvalue = property.value();
      const std::string pfield = field + ".properties." + pname.substr(0, 100);
      std::vector<std::string> values;
      for (const json& v : pvalue.is_array() ? pvalue : json::array({pvalue})) {
        if (!v.is_string()) return Invalid(pfield, "values must be strings");
        if (v.get_ref<const std::string&>().size() > kMaxTextLength) {
          return Invalid(pfield, fmt::format("a value is longer than {} bytes", kMaxTextLength));
        }
        if (!v.get<std::string>().empty()) values.push_back(v.get<std::string>());
      }
      const bool known = std::any_of(std::begin(kIdProperties), std::end(kIdProperties), [&](const char* k) { return pname == k; }) ||
                         std::any_of(std::begin(kCountryProperties), std::end(kCountryProperties), [&](const char* k) { return pname == k; }) ||
                         std::any_of(std::begin(kOtherKnownProperties), std::end(kOtherKnownProperties), [&](const char* k) { return pname == k; });
      if (!known) {
        warnings.push_back(fmt::format("{}: property not compared", pfield));
        continue;
      }
      props[pname] = std::move(values);
    }
    std::vector<std::string> names = props["name"];
    for (const char* extra : {"alias", "previousName", "weakAlias"}) {
      for (const auto& n : props[extra]) names.push_back(n);
    }
    if (names.empty() && (!props["firstName"].empty() || !props["lastName"].empty())) {
      std::string joined;
      for (const auto& n : props["firstName"]) joined += n + " ";
      for (const auto& n : props["lastName"]) joined += n + " ";
      names.push_back(joined);
    }
    if (names.empty()) return Invalid(field + ".properties.name", "at least one name is required");
    std::vector<BirthDate> dobs;
    for (const auto& d : props["birthDate"]) {
      auto parsed = ParseQueryDate(d.substr(0, 10));
      if (!parsed || (d.size() > 10 && d[10] != 'T')) {
        return Invalid(field + ".properties.birthDate", fmt::format("'{}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", d.substr(0, 100)));
      }
      dobs.push_back(*parsed);
    }
    std::set<std::string> query_countries;
    for (const char* key : kCountryProperties) {
      for (const auto& c : props[key]) {
        const std::string code = CountryCode(c);
        if (code.empty()) {
          warnings.push_back(fmt::format("{}.properties.{}: '{}' is not a known country; not compared", field, key, c.substr(0, 100)));
        } else {
          query_countries.insert(code);
        }
      }
    }
    std::set<std::string> query_ids;
    for (const char* key : kIdProperties) {
      for (const auto& v : props[key]) {
        if (std::string k = IdKey(v); k.size() >= 4) query_ids.insert(k);
      }
    }

    // Candidates by name: the best name score per record. Evidence can raise a score by at most
    // kIdentifierMatch + kDobMatch + kCountryMatch, so names that far below the cutoff are read too.
    const double floor = std::max(0.5, cutoff - (kIdentifierMatch + kDobMatch + kCountryMatch));
    std::map<uint32_t, Hit> best;
    for (const auto& n : names) {
      ScreenQuery sq;
      sq.name = n;
      sq.type = type;
      sq.threshold = floor;
      sq.limit = 200;
      auto hits = screener.Screen(sq);
      if (!hits.ok()) return Invalid(field + ".properties.name", hits.status().message());
      for (auto& h : *hits) {
        auto it = best.find(h.record_index);
        if (it == best.end() || h.score > it->second.score) best[h.record_index] = std::move(h);
      }
    }
    struct Scored {
      uint32_t record;
      double score;
      json features;
      std::string explanation;
    };
    std::vector<Scored> scored;
    for (auto& [index, hit] : best) {
      const ListRecord& r = records[index];
      if (!dataset->holds(r.source)) continue;
      const auto ds = RecordDatasets(r.source);
      auto in = [&ds](const std::set<std::string>& set) {
        return std::any_of(ds.begin(), ds.end(), [&set](const std::string& d) { return set.count(d) > 0; }) ||
               std::any_of(set.begin(), set.end(), [](const std::string& d) { return FindDataset(d)->holds == Any; });
      };
      if (!include.empty() && !in(include)) continue;
      if (!exclude.empty() && in(exclude)) continue;
      if (exclude_schema.count(SchemaOf(r.type))) continue;
      json features = {{"name_match", std::round(hit.score * 10000.0) / 10000.0}};
      double score = hit.score;
      std::string why = hit.Explain();
      // Dates of birth: only when both sides give one (a record without a date is not cleared).
      std::vector<BirthDate> listed;
      for (const auto& d : r.dates_of_birth) {
        for (const auto& p : ParseListedDate(d)) listed.push_back(p);
      }
      if (!dobs.empty() && !listed.empty()) {
        bool match = false, same_year = false;
        for (const auto& q : dobs) {
          for (const auto& l : listed) {
            if (q.year != l.year) continue;
            same_year = true;
            if ((!q.month || !l.month || q.month == l.month) && (!q.day || !l.day || q.day == l.day)) match = true;
          }
        }
        const char* feature = match ? "dob_match" : same_year ? "dob_day_disjoint" : "dob_year_disjoint";
        const double delta = match ? kDobMatch : same_year ? kDobDayDisjoint : kDobYearDisjoint;
        features[feature] = delta;
        score += delta;
        why += fmt::format("; {} {:+.2f} (listed birth dates: {})", feature, delta, fmt::join(r.dates_of_birth, ", "));
      }
      std::set<std::string> listed_countries;
      for (const auto* list : {&r.nationalities, &r.citizenships, &r.countries}) {
        for (const auto& c : *list) {
          if (std::string code = CountryCode(c); !code.empty()) listed_countries.insert(code);
        }
      }
      if (!query_countries.empty() && !listed_countries.empty()) {
        const bool any = std::any_of(query_countries.begin(), query_countries.end(),
                                     [&](const std::string& c) { return listed_countries.count(c) > 0; });
        const double delta = any ? kCountryMatch : kCountryMismatch;
        features[any ? "country_match" : "country_mismatch"] = delta;
        score += delta;
        why += fmt::format("; {} {:+.2f} (listed: {})", any ? "country_match" : "country_mismatch", delta,
                           fmt::join(listed_countries, ", "));
      }
      for (const auto& id : r.ids) {
        if (query_ids.count(IdKey(id.number))) {
          features["identifier_match"] = kIdentifierMatch;
          score += kIdentifierMatch;
          why += fmt::format("; identifier_match {:+.2f} ({} {})", kIdentifierMatch, id.type, id.number);
          break;
        }
      }
      score = std::clamp(score, 0.0, 1.0);
      if (score < cutoff) continue;
      why += fmt::format("; final score {:.3f}", score);
      scored.push_back({index, score, std::move(features), std::move(why)});
    }
    std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
      return a.score != b.score ? a.score > b.score : a.record < b.record;
    });
    json results = json::array();
    for (size_t i = 0; i < scored.size() && i < static_cast<size_t>(limit); ++i) {
      const Scored& s = scored[i];
      const ListRecord& r = records[s.record];
      json properties = {{"name", {r.name}}};
      if (!r.alt_names.empty()) properties["alias"] = r.alt_names;
      std::vector<std::string> cc;
      for (const auto& c : r.countries) {
        if (std::string code = CountryCode(c); !code.empty()) cc.push_back(Lower(code));
      }
      if (!cc.empty()) properties["country"] = cc;
      if (!r.dates_of_birth.empty()) properties["birthDate"] = r.dates_of_birth;
      if (!r.nationalities.empty()) properties["nationality"] = r.nationalities;
      if (!r.places_of_birth.empty()) properties["birthPlace"] = r.places_of_birth;
      std::vector<std::string> ids;
      for (const auto& id : r.ids) {
        if (!id.number.empty()) ids.push_back(id.number);
      }
      if (!ids.empty()) properties["idNumber"] = ids;
      std::vector<std::string> addresses;
      for (const auto& a : r.addresses) {
        std::string text;
        for (const auto* part : {&a.address, &a.city, &a.state, &a.postal_code, &a.country}) {
          if (!part->empty()) text += (text.empty() ? "" : ", ") + *part;
        }
        if (!text.empty()) addresses.push_back(text);
      }
      if (!addresses.empty()) properties["address"] = addresses;
      if (!r.programs.empty()) properties["programId"] = r.programs;
      if (!r.source_list_url.empty()) properties["sourceUrl"] = {r.source_list_url};
      properties["topics"] = {"sanction"};
      results.push_back({{"id", r.record_id},
                         {"caption", r.name},
                         {"schema", SchemaOf(r.type)},
                         {"properties", properties},
                         {"datasets", RecordDatasets(r.source)},
                         {"referents", json::array()},
                         {"target", true},
                         {"score", std::round(s.score * 10000.0) / 10000.0},
                         {"match", s.score >= threshold},
                         {"features", s.features},
                         {"explanation", s.explanation},
                         {"list", ListSourceCode(r.source)}});
    }
    json echoed = {{"schema", schema}, {"properties", json::object()}};
    for (const auto& [k, v] : props) {
      if (!v.empty()) echoed["properties"][k] = v;
    }
    if (query.contains("id") && query["id"].is_string()) echoed["id"] = query["id"];
    responses[qname] = {{"status", 200},
                        {"results", results},
                        {"total", {{"value", scored.size()}, {"relation", "eq"}}},
                        {"query", echoed}};
  }
  for (const auto& c : impl_->caveats()) warnings.push_back(c);
  json out = {{"responses", responses},
              {"matcher", FeatureDocs()},
              {"limit", limit},
              {"threshold", threshold},
              {"list_versions", impl_->ListVersions()},
              {"warnings", warnings}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace exportctl::screen

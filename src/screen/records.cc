// Value-type helpers: list codes, record identity and hashing, version strings, list diffs.
#include <fmt/format.h>

#include <unicode/uloc.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <unordered_map>

#include "screen/normalize.h"
#include "screen/screen.h"

namespace exportctl::screen {

bool IsIsoCountryCode(std::string_view code) {
  static const std::vector<std::string> codes = [] {
    std::vector<std::string> out;
    for (const char* const* c = uloc_getISOCountries(); *c; ++c) out.emplace_back(*c);
    std::sort(out.begin(), out.end());
    return out;
  }();
  // XK (Kosovo) is a user-assigned code that the lists and the regulatory data use.
  if (code == "XK" || code == "xk") return true;
  // An ISO 3166-2 subdivision ("UA-43", Crimea), as the regulatory data names covered regions.
  if (code.size() >= 4 && code.size() <= 6 && code[2] == '-' &&
      std::all_of(code.begin() + 3, code.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }))
    return IsIsoCountryCode(code.substr(0, 2));
  if (code.size() != 2 || !std::isalpha(static_cast<unsigned char>(code[0])) ||
      !std::isalpha(static_cast<unsigned char>(code[1])))
    return false;
  const char upper[2] = {static_cast<char>(std::toupper(static_cast<unsigned char>(code[0]))),
                         static_cast<char>(std::toupper(static_cast<unsigned char>(code[1])))};
  return std::binary_search(codes.begin(), codes.end(), std::string_view(upper, 2),
                            [](std::string_view a, std::string_view b) { return a < b; });
}

const char* ListSourceCode(ListSource source) {
  switch (source) {
    case ListSource::kEntityList:
      return "EL";
    case ListSource::kDeniedPersons:
      return "DPL";
    case ListSource::kUnverified:
      return "UVL";
    case ListSource::kMilitaryEndUser:
      return "MEU";
    case ListSource::kSdn:
      return "SDN";
    case ListSource::kNonproliferation:
      return "ISN";
    case ListSource::kItarDebarred:
      return "DTC";
    case ListSource::kSectoral:
      return "SSI";
    case ListSource::kChineseMilitary:
      return "CMIC";
    case ListSource::kMenuBased:
      return "NS-MBS";
    case ListSource::kPalestinianCouncil:
      return "PLC";
    case ListSource::kCapta:
      return "CAP";
    case ListSource::kForeignEvaders:
      return "FSE";
    case ListSource::kOther:
      return "OTHER";
  }
  return "OTHER";
}

std::optional<ListSource> ListSourceFromCode(std::string_view code) {
  for (int i = 0; i <= static_cast<int>(ListSource::kOther); ++i) {
    const auto s = static_cast<ListSource>(i);
    std::string_view c = ListSourceCode(s);
    if (c.size() == code.size() && std::equal(c.begin(), c.end(), code.begin(), [](char a, char b) {
          return a == std::toupper(static_cast<unsigned char>(b));
        })) {
      return s;
    }
  }
  return std::nullopt;
}

const char* PartyTypeName(PartyType type) {
  switch (type) {
    case PartyType::kUnknown:
      return "unknown";
    case PartyType::kIndividual:
      return "individual";
    case PartyType::kEntity:
      return "entity";
    case PartyType::kVessel:
      return "vessel";
    case PartyType::kAircraft:
      return "aircraft";
  }
  return "unknown";
}

std::optional<PartyType> PartyTypeFromName(std::string_view name) {
  for (auto t :
       {PartyType::kIndividual, PartyType::kEntity, PartyType::kVessel, PartyType::kAircraft}) {
    if (name == PartyTypeName(t)) return t;
  }
  return std::nullopt;
}

int ListRecord::Footnote() const {
  if (source != ListSource::kEntityList) return 0;
  // The foreign direct product rule paragraph cited decides the footnote; the CSL text writes it
  // in several ways: "734.9(e)(1)", "734.9(e)1", "734.9(e) 1" (footnote 1); "734.9(e)(2) …)4"
  // (footnote 4); "734.9(e)(3) …)5" (footnote 5); "734.9(g),3" (footnote 3).
  static const std::regex kE1(R"(734\.9\(e\)\s*(\(1\)|1))");
  static const std::regex kE2(R"(734\.9\(e\)\s*\(2\))");
  static const std::regex kE3(R"(734\.9\(e\)\s*\(3\))");
  static const std::regex kG(R"(734\.9\(g\))");
  static const std::regex kTrailing(R"(\)\s*(\d)\s*\.?\s*$)");
  const std::string& text = license_requirement;
  if (std::regex_search(text, kE1)) return 1;
  if (std::regex_search(text, kE2)) return 4;
  if (std::regex_search(text, kE3)) return 5;
  if (std::regex_search(text, kG)) return 3;
  std::smatch m;
  if (std::regex_search(text, m, kTrailing)) return std::stoi(m.str(1));
  return 0;
}

std::string ListRecord::DiffKey() const {
  if (!entity_number.empty()) return fmt::format("{}:{}", ListSourceCode(source), entity_number);
  return fmt::format("{}:{}", ListSourceCode(source), FoldToAscii(name));
}

std::string ListRecord::ContentHash() const {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  mix(ListSourceCode(source));
  mix(PartyTypeName(type));
  mix(name);
  for (const auto& a : alt_names) mix(a);
  mix("|");
  for (const auto& c : countries) mix(c);
  mix("|");
  for (const auto& p : programs) mix(p);
  mix(federal_register_notice);
  mix(license_requirement);
  mix(license_policy);
  return fmt::format("{:016x}", h);
}

std::string ListVersion::ToString() const {
  return fmt::format("{}@{}#sha256:{} ({} records)", list_id,
                     source_date.empty() ? "undated" : source_date, sha256.substr(0, 12),
                     record_count);
}

std::vector<ListAge> ListAges(const std::vector<ListVersion>& versions, Date today, int max_age_days) {
  std::vector<ListAge> out;
  for (const ListVersion& v : versions) {
    ListAge a;
    a.version = &v;
    auto date = Date::Parse(v.source_date);
    if (date.ok()) a.age_days = today.days() - date->days();
    a.stale = !a.age_days || *a.age_days > max_age_days;
    if (!a.age_days) {
      a.warning = fmt::format("the {} list ({}) has no date: its currency cannot be checked; import a dated copy",
                              v.list_id, v.file_name);
    } else if (a.stale) {
      a.warning = fmt::format(
          "the {} list is dated {}, {} days before {} (more than {} days): screening may miss recent "
          "listings; import the current list",
          v.list_id, v.source_date, *a.age_days, today.ToString(), max_age_days);
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<std::string> StaleListWarnings(const std::vector<ListVersion>& versions, Date today,
                                           int max_age_days) {
  std::vector<std::string> out;
  for (const ListAge& a : ListAges(versions, today, max_age_days)) {
    if (a.stale) out.push_back(a.warning);
  }
  return out;
}

ListDiff DiffLists(const LoadedList& old_list, const LoadedList& new_list) {
  ListDiff diff;
  std::unordered_map<std::string, const ListRecord*> old_by_key;
  for (const auto& r : old_list.records) old_by_key.emplace(r.DiffKey(), &r);
  std::unordered_map<std::string, const ListRecord*> new_by_key;
  for (const auto& r : new_list.records) {
    new_by_key.emplace(r.DiffKey(), &r);
    auto it = old_by_key.find(r.DiffKey());
    if (it == old_by_key.end()) {
      diff.added.push_back(&r);
    } else if (it->second->ContentHash() != r.ContentHash()) {
      diff.changed.emplace_back(it->second, &r);
    }
  }
  for (const auto& r : old_list.records) {
    if (new_by_key.count(r.DiffKey()) == 0) diff.removed.push_back(&r);
  }
  return diff;
}

}  // namespace exportctl::screen

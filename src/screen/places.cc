// Words that say where a party is or what kind of business it does, not who it is: place names
// and generic business words (docs/screening.md, "Normalization"). "Sugon Singapore Pte Ltd" is
// Sugon: Singapore and Pte Ltd must not outweigh the distinctive name.
#include "screen/places.h"

#include <unicode/locid.h>
#include <unicode/timezone.h>
#include <unicode/tznames.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>

#include "screen/normalize.h"

namespace exportctl::screen::internal {
namespace {

// Major cities and provinces of the countries whose parties are most listed (China, Russia, Iran,
// the Gulf, South and South-East Asia), in the spellings lists use. ICU's time-zone cities cover
// capitals and zone cities only (no Beijing, Shenzhen or Tehran).
constexpr std::string_view kCities[] = {
    // China: provinces, regions and major cities
    "anhui", "beijing", "peking", "chongqing", "fujian", "gansu", "guangdong", "guangxi", "guizhou",
    "hainan", "hebei", "heilongjiang", "henan", "hubei", "hunan", "jiangsu", "jiangxi", "jilin",
    "liaoning", "inner mongolia", "nei mongol", "ningxia", "qinghai", "shaanxi", "shandong",
    "shanghai", "shanxi", "sichuan", "tianjin", "tibet", "xinjiang", "yunnan", "zhejiang",
    "shenzhen", "guangzhou", "chengdu", "wuhan", "hangzhou", "nanjing",
    "harbin", "dalian", "qingdao", "suzhou", "wuxi", "hefei", "changsha", "zhengzhou", "jinan",
    "xiamen", "dongguan", "foshan", "zhuhai", "kunming", "shenyang", "fuzhou", "ningbo",
    "changchun", "nanchang", "taiyuan", "shijiazhuang", "lanzhou", "nanning", "guiyang", "urumqi",
    "hohhot", "yinchuan", "xining", "lhasa", "haikou", "sanya", "zhongshan", "huizhou",
    "mianyang", "baoding", "tangshan", "yantai", "weihai", "changzhou", "nantong", "shaoxing",
    "wenzhou", "jinhua", "yiwu", "zhuzhou", "xiangtan", "luoyang", "kowloon", "hong kong", "macau",
    "macao", "hk",
    // Taiwan
    "taipei", "new taipei", "hsinchu", "taichung", "tainan", "kaohsiung", "taoyuan",
    // Russia, Belarus, Ukraine, Central Asia
    "moscow", "moskva", "saint petersburg", "st petersburg", "sankt peterburg", "petersburg",
    "novosibirsk", "yekaterinburg", "ekaterinburg", "kazan", "nizhny novgorod", "chelyabinsk",
    "samara", "omsk", "rostov", "ufa", "krasnoyarsk", "voronezh", "perm", "volgograd",
    "krasnodar", "saratov", "tula", "izhevsk", "tomsk", "kaliningrad", "vladivostok",
    "khabarovsk", "zelenograd", "minsk", "tashkent", "almaty", "astana", "bishkek", "dushanbe",
    // Iran, Middle East, Gulf
    "tehran", "teheran", "isfahan", "esfahan", "shiraz", "tabriz", "mashhad", "karaj", "qom",
    "ahvaz", "kish", "dubai", "sharjah", "abu dhabi", "ajman", "fujairah", "ras al khaimah",
    "jebel ali", "damascus", "aleppo", "baghdad", "basra", "erbil", "beirut", "amman", "riyadh",
    "jeddah", "doha", "muscat", "manama", "kuwait", "istanbul", "ankara", "izmir",
    // South and South-East Asia
    "mumbai", "bombay", "delhi", "new delhi", "bangalore", "bengaluru", "chennai", "hyderabad",
    "pune", "kolkata", "karachi", "lahore", "islamabad", "rawalpindi", "dhaka", "colombo",
    "hanoi", "ho chi minh city", "saigon", "da nang", "haiphong", "kuala lumpur", "penang",
    "johor", "johor bahru", "selangor", "bangkok", "jakarta", "batam", "manila", "yangon",
    "phnom penh", "pyongyang", "seoul", "busan", "tokyo", "osaka",
    // Continents and regions used in company names
    "asia", "asian", "pacific", "asia pacific", "apac", "europe", "european", "eurasia",
    "africa", "african", "america", "americas", "american", "latin america", "middle east",
    "far east", "gulf", "oriental", "orient", "caribbean", "scandinavia", "nordic", "balkan",
    "emea", "mena",
};

// Words that say what a business does or how it is organised (English as lists write them).
constexpr std::string_view kGenericBusinessWords[] = {
    "trading", "trade", "traders", "technology", "technologies", "tech", "technical",
    "international", "intl", "group", "holding", "holdings", "industry", "industries",
    "industrial", "enterprise", "enterprises", "service", "services", "solution", "solutions",
    "system", "systems", "electronic", "electronics", "import", "export", "imports", "exports",
    "importexport", "impex", "logistics", "investment", "investments", "development",
    "developments", "global", "worldwide", "science", "sciences", "scientific", "engineering",
    "manufacturing", "manufacturer", "management", "commercial", "commerce", "supply", "supplies",
    "supplier", "products", "product", "equipment", "resources", "network", "networks",
    "communication", "communications", "telecom", "telecommunications", "information",
    "software", "digital", "office", "subsidiary", "representative",
    "factory", "partners", "ventures", "capital", "consulting", "consultants", "machinery",
    "materials", "instruments", "devices", "components", "shipping", "transport", "distribution",
    "distributors", "marketing", "agency", "center", "centre", "institute", "research",
    "hitech", "new", "overseas", "universal", "united", "business",
    "associates",
};

void AddPlace(std::string_view name, PlaceVocabulary& v) {
  std::vector<std::string> words = Tokenize(name);
  if (words.empty()) return;
  for (const auto& w : words) {
    // Legal forms, stop words and initials keep their own class ("Bosnia and Herzegovina").
    if (w.size() < 2 || BasicTokenClass(w) != TokenClass::kName) return;
  }
  if (words.size() == 1) {
    v.words.insert(words[0]);
  } else {
    v.phrases.push_back(std::move(words));
  }
}

void AddIcuName(const icu::UnicodeString& name, PlaceVocabulary& v) {
  std::string utf8;
  name.toUTF8String(utf8);
  // "Myanmar (Burma)", "Congo - Kinshasa", "Hong Kong SAR China", "St. Kitts & Nevis".
  std::string part;
  auto flush = [&] {
    if (const size_t sar = part.find(" SAR"); sar != std::string::npos) part.resize(sar);
    AddPlace(part, v);
    part.clear();
  };
  for (size_t i = 0; i < utf8.size(); ++i) {
    const char c = utf8[i];
    if (c == '(' || c == ')' || c == '&' || c == ',' || (c == '-' && i > 0 && utf8[i - 1] == ' ')) {
      flush();
    } else {
      part.push_back(c);
    }
  }
  flush();
}

// ICU's part of the places, folded: generated by PlacesFromIcu() and checked in
// (places_icu.inc), so that a process does not build it from ICU's locale data on its first query
// (a fifth of a single `exportctl screen`). The test Places.TableIsIcus keeps it equal to ICU's.
constexpr std::string_view kIcuPlaces[] = {
#include "screen/places_icu.inc"
};

PlaceVocabulary BuildPlaces() {
  PlaceVocabulary v;
  for (std::string_view place : kIcuPlaces) AddPlace(place, v);
  for (std::string_view city : kCities) AddPlace(city, v);
  for (size_t i = 0; i < v.phrases.size(); ++i) v.phrases_by_first_word[v.phrases[i][0]].push_back(i);
  return v;
}

}  // namespace

const PlaceVocabulary& Places() {
  static const PlaceVocabulary kPlaces = BuildPlaces();
  return kPlaces;
}

std::vector<std::string> PlacesFromIcu() {
  PlaceVocabulary v;
  // Country names as ICU displays them in the languages lists are written in.
  const icu::Locale languages[] = {icu::Locale::getEnglish(), icu::Locale::getFrench(),
                                   icu::Locale::getGerman(), icu::Locale("es")};
  for (const char* const* c = icu::Locale::getISOCountries(); *c != nullptr; ++c) {
    const icu::Locale country("", *c);
    for (const auto& language : languages) {
      icu::UnicodeString name;
      country.getDisplayCountry(language, name);
      AddIcuName(name, v);
    }
  }
  // Cities that name a time zone in Europe, Asia and Africa (ICU's exemplar cities).
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::TimeZoneNames> tz_names(
      icu::TimeZoneNames::createInstance(icu::Locale::getEnglish(), status));
  std::unique_ptr<icu::StringEnumeration> zones(icu::TimeZone::createEnumeration(status));
  if (U_SUCCESS(status) && tz_names && zones) {
    for (const char* id = zones->next(nullptr, status); id != nullptr && U_SUCCESS(status);
         id = zones->next(nullptr, status)) {
      const std::string_view zone(id);
      if (!zone.starts_with("Europe/") && !zone.starts_with("Asia/") &&
          !zone.starts_with("Africa/")) {
        continue;
      }
      icu::UnicodeString city;
      tz_names->getExemplarLocationName(icu::UnicodeString::fromUTF8(zone), city);
      if (!city.isBogus() && city.length() >= 4) AddIcuName(city, v);
    }
  }
  std::vector<std::string> out(v.words.begin(), v.words.end());
  for (const auto& phrase : v.phrases) {
    std::string joined;
    for (const auto& w : phrase) joined += (joined.empty() ? "" : " ") + w;
    out.push_back(std::move(joined));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string_view> PlacesTable() { return {std::begin(kIcuPlaces), std::end(kIcuPlaces)}; }

bool IsGenericBusinessWord(std::string_view word) {
  static const std::unordered_set<std::string_view> kWords(std::begin(kGenericBusinessWords),
                                                           std::end(kGenericBusinessWords));
  return kWords.count(word) > 0;
}

}  // namespace exportctl::screen::internal

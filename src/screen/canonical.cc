#include "screen/canonical.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "screen/normalize.h"

namespace exportctl::screen::internal {
namespace {

// ---- Wade-Giles ----

constexpr std::array<std::string_view, 24> kPinyinInitials = {
    "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g",
    "k",  "h",  "j",  "q", "x", "r", "z", "c", "s", "y", "w", ""};
const std::unordered_set<std::string_view>& PinyinFinals() {
  static const std::unordered_set<std::string_view> k = {
      "a",  "o",  "e",   "i",   "u",   "ai",   "ei",  "ao", "ou", "an", "en", "ang", "eng", "ong",
      "er", "ia", "ie",  "iao", "iu",  "ian",  "in",  "iang", "ing", "iong", "ua", "uo", "uai",
      "ui", "uan", "un", "uang", "ue", "ueng"};
  return k;
}

// One pinyin syllable, with the combinations pinyin allows (loosely: enough to tell pinyin from
// Wade-Giles, not a full syllable table).
bool IsPinyinSyllable(std::string_view s) {
  for (std::string_view ini : kPinyinInitials) {
    if (s.substr(0, ini.size()) != ini) continue;
    const std::string_view fin = s.substr(ini.size());
    if (fin.empty() || PinyinFinals().count(fin) == 0) continue;
    const bool i_final = fin[0] == 'i';
    if (ini == "j" || ini == "q" || ini == "x") {
      if (i_final || fin == "u" || fin == "ue" || fin == "uan" || fin == "un") return true;
      continue;
    }
    if (ini == "zh" || ini == "ch" || ini == "sh" || ini == "r" || ini == "z" || ini == "c" ||
        ini == "s") {
      if (!i_final || fin == "i") return true;
      continue;
    }
    if (ini == "g" || ini == "k" || ini == "h") {
      if (!i_final) return true;
      continue;
    }
    if (ini.empty() && (i_final || fin[0] == 'u')) continue;
    return true;
  }
  return false;
}

// A word of one to four pinyin syllables ("jinping", "zedong").
// Pinyin writes an apostrophe before a later syllable that starts with a vowel (Xi'an), so
// "chia" is not chi + a.
bool IsPinyinWord(std::string_view w, int depth = 0) {
  if (w.empty()) return depth > 0;
  if (depth >= 4) return false;
  if (depth > 0 && (w[0] == 'a' || w[0] == 'e' || w[0] == 'o')) return false;
  for (size_t n = std::min<size_t>(6, w.size()); n >= 1; --n) {
    if (IsPinyinSyllable(w.substr(0, n)) && IsPinyinWord(w.substr(n), depth + 1)) return true;
  }
  return false;
}

// IsPinyinWord of a whole word, kept per thread for the last few hundred words (direct-mapped by
// hash): every query name's letter words are tried as pinyin (WadeGilesToPinyin), the syllable
// search is dear, and names repeat their words ("holdings", "trading", "co").
bool IsPinyinWordMemo(std::string_view w) {
  struct Slot {
    std::string word;
    bool used = false, pinyin = false;
  };
  thread_local std::array<Slot, 512> slots;
  Slot& s = slots[std::hash<std::string_view>{}(w) & (slots.size() - 1)];
  if (!s.used || s.word != w) {
    s.pinyin = IsPinyinWord(w);
    s.word.assign(w);
    s.used = true;
  }
  return s.pinyin;
}

struct WadeGiles {
  std::string pinyin;
  bool only_wade_giles = false;  // a spelling pinyin never has
};

std::optional<WadeGiles> ParseWadeGiles(std::string_view s) {
  static constexpr std::array<std::string_view, 25> kInitials = {
      "ch'", "ts'", "tz'", "ch", "hs", "ts", "tz", "ss", "sz", "sh", "k'", "t'", "p'",
      "k",   "t",   "p",   "j",  "m",  "f",  "n",  "l",  "h",  "s",  "y",  "w"};
  static const std::unordered_set<std::string_view> kFinals = {
      "a",  "ai",  "an",  "ang", "ao",  "e",   "ei",  "en", "eng", "erh", "i",  "ia", "iang",
      "iao", "ieh", "ien", "ih", "in",  "ing", "iu",  "iung", "o", "ou",  "u",  "ua", "uai",
      "uan", "uang", "uei", "ui", "un", "ung", "uo",  "ueh", "eh", "en", "ou"};
  static const std::unordered_set<std::string_view> kOnlyFinals = {"ih",   "ieh", "ien", "ung",
                                                                   "iung", "erh", "uei", "ueh"};
  std::string_view ini;
  for (std::string_view i : kInitials) {
    if (s.substr(0, i.size()) == i && kFinals.count(s.substr(i.size())) > 0) {
      ini = i;
      break;
    }
  }
  const std::string_view fin = s.substr(ini.size());
  if (ini.empty() && fin == "i") return WadeGiles{"yi", false};  // Wade-Giles I is pinyin yi
  if (kFinals.count(fin) == 0) return std::nullopt;
  if (ini.empty() && fin != "erh" && fin != "a" && fin != "ai" && fin != "an" && fin != "ang" &&
      fin != "ao" && fin != "e" && fin != "en" && fin != "o" && fin != "ou") {
    return std::nullopt;
  }
  const bool i_final = fin[0] == 'i' || fin == "u" || fin == "un" || fin == "uan" || fin == "ueh";
  WadeGiles out;
  out.only_wade_giles = ini.find('\'') != std::string_view::npos || ini == "hs" || ini == "ts" ||
                        ini == "tz" || ini == "ss" || ini == "sz" || kOnlyFinals.count(fin) > 0 ||
                        ((ini == "ch" || ini == "ch'") && fin[0] == 'i' && fin != "i") ||
                        (ini == "j" && fin[0] != 'i' && fin[0] != 'u');
  std::string p;
  if (ini == "ch'") p = fin[0] == 'i' ? "q" : "ch";
  else if (ini == "ch") p = fin[0] == 'i' ? "j" : "zh";
  else if (ini == "hs") p = "x";
  else if (ini == "ts'" || ini == "tz'") p = "c";
  else if (ini == "ts" || ini == "tz") p = "z";
  else if (ini == "ss" || ini == "sz") p = "s";
  else if (ini == "k'") p = "k";
  else if (ini == "k") p = "g";
  else if (ini == "t'") p = "t";
  else if (ini == "t") p = "d";
  else if (ini == "p'") p = "p";
  else if (ini == "p") p = "b";
  else if (ini == "j") p = "r";
  else p = std::string(ini);
  (void)i_final;
  static const std::unordered_map<std::string_view, std::string_view> kFinalMap = {
      {"ih", "i"}, {"ieh", "ie"}, {"ien", "ian"}, {"ung", "ong"}, {"iung", "iong"},
      {"erh", "er"}, {"uei", "ui"}, {"ueh", "ue"}, {"eh", "e"}};
  std::string f(fin);
  if (auto it = kFinalMap.find(fin); it != kFinalMap.end()) f = it->second;
  if (f == "o" && (ini == "k" || ini == "k'" || ini == "h")) f = "e";  // ko → ge, ho → he
  if (f == "u" && (ini == "ts" || ini == "tz" || ini == "ts'" || ini == "tz'" || ini == "ss" ||
                   ini == "sz")) {
    f = "i";  // tzu → zi, ssu → si
  }
  out.pinyin = p + f;
  return out;
}

bool IsApostrophe(std::string_view s, size_t i, size_t* len) {
  if (s[i] == '\'' || s[i] == '`') return *len = 1, true;
  // ’ ‘ (E2 80 99 / 98), ʼ (CA BC)
  if (i + 2 < s.size() + 0 && static_cast<unsigned char>(s[i]) == 0xE2 &&
      static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      (static_cast<unsigned char>(s[i + 2]) == 0x99 || static_cast<unsigned char>(s[i + 2]) == 0x98)) {
    return *len = 3, true;
  }
  if (i + 1 < s.size() && static_cast<unsigned char>(s[i]) == 0xCA &&
      static_cast<unsigned char>(s[i + 1]) == 0xBC) {
    return *len = 2, true;
  }
  return false;
}

// ---- Words ----

// Titles, honorifics and generational suffixes: not name words (docs/screening.md, "Canonical
// words"). One table, by language; a phrase is written as the words FoldToAscii gives ("Al-Haj" →
// "al haj"). kTitle: dropped before a person's name; kSuffix: after it; kBoth: "Sr" is Señor
// before a name and Senior after it. Words that are also common given names or surnames where
// they stand (Don, Amir, Sultan, King, Pan, Tan, Sri, Sen, Pastor; Sayed, Syed and Seyed, which
// lists write as part of the name, also after it) are left out: dropping them would make two
// people one.
enum class TitleKind : uint8_t { kTitle, kSuffix, kBoth };
struct TitleEntry {
  std::string_view phrase;
  TitleKind kind;
};
constexpr TitleEntry kTitleTable[] = {
    // English: address, academic, religious, political, judicial
    {"mr", TitleKind::kTitle}, {"mrs", TitleKind::kTitle}, {"ms", TitleKind::kTitle},
    {"miss", TitleKind::kTitle}, {"mx", TitleKind::kTitle}, {"mister", TitleKind::kTitle},
    {"missus", TitleKind::kTitle}, {"messrs", TitleKind::kTitle}, {"madam", TitleKind::kTitle},
    {"dr", TitleKind::kTitle}, {"doctor", TitleKind::kTitle}, {"prof", TitleKind::kTitle},
    {"professor", TitleKind::kTitle}, {"sir", TitleKind::kTitle}, {"dame", TitleKind::kTitle},
    {"lord", TitleKind::kTitle}, {"lady", TitleKind::kTitle}, {"rev", TitleKind::kTitle},
    {"revd", TitleKind::kTitle}, {"reverend", TitleKind::kTitle}, {"fr", TitleKind::kTitle},
{"rabbi", TitleKind::kTitle}, {"archbishop", TitleKind::kTitle},
    {"cardinal", TitleKind::kTitle}, {"hon", TitleKind::kTitle}, {"honorable", TitleKind::kTitle},
    {"honourable", TitleKind::kTitle}, {"the honorable", TitleKind::kTitle},
    {"the honourable", TitleKind::kTitle}, {"rt hon", TitleKind::kTitle},
    {"right honourable", TitleKind::kTitle}, {"excellency", TitleKind::kTitle},
    {"his excellency", TitleKind::kTitle}, {"her excellency", TitleKind::kTitle},
    {"his highness", TitleKind::kTitle}, {"her highness", TitleKind::kTitle},
    {"his royal highness", TitleKind::kTitle}, {"prince", TitleKind::kTitle},
    {"princess", TitleKind::kTitle}, {"judge", TitleKind::kTitle}, {"president", TitleKind::kTitle},
    {"pres", TitleKind::kTitle}, {"vice president", TitleKind::kTitle},
    {"prime minister", TitleKind::kTitle}, {"minister", TitleKind::kTitle},
    {"senator", TitleKind::kTitle}, {"governor", TitleKind::kTitle}, {"gov", TitleKind::kTitle},
    {"ambassador", TitleKind::kTitle}, {"amb", TitleKind::kTitle}, {"mayor", TitleKind::kTitle},
    {"chairman", TitleKind::kTitle}, {"commissioner", TitleKind::kTitle},
    {"engr", TitleKind::kTitle}, {"eng", TitleKind::kTitle}, {"engineer", TitleKind::kTitle},
    // Military and police ranks (English, Spanish, Portuguese, German, Russian)
    {"general", TitleKind::kTitle}, {"gen", TitleKind::kTitle}, {"lt", TitleKind::kTitle},
    {"lieutenant", TitleKind::kTitle}, {"colonel", TitleKind::kTitle}, {"col", TitleKind::kTitle},
    {"major", TitleKind::kTitle}, {"maj", TitleKind::kTitle}, {"captain", TitleKind::kTitle},
    {"capt", TitleKind::kTitle}, {"cpt", TitleKind::kTitle}, {"admiral", TitleKind::kTitle},
    {"adm", TitleKind::kTitle}, {"brigadier", TitleKind::kTitle}, {"brig", TitleKind::kTitle},
    {"commander", TitleKind::kTitle}, {"cmdr", TitleKind::kTitle}, {"cdr", TitleKind::kTitle},
    {"commodore", TitleKind::kTitle}, {"sergeant", TitleKind::kTitle}, {"sgt", TitleKind::kTitle},
    {"corporal", TitleKind::kTitle}, {"cpl", TitleKind::kTitle}, {"marshal", TitleKind::kTitle},
    {"field marshal", TitleKind::kTitle}, {"gral", TitleKind::kTitle},
    {"coronel", TitleKind::kTitle}, {"cnel", TitleKind::kTitle}, {"teniente", TitleKind::kTitle},
    {"tte", TitleKind::kTitle}, {"capitan", TitleKind::kTitle}, {"comandante", TitleKind::kTitle},
    {"cmdte", TitleKind::kTitle}, {"sargento", TitleKind::kTitle}, {"almirante", TitleKind::kTitle},
    {"oberst", TitleKind::kTitle}, {"leutnant", TitleKind::kTitle}, {"polkovnik", TitleKind::kTitle},
    // French, German, Dutch
    {"monsieur", TitleKind::kTitle}, {"madame", TitleKind::kTitle}, {"mme", TitleKind::kTitle},
    {"mlle", TitleKind::kTitle}, {"mademoiselle", TitleKind::kTitle}, {"maitre", TitleKind::kTitle},
    {"herr", TitleKind::kTitle}, {"frau", TitleKind::kTitle}, {"fraulein", TitleKind::kTitle},
    {"doktor", TitleKind::kTitle}, {"dipl", TitleKind::kTitle}, {"dipl ing", TitleKind::kTitle},
    {"mag", TitleKind::kTitle}, {"dhr", TitleKind::kTitle}, {"mevr", TitleKind::kTitle},
    {"mevrouw", TitleKind::kTitle}, {"drs", TitleKind::kTitle}, {"ir", TitleKind::kTitle},
    // Spanish, Portuguese, Italian
    {"senor", TitleKind::kTitle}, {"senora", TitleKind::kTitle}, {"senorita", TitleKind::kTitle},
    {"sr", TitleKind::kBoth}, {"sra", TitleKind::kTitle}, {"srta", TitleKind::kTitle},
    {"senhor", TitleKind::kTitle}, {"senhora", TitleKind::kTitle}, {"dra", TitleKind::kTitle},
    {"lic", TitleKind::kTitle}, {"licenciado", TitleKind::kTitle}, {"licenciada", TitleKind::kTitle},
    {"ing", TitleKind::kTitle}, {"ingeniero", TitleKind::kTitle}, {"arq", TitleKind::kTitle},
    {"sig", TitleKind::kTitle}, {"signor", TitleKind::kTitle}, {"signore", TitleKind::kTitle},
    {"signora", TitleKind::kTitle}, {"sig ra", TitleKind::kTitle}, {"dott", TitleKind::kTitle},
    {"dottore", TitleKind::kTitle}, {"dottoressa", TitleKind::kTitle}, {"dott ssa", TitleKind::kTitle},
    {"avv", TitleKind::kTitle}, {"avvocato", TitleKind::kTitle},
    // Russian and Slavic address
    {"gospodin", TitleKind::kTitle}, {"gospozha", TitleKind::kTitle},
    // Arabic, Persian, South and Southeast Asian
    {"sheikh", TitleKind::kTitle}, {"shaikh", TitleKind::kTitle}, {"sheik", TitleKind::kTitle},
    {"shaykh", TitleKind::kTitle}, {"cheikh", TitleKind::kTitle}, {"sheikha", TitleKind::kTitle},
    {"shaikha", TitleKind::kTitle}, {"haji", TitleKind::kTitle}, {"hajji", TitleKind::kTitle},
    {"hadji", TitleKind::kTitle}, {"hajj", TitleKind::kTitle}, {"alhaj", TitleKind::kTitle},
    {"alhajj", TitleKind::kTitle}, {"alhaji", TitleKind::kTitle}, {"alhajji", TitleKind::kTitle},
    {"alhadj", TitleKind::kTitle}, {"elhadj", TitleKind::kTitle}, {"elhaj", TitleKind::kTitle},
    {"al haj", TitleKind::kTitle}, {"al hajj", TitleKind::kTitle}, {"al haji", TitleKind::kTitle},
    {"al hajji", TitleKind::kTitle}, {"al hadj", TitleKind::kTitle}, {"el hadj", TitleKind::kTitle},
    {"el haj", TitleKind::kTitle}, {"el hadji", TitleKind::kTitle}, {"imam", TitleKind::kTitle},
    {"emir", TitleKind::kTitle}, {"sayyid", TitleKind::kTitle}, {"as sayyid", TitleKind::kTitle},
    {"mullah", TitleKind::kTitle}, {"mulla", TitleKind::kTitle}, {"maulana", TitleKind::kTitle},
    {"mawlana", TitleKind::kTitle}, {"maulvi", TitleKind::kTitle}, {"mawlawi", TitleKind::kTitle},
    {"molvi", TitleKind::kTitle}, {"moulvi", TitleKind::kTitle}, {"mawlavi", TitleKind::kTitle},
    {"mufti", TitleKind::kTitle}, {"qari", TitleKind::kTitle}, {"ayatollah", TitleKind::kTitle},
    {"grand ayatollah", TitleKind::kTitle}, {"hojatoleslam", TitleKind::kTitle},
    {"hojjatoleslam", TitleKind::kTitle}, {"janab", TitleKind::kTitle}, {"shri", TitleKind::kTitle},
    {"shrimati", TitleKind::kTitle}, {"smt", TitleKind::kTitle}, {"datuk", TitleKind::kTitle},
    {"dato", TitleKind::kTitle}, {"datin", TitleKind::kTitle}, {"datuk seri", TitleKind::kTitle},
    {"dato seri", TitleKind::kTitle}, {"tan sri", TitleKind::kTitle}, {"tun", TitleKind::kTitle},
    {"bapak", TitleKind::kTitle}, {"khun", TitleKind::kTitle},
    // Generational suffixes and degrees after a name (Roman numerals only as the last word)
    {"jr", TitleKind::kSuffix}, {"jnr", TitleKind::kSuffix}, {"junior", TitleKind::kSuffix},
    {"snr", TitleKind::kSuffix}, {"senior", TitleKind::kSuffix}, {"esq", TitleKind::kSuffix},
    {"esquire", TitleKind::kSuffix}, {"phd", TitleKind::kSuffix}, {"ph d", TitleKind::kSuffix},
    {"md", TitleKind::kSuffix}, {"m d", TitleKind::kSuffix}, {"dds", TitleKind::kSuffix},
    {"mba", TitleKind::kSuffix}, {"ret", TitleKind::kSuffix}, {"ii", TitleKind::kSuffix},
    {"iii", TitleKind::kSuffix}, {"iv", TitleKind::kSuffix}, {"2nd", TitleKind::kSuffix},
    {"3rd", TitleKind::kSuffix}, {"4th", TitleKind::kSuffix},
};

struct TitleTables {
  // Phrases by their first word (titles) and by their last word (suffixes), longest first.
  std::unordered_map<std::string_view, std::vector<std::vector<std::string_view>>> titles, suffixes;
  std::unordered_set<std::string_view> title_words;
};
const TitleTables& Titles() {
  static const TitleTables k = [] {
    TitleTables t;
    for (const TitleEntry& e : kTitleTable) {
      std::vector<std::string_view> words;
      for (size_t at = 0; at < e.phrase.size();) {
        size_t end = e.phrase.find(' ', at);
        if (end == std::string_view::npos) end = e.phrase.size();
        words.push_back(e.phrase.substr(at, end - at));
        at = end + 1;
      }
      if (e.kind != TitleKind::kSuffix) {
        t.titles[words.front()].push_back(words);
        if (words.size() == 1) t.title_words.insert(words.front());
      }
      if (e.kind != TitleKind::kTitle) t.suffixes[words.back()].push_back(words);
    }
    auto longest_first = [](auto& m) {
      for (auto& [w, list] : m) {
        std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
      }
    };
    longest_first(t.titles);
    longest_first(t.suffixes);
    return t;
  }();
  return k;
}

// Words of a title phrase starting at words[i] (0: none).
size_t TitleAt(const std::vector<std::string>& words, size_t i) {
  const auto& titles = Titles().titles;
  auto it = titles.find(words[i]);
  if (it == titles.end()) return 0;
  for (const auto& phrase : it->second) {
    if (i + phrase.size() <= words.size() &&
        std::equal(phrase.begin(), phrase.end(), words.begin() + static_cast<long>(i))) {
      return phrase.size();
    }
  }
  return 0;
}
// Words of a suffix phrase ending with the last of words[0, end) (0: none).
size_t SuffixBefore(const std::vector<std::string>& words, size_t end) {
  const auto& suffixes = Titles().suffixes;
  auto it = suffixes.find(words[end - 1]);
  if (it == suffixes.end()) return 0;
  for (const auto& phrase : it->second) {
    if (phrase.size() <= end &&
        std::equal(phrase.begin(), phrase.end(), words.begin() + static_cast<long>(end - phrase.size()))) {
      return phrase.size();
    }
  }
  return 0;
}

struct Phrase {
  std::vector<std::string_view> words;
  std::vector<std::string_view> canonical;
  bool letters = false;  // spelled as letters ("s a"): only at the end of a name or before "de"
};
const std::vector<Phrase>& LegalPhrases() {
  static const std::vector<Phrase> k = {
      {{"gesellschaft", "mit", "beschrankter", "haftung"}, {"gmbh"}},
      {{"aktiengesellschaft"}, {"ag"}},
      {{"kommanditgesellschaft"}, {"kg"}},
      {{"limited", "liability", "company"}, {"llc"}},
      {{"limited", "liability", "partnership"}, {"llp"}},
      {{"limited", "partnership"}, {"lp"}},
      {{"public", "limited", "company"}, {"plc"}},
      {{"open", "joint", "stock", "company"}, {"ojsc"}},
      {{"closed", "joint", "stock", "company"}, {"cjsc"}},
      {{"public", "joint", "stock", "company"}, {"pjsc"}},
      {{"joint", "stock", "company"}, {"jsc"}},
      {{"societe", "anonyme"}, {"sa"}},
      {{"sociedad", "anonima"}, {"sa"}},
      {{"sociedade", "anonima"}, {"sa"}},
      {{"societe", "a", "responsabilite", "limitee"}, {"sarl"}},
      {{"sociedad", "de", "responsabilidad", "limitada"}, {"srl"}},
      {{"societa", "a", "responsabilita", "limitata"}, {"srl"}},
      {{"societa", "per", "azioni"}, {"spa"}},
      {{"besloten", "vennootschap"}, {"bv"}},
      {{"naamloze", "vennootschap"}, {"nv"}},
      {{"capital", "variable"}, {"cv"}},
      {{"private", "limited"}, {"pvt", "ltd"}},
      {{"private", "ltd"}, {"pvt", "ltd"}},
      {{"proprietary", "limited"}, {"pty", "ltd"}},
      {{"youxiangongsi"}, {"co", "ltd"}},
      {{"gufenyouxiangongsi"}, {"co", "ltd"}},
      {{"zerenyouxiangongsi"}, {"co", "ltd"}},
      {{"s", "a", "r", "l"}, {"sarl"}, true},
      {{"s", "a", "s"}, {"sas"}, true},
      {{"s", "r", "l"}, {"srl"}, true},
      {{"s", "p", "a"}, {"spa"}, true},
      {{"l", "l", "c"}, {"llc"}, true},
      {{"p", "l", "c"}, {"plc"}, true},
      {{"j", "s", "c"}, {"jsc"}, true},
      {{"s", "a"}, {"sa"}, true},
      {{"c", "v"}, {"cv"}, true},
      {{"b", "v"}, {"bv"}, true},
      {{"n", "v"}, {"nv"}, true},
      {{"a", "g"}, {"ag"}, true},
      // Nordic, Polish, Russian and Ukrainian, Central European, Asian (written out, or spelled
      // as letters: "Sp. z o.o.", "A/S", "K.K.")
      {{"aktiebolag"}, {"ab"}},
      {{"aktiebolaget"}, {"ab"}},
      {{"aktieselskab"}, {"as"}},
      {{"aksjeselskap"}, {"as"}},
      {{"allmennaksjeselskap"}, {"asa"}},
      {{"anpartsselskab"}, {"aps"}},
      {{"osakeyhtio"}, {"oy"}},
      {{"julkinen", "osakeyhtio"}, {"oyj"}},
      {{"anonim", "sirketi"}, {"as"}},
      {{"spolka", "z", "ograniczona", "odpowiedzialnoscia"}, {"sp", "zoo"}},
      {{"spolka", "z", "o", "o"}, {"sp", "zoo"}},
      {{"sp", "z", "o", "o"}, {"sp", "zoo"}},
      {{"sp", "z", "oo"}, {"sp", "zoo"}},
      {{"spolka", "akcyjna"}, {"sa"}},
      {{"tovarystvo", "z", "obmezhenoyu", "vidpovidalnistyu"}, {"tov"}},
      {{"tovarystvo", "z", "obmezhenoiu", "vidpovidalnistiu"}, {"tov"}},
      {{"drustvo", "s", "ogranicenom", "odgovornoscu"}, {"doo"}},
      {{"spolecnost", "s", "rucenim", "omezenym"}, {"sro"}},
      {{"korlatolt", "felelossegu", "tarsasag"}, {"kft"}},
      {{"societe", "par", "actions", "simplifiee"}, {"sas"}},
      {{"sociedad", "limitada"}, {"sl"}},
      {{"sociedade", "limitada"}, {"ltda"}},
      {{"sendirian", "berhad"}, {"sdn", "bhd"}},
      {{"perseroan", "terbatas"}, {"pt"}},
      {{"kabushiki", "kaisha"}, {"kk"}},
      {{"kabushiki", "gaisha"}, {"kk"}},
      {{"kabushikikaisha"}, {"kk"}},
      {{"kabushikigaisha"}, {"kk"}},
      {{"yugen", "kaisha"}, {"yk"}},
      {{"godo", "kaisha"}, {"gk"}},
      {{"a", "s"}, {"as"}, true},
      {{"a", "b"}, {"ab"}, true},
      {{"o", "y"}, {"oy"}, true},
      {{"k", "k"}, {"kk"}, true},
      {{"k", "g"}, {"kg"}, true},
      {{"d", "o", "o"}, {"doo"}, true},
      {{"s", "r", "o"}, {"sro"}, true},
      {{"g", "m", "b", "h"}, {"gmbh"}, true},
  };
  return k;
}

// Russian company forms written out, in BGN/PCGN, GOST and ISO 9 spellings: "obshchestvo s
// ogranichennoy otvetstvennost'yu" (ООО), "(otkrytoye | zakrytoye | publichnoye) aktsionernoye
// obshchestvo" (OAO, ZAO, PAO, AO). Generated once from the spellings of each word.
const std::vector<Phrase>& RussianLegalPhrases() {
  static const std::vector<Phrase> k = [] {
    static constexpr std::string_view kSociety[] = {"obshchestvo", "obshhestvo", "obschestvo"};
    static constexpr std::string_view kLimited[] = {"ogranichennoy", "ogranichennoi", "ogranichennoj"};
    static constexpr std::string_view kLiability[] = {"otvetstvennostyu", "otvetstvennostiu",
                                                      "otvetstvennostju", "otvetstvennost"};
    static constexpr std::string_view kJointStock[] = {"aktsionernoye", "aktsionernoe", "akcionernoe",
                                                       "akcionernoye"};
    static constexpr std::pair<std::string_view, std::string_view> kKinds[] = {
        {"otkrytoye", "oao"}, {"otkrytoe", "oao"}, {"zakrytoye", "zao"}, {"zakrytoe", "zao"},
        {"publichnoye", "pao"}, {"publichnoe", "pao"}, {"nepublichnoye", "ao"}, {"nepublichnoe", "ao"}};
    std::vector<Phrase> out;
    for (auto society : kSociety) {
      for (auto limited : kLimited) {
        for (auto liability : kLiability) out.push_back({{society, "s", limited, liability}, {"ooo"}});
      }
      for (auto joint : kJointStock) {
        for (const auto& [kind, form] : kKinds) out.push_back({{kind, joint, society}, {form}});
        out.push_back({{joint, society}, {"ao"}});
      }
    }
    return out;
  }();
  return k;
}

// Every legal-form phrase by its first word (a name's words are looked up, not scanned).
const std::unordered_map<std::string_view, std::vector<const Phrase*>>& LegalPhrasesByFirstWord() {
  static const auto k = [] {
    std::unordered_map<std::string_view, std::vector<const Phrase*>> m;
    for (const auto* list : {&LegalPhrases(), &RussianLegalPhrases()}) {
      for (const Phrase& p : *list) m[p.words.front()].push_back(&p);
    }
    // Longest first: "julkinen osakeyhtio" before "osakeyhtio".
    for (auto& [w, phrases] : m) {
      std::stable_sort(phrases.begin(), phrases.end(),
                       [](const Phrase* a, const Phrase* b) { return a->words.size() > b->words.size(); });
    }
    return m;
  }();
  return k;
}

int NumberWord(std::string_view w) {
  static const std::unordered_map<std::string_view, int> k = {
      {"zero", 0},      {"one", 1},        {"two", 2},        {"three", 3},    {"four", 4},
      {"five", 5},      {"six", 6},        {"seven", 7},      {"eight", 8},    {"nine", 9},
      {"ten", 10},      {"eleven", 11},    {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},
      {"fifteen", 15},  {"sixteen", 16},   {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
      {"twenty", 20},   {"thirty", 30},    {"forty", 40},     {"fourty", 40},  {"fifty", 50},
      {"sixty", 60},    {"seventy", 70},   {"eighty", 80},    {"ninety", 90}};
  auto it = k.find(w);
  return it == k.end() ? -1 : it->second;
}

int RomanNumeral(std::string_view w, bool last) {
  static const std::unordered_map<std::string_view, int> k = {
      {"ii", 2}, {"iii", 3}, {"iv", 4}, {"vii", 7}, {"viii", 8}};
  if (auto it = k.find(w); it != k.end()) return it->second;
  if (last && w == "vi") return 6;  // "vi" and "ix" are also names: only as a last word
  if (last && w == "ix") return 9;
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return c >= 'a' && c <= 'z'; }
bool IsVowelLetter(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

// "h0ngda" → "hongda": only digits that stand for letters, one at a time, in a word of at least
// two letters with at least twice as many letters as digits ("su35", "mig29", "3m" stay).
// "1st", "2nd", "3rd", "44th": an ordinal number, not letters.
bool IsOrdinal(std::string_view w) {
  size_t d = 0;
  while (d < w.size() && IsDigit(w[d])) ++d;
  const std::string_view rest = w.substr(d);
  return d > 0 && (rest == "st" || rest == "nd" || rest == "rd" || rest == "th");
}

// Several digits ("P00tin", "S4m4t4", "R4d10tester") are read as letters too when they stand
// among the letters: a letter before the last digit and after the first, at least as many letters
// as digits. A block of digits at either end is a model or series number ("su35", "b737", "3m").
std::string ReadDigitsAsLetters(const std::string& w) {
  if (IsOrdinal(w)) return w;
  size_t letters = 0, digits = 0, first_digit = w.size(), last_digit = 0;
  bool adjacent = false;
  for (size_t i = 0; i < w.size(); ++i) {
    if (IsLetter(w[i])) ++letters;
    if (IsDigit(w[i])) {
      ++digits;
      if (std::string_view("013457").find(w[i]) == std::string_view::npos) return w;
      adjacent = adjacent || (i + 1 < w.size() && IsDigit(w[i + 1]));
      first_digit = std::min(first_digit, i);
      last_digit = i;
    }
  }
  if (digits == 0 || letters < 2) return w;
  const bool one_at_a_time = !adjacent && digits * 2 <= letters;
  const bool among_letters = letters >= digits &&
                             std::any_of(w.begin(), w.begin() + static_cast<long>(last_digit), IsLetter) &&
                             std::any_of(w.begin() + static_cast<long>(first_digit), w.end(), IsLetter);
  if (!one_at_a_time && !(digits >= 2 && among_letters)) return w;
  std::string out = w;
  for (size_t i = 0; i < out.size(); ++i) {
    switch (out[i]) {
      case '0': out[i] = 'o'; break;
      case '1': {
        // between vowels (or a vowel and the end) it reads as l ("a1i" → ali), else i ("jo1nt").
        const bool vowel_before = i > 0 && IsVowelLetter(out[i - 1]);
        const bool vowel_after = i + 1 >= out.size() || IsVowelLetter(out[i + 1]);
        out[i] = vowel_before && vowel_after ? 'l' : 'i';
        break;
      }
      case '3': out[i] = 'e'; break;
      case '4': out[i] = 'a'; break;
      case '5': out[i] = 's'; break;
      case '7': out[i] = 't'; break;
      default: break;
    }
  }
  return out;
}

// Russian names in the romanizations lists mix (BGN/PCGN, ICAO, GOST, ISO 9, the German and
// French habits) written one way: Iurii / Yuriy / Yurij / Yury → yury, Evgenii / Yevgeniy →
// evgeny, Kuznecov / Kuznetsov → kuznecov, Iuliia / Yuliya → yuliya, Tolstoj / Tolstoy →
// tolstoy, x → ks (GOST 7.79 B Mixail, English Alexander), Fyodor → fedor. GOST 7.79 B shh
// (щ) is not folded: Arabic names write sh + h (Mashhadani). Only name words of four letters or more that are not pinyin (a
// Chinese name split into syllables must still meet its joined spelling); the same fold on both
// sides, so a name meets itself unchanged. Differences of one letter (Sergei / Sergey,
// Zaitsev / Zaytsev, Kh / H) are left to the word similarity.
void FoldRomanization(std::string& w) {
  if (w.size() < 4 || !std::all_of(w.begin(), w.end(), IsLetter)) return;
  auto vowel = [](char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; };
  std::string f = w;
  // Word-initial Ю, Я, Е: iu/yu, ia/ya, ie/ye/e before a consonant.
  if (f[0] == 'i' && (f[1] == 'u' || f[1] == 'a') && !vowel(f[2]) && f[2] != 'y') {
    f[0] = 'y';
  } else if ((f[0] == 'y' || f[0] == 'i') && f[1] == 'e' && !vowel(f[2]) && f[2] != 'y') {
    f.erase(0, 1);
  }
  // Endings: -ii, -iy, -ij, -yj, -yy (й after и/ы) → -y; a final j after a vowel → y.
  const size_t n = f.size();
  const char a = f[n - 2], b = f[n - 1];
  if ((a == 'i' && (b == 'i' || b == 'y' || b == 'j')) || (a == 'y' && (b == 'y' || b == 'j'))) {
    f.resize(n - 1);
    f.back() = 'y';
  } else if (vowel(a) && b == 'j') {
    f.back() = 'y';
  }
  std::string out;
  out.reserve(f.size() + 1);
  for (size_t i = 0; i < f.size(); ++i) {
    const char c = f[i];
    const char next = i + 1 < f.size() ? f[i + 1] : '\0';
    // ц: ts before a vowel or v is GOST/ISO c (Kuznetsov, Tsvetkov).
    if (c == 't' && next == 's' && i + 2 < f.size() && (vowel(f[i + 2]) || f[i + 2] == 'y' || f[i + 2] == 'v')) {
      out.push_back('c');
      ++i;
      continue;
    }
    // й as GOST/ISO j after a vowel and before a consonant: i (Mixajlovich, Majkov).
    if (c == 'j' && i > 0 && vowel(f[i - 1]) && next != '\0' && !vowel(next) && next != 'y') {
      out.push_back('i');
      continue;
    }
    // ч as German tsch: ch (Igorevitsch).
    if (c == 't' && next == 's' && i + 3 < f.size() && f[i + 2] == 'c' && f[i + 3] == 'h') {
      out += "ch";
      i += 3;
      continue;
    }
    // х / кс: GOST 7.79 B writes х as x (Mixail), English writes кс as x (Alexander): ks meets
    // both within one letter (Miksail / Mikhail, Aleksandr).
    if (c == 'x') {
      out += "ks";
      continue;
    }
    // ё after a consonant: yo or e (Fyodor / Fedor, Artyom / Artem); not after the consonants
    // Korean writes before yo (Kyo, Hyo, Ryo, Myo, Pyo, Nyo).
    if (c == 'y' && next == 'o' && i > 0 && std::string_view("ftvldzbs").find(f[i - 1]) != std::string_view::npos) {
      out.push_back('e');
      ++i;
      continue;
    }
    // я after и: ICAO -iia → -iya (Iuliia, Mariia).
    if (c == 'i' && next == 'i' && i + 2 < f.size() && f[i + 2] == 'a') {
      out += "iy";
      ++i;
      continue;
    }
    out.push_back(c);
  }
  if (out != w && !IsPinyinWord(w)) w = std::move(out);
}

// The Arabic article `w` before `next`: al, el, or assimilated to next's sun letter (ad-Din,
// ash-Shami, an-Nur).
bool IsArticle(std::string_view w, std::string_view next) {
  if (next.size() < 2 || !IsLetter(next[0])) return false;
  if (w == "al" || w == "el") return true;
  return (w == "ad" || w == "ar" || w == "as" || w == "at" || w == "az" || w == "an" || w == "ash" ||
          w == "ath" || w == "adh") &&
         next.compare(0, w.size() - 1, w.substr(1)) == 0;
}

// Length of a leading Abdul/Abdel/Abdal/Abdol/Abdoul/Abdur/Abdor/Abder: the whole word, or a
// prefix followed by at least four letters (Abdulrahman; Abdullah stays); 0 for none.
size_t AbdulPrefix(std::string_view w) {
  static constexpr std::string_view kPrefixes[] = {"abdoul", "abdul", "abdel", "abdal",
                                                   "abdol",  "abdur", "abdor", "abder"};
  for (std::string_view p : kPrefixes) {
    if (w == p) return p.size();
    if (w.size() >= p.size() + 4 && w.compare(0, p.size(), p) == 0 &&
        std::all_of(w.begin(), w.end(), IsLetter)) {
      return p.size();
    }
  }
  return 0;
}

// "din" of the compounds X al-Din (Nur al-Din, Salah ad-Din) in its spellings.
bool IsDin(std::string_view w) { return w == "din" || w == "deen" || w == "dine" || w == "ddin"; }

// One spelling of the compounds written as one word: Nuruddin, Noureddine, Nuraddin, Nuraldin →
// nuruddin; Salaheddine → salahuddin. The stem keeps at least three letters.
std::string UddinCompound(std::string w) {
  static constexpr std::string_view kEndings[] = {"uddeen", "eddine", "uddin", "eddin", "addin",
                                                  "oddin",  "aldin",  "eldin", "uldin"};
  for (std::string_view e : kEndings) {
    if (w.size() >= e.size() + 3 && w.compare(w.size() - e.size(), e.size(), e) == 0) {
      w.resize(w.size() - e.size());
      w += "uddin";
      return w;
    }
  }
  return w;
}

const std::unordered_set<std::string_view>& MuhammadSpellings() {
  static const std::unordered_set<std::string_view> k = {
      "mohammed", "mohammad", "mohamed", "mohamad", "muhammad", "muhammed", "muhamad",
      "muhamed",  "mohammod", "mohamud", "mouhamed", "mouhammad", "mohd",   "muhd"};
  return k;
}

}  // namespace

std::string WadeGilesToPinyin(std::string_view s) {
  struct Token {
    size_t begin, end;
    std::string text;  // lowercase letters and '
  };
  std::vector<Token> tokens;
  bool other = false;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      Token t{i, i, ""};
      size_t len = 0;
      while (i < s.size()) {
        const char d = s[i];
        if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z')) {
          t.text.push_back(static_cast<char>(d | 0x20));
          ++i;
        } else if (IsApostrophe(s, i, &len) && !t.text.empty()) {
          t.text.push_back('\'');
          i += len;
        } else {
          break;
        }
      }
      while (!t.text.empty() && t.text.back() == '\'') t.text.pop_back();
      t.end = i;
      tokens.push_back(std::move(t));
    } else {
      if (static_cast<unsigned char>(c) >= 0x80) other = true;
      ++i;
    }
  }
  if (other || tokens.size() < 2) return std::string(s);
  std::vector<std::optional<WadeGiles>> parsed;
  bool any_only = false;
  for (const Token& t : tokens) {
    auto wg = ParseWadeGiles(t.text);
    std::string plain = t.text;
    plain.erase(std::remove(plain.begin(), plain.end(), '\''), plain.end());
    const bool pinyin = IsPinyinWordMemo(plain);
    if (!wg && !pinyin) return std::string(s);  // not a name in Chinese syllables
    // An apostrophe after a consonant is Wade-Giles aspiration (pinyin's comes before a vowel).
    any_only = any_only || (wg && ((wg->only_wade_giles && !pinyin) || plain != t.text));
    parsed.push_back(std::move(wg));
  }
  if (!any_only) return std::string(s);
  std::string out;
  size_t at = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    out.append(s.substr(at, tokens[i].begin - at));
    out += parsed[i] ? parsed[i]->pinyin : tokens[i].text;
    at = tokens[i].end;
  }
  out.append(s.substr(at));
  return out;
}

bool IsTitleWord(std::string_view word) { return Titles().title_words.count(word) > 0; }

std::vector<std::string> CanonicalWords(std::vector<std::string> words, bool abjad) {
  for (std::string& w : words) w = ReadDigitsAsLetters(w);
  // Legal forms written out, and spelled as letters.
  std::vector<std::string> out;
  out.reserve(words.size());
  for (size_t i = 0; i < words.size();) {
    bool replaced = false;
    const auto& by_first = LegalPhrasesByFirstWord();
    const auto found = by_first.find(words[i]);
    static const std::vector<const Phrase*> kNone;
    for (const Phrase* phrase : found == by_first.end() ? kNone : found->second) {
      const Phrase& p = *phrase;
      const size_t n = p.words.size();
      if (i + n > words.size() ||
          !std::equal(p.words.begin(), p.words.end(), words.begin() + static_cast<long>(i))) {
        continue;
      }
      if (p.letters && !(i > 0 && (i + n == words.size() || words[i + n] == "de"))) continue;
      for (std::string_view c : p.canonical) out.emplace_back(c);
      i += n;
      replaced = true;
      break;
    }
    if (!replaced) out.push_back(std::move(words[i++]));
  }
  words = std::move(out);

  // Titles before a person's name and generational suffixes after it (a business name keeps
  // "General" in "General Trading Co").
  const bool business = std::any_of(words.begin(), words.end(), [](const std::string& w) {
    const TokenClass c = ClassifyToken(w);
    return c == TokenClass::kLegalForm || c == TokenClass::kGeneric;
  });
  // A title or suffix that is the whole name stays ("Major", "Judge").
  if (!business) {
    size_t lead = 0;
    // In a name written in Arabic or Hebrew letters a vowel-less word is a consonant skeleton
    // ("سارا" → "sr"), not an abbreviated title.
    auto skeleton = [&](size_t i) {
      return abjad && std::none_of(words[i].begin(), words[i].end(), IsVowelLetter);
    };
    for (size_t n; lead < words.size() && !skeleton(lead) && (n = TitleAt(words, lead)) > 0 &&
                   lead + n < words.size();) {
      lead += n;
    }
    words.erase(words.begin(), words.begin() + static_cast<long>(lead));
    // A generation (II, III, 3rd) follows a given name and a family name; after one word it is a
    // series number ("Series II" ≠ "Series III").
    // After a word that names a series (Series, Fund, Phase, Block, Mark, …) it is a number.
    auto generation = [](const std::string& w) {
      return w == "ii" || w == "iii" || w == "iv" || w == "2nd" || w == "3rd" || w == "4th";
    };
    auto series = [](const std::string& w) {
      static const std::unordered_set<std::string_view> k = {
          "series", "fund", "class", "tranche", "phase", "unit", "block", "lot", "stage", "mark",
          "mk", "model", "type", "version", "edition", "generation", "part", "round", "project"};
      return k.count(w) > 0;
    };
    for (size_t n; !words.empty() && !skeleton(words.size() - 1) &&
                   (n = SuffixBefore(words, words.size())) > 0 &&
                   n + (generation(words.back()) ? 1 : 0) < words.size() &&
                   !(generation(words.back()) && series(words[words.size() - 2]));) {
      words.resize(words.size() - n);
    }
  }

  // Numbers, digits for letters, Arabic articles and spellings.
  out.clear();
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    const bool last = i + 1 == words.size();
    if (const int n = NumberWord(w); n >= 0) {
      int value = n;
      if (n >= 20 && n % 10 == 0 && !last) {
        const int unit = NumberWord(words[i + 1]);
        if (unit >= 1 && unit <= 9) value += unit, ++i;
      }
      out.push_back(std::to_string(value));
      continue;
    }
    // A business name's last word I, V or X is a series number ("Holdings V"), not an initial.
    if (business && last && i > 0 && (w == "i" || w == "v" || w == "x")) {
      out.push_back(w == "i" ? "1" : w == "v" ? "5" : "10");
      continue;
    }
    if (i > 0) {
      if (const int r = RomanNumeral(w, last); r > 0) {
        out.push_back(std::to_string(r));
        continue;
      }
    }
    if ((w == "no" || w == "nr" || w == "num" || w == "number") && !last) {
      const std::string& next = words[i + 1];
      if ((!next.empty() && IsDigit(next[0])) || NumberWord(next) >= 0) continue;
    }
    if (MuhammadSpellings().count(w) > 0) w = "mohammed";  // the lists' usual spelling
    // Abd al-X: "Abd al-Rahman", "Abdel Rahman", "Abdulrahman" are "abdul rahman" ("Abdur" keeps
    // its spelling, one letter from Abdul); "Abd" alone (a name written surname first) is Abdul.
    if (const size_t prefix = AbdulPrefix(w); prefix > 0 && prefix < w.size()) {
      std::string head = w.substr(0, prefix);
      w.erase(0, prefix);
      out.push_back(head == "abdur" || head == "abdor" || head == "abder" ? head : "abdul");
    } else if (w == "abd" || w == "abdel" || w == "abdal" || w == "abdol" || w == "abdoul") {
      w = "abdul";
    } else if (w == "adb" && i + 2 < words.size() && IsArticle(words[i + 1], words[i + 2])) {
      w = "abdul";  // Abd with two letters swapped, as lists misspell it ("Adb al-Hamid")
    }
    if (w == "abdul" && i + 2 < words.size() && IsArticle(words[i + 1], words[i + 2])) {
      out.push_back(std::move(w));
      ++i;  // Abd al-, Abdul al-: the article is part of Abdul
      continue;
    }
    if (w == "ibn") w = "bin";
    w = UddinCompound(std::move(w));
    // The Arabic article is its own word "al" (a stop word), written al-/el- or assimilated to a
    // sun letter (ad-Din, ash-Shami, an-Nur): "Hassan Masri" is "Hassan al-Masri", and a joined
    // spelling ("Almasri") meets the join of "al"+"masri". "ul"/"ud"
    // (izafat, Zia-ul-Haq) joins the word before it.
    if (!last && words[i + 1].size() >= 2 && IsLetter(words[i + 1][0])) {
      const std::string& next = words[i + 1];
      const bool article = IsArticle(w, next);
      if (article && w != "al" && w != "el" && (w == "an" || w == "at" || w == "as") && i == 0) {
        // English "an", "at", "as" opening a name are not the article.
      } else if ((article || w == "ud" || w == "ul") && !out.empty() && IsDin(next)) {
        out.back() += "uddin";  // Nur al-Din, Nur ud-Din: Nuruddin
        ++i;
        continue;
      } else if (article) {
        out.emplace_back("al");
        continue;
      } else if ((w == "ul" || w == "ud") && !out.empty() && !IsDigit(out.back()[0])) {
        out.back() += w;
        continue;
      }
    }
    if (ClassifyToken(w) == TokenClass::kName) FoldRomanization(w);
    out.push_back(std::move(w));
  }
  return out;
}

bool DifferentKoreanVowels(std::string_view a, std::string_view b) {
  if (a.size() > 7 || b.size() > 7 || a == b) return false;
  // An e before o or u (eo, eu) is the vowel distinction; without it the words would be equal.
  // Compared in place: this runs for every word pair a query meets.
  auto dropped = [](std::string_view w, size_t i) {
    return w[i] == 'e' && i + 1 < w.size() && (w[i + 1] == 'o' || w[i + 1] == 'u');
  };
  auto has_eo = [&](std::string_view w) {
    for (size_t i = 0; i + 1 < w.size(); ++i) {
      if (dropped(w, i)) return true;
    }
    return false;
  };
  if (has_eo(a) == has_eo(b)) return false;
  size_t i = 0, j = 0;
  for (;;) {
    while (i < a.size() && dropped(a, i)) ++i;
    while (j < b.size() && dropped(b, j)) ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (a[i] != b[j]) return false;
    ++i, ++j;
  }
}

namespace {
// The initial of a pinyin syllable (longest first: "zh" before "z"); "" for none.
std::string_view PinyinInitial(std::string_view s) {
  for (std::string_view ini : kPinyinInitials) {
    if (!ini.empty() && s.substr(0, ini.size()) == ini) return ini;
  }
  return "";
}
// Initials that Wade-Giles and other romanizations write for one pinyin initial (ch for zh, j and
// q; k for g; t for d; p for b; s or hs for x): such syllables may be one name.
int RomanizationGroup(std::string_view ini) {
  static const std::pair<std::string_view, int> kGroups[] = {
      {"zh", 1}, {"ch", 1}, {"j", 1}, {"q", 1}, {"z", 2}, {"c", 2}, {"g", 3}, {"k", 3},
      {"d", 4},  {"t", 4},  {"b", 5}, {"p", 5}, {"x", 6}, {"s", 6}, {"sh", 6}};
  for (const auto& [i, g] : kGroups) {
    if (i == ini) return g;
  }
  return 0;
}
}  // namespace

// `w` as at most two pinyin syllables (as IsPinyinWord reads it: longest syllable first), or false.
// Chinese given names have one or two; longer words read as pinyin are as often other names
// ("sofianne" as so-fian-ne).
struct Syllables {
  std::array<std::string_view, 2> s;
  size_t n = 0;
};
bool PinyinSyllables(std::string_view w, Syllables& out) {
  if (w.empty()) return out.n > 0;
  if (out.n >= out.s.size()) return false;
  if (out.n > 0 && (w[0] == 'a' || w[0] == 'e' || w[0] == 'o')) return false;
  for (size_t n = std::min<size_t>(6, w.size()); n >= 1; --n) {
    if (!IsPinyinSyllable(w.substr(0, n))) continue;
    out.s[out.n++] = w.substr(0, n);
    if (PinyinSyllables(w.substr(n), out)) return true;
    --out.n;
  }
  return false;
}

bool DifferentPinyinSyllables(std::string_view a, std::string_view b) {
  if (a == b || a.size() > 12 || b.size() > 12 || a.empty() || b.empty()) return false;
  // Every pinyin syllable ends in a vowel, n, g or r (er): most other words are out at once.
  auto pinyin_end = [](char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'n' || c == 'g' || c == 'r';
  };
  if (!pinyin_end(a.back()) || !pinyin_end(b.back())) return false;
  Syllables sa, sb;
  if (!PinyinSyllables(a, sa) || !PinyinSyllables(b, sb) || sa.n != sb.n) return false;
  // Two syllables each: one of them shared, as in a Chinese given name ("jiarong" / "jiadong");
  // otherwise the words are as often other names read as pinyin ("tania" / "tanya").
  if (sa.n == 2 && sa.s[0] != sb.s[0] && sa.s[1] != sb.s[1]) return false;
  for (size_t i = 0; i < sa.n; ++i) {
    if (sa.s[i] == sb.s[i]) continue;
    // Wade-Giles "yen" is pinyin "yan".
    if ((sa.s[i] == "yen" && sb.s[i] == "yan") || (sa.s[i] == "yan" && sb.s[i] == "yen")) continue;
    const std::string_view ia = PinyinInitial(sa.s[i]), ib = PinyinInitial(sb.s[i]);
    if (sa.s[i].substr(ia.size()) == sb.s[i].substr(ib.size()) && RomanizationGroup(ia) != 0 &&
        RomanizationGroup(ia) == RomanizationGroup(ib)) {
      continue;  // "zhang" / "chang": one syllable in two romanizations
    }
    return true;
  }
  return false;
}

}  // namespace exportctl::screen::internal

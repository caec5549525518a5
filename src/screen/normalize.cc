#include "screen/normalize.h"

#include "screen/khmer.h"
#include "screen/places.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace exportctl::screen {
namespace {

// Legal forms seen in the CSL, SDN and DPL, in several languages (transliterated to ASCII).
const std::unordered_set<std::string_view>& LegalForms() {
  static const std::unordered_set<std::string_view> kForms = {
      // English
      "co",
      "company",
      "companies",
      "corp",
      "corporation",
      "inc",
      "incorporated",
      "ltd",
      "limited",
      "llc",
      "llp",
      "lp",
      "plc",
      "pte",
      "pvt",
      "pty",
      "private",
      "public",
      "lc",
      // German, Dutch, Nordic
      "gmbh",
      "ag",
      "kg",
      "mbh",
      "bv",
      "nv",
      "ab",
      "oy",
      "oyj",
      "as",
      "asa",
      "aktiebolag",
      "osakeyhtio",
      "sendirian",
      "berhad",
      "yk",
      "gk",
      "aps",
      // Romance
      "sa",
      "sas",
      "sarl",
      "srl",
      "spa",
      "sl",
      "ltda",
      "cv",
      "sae",
      "sal",
      "scs",
      "eirl",
      // Russian, Ukrainian, Belarusian (ООО, ОАО, ЗАО, ПАО, АО, ТОВ, ...)
      "ooo",
      "oao",
      "zao",
      "pao",
      "ao",
      "tov",
      "jsc",
      "ojsc",
      "cjsc",
      "pjsc",
      "ojs",
      "chp",
      "ip",
      "obshchestvo",
      "ogranichennoi",
      "ogranichennoy",
      "otvetstvennostiu",
      "otvetstvennostyu",
      "aktsionernoe",
      "publichnoe",
      "zakrytoe",
      "otkrytoe",
      "tovarystvo",
      // Middle East, Asia
      "fzco",
      "fze",
      "fzc",
      "fz",
      "wll",
      "est",
      "sdn",
      "bhd",
      "tbk",
      "pt",
      "kk",
      "kabushiki",
      "kaisha",
      "youxian",
      "gongsi",
      "zerenyouxiangongsi",
      "youxiangongsi",
      "gufenyouxiangongsi",
      "kromhun",  // Khmer ក្រុមហ៊ុន, company
      // Central and Eastern Europe
      "doo",
      "dd",
      "ad",
      "ead",
      "sro",
      "zrt",
      "kft",
      "sp",
      "zoo",
      "ood",
      "eood",
  };
  return kForms;
}

const std::unordered_set<std::string_view>& StopWords() {
  static const std::unordered_set<std::string_view> kWords = {
      "the", "of",  "and", "for", "in",  "on",    "at",  "to",  "an", "by",  "with",  // English
      "de",  "del", "la",  "le",  "les", "el",    "los", "las", "du", "des", "y",
      "et",                                              // Romance
      "di",  "da",  "do",  "dos", "das", "della", "e",   // Italian, Portuguese
      "der", "die", "und", "van", "von", "fur",   "zu",  // German, Dutch
      "al",  // the Arabic article, its own word (docs/screening.md, "Canonical words")
  };
  return kWords;
}

// CJK legal forms are rewritten before transliteration so that "有限公司" becomes one legal-form
// word instead of four syllables ("you xian gong si").
constexpr std::array<std::pair<std::u16string_view, std::u16string_view>, 8> kScriptLegalForms = {{
    {u"股份有限公司", u" gufenyouxiangongsi "},
    {u"有限责任公司", u" youxiangongsi "},
    {u"有限公司", u" youxiangongsi "},
    {u"公司", u" gongsi "},
    {u"株式会社", u" kabushiki kaisha "},
    {u"有限會社", u" youxiangongsi "},
    {u"주식회사", u" kabushiki kaisha "},
    {u"유한회사", u" youxiangongsi "},
}};

// Hangul syllables are romanized here rather than by ICU, one word per syllable: ICU joins a
// name's syllables ("김정은" → "gimjeong-eun") where lists write "Kim Jong Un". Revised
// Romanization consonants; the vowels ㅓ ㅕ ㅡ as lists spell them (o, yo, u: "Jong", "Un"); the
// first syllable of a word of up to three syllables read as a surname in its usual spelling.
constexpr char16_t kHangulFirst = 0xAC00, kHangulLast = 0xD7A3;
constexpr const char* kHangulLeads[19] = {"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s",
                                          "ss", "",  "j", "jj", "ch", "k", "t", "p", "h"};
// Revised Romanization vowels (ㅓ eo, ㅕ yeo, ㅡ eu keep 정 jeong apart from 종 jong), and the
// vowels as the lists write them in McCune-Reischauer without breves (ㅓ o, ㅡ u: "Kim Jong Un").
constexpr const char* kHangulVowels[21] = {"a",  "ae", "ya", "yae", "eo", "e",  "yeo",
                                           "ye", "o",  "wa", "wae", "oe", "yo", "u",
                                           "wo", "we", "wi", "yu",  "eu", "ui", "i"};
constexpr const char* kHangulVowelsAsListed[21] = {"a",  "ae", "ya", "yae", "o",  "e",  "yo",
                                                   "ye", "o",  "wa", "wae", "oe", "yo", "u",
                                                   "wo", "we", "wi", "yu",  "u",  "ui", "i"};
constexpr const char* kHangulTails[28] = {"",  "k", "k", "k", "n", "n", "n", "t", "l", "k",
                                          "m", "l", "l", "l", "p", "l", "m", "p", "p", "t",
                                          "t", "ng", "t", "t", "k", "t", "p", "t"};
const char* HangulSurname(char16_t syllable) {
  switch (syllable) {
    case u'김': return "kim";
    case u'이': return "lee";
    case u'리': return "ri";
    case u'박': return "park";
    case u'최': return "choi";
    case u'강': return "kang";
    case u'조': return "cho";
    case u'윤': return "yoon";
    case u'임': return "lim";
    case u'오': return "oh";
    case u'신': return "shin";
    case u'권': return "kwon";
    case u'안': return "ahn";
    case u'고': return "ko";
    case u'문': return "moon";
    case u'곽': return "kwak";
    case u'노': return "roh";
    case u'구': return "koo";
    case u'공': return "kong";
    default: return nullptr;
  }
}
bool IsHangulSyllable(char16_t c) { return c >= kHangulFirst && c <= kHangulLast; }

// Every Hangul syllable of `text` replaced by its romanization between spaces.
icu::UnicodeString RomanizeHangul(const icu::UnicodeString& text, bool as_listed) {
  int32_t syllables = 0;
  for (int32_t i = 0; i < text.length(); ++i) syllables += IsHangulSyllable(text.charAt(i));
  if (syllables == 0) return text;
  icu::UnicodeString out;
  bool first = true;
  for (int32_t i = 0; i < text.length(); ++i) {
    const char16_t c = text.charAt(i);
    if (!IsHangulSyllable(c)) {
      out.append(c);
      first = first || c == u' ';
      continue;
    }
    std::string roman;
    if (const char* surname = HangulSurname(c); first && syllables <= 3 && surname != nullptr) {
      roman = surname;
    } else {
      const int index = c - kHangulFirst;
      roman = std::string(kHangulLeads[index / 588]) +
              (as_listed ? kHangulVowelsAsListed : kHangulVowels)[(index % 588) / 28] +
              kHangulTails[index % 28];
    }
    first = false;
    out.append(u' ');
    out.append(icu::UnicodeString::fromUTF8(roman));
    out.append(u' ');
  }
  return out;
}

// Every run of Khmer letters of `text` replaced by its romanization (src/screen/khmer.cc): ICU
// has no Khmer transliterator.
icu::UnicodeString RomanizeKhmer(const icu::UnicodeString& text) {
  int32_t i = 0;
  while (i < text.length() && !internal::IsKhmer(text.charAt(i))) ++i;
  if (i == text.length()) return text;
  icu::UnicodeString out(text, 0, i);
  while (i < text.length()) {
    if (!internal::IsKhmer(text.charAt(i))) {
      out.append(text.charAt(i++));
      continue;
    }
    const int32_t start = i;
    while (i < text.length() && internal::IsKhmer(text.charAt(i))) ++i;
    const std::string roman = internal::RomanizeKhmer(
        std::u16string_view(reinterpret_cast<const char16_t*>(text.getBuffer()) + start, i - start));
    out.append(icu::UnicodeString::fromUTF8(roman));
  }
  return out;
}

class IcuFolder {
 public:
  IcuFolder() {
    UErrorCode status = U_ZERO_ERROR;
    nfkc_casefold_ = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) nfkc_casefold_ = nullptr;
    status = U_ZERO_ERROR;
    // Cyrillic as BGN/PCGN writes it (Khrushchev, Yuriy; the lists' spelling), every other
    // script by ICU's default; older ICU without the BGN table falls back to Any-Latin.
    transliterator_.reset(icu::Transliterator::createInstance(
        "Russian-Latin/BGN; Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
    if (U_FAILURE(status)) {
      status = U_ZERO_ERROR;
      transliterator_.reset(
          icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
    }
    if (U_FAILURE(status)) transliterator_.reset();
    status = U_ZERO_ERROR;
    nfd_ = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) nfd_ = nullptr;
  }

  std::string Fold(std::string_view utf8, bool korean_as_listed = false) const {
    icu::UnicodeString text = icu::UnicodeString::fromUTF8(
        icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
    UErrorCode status = U_ZERO_ERROR;
    if (nfkc_casefold_ != nullptr) {
      icu::UnicodeString folded = nfkc_casefold_->normalize(text, status);
      if (U_SUCCESS(status)) text = folded;
    }
    for (const auto& [from, to] : kScriptLegalForms) {
      text.findAndReplace(icu::UnicodeString(false, from.data(), static_cast<int32_t>(from.size())),
                          icu::UnicodeString(false, to.data(), static_cast<int32_t>(to.size())));
    }
    text = RomanizeHangul(text, korean_as_listed);
    text = RomanizeKhmer(text);
    // Text already in Latin script (accents, ß, ł, …) skips the slower Any-Latin step: NFD,
    // combining marks dropped, a few letters spelled out.
    if (IsLatin(text) && nfd_ != nullptr) {
      UErrorCode nfd_status = U_ZERO_ERROR;
      const icu::UnicodeString decomposed = nfd_->normalize(text, nfd_status);
      if (U_SUCCESS(nfd_status)) {
        std::string out;
        for (int32_t i = 0; i < decomposed.length(); ++i) {
          const char16_t c = decomposed.charAt(i);
          const char16_t mark = i + 1 < decomposed.length() ? decomposed.charAt(i + 1) : 0;
          if (const char* spelled = SpellWithMark(c, mark); spelled != nullptr) {
            out += spelled;  // š → sh, ŏ → eo: the mark is a letter of its own in romanization
            ++i;
          } else if (c < 0x80) {
            out.push_back(static_cast<char>(c));
          } else if (c >= 0x0300 && c <= 0x036F) {
            continue;  // combining mark
          } else if (const char* spelled = SpellLatin(c); spelled != nullptr) {
            out += spelled;
          } else {
            out.push_back(' ');
          }
        }
        return out;
      }
    }
    if (transliterator_) transliterator_->transliterate(text);
    std::string out;
    text.toUTF8String(out);
    return out;
  }

 private:
  // Romanizations of Cyrillic (ISO 9, GOST 7.79 A: š č ž ŝ) and Korean (McCune-Reischauer: ŏ ŭ)
  // write with a diacritic what BGN/PCGN and Revised Romanization write with two letters.
  static const char* SpellWithMark(char16_t base, char16_t mark) {
    if (mark == 0x030C) {  // caron
      switch (base) {
        case u's': return "sh";
        case u'c': return "ch";
        case u'z': return "zh";
        default: return nullptr;
      }
    }
    if (mark == 0x0306) {  // breve
      switch (base) {
        case u'o': return "eo";
        case u'u': return "eu";
        default: return nullptr;
      }
    }
    if (mark == 0x0302 && base == u's') return "shch";  // ISO 9 ŝ (щ)
    return nullptr;
  }
  // Latin letters whose decomposition has no ASCII base letter.
  static const char* SpellLatin(char16_t c) {
    switch (c) {
      case u'ß':
        return "ss";
      case u'æ':
        return "ae";
      case u'œ':
        return "oe";
      case u'ø':
        return "o";
      case u'ł':
        return "l";
      case u'đ':
        return "d";
      case u'ð':
        return "d";
      case u'þ':
        return "th";
      case u'ı':
        return "i";
      case u'ħ':
        return "h";
      case u'ŋ':
        return "ng";
      case u'ſ':
        return "s";
      case u'’':
      case u'‘':
      case u'ʼ':
      case u'ʻ':
      case u'ʿ':
      case u'ʾ':
      case u'´':
        return "'";
      case u'‐':
      case u'‑':
      case u'–':
      case u'—':
        return "-";
      default:
        return nullptr;
    }
  }
  // True when every code unit is ASCII, Latin-1/Extended-A/B, Latin Extended Additional,
  // combining marks or general punctuation: the fast path handles these.
  static bool IsLatin(const icu::UnicodeString& text) {
    for (int32_t i = 0; i < text.length(); ++i) {
      const char16_t c = text.charAt(i);
      const bool latin = c < 0x0250 || (c >= 0x02B0 && c <= 0x036F) ||
                         (c >= 0x1E00 && c <= 0x1EFF) || (c >= 0x2000 && c <= 0x206F);
      if (!latin) return false;
    }
    return true;
  }
  const icu::Normalizer2* nfkc_casefold_ = nullptr;
  std::unique_ptr<icu::Transliterator> transliterator_;
  const icu::Normalizer2* nfd_ = nullptr;
};

const IcuFolder& ThreadFolder() {
  thread_local IcuFolder folder;
  return folder;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Lowercases ASCII letters and digits; drops apostrophes and leftover non-ASCII (modifier letters
// such as ʿ); everything else separates words.
std::string AsciiWords(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(static_cast<char>(c));
    } else if (c >= 'A' && c <= 'Z') {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == '\'' || c == '`' || c >= 0x80) {
      continue;
    } else {
      pending_space = true;
    }
  }
  return out;
}

// The non-empty words of `text` between spaces.
std::vector<std::string_view> SpaceSeparated(std::string_view text) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

// Thai (U+0E00–0E7F), Lao (U+0E80–0EFF): UTF-8 E0 B8–BB; Myanmar (U+1000–109F): E1 80–82.
bool IsUnspacedScript(std::string_view word) {
  for (size_t i = 0; i + 1 < word.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(word[i]), b1 = static_cast<unsigned char>(word[i + 1]);
    if ((b0 == 0xE0 && b1 >= 0xB8 && b1 <= 0xBB) || (b0 == 0xE1 && b1 >= 0x80 && b1 <= 0x82)) return true;
  }
  return false;
}

// Arabic or Hebrew letters (UTF-8 lead bytes of U+05C0–06FF and U+0740–077F).
bool IsAbjad(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c >= 0xD7 && c <= 0xDB) || c == 0xDD;
  });
}

// Abjads write consonants and long vowels only; the vowel letters a transliteration puts in
// (alif → a, ayin → nothing or a) are dropped so the word is a consonant skeleton throughout.
std::string DropVowels(std::string_view folded) {
  std::string out;
  for (char c : folded) {
    if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') continue;
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

const char* TokenClassName(TokenClass c) {
  switch (c) {
    case TokenClass::kName:
      return "name";
    case TokenClass::kLegalForm:
      return "legal_form";
    case TokenClass::kStopWord:
      return "stop_word";
    case TokenClass::kInitial:
      return "initial";
    case TokenClass::kNumber:
      return "number";
    case TokenClass::kPlace:
      return "place";
    case TokenClass::kGeneric:
      return "generic";
  }
  return "name";
}

namespace {
std::string FoldWords(std::string_view utf8, bool korean_as_listed);
}  // namespace

std::string FoldToAscii(std::string_view utf8) { return FoldWords(utf8, false); }

bool HasHangul(std::string_view utf8) {
  // Hangul syllables U+AC00–U+D7A3: UTF-8 EA B0 80 … ED 9E A3.
  for (size_t i = 0; i + 2 < utf8.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(utf8[i]), b1 = static_cast<unsigned char>(utf8[i + 1]);
    if ((b0 == 0xEA && b1 >= 0xB0) || b0 == 0xEB || b0 == 0xEC || (b0 == 0xED && b1 <= 0x9E)) return true;
  }
  return false;
}

std::string FoldToAsciiKoreanAsListed(std::string_view utf8) { return FoldWords(utf8, true); }

namespace {
std::string FoldWords(std::string_view utf8, bool korean_as_listed) {
  if (IsAscii(utf8)) return AsciiWords(utf8);
  // Words are folded one at a time through a per-thread cache: transliteration (Han, Arabic, …)
  // costs tens of microseconds, and names repeat their words.
  thread_local std::unordered_map<std::string, std::string> cache_rr, cache_listed;
  auto& cache = korean_as_listed ? cache_listed : cache_rr;
  constexpr size_t kMaxCached = 100000;
  std::string out;
  for (const std::string_view word : SpaceSeparated(utf8)) {
    std::string folded;
    if (IsAscii(word)) {
      folded = AsciiWords(word);
    } else if (auto it = cache.find(std::string(word)); it != cache.end()) {
      folded = it->second;
    } else {
      folded = AsciiWords(ThreadFolder().Fold(word, korean_as_listed));
      // Thai, Lao and Myanmar write a word without spaces; ICU's transliteration separates its
      // syllables ("ni ko lai"), which are one word.
      if (IsUnspacedScript(word)) folded.erase(std::remove(folded.begin(), folded.end(), ' '), folded.end());
      if (IsAbjad(word)) folded = DropVowels(folded);
      if (cache.size() >= kMaxCached) cache.clear();
      cache.emplace(std::string(word), folded);
    }
    if (folded.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out += folded;
  }
  return out;
}
}  // namespace

std::vector<std::string> UnreadableWords(std::string_view utf8) {
  std::vector<std::string> out;
  for (const std::string_view word : SpaceSeparated(utf8)) {
    if (IsAscii(word) || !FoldToAscii(word).empty()) continue;
    // Punctuation and symbols alone are not a name word; letters are.
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(word.data(), static_cast<int32_t>(word.size())));
    bool letters = false;
    for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) letters = letters || u_isalpha(u.char32At(i));
    if (letters) out.emplace_back(word);
  }
  return out;
}

std::string QuotedUnreadableWords(std::string_view utf8) {
  std::string words;
  for (const auto& w : UnreadableWords(utf8)) words += (words.empty() ? "'" : ", '") + w + "'";
  return words;
}

std::vector<std::string> Tokenize(std::string_view utf8) {
  const std::string folded = FoldToAscii(utf8);
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < folded.size()) {
    size_t end = folded.find(' ', start);
    if (end == std::string::npos) end = folded.size();
    if (end > start) tokens.emplace_back(folded.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

namespace internal {
TokenClass BasicTokenClass(std::string_view token) {
  if (std::any_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return TokenClass::kNumber;
  }
  if (token.size() == 1) return TokenClass::kInitial;
  if (LegalForms().count(token) > 0) return TokenClass::kLegalForm;
  if (StopWords().count(token) > 0) return TokenClass::kStopWord;
  return TokenClass::kName;
}
}  // namespace internal

TokenClass ClassifyToken(std::string_view token) {
  const TokenClass c = internal::BasicTokenClass(token);
  if (c != TokenClass::kName) return c;
  if (internal::IsGenericBusinessWord(token)) return TokenClass::kGeneric;
  if (internal::Places().words.count(std::string(token)) > 0) return TokenClass::kPlace;
  return c;
}

std::vector<TokenClass> ClassifyWords(const std::vector<std::string>& words) {
  std::vector<TokenClass> classes;
  classes.reserve(words.size());
  for (const auto& w : words) classes.push_back(ClassifyToken(w));
  const internal::PlaceVocabulary& places = internal::Places();
  for (size_t i = 0; i < words.size(); ++i) {
    auto it = places.phrases_by_first_word.find(words[i]);
    if (it == places.phrases_by_first_word.end()) continue;
    for (size_t p : it->second) {
      const auto& phrase = places.phrases[p];
      if (i + phrase.size() > words.size() || !std::equal(phrase.begin(), phrase.end(), words.begin() + i)) {
        continue;
      }
      for (size_t k = i; k < i + phrase.size(); ++k) {
        if (classes[k] == TokenClass::kName) classes[k] = TokenClass::kPlace;
      }
    }
  }
  return classes;
}

std::string ReorderSurnameFirst(std::string_view name) {
  const size_t comma = name.find(',');
  if (comma == std::string_view::npos || name.find(',', comma + 1) != std::string_view::npos) {
    return std::string(name);
  }
  std::string_view surname = name.substr(0, comma);
  std::string_view given = name.substr(comma + 1);
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  if (given.empty() || surname.empty()) return std::string(name);
  std::string out(given);
  out.push_back(' ');
  out.append(surname);
  return out;
}

}  // namespace exportctl::screen

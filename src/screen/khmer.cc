// Khmer → Latin (docs/screening.md, "Normalization"). ICU has no Khmer transliterator, so a
// Khmer name would otherwise be unreadable. The letters follow UNGEGN (1972) in ASCII, with the
// choices Cambodian names take in the lists where the systems differ (ៀ "ea" as in Heang, Tea;
// ោ "o" as in Koh, Hor; ែ "e" as in Sen; ំ after a second-series consonant "om" as in Phnom).
//
// A Khmer syllable is written: a consonant (or an independent vowel), subscript consonants each
// after U+17D2 coeng, a register shifter (៉ to the first series, ៊ to the second), one dependent
// vowel, signs (ំ nikahit, ះ reahmuk, ៈ), then an optional final consonant (a consonant that
// nothing attaches to), which ់ bantoc may follow and ៍ toandakhiat silences. The vowel is read
// by the series of the syllable: the consonant's own, a shifter's, or the second series when a
// subscript is a second-series stop (គ ឃ ជ ឈ ឌ ឍ ទ ធ ព ភ).
#include "screen/khmer.h"

#include <array>

namespace exportctl::screen::internal {
namespace {

constexpr char16_t kFirstConsonant = 0x1780, kLastConsonant = 0x17A2;
constexpr char16_t kCoeng = 0x17D2;

struct Consonant {
  const char* initial;
  const char* final;
  int series;     // 1: a-series, 2: o-series
  bool stop2;     // a second-series stop: as a subscript, makes the syllable second-series
};

// U+1780 … U+17A2.
constexpr std::array<Consonant, 35> kConsonants = {{
    {"k", "k", 1, false},     // ក
    {"kh", "k", 1, false},    // ខ
    {"k", "k", 2, true},      // គ
    {"kh", "k", 2, true},     // ឃ
    {"ng", "ng", 2, false},   // ង
    {"ch", "ch", 1, false},   // ច
    {"chh", "ch", 1, false},  // ឆ
    {"ch", "ch", 2, true},    // ជ
    {"chh", "ch", 2, true},   // ឈ
    {"nh", "nh", 2, false},   // ញ
    {"d", "d", 1, false},     // ដ
    {"th", "t", 1, false},    // ឋ
    {"d", "d", 2, true},      // ឌ
    {"th", "t", 2, true},     // ឍ
    {"n", "n", 1, false},     // ណ
    {"t", "t", 1, false},     // ត
    {"th", "t", 1, false},    // ថ
    {"t", "t", 2, true},      // ទ
    {"th", "t", 2, true},     // ធ
    {"n", "n", 2, false},     // ន
    {"b", "b", 1, false},     // ប
    {"ph", "p", 1, false},    // ផ
    {"p", "p", 2, true},      // ព
    {"ph", "p", 2, true},     // ភ
    {"m", "m", 2, false},     // ម
    {"y", "y", 2, false},     // យ
    {"r", "r", 2, false},     // រ
    {"l", "l", 2, false},     // ល
    {"v", "v", 2, false},     // វ
    {"sh", "s", 1, false},    // ឝ (archaic)
    {"ss", "s", 1, false},    // ឞ (archaic)
    {"s", "s", 1, false},     // ស
    {"h", "h", 1, false},     // ហ
    {"l", "l", 1, false},     // ឡ
    {"", "", 1, false},       // អ: the glottal onset, not written
}};

// Dependent vowels U+17B6 … U+17C5: first series, second series.
constexpr std::array<std::array<const char*, 2>, 16> kVowels = {{
    {"a", "ea"},     // ា
    {"e", "i"},      // ិ
    {"ei", "i"},     // ី
    {"oe", "ue"},    // ឹ
    {"eu", "eu"},    // ឺ
    {"o", "u"},      // ុ
    {"ou", "u"},     // ូ
    {"uo", "uo"},    // ួ
    {"aeu", "eu"},   // ើ
    {"oea", "oea"},  // ឿ
    {"ea", "ea"},    // ៀ
    {"e", "e"},      // េ
    {"e", "e"},      // ែ
    {"ai", "ey"},    // ៃ
    {"o", "o"},      // ោ
    {"au", "ov"},    // ៅ
}};

// Independent vowels U+17A3 … U+17B3.
constexpr std::array<const char*, 17> kIndependentVowels = {
    "a", "aa", "e", "ei", "o", "ou", "ou", "ov", "ri", "rue", "li", "lue", "e", "ai", "ao", "ao", "au"};

bool IsConsonant(char16_t c) { return c >= kFirstConsonant && c <= kLastConsonant; }
bool IsIndependentVowel(char16_t c) { return c >= 0x17A3 && c <= 0x17B3; }
bool IsDependentVowel(char16_t c) { return c >= 0x17B6 && c <= 0x17C5; }
// Marks that belong to the syllable of the consonant before them: a consonant they follow is
// that syllable's onset, not the previous syllable's final.
bool AttachesToOnset(char16_t c) {
  return IsDependentVowel(c) || c == kCoeng || c == 0x17C6 || c == 0x17C7 || c == 0x17C8 ||
         c == 0x17C9 || c == 0x17CA || c == 0x17CC;
}
// Signs without a sound of their own here (the invisible inherent vowels U+17B4/5, ៎ ៏ ័ ៑ ៓ ៝).
bool IsSilentSign(char16_t c) {
  return c == 0x17B4 || c == 0x17B5 || (c >= 0x17CE && c <= 0x17D1) || c == 0x17D3 || c == 0x17DD;
}

}  // namespace

bool IsKhmer(char16_t c) { return (c >= 0x1780 && c <= 0x17FF) || (c >= 0x19E0 && c <= 0x19FF); }

std::string RomanizeKhmer(std::u16string_view run) {
  std::string out;
  size_t i = 0;
  const size_t n = run.size();
  while (i < n) {
    const char16_t c = run[i];
    if (c >= 0x17E0 && c <= 0x17E9) {  // Khmer digits
      out.push_back(static_cast<char>('0' + (c - 0x17E0)));
      ++i;
      continue;
    }
    if (c >= 0x17F0 && c <= 0x17F9) {  // lek attak (divination numerals)
      out.push_back(static_cast<char>('0' + (c - 0x17F0)));
      ++i;
      continue;
    }
    if ((c >= 0x17D4 && c <= 0x17DB) || (c >= 0x19E0 && c <= 0x19FF) || !IsKhmer(c)) {
      out.push_back(' ');  // ។ ៕ ៖ ៗ ៘ ៙ ៚ ៛, lunar-date symbols: not letters of a name
      ++i;
      continue;
    }
    if (IsSilentSign(c) || c == 0x17CB || c == 0x17CD || c == 0x17DC || c == kCoeng) {
      ++i;  // a sign with nothing before it to act on
      continue;
    }
    // The onset: a consonant with its subscripts, an independent vowel, or none (a vowel or sign
    // written without a consonant is read after the unwritten អ).
    std::string syllable;
    int series = 1;
    const char* independent = nullptr;
    if (IsConsonant(c)) {
      const Consonant& k = kConsonants[c - kFirstConsonant];
      syllable = k.initial;
      series = k.series;
      ++i;
    } else if (IsIndependentVowel(c)) {
      independent = kIndependentVowels[c - 0x17A3];
      ++i;
    }
    int vowel = -1;
    bool nikahit = false, reahmuk = false, yuukaleapintu = false, robat = false;
    while (i < n) {
      const char16_t m = run[i];
      if (m == kCoeng && i + 1 < n && IsConsonant(run[i + 1])) {
        const Consonant& sub = kConsonants[run[i + 1] - kFirstConsonant];
        syllable += sub.initial;
        if (sub.stop2) series = 2;
        i += 2;
        continue;
      }
      if (m == 0x17C9) {
        series = 1;  // ៉ muusikatoan
      } else if (m == 0x17CA) {
        series = 2;  // ៊ triisap
      } else if (IsDependentVowel(m)) {
        if (vowel < 0) vowel = m - 0x17B6;
      } else if (m == 0x17C6) {
        nikahit = true;
      } else if (m == 0x17C7) {
        reahmuk = true;
      } else if (m == 0x17C8) {
        yuukaleapintu = true;
      } else if (m == 0x17CC) {
        robat = true;
      } else if (!IsSilentSign(m) && m != 0x17CD) {
        break;
      }
      ++i;
    }
    // A final consonant: one that no vowel, subscript or sign attaches to; ់ may follow it, and ៍
    // silences it.
    std::string final_consonant;
    bool bantoc = false;
    if (!nikahit && !reahmuk && i < n && IsConsonant(run[i]) &&
        (i + 1 >= n || !AttachesToOnset(run[i + 1]))) {
      final_consonant = kConsonants[run[i] - kFirstConsonant].final;
      ++i;
      while (i < n && (run[i] == 0x17CB || run[i] == 0x17CD || IsSilentSign(run[i]))) {
        if (run[i] == 0x17CB) bantoc = true;
        if (run[i] == 0x17CD) final_consonant.clear();
        ++i;
      }
    }
    const bool second = series == 2;
    if (independent != nullptr) {
      syllable += independent;
      if (nikahit) syllable += 'm';
      if (reahmuk) syllable += 'h';
    } else if (vowel >= 0) {
      if (vowel == 0 && nikahit) {
        syllable += second ? "oam" : "am";  // ាំ
      } else if (vowel == 0 && bantoc) {
        syllable += second ? "oa" : "a";  // ា…់
      } else if (vowel == 2 && !nikahit && !reahmuk && final_consonant.empty() &&
                 (i == n || !IsKhmer(run[i]) || (run[i] >= 0x17D4 && run[i] <= 0x17DB))) {
        syllable += second ? "y" : "ey";  // ី ending a word, as Cambodian names write it: Try, Srey
      } else {
        syllable += kVowels[vowel][second ? 1 : 0];
        if (nikahit) syllable += 'm';
      }
      if (reahmuk) syllable += 'h';
    } else if (nikahit) {
      syllable += second ? "om" : "am";  // the inherent vowel with ំ: ភ្នំ phnom, សំ sam
    } else if (reahmuk) {
      syllable += second ? "eah" : "ah";  // ព្រះ preah
    } else if (yuukaleapintu) {
      syllable += second ? "ea" : "a";
    } else if (bantoc) {
      syllable += second ? "u" : "a";  // គន់ kun, កន់ kan
    } else {
      syllable += second ? "o" : "a";  // the inherent vowel
    }
    syllable += final_consonant;
    if (robat) syllable += 'r';
    out += syllable;
  }
  return out;
}

}  // namespace exportctl::screen::internal

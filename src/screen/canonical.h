// Spelling conventions folded before names are compared (internal; docs/screening.md,
// "Canonical words"). Applied to the query and to every listed name alike, so both sides meet in
// one spelling.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace exportctl::screen::internal {

// A name written wholly in Chinese syllables with at least one that only Wade-Giles writes
// ("Mao Tse-tung", "Hsi Chin-p'ing") rewritten in pinyin ("Mao Ze-dong", "Xi Jin-ping"); any
// other text unchanged. Works on the raw text: Wade-Giles aspiration apostrophes matter.
std::string WadeGilesToPinyin(std::string_view utf8);

// Words as the scorer compares them (FoldToAscii words in, canonical words out):
//   - titles and honorifics before a person's name (Dr, Mr, Sheikh, Haji, General, …) and
//     generational suffixes after it (Jr, Sr) are dropped: they are not name words;
//   - legal forms written out become their abbreviation ("gesellschaft mit beschrankter
//     haftung" → gmbh, "limited liability company" → llc, "s a" → sa);
//   - numbers written out become numerals ("forty four" → 44, "four" → 4), Roman series
//     numerals after a name become numerals ("Fund III" → 3), "No." before a number is dropped;
//   - digits standing for letters inside a word of letters are read as letters ("h0ngda" →
//     hongda; 0 o, 1 i/l, 3 e, 4 a, 5 s, 7 t);
//   - Arabic articles are joined to their word ("al hassan", "el-hassan", "ad din" → alhassan,
//     aldin), the spellings of Muhammad are one word, "ibn" is "bin".
// `abjad`: the name was written in Arabic or Hebrew letters, so its vowel-less words are
// consonant skeletons, never abbreviated titles ("sr", "mr").
std::vector<std::string> CanonicalWords(std::vector<std::string> words, bool abjad = false);

// Words that are titles or honorifics (for tests and the documentation).
bool IsTitleWord(std::string_view word);

// True when `a` and `b` differ only where one writes the Korean vowel ㅓ or ㅡ ("eo", "eu") and the
// other ㅗ or ㅜ ("o", "u"): different vowels, so different syllables (정 jeong ≠ 종 jong).
bool DifferentKoreanVowels(std::string_view a, std::string_view b);

// True when `a` and `b` are pinyin words of as many syllables (one or two), one of which differs ("zhan" /
// "zhang", "jia" / "jian", "jiarong" / "jiadong"): one letter apart, they are different
// characters, so different names (a Chinese name is made of such syllables, and one-letter slack
// between them made most false positives of Chinese names). Syllables that differ only in an
// initial other romanizations write for the same sound ("zhang" / "chang") may be one name.
bool DifferentPinyinSyllables(std::string_view a, std::string_view b);

}  // namespace exportctl::screen::internal

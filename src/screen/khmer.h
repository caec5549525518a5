// Khmer → Latin romanization for screening (internal): ICU has no Khmer transliterator.
#pragma once

#include <string>
#include <string_view>

namespace exportctl::screen::internal {

// True for a code unit of the Khmer block (U+1780–U+17FF) or Khmer symbols (U+19E0–U+19FF).
bool IsKhmer(char16_t c);

// The ASCII romanization of a run of Khmer text (docs/screening.md, "Normalization"): UNGEGN
// consonants by series, dependent and independent vowels by the series of their syllable
// (changed by ៉ and ៊), subscript consonants after U+17D2 coeng, final consonants, ំ ះ ់ ៍ ៌;
// ី ending a word as "y"/"ey" (Try, Srey, Sophary); Khmer digits as digits; Khmer punctuation separates words. Syllables are joined (Khmer writes
// a word without spaces), so "ភ្នំពេញ" → "phnompenh", "ហ៊ុន សែន" → "hun sen".
std::string RomanizeKhmer(std::u16string_view run);

}  // namespace exportctl::screen::internal

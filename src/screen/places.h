// Place names and generic business words for screening's word classes (internal).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "screen/normalize.h"

namespace exportctl::screen::internal {

// Country names (ICU, in English, French, German and Spanish), cities that name a time zone in
// Europe, Asia and Africa (ICU), and the major cities and provinces of the countries whose parties
// are most listed; folded to ASCII words like names. One-word places are `words`; longer ones
// ("hong kong", "kuala lumpur") are `phrases`, found by their first word.
struct PlaceVocabulary {
  std::unordered_set<std::string> words;
  std::vector<std::vector<std::string>> phrases;
  std::unordered_map<std::string, std::vector<size_t>> phrases_by_first_word;
};
const PlaceVocabulary& Places();

// ICU's place names (country names, time-zone cities), folded to ASCII words as Places() reads
// them: sorted, unique, a phrase's words joined by one space. Places() does not call ICU: it reads
// the same list from places_icu.inc (PlacesTable()), generated from this and checked by a test.
std::vector<std::string> PlacesFromIcu();
std::vector<std::string_view> PlacesTable();

// "trading", "technologies", "international", "group", "services", …: what a business does or how
// it is organised, not who it is.
bool IsGenericBusinessWord(std::string_view word);

// ClassifyToken without places and generic words (numbers, initials, legal forms, stop words).
TokenClass BasicTokenClass(std::string_view token);

}  // namespace exportctl::screen::internal

// JSON shapes of screening results, shared by `exportctl screen … --json`, `lists diff` and the
// HTTP API (`/v1/screen`) so that both front ends speak the same objects.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "screen/screen.h"

namespace exportctl::screen {

// {"record_id","list","name","type","countries","programs", and when present
//  "federal_register_notice","license_requirement","license_policy","footnote"}
nlohmann::json ListRecordJson(const ListRecord& record);
// The record's object with "score" (4 decimals), "certain", "matched_name", "alias",
// "matched_words", the unmatched, place, legal-form and generic words, and "explanation".
nlohmann::json HitJson(const Hit& hit);

}  // namespace exportctl::screen

namespace exportctl::screen {

// When `query` filters by country, the hits at or above its threshold that the filter left out
// (records listed only in other countries), said in one warning; empty when there are none. A
// record names the countries the list knew of, not every one a party works in, so an exact
// match listed elsewhere is shown as a warning rather than dropped without a word.
std::string CountryFilterNote(const Screener& screener, const ScreenQuery& query,
                              const std::vector<Hit>& kept);

}  // namespace exportctl::screen

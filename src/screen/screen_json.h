// JSON shapes of screening results, shared by `exportctl screen … --json`, `lists diff` and the
// HTTP API (`/v1/screen`) so that both front ends speak the same objects.
#pragma once

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

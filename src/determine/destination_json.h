// The engine's facts about a destination beside its Country Groups: the countries JSON of
// data/data_json.h with the license area of advanced-computing items on the date and posture,
// and, for one country, the rules that bind an export to it. The CLI (`countries`) and the server
// (GET /v1/countries, /v1/countries/{code}) print these.
#pragma once

#include "core/json_writer.h"
#include "data/dataset.h"
#include "determine/engine.h"

namespace exportctl {

// "license_area": {"in_area","rule","citation","items","named","verified","basis"}
void WriteLicenseAreaJson(const LicenseAreaMembership& a, JsonWriter& w);
// Every country on (d, p), each with "license_area": {"in_area","rule","named","verified"}; the
// rule binding on the date is said once at the top ("license_area": {"rule","citation","items"}).
void WriteCountriesJson(const Engine& engine, Date d, Posture p, JsonWriter& w);
// One country with its "license_area" and "rules_binding": [{"rule","citation","effect",
// "regime","items"}].
void WriteCountryJson(const Engine& engine, const Country& c, Date d, Posture p, JsonWriter& w);

}  // namespace exportctl

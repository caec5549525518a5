// JSON forms of the reference data (chips, regimes, country groups): the shapes the CLI prints
// and the HTTP API serves.
#pragma once

#include <string>

#include "core/json_writer.h"
#include "data/dataset.h"

namespace exportctl {

void WriteChipJson(const ChipRecord& c, JsonWriter& w);
// Every regime with in_force on (d, p) and its rules with active on (d, p).
void WriteRegimesJson(const Dataset& data, Date d, Posture p, JsonWriter& w);
// {"code","name","as_of","posture","treated_as"?,"groups":[…],"note"?}
void WriteCountryJson(const Dataset& data, const Country& c, Date d, Posture p, JsonWriter& w);

}  // namespace exportctl

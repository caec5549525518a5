// JSON forms of the reference data (chips, regimes, country groups): the shapes the CLI prints
// and the HTTP API serves.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_writer.h"
#include "data/dataset.h"

namespace exportctl {

void WriteChipJson(const ChipRecord& c, JsonWriter& w);
// Every regime with in_force on (d, p) and its rules with active on (d, p); each also carries
// data_reviewed_through, the date through which the data was checked against its sources.
void WriteRegimesJson(const Dataset& data, Date d, Posture p, JsonWriter& w);
// {"code","name","as_of","posture","treated_as"?,"groups":[…],"provenance":[…],
//  "ai_diffusion_tier":{…},"note"?}
// `extra` writes more fields into the country's object (the engine's facts, which data/ cannot
// compute: determine/destination_json.h).
using CountryFields = std::function<void(const Country&, JsonWriter&)>;
void WriteCountryJson(const Dataset& data, const Country& c, Date d, Posture p, JsonWriter& w,
                      const CountryFields& extra = {});
// Every country on (d, p): {"as_of","posture","ai_diffusion":{status…},"countries":[{"code",
// "name","treated_as"?,"groups","ai_diffusion_tier"}]}.
// `extra` writes the top-level fields after "ai_diffusion", `each` more fields per country.
void WriteCountriesJson(const Dataset& data, Date d, Posture p, JsonWriter& w,
                        const std::function<void(JsonWriter&)>& extra = {}, const CountryFields& each = {});

// The AI Diffusion rule's tier of a destination (15 CFR Part 740 Supp. No. 5; 742.6(b)(10)(iii)),
// and whether the tiers bind on (d, p): they are codified but not enforced.
struct AiDiffusionTier {
  std::optional<int> tier;  // 1, 2 or 3; none before the rule takes effect
  bool binding = false;     // the tier policy binds on (d, p)
  std::string status;       // "in_force", "compliance_pending", "codified_not_enforced", "not_yet_effective"
  std::string note;         // the same in words, with its citation
  std::string basis;        // why this tier: the list or group that puts the country there
  bool verified = true;     // the Tier 1 list rests on secondary sources
};
AiDiffusionTier AiDiffusionTierOf(const Dataset& data, std::string_view code, Date d, Posture p);

}  // namespace exportctl

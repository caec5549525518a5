// One JSON shape per object for both front ends: an entity with its owners up the chain
// (`ownership show`, GET /v1/ownership/{id}) and a coverage result.
#pragma once

#include <nlohmann/json.hpp>

#include "core/date.h"
#include "ownership/ownership.h"

namespace exportctl {
class Dataset;
}

namespace exportctl::ownership {

// {"status": "covered"|"not_covered"|"needs_review", "listed", "share", "paths", "why", "red_flag_29"}
nlohmann::json CoverageJson(const Coverage& c);
// {"id", "name", "country", "identifiers", "schema", "as_of", "coverage", "owners": [{"id", "name",
// "country", "share", "source", "start"?, "end"?, "counts_on_date", "coverage", "owners"}]}:
// at most 2000 owners, 16 levels up.
nlohmann::json EntityJson(const Graph& g, const CoverageCalculator& calc, uint32_t entity, Date as_of);
// The Affiliates Rule on a date as enforced, from the regime data: {"status": "in_force" |
// "stayed" | "not_in_force", "citation", "verified"}. A coverage is a license requirement only
// while the rule is in force; `check` weighs the posture and the windows, `ownership show` says
// which window the date falls in.
nlohmann::json RuleStatusJson(const Dataset& data, Date as_of);

}  // namespace exportctl::ownership

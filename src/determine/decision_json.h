// JSON forms of decisions and classifications: the shapes the CLI prints and the HTTP API serves.
#pragma once

#include <string>
#include <string_view>

#include "determine/decision.h"

namespace exportctl {

// Appends one decision as a single-line JSON object (no trailing newline).
void AppendDecisionJson(const Decision& d, std::string& out);
// The same with the reservation's postings (a JSON array of ledger posting objects,
// ledger/ledger_json.h) under "ledger_postings" in place of the decision's one-line summaries:
// the key appears once.
void AppendDecisionJson(const Decision& d, std::string_view ledger_postings, std::string& out);
std::string DecisionToJson(const Decision& d);

// H100-equivalents as every output shows them (JSON and text alike): three decimals.
double RoundH100(double h100_equivalents);

// The ultimate consignee the decision names, if any.
const DecisionParty* Consignee(const Decision& d);

// {"verdict", "routes", "missing", "notes", "gp10_presumption", "de_minimis"}: whether the EAR
// reaches an item, with the de minimis worksheet.
void AppendJurisdictionJson(const jurisdiction::Determination& j, std::string& out);
// The jurisdiction question alone for a decision's items: {"reference", "as_of", "posture",
// "destination", "items": [{"label", "eccn", "jurisdiction"}], "warnings"}.
void AppendJurisdictionAnswerJson(const Decision& d, std::string& out);
// {"computed", "lines", "numerator_usd", "denominator_usd", "ratio_percent", "threshold_percent", …}
void AppendWorksheetJson(const jurisdiction::Worksheet& w, std::string& out);

// {"eccn", "determinate", "candidates", "tpp", "performance_density", ...}
void AppendClassificationJson(const Classification& c, std::string& out);

}  // namespace exportctl

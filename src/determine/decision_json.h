// JSON forms of decisions and classifications: the shapes the CLI prints and the HTTP API serves.
#pragma once

#include <string>

#include "determine/decision.h"

namespace exportctl {

// Appends one decision as a single-line JSON object (no trailing newline).
void AppendDecisionJson(const Decision& d, std::string& out);
std::string DecisionToJson(const Decision& d);

// H100-equivalents as every output shows them (JSON and text alike): three decimals.
double RoundH100(double h100_equivalents);

// The ultimate consignee the decision names, if any.
const DecisionParty* Consignee(const Decision& d);

// {"eccn", "determinate", "candidates", "tpp", "performance_density", ...}
void AppendClassificationJson(const Classification& c, std::string& out);

}  // namespace exportctl

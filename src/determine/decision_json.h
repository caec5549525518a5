// JSON forms of decisions and classifications: the shapes the CLI prints and the HTTP API serves.
#pragma once

#include <string>

#include "determine/decision.h"

namespace exportctl {

// Appends one decision as a single-line JSON object (no trailing newline).
void AppendDecisionJson(const Decision& d, std::string& out);
std::string DecisionToJson(const Decision& d);

// {"eccn", "determinate", "candidates", "tpp", "performance_density", ...}
void AppendClassificationJson(const Classification& c, std::string& out);

}  // namespace exportctl

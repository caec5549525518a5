// Readable renderings for terminals. They are drawn from the JSON forms (decision, classification,
// audit record), so text and JSON always show the same facts and the same figures.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace exportctl::cli {

// A JSON number as the JSON shows it (51.743 stays 51.743); strings as they are.
std::string TextValue(const nlohmann::json& v);

void PrintDecisionText(const nlohmann::json& decision, std::ostream& os);
// An item's "jurisdiction" object (routes, missing facts, notes, the de minimis worksheet).
void PrintJurisdictionText(const nlohmann::json& jurisdiction, std::ostream& os, const std::string& indent);
void PrintWorksheetText(const nlohmann::json& worksheet, std::ostream& os, const std::string& indent);
// `name` heads the block: the catalog chip's name or "explicit specs".
void PrintClassificationText(const std::string& name, const nlohmann::json& classification, std::ostream& os);
// The record's chain fields, then its payload: a decision as PrintDecisionText shows it.
void PrintAuditRecordText(const nlohmann::json& record, std::ostream& os);

}  // namespace exportctl::cli

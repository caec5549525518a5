// Validation of request bodies before anything else sees them: size is checked by the HTTP layer;
// here, nesting depth, well-formed JSON and UTF-8 (the nlohmann lexer rejects ill-formed UTF-8).
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "core/status.h"

namespace exportctl::server {

// kInvalidInput with field "" and a message saying what is wrong and where.
Result<nlohmann::json> ParseRequestJson(std::string_view body, int max_depth);

// True when the JSON text nests objects/arrays deeper than max_depth (strings are skipped).
bool NestedDeeperThan(std::string_view json, int max_depth);

}  // namespace exportctl::server

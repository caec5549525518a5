// Reading JSON that decides something (requests, license files): nesting depth bounded, well-formed
// UTF-8 (the nlohmann lexer rejects ill-formed UTF-8), and no key twice in one object (JSON leaves
// repeated keys undefined; a parser keeping either copy could decide on a value the sender did not
// mean). Errors are kInvalidInput naming the path ("parties[1].name") or the position.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "core/status.h"

namespace exportctl {

Result<nlohmann::json> ParseJsonStrict(std::string_view text, int max_depth);

// True when the JSON text nests objects/arrays deeper than max_depth (strings are skipped).
bool NestedDeeperThan(std::string_view json, int max_depth);

}  // namespace exportctl

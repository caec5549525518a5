// Validation of request bodies before anything else sees them: size is checked by the HTTP layer;
// the rest (nesting depth, well-formed JSON and UTF-8, no key twice) by core/strict_json.h.
#pragma once

#include <string_view>

#include "core/strict_json.h"

namespace exportctl::server {

// kInvalidInput with field "" and a message saying what is wrong and where.
inline Result<nlohmann::json> ParseRequestJson(std::string_view body, int max_depth) {
  if (body.empty()) return Status::Invalid("", "the request body is empty; send a JSON object");
  return ParseJsonStrict(body, max_depth);
}
using exportctl::NestedDeeperThan;

}  // namespace exportctl::server

// For the server tests: every response body is parsed as a client must be able to trust it, one
// JSON value with no key repeated in any object (nlohmann's own parser keeps the last copy of a
// repeated key and would hide the defect).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "server/request_json.h"

namespace exportctl::server::testing {

inline nlohmann::json ResponseJson(const std::string& body) {
  auto parsed = ParseRequestJson(body, 256);
  if (!parsed.ok()) {
    ADD_FAILURE() << "response is not JSON without repeated keys (" << parsed.status().ToString()
                  << "): " << body.substr(0, 400);
    return nlohmann::json::parse(body, nullptr, false);
  }
  return std::move(parsed).value();
}

}  // namespace exportctl::server::testing

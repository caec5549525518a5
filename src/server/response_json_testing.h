// For the server tests: every response body is parsed as a client must be able to trust it, one
// JSON value with no key repeated in any object (nlohmann's own parser keeps the last copy of a
// repeated key and would hide the defect).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

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

// Whether a JSON (or NDJSON: each line) response body is well formed without repeated keys;
// the first problem otherwise.
inline std::string ResponseBodyProblem(const httplib::Response& res) {
  const std::string type = res.get_header_value("Content-Type");
  if (res.body.empty()) return "";
  if (type.rfind("application/json", 0) == 0) {
    auto parsed = ParseRequestJson(res.body, 256);
    return parsed.ok() ? "" : parsed.status().ToString();
  }
  if (type.rfind("application/x-ndjson", 0) == 0) {
    std::string_view rest = res.body;
    while (!rest.empty()) {
      const size_t end = std::min(rest.find('\n'), rest.size());
      const std::string line(rest.substr(0, end));
      rest.remove_prefix(std::min(end + 1, rest.size()));
      if (line.empty()) continue;
      auto parsed = ParseRequestJson(line, 256);
      if (!parsed.ok()) return parsed.status().ToString() + " in line " + line.substr(0, 200);
    }
  }
  return "";
}

// Checks every response this client receives (ResponseBodyProblem), whatever the test reads.
inline void CheckEveryResponse(httplib::Client& client) {
  client.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const std::string problem = ResponseBodyProblem(res);
    if (!problem.empty()) {
      ADD_FAILURE() << req.method << " " << req.path << " answered " << res.status
                    << " with a body that is not JSON without repeated keys (" << problem
                    << "): " << res.body.substr(0, 400);
    }
  });
}

}  // namespace exportctl::server::testing

#include "server/request_json.h"

#include <string>

namespace exportctl::server {

bool NestedDeeperThan(std::string_view json, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

Result<nlohmann::json> ParseRequestJson(std::string_view body, int max_depth) {
  if (body.empty()) return Status::Invalid("", "the request body is empty; send a JSON object");
  if (NestedDeeperThan(body, max_depth)) {
    return Status::Invalid("", "JSON nested deeper than " + std::to_string(max_depth) + " levels");
  }
  try {
    return nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 7: …"; it may
    // quote the offending bytes, which need not be UTF-8, so only ASCII is kept.
    std::string what = e.what();
    for (char& c : what) {
      if (static_cast<unsigned char>(c) >= 0x80 || static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    const size_t pos = what.find("] ");
    return Status::Invalid("", "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
}

}  // namespace exportctl::server

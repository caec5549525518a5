#include "determine/json_utf8.h"

#include <simdjson.h>

#include <string>

#include "core/utf8.h"

namespace exportctl {
namespace {

// U+FFFF, a noncharacter no name holds: stands in for each ill-formed byte so the text parses.
constexpr std::string_view kMarker = "\xEF\xBF\xBF";

bool FindMarker(simdjson::dom::element e, const std::string& path, std::string& found) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s;
      if (!e.get_string().get(s) && s.find(kMarker) != std::string_view::npos) {
        found = path;
        return true;
      }
      return false;
    }
    case simdjson::dom::element_type::ARRAY: {
      size_t i = 0;
      for (simdjson::dom::element item : e.get_array()) {
        if (FindMarker(item, path + "[" + std::to_string(i++) + "]", found)) return true;
      }
      return false;
    }
    case simdjson::dom::element_type::OBJECT: {
      for (auto field : e.get_object()) {
        const std::string child = path.empty() ? std::string(field.key) : path + "." + std::string(field.key);
        if (field.key.find(kMarker) != std::string_view::npos) {
          found = path;
          return true;
        }
        if (FindMarker(field.value, child, found)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

}  // namespace

Status CheckJsonUtf8(std::string_view json) {
  Status st = CheckUtf8(json, "");
  if (st.ok()) return st;
  std::string repaired;
  repaired.reserve(json.size() + 16);
  std::string_view rest = json;
  while (auto bad = FirstInvalidUtf8(rest)) {
    repaired.append(rest.substr(0, *bad)).append(kMarker);
    rest.remove_prefix(*bad + 1);
  }
  repaired.append(rest);
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string path;
  if (!parser.parse(repaired).get(root)) FindMarker(root, "", path);
  return Status::Invalid(path, st.message());
}

}  // namespace exportctl

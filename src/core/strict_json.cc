#include "core/strict_json.h"

#include <functional>
#include <string>
#include <vector>

namespace exportctl {

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

namespace {

// Tracks where the parser is, so that a key seen twice in one object can be named by its path
// ("parties[1].name"): JSON leaves duplicate keys undefined, and a parser keeping the first or
// the last would decide on a value the sender may not have meant.
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        frames_.push_back({event == E::array_start, 0, "", {}});
        break;
      case E::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        for (const auto& k : f.keys) {
          if (k == f.key && duplicate_.empty()) duplicate_ = Path();
        }
        f.keys.push_back(f.key);
        break;
      }
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        ElementDone();
        break;
      case E::value:
        ElementDone();
        break;
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  struct Frame {
    bool array;
    size_t index;
    std::string key;
    std::vector<std::string> keys;
  };
  void ElementDone() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::string Path() const {
    std::string out;
    for (const auto& f : frames_) {
      if (f.array) {
        out += '[';
        out += std::to_string(f.index);
        out += ']';
      } else {
        if (!out.empty()) out += '.';
        out += f.key;
      }
    }
    return out;
  }
  std::vector<Frame> frames_;
  std::string duplicate_;
};

}  // namespace

Result<nlohmann::json> ParseJsonStrict(std::string_view body, int max_depth) {
  if (body.empty()) return Status::Invalid("", "empty; send a JSON object");
  if (NestedDeeperThan(body, max_depth)) {
    return Status::Invalid("", "JSON nested deeper than " + std::to_string(max_depth) + " levels");
  }
  try {
    DuplicateKeyFinder finder;
    auto json = nlohmann::json::parse(body.begin(), body.end(), std::ref(finder));
    if (!finder.duplicate().empty()) {
      return Status::Invalid(finder.duplicate(), "appears twice in one object");
    }
    return json;
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

}  // namespace exportctl

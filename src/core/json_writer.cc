#include "core/json_writer.h"

#include <array>
#include <charconv>
#include <cstring>
#include <cmath>

namespace exportctl {

JsonWriter& JsonWriter::Number(double v) {
  Sep();
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  // Whole numbers print without a fraction so TPP figures read as integers.
  if (v == std::floor(v) && std::fabs(v) < 9.0e15) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    out_.append(buf, r.ptr);
    return *this;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Integer(int64_t v) {
  Sep();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

void JsonWriter::AppendString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr auto kEscape = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = true;
    t['"'] = t['\\'] = true;
    return t;
  }();
  out_.reserve(out_.size() + s.size() + 2);
  out_ += '"';
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* run = p;
  for (; p < end; ++p) {
    // Skip eight bytes at a time while none needs escaping (no control byte, '"' or '\\').
    while (end - p >= 8) {
      uint64_t x;
      std::memcpy(&x, p, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
      const uint64_t quote = x ^ (kOnes * '"'), backslash = x ^ (kOnes * '\\');
      const uint64_t special = ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
      if (special & kHigh) break;
      p += 8;
    }
    if (p >= end) break;
    const unsigned char c = static_cast<unsigned char>(*p);
    if (!kEscape[c]) continue;
    out_.append(run, p);
    run = p + 1;
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 15];
    }
  }
  out_.append(run, end);
  out_ += '"';
}

}  // namespace exportctl

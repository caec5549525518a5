// A small, fast JSON writer for hot output paths (batch decisions). Appends to a string; the
// caller owns the buffer so it can be reused line after line.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace exportctl {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& BeginObject() { Sep(); out_ += '{'; first_ = true; return *this; }
  JsonWriter& EndObject() { out_ += '}'; first_ = false; return *this; }
  JsonWriter& BeginArray() { Sep(); out_ += '['; first_ = true; return *this; }
  JsonWriter& EndArray() { out_ += ']'; first_ = false; return *this; }
  // Keys are our own literals (never user data), so they are written without escaping.
  JsonWriter& Key(std::string_view k) {
    if (!first_) out_ += ',';
    const size_t at = out_.size();
    out_.resize(at + k.size() + 3);
    char* p = out_.data() + at;
    *p++ = '"';
    std::memcpy(p, k.data(), k.size());
    p += k.size();
    *p++ = '"';
    *p = ':';
    first_ = true;
    return *this;
  }
  JsonWriter& String(std::string_view v) { Sep(); AppendString(v); return *this; }
  JsonWriter& Number(double v);
  JsonWriter& Integer(int64_t v);
  JsonWriter& Bool(bool v) { Sep(); out_ += v ? "true" : "false"; return *this; }
  JsonWriter& Null() { Sep(); out_ += "null"; return *this; }
  // A text field that may be absent: null when empty (never "").
  JsonWriter& OptionalField(std::string_view k, std::string_view v) {
    Key(k);
    return v.empty() ? Null() : String(v);
  }
  // Inserts already-serialized JSON as one value.
  JsonWriter& Raw(std::string_view json) { Sep(); out_ += json; return *this; }

  template <typename T>
  JsonWriter& Field(std::string_view k, const T& v) {
    Key(k);
    if constexpr (std::is_same_v<T, bool>) return Bool(v);
    else if constexpr (std::is_integral_v<T>) return Integer(static_cast<int64_t>(v));
    else if constexpr (std::is_floating_point_v<T>) return Number(static_cast<double>(v));
    else return String(std::string_view(v));
  }

  void AppendString(std::string_view s);

 private:
  void Sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace exportctl

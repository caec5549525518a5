#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <random>

namespace exportctl {
namespace {

// The obvious escaper, one byte at a time.
std::string Reference(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 15];
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

TEST(JsonWriter, EscapesLikeTheReferenceOnRandomStrings) {
  std::mt19937 rng(7);
  const std::string alphabet = std::string("abcXYZ019 \"\\\n\r\t\x01\x1f\x7f") + "\xc3\xa9\xe4\xb8\xad";
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    std::string out;
    JsonWriter(out).String(s);
    ASSERT_EQ(out, Reference(s)) << i;
  }
}

TEST(JsonWriter, ObjectsArraysAndNumbers) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Field("a", 1).Field("b", 2.5).Field("c", "x\"y").Key("d").BeginArray();
  w.Integer(-3).Number(15832).Null().Bool(true).EndArray().EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":2.5,"c":"x\"y","d":[-3,15832,null,true]})");
}

}  // namespace
}  // namespace exportctl

#include "server/request_json.h"

#include <gtest/gtest.h>

namespace exportctl::server {
namespace {

TEST(RequestJsonTest, Depth) {
  EXPECT_FALSE(NestedDeeperThan(R"({"a":[1,{"b":2}]})", 3));
  EXPECT_TRUE(NestedDeeperThan(R"({"a":[1,{"b":[2]}]})", 3));
  EXPECT_FALSE(NestedDeeperThan(R"({"a":"[[[[[[[[\"[[[["})", 1));  // brackets inside strings
}

TEST(RequestJsonTest, Parse) {
  EXPECT_TRUE(ParseRequestJson(R"({"a":1})", 8).ok());
  EXPECT_FALSE(ParseRequestJson("", 8).ok());
  EXPECT_FALSE(ParseRequestJson("{", 8).ok());
  EXPECT_FALSE(ParseRequestJson("{\"a\":\"\xff\"}", 8).ok());
  EXPECT_FALSE(ParseRequestJson("{\"a\":\"\xed\xa0\x80\"}", 8).ok());  // UTF-16 surrogate in UTF-8
  EXPECT_TRUE(ParseRequestJson("{\"a\":\"\xe4\xb8\xad\"}", 8).ok());
  auto deep = ParseRequestJson(std::string(100, '[') + std::string(100, ']'), 32);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("deeper"), std::string::npos);
}

// A key repeated in one object is refused, named by its path, wherever it is.
TEST(RequestJsonTest, RepeatedKeys) {
  struct Case {
    const char* json;
    const char* field;
  } cases[] = {
      {R"({"destination":"DE","destination":"CN"})", "destination"},
      {R"({"parties":[{"name":"A"},{"name":"B","country":"CN","name":"C"}]})", "parties[1].name"},
      {R"({"a":{"b":[[1],[{"c":1,"c":2}]]}})", "a.b[1][0].c"},
      {R"({"items":[1,2],"x":{},"items":[3]})", "items"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseRequestJson(c.json, 16);
    ASSERT_FALSE(parsed.ok()) << c.json;
    EXPECT_EQ(parsed.status().field(), c.field) << c.json;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidInput);
  }
  // The same key in different objects is fine.
  EXPECT_TRUE(ParseRequestJson(R"({"a":{"name":1},"b":{"name":2},"c":[{"name":3},{"name":4}]})", 16).ok());
}

}  // namespace
}  // namespace exportctl::server

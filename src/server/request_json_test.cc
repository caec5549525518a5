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

}  // namespace
}  // namespace exportctl::server

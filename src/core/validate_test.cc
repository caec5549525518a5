#include "core/validate.h"

#include <gtest/gtest.h>

#include <string>

namespace exportctl {
namespace {

TEST(CheckText, AcceptsPrintableTextInAnyScript) {
  EXPECT_TRUE(CheckText("reason", "different company: Sophgo ≠ Sopgo; 深圳 ok", {.required = true}).ok());
  EXPECT_TRUE(CheckText("reason", "", {}).ok());
}

TEST(CheckText, RefusesBlankControlBidiLongAndBadUtf8) {
  struct Case {
    std::string value;
    const char* says;
  } cases[] = {
      {"", "required"},
      {"   ", "blank"},
      {"line one\r\nline two", "control character"},
      {"tab\there", "control character"},
      {"del\x7f", "control character"},
      {"c1 \xc2\x85 next line", "control character"},
      {"Huawei \xe2\x80\xae seigolonhceT", "bidirectional"},
      {"isolate \xe2\x81\xa6x\xe2\x81\xa9", "bidirectional"},
      {"latin-1 caf\xe9", "UTF-8"},
      {"overlong \xc0\xaf", "UTF-8"},
      {"surrogate \xed\xa0\x80", "UTF-8"},
      {std::string(201, 'x'), "longer than 200"},
  };
  for (const auto& c : cases) {
    Status st = CheckText("reason", c.value, {.required = true});
    ASSERT_FALSE(st.ok()) << c.value;
    EXPECT_EQ(st.field(), "reason");
    EXPECT_NE(st.message().find(c.says), std::string::npos) << st.message();
  }
  // Length counts characters, not bytes.
  std::string two_hundred_accents;
  for (int i = 0; i < 200; ++i) two_hundred_accents += "é";
  EXPECT_TRUE(CheckText("reason", two_hundred_accents, {}).ok());
}

TEST(CheckExpiry, AfterTodayAndWithinTheHorizon) {
  const Date today = Date::FromYmd(2026, 11, 30);
  EXPECT_TRUE(CheckExpiry("expires", Date::FromYmd(2027, 6, 1), today, 366).ok());
  EXPECT_TRUE(CheckExpiry("expires", Date::FromYmd(2026, 12, 1), today, 366).ok());
  EXPECT_FALSE(CheckExpiry("expires", today, today, 366).ok());
  EXPECT_FALSE(CheckExpiry("expires", Date::FromYmd(2020, 1, 1), today, 366).ok());
  Status far = CheckExpiry("expires", Date::FromYmd(9999, 12, 31), today, 366);
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.field(), "expires");
  EXPECT_NE(far.message().find("366 days"), std::string::npos);
  EXPECT_FALSE(CheckExpiry("expires", Date(), today, 366).ok());
}

}  // namespace
}  // namespace exportctl

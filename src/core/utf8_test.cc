#include "core/utf8.h"

#include <gtest/gtest.h>

#include "data/test_data.h"
#include "determine/transaction.h"

namespace exportctl {
namespace {

TEST(Utf8, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(FirstInvalidUtf8("Huawei Technologies"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("Ниаwei 华为 محمد"), std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8("Soci\xE9t\xE9 G\xE9n\xE9rale"), 4u);  // Latin-1 é
  EXPECT_EQ(FirstInvalidUtf8("\xC0\xAF"), 0u);                      // overlong
  EXPECT_EQ(FirstInvalidUtf8("a\xED\xA0\x80"), 1u);                 // surrogate
  EXPECT_EQ(FirstInvalidUtf8("ab\xF4\x90\x80\x80"), 2u);            // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("abc\xE4\xB8"), 3u);                   // truncated
  const Status st = CheckUtf8("Soci\xE9t\xE9", "name");
  EXPECT_EQ(st.field(), "name");
  EXPECT_NE(st.message().find("0xE9 at offset 4"), std::string::npos) << st.message();
}

// Bad bytes in a transaction are an input error naming the field that holds them.
TEST(Utf8, TransactionErrorNamesTheField) {
  const std::string tx =
      "{\"as_of\":\"2025-06-01\",\"destination\":\"DE\",\"items\":[{\"chip\":\"L40\",\"quantity\":1}],"
      "\"parties\":[{\"role\":\"end_user\",\"name\":\"Ok\"},{\"role\":\"ultimate_consignee\",\"name\":\"Soci\xE9t\xE9\"}]}";
  auto parsed = ParseTransaction(tx, BundledData());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(parsed.status().field(), "parties[1].name");
  EXPECT_NE(parsed.status().message().find("UTF-8"), std::string::npos) << parsed.status().message();
}

}  // namespace
}  // namespace exportctl

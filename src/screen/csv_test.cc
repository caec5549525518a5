#include "screen/csv.h"

#include <gtest/gtest.h>

#include <sstream>

namespace exportctl::screen {
namespace {

using Rows = std::vector<std::vector<std::string>>;

TEST(ParseCsv, QuotesCommasNewlinesAndLineEnds) {
  EXPECT_EQ(ParseCsv("name1,name2\nA,B\n"), (Rows{{"name1", "name2"}, {"A", "B"}}));
  EXPECT_EQ(ParseCsv("\"Huawei, Inc.\",\"say \"\"hi\"\"\"\r\n"),
            (Rows{{"Huawei, Inc.", "say \"hi\""}}));
  EXPECT_EQ(ParseCsv("\"two\nlines\",x"), (Rows{{"two\nlines", "x"}}));  // no final newline
  EXPECT_EQ(ParseCsv("a,,\n"), (Rows{{"a", "", ""}}));
  EXPECT_EQ(ParseCsv("last\r"), (Rows{{"last"}}));
  EXPECT_EQ(ParseCsv(""), Rows{});
}

TEST(ReadCsv, ReadsTheWholeStream) {
  std::istringstream in("id,name\n1,\"ZTE Corporation\"\n2,Sopgo\n");
  const Rows rows = ReadCsv(in);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][1], "ZTE Corporation");
  EXPECT_EQ(rows[2][0], "2");
}

}  // namespace
}  // namespace exportctl::screen

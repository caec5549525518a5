#include "core/csv_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace exportctl {
namespace {

TEST(CsvText, NeutralisesCellsASpreadsheetWouldRunAsFormulas) {
  EXPECT_EQ(CsvText("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(CsvText("+1+2"), "\"'+1+2\"");
  EXPECT_EQ(CsvText("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(CsvText("@SUM(A1:A2)"), "\"'@SUM(A1:A2)\"");
  EXPECT_EQ(CsvText("\t=1"), "\"'\t=1\"");
  EXPECT_EQ(CsvText("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(CsvText("\n=1"), "\"'\n=1\"");
  EXPECT_EQ(CsvText("＝1+1"), "\"'＝1+1\"");  // full-width equals sign
  EXPECT_EQ(CsvText("＠x"), "\"'＠x\"");
}

TEST(CsvText, LeavesOrdinaryTextAloneAndQuotesPerRfc4180) {
  EXPECT_EQ(CsvText("Saigon Cloud JSC"), "Saigon Cloud JSC");
  EXPECT_EQ(CsvText("a=b"), "a=b");  // only the first character matters
  EXPECT_EQ(CsvText(""), "");
  EXPECT_EQ(CsvText("Acme, Inc."), "\"Acme, Inc.\"");
  EXPECT_EQ(CsvText("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvText("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvText("plain", CsvQuoting::kAlways), "\"plain\"");
  EXPECT_EQ(CsvText("=1", CsvQuoting::kAlways), "\"'=1\"");
}

TEST(CsvNumber, KeepsFiguresReadableNegativeOnesIncluded) {
  EXPECT_EQ(CsvNumber("-12.500"), "-12.500");
  EXPECT_EQ(CsvNumber("42"), "42");
  EXPECT_EQ(CsvNumber("+3"), "+3");
  EXPECT_EQ(CsvNumber("1.5e+06"), "1.5e+06");
  EXPECT_EQ(CsvNumber(".5"), ".5");
  EXPECT_EQ(CsvNumber(""), "");
  // Not a plain number: written as text, neutralised.
  EXPECT_EQ(CsvNumber("-1+cmd|' /C calc'!A0"), "\"'-1+cmd|' /C calc'!A0\"");
  EXPECT_EQ(CsvNumber("-"), "\"'-\"");
  EXPECT_EQ(CsvNumber("1e"), "1e");
  EXPECT_EQ(CsvNumber("-1e"), "\"'-1e\"");
}

}  // namespace
}  // namespace exportctl

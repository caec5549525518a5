#include "check/orders_csv.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace exportctl::check {
namespace {

using nlohmann::json;

TEST(OrdersCsv, QuotedCellsHoldCommasQuotesAndLineBreaksAndRowsKeepTheirLines) {
  const std::string text =
      "reference,destination,chip,quantity,consignee,consignee_country\r\n"
      "A-1,DE,H100 SXM5 80GB,8,\"Beispiel, \"\"Nord\"\" GmbH\",DE\r\n"
      "\r\n"
      "A-2,CN,\"H100\nSXM5\",ten,,\r\n"
      "A-3, JP ,H100 SXM5 80GB,1e2,Tokyo KK,JP";
  auto orders = ReadOrdersCsv(text);
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  ASSERT_EQ(orders->size(), 3u);
  EXPECT_EQ((*orders)[0].line, 2u);
  EXPECT_EQ((*orders)[1].line, 4u);  // the blank line 3 is skipped, its number kept
  EXPECT_EQ((*orders)[2].line, 6u);  // line 4's quoted cell spans two lines
  const json a1 = json::parse((*orders)[0].transaction);
  EXPECT_EQ(a1["reference"], "A-1");
  EXPECT_EQ(a1["items"][0]["quantity"], 8);
  EXPECT_EQ(a1["parties"][0]["name"], "Beispiel, \"Nord\" GmbH");
  EXPECT_EQ(a1["parties"][0]["role"], "ultimate_consignee");
  const json a2 = json::parse((*orders)[1].transaction);
  EXPECT_EQ(a2["items"][0]["chip"], "H100\nSXM5");
  EXPECT_EQ(a2["items"][0]["quantity"], "ten");  // left for the transaction parser to name
  EXPECT_FALSE(a2.contains("parties"));           // empty cells are left out (unknown)
  const json a3 = json::parse((*orders)[2].transaction);
  EXPECT_EQ(a3["destination"], "JP");  // trimmed
  EXPECT_EQ(a3["items"][0]["quantity"], 100);
}

TEST(OrdersCsv, BadRowsKeepTheirPlaceWithAnErrorNamingLineAndColumn) {
  const std::string text =
      "destination,chip,quantity,consignee_country\n"
      "DE,H100 SXM5 80GB\n"
      "DE,H100 SXM5 80GB,1,DE\n"
      "DE,H100 SXM5 80GB,1,\"DE\n"
      "more\n";
  auto orders = ReadOrdersCsv(text);
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  ASSERT_EQ(orders->size(), 3u);
  EXPECT_EQ((*orders)[0].error.field(), "csv");
  EXPECT_EQ((*orders)[0].error.message(), "2 cells for 4 columns");
  EXPECT_EQ((*orders)[1].error.field(), "consignee");  // a country without a consignee's name
  EXPECT_EQ((*orders)[2].line, 4u);
  EXPECT_EQ((*orders)[2].error.field(), "csv");
  EXPECT_EQ((*orders)[2].error.message(), "the quoted cell of column 4 opened on line 4 is not closed");
}

TEST(OrdersCsv, AHeaderItCannotReadRefusesTheWholeText) {
  auto unknown = ReadOrdersCsv("\n\nreference,destinaton,chip,quantity\nX,DE,H100,1\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().field(), "csv");
  EXPECT_NE(unknown.status().message().find("line 3: unknown column \"destinaton\" (column 2;"), std::string::npos)
      << unknown.status().message();
  auto missing = ReadOrdersCsv("destination,chip\nDE,H100\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "line 1: the header lacks quantity");
  auto twice = ReadOrdersCsv("destination,chip,quantity,Chip\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "line 1: column \"chip\" appears twice (column 4)");
  auto empty = ReadOrdersCsv("\n \n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(OrdersCsv, FieldsMapBackToTheirColumns) {
  EXPECT_EQ(CsvColumnOf("items[0].quantity"), "quantity");
  EXPECT_EQ(CsvColumnOf("items[0].chip"), "chip");
  EXPECT_EQ(CsvColumnOf("parties[0].ultimate_parent_headquarters"), "consignee_ultimate_parent_headquarters");
  EXPECT_EQ(CsvColumnOf("destination"), "destination");
  EXPECT_EQ(CsvColumnOf("csv"), "");
  EXPECT_TRUE(LooksLikeOrdersCsv("orders.CSV", "{"));
  EXPECT_FALSE(LooksLikeOrdersCsv("orders.jsonl", "reference,chip"));
  EXPECT_TRUE(LooksLikeOrdersCsv("", "reference,destination,chip,quantity"));
  EXPECT_FALSE(LooksLikeOrdersCsv("", "{\"destination\":\"DE\"}"));
}

}  // namespace
}  // namespace exportctl::check

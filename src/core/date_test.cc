#include "core/date.h"

#include <gtest/gtest.h>

namespace exportctl {
namespace {

TEST(Date, ParsesAndPrintsRoundTrip) {
  for (const char* s : {"2023-11-17", "2024-02-29", "2025-01-13", "2027-12-31", "2000-02-29", "1970-01-01"}) {
    auto d = Date::Parse(s);
    ASSERT_TRUE(d.ok()) << s;
    EXPECT_EQ(d->ToString(), s);
  }
}

TEST(Date, RejectsNonDates) {
  for (const char* s : {"2025-02-29", "2100-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "2025-4-1",
                        "20250401", "", "2025-04-01T00:00", "abcd-ef-gh", "2025-04-00"}) {
    EXPECT_FALSE(Date::Parse(s).ok()) << s;
  }
}

TEST(Date, OrdersAndCountsDays) {
  const Date a = *Date::Parse("2025-05-14"), b = *Date::Parse("2025-05-15");
  EXPECT_LT(a, b);
  EXPECT_EQ(b.days() - a.days(), 1);
  EXPECT_EQ(Date::Parse("2024-03-01")->days() - Date::Parse("2024-02-28")->days(), 2);
  EXPECT_EQ(Date::FromDays(0).ToString(), "1970-01-01");
}

TEST(Date, Fields) {
  const Date d = *Date::Parse("2026-08-09");
  EXPECT_EQ(d.year(), 2026);
  EXPECT_EQ(d.month(), 8u);
  EXPECT_EQ(d.day(), 9u);
  EXPECT_EQ(d.quarter(), 3);
}

}  // namespace
}  // namespace exportctl

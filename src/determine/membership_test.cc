// Every Country Group membership a decision uses on a date has a source for that date, or the
// decision says it is unverified (and fails closed where it decides the outcome).
#include <gtest/gtest.h>

#include <string>

#include "data/dataset.h"
#include "data/test_data.h"
#include "determine/engine.h"

namespace exportctl {
namespace {

Decision Decide(const Engine& engine, const std::string& dest, const std::string& hq, const std::string& chip,
                const std::string& date, Posture posture) {
  const std::string input = R"({"as_of": ")" + date + R"(", "destination": ")" + dest + R"(", "items": [{"chip": ")" + chip +
                            R"(", "quantity": 8}], "parties": [{"role": "ultimate_consignee", "name": "C", "country": ")" + dest +
                            R"(", "headquarters": ")" + hq + R"(", "ultimate_parent_headquarters": ")" + hq + R"("}]})";
  auto tx = ParseTransaction(input, engine.data());
  EXPECT_TRUE(tx.ok()) << input;
  DetermineOptions opt;
  opt.posture = posture;
  return engine.Determine(*tx, opt);
}

bool Warns(const Decision& d, const std::string& needle) {
  for (const auto& w : d.warnings) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(MembershipSources, EveryMembershipUsedIsSourcedOrWarned) {
  const Dataset& data = BundledData();
  Engine engine(data);
  size_t used = 0, unverified = 0;
  for (const char* date : {"2023-11-17", "2024-01-10", "2024-03-15", "2024-06-01", "2025-06-01", "2025-11-10", "2026-08-01"}) {
    for (const auto& c : data.countries()) {
      if (Dataset::Alpha2Key(c.code) < 0) continue;
      for (const char* chip : {"H100 SXM5 80GB", "L40 PCIe 48GB"}) {
        for (Posture p : {Posture::kEnforced, Posture::kCodified}) {
          const Decision d = Decide(engine, c.code, c.code, chip, date, p);
          const Date on = *Date::Parse(date);
          bool dest_d5 = false;
          for (const auto& u : d.country_groups) {
            ++used;
            const MembershipProvenance pr = data.Provenance(u.country, *ParseGroup(u.group), on);
            EXPECT_EQ(u.verified, pr.verified) << u.country << " " << u.group << " " << date;
            EXPECT_EQ(u.member, pr.member) << u.country << " " << u.group << " " << date;
            if (u.country == data.EffectiveCode(c.code) && u.group == "D:5") dest_d5 = true;
            if (u.verified) continue;
            ++unverified;
            const std::string needle = "Country Group " + std::string(u.group) + " membership of " + u.country + " on " + date + " is unverified";
            EXPECT_TRUE(Warns(d, needle)) << needle;
            if (u.decisive) {
              EXPECT_NE(d.outcome, Outcome::kNoLicenseRequired) << needle;
              EXPECT_NE(d.outcome, Outcome::kLicenseException) << needle;
            }
          }
          // The destination's D:5 membership is always read (policy, NAC, Tier 3), so it must be listed.
          if (c.code != "MO" && data.EffectiveCode(c.code) != "MO") EXPECT_TRUE(dest_d5) << c.code << " " << date;
        }
      }
    }
  }
  EXPECT_GT(used, 1000u);
  EXPECT_GT(unverified, 0u);  // the UAE, Ethiopia and Cyprus at least
}

// The common case is sourced before the table's date: China's D:5 and Germany's place outside the
// 2023 license area need no warning.
TEST(MembershipSources, LongStandingMembershipsAreSourcedBeforeTheTable) {
  const Dataset& data = BundledData();
  const Date d = *Date::Parse("2024-01-10");
  for (auto [code, group] : {std::pair{"CN", Group::D5}, {"CN", Group::D1}, {"DE", Group::A5}, {"DE", Group::D5}, {"IN", Group::D4}, {"RU", Group::D5}}) {
    EXPECT_TRUE(data.Provenance(code, group, d).verified) << code << " " << GroupName(group);
  }
  // Known only from the 2026-07-23 table: the UAE's A:5 (the move's date is not found).
  EXPECT_FALSE(data.Provenance("AE", Group::A5, d).verified);
  EXPECT_TRUE(data.Provenance("AE", Group::A5, *Date::Parse("2026-07-23")).verified);
  EXPECT_FALSE(data.Provenance("DE", Group::A1, d).verified);  // A:1 is not used by any decision and not sourced
  // Nicaragua: B until 2024-03-15, then D:1 and D:5, each with its own citation.
  EXPECT_FALSE(data.InGroup("NI", Group::D5, *Date::Parse("2024-03-14")));
  EXPECT_TRUE(data.InGroup("NI", Group::B, *Date::Parse("2024-03-14")));
  EXPECT_TRUE(data.InGroup("NI", Group::D5, *Date::Parse("2024-03-15")));
  EXPECT_FALSE(data.InGroup("NI", Group::B, *Date::Parse("2024-03-15")));
}

}  // namespace
}  // namespace exportctl

#include "jurisdiction/jurisdiction.h"

#include <gtest/gtest.h>

#include "data/test_data.h"

namespace exportctl::jurisdiction {
namespace {

const Rules& TheRules() {
  static std::shared_ptr<const Rules> rules = [] {
    auto r = Rules::Compile(BundledData());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }();
  return *rules;
}

Date D(const char* s) { return *Date::Parse(s); }

// A Korean-designed 3A090.a chip from a Taiwanese fab with US-origin tools, every fact stated.
Facts Foreign(const char* dest, const char* date, Posture p = Posture::kEnforced) {
  Facts f;
  f.item = "chip";
  f.field = "items[0]";
  f.origin.in_us = false;
  f.origin.produced_in_us = false;
  f.origin.produced_in = {"TW"};
  f.origin.us_technology_eccns = std::vector<std::string>{};
  f.origin.us_origin_plant = true;
  f.origin.us_content = std::vector<UsContent>{};
  f.origin.value_usd = 1000;
  f.eccns = {"3A090.a"};
  f.designer_headquarters = "KR";
  f.destination = dest;
  f.as_of = D(date);
  f.posture = p;
  f.parties = {{"consignee", "MY", "MY", Answer::kNo, Answer::kNo}};
  f.incorporated_into_items_for = std::vector<std::string>{};
  f.for_footnote_entity = Answer::kNo;
  f.supercomputer_prc_macau = Answer::kNo;
  return f;
}

TEST(Jurisdiction, ForeignChipOutsideTheReachIsNotSubject) {
  const Determination d = Decide(TheRules(), Foreign("MY", "2024-06-01"));
  EXPECT_EQ(d.verdict, Verdict::kNotSubject);
  EXPECT_TRUE(d.missing.empty());
}

TEST(Jurisdiction, WorldwideReachBindsOnlyUnderCodified) {
  EXPECT_EQ(Decide(TheRules(), Foreign("MY", "2025-06-01", Posture::kCodified)).verdict, Verdict::kSubject);
  const Determination enforced = Decide(TheRules(), Foreign("MY", "2025-06-01", Posture::kEnforced));
  EXPECT_EQ(enforced.verdict, Verdict::kNotSubject);
  ASSERT_EQ(enforced.notes.size(), 1u);
  EXPECT_NE(enforced.notes[0].find("does not by itself"), std::string::npos);
}

TEST(Jurisdiction, UnknownNeverCountsAsNo) {
  Facts f = Foreign("CN", "2024-06-01");
  f.origin.us_origin_plant.reset();
  f.origin.us_technology_eccns.reset();
  const Determination d = Decide(TheRules(), f);
  EXPECT_EQ(d.verdict, Verdict::kUndetermined);
  EXPECT_NE(std::find(d.missing.begin(), d.missing.end(), "items[0].origin.us_origin_plant"), d.missing.end());
  // With the plant known to be US-made technology's product, the reach (China) decides it.
  f.origin.us_origin_plant = true;
  EXPECT_EQ(Decide(TheRules(), f).verdict, Verdict::kSubject);
}

TEST(Jurisdiction, DeMinimisIsStrictlyAboveTheLevel) {
  std::vector<UsContent> content = {{"cpu", "3A001", "", std::nullopt, "US", 1, 25}};
  Worksheet at = DeMinimis(TheRules(), content, 100, "MY", D("2026-08-01"), Posture::kEnforced);
  EXPECT_TRUE(at.computed);
  EXPECT_DOUBLE_EQ(at.ratio_percent, 25);
  EXPECT_DOUBLE_EQ(at.threshold_percent, 25);
  EXPECT_FALSE(at.exceeds);
  content[0].value_usd = 25.01;
  EXPECT_TRUE(DeMinimis(TheRules(), content, 100, "MY", D("2026-08-01"), Posture::kEnforced).exceeds);
}

TEST(Jurisdiction, TenPercentForCountryGroupsE1AndE2) {
  std::vector<UsContent> content = {{"nic", "5A992", "", std::nullopt, "US", 1, 11}};
  EXPECT_DOUBLE_EQ(DeMinimis(TheRules(), content, 100, "IR", D("2026-08-01"), Posture::kEnforced).threshold_percent, 10);
  EXPECT_TRUE(DeMinimis(TheRules(), content, 100, "IR", D("2026-08-01"), Posture::kEnforced).exceeds);
  // AT-only content needs no license to Malaysia: it is not controlled content there.
  const Worksheet my = DeMinimis(TheRules(), content, 100, "MY", D("2026-08-01"), Posture::kEnforced);
  EXPECT_DOUBLE_EQ(my.numerator, 0);
  EXPECT_FALSE(my.lines[0].controlled);
}

TEST(Jurisdiction, ThreeA090ContentByDateAndPosture) {
  std::vector<UsContent> content = {{"gpu", "3A090.a", "", std::nullopt, "US", 1, 50}};
  EXPECT_DOUBLE_EQ(DeMinimis(TheRules(), content, 100, "MY", D("2024-06-01"), Posture::kCodified).numerator, 0);
  EXPECT_DOUBLE_EQ(DeMinimis(TheRules(), content, 100, "MY", D("2025-06-01"), Posture::kCodified).numerator, 50);
  EXPECT_DOUBLE_EQ(DeMinimis(TheRules(), content, 100, "VN", D("2024-06-01"), Posture::kEnforced).numerator, 50);
}

// 15 CFR 736.2(b)(10), BIS guidance of 2025-05-13: one presumption for ICs and the systems
// containing them.
Gp10Facts Gp10Item(const ItemSpec& spec, std::vector<std::string> eccns, std::optional<std::vector<std::string>> made = std::nullopt) {
  Gp10Facts f;
  f.item = "item";
  f.field = "items[0]";
  f.spec = &spec;
  f.eccns = std::move(eccns);
  f.produced_in = std::move(made);
  f.as_of = D("2025-06-01");
  return f;
}

ItemSpec Chip(const char* name) { return (*BundledData().FindChip(name))->ToSpec(); }

TEST(Gp10Presumption, AnIcDesignedOrProducedInD5OrMacau) {
  ItemSpec ic;
  ic.designer_headquarters = "KR";
  EXPECT_EQ(PresumeGp10(TheRules(), Gp10Item(ic, {"3A090.a"}, std::vector<std::string>{"TW"})).applies, Answer::kNo);
  EXPECT_EQ(PresumeGp10(TheRules(), Gp10Item(ic, {"3A090.a"}, std::vector<std::string>{"CN"})).applies, Answer::kYes);
  EXPECT_EQ(PresumeGp10(TheRules(), Gp10Item(ic, {"3A991.p"}, std::vector<std::string>{"CN"})).applies, Answer::kNo);
  ic.designer_headquarters = "MO";
  EXPECT_EQ(PresumeGp10(TheRules(), Gp10Item(ic, {"3A090.a"})).applies, Answer::kYes);
  ic.designer_headquarters.clear();  // an unstated designer may be a PRC one
  const Gp10Presumption open = PresumeGp10(TheRules(), Gp10Item(ic, {"3A090.a"}));
  EXPECT_EQ(open.applies, Answer::kUnknown);
  EXPECT_EQ(open.missing, std::vector<std::string>{"items[0].designer_headquarters"});
  // A named chip whatever its class.
  const Gp10Presumption named = PresumeGp10(TheRules(), Gp10Item(Chip("Ascend 910D"), {}));
  EXPECT_EQ(named.applies, Answer::kYes);
  EXPECT_TRUE(named.named);
}

TEST(Gp10Presumption, ASystemIsTreatedLikeItsChips) {
  ItemSpec server;
  server.kind = ItemKind::kSystem;
  server.components.push_back({Chip("H100 SXM5 80GB"), 8, std::nullopt});
  EXPECT_EQ(PresumeGp10(TheRules(), Gp10Item(server, {"4A090.a"})).applies, Answer::kNo);
  EXPECT_EQ(PresumeGp10(TheRules(), Gp10Item(server, {"4A090.a"}, std::vector<std::string>{"TW"})).applies, Answer::kNo);
  // Produced in the PRC: where its chips were produced decides, and is asked.
  const Gp10Presumption open = PresumeGp10(TheRules(), Gp10Item(server, {"4A090.a"}, std::vector<std::string>{"CN"}));
  EXPECT_EQ(open.applies, Answer::kUnknown);
  EXPECT_EQ(open.missing, std::vector<std::string>{"items[0].system.components[0].produced_in"});
  server.components[0].produced_in = std::vector<std::string>{"TW"};
  EXPECT_EQ(PresumeGp10(TheRules(), Gp10Item(server, {"4A090.a"}, std::vector<std::string>{"CN"})).applies, Answer::kNo);
  server.components[0].produced_in = std::vector<std::string>{"CN"};
  EXPECT_EQ(PresumeGp10(TheRules(), Gp10Item(server, {"4A090.a"})).applies, Answer::kYes);
  server.components.push_back({Chip("Ascend 910B"), 8, std::nullopt});
  server.components[0].produced_in.reset();
  const Gp10Presumption ascend = PresumeGp10(TheRules(), Gp10Item(server, {"4A090.a"}));
  EXPECT_EQ(ascend.applies, Answer::kYes);
  EXPECT_TRUE(ascend.named);
}

TEST(Jurisdiction, EccnsAreWrittenAsEccns) {
  EXPECT_TRUE(Rules::IsEccn("3E001"));
  EXPECT_TRUE(Rules::IsEccn("3A090.a"));
  EXPECT_TRUE(Rules::IsEccn("EAR99"));
  EXPECT_FALSE(Rules::IsEccn("3F001"));
  EXPECT_FALSE(Rules::IsEccn("H100"));
  EXPECT_FALSE(Rules::IsEccn("3A090."));
  EXPECT_TRUE(KnownContentEccn(BundledData(), "3A001.a.2"));
  EXPECT_FALSE(KnownContentEccn(BundledData(), "2B001"));
}

}  // namespace
}  // namespace exportctl::jurisdiction

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "screen/screen.h"
#include "screen/test_data.h"

namespace exportctl::screen {
namespace {

LoadedList SmallList() {
  LoadedList l;
  l.version.list_id = "test";
  auto add = [&](ListSource s, PartyType t, std::string name, std::vector<std::string> alts,
                 std::string country) {
    ListRecord r;
    r.record_id = "r" + std::to_string(l.records.size() + 1);
    r.source = s;
    r.type = t;
    r.name = std::move(name);
    r.alt_names = std::move(alts);
    if (!country.empty()) r.countries.push_back(country);
    l.records.push_back(std::move(r));
  };
  add(ListSource::kEntityList, PartyType::kEntity,
      "Huawei Technologies Co., Ltd. (Huawei). Affiliated Entity: Beijing Huawei Longshine "
      "Information Technology Co., Ltd.",
      {}, "CN");
  add(ListSource::kSdn, PartyType::kEntity, "GAZPROMBANK", {"GAZPROM BANK OAO"}, "RU");
  add(ListSource::kSdn, PartyType::kIndividual, "MADURO MOROS, Nicolas", {}, "VE");
  add(ListSource::kEntityList, PartyType::kEntity, "11420 CORP.", {}, "RU");
  add(ListSource::kDeniedPersons, PartyType::kUnknown, "Lee?s Trading Company", {}, "HK");
  l.version.record_count = l.records.size();
  return l;
}

TEST(Screener, FindsNamesAliasesAffiliatesAndExplains) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = "Beijing Huawei Longshine Information Technology"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->record_id, "r1");
  EXPECT_NE((*hits)[0].Explain().find("longshine~longshine"), std::string::npos)
      << (*hits)[0].Explain();

  hits = index->Screen({.name = "Gazprom Bank"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->record_id, "r2");
  EXPECT_GE((*hits)[0].score, kCertainThreshold);

  hits = index->Screen({.name = "Nicolas Maduro Moros"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->record_id, "r3");

  hits = index->Screen({.name = "Lee's Trading Co"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->record_id, "r5");
}

TEST(Screener, LegalFormAloneIsNoHit) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = "BELLETECH CORP"});
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
}

TEST(Screener, CountryAndTypeFilters) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = "Gazprombank", .country = "RU"});
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 1u);
  hits = index->Screen({.name = "Gazprombank", .country = "FR"});
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
  hits = index->Screen({.name = "Gazprombank", .type = PartyType::kIndividual});
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
}

// A filter that matches nothing would clear every name: it is an error naming the field.
TEST(Screener, AFilterThatIsNotACountryCodeOrAThresholdThatIsNotANumberIsAnError) {
  auto index = Screener::Build({SmallList()});
  for (const char* c : {"CHN", "ZZ", "China", "RU ", "R"}) {
    auto hits = index->Screen({.name = "Gazprombank", .country = c});
    ASSERT_FALSE(hits.ok()) << c;
    EXPECT_EQ(hits.status().field(), "country") << c;
  }
  auto lower = index->Screen({.name = "Gazprombank", .country = "ru"});
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->size(), 1u);
  for (double t : {std::nan(""), 0.0, -0.5, 1.5}) {
    auto hits = index->Screen({.name = "Gazprombank", .threshold = t});
    ASSERT_FALSE(hits.ok()) << t;
    EXPECT_EQ(hits.status().field(), "threshold") << t;
  }
  EXPECT_TRUE(IsIsoCountryCode("XK"));
  EXPECT_TRUE(IsIsoCountryCode("UA-43")) << "the regulatory data's covered regions are party countries";
  EXPECT_FALSE(IsIsoCountryCode("ZZ-43"));
  EXPECT_TRUE(IsIsoCountryCode("cn"));
  EXPECT_FALSE(IsIsoCountryCode("XX"));
}

// A listed distinctive name followed by a place, a legal form or a generic business word is the
// listed party: those words weigh less, and the hit says which words were treated as what.
TEST(Screener, PlacesLegalFormsAndGenericWordsDoNotHideADistinctiveName) {
  LoadedList l = SmallList();
  for (const char* name : {"Zorvex", "Kelmaris", "Tarnova Co., Ltd."}) {
    ListRecord r;
    r.record_id = std::string("p") + std::to_string(l.records.size());
    r.source = ListSource::kEntityList;
    r.type = PartyType::kEntity;
    r.name = name;
    l.records.push_back(std::move(r));
  }
  auto index = Screener::Build({std::move(l)});
  struct Case {
    const char* query;
    const char* listed;
    std::vector<std::string> place, legal, generic;
  };
  const Case cases[] = {
      {"Zorvex Malaysia Sdn Bhd", "Zorvex", {"malaysia"}, {"sdn", "bhd"}, {}},
      {"Zorvex Hong Kong Limited", "Zorvex", {"hong", "kong"}, {"ltd"}, {}},
      {"Zorvex Trading", "Zorvex", {}, {}, {"trading"}},
      {"Kelmaris Shenzhen Technology Co Ltd", "Kelmaris", {"shenzhen"}, {"co", "ltd"}, {"technology"}},
      {"Kelmaris Deutschland GmbH", "Kelmaris", {"deutschland"}, {"gmbh"}, {}},
      {"Tarnova Dubai FZE", "Tarnova Co., Ltd.", {"dubai"}, {"fze"}, {}},
      {"Tarnova Vietnam International Co Ltd", "Tarnova Co., Ltd.", {"vietnam"}, {"co", "ltd"}, {"international"}},
  };
  for (const Case& c : cases) {
    auto hits = index->Screen({.name = c.query});
    ASSERT_TRUE(hits.ok()) << c.query;
    ASSERT_FALSE(hits->empty()) << c.query << " is not found";
    const Hit& h = (*hits)[0];
    EXPECT_EQ(h.record->name, c.listed) << c.query;
    EXPECT_GE(h.score, kDefaultThreshold) << h.Explain();
    EXPECT_EQ(h.place_words, c.place) << h.Explain();
    EXPECT_EQ(h.legal_form_words, c.legal) << h.Explain();
    EXPECT_EQ(h.generic_words, c.generic) << h.Explain();
    EXPECT_NE(h.Explain().find("treated as"), std::string::npos) << h.Explain();
  }
  // Places and generic words alone identify no one.
  for (const char* query : {"Malaysia Trading Sdn Bhd", "Shenzhen Electronics Group", "Vietnam International"}) {
    auto hits = index->Screen({.name = query});
    ASSERT_TRUE(hits.ok());
    EXPECT_TRUE(hits->empty()) << query << ": " << (*hits)[0].Explain();
  }
  // A name made only of such words is still found when it is the listed name.
  LoadedList generic;
  ListRecord r;
  r.record_id = "g1";
  r.name = "Global Trading International";
  generic.records.push_back(r);
  auto generic_index = Screener::Build({std::move(generic)});
  auto hits = generic_index->Screen({.name = "Global Trading International Ltd"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_GE((*hits)[0].score, kCertainThreshold);
}

void ExpectSameHits(const std::vector<Hit>& a, const std::vector<Hit>& b, const std::string& q);

// Names built to evade screening: text reordered by a right-to-left override, look-alike letters
// of another script inside a word, letters spaced apart, invisible characters. Each is found, the
// index agrees with the brute-force scan, and the hit says what the name hid.
TEST(Screener, EvasiveSpellingsAreFoundAndExplained) {
  auto index = Screener::Build({SmallList()});
  const std::string queries[] = {
      "\u202Eseigolonhcet iewauH",             // RLO: displays as "Huawei technologies"
      "\u041D\u0438\u0430wei Technologies",      // Cyrillic Н, и, а in a Latin word
      "H U A W E I Technologies",               // letter-spaced
      "Hua\u200Bwei Tech\u00ADnologies",         // zero-width space, soft hyphen
      "\u041D\u0443\u0430w\u0435\u0456 Technologies",  // Нuаwеі: mostly look-alikes
  };
  for (const std::string& q : queries) {
    auto hits = index->Screen({.name = q});
    auto slow = index->ScreenBruteForce({.name = q});
    ASSERT_TRUE(hits.ok() && slow.ok()) << q;
    ASSERT_FALSE(hits->empty()) << q << " is not found";
    EXPECT_EQ((*hits)[0].record->record_id, "r1") << q;
    ExpectSameHits(*hits, *slow, q);
  }
  EXPECT_FALSE(NameWarnings(queries[0]).empty());
  EXPECT_NE(NameWarnings(queries[1]).at(0).find("mixes scripts"), std::string::npos);
  EXPECT_FALSE(NameWarnings(queries[3]).empty());
  EXPECT_TRUE(NameWarnings("Huawei Technologies").empty());
  EXPECT_TRUE(NameWarnings("\u534E\u4E3A\u6280\u672F").empty());  // one script per word: no warning
  auto hits = index->Screen({.name = queries[1]});
  EXPECT_NE((*hits)[0].Explain().find("mixes scripts"), std::string::npos) << (*hits)[0].Explain();
  // Two initials stay initials.
  hits = index->Screen({.name = "J F Kennedy"});
  ASSERT_TRUE(hits.ok());
}

// A listed entity's whole name followed by a word of the query's own ("Mahan Air Cargo") was no
// hit at all: the extra word weighed as much as the listed name. It is a possible match, said to
// be contained, never certain; short one-word names, names out of order and individuals are not.
TEST(Screener, AQueryContainingAListedEntityNameIsAPossibleMatch) {
  LoadedList l = SmallList();
  auto add = [&](PartyType type, const char* name) {
    ListRecord r;
    r.record_id = std::string("c") + std::to_string(l.records.size() + 1);
    r.source = ListSource::kEntityList;
    r.type = type;
    r.name = name;
    l.records.push_back(std::move(r));
  };
  add(PartyType::kEntity, "MAHAN AIR");
  add(PartyType::kEntity, "ZORBLAX");
  add(PartyType::kEntity, "SARA");
  add(PartyType::kEntity, "LLC MARKUS");
  add(PartyType::kIndividual, "BERGEN, Markus");
  add(PartyType::kIndividual, "KELMAR, Joran");
  auto index = Screener::Build({std::move(l)});
  struct Case {
    const char* query;
    const char* listed;  // "" = no hit
  };
  const Case cases[] = {
      {"Mahan Air Cargo", "MAHAN AIR"},
      {"Mahan Air Cargo Services", "MAHAN AIR"},
      {"Gazprombank Cargo", "GAZPROMBANK"},
      {"Zorblax Cargo", "ZORBLAX"},
      {"Zorblax Quintarn", "ZORBLAX"},
      {"Sara Goodwin", ""},          // a one-word name of four letters: a given name as often
      {"Markus Berg", ""},           // a one-word name the lists also write in a person's name
      {"Cargo Air Mahan", ""},       // the listed words out of order
      {"Quintarn Zorblax", ""},      // a one-word name after the query's first name word
      {"Joran Kelmar Cargo", ""},    // an individual: not contained
  };
  for (const Case& c : cases) {
    auto hits = index->Screen({.name = c.query});
    auto slow = index->ScreenBruteForce({.name = c.query});
    ASSERT_TRUE(hits.ok() && slow.ok()) << c.query;
    ExpectSameHits(*hits, *slow, c.query);
    if (std::string(c.listed).empty()) {
      EXPECT_TRUE(hits->empty()) << c.query << ": " << (*hits)[0].Explain();
      continue;
    }
    ASSERT_FALSE(hits->empty()) << c.query << " is not found";
    const Hit& h = (*hits)[0];
    EXPECT_EQ(h.record->name, c.listed) << c.query;
    EXPECT_GE(h.score, kDefaultThreshold) << h.Explain();
    EXPECT_LT(h.score, kCertainThreshold) << h.Explain();
    EXPECT_TRUE(h.contained) << h.Explain();
    EXPECT_NE(h.Explain().find("contains the listed name"), std::string::npos) << h.Explain();
    auto compared = index->Compare(c.query, h.matched_name, h.record->type);
    ASSERT_TRUE(compared.ok());
    EXPECT_NEAR(*compared, h.score, 1e-9) << c.query;
  }
  // After a generic business word the words are also cut off (BusinessHead): a certain hit.
  auto cut = index->Screen({.name = "Huawei Technologies Cargo"});
  ASSERT_TRUE(cut.ok());
  ASSERT_FALSE(cut->empty());
  EXPECT_EQ((*cut)[0].record->record_id, "r1");
  // The whole name alone is scored as before, not as contained.
  auto hits = index->Screen({.name = "Mahan Air"});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_GE((*hits)[0].score, kCertainThreshold);
  EXPECT_FALSE((*hits)[0].contained);
}

// A listed word split into three or more pieces ("Ka sper sky Lab") escaped: the scorer's joins
// repair two pieces. The pieces are joined when the joined word is a listed word.
TEST(Screener, AListedWordSplitIntoThreeOrMorePiecesIsFound) {
  LoadedList l = SmallList();
  ListRecord r;
  r.record_id = "k1";
  r.source = ListSource::kEntityList;
  r.type = PartyType::kEntity;
  r.name = "KASPERSKY LAB";
  l.records.push_back(std::move(r));
  auto index = Screener::Build({std::move(l)});
  for (const char* query : {"Ka sper sky Lab", "Kas per sky Lab", "Ka sp er sky Lab", "Gaz prom bank"}) {
    auto hits = index->Screen({.name = query});
    auto slow = index->ScreenBruteForce({.name = query});
    ASSERT_TRUE(hits.ok() && slow.ok()) << query;
    ExpectSameHits(*hits, *slow, query);
    ASSERT_FALSE(hits->empty()) << query << " is not found";
    EXPECT_GE((*hits)[0].score, kCertainThreshold) << (*hits)[0].Explain();
    EXPECT_NE((*hits)[0].Explain().find("pieces of a split word joined"), std::string::npos) << (*hits)[0].Explain();
    auto compared = index->Compare(query, (*hits)[0].matched_name, (*hits)[0].record->type);
    ASSERT_TRUE(compared.ok());
    EXPECT_NEAR(*compared, (*hits)[0].score, 1e-9) << query;
  }
  // Pieces that join into no listed name word are left as they are (a generic word identifies no one).
  auto generic = index->Screen({.name = "Huawei Te chn olog ies"});
  ASSERT_TRUE(generic.ok());
  for (const Hit& h : *generic) EXPECT_EQ(h.Explain().find("pieces of a split word"), std::string::npos) << h.Explain();
  auto hits = index->Screen({.name = "Li Wei Min Lab"});
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty()) << (*hits)[0].Explain();
}

TEST(Screener, IllFormedUtf8IsAnErrorNamingTheField) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = "Hu\xE4wei"});
  ASSERT_FALSE(hits.ok());
  EXPECT_EQ(hits.status().field(), "name");
  EXPECT_NE(hits.status().message().find("UTF-8"), std::string::npos);
  hits = index->Screen({.name = "Huawei", .country = "C\xD1"});
  ASSERT_FALSE(hits.ok());
  EXPECT_EQ(hits.status().field(), "country");
}

TEST(Screener, EmptyNameIsAnError) {
  auto index = Screener::Build({SmallList()});
  auto hits = index->Screen({.name = " ,. "});
  ASSERT_FALSE(hits.ok());
  EXPECT_EQ(hits.status().field(), "name");
}

void ExpectSameHits(const std::vector<Hit>& a, const std::vector<Hit>& b, const std::string& q) {
  ASSERT_EQ(a.size(), b.size()) << q;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].record_index, b[i].record_index) << q;
    EXPECT_EQ(a[i].score, b[i].score) << q;
    EXPECT_EQ(a[i].matched_name, b[i].matched_name) << q;
    EXPECT_EQ(a[i].contained, b[i].contained) << q;
  }
}

// The index returns exactly what a full scan with the same scorer returns (real CSL, sampled
// treated UN names and negatives, at a low threshold so that many hits are compared).
// A query word already met in this thread is not looked up in the key tables again
// (docs/screening.md, "Index"): a repeated query, or one sharing words with earlier ones, gets the
// hits the lookups give, and another index is never answered from the first index's words.
TEST(Screener, RepeatedWordsGiveTheSameHitsInEveryIndex) {
  auto first = Screener::Build({SmallList()});
  const std::vector<std::string> queries = {"Gazprom Bank",      "Nicolas Maduro",
                                            "Maduro Gazprombank", "Huawei Gazprom Trading",
                                            "Gazprom Bank",      "Nicolas Nicolas Maduro"};
  std::vector<std::vector<Hit>> first_hits;
  for (const auto& q : queries) {
    ScreenQuery query{.name = q, .threshold = 0.6, .limit = 50};
    auto hits = first->Screen(query);
    auto slow = first->ScreenBruteForce(query);
    ASSERT_TRUE(hits.ok() && slow.ok()) << q;
    ExpectSameHits(*hits, *slow, q);
    first_hits.push_back(*hits);
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    auto again = first->Screen({.name = queries[i], .threshold = 0.6, .limit = 50});
    ASSERT_TRUE(again.ok()) << queries[i];
    ExpectSameHits(*again, first_hits[i], queries[i]);
  }
  auto gazprom = first->Screen({.name = "Gazprom Bank"});
  ASSERT_TRUE(gazprom.ok());
  ASSERT_FALSE(gazprom->empty());
  EXPECT_EQ((*gazprom)[0].record->record_id, "r2");

  // A second index with other words (other vocabulary ids): its own answers.
  LoadedList other;
  other.version.list_id = "other";
  ListRecord r;
  r.record_id = "o1";
  r.source = ListSource::kSdn;
  r.type = PartyType::kIndividual;
  r.name = "MADURO GUERRA, Nicolasa";
  other.records.push_back(r);
  other.version.record_count = 1;
  auto second = Screener::Build({other});
  for (const auto& q : queries) {
    ScreenQuery query{.name = q, .threshold = 0.6, .limit = 50};
    auto hits = second->Screen(query);
    auto slow = second->ScreenBruteForce(query);
    ASSERT_TRUE(hits.ok() && slow.ok()) << q;
    ExpectSameHits(*hits, *slow, q);
    for (const Hit& h : *hits) EXPECT_EQ(h.record->record_id, "o1") << q;
  }
  auto none = second->Screen({.name = "Gazprom Bank", .threshold = 0.6});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // And the first index again, after the second filled this thread's cache.
  for (size_t i = 0; i < queries.size(); ++i) {
    auto again = first->Screen({.name = queries[i], .threshold = 0.6, .limit = 50});
    ASSERT_TRUE(again.ok()) << queries[i];
    ExpectSameHits(*again, first_hits[i], queries[i]);
  }
}

TEST(Screener, IndexEqualsBruteForceOnTheCsl) {
  const std::string csl = testing::SharedData("csl/consolidated_2026-07-31.json");
  const std::string treated = testing::SharedData("eval/yente/positives_un_treated.csv");
  const std::string negatives = testing::SharedData("eval/yente/negatives_global.csv");
  SKIP_WITHOUT_SHARED(csl);
  SKIP_WITHOUT_SHARED(treated);
  SKIP_WITHOUT_SHARED(negatives);
  auto list = LoadListFile(csl);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  auto index = Screener::Build({std::move(list).value()});
  std::vector<std::string> queries = {"Huawei Technologies", "Gazprom Bank", "Sophgo",
                                      "Rosoboronexport",     "Mahan Air",    "BIREN TECHNOLOGY",
                                      "J. Kim",              "A. Q. Khan",   "M. Ali Hassan",
                                      "김정은",              "Mao Tse-tung", "Dr. Bashar al-Assad",
                                      "Mahan Air Cargo",     "Huawei Technologies Cargo", "Ka sper sky Lab"};
  for (const std::string& path : {treated, negatives}) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    for (int i = 0; i < 200 && std::getline(in, line); ++i) {
      if (i % 20 != 0) continue;
      std::string name =
          line[0] == '"' ? line.substr(1, line.find('"', 1) - 1) : line.substr(0, line.find(','));
      queries.push_back(name);
    }
  }
  for (const auto& q : queries) {
    ScreenQuery query{.name = q, .threshold = 0.6, .limit = 50};
    auto fast = index->Screen(query);
    auto slow = index->ScreenBruteForce(query);
    ASSERT_TRUE(fast.ok() && slow.ok()) << q;
    ExpectSameHits(*fast, *slow, q);
    // `screen compare` gives every hit the score `screen` gave it.
    for (const Hit& h : *fast) {
      auto compared = index->Compare(q, h.matched_name, h.record->type);
      ASSERT_TRUE(compared.ok()) << q;
      EXPECT_NEAR(*compared, h.score, 1e-9) << q << " / " << h.matched_name;
    }
  }
}

TEST(Screener, KnownCslNamesAreFound) {
  const std::string csl = testing::SharedData("csl/consolidated_2026-07-31.json");
  SKIP_WITHOUT_SHARED(csl);
  auto list = LoadListFile(csl);
  ASSERT_TRUE(list.ok());
  auto index = Screener::Build({std::move(list).value()});
  auto hits = index->Screen({.name = "Beijing Huawei Longshine Information Technology Co Ltd",
                             .sources = {ListSource::kEntityList}});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_GE((*hits)[0].score, kCertainThreshold);
  EXPECT_EQ((*hits)[0].record->source, ListSource::kEntityList);
  EXPECT_EQ((*hits)[0].record->Footnote(), 1) << (*hits)[0].record->license_requirement;

  // A listed parent's name with a place, legal form or generic word (issue: 0.63–0.69 before).
  for (const auto& [query, listed] : std::vector<std::pair<std::string, std::string>>{
           {"Sugon Singapore Pte Ltd", "sugon"},
           {"Inspur Vietnam Co Ltd", "inspur"},
           {"Huawei Trading", "huawei"}}) {
    auto found = index->Screen({.name = query});
    ASSERT_TRUE(found.ok());
    ASSERT_FALSE(found->empty()) << query;
    EXPECT_NE((*found)[0].Explain().find(listed + "~" + listed), std::string::npos) << (*found)[0].Explain();
  }

  hits = index->Screen({.name = "Biren Technology", .sources = {ListSource::kEntityList}});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].record->Footnote(), 4) << (*hits)[0].record->license_requirement;
}

}  // namespace
}  // namespace exportctl::screen

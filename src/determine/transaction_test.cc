#include "determine/transaction.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "data/dataset.h"
#include "data/test_data.h"
#include "determine/decision_json.h"
#include "determine/engine.h"

namespace exportctl {
namespace {

const Dataset& Data() { return BundledData(); }

TEST(ParseTransaction, MalformedJsonSaysWhere) {
  auto tx = ParseTransaction("{\"as_of\": \"2025-06-01\",\n \"destination\": DE}", Data());
  ASSERT_FALSE(tx.ok());
  EXPECT_NE(tx.status().message().find("at line 2, column 17"), std::string::npos) << tx.status().message();
  // Non-finite numbers are not JSON: refused, with the place.
  auto nan = ParseTransaction(R"({"as_of": "2025-06-01", "destination": "DE", "items": [{"tpp": NaN, "quantity": 1}]})", Data());
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.status().message().find("at line 1, column"), std::string::npos) << nan.status().message();
  auto inf = ParseTransaction(R"({"as_of": "2025-06-01", "destination": "DE", "items": [{"tpp": 1e999, "quantity": 1}]})", Data());
  EXPECT_FALSE(inf.ok());
}

// Windows editors may start a file with a UTF-8 byte order mark: it is not read as JSON text.
TEST(ParseTransaction, AByteOrderMarkIsNotPartOfTheTransaction) {
  auto tx = ParseTransaction("\xEF\xBB\xBF{\"as_of\": \"2025-06-01\", \"destination\": \"DE\", \"items\": [{\"chip\": \"H20\", \"quantity\": 1}]}", Data());
  ASSERT_TRUE(tx.ok()) << tx.status().message();
  EXPECT_EQ(tx->destination, "DE");
  // Only at the start: a second one is malformed JSON, said with its place.
  auto twice = ParseTransaction("\xEF\xBB\xBF\xEF\xBB\xBF{\"as_of\": \"2025-06-01\"}", Data());
  ASSERT_FALSE(twice.ok());
}

TEST(ParseTransaction, IssueExample) {
  const char* json = R"({"reference": "SO-1042", "as_of": "2025-06-01", "posture": "enforced",
   "activity": "export", "destination": "IN",
   "items": [{"chip": "H100 SXM5 80GB", "quantity": 1000},
             {"vendor": "Acme", "model": "X1", "tpp": 2000, "die_area_mm2": 400, "datacenter": true,
              "memory_bandwidth_gbps": 900, "designer_headquarters": "US", "quantity": 10},
             {"model_weights": {"training_operations": 3e26, "published": false}}],
   "parties": [{"role": "ultimate_consignee", "name": "Example Cloud Pvt Ltd", "country": "IN", "headquarters": "IN", "ultimate_parent_headquarters": "IN"}],
   "end_use": {"ai_model_training_for_headquarters": "CN", "technical_evaluation": false}})";
  auto tx = ParseTransaction(json, Data());
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  EXPECT_EQ(tx->reference, "SO-1042");
  EXPECT_EQ(tx->destination, "IN");
  ASSERT_EQ(tx->items.size(), 3u);
  EXPECT_EQ(tx->items[0].quantity, 1000);
  EXPECT_DOUBLE_EQ(*tx->items[0].spec.tpp, 15832);
  EXPECT_DOUBLE_EQ(*tx->items[1].spec.die_area_mm2, 400);
  EXPECT_EQ(tx->items[2].spec.kind, ItemKind::kModelWeights);
  EXPECT_EQ(tx->end_use.ai_model_training_for_headquarters, "CN");
  EXPECT_EQ(tx->parties[0].headquarters, "IN");
}

TEST(ParseTransaction, DefaultDateOnlyWhenGiven) {
  const char* json = R"({"destination": "DE", "items": [{"chip": "H20", "quantity": 1}]})";
  EXPECT_EQ(ParseTransaction(json, Data()).status().field(), "as_of");
  auto tx = ParseTransaction(json, Data(), *Date::Parse("2026-01-01"));
  ASSERT_TRUE(tx.ok());
  EXPECT_EQ(tx->as_of.ToString(), "2026-01-01");
}

TEST(ParseTransaction, CatalogFiguresCanBeOverridden) {
  const char* json = R"({"as_of": "2025-01-01", "destination": "DE", "items": [{"chip": "B200", "die_area_mm2": 1000, "quantity": 1}]})";
  auto tx = ParseTransaction(json, Data());
  ASSERT_TRUE(tx.ok());
  EXPECT_DOUBLE_EQ(*tx->items[0].spec.die_area_mm2, 1000);
  EXPECT_TRUE(tx->items[0].spec.die_area_verified);
}

TEST(ParseTransaction, HostileInputIsAnErrorNotACrash) {
  const std::string deep(10000, '[');
  for (const std::string& s : {std::string(""), std::string("null"), std::string("{"), deep,
                               std::string("{\"as_of\":\"2025-01-01\",\"destination\":\"DE\",\"items\":[{\"chip\":\"H20\",\"quantity\":1e400}]}"),
                               std::string("{\"as_of\":\"2025-01-01\",\"destination\":\"DE\",\"items\":[{\"chip\":\"H20\",\"quantity\":18446744073709551615}]}"),
                               std::string("{\"as_of\":\"2025-01-01\",\"destination\":\"\xff\xfe\",\"items\":[]}")}) {
    auto tx = ParseTransaction(s, Data());
    EXPECT_FALSE(tx.ok()) << s.substr(0, 80);
    EXPECT_FALSE(tx.status().message().empty());
  }
}

// A key repeated in one object would decide on whichever copy the parser keeps: refused, named
// by its path, wherever it is (also past 16 keys, where the check sorts).
// A field the format does not define is a typo or a newer client's: never silently dropped.
TEST(ParseTransaction, UnknownFieldsAreNamedAtEveryDepth) {
  const char* json = R"({"as_of": "2025-06-01", "destination": "IN", "destinaton": "CN", "comment": "x",
   "items": [{"chip": "H100 SXM5 80GB", "quantity": 1, "qty": 2},
             {"system": {"name": "S", "components": [{"chip": "H100 SXM5 80GB", "count": 8, "cnt": 1}], "rack": 1}, "quantity": 1},
             {"hbm": {"memory_bandwidth_gbps": 1200, "package_area_mm2": 110, "stack": 1}, "quantity": 5},
             {"model_weights": {"training_operations": 3e26, "published": false, "open": true}, "chip": "H20"},
             {"tpp": 100, "throughput": [{"bit_length": 8, "dense_tops": 10, "sparse": true}], "quantity": 1}],
   "parties": [{"role": "ultimate_consignee", "name": "N", "country": "IN", "adress": "1 Main St",
                "restricted_lists": [{"list": "entity_list", "note": "x"}]}],
   "end_use": {"technical_evaluation": false, "militray": true},
   "hbm_exception": {"exporter_headquarters": "US", "direct": true},
   "h200_certifications": {"sufficient_us_supply": true, "extra": true}})";
  auto tx = ParseTransaction(json, Data());
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  const std::vector<std::string> expected = {
      "destinaton", "comment", "items[0].qty", "items[1].system.rack", "items[1].system.components[0].cnt",
      "items[2].hbm.stack", "items[3].chip", "items[3].model_weights.open", "items[4].throughput[0].sparse",
      "parties[0].adress", "parties[0].restricted_lists[0].note", "end_use.militray", "hbm_exception.direct",
      "h200_certifications.extra"};
  std::vector<std::string> got = tx->unknown_fields;
  std::vector<std::string> want = expected;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  // Strict (the option or "strict": true in the transaction) refuses the first, naming it.
  auto strict = ParseTransaction(json, Data(), std::nullopt, /*strict=*/true);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().field(), "destinaton");
  auto in_body = ParseTransaction(R"({"strict": true, "as_of": "2025-06-01", "destination": "IN",
                                      "items": [{"chip": "H20", "quantity": 1, "qty": 2}]})", Data());
  ASSERT_FALSE(in_body.ok());
  EXPECT_EQ(in_body.status().field(), "items[0].qty");
  auto known = ParseTransaction(R"({"strict": true, "as_of": "2025-06-01", "destination": "IN",
                                    "items": [{"chip": "H20", "quantity": 1}]})", Data());
  ASSERT_TRUE(known.ok()) << known.status().ToString();
  EXPECT_TRUE(known->unknown_fields.empty());
  EXPECT_EQ(ParseTransaction(R"({"strict": 1, "as_of": "2025-06-01", "destination": "IN",
                                 "items": [{"chip": "H20", "quantity": 1}]})", Data()).status().field(), "strict");
}

// The data is reviewed through a date: a decision after it warns, one on or before it does not.
TEST(ParseTransaction, DecisionsPastTheDataReviewWarn) {
  Engine engine(Data());
  const Date reviewed = Data().reviewed_through();
  auto decide = [&](Date d) {
    auto tx = ParseTransaction(R"({"destination": "DE", "items": [{"chip": "H100 SXM5 80GB", "quantity": 1}]})", Data(), d);
    EXPECT_TRUE(tx.ok());
    return engine.Determine(*tx, {});
  };
  auto warns = [](const Decision& d) {
    return std::any_of(d.warnings.begin(), d.warnings.end(),
                       [](const std::string& w) { return w.find("rules published since may be missing") != std::string::npos; });
  };
  EXPECT_FALSE(warns(decide(reviewed)));
  const Decision later = decide(Date::FromDays(reviewed.days() + 1));
  EXPECT_TRUE(warns(later));
  EXPECT_NE(DecisionToJson(later).find(reviewed.ToString()), std::string::npos);
}

TEST(ParseTransaction, RepeatedKeysAreRefused) {
  const std::string base = R"("as_of":"2025-06-01","items":[{"chip":"H100 SXM5 80GB","quantity":1}])";
  struct Case {
    std::string json;
    const char* field;
  } cases[] = {
      {R"({"destination":"DE","destination":"CN",)" + base + "}", "destination"},
      {R"({"destination":"CN",)" + base + R"(,"destination":"DE"})", "destination"},
      {R"({"destination":"DE","as_of":"2025-06-01","items":[{"chip":"H100 SXM5 80GB","quantity":1,"quantity":900}]})",
       "items[0].quantity"},
      {R"({"destination":"DE",)" + base +
           R"(,"parties":[{"role":"ultimate_consignee","name":"A"},{"role":"exporter","name":"B","name":"Huawei"}]})",
       "parties[1].name"},
      {R"({"destination":"DE",)" + base + R"(,"end_use":{"x":{"y":[{"z":1,"z":1}]}}})", "end_use.x.y[0].z"},
  };
  for (const auto& c : cases) {
    auto tx = ParseTransaction(c.json, Data());
    ASSERT_FALSE(tx.ok()) << c.json;
    EXPECT_EQ(tx.status().code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(tx.status().field(), c.field) << c.json;
  }
  std::string many = R"({"destination":"DE",)" + base;
  for (int i = 0; i < 40; ++i) many += ",\"k" + std::to_string(i) + "\":1";
  auto fine = ParseTransaction(many + "}", Data());
  EXPECT_TRUE(fine.ok()) << fine.status().ToString();
  auto twice = ParseTransaction(many + R"(,"k7":2})", Data());
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().field(), "k7");
}

}  // namespace
}  // namespace exportctl

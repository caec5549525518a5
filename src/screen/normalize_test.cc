#include "screen/normalize.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "screen/places.h"

namespace exportctl::screen {
namespace {

// Places() reads ICU's place names from the checked-in places_icu.inc instead of building them
// from ICU's locale data in every process; the table must stay what ICU gives. To regenerate it:
// EXPORTCTL_WRITE_PLACES_TABLE=src/screen/places_icu.inc build/src/screen/screen_tests
//   --gtest_filter=Places.TableIsIcus
TEST(Places, TableIsIcus) {
  const std::vector<std::string> icu = internal::PlacesFromIcu();
  if (const char* path = std::getenv("EXPORTCTL_WRITE_PLACES_TABLE")) {
    std::ofstream out(path);
    out << "// Generated from ICU's locale data by internal::PlacesFromIcu() (src/screen/places.cc);\n"
           "// regenerate with the test Places.TableIsIcus (src/screen/normalize_test.cc).\n";
    for (const auto& p : icu) out << '"' << p << "\",\n";
  }
  const std::vector<std::string_view> table = internal::PlacesTable();
  EXPECT_EQ(std::vector<std::string>(table.begin(), table.end()), icu)
      << "src/screen/places_icu.inc differs from this ICU's place names: regenerate it";
  EXPECT_GT(icu.size(), 500u);
  EXPECT_EQ(ClassifyToken("singapore"), TokenClass::kPlace);
  EXPECT_EQ(ClassifyToken("deutschland"), TokenClass::kPlace);
  EXPECT_EQ(ClassifyToken("shenzhen"), TokenClass::kPlace);
  EXPECT_EQ(ClassifyToken("huawei"), TokenClass::kName);
  const auto classes = ClassifyWords({"united", "arab", "emirates", "trading"});
  EXPECT_EQ(classes[1], TokenClass::kPlace);
}

struct FoldCase {
  const char* input;
  const char* expected;
};

TEST(FoldToAscii, FoldsScriptsCaseAndPunctuation) {
  const FoldCase cases[] = {
      {"Huawei Technologies Co., Ltd.", "huawei technologies co ltd"},
      {"Владимир Путин", "vladimir putin"},
      {"金正恩", "jin zheng en"},
      {"محمد علي", "mhmd ly"},
      {"أحمد حسن", "hmd hsn"},  // abjad: the alif's "a" is dropped, a consonant skeleton remains
      {"משה", "msh"},
      {"김정은", "kim jeong eun"},  // Hangul: a word per syllable, surname spelling, RR vowels
      {"박지성", "park ji seong"},
      {"Nicolás  MADURO", "nicolas maduro"},
      {"O'Brien", "obrien"},
      {"Mus’ab", "musab"},
      {"ＡＢＣ Ｌｔｄ", "abc ltd"},
      {"Straße", "strasse"},
      {"华为技术有限公司", "hua wei ji shu youxiangongsi"},
      {"  -- ", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(FoldToAscii(c.input), c.expected) << c.input;
}

TEST(ClassifyToken, LegalFormsStopWordsInitialsNumbers) {
  EXPECT_EQ(ClassifyToken("gmbh"), TokenClass::kLegalForm);
  EXPECT_EQ(ClassifyToken("ooo"), TokenClass::kLegalForm);
  EXPECT_EQ(ClassifyToken("youxiangongsi"), TokenClass::kLegalForm);
  EXPECT_EQ(ClassifyToken("the"), TokenClass::kStopWord);
  EXPECT_EQ(ClassifyToken("j"), TokenClass::kInitial);
  EXPECT_EQ(ClassifyToken("737"), TokenClass::kNumber);
  EXPECT_EQ(ClassifyToken("huawei"), TokenClass::kName);
}

TEST(ReorderSurnameFirst, MovesGivenNamesFirst) {
  EXPECT_EQ(ReorderSurnameFirst("MADURO MOROS, Nicolas"), "Nicolas MADURO MOROS");
  EXPECT_EQ(ReorderSurnameFirst("A, B, C"), "A, B, C");
  EXPECT_EQ(ReorderSurnameFirst("No comma"), "No comma");
}

}  // namespace
}  // namespace exportctl::screen

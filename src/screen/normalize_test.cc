#include "screen/normalize.h"

#include <gtest/gtest.h>

namespace exportctl::screen {
namespace {

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

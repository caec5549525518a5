// Name normalization for screening: any script → lowercase ASCII words.
//
//   FoldToAscii("Владимир ПУТИН")   == "vladimir putin"
//   Tokenize("Huawei Technologies Co., Ltd.") == {"huawei", "technologies", "co", "ltd"}
//   ClassifyToken("gmbh") == TokenClass::kLegalForm
//
// Thread-safe: ICU transliterators are cloned per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace exportctl::screen {

// How much a word says about identity. Legal forms and stop words are kept but down-weighted, so
// "BELLETECH CORP" cannot match "11420 CORP." on the legal form alone.
enum class TokenClass : uint8_t {
  kName,       // a distinctive word
  kLegalForm,  // Co, Ltd, LLC, GmbH, OOO, SA de CV, 有限公司 (after transliteration), …
  kStopWord,   // the, of, and, de, la, von, …
  kInitial,    // a single letter
  kNumber,     // contains a digit; must match exactly
  kPlace,      // a country, city or region: Singapore, Vietnam, Shenzhen, Hong Kong, Asia
  kGeneric,    // a generic business word: Trading, Technologies, International, Group
};

const char* TokenClassName(TokenClass c);

// NFKC + case folding, then Any-Latin (Han, Cyrillic, Arabic, Hangul, Greek, …) and Latin-ASCII
// through ICU; CJK and Cyrillic legal forms are rewritten first. Apostrophes are dropped
// ("O'Brien" → "obrien"), every other non-alphanumeric character becomes a space. Pure ASCII input
// skips ICU. The result has single spaces and no leading/trailing space.
std::string FoldToAscii(std::string_view utf8);

// True when the text has Hangul syllables.
bool HasHangul(std::string_view utf8);
// FoldToAscii with Hangul vowels as the lists write them in McCune-Reischauer without breves
// (ㅓ o, ㅡ u: 김정은 → "kim jong un") instead of Revised Romanization ("kim jeong eun").
std::string FoldToAsciiKoreanAsListed(std::string_view utf8);

// The words of `utf8` written in letters that FoldToAscii cannot read in Latin letters (a script
// ICU has no transliteration for, such as Khmer): they cannot be compared, and the caller says so.
std::vector<std::string> UnreadableWords(std::string_view utf8);
// The same words quoted for a message ("'ⵜⵉⴼⵉⵏⴰⵖ', '…'"); empty when there are none.
std::string QuotedUnreadableWords(std::string_view utf8);

// FoldToAscii, then split on spaces.
std::vector<std::string> Tokenize(std::string_view utf8);

TokenClass ClassifyToken(std::string_view token);
// Classes of a name's words in context: ClassifyToken, and the words of a place of several words
// ("hong kong", "kuala lumpur", "united arab emirates") as kPlace.
std::vector<TokenClass> ClassifyWords(const std::vector<std::string>& words);

// "MADURO MOROS, Nicolas" → "Nicolas MADURO MOROS" (one comma, used for listed individuals).
std::string ReorderSurnameFirst(std::string_view name);

}  // namespace exportctl::screen

// Names built to evade screening (docs/screening.md, "Evasion"): bidirectional controls that make
// text display in another order, invisible characters, look-alike letters of another script
// inside a word, and letter-spaced words.
#include "screen/evasion.h"

#include <unicode/ubidi.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

#include "screen/normalize.h"

namespace exportctl::screen::internal {
namespace {

bool IsExplicitBidi(UChar32 c) { return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069); }
bool IsBidiMark(UChar32 c) { return c == 0x200E || c == 0x200F || c == 0x061C; }
// Characters that display as nothing (the Unicode Default_Ignorable_Code_Point property: zero-width
// spaces and joiners, soft hyphen, word joiner, BOM, variation selectors, …).
bool IsInvisible(UChar32 c) { return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) != 0; }

std::string Utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

struct SpoofCheckerDeleter {
  void operator()(USpoofChecker* s) const { uspoof_close(s); }
};

// The confusable skeleton of one character when it is plain ASCII letters ("Н" → "H"), else the
// character itself (its transliteration is then the best reading).
icu::UnicodeString LookAlike(UChar32 c) {
  thread_local std::unique_ptr<USpoofChecker, SpoofCheckerDeleter> checker = [] {
    UErrorCode status = U_ZERO_ERROR;
    return std::unique_ptr<USpoofChecker, SpoofCheckerDeleter>(uspoof_open(&status));
  }();
  icu::UnicodeString in(c), skeleton;
  if (checker) {
    UErrorCode status = U_ZERO_ERROR;
    uspoof_getSkeletonUnicodeString(checker.get(), 0, in, skeleton, &status);
    if (U_SUCCESS(status) && skeleton.length() > 0) {
      bool ascii = true;
      for (int32_t i = 0; i < skeleton.length(); ++i) ascii = ascii && skeleton.charAt(i) < 0x80 && u_isalpha(skeleton.charAt(i));
      if (ascii) return skeleton;
    }
  }
  return in;
}

UScriptCode ScriptOf(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode s = uscript_getScript(c, &status);
  return U_FAILURE(status) ? USCRIPT_COMMON : s;
}

}  // namespace

CleanedName CleanName(std::string_view utf8) {
  CleanedName out;
  if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    out.text = std::string(utf8);  // ASCII hides nothing of this kind
    return out;
  }
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  bool explicit_bidi = false, marks = false, invisible = false;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
    const UChar32 c = text.char32At(i);
    explicit_bidi = explicit_bidi || IsExplicitBidi(c);
    marks = marks || IsBidiMark(c);
    invisible = invisible || (!IsExplicitBidi(c) && !IsBidiMark(c) && IsInvisible(c));
  }
  if (explicit_bidi) {
    // What a reader sees: the text in display order, controls removed.
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<UBiDi, decltype(&ubidi_close)> bidi(ubidi_open(), &ubidi_close);
    ubidi_setPara(bidi.get(), text.getBuffer(), text.length(), UBIDI_DEFAULT_LTR, nullptr, &status);
    icu::UnicodeString visual;
    const int32_t capacity = text.length() + 16;
    const int32_t n = ubidi_writeReordered(bidi.get(), visual.getBuffer(capacity), capacity,
                                           UBIDI_REMOVE_BIDI_CONTROLS, &status);
    visual.releaseBuffer(U_SUCCESS(status) ? n : 0);
    if (U_SUCCESS(status)) {
      out.logical = Utf8(icu::UnicodeString(text));  // filled below without controls
      text = visual;
      out.notes.push_back("bidirectional control characters removed; screened as displayed: \"" + Utf8(visual) + "\"");
    }
  }
  icu::UnicodeString stripped;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
    const UChar32 c = text.char32At(i);
    if (IsExplicitBidi(c) || IsBidiMark(c) || IsInvisible(c)) continue;
    stripped.append(c);
  }
  if (!explicit_bidi && marks) out.notes.push_back("bidirectional marks removed");
  if (invisible) out.notes.push_back("invisible characters removed");
  // Look-alike letters of another script inside a word ("Ниаwei": Cyrillic Н, и, а among Latin).
  icu::UnicodeString result;
  int32_t start = 0;
  auto flush_word = [&](int32_t end) {
    icu::UnicodeString word(stripped, start, end - start);
    std::set<UScriptCode> scripts;
    for (int32_t i = 0; i < word.length(); i = word.moveIndex32(i, 1)) {
      const UChar32 c = word.char32At(i);
      if (!u_isalpha(c)) continue;
      const UScriptCode s = ScriptOf(c);
      if (s != USCRIPT_COMMON && s != USCRIPT_INHERITED) scripts.insert(s);
    }
    // Latin, Cyrillic and Greek share look-alike letters; Han with kana (Japanese) is ordinary.
    const bool alphabets = scripts.count(USCRIPT_LATIN) || scripts.count(USCRIPT_CYRILLIC) || scripts.count(USCRIPT_GREEK);
    if (scripts.size() > 1 && alphabets) {
      icu::UnicodeString alike;
      for (int32_t i = 0; i < word.length(); i = word.moveIndex32(i, 1)) {
        const UChar32 c = word.char32At(i);
        alike.append(ScriptOf(c) == USCRIPT_LATIN ? icu::UnicodeString(c) : LookAlike(c));
      }
      out.mixed_scripts = true;
      out.notes.push_back("\"" + Utf8(word) + "\" mixes scripts within a word (possible look-alike letters); compared as \"" +
                          Utf8(alike) + "\"");
      word = alike;
    }
    result.append(word);
  };
  for (int32_t i = 0; i < stripped.length(); i = stripped.moveIndex32(i, 1)) {
    if (u_isUWhiteSpace(stripped.char32At(i))) {
      flush_word(i);
      result.append(stripped.char32At(i));
      start = stripped.moveIndex32(i, 1);
    }
  }
  flush_word(stripped.length());
  out.text = Utf8(result);
  out.plain = Utf8(stripped);
  if (explicit_bidi) {
    icu::UnicodeString logical = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
    icu::UnicodeString plain;
    for (int32_t i = 0; i < logical.length(); i = logical.moveIndex32(i, 1)) {
      const UChar32 c = logical.char32At(i);
      if (!IsExplicitBidi(c) && !IsBidiMark(c) && !IsInvisible(c)) plain.append(c);
    }
    out.logical = Utf8(plain);
  }
  return out;
}

std::string JoinSpacedLetters(std::string_view folded) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= folded.size()) {
    size_t end = folded.find(' ', start);
    if (end == std::string_view::npos) end = folded.size();
    if (end > start) words.emplace_back(folded.substr(start, end - start));
    start = end + 1;
  }
  std::string out;
  for (size_t i = 0; i < words.size();) {
    size_t j = i;
    while (j < words.size() && words[j].size() == 1 && std::isalpha(static_cast<unsigned char>(words[j][0]))) ++j;
    if (!out.empty()) out.push_back(' ');
    if (j - i >= 3) {  // "h u a w e i" → "huawei"; two letters stay initials ("J F")
      for (size_t k = i; k < j; ++k) out += words[k];
      i = j;
    } else {
      out += words[i];
      ++i;
    }
  }
  return out;
}

}  // namespace exportctl::screen::internal

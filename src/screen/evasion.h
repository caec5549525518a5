// Names built to evade screening (internal; docs/screening.md, "Evasion").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace exportctl::screen::internal {

struct CleanedName {
  std::string text;     // as displayed: bidi controls applied and removed, invisibles removed,
                        // look-alike letters of another script in a word replaced
  std::string logical;  // with explicit bidi controls: the stored order without them; else ""
  std::string plain;    // as displayed, letters as written (no look-alike replacement)
  bool mixed_scripts = false;
  std::vector<std::string> notes;  // what was found, for the officer
};
CleanedName CleanName(std::string_view utf8);

// Runs of three or more one-letter words joined: "h u a w e i technologies" → "huawei
// technologies" (two letters stay initials). Input: FoldToAscii output.
std::string JoinSpacedLetters(std::string_view folded);

}  // namespace exportctl::screen::internal

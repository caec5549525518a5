// Checks for the free text and dates people type into records that last (ledger reasons and
// account names, clearance reasons and party names): one rule set for every front end, so a CR/LF,
// a bidirectional override or a 100 KB "reason" is refused the same way by the CLI and the server.
//
//   EXPORTCTL_RETURN_IF_ERROR(CheckText("reason", reason, {.required = true, .max_chars = 1000}));
//   EXPORTCTL_RETURN_IF_ERROR(CheckExpiry("expires", expires, today, kDefaultClearanceHorizonDays));
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/date.h"
#include "core/status.h"

namespace exportctl {

struct TextRule {
  bool required = false;   // also refuses text that is only spaces
  size_t max_chars = 200;  // code points
};

// Valid UTF-8, at most max_chars code points, no control characters (C0 including CR, LF and
// TAB, DEL, C1) and no bidirectional formatting characters (U+061C, U+200E, U+200F,
// U+202A–U+202E, U+2066–U+2069), which can make text display as something it is not.
// The error names `field` and the problem.
Status CheckText(std::string_view field, std::string_view value, TextRule rule);

// A stable identifier the caller gives (a party_id): CheckText, at most 100 characters, no ':'
// (it becomes part of a ledger account name).
Status CheckIdentifier(std::string_view field, std::string_view value);

// A finite decimal number written in full (no hex, no "inf"/"nan", no sign other than '-', no
// spaces), as typed in a CSV cell or an option: nullopt otherwise.
std::optional<double> ParseDecimal(std::string_view text);

// A file the user names as input (`check FILE`, `--batch FILE`, an import): it must exist and be
// a regular file (or a pipe such as /dev/stdin). A directory opens as a stream on Linux and then
// reads as nothing or aborts; this turns both into an input error naming `field`.
Status CheckInputFile(std::string_view field, const std::string& path);

// How far ahead an officer's clearance may run by default (it must be reviewed at least yearly).
constexpr int kDefaultClearanceHorizonDays = 366;

// An expiry date must be after `today` and at most `horizon_days` later.
Status CheckExpiry(std::string_view field, Date expires, Date today, int horizon_days);

}  // namespace exportctl

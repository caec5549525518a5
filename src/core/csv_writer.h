// Cells of every CSV the tool writes (check --csv, ledger export, licenses report, audit export,
// the simulator's tables): RFC 4180 quoting, and text that a spreadsheet would run as a formula
// neutralised (CSV injection, OWASP): a text cell beginning with = + - @, a tab, CR or LF (or their
// full-width forms ＝ ＋ － ＠) gets a leading single quote and is quoted, so "=HYPERLINK(…)" in a
// party name or a reference reaches the sheet as the text '=HYPERLINK(…).
//
// Only text gets the quote. A figure the tool formatted itself (an amount, which may be negative,
// a count, an id) is written with AppendCsvNumber and stays a number in the sheet; anything given
// to it that is not a plain decimal number is written as text instead (fail closed).
#pragma once

#include <string>
#include <string_view>

namespace exportctl {

enum class CsvQuoting {
  kWhenNeeded,  // only cells holding , " CR or LF (and neutralised ones)
  kAlways,      // every text cell (audit export)
};

// Whether a spreadsheet could take the text for a formula (its first character).
bool CsvTextNeedsNeutralising(std::string_view text);

// A text cell, without the separator after it.
void AppendCsvText(std::string_view text, std::string& out, CsvQuoting quoting = CsvQuoting::kWhenNeeded);
std::string CsvText(std::string_view text, CsvQuoting quoting = CsvQuoting::kWhenNeeded);

// A number the tool formatted ("-12.500", "1e+06", "42"); "" for an empty cell. Anything else is
// written as AppendCsvText writes it.
void AppendCsvNumber(std::string_view number, std::string& out);
std::string CsvNumber(std::string_view number);

}  // namespace exportctl

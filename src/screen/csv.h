// RFC 4180 CSV for the screening inputs: batch files, name-pair files and the evaluation sets.
//
//   std::ifstream in("pairs.csv");
//   for (const auto& row : ReadCsv(in)) …   // row[0], row[1], … with quotes removed
//
// Fields are separated by commas; a field in double quotes may hold commas, newlines and doubled
// quotes (""). Rows end at LF or CRLF; a last row without a newline is kept. No header handling:
// row 0 is the header when the file has one.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace exportctl::screen {

std::vector<std::vector<std::string>> ParseCsv(std::string_view text);
// Reads the whole stream, then ParseCsv.
std::vector<std::vector<std::string>> ReadCsv(std::istream& in);

}  // namespace exportctl::screen

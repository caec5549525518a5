// Orders as CSV: one order a row (one item and its ultimate consignee), turned into transactions
// (JSON objects) for the check use case. `exportctl check --batch FILE.csv` and the server's
// POST /v1/check/batch/csv (which the console's Batch screen calls) read CSV through this one
// reader, so a file means the same everywhere.
//
//   auto orders = ReadOrdersCsv(text);       // kInvalidInput naming "csv" and the header's line
//   for (const CsvOrder& o : *orders) …      // o.line, o.transaction (JSON) or o.error
//
// Columns (any order; destination, chip and quantity required): reference, as_of, posture,
// activity, destination, chip, quantity, consignee, consignee_country, consignee_headquarters,
// consignee_ultimate_parent_headquarters. Cells follow RFC 4180 (quoted cells may hold commas,
// doubled quotes and line breaks; rows end at LF, CRLF or CR). A cell is trimmed; an empty cell is
// left out of the order (unknown, never "no"). Cells are only reshaped, not validated: the
// transaction parser names a bad cell's field (items[0].quantity), and CsvColumnOf says which
// column that is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace exportctl::check {

inline constexpr const char* kOrderCsvColumns[] = {
    "reference", "as_of", "posture", "activity", "destination", "chip", "quantity", "consignee",
    "consignee_country", "consignee_headquarters", "consignee_ultimate_parent_headquarters"};

struct CsvOrder {
  size_t line = 0;          // where the row starts in the text (1-based)
  std::string transaction;  // the order as a transaction JSON object; "" when `error` is set
  Status error = Status::Ok();  // a row that cannot be read: field "csv" or a column, line and column in the message
};

// Every data row (blank rows skipped), in order. A header with an unknown, missing required or
// repeated column refuses the whole text (kInvalidInput, field "csv", the message naming the line).
Result<std::vector<CsvOrder>> ReadOrdersCsv(std::string_view text);

// The CSV column a transaction field path comes from ("items[0].quantity" → "quantity",
// "parties[0].headquarters" → "consignee_headquarters"); "" when none.
std::string CsvColumnOf(std::string_view field);

// Whether a file's name or first non-blank line says it is CSV rather than JSON lines.
bool LooksLikeOrdersCsv(std::string_view file_name, std::string_view first_line);

}  // namespace exportctl::check

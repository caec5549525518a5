#include "check/orders_csv.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/json_writer.h"

namespace exportctl::check {
namespace {

struct Record {
  size_t line = 0;
  std::vector<std::string> cells;
  std::string error;  // an unclosed quote, with its line and column
};

// RFC 4180 records, each with the line it starts on.
std::vector<Record> Records(std::string_view text) {
  std::vector<Record> out;
  size_t line = 1, i = 0;
  while (i < text.size()) {
    Record r;
    r.line = line;
    std::string cell;
    bool quoted = false;
    size_t quote_line = 0;
    for (;;) {
      if (i >= text.size()) {
        if (quoted) {
          r.error = "the quoted cell of column " + std::to_string(r.cells.size() + 1) + " opened on line " +
                    std::to_string(quote_line) + " is not closed";
        }
        r.cells.push_back(std::move(cell));
        break;
      }
      const char c = text[i];
      if (quoted) {
        if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          i += 2;
        } else if (c == '"') {
          quoted = false;
          ++i;
        } else {
          if (c == '\n') ++line;
          cell += c;
          ++i;
        }
        continue;
      }
      if (c == '"' && cell.empty()) {
        quoted = true;
        quote_line = line;
        ++i;
        continue;
      }
      if (c == ',') {
        r.cells.push_back(std::move(cell));
        cell.clear();
        ++i;
        continue;
      }
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (c == '\n' || c == '\r') {
        r.cells.push_back(std::move(cell));
        ++i;
        ++line;
        break;
      }
      cell += c;
      ++i;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool Blank(const Record& r) {
  return r.error.empty() && std::all_of(r.cells.begin(), r.cells.end(), [](const std::string& c) { return Trim(c).empty(); });
}

// A quantity written as a JSON number stays a number; anything else goes as the text it is, for
// the transaction parser to name (a quantity "ten" is an error, never dropped).
bool JsonNumber(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  if (s[i] == '0' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) return false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  return i == s.size() && std::isfinite(std::strtod(s.c_str(), nullptr));
}

}  // namespace

Result<std::vector<CsvOrder>> ReadOrdersCsv(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a spreadsheet's BOM
  std::vector<Record> records = Records(text);
  std::erase_if(records, Blank);
  std::vector<CsvOrder> out;
  if (records.empty()) return out;
  const Record& head = records.front();
  const std::string at = "line " + std::to_string(head.line) + ": ";
  if (!head.error.empty()) return Status::Invalid("csv", at + head.error);
  std::vector<std::string> header;
  for (const auto& h : head.cells) {
    std::string name = Trim(h);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    header.push_back(std::move(name));
  }
  std::string known;
  for (const char* c : kOrderCsvColumns) known += (known.empty() ? "" : ", ") + std::string(c);
  for (size_t k = 0; k < header.size(); ++k) {
    if (std::find(std::begin(kOrderCsvColumns), std::end(kOrderCsvColumns), header[k]) == std::end(kOrderCsvColumns)) {
      return Status::Invalid("csv", at + "unknown column \"" + header[k] + "\" (column " + std::to_string(k + 1) +
                                        "; the columns are " + known + ")");
    }
    if (std::find(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(k), header[k]) != header.begin() + static_cast<std::ptrdiff_t>(k)) {
      return Status::Invalid("csv", at + "column \"" + header[k] + "\" appears twice (column " + std::to_string(k + 1) + ")");
    }
  }
  std::string missing;
  for (const char* r : {"destination", "chip", "quantity"}) {
    if (std::find(header.begin(), header.end(), r) == header.end()) missing += (missing.empty() ? "" : ", ") + std::string(r);
  }
  if (!missing.empty()) return Status::Invalid("csv", at + "the header lacks " + missing);

  for (size_t n = 1; n < records.size(); ++n) {
    const Record& r = records[n];
    CsvOrder o;
    o.line = r.line;
    if (!r.error.empty()) {
      o.error = Status::Invalid("csv", r.error);
      out.push_back(std::move(o));
      continue;
    }
    if (r.cells.size() != header.size()) {
      o.error = Status::Invalid("csv", std::to_string(r.cells.size()) + " cells for " + std::to_string(header.size()) + " columns");
      out.push_back(std::move(o));
      continue;
    }
    std::map<std::string, std::string> v;
    for (size_t k = 0; k < header.size(); ++k) {
      std::string cell = Trim(r.cells[k]);
      if (!cell.empty()) v[header[k]] = std::move(cell);
    }
    auto has = [&](const char* k) { return v.count(k) > 0; };
    if (!has("consignee") && (has("consignee_country") || has("consignee_headquarters") || has("consignee_ultimate_parent_headquarters"))) {
      o.error = Status::Invalid("consignee", "the consignee's country or headquarters is given without its name");
      out.push_back(std::move(o));
      continue;
    }
    JsonWriter w(o.transaction);
    w.BeginObject();
    for (const char* k : {"reference", "as_of", "posture", "activity", "destination"}) {
      if (has(k)) w.Field(k, v[k]);
    }
    w.Key("items").BeginArray().BeginObject().Field("chip", has("chip") ? v["chip"] : std::string());
    w.Key("quantity");
    if (!has("quantity")) w.Null();
    else if (JsonNumber(v["quantity"])) w.Raw(v["quantity"]);
    else w.String(v["quantity"]);
    w.EndObject().EndArray();
    if (has("consignee")) {
      w.Key("parties").BeginArray().BeginObject().Field("role", "ultimate_consignee").Field("name", v["consignee"]);
      if (has("consignee_country")) w.Field("country", v["consignee_country"]);
      if (has("consignee_headquarters")) w.Field("headquarters", v["consignee_headquarters"]);
      if (has("consignee_ultimate_parent_headquarters")) w.Field("ultimate_parent_headquarters", v["consignee_ultimate_parent_headquarters"]);
      w.EndObject().EndArray();
    }
    w.EndObject();
    out.push_back(std::move(o));
  }
  return out;
}

std::string CsvColumnOf(std::string_view field) {
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"items[0].chip", "chip"},
      {"items[0].quantity", "quantity"},
      {"items[0]", "chip"},
      {"parties[0].name", "consignee"},
      {"parties[0].country", "consignee_country"},
      {"parties[0].headquarters", "consignee_headquarters"},
      {"parties[0].ultimate_parent_headquarters", "consignee_ultimate_parent_headquarters"},
      {"consignee", "consignee"},
      {"reference", "reference"},
      {"as_of", "as_of"},
      {"posture", "posture"},
      {"activity", "activity"},
      {"destination", "destination"},
  };
  for (const auto& [path, column] : kMap) {
    if (field == path || (field.starts_with(path) && field.size() > path.size() && field[path.size()] == '.')) {
      return std::string(column);
    }
  }
  return "";
}

bool LooksLikeOrdersCsv(std::string_view file_name, std::string_view first_line) {
  auto ends = [&](std::string_view ext) {
    if (file_name.size() < ext.size()) return false;
    for (size_t i = 0; i < ext.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(file_name[file_name.size() - ext.size() + i])) != ext[i]) return false;
    }
    return true;
  };
  if (ends(".csv")) return true;
  if (ends(".jsonl") || ends(".ndjson") || ends(".json")) return false;
  const std::string first = Trim(first_line);
  return !first.empty() && first[0] != '{';
}

}  // namespace exportctl::check

#include "core/csv_writer.h"

namespace exportctl {

namespace {

// "-12.5", "3", "1.5e+06": an optional sign, digits, an optional fraction and exponent.
bool IsPlainNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const size_t digits_from = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  bool digits = i > digits_from;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t frac_from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    digits = digits || i > frac_from;
  }
  if (!digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const size_t exp_from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == exp_from) return false;
  }
  return i == s.size();
}

}  // namespace

bool CsvTextNeedsNeutralising(std::string_view text) {
  if (text.empty()) return false;
  switch (text[0]) {
    case '=': case '+': case '-': case '@': case '\t': case '\r': case '\n':
      return true;
    default:
      break;
  }
  // Full-width ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20): some spreadsheets read them as = + - @.
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF) {
    const auto b1 = static_cast<unsigned char>(text[1]), b2 = static_cast<unsigned char>(text[2]);
    if (b1 == 0xBC && (b2 == 0x9D || b2 == 0x8B || b2 == 0x8D || b2 == 0xA0)) return true;
  }
  return false;
}

void AppendCsvText(std::string_view text, std::string& out, CsvQuoting quoting) {
  const bool neutralise = CsvTextNeedsNeutralising(text);
  const bool quote = quoting == CsvQuoting::kAlways || neutralise ||
                     text.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += text;
    return;
  }
  out += '"';
  if (neutralise) out += '\'';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string CsvText(std::string_view text, CsvQuoting quoting) {
  std::string out;
  AppendCsvText(text, out, quoting);
  return out;
}

void AppendCsvNumber(std::string_view number, std::string& out) {
  if (number.empty() || IsPlainNumber(number)) {
    out += number;
  } else {
    AppendCsvText(number, out);
  }
}

std::string CsvNumber(std::string_view number) {
  std::string out;
  AppendCsvNumber(number, out);
  return out;
}

}  // namespace exportctl

#include "core/date.h"

#include <cstdio>

namespace exportctl {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
int32_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void CivilFromDays(int32_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe) + era * 400 + (m <= 2);
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

Result<Date> Date::Parse(std::string_view s) {
  auto digits = [&](size_t from, size_t n, int& out) {
    out = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(0, 4, y) || !digits(5, 2, m) ||
      !digits(8, 2, d)) {
    return Status::Invalid("", "must be a date in the form YYYY-MM-DD, got \"" + std::string(s) + "\"");
  }
  if (m < 1 || m > 12 || d < 1 || d > static_cast<int>(DaysInMonth(y, m))) {
    return Status::Invalid("", "is not a calendar date: \"" + std::string(s) + "\"");
  }
  return FromYmd(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

Date Date::FromYmd(int y, unsigned m, unsigned d) {
  Date x;
  x.days_ = DaysFromCivil(y, m, d);
  return x;
}

int Date::year() const { int y; unsigned m, d; CivilFromDays(days_, y, m, d); return y; }
unsigned Date::month() const { int y; unsigned m, d; CivilFromDays(days_, y, m, d); return m; }
unsigned Date::day() const { int y; unsigned m, d; CivilFromDays(days_, y, m, d); return d; }

std::string Date::ToString() const {
  if (!valid()) return "invalid-date";
  int y; unsigned m, d;
  CivilFromDays(days_, y, m, d);
  if (y < 0 || y > 9999) return "invalid-date";
  char buf[10] = {static_cast<char>('0' + y / 1000), static_cast<char>('0' + y / 100 % 10),
                  static_cast<char>('0' + y / 10 % 10), static_cast<char>('0' + y % 10), '-',
                  static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10), '-',
                  static_cast<char>('0' + d / 10), static_cast<char>('0' + d % 10)};
  return std::string(buf, 10);
}

}  // namespace exportctl

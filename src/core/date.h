// A civil date (proleptic Gregorian), the unit of every "as of" question. No clock is read here:
// "today" is decided at the CLI/HTTP edge.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace exportctl {

class Date {
 public:
  constexpr Date() = default;
  static Result<Date> Parse(std::string_view iso);  // "YYYY-MM-DD", validated
  static Date FromYmd(int y, unsigned m, unsigned d);
  static Date FromDays(int32_t days) { Date x; x.days_ = days; return x; }

  int32_t days() const { return days_; }  // days since 1970-01-01
  int year() const;
  unsigned month() const;
  unsigned day() const;
  int quarter() const { return static_cast<int>((month() - 1) / 3 + 1); }
  std::string ToString() const;
  bool valid() const { return days_ != kInvalid; }

  auto operator<=>(const Date&) const = default;

 private:
  static constexpr int32_t kInvalid = INT32_MIN;
  int32_t days_ = kInvalid;
};

}  // namespace exportctl

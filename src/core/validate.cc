#include "core/validate.h"

#include <charconv>
#include <cmath>

#include <string>
#include <system_error>
#include <filesystem>

namespace exportctl {
namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is not valid UTF-8
// (overlong forms, surrogates and values above U+10FFFF included).
size_t DecodeUtf8(std::string_view s, size_t i, char32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool IsControl(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

bool IsBidiControl(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

Status CheckText(std::string_view field, std::string_view value, TextRule rule) {
  const std::string f(field);
  if (rule.required && value.find_first_not_of(" ") == std::string_view::npos) {
    return Status::Invalid(f, "is required (and may not be blank)");
  }
  size_t chars = 0;
  for (size_t i = 0; i < value.size();) {
    char32_t cp = 0;
    const size_t n = DecodeUtf8(value, i, cp);
    if (n == 0) return Status::Invalid(f, "is not valid UTF-8 (byte " + std::to_string(i) + ")");
    if (IsControl(cp)) return Status::Invalid(f, "contains a control character (line breaks and tabs included)");
    if (IsBidiControl(cp)) return Status::Invalid(f, "contains a bidirectional formatting character, which can disguise the text");
    if (++chars > rule.max_chars) {
      return Status::Invalid(f, "is longer than " + std::to_string(rule.max_chars) + " characters");
    }
    i += n;
  }
  return Status::Ok();
}

Status CheckIdentifier(std::string_view field, std::string_view value) {
  EXPORTCTL_RETURN_IF_ERROR(CheckText(field, value, {.required = true, .max_chars = 100}));
  if (value.find(':') != std::string_view::npos) return Status::Invalid(std::string(field), "may not contain ':'");
  return Status::Ok();
}

Status CheckExpiry(std::string_view field, Date expires, Date today, int horizon_days) {
  const std::string f(field);
  if (!expires.valid()) return Status::Invalid(f, "must be a date (YYYY-MM-DD)");
  if (expires <= today) {
    return Status::Invalid(f, expires.ToString() + " is not after today (" + today.ToString() + ")");
  }
  const Date latest = Date::FromDays(today.days() + horizon_days);
  if (expires > latest) {
    return Status::Invalid(f, expires.ToString() + " is more than " + std::to_string(horizon_days) +
                                  " days ahead (latest " + latest.ToString() + ")");
  }
  return Status::Ok();
}

std::optional<double> ParseDecimal(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::general);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

Status CheckInputFile(std::string_view field, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return Status::Invalid(std::string(field),
                           "cannot open '" + path + "': " +
                               (ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                                                                                  : "no such file"));
  }
  if (fs::is_directory(st)) {
    return Status::Invalid(std::string(field), "'" + path + "' is a directory, not a file");
  }
  return Status::Ok();
}

}  // namespace exportctl

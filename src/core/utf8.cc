#include "core/utf8.h"

#include <cstdint>
#include <cstdio>

namespace exportctl {

std::optional<size_t> FirstInvalidUtf8(std::string_view text) {
  // Well-formed byte sequences (Unicode 15, Table 3-7): the second byte's range depends on the
  // first (no overlong forms, no surrogates, nothing above U+10FFFF).
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b = s[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::nullopt;
}

Status CheckUtf8(std::string_view text, const std::string& field) {
  const auto bad = FirstInvalidUtf8(text);
  if (!bad) return Status::Ok();
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[*bad])));
  return Status::Invalid(field, "is not valid UTF-8 (byte " + std::string(byte) + " at offset " +
                                    std::to_string(*bad) +
                                    "); send UTF-8 (e.g. convert Latin-1 with iconv -f latin1 -t utf-8)");
}

}  // namespace exportctl

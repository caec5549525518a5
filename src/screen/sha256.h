// SHA-256 (FIPS 180-4) of a byte string, as 64 lowercase hex digits. Used for list versions.
#pragma once

#include <string>
#include <string_view>

namespace exportctl::screen {
std::string Sha256Hex(std::string_view bytes);
}  // namespace exportctl::screen

// Small wrappers over OpenSSL used by the audit log and the key store.
#pragma once

#include <string>
#include <string_view>

namespace exportctl::audit {

// Lower-case hex SHA-256 of the bytes.
std::string Sha256Hex(std::string_view data);
// `bytes` cryptographically random bytes as lower-case hex (2 × bytes characters).
std::string RandomHex(size_t bytes);
// Constant-time equality of two strings of the same length (false when lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace exportctl::audit

// UTF-8 validation at the edges: bad bytes are an input error naming the field, never a crash
// and never silently dropped.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace exportctl {

// Offset of the first byte that does not belong to well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or nullopt when `text` is valid.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

// Ok, or kInvalidInput naming `field`: "is not valid UTF-8 (byte 0xE9 at offset 7); …".
Status CheckUtf8(std::string_view text, const std::string& field);

}  // namespace exportctl

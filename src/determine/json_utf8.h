// Where in a JSON text ill-formed UTF-8 sits, for an error that names the field.
#pragma once

#include <string_view>

#include "core/status.h"

namespace exportctl {

// Ok when `json` is well-formed UTF-8; else kInvalidInput whose field is the path of the first
// string holding the bad bytes ("parties[0].name"; "" when they are outside any string).
Status CheckJsonUtf8(std::string_view json);

}  // namespace exportctl

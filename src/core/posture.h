// The two readings of the regulations a decision can take: what BIS enforces on the date, or
// the CFR text in force (the AI Diffusion rule is codified but not enforced).
#pragma once

#include <string_view>

#include "core/status.h"

namespace exportctl {

enum class Posture { kEnforced, kCodified };
const char* PostureName(Posture p);  // "enforced", "codified"
// "enforced" or "codified"; anything else is an input error naming the field "posture".
Result<Posture> ParsePosture(std::string_view s);

}  // namespace exportctl

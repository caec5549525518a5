#include "core/posture.h"

#include <string>

namespace exportctl {

const char* PostureName(Posture p) {
  switch (p) {
    case Posture::kEnforced: return "enforced";
    case Posture::kCodified: return "codified";
  }
  return "enforced";
}

Result<Posture> ParsePosture(std::string_view s) {
  if (s == "enforced") return Posture::kEnforced;
  if (s == "codified") return Posture::kCodified;
  return Status::Invalid("posture", "must be \"enforced\" or \"codified\", got \"" + std::string(s) + "\"");
}

}  // namespace exportctl

// libFuzzer target: bytes through one list loader, chosen at build time by the file name the
// loader sees (CSL JSON, CSL CSV, OFAC SDN CSV, BIS DPL text).
#include <cstdint>
#include <string>

#include "screen/screen.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto list = exportctl::screen::ParseListBytes(std::string_view(reinterpret_cast<const char*>(data), size),
                                                EXPORTCTL_FUZZ_FILE_NAME);
  if (!list.ok() && list.status().message().empty()) __builtin_trap();
  return 0;
}

// libFuzzer target: any bytes as a CSV batch file (`screen --batch`, `screen compare --pairs`):
// parsed, and every field checked for UTF-8 and screened as a name. Nothing may crash.
#include <cstdint>
#include <string>

#include "core/utf8.h"
#include "screen/csv.h"
#include "screen/screen.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exportctl::screen;
  static const std::unique_ptr<Screener> index = [] {
    LoadedList l;
    ListRecord r;
    r.record_id = "f1";
    r.name = "Huawei Technologies Co., Ltd.";
    l.records.push_back(r);
    return Screener::Build({std::move(l)});
  }();
  const auto rows = ParseCsv(std::string_view(reinterpret_cast<const char*>(data), size));
  size_t fields = 0;
  for (const auto& row : rows) {
    for (const auto& field : row) {
      if (++fields > 64) return 0;
      const bool valid = exportctl::CheckUtf8(field, "name").ok();
      auto hits = index->Screen({.name = field});
      // Ill-formed UTF-8 is always refused; a valid name is refused only for having no letters.
      if (!valid && hits.ok()) __builtin_trap();
      if (!hits.ok() && hits.status().field() != "name") __builtin_trap();
    }
  }
  return 0;
}

// libFuzzer target: any bytes as a bill of materials (`exportctl deminimis BOM.csv`), and whatever
// parses through the de minimis worksheet. Bad bytes or values are an error naming a BOM field;
// nothing may crash, and a parsed BOM never holds a negative, infinite or excess value.
#include <cmath>
#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "determine/decision_json.h"
#include "jurisdiction/bom.h"
#include "jurisdiction/jurisdiction.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exportctl;
  static const Dataset* dataset = [] {
    auto d = Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR);
    if (!d.ok()) __builtin_trap();
    return std::move(d).value().release();
  }();
  static const std::shared_ptr<const jurisdiction::Rules> rules = [] {
    auto r = jurisdiction::Rules::Compile(*dataset);
    if (!r.ok()) __builtin_trap();
    return *r;
  }();
  jurisdiction::Bom bom;
  const Status st = jurisdiction::ParseBom(*dataset, std::string_view(reinterpret_cast<const char*>(data), size), bom);
  if (!st.ok()) {
    if (st.message().empty() || st.field().rfind("BOM", 0) != 0) __builtin_trap();  // names the BOM field
    return 0;
  }
  double us = 0;
  for (const auto& u : bom.us_content) {
    if (!std::isfinite(u.value_usd) || u.value_usd < 0 || u.quantity < 1) __builtin_trap();
    us += u.value_usd;
  }
  if (!std::isfinite(bom.total_usd) || us > bom.total_usd * (1 + 1e-9) + 1e-9) __builtin_trap();
  const auto w = jurisdiction::DeMinimis(*rules, bom.us_content, bom.total_usd, "VN", Date::FromYmd(2025, 6, 1), Posture::kEnforced);
  std::string out;
  AppendWorksheetJson(w, out);
  return 0;
}

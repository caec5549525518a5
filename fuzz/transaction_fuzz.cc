// libFuzzer target: any bytes through the transaction parser, and whatever parses through the
// engine and the decision JSON. Invalid input must be an error value, never a crash.
#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "determine/decision_json.h"
#include "determine/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const exportctl::Dataset* dataset = [] {
    auto d = exportctl::Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR);
    if (!d.ok()) __builtin_trap();
    return std::move(d).value().release();
  }();
  static const exportctl::Engine engine(*dataset);
  auto tx = exportctl::ParseTransaction(std::string_view(reinterpret_cast<const char*>(data), size), *dataset);
  if (!tx.ok()) {
    if (tx.status().message().empty()) __builtin_trap();  // every error explains itself
    return 0;
  }
  exportctl::Decision d = engine.Determine(*tx, {.decision_id = "dec_fuzz"});
  std::string out;
  exportctl::AppendDecisionJson(d, out);
  return 0;
}

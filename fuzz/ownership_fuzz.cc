// libFuzzer target: any bytes as an ownership import file (`ownership import`, POST
// /v1/ownership/import), CSV or FollowTheMoney JSON lines as the content tells. Nothing may
// crash; an error names a line of the file; a graph that parses is whole and valid.
#include <cstdint>
#include <string>

#include "ownership/ownership.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exportctl::ownership;
  auto g = ParseGraph(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.csv");
  if (!g.ok()) {
    if (g.status().code() != exportctl::ErrorCode::kInvalidInput) __builtin_trap();
    if (!g.status().field().starts_with("fuzz.csv:")) __builtin_trap();
    return 0;
  }
  for (const Edge& e : g->edges) {
    if (e.owner >= g->entities.size() || e.owned >= g->entities.size()) __builtin_trap();
    if (e.share.known() && (*e.share.low < 0 || *e.share.high > 100 || *e.share.high < *e.share.low)) __builtin_trap();
    if (e.source >= g->sources.size()) __builtin_trap();
    if (!g->SourceOf(e).starts_with("fuzz.csv:")) __builtin_trap();
  }
  for (uint32_t i = 0; i < g->entities.size(); ++i) {
    if (g->IndexOf(g->entities[i].id) != i) __builtin_trap();  // ids are unique and found
  }
  if (!Validate(*g).ok()) __builtin_trap();
  return 0;
}

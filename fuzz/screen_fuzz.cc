// libFuzzer target: any bytes as a name to screen (the index, the brute-force reference and
// `screen compare`). Ill-formed UTF-8 and names without letters must be error values naming the
// field; nothing may crash, and the index must agree with the brute-force scan.
#include <cstdint>
#include <string>

#include "screen/screen.h"

namespace {

const exportctl::screen::Screener& Index() {
  using namespace exportctl::screen;
  static const std::unique_ptr<Screener> index = [] {
    LoadedList l;
    l.version.list_id = "fuzz";
    const char* names[] = {"Huawei Technologies Co., Ltd.", "GAZPROMBANK", "MADURO MOROS, Nicolas",
                           "Sugon", "Inspur Group Co., Ltd.", "Ким Чен Ын", "محمد علي",
                           "北京华为技术有限公司", "Global Trading International"};
    for (const char* n : names) {
      ListRecord r;
      r.record_id = "f" + std::to_string(l.records.size());
      r.source = ListSource::kEntityList;
      r.name = n;
      l.records.push_back(std::move(r));
    }
    return Screener::Build({std::move(l)});
  }();
  return *index;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace exportctl::screen;
  const std::string name(reinterpret_cast<const char*>(data), size);
  ScreenQuery q{.name = name, .threshold = 0.5, .limit = 5};
  auto fast = Index().Screen(q);
  auto slow = Index().ScreenBruteForce(q);
  if (fast.ok() != slow.ok()) __builtin_trap();
  if (!fast.ok()) {
    if (fast.status().field() != "name" || fast.status().message().empty()) __builtin_trap();
    return 0;
  }
  if (fast->size() != slow->size()) __builtin_trap();
  for (size_t i = 0; i < fast->size(); ++i) {
    if ((*fast)[i].record_index != (*slow)[i].record_index) __builtin_trap();
    (void)(*fast)[i].Explain();
  }
  (void)CompareNames(name, "Huawei Technologies");
  return 0;
}

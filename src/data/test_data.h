// Tests only: the bundled regulatory data, loaded once per test binary.
#pragma once

#include <cstdlib>
#include <iostream>

#include "data/dataset.h"

namespace exportctl {

inline const Dataset& BundledData() {
  static std::unique_ptr<Dataset> data = [] {
    auto d = Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR);
    if (!d.ok()) {
      std::cerr << "cannot load bundled data: " << d.status().ToString() << '\n';
      std::abort();
    }
    return std::move(d).value();
  }();
  return *data;
}

}  // namespace exportctl

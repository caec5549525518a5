// Where the shared real data lives for tests (../shared/data beside the repository).
#pragma once

#include <filesystem>
#include <string>

namespace exportctl::screen::testing {

inline std::string SharedData(const std::string& relative) {
  return std::string(EXPORTCTL_SHARED_DIR) + "/data/" + relative;
}

// Skips the calling test when the shared data file is absent.
#define SKIP_WITHOUT_SHARED(path)                                                                \
  if (!std::filesystem::exists(path)) {                                                          \
    GTEST_SKIP() << "shared data " << (path) << " is absent (see ../shared/data/PROVENANCE.md)"; \
  }

}  // namespace exportctl::screen::testing

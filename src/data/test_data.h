// Tests only: the bundled regulatory data, loaded once per test binary.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

// A copy of the bundled data in a temporary directory, for tests that edit a file of it.
class EditedDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("exportctl-data-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(EXPORTCTL_DEFAULT_DATA_DIR, dir_, std::filesystem::copy_options::recursive);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Rewrites the JSON file at `rel` (e.g. "regimes/acs-2023.json") as f leaves it.
  void Edit(const std::string& rel, const std::function<void(nlohmann::json&)>& f) {
    nlohmann::json j;
    {
      std::ifstream in(dir_ / rel);
      j = nlohmann::json::parse(in);
    }
    f(j);
    std::ofstream(dir_ / rel) << j.dump();
  }
  std::filesystem::path dir_;
};

}  // namespace exportctl

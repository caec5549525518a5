// Start-up checks of the regulatory data against the engine's rule steps: a rule naming no
// registered step is a load error naming its file and field.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "data/dataset.h"
#include "determine/engine.h"

namespace exportctl {
namespace {

namespace fs = std::filesystem;

// A copy of the bundled data with one file edited.
class RuleStepData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("exportctl-steps-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::copy(EXPORTCTL_DEFAULT_DATA_DIR, dir_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Edit(const std::string& rel, const std::function<void(nlohmann::json&)>& f) {
    nlohmann::json j;
    {
      std::ifstream in(dir_ / rel);
      j = nlohmann::json::parse(in);
    }
    f(j);
    std::ofstream(dir_ / rel) << j.dump();
  }
  Status LoadStatus() {
    auto d = LoadRegulatoryData(dir_.string());
    return d.ok() ? Status::Ok() : d.status();
  }
  fs::path dir_;
};

TEST_F(RuleStepData, BundledDataLoads) { EXPECT_TRUE(LoadStatus().ok()) << LoadStatus().ToString(); }

TEST_F(RuleStepData, RuleWithoutRegisteredStepIsAnError) {
  Edit("regimes/h200-2026.json", [](auto& j) { j["rules"][0]["step"] = "guess"; });
  const Status st = LoadStatus();
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.message().find("unknown rule step \"guess\""), std::string::npos) << st.ToString();
  EXPECT_NE(st.field().find("h200-2026.json"), std::string::npos) << st.ToString();
  EXPECT_NE(st.field().find("rules[0].step"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace exportctl

// Test support: a fresh ledger per test on either backend. PostgreSQL tests each get their own
// schema (search_path) in the database named by EXPORTCTL_TEST_POSTGRES, dropped afterwards.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace exportctl::ledger::testing {

const char* const kDefaultPostgres =
    "postgresql://exportctl:exportctl@127.0.0.1:5432/exportctl_test";

const AllocationRules& TestRules();
// The limit of the license account the stress tests contend for (license:D1234567:units).
inline constexpr double kLicenseLimit = 1'000'000;
inline Date D(const char* iso) { return *Date::Parse(iso); }

// A location for a fresh, empty ledger. For PostgreSQL, sets *skip_reason (and returns "") when
// the server is unreachable outside CI; in CI (env CI=true) that is a test failure instead.
class TestLocation {
 public:
  explicit TestLocation(const std::string& backend);
  ~TestLocation();
  const std::string& location() const { return location_; }
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& failure() const { return failure_; }

 private:
  std::string backend_, location_, dir_, schema_, skip_reason_, failure_;
};

// Opens the location or fails the test.
std::unique_ptr<Ledger> OpenOrDie(const std::string& location);

// Every (account, period) of the log, summed from the postings alone.
struct Reconciled {
  int64_t reserved_milli = 0, used_milli = 0;
};
std::map<std::pair<std::string, std::string>, Reconciled> SumLog(
    const std::vector<Posting>& postings);

// The path of this test binary (children are spawned from it).
std::string SelfPath();

// Spawns this binary with args; its stdout is returned as a readable fd in *out_fd.
int SpawnChild(const std::vector<std::string>& args, int* out_fd);

// Entry point of a child process; returns the exit code. argv[1] is "--ledger-child=MODE".
int RunChild(int argc, char** argv);

// A fresh ledger per test on the backend named by the test parameter.
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  std::unique_ptr<TestLocation> loc_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace exportctl::ledger::testing

// Skips (locally) or fails (CI) when the backend is unavailable.
#define LEDGER_REQUIRE_BACKEND(loc)                                        \
  do {                                                                     \
    if (!(loc).failure().empty()) FAIL() << (loc).failure();               \
    if (!(loc).skip_reason().empty()) GTEST_SKIP() << (loc).skip_reason(); \
  } while (0)

// Test support: a fresh, empty database location on either backend ("sqlite" or "postgresql").
// PostgreSQL locations get their own schema (via search_path in the URL) in the database named by
// EXPORTCTL_TEST_POSTGRES (default: the one scripts/start-postgres.sh creates), dropped
// afterwards. When PostgreSQL is unreachable the test is skipped — or, in CI (CI=true), fails.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace exportctl::audit::testing {

class TestDatabase {
 public:
  // file_name: the SQLite file inside a fresh temporary directory.
  TestDatabase(const std::string& backend, const std::string& file_name);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // A SQLite path or a postgresql:// URL; "" when the backend is unavailable.
  const std::string& location() const { return location_; }
  const std::string& dir() const { return dir_; }  // a fresh temporary directory (both backends)
  bool postgres() const { return !schema_.empty(); }
  // Runs SQL directly on the database, as someone with write access would (tampering).
  void Exec(const std::string& sql) const;
  // Non-empty when the backend is unavailable: skip (locally) or fail (CI).
  std::string unavailable;
  bool fail_when_unavailable = false;

 private:
  std::string dir_, location_, schema_, base_url_;
};

}  // namespace exportctl::audit::testing

// Skips (locally) or fails (CI) when the test's database is unavailable.
#define AUDIT_REQUIRE_DATABASE(db)                                   \
  do {                                                               \
    if (!(db).unavailable.empty()) {                                 \
      if ((db).fail_when_unavailable) FAIL() << (db).unavailable;    \
      GTEST_SKIP() << (db).unavailable;                              \
    }                                                                \
  } while (0)

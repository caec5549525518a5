#include "audit/audit_test_util.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>

namespace exportctl::audit::testing {

TestDatabase::TestDatabase(const std::string& backend, const std::string& file_name) {
  static std::atomic<int> counter{0};
  const std::string unique = std::to_string(::getpid()) + "_" + std::to_string(counter++);
  dir_ = (std::filesystem::temp_directory_path() / ("exportctl_audit_test_" + unique)).string();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  if (backend != "postgresql") {
    location_ = dir_ + "/" + file_name;
    return;
  }
  const char* env = std::getenv("EXPORTCTL_TEST_POSTGRES");
  base_url_ = env && *env ? env : "postgresql://exportctl:exportctl@127.0.0.1:5432/exportctl_test";
  const std::string schema = "audit_test_" + unique + "_" + std::to_string(std::rand() % 100000);
  try {
    pqxx::connection c(base_url_);
    pqxx::work w(c);
    w.exec("CREATE SCHEMA " + w.quote_name(schema));
    w.commit();
  } catch (const std::exception& e) {
    const char* ci = std::getenv("CI");
    fail_when_unavailable = ci && std::string(ci) == "true";
    unavailable = "PostgreSQL at " + base_url_ + " is unreachable (" + e.what() +
                  "); run scripts/start-postgres.sh or set EXPORTCTL_TEST_POSTGRES";
    return;
  }
  schema_ = schema;
  location_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
              "options=-csearch_path%3D" + schema_;
}

TestDatabase::~TestDatabase() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (schema_.empty()) return;
  try {
    pqxx::connection c(base_url_);
    pqxx::work w(c);
    w.exec("DROP SCHEMA IF EXISTS " + w.quote_name(schema_) + " CASCADE");
    w.commit();
  } catch (const std::exception&) {
  }
}

void TestDatabase::Exec(const std::string& sql) const {
  if (postgres()) {
    try {
      pqxx::connection c(location_);
      pqxx::work w(c);
      // The owner can switch off the append-only trigger; so could an attacker who holds it.
      w.exec("ALTER TABLE audit_records DISABLE TRIGGER USER; " + sql +
             "; ALTER TABLE audit_records ENABLE TRIGGER USER");
      w.commit();
    } catch (const std::exception& e) {
      ADD_FAILURE() << sql << ": " << e.what();
    }
    return;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(location_.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

}  // namespace exportctl::audit::testing

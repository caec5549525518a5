#include "audit/sqlite_util.h"

#include <filesystem>
#include <system_error>

namespace exportctl::audit::internal {

Status Db::Open(const std::string& path, bool read_only, bool full_sync) {
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    Status st = Status::Error(ErrorCode::kUnavailable, "",
                              "cannot open " + path + ": " +
                                  (db_ ? sqlite3_errmsg(db_) : std::string("out of memory")));
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
    return st;
  }
  sqlite3_busy_timeout(db_, 10000);
  if (!read_only) {
    // Only takes effect on a new file, and must come before WAL: 16 KiB pages mean fewer WAL
    // frames (two system calls each) for a batch of ~2.5 KiB decision records.
    EXPORTCTL_RETURN_IF_ERROR(Exec("PRAGMA page_size=16384"));
    EXPORTCTL_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
  }
  return Exec(full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

Status Db::Exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Error(ErrorCode::kUnavailable, "", std::string(sql).substr(0, 40) + ": " + msg);
  }
  return Status::Ok();
}

Status EnsureParentDir(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::Error(ErrorCode::kUnavailable, "",
                         "cannot create " + parent.string() + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace exportctl::audit::internal

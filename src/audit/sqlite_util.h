// Minimal RAII over the SQLite C API, private to the audit module.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace exportctl::audit::internal {

class Db {
 public:
  Db() = default;
  ~Db() { if (db_) sqlite3_close_v2(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens (creating unless read_only) with WAL, synchronous=FULL (or NORMAL when !full_sync)
  // and a busy timeout.
  Status Open(const std::string& path, bool read_only, bool full_sync = true);
  Status Exec(const char* sql) const;
  sqlite3* get() const { return db_; }
  Status Error(const std::string& what) const {
    return Status::Error(ErrorCode::kUnavailable, "", what + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(const Db& db, const char* sql) : db_(db.get()) {
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Stmt() { if (stmt_) sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  void Reset() { sqlite3_reset(stmt_); sqlite3_clear_bindings(stmt_); }
  void Bind(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Creates the parent directory of path when missing.
Status EnsureParentDir(const std::string& path);

}  // namespace exportctl::audit::internal

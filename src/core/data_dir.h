// The working data directory (`--data-dir`) of a deployment: where the ledger, the audit log, the
// API keys, the imported lists, the screening index and the screened parties live unless a
// location is given. Every default location is decided here, once.
//
//   const DataDir dir("./exportctl-data");
//   dir.LedgerLocation(flag_ledger);               // the flag, else <root>/ledger.sqlite
//   dir.AuditLocation(flag_audit, flag_ledger);    // the flag, else beside a shared ledger
#pragma once

#include <string>
#include <string_view>

namespace exportctl {

// A PostgreSQL location (postgresql:// or postgres://) rather than a file path.
bool IsPostgresUrl(std::string_view location);

class DataDir {
 public:
  explicit DataDir(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  std::string ledger() const { return root_ + "/ledger.sqlite"; }     // the embedded ledger
  std::string audit_log() const { return root_ + "/audit.sqlite"; }  // the embedded audit log
  std::string keys() const { return root_ + "/keys.sqlite"; }        // API keys
  std::string lists() const { return root_ + "/lists"; }             // imported lists + manifest
  std::string screen() const { return root_ + "/screen"; }
  std::string screen_index() const { return screen() + "/index.cache"; }
  std::string parties() const { return screen() + "/parties.jsonl"; }            // screened parties
  std::string dispositions() const { return screen() + "/dispositions.jsonl"; }  // clearances

  // The ledger at `given` (a SQLite path or postgresql://…), else the embedded one.
  std::string LedgerLocation(const std::string& given) const { return given.empty() ? ledger() : given; }
  // The audit log at `given`, else in the ledger's database when the ledger is PostgreSQL (shared
  // by several processes, which then keep one chain), else the embedded one.
  std::string AuditLocation(const std::string& given, const std::string& ledger_location) const {
    if (!given.empty()) return given;
    return IsPostgresUrl(ledger_location) ? ledger_location : audit_log();
  }

 private:
  std::string root_;
};

inline bool IsPostgresUrl(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

}  // namespace exportctl

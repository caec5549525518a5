// The PostgreSQL backends (the ledger store and the audit log on a postgresql:// location) are
// built as modules of their own, exportctl-postgres-ledger.so and exportctl-postgres-audit.so
// (one each, so that a program holding only one of the two can load it), and loaded the first
// time one is opened: every other call starts without libpq and the twenty libraries it brings
// (Kerberos, LDAP, GnuTLS...), which were about a fifth of a one-shot CLI call.
#pragma once

#include <string>

#include "core/status.h"

namespace exportctl {

enum class PostgresModule { kLedger, kAudit };

// The address of the module's entry point `name`, loading the module on first use; an error
// (kUnavailable) naming where it was looked for and why it could not be loaded.
// Modules are looked for in $EXPORTCTL_POSTGRES_MODULE_DIR when set, else next to the running
// executable, else in ../lib/exportctl/ beside it (the installed layout), else in the build tree.
Result<void*> PostgresModuleFunction(PostgresModule module, const char* name);

// Calls the module's entry point `name`, a C-linkage function that takes `args` and writes its
// answer to a last Result<T>* (a C-linkage function does not return a C++ type). An entry point
// that writes nothing leaves an internal error, never an answer.
template <typename T, typename... Args>
Result<T> CallPostgresModule(PostgresModule module, const char* name, const Args&... args) {
  auto fn = PostgresModuleFunction(module, name);
  if (!fn.ok()) return fn.status();
  Result<T> out = Status::Error(ErrorCode::kInternal, "",
                                std::string("the PostgreSQL module's ") + name + " gave no answer");
  reinterpret_cast<void (*)(const Args&..., Result<T>*)>(*fn)(args..., &out);
  return out;
}

}  // namespace exportctl

// The PostgreSQL backends (the ledger store and the audit log on a postgresql:// location) are
// built as modules of their own, exportctl-postgres-ledger.so and exportctl-postgres-audit.so
// (one each, so that a program holding only one of the two can load it), and loaded the first
// time one is opened: every other call starts without libpq and the twenty libraries it brings
// (Kerberos, LDAP, GnuTLS...), which were about a fifth of a one-shot CLI call.
#pragma once

#include "core/status.h"

namespace exportctl {

enum class PostgresModule { kLedger, kAudit };

// The address of the module's entry point `name`, loading the module on first use; an error
// (kUnavailable) naming where it was looked for and why it could not be loaded.
// Modules are looked for in $EXPORTCTL_POSTGRES_MODULE_DIR when set, else next to the running
// executable, else in ../lib/exportctl/ beside it (the installed layout), else in the build tree.
Result<void*> PostgresModuleFunction(PostgresModule module, const char* name);

}  // namespace exportctl

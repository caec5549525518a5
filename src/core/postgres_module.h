// The PostgreSQL backends (the ledger store and the audit log on a postgresql:// location) are
// built as a module of their own, exportctl-postgres.so, and loaded the first time one is
// opened: every other call starts without libpq and the twenty libraries it brings (Kerberos,
// LDAP, GnuTLS...), which were about a fifth of a one-shot CLI call.
#pragma once

#include "core/status.h"

namespace exportctl {

// The address of the module's entry point `name`, loading the module on first use; an error
// (kUnavailable) naming where it was looked for and why it could not be loaded.
// The module is looked for at $EXPORTCTL_POSTGRES_MODULE when set, else next to the running
// executable, else in ../lib/exportctl/ beside it (the installed layout), else in the build tree.
Result<void*> PostgresModuleFunction(const char* name);

}  // namespace exportctl

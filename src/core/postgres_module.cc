#include "core/postgres_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace exportctl {
namespace {

const char* FileName(PostgresModule module) {
  return module == PostgresModule::kLedger ? "exportctl-postgres-ledger.so"
                                           : "exportctl-postgres-audit.so";
}

std::vector<std::string> Candidates(const std::string& file) {
  if (const char* env = std::getenv("EXPORTCTL_POSTGRES_MODULE_DIR"); env && *env) {
    return {(std::filesystem::path(env) / file).string()};
  }
  std::vector<std::string> out;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / file).string());
    out.push_back((exe.parent_path().parent_path() / EXPORTCTL_INSTALL_LIBDIR / "exportctl" / file)
                      .string());
  }
  out.push_back((std::filesystem::path(EXPORTCTL_POSTGRES_MODULE_BUILD_DIR) / file).string());
  return out;
}

struct Module {
  void* handle = nullptr;
  std::string error;
};

Module Load(PostgresModule module) {
  Module m;
  std::string looked;
  for (const std::string& path : Candidates(FileName(module))) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      looked += (looked.empty() ? "" : ", ") + path;
      continue;
    }
    // RTLD_NOW: a module that does not match this executable fails here, with the name of
    // what is missing, not at the first query.
    m.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!m.handle) {
      const char* why = dlerror();
      m.error = "cannot load the PostgreSQL backend " + path + ": " + (why ? why : "unknown error");
    }
    return m;  // found: loaded, or the reason it is not
  }
  m.error = "PostgreSQL support is not installed: " + std::string(FileName(module)) +
            " was not found (looked for " + looked + ")";
  return m;
}

// Each module loaded once per process, when first asked for (thread-safe).
const Module& Loaded(PostgresModule which) {
  if (which == PostgresModule::kLedger) {
    static const Module ledger = Load(PostgresModule::kLedger);
    return ledger;
  }
  static const Module audit = Load(PostgresModule::kAudit);
  return audit;
}

}  // namespace

Result<void*> PostgresModuleFunction(PostgresModule which, const char* name) {
  const Module& module = Loaded(which);
  if (!module.handle) return Status::Error(ErrorCode::kUnavailable, "", module.error);
  void* fn = dlsym(module.handle, name);
  if (!fn) {
    return Status::Error(ErrorCode::kUnavailable, "",
                         std::string("the PostgreSQL backend has no entry point ") + name);
  }
  return fn;
}

}  // namespace exportctl

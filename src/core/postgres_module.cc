#include "core/postgres_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace exportctl {
namespace {

constexpr char kModuleName[] = "exportctl-postgres.so";

std::vector<std::string> Candidates() {
  if (const char* env = std::getenv("EXPORTCTL_POSTGRES_MODULE"); env && *env) return {env};
  std::vector<std::string> out;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / kModuleName).string());
    out.push_back((exe.parent_path().parent_path() / EXPORTCTL_INSTALL_LIBDIR / "exportctl" /
                   kModuleName).string());
  }
  out.push_back(EXPORTCTL_POSTGRES_MODULE_BUILT);
  return out;
}

struct Module {
  void* handle = nullptr;
  std::string error;
};

Module Load() {
  Module m;
  std::string looked;
  for (const std::string& path : Candidates()) {
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
  m.error = "PostgreSQL support is not installed: " + std::string(kModuleName) +
            " was not found (looked for " + looked + ")";
  return m;
}

}  // namespace

Result<void*> PostgresModuleFunction(const char* name) {
  static const Module module = Load();  // once per process, thread-safe
  if (!module.handle) return Status::Error(ErrorCode::kUnavailable, "", module.error);
  void* fn = dlsym(module.handle, name);
  if (!fn) {
    return Status::Error(ErrorCode::kUnavailable, "",
                         std::string("the PostgreSQL backend has no entry point ") + name);
  }
  return fn;
}

}  // namespace exportctl

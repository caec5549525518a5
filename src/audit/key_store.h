// API keys and roles. A key is shown once when created ("exk_<key id>_<secret>") and stored only
// as its SHA-256; the key id is public (it appears in the audit log), the secret never does.
// Roles nest: an officer can do what an analyst can, an analyst what a viewer can.
//
//   auto keys = KeyStore::Open("exportctl-data/keys.sqlite");
//   auto created = (*keys)->Create(Role::kAnalyst, "erp integration");   // print created->token once
//   auto who = (*keys)->Authenticate(bearer);   // kNotFound / kConflict(revoked) → 401
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "audit/audit_log.h"
#include "core/status.h"

namespace exportctl::audit {

enum class Role { kViewer, kAnalyst, kOfficer };
const char* RoleName(Role r);
std::optional<Role> ParseRole(std::string_view name);
inline bool RoleAllows(Role have, Role need) { return static_cast<int>(have) >= static_cast<int>(need); }

struct ApiKeyInfo {
  std::string key_id;      // 16 hex characters
  Role role = Role::kViewer;
  std::string label;
  std::string created_at;  // RFC 3339 UTC
  std::string revoked_at;  // "" while active
  bool active() const { return revoked_at.empty(); }
};

struct NewApiKey {
  ApiKeyInfo info;
  std::string token;       // the bearer token; shown once, never stored
};

// Thread-safe. Authenticate reads an in-memory copy refreshed from the file at most every
// `refresh` (so a revocation by another process takes effect within that time).
class KeyStore {
 public:
  static Result<std::unique_ptr<KeyStore>> Open(
      const std::string& path, WallClock clock = {},
      std::chrono::milliseconds refresh = std::chrono::milliseconds(1000));
  ~KeyStore();

  Result<NewApiKey> Create(Role role, const std::string& label);
  Status Revoke(const std::string& key_id);          // kNotFound; revoking twice is kConflict
  Result<std::vector<ApiKeyInfo>> List() const;
  // The key's info when the token is a known, active key. kInvalidInput = malformed token,
  // kNotFound = unknown key or wrong secret, kConflict = revoked.
  Result<ApiKeyInfo> Authenticate(std::string_view token) const;

 private:
  struct Impl;
  explicit KeyStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace exportctl::audit

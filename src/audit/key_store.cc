#include "audit/key_store.h"

#include <algorithm>
#include <mutex>

#include "audit/crypto.h"
#include "audit/sqlite_util.h"

namespace exportctl::audit {

using internal::Db;
using internal::Stmt;

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS api_keys (
  key_id      TEXT PRIMARY KEY,
  role        TEXT NOT NULL,
  label       TEXT NOT NULL,
  token_hash  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT NOT NULL DEFAULT ''
);
)sql";

constexpr char kTokenPrefix[] = "exk_";
constexpr size_t kIdHex = 16, kSecretHex = 64;

struct CachedKey {
  ApiKeyInfo info;
  std::string token_hash;
};

}  // namespace

const char* RoleName(Role r) {
  switch (r) {
    case Role::kViewer: return "viewer";
    case Role::kAnalyst: return "analyst";
    case Role::kOfficer: return "officer";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "analyst") return Role::kAnalyst;
  if (name == "officer") return Role::kOfficer;
  return std::nullopt;
}

struct KeyStore::Impl {
  WallClock clock;
  std::chrono::milliseconds refresh{1000};
  mutable std::mutex db_mu;
  Db db;
  mutable std::shared_mutex cache_mu;
  mutable std::unordered_map<std::string, CachedKey> cache;
  mutable std::chrono::steady_clock::time_point loaded_at{};

  Status Reload() const {
    std::unordered_map<std::string, CachedKey> fresh;
    {
      std::lock_guard<std::mutex> lock(db_mu);
      Stmt s(db, "SELECT key_id, role, label, token_hash, created_at, revoked_at FROM api_keys");
      if (!s.ok()) return db.Error("api keys");
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) {
        CachedKey k;
        k.info.key_id = s.Text(0);
        const auto role = ParseRole(s.Text(1));
        if (!role) continue;  // fail closed: a key with an unknown role authorizes nothing
        k.info.role = *role;
        k.info.label = s.Text(2);
        k.token_hash = s.Text(3);
        k.info.created_at = s.Text(4);
        k.info.revoked_at = s.Text(5);
        fresh.emplace(k.info.key_id, std::move(k));
      }
      if (rc != SQLITE_DONE) return db.Error("api keys");
    }
    std::unique_lock<std::shared_mutex> lock(cache_mu);
    cache.swap(fresh);
    loaded_at = std::chrono::steady_clock::now();
    return Status::Ok();
  }
};

KeyStore::KeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyStore::~KeyStore() = default;

Result<std::unique_ptr<KeyStore>> KeyStore::Open(const std::string& path, WallClock clock,
                                                 std::chrono::milliseconds refresh) {
  auto impl = std::make_unique<Impl>();
  impl->clock = clock ? std::move(clock) : [] { return std::chrono::system_clock::now(); };
  impl->refresh = refresh;
  EXPORTCTL_RETURN_IF_ERROR(internal::EnsureParentDir(path));
  EXPORTCTL_RETURN_IF_ERROR(impl->db.Open(path, false));
  EXPORTCTL_RETURN_IF_ERROR(impl->db.Exec(kSchema));
  EXPORTCTL_RETURN_IF_ERROR(impl->Reload());
  return std::unique_ptr<KeyStore>(new KeyStore(std::move(impl)));
}

Result<NewApiKey> KeyStore::Create(Role role, const std::string& label) {
  NewApiKey key;
  key.info.key_id = RandomHex(kIdHex / 2);
  key.info.role = role;
  key.info.label = label;
  key.info.created_at = FormatTime(impl_->clock());
  key.token = kTokenPrefix + key.info.key_id + "_" + RandomHex(kSecretHex / 2);
  {
    std::lock_guard<std::mutex> lock(impl_->db_mu);
    Stmt s(impl_->db,
           "INSERT INTO api_keys(key_id, role, label, token_hash, created_at) "
           "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!s.ok()) return impl_->db.Error("api keys");
    s.Bind(1, key.info.key_id);
    s.Bind(2, std::string_view(RoleName(role)));
    s.Bind(3, label);
    s.Bind(4, Sha256Hex(key.token));
    s.Bind(5, key.info.created_at);
    if (s.Step() != SQLITE_DONE) return impl_->db.Error("api keys");
  }
  EXPORTCTL_RETURN_IF_ERROR(impl_->Reload());
  return key;
}

Status KeyStore::Revoke(const std::string& key_id) {
  {
    std::lock_guard<std::mutex> lock(impl_->db_mu);
    Stmt find(impl_->db, "SELECT revoked_at FROM api_keys WHERE key_id = ?1");
    if (!find.ok()) return impl_->db.Error("api keys");
    find.Bind(1, key_id);
    const int rc = find.Step();
    if (rc == SQLITE_DONE) {
      return Status::Error(ErrorCode::kNotFound, "key_id", "no API key with id " + key_id);
    }
    if (rc != SQLITE_ROW) return impl_->db.Error("api keys");
    if (!find.Text(0).empty()) {
      return Status::Error(ErrorCode::kConflict, "key_id", "key " + key_id + " is already revoked");
    }
    Stmt s(impl_->db, "UPDATE api_keys SET revoked_at = ?2 WHERE key_id = ?1");
    if (!s.ok()) return impl_->db.Error("api keys");
    s.Bind(1, key_id);
    s.Bind(2, FormatTime(impl_->clock()));
    if (s.Step() != SQLITE_DONE) return impl_->db.Error("api keys");
  }
  return impl_->Reload();
}

Result<std::vector<ApiKeyInfo>> KeyStore::List() const {
  EXPORTCTL_RETURN_IF_ERROR(impl_->Reload());
  std::vector<ApiKeyInfo> out;
  std::shared_lock<std::shared_mutex> lock(impl_->cache_mu);
  for (const auto& [id, k] : impl_->cache) out.push_back(k.info);
  std::sort(out.begin(), out.end(), [](const ApiKeyInfo& a, const ApiKeyInfo& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.key_id < b.key_id;
  });
  return out;
}

Result<ApiKeyInfo> KeyStore::Authenticate(std::string_view token) const {
  const size_t expected = sizeof(kTokenPrefix) - 1 + kIdHex + 1 + kSecretHex;
  if (token.size() != expected || token.substr(0, 4) != kTokenPrefix ||
      token[4 + kIdHex] != '_') {
    return Status::Invalid("authorization", "not an exportctl API key");
  }
  const std::string key_id(token.substr(4, kIdHex));
  const std::string token_hash = Sha256Hex(token);
  auto lookup = [&]() -> Result<ApiKeyInfo> {
    auto it = impl_->cache.find(key_id);
    if (it == impl_->cache.end() || !ConstantTimeEquals(token_hash, it->second.token_hash)) {
      return Status::Error(ErrorCode::kNotFound, "authorization", "unknown API key " + key_id);
    }
    if (!it->second.info.active()) {
      return Status::Error(ErrorCode::kConflict, "authorization",
                           "API key " + key_id + " is revoked");
    }
    return it->second.info;
  };
  {
    std::shared_lock<std::shared_mutex> lock(impl_->cache_mu);
    if (std::chrono::steady_clock::now() - impl_->loaded_at <= impl_->refresh) return lookup();
  }
  // Stale: refresh, then answer from the fresh copy. A failed refresh fails closed.
  EXPORTCTL_RETURN_IF_ERROR(impl_->Reload());
  std::shared_lock<std::shared_mutex> lock(impl_->cache_mu);
  return lookup();
}

}  // namespace exportctl::audit

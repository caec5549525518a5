#include "screen/party_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/data_dir.h"

namespace exportctl::screen {
namespace {

std::string StakeKey(const std::string& owned, const std::string& owner, std::optional<double> percent) {
  return owned + '\x1f' + owner + '\x1f' + (percent ? nlohmann::json(*percent).dump() : "unknown");
}

}  // namespace

Result<std::unique_ptr<PartyStore>> PartyStore::Open(const std::string& data_dir) {
  const std::filesystem::path path = std::filesystem::path(DataDir(data_dir).parties());
  std::unique_ptr<PartyStore> store(new PartyStore(path.string()));
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    // A torn last line (a crash mid-write) is skipped: the name is simply stored again later.
    if (!j.is_object() || !j.contains("party") || !j["party"].is_string()) continue;
    std::string name = j["party"].get<std::string>();
    if (j.contains("owner_of") && j["owner_of"].is_string()) {
      StatedStake st{j["owner_of"].get<std::string>(), name, std::nullopt};
      if (j.contains("percent") && j["percent"].is_number()) st.percent = j["percent"].get<double>();
      if (store->known_stakes_.insert(StakeKey(st.owned, st.owner, st.percent)).second) store->stakes_.push_back(std::move(st));
    }
    if (!name.empty() && store->known_.insert(name).second) store->names_.push_back(std::move(name));
  }
  return store;
}

Status PartyStore::Append(const std::string& line) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(ErrorCode::kUnavailable, "parties", path_ + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int saved = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    return Status::Error(ErrorCode::kUnavailable, "parties", path_ + ": " + (written < 0 ? std::strerror(saved) : "short write"));
  }
  return Status::Ok();
}

Status PartyStore::RememberStake(const std::string& owned, const std::string& owner, std::optional<double> percent,
                                 const std::string& today) {
  if (owned.empty() || owner.empty()) return Status::Ok();
  std::lock_guard lock(mu_);
  std::string key = StakeKey(owned, owner, percent);
  if (known_stakes_.count(key)) return Status::Ok();
  nlohmann::json j{{"party", owner}, {"owner_of", owned}, {"percent", nullptr}, {"added", today}};
  if (percent) j["percent"] = *percent;
  EXPORTCTL_RETURN_IF_ERROR(Append(j.dump() + "\n"));
  known_stakes_.insert(std::move(key));
  stakes_.push_back({owned, owner, percent});
  if (known_.insert(owner).second) names_.push_back(owner);
  return Status::Ok();
}

std::vector<PartyStore::StatedStake> PartyStore::Stakes() const {
  std::lock_guard lock(mu_);
  return stakes_;
}

Status PartyStore::Remember(const std::string& name, const std::string& today) {
  if (name.empty()) return Status::Ok();
  std::lock_guard lock(mu_);
  if (known_.count(name)) return Status::Ok();
  EXPORTCTL_RETURN_IF_ERROR(Append(nlohmann::json{{"party", name}, {"added", today}}.dump() + "\n"));
  known_.insert(name);
  names_.push_back(name);
  return Status::Ok();
}

std::vector<std::string> PartyStore::Names() const {
  std::lock_guard lock(mu_);
  return names_;
}

}  // namespace exportctl::screen

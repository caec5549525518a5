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
    if (!name.empty() && store->known_.insert(name).second) store->names_.push_back(std::move(name));
  }
  return store;
}

Status PartyStore::Remember(const std::string& name, const std::string& today) {
  if (name.empty()) return Status::Ok();
  std::lock_guard lock(mu_);
  if (known_.count(name)) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  const std::string line = nlohmann::json{{"party", name}, {"added", today}}.dump() + "\n";
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(ErrorCode::kUnavailable, "parties", path_ + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int saved = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    return Status::Error(ErrorCode::kUnavailable, "parties", path_ + ": " + (written < 0 ? std::strerror(saved) : "short write"));
  }
  known_.insert(name);
  names_.push_back(name);
  return Status::Ok();
}

std::vector<std::string> PartyStore::Names() const {
  std::lock_guard lock(mu_);
  return names_;
}

}  // namespace exportctl::screen

// The list store and the disposition log in the data directory (docs/screening.md, "Store").
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/data_dir.h"
#include "screen/index_cache.h"
#include "screen/normalize.h"
#include "screen/screen.h"

namespace exportctl::screen {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path ListsDir(const std::string& data_dir) { return DataDir(data_dir).lists(); }

Status WriteAtomically(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Status::Error(ErrorCode::kUnavailable, "data_dir",
                         "cannot create " + path.parent_path().string());
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      return Status::Error(ErrorCode::kUnavailable, "data_dir", "cannot write " + tmp.string());
    out << content;
    out.flush();
    if (!out)
      return Status::Error(ErrorCode::kUnavailable, "data_dir", "write failed: " + tmp.string());
  }
  fs::rename(tmp, path, ec);
  if (ec)
    return Status::Error(ErrorCode::kUnavailable, "data_dir", "cannot rename " + tmp.string());
  return Status::Ok();
}

json VersionToJson(const ListVersion& v, const std::string& stored_dir) {
  return json{{"list_id", v.list_id},           {"format", v.format},
              {"file_name", v.file_name},       {"sha256", v.sha256},
              {"record_count", v.record_count}, {"source_date", v.source_date},
              {"stored_dir", stored_dir}};
}

Result<json> ReadManifest(const std::string& data_dir) {
  const fs::path path = ListsDir(data_dir) / "manifest.json";
  std::ifstream in(path);
  if (!in) return json{{"lists", json::array()}};
  try {
    json m = json::parse(in);
    if (!m.contains("lists") || !m["lists"].is_array()) {
      return Status::Error(ErrorCode::kDataError, "manifest.json", "lacks a \"lists\" array");
    }
    return m;
  } catch (const json::exception& e) {
    return Status::Error(ErrorCode::kDataError, "manifest.json", e.what());
  }
}

ListVersion VersionFromJson(const json& j) {
  ListVersion v;
  v.list_id = j.value("list_id", "");
  v.format = j.value("format", "");
  v.file_name = j.value("file_name", "");
  v.sha256 = j.value("sha256", "");
  v.record_count = j.value("record_count", size_t{0});
  v.source_date = j.value("source_date", "");
  return v;
}

}  // namespace

Result<ListStore::Imported> ListStore::Import(const std::string& path, bool allow_shrink) const {
  auto loaded = LoadListFile(path);
  if (!loaded.ok()) return loaded.status();
  auto manifest = ReadManifest(data_dir_);
  if (!manifest.ok()) return manifest.status();
  Imported result;
  result.list = std::move(loaded).value();
  const ListVersion& v = result.list.version;
  for (const auto& entry : (*manifest)["lists"]) {
    if (entry.value("list_id", "") != v.list_id) continue;
    const fs::path old_file = ListsDir(data_dir_) / entry.value("stored_dir", "") / entry.value("file_name", "");
    if (auto previous = LoadListFile(old_file.string()); previous.ok()) result.previous = std::move(previous).value();
  }
  if (!allow_shrink) {
    const size_t now = result.list.records.size();
    if (now == 0) {
      return Status::Invalid("file", path + " holds no list records: importing it would replace the " + v.list_id +
                                         " list with nothing (use --allow-shrink if that is meant)");
    }
    if (result.previous && result.previous->records.size() >= 100 && now * 2 < result.previous->records.size()) {
      return Status::Invalid(
          "file", path + " holds " + std::to_string(now) + " records where the " + v.list_id + " list it replaces (" +
                      result.previous->version.source_date + ") held " + std::to_string(result.previous->records.size()) +
                      ": a truncated or partial file would clear the parties it leaves out; nothing was imported "
                      "(use --allow-shrink if the list really shrank)");
    }
  }

  // Copy the file (and OFAC alt/add siblings) into lists/files/<sha256 prefix>/.
  const std::string stored_dir = "files/" + v.sha256.substr(0, 16);
  const fs::path target = ListsDir(data_dir_) / stored_dir;
  std::error_code ec;
  fs::create_directories(target, ec);
  if (ec)
    return Status::Error(ErrorCode::kUnavailable, "data_dir", "cannot create " + target.string());
  std::vector<fs::path> files = {fs::path(path)};
  const std::string base = fs::path(path).filename().string();
  const fs::path dir = fs::path(path).parent_path();
  if (base == "sdn.csv") files.insert(files.end(), {dir / "alt.csv", dir / "add.csv"});
  if (base == "cons_prim.csv")
    files.insert(files.end(), {dir / "cons_alt.csv", dir / "cons_add.csv"});
  for (const auto& f : files) {
    if (!fs::exists(f)) continue;
    fs::copy_file(f, target / f.filename(), fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::Error(ErrorCode::kUnavailable, "data_dir", "cannot copy " + f.string());
  }

  json& lists = (*manifest)["lists"];
  json updated = json::array();
  for (const auto& entry : lists) {
    if (entry.value("list_id", "") != v.list_id) updated.push_back(entry);
  }
  updated.push_back(VersionToJson(v, stored_dir));
  (*manifest)["lists"] = updated;
  EXPORTCTL_RETURN_IF_ERROR(
      WriteAtomically(ListsDir(data_dir_) / "manifest.json", manifest->dump(2)));
  return result;
}

Result<std::vector<ListVersion>> ListStore::Status() const {
  auto manifest = ReadManifest(data_dir_);
  if (!manifest.ok()) return manifest.status();
  std::vector<ListVersion> out;
  for (const auto& entry : (*manifest)["lists"]) out.push_back(VersionFromJson(entry));
  return out;
}

Result<std::vector<LoadedList>> ListStore::LoadAll() const {
  auto manifest = ReadManifest(data_dir_);
  if (!manifest.ok()) return manifest.status();
  std::vector<LoadedList> out;
  for (const auto& entry : (*manifest)["lists"]) {
    const fs::path file =
        ListsDir(data_dir_) / entry.value("stored_dir", "") / entry.value("file_name", "");
    auto list = LoadListFile(file.string());
    if (!list.ok()) return list.status();
    if (list->version.sha256 != entry.value("sha256", "")) {
      return Status::Error(ErrorCode::kDataError, file.string(),
                           "content hash differs from the manifest; re-import the list");
    }
    out.push_back(std::move(list).value());
  }
  return out;
}

namespace {

// What the cache must have been built from: this executable (its size and modification time, so
// a rebuilt exportctl with another scorer never reads an old cache) and the imported files (list
// ids and SHA-256 from the manifest, in order). Empty when the executable cannot be identified.
std::string IndexCacheKey(const json& manifest) {
  std::string key;
  for (const auto& entry : manifest["lists"]) {
    key.append(";").append(entry.value("list_id", ""));
    key.append("=").append(entry.value("sha256", ""));
  }
  return key;
}

// This executable (path, size, modification time): a cache written by another build is not read.
std::string ExecutableKey() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const auto size = fs::file_size(exe, ec);
  if (ec) return "";
  const auto mtime = fs::last_write_time(exe, ec);
  if (ec) return "";
  return exe.string() + ":" + std::to_string(size) + ":" + std::to_string(mtime.time_since_epoch().count());
}

}  // namespace

Result<std::unique_ptr<Screener>> ListStore::OpenIndex() const {
  auto manifest = ReadManifest(data_dir_);
  if (!manifest.ok()) return manifest.status();
  if ((*manifest)["lists"].empty()) {
    return Status::Error(
        ErrorCode::kNotFound, "lists",
        "no restricted-party list imported in " + data_dir_ + "; run `exportctl lists import FILE`");
  }
  std::optional<exportctl::Status> failed;
  auto index = internal::CachedScreener(DataDir(data_dir_).screen_index(), IndexCacheKey(*manifest), [&]() -> std::unique_ptr<Screener> {
    auto lists = LoadAll();
    if (!lists.ok()) {
      failed = lists.status();
      return nullptr;
    }
    return Screener::Build(std::move(lists).value());
  });
  if (!index) return failed.value_or(exportctl::Status::Error(ErrorCode::kUnavailable, "lists", "cannot build the screening index"));
  return index;
}

namespace internal {

std::unique_ptr<Screener> CachedScreener(const std::string& cache_path, const std::string& content_key,
                                         const std::function<std::unique_ptr<Screener>()>& build) {
  const std::string exe = ExecutableKey();
  const std::string key = exe.empty() ? "" : exe + content_key;
  const fs::path cache = cache_path;
  if (!key.empty()) {
    // Mapped, not read: the index's arrays are used in place and only the records a query shows
    // are parsed (docs/screening.md, "Index cache"). The file is only ever replaced by rename,
    // never rewritten in place, so the mapping stays valid while this process holds it.
    const int fd = ::open(cache.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && st.st_size > 0) {
      const size_t size = static_cast<size_t>(st.st_size);
      // Not populated: a single query reads the pages it touches and the sections checked on
      // open; the rest (most of the records and key slots) is checked and read only when used.
      void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (map != MAP_FAILED) {
        std::shared_ptr<const void> owner(map, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
        if (auto index = DeserializeScreener(owner, std::string_view(static_cast<const char*>(map), size), key,
                                             cache.string())) {
          ::close(fd);
          return index;
        }
      }
    }
    if (fd >= 0) ::close(fd);
  }
  std::unique_ptr<Screener> index = build();
  if (index && !key.empty()) {
    // The temporary name is per process, so concurrent writers never mix their bytes.
    const std::string bytes = SerializeScreener(*index, key);
    const fs::path tmp = cache.string() + "." + std::to_string(getpid()) + ".tmp";
    std::error_code ec;
    fs::create_directories(cache.parent_path(), ec);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (out) {
      fs::rename(tmp, cache, ec);
    }
    if (!out || ec) fs::remove(tmp, ec);
  }
  return index;
}

}  // namespace internal

Status CheckDisposition(const Disposition& d, Date today, int horizon_days) {
  EXPORTCTL_RETURN_IF_ERROR(CheckText("party", d.party, {.required = true, .max_chars = 300}));
  EXPORTCTL_RETURN_IF_ERROR(CheckText("record_id", d.record_id, {.required = true, .max_chars = 200}));
  EXPORTCTL_RETURN_IF_ERROR(CheckText("reason", d.reason, {.required = true, .max_chars = 1000}));
  EXPORTCTL_RETURN_IF_ERROR(CheckText("cleared_by", d.cleared_by, {.required = false, .max_chars = 200}));
  if (!d.expires.valid()) return Status::Invalid("expires", "must be a date (YYYY-MM-DD)");
  if (!today.valid()) return Status::Invalid("cleared_on", "must be the date the clearance is made (YYYY-MM-DD)");
  return CheckExpiry("expires", d.expires, today, horizon_days);
}

Status DispositionStore::Add(const Disposition& d, int horizon_days) const {
  auto today = Date::Parse(d.cleared_on);
  EXPORTCTL_RETURN_IF_ERROR(CheckDisposition(d, today.ok() ? *today : Date(), horizon_days));
  const fs::path path = DataDir(data_dir_).dispositions();
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::app);
  if (!out)
    return Status::Error(ErrorCode::kUnavailable, "data_dir", "cannot write " + path.string());
  const json j{{"party", d.party},
               {"record_id", d.record_id},
               {"record_hash", d.record_hash},
               {"reason", d.reason},
               {"expires", d.expires.ToString()},
               {"cleared_by", d.cleared_by},
               {"cleared_on", d.cleared_on}};
  out << j.dump() << '\n';
  out.flush();
  if (!out)
    return Status::Error(ErrorCode::kUnavailable, "data_dir", "write failed: " + path.string());
  return Status::Ok();
}

Result<std::vector<Disposition>> DispositionStore::LoadAll() const {
  const fs::path path = DataDir(data_dir_).dispositions();
  std::vector<Disposition> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    try {
      const json j = json::parse(line);
      Disposition d;
      d.party = j.value("party", "");
      d.record_id = j.value("record_id", "");
      d.record_hash = j.value("record_hash", "");
      d.reason = j.value("reason", "");
      d.cleared_by = j.value("cleared_by", "");
      d.cleared_on = j.value("cleared_on", "");
      auto expires = Date::Parse(j.value("expires", ""));
      if (!expires.ok()) {
        return Status::Error(ErrorCode::kDataError,
                             "dispositions.jsonl:" + std::to_string(line_number),
                             "bad expires date");
      }
      d.expires = *expires;
      out.push_back(std::move(d));
    } catch (const json::exception& e) {
      // A torn last line (crash during append) is ignored; anything earlier is corruption.
      if (in.peek() == EOF) break;
      return Status::Error(ErrorCode::kDataError,
                           "dispositions.jsonl:" + std::to_string(line_number), e.what());
    }
  }
  return out;
}

bool Clears(const Disposition& d, std::string_view party, const ListRecord& record, Date as_of) {
  return FoldToAscii(d.party) == FoldToAscii(party) && d.record_id == record.record_id &&
         d.record_hash == record.ContentHash() && as_of < d.expires;
}

}  // namespace exportctl::screen

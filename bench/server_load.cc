// Loopback load test of the HTTP server: keep-alive connections driven by one epoll client thread
// (closed loop: each connection sends its next request when the previous answer arrives).
// Scenarios: a trivial route (GET /healthz: the HTTP layer's limit), POST /v1/check with the audit
// log off, and POST /v1/check with the audit log on (durable, group commit). After the
// sync=full scenario, the limit of the disk: the records it appended, appended again by as
// many threads as there are connections straight into a SQLite file of the same schema and
// durability (WAL, synchronous=FULL, 16 KiB pages), one INSERT + COMMIT each ("raw"), and the
// same records through the audit log alone, without HTTP ("log alone").
//
//   server_load [--seconds 3] [--connections 32] [--threads 64] [--postgres URL] [--only TEXT]
// With --postgres, two more scenarios keep the audit log in that PostgreSQL database (as a server
// on a shared PostgreSQL ledger does); records are appended to the log there.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_log.h"
#include "audit/key_store.h"
#include "data/dataset.h"
#include "determine/engine.h"
#include "server/server.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace exportctl;

constexpr char kTransaction[] =
    R"({"reference":"SO-1","as_of":"2025-06-01","destination":"CN",)"
    R"("items":[{"chip":"H100 SXM5 80GB","quantity":10}],)"
    R"("parties":[{"role":"ultimate_consignee","name":"X","country":"CN","headquarters":"CN","ultimate_parent_headquarters":"CN"}]})";

struct Conn {
  int fd = -1;
  std::string in;
  Clock::time_point sent;
};

struct LoadResult {
  double seconds = 0;
  uint64_t ok = 0, errors = 0;
  std::map<int, uint64_t> failures;  // status (0 = connection closed) → count
  std::vector<double> latencies_us;
  double rps() const { return static_cast<double>(ok) / seconds; }
  double Percentile(double p) {
    if (latencies_us.empty()) return 0;
    std::sort(latencies_us.begin(), latencies_us.end());
    return latencies_us[std::min(latencies_us.size() - 1,
                                 static_cast<size_t>(p * static_cast<double>(latencies_us.size())))];
  }
};

// Returns the length of one complete response at the start of buf (0 = incomplete); *status set.
size_t CompleteResponse(const std::string& buf, int* status) {
  const size_t header_end = buf.find("\r\n\r\n");
  if (header_end == std::string::npos) return 0;
  *status = std::atoi(buf.c_str() + 9);
  size_t length = 0;
  const char* cl = strcasestr(buf.c_str(), "Content-Length:");
  if (cl && cl < buf.c_str() + header_end) length = std::strtoul(cl + 15, nullptr, 10);
  const size_t total = header_end + 4 + length;
  return buf.size() >= total ? total : 0;
}

LoadResult Drive(int port, const std::string& request, int connections, double seconds) {
  const int ep = epoll_create1(0);
  std::vector<Conn> conns(static_cast<size_t>(connections));
  for (size_t i = 0; i < conns.size(); ++i) {
    Conn& c = conns[i];
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("connect");
      std::exit(1);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  LoadResult result;
  result.latencies_us.reserve(1 << 20);
  auto send_one = [&](Conn& c) {
    c.sent = Clock::now();
    size_t off = 0;
    while (off < request.size()) {
      const ssize_t n = ::send(c.fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  };
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (auto& c : conns) send_one(c);
  std::vector<epoll_event> events(static_cast<size_t>(connections));
  char buf[65536];
  size_t open = conns.size();
  while (open > 0) {
    const int n = epoll_wait(ep, events.data(), connections, 100);
    const auto now = Clock::now();
    for (int e = 0; e < n; ++e) {
      Conn& c = conns[events[static_cast<size_t>(e)].data.u64];
      const ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
      if (got <= 0) {
        ++result.errors;
        ++result.failures[0];
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        --open;
        continue;
      }
      c.in.append(buf, static_cast<size_t>(got));
      int status = 0;
      const size_t len = CompleteResponse(c.in, &status);
      if (len == 0) continue;
      c.in.erase(0, len);
      if (status == 200) {
        ++result.ok;
        result.latencies_us.push_back(std::chrono::duration<double, std::micro>(now - c.sent).count());
      } else {
        ++result.errors;
        ++result.failures[status];
      }
      if (now < end) {
        send_one(c);
      } else {
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        --open;
      }
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(ep);
  return result;
}

// Runs `threads` threads for `seconds`, each calling append(record) with the records in turn;
// returns the successful appends per second. `open(t)` gives thread t its append function.
double AppendsPerSecond(const std::vector<audit::AuditRecord>& records, int threads, double seconds,
                        const std::function<std::function<bool(const audit::AuditRecord&)>(int)>& open) {
  std::atomic<uint64_t> done{0};
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto append = open(t);
      for (size_t i = static_cast<size_t>(t); Clock::now() < end; i += static_cast<size_t>(threads)) {
        if (append(records[i % records.size()])) ++done;
      }
    });
  }
  for (auto& t : pool) t.join();
  return static_cast<double>(done.load()) / std::chrono::duration<double>(Clock::now() - start).count();
}

// A raw SQLite append: its own connection, one INSERT + COMMIT per record (WAL,
// synchronous=FULL, 16 KiB pages, the audit log's table and indexes).
class RawAppender {
 public:
  RawAppender(const std::string& path, int thread) : thread_(std::to_string(thread)) {
    sqlite3_open(path.c_str(), &db_);
    sqlite3_busy_timeout(db_, 60000);
    sqlite3_exec(db_, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(db_,
                       "INSERT INTO audit_records(id, kind, time, actor, payload, prev_hash, hash) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       -1, &insert_, nullptr);
  }
  ~RawAppender() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  static void CreateSchema(const std::string& path) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
                 "CREATE TABLE IF NOT EXISTS audit_records (seq INTEGER PRIMARY KEY, id TEXT NOT NULL "
                 "UNIQUE, kind TEXT NOT NULL, time TEXT NOT NULL, actor TEXT NOT NULL, payload TEXT NOT "
                 "NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
                 "CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records(time);",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  bool Append(const audit::AuditRecord& r) {
    const std::string id = r.id + "-" + thread_ + "-" + std::to_string(++count_);
    const std::string time = audit::FormatTime(std::chrono::system_clock::now());
    sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    int i = 0;
    for (const std::string* v : {&id, &r.kind, &time, &r.actor, &r.payload, &r.prev_hash, &r.hash}) {
      sqlite3_bind_text(insert_, ++i, v->data(), static_cast<int>(v->size()), SQLITE_STATIC);
    }
    const bool inserted = sqlite3_step(insert_) == SQLITE_DONE;
    sqlite3_reset(insert_);
    if (inserted && sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) return true;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }

 private:
  std::string thread_;
  uint64_t count_ = 0;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

std::string PostRequest(const std::string& path, const std::string& token, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int connections = 32, threads = 64;
  std::string postgres, only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--postgres") postgres = argv[i + 1];
    if (a == "--only") only = argv[i + 1];
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    if (a == "--connections") connections = std::atoi(argv[i + 1]);
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
  }
  auto data = Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR);
  if (!data.ok()) {
    std::fprintf(stderr, "%s\n", data.status().ToString().c_str());
    return 1;
  }
  Engine engine(**data);
  const auto dir = std::filesystem::temp_directory_path() / ("server_load_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto keys = audit::KeyStore::Open((dir / "keys.sqlite").string());
  const std::string token = (*keys)->Create(audit::Role::kAnalyst, "bench")->token;

  struct Scenario {
    const char* name;
    bool audit;
    audit::Durability durability;
    std::string request;
    std::string location;  // "" = a fresh audit.sqlite
  };
  const std::string check = PostRequest("/v1/check", token, kTransaction);
  std::vector<Scenario> scenarios = {
      {"GET /healthz (trivial route)", false, audit::Durability::kFsync,
       "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"},
      {"POST /v1/check, audit off", false, audit::Durability::kFsync, check},
      {"POST /v1/check, audit sync=normal", true, audit::Durability::kProcessCrash, check},
      {"POST /v1/check, audit sync=full", true, audit::Durability::kFsync, check},
  };
  if (!postgres.empty()) {
    scenarios.push_back({"POST /v1/check, audit PG sync=normal", true,
                         audit::Durability::kProcessCrash, check, postgres});
    scenarios.push_back(
        {"POST /v1/check, audit PG sync=full", true, audit::Durability::kFsync, check, postgres});
  }
  std::printf("server_load: %d keep-alive connections, %d server threads, %.1f s per scenario, %u cores\n",
              connections, threads, seconds, std::thread::hardware_concurrency());
  std::printf("%-38s %12s %10s %10s %10s %8s\n", "scenario", "requests/s", "p50 us", "p99 us", "p99.9 us", "errors");
  double trivial_rps = 0, check_rps = 0;
  for (const auto& s : scenarios) {
    if (!only.empty() && std::string(s.name).find(only) == std::string::npos) continue;
    std::filesystem::remove(dir / "audit.sqlite");
    std::filesystem::remove(dir / "audit.sqlite-wal");
    std::filesystem::remove(dir / "audit.sqlite-shm");
    auto log = audit::OpenAuditLog(
        {.location = s.location.empty() ? (dir / "audit.sqlite").string() : s.location,
         .clock = {},
         .read_only = false,
         .durability = s.durability});
    if (!log.ok()) {
      std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
      return 1;
    }
    server::ServerOptions options;
    options.port = 0;
    options.threads = threads;
    options.audit_decisions = s.audit;
    server::Server srv(options, {.dataset = data->get(), .engine = &engine, .audit = log->get(),
                                 .keys = keys->get(), .ledger = nullptr, .screen = nullptr});
    if (!srv.Start().ok()) return 1;
    Drive(srv.port(), s.request, connections, 0.3);  // warm-up
    LoadResult r = Drive(srv.port(), s.request, connections, seconds);
    srv.Stop();
    if (s.request != check) trivial_rps = r.rps();
    if (!s.audit && s.request == check) check_rps = r.rps();
    std::printf("%-38s %12.0f %10.0f %10.0f %10.0f %8llu  ", s.name, r.rps(), r.Percentile(0.5),
                r.Percentile(0.99), r.Percentile(0.999), static_cast<unsigned long long>(r.errors));
    if (trivial_rps > 0) std::printf(" %.2f of trivial", r.rps() / trivial_rps);
    if (check_rps > 0) std::printf(" %.2f of audit off", r.rps() / check_rps);
    std::printf("\n");
    for (const auto& [status, count] : r.failures) {
      std::printf("    %llu responses with %s %d\n", static_cast<unsigned long long>(count),
                  status == 0 ? "connection closed, status" : "HTTP status", status);
    }
    std::fflush(stdout);
    if (s.audit && s.location.empty() && s.durability == audit::Durability::kFsync) {
      // The limit of this disk at this concurrency, with the records just appended.
      std::vector<audit::AuditRecord> records;
      (void)(*log)->Scan({}, [&](const audit::AuditRecord& rec) {
        records.push_back(rec);
        return records.size() < 1000;
      });
      if (records.empty()) continue;
      const std::string raw_path = (dir / "raw.sqlite").string();
      RawAppender::CreateSchema(raw_path);
      std::vector<std::unique_ptr<RawAppender>> appenders(static_cast<size_t>(connections));
      const double raw = AppendsPerSecond(records, connections, seconds, [&](int t) {
        auto& a = appenders[static_cast<size_t>(t)];
        a = std::make_unique<RawAppender>(raw_path, t);
        return [&a](const audit::AuditRecord& r) { return a->Append(r); };
      });
      std::printf("%-38s %12.0f %43s   (sync=full server: %.2f of it)\n",
                  "raw SQLite appends, sync=full", raw, "", r.rps() / raw);
      auto alone = audit::OpenAuditLog({.location = (dir / "alone.sqlite").string(), .clock = {},
                                        .read_only = false, .durability = audit::Durability::kFsync});
      if (!alone.ok()) continue;
      audit::AuditLog& log_alone = **alone;
      const double log_rate = AppendsPerSecond(records, connections, seconds, [&](int) {
        return [&log_alone](const audit::AuditRecord& r) {
          return log_alone.Append({.id = "", .kind = r.kind, .actor = r.actor, .payload = r.payload}).ok();
        };
      });
      std::printf("%-38s %12.0f %43s   (sync=full server: %.2f of it)\n",
                  "audit log alone (no HTTP), sync=full", log_rate, "", r.rps() / log_rate);
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}

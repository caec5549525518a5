// Loopback load test of the HTTP server: keep-alive connections driven by one epoll client thread
// (closed loop: each connection sends its next request when the previous answer arrives).
// Scenarios: a trivial route (GET /healthz: the HTTP layer's limit), POST /v1/check with the audit
// log off, and POST /v1/check with the audit log on (durable, group commit).
//
//   server_load [--seconds 3] [--connections 32] [--threads 64] [--postgres URL]
// With --postgres, two more scenarios keep the audit log in that PostgreSQL database (as a server
// on a shared PostgreSQL ledger does); records are appended to the log there.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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

std::string PostRequest(const std::string& path, const std::string& token, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int connections = 32, threads = 64;
  std::string postgres;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--postgres") postgres = argv[i + 1];
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
  double trivial_rps = 0;
  for (const auto& s : scenarios) {
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
    if (trivial_rps == 0) trivial_rps = r.rps();
    std::printf("%-38s %12.0f %10.0f %10.0f %10.0f %8llu   (%.2f of trivial)\n", s.name, r.rps(),
                r.Percentile(0.5), r.Percentile(0.99), r.Percentile(0.999),
                static_cast<unsigned long long>(r.errors), r.rps() / trivial_rps);
    for (const auto& [status, count] : r.failures) {
      std::printf("    %llu responses with %s %d\n", static_cast<unsigned long long>(count),
                  status == 0 ? "connection closed, status" : "HTTP status", status);
    }
    std::fflush(stdout);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

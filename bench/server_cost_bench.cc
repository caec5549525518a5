// Cost per item of the HTTP server path by request size (Google Benchmark): POST /v1/check/batch
// with 10, 100, 1,000 and 4,000 lines and POST /v1/check with 10, 100 and 1,000 items, over a
// keep-alive connection on 127.0.0.1 to a server started in-process, with the audit log on
// (SQLite, sync=normal) and off. The figures to read are `per_item` (wall) and `cpu_per_item_us`
// (the process's CPU time, server and client): neither should grow with the size
// (docs/PERFORMANCE.md, "Cost per item by request size").
//
//   build/bench/server_cost_bench [--benchmark_filter=Batch] [--benchmark_min_time=0.5]
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "audit/key_store.h"
#include "data/dataset.h"
#include "determine/engine.h"
#include "server/server.h"

namespace exportctl {
namespace {

constexpr char kParty[] =
    R"("parties":[{"role":"ultimate_consignee","name":"X","country":"CN","headquarters":"CN"}]})";
constexpr char kLine[] =
    R"({"reference":"SO-1","as_of":"2025-06-01","destination":"CN",)"
    R"("items":[{"chip":"H100 SXM5 80GB","quantity":10}],)"
    R"("parties":[{"role":"ultimate_consignee","name":"X","country":"CN","headquarters":"CN"}]})";

// One server per (audit on/off), kept for the whole run.
class Fixture {
 public:
  explicit Fixture(bool audit) {
    data_ = std::move(Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR)).value();
    engine_ = std::make_unique<Engine>(*data_);
    dir_ = std::filesystem::temp_directory_path() /
           ("server_cost_bench_" + std::to_string(::getpid()) + (audit ? "_audit" : ""));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    keys_ = std::move(audit::KeyStore::Open((dir_ / "keys.sqlite").string())).value();
    token_ = keys_->Create(audit::Role::kAnalyst, "bench")->token;
    log_ = std::move(audit::OpenAuditLog({.location = (dir_ / "audit.sqlite").string(),
                                          .clock = {},
                                          .read_only = false,
                                          .durability = audit::Durability::kProcessCrash}))
               .value();
    server::ServerOptions options;
    options.port = 0;
    options.audit_decisions = audit;
    server_ = std::make_unique<server::Server>(
        options, server::ServerDeps{.dataset = data_.get(), .engine = engine_.get(),
                                    .audit = log_.get(), .keys = keys_.get(), .ledger = nullptr,
                                    .screen = nullptr});
    if (!server_->Start().ok()) std::abort();
  }
  ~Fixture() {
    server_->Stop();
    std::filesystem::remove_all(dir_);
  }
  int port() const { return server_->port(); }
  const std::string& token() const { return token_; }

  static Fixture& Get(bool audit) {
    static Fixture off(false), on(true);
    return audit ? on : off;
  }

 private:
  std::unique_ptr<Dataset> data_;
  std::unique_ptr<Engine> engine_;
  std::filesystem::path dir_;
  std::unique_ptr<audit::KeyStore> keys_;
  std::string token_;
  std::unique_ptr<audit::AuditLog> log_;
  std::unique_ptr<server::Server> server_;
};

// A blocking keep-alive client: sends one request, reads one whole response.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  }
  ~Client() { ::close(fd_); }

  // Returns the status; the body is discarded.
  int RoundTrip(const std::string& request) {
    for (size_t off = 0; off < request.size();) {
      const ssize_t n = ::send(fd_, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return 0;
      off += static_cast<size_t>(n);
    }
    in_.clear();
    size_t header_end = std::string::npos, total = 0;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return 0;
      in_.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = in_.find("\r\n\r\n");
        if (header_end == std::string::npos) continue;
        const char* cl = strcasestr(in_.c_str(), "Content-Length:");
        total = header_end + 4 + (cl ? std::strtoul(cl + 15, nullptr, 10) : 0);
      }
      if (in_.size() >= total) return std::atoi(in_.c_str() + 9);
    }
  }

 private:
  int fd_ = -1;
  std::string in_;
};

// CPU seconds of the whole process (the server's threads and the client), user + system: on a
// shared machine this moves less than the wall time, which includes other people's work.
double ProcessCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string Post(const std::string& path, const std::string& token, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

void Run(benchmark::State& state, const std::string& path, const std::string& body, bool audit) {
  Fixture& f = Fixture::Get(audit);
  Client client(f.port());
  const std::string request = Post(path, f.token(), body);
  const int64_t n = state.range(0);
  const double cpu0 = ProcessCpuSeconds();
  for (auto _ : state) {
    if (client.RoundTrip(request) != 200) {
      state.SkipWithError("the server did not answer 200");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["per_item"] = benchmark::Counter(
      static_cast<double>(state.iterations() * n),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["cpu_per_item_us"] =
      (ProcessCpuSeconds() - cpu0) * 1e6 / static_cast<double>(state.iterations() * n);
}

std::string BatchBody(int64_t lines) {
  std::string body;
  for (int64_t i = 0; i < lines; ++i) (body += kLine) += '\n';
  return body;
}

std::string CheckBody(int64_t items) {
  std::string body = R"({"reference":"SO-1","as_of":"2025-06-01","destination":"CN","items":[)";
  for (int64_t i = 0; i < items; ++i) {
    if (i) body += ',';
    body += R"({"chip":"H100 SXM5 80GB","quantity":1})";
  }
  return body + "]," + kParty;
}

void BM_BatchAuditOff(benchmark::State& s) { Run(s, "/v1/check/batch", BatchBody(s.range(0)), false); }
void BM_BatchAuditOn(benchmark::State& s) { Run(s, "/v1/check/batch", BatchBody(s.range(0)), true); }
void BM_CheckItemsAuditOff(benchmark::State& s) { Run(s, "/v1/check", CheckBody(s.range(0)), false); }
void BM_CheckItemsAuditOn(benchmark::State& s) { Run(s, "/v1/check", CheckBody(s.range(0)), true); }

// Wall time: the server's threads do the work, not the benchmark's.
BENCHMARK(BM_BatchAuditOff)->Arg(10)->Arg(100)->Arg(1000)->Arg(4000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BatchAuditOn)->Arg(10)->Arg(100)->Arg(1000)->Arg(4000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckItemsAuditOff)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckItemsAuditOn)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace exportctl

BENCHMARK_MAIN();

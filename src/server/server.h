// The HTTP API: the engine, the audit log and API keys behind JSON routes (docs/openapi.json).
//
//   Server server(options, {.dataset = data.get(), .engine = &engine, .audit = log.get(),
//                           .keys = keys.get()});
//   if (Status st = server.Start(); !st.ok()) …   // binds; port() is then known
//   server.Wait();                                // until Stop() (e.g. from a SIGTERM watcher)
//
// Every route except GET /healthz and the web console's files (GET /, /console/…) needs
// `Authorization: Bearer <key>`; viewer keys read, analyst keys check, classify, screen and
// simulate, officer keys reserve and change the ledger.
// Every decision is appended to the audit log before the response is sent: the check itself
// (decide, record the facts, reserve, audit) is check::Checker's (check/check.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "audit/audit_log.h"
#include "audit/key_store.h"
#include "core/date.h"
#include "core/status.h"
#include "server/backends.h"

namespace exportctl {
class Dataset;
class Engine;
}  // namespace exportctl

namespace exportctl::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                        // 0 = any free port
  size_t max_body_bytes = 1 << 20;        // larger bodies get 413
  size_t max_batch_lines = 10000;         // POST /v1/check/batch
  size_t max_simulate_orders = 10000;     // POST /v1/simulate, after the demand is expanded
  int max_json_depth = 32;                // deeper request JSON gets 400
  int threads = 64;                       // requests handled at once (worker threads)
  int io_threads = 0;                     // event loops for the connections; 0 = one per core
  // Against slow or greedy clients (README, "serve"): a request's header
  // and body must arrive within these times (else the connection is closed); an idle
  // keep-alive connection is closed after keep_alive_timeout.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds keep_alive_timeout{5'000};
  size_t max_connections = 10'000;            // open at once; more get 503
  size_t max_connections_per_client = 256;    // per client IP address; more get 503
  bool audit_decisions = true;            // false only for benchmarks of the audit cost
  std::function<Date()> today;            // the edge clock for a default as_of; default: UTC today
  bool log_requests = false;              // one line per request on stderr
};

struct ServerDeps {
  const Dataset* dataset = nullptr;       // required
  const Engine* engine = nullptr;         // required
  audit::AuditLog* audit = nullptr;       // required unless !options.audit_decisions
  audit::KeyStore* keys = nullptr;        // required
  LedgerService* ledger = nullptr;        // optional: absent → 503 on ledger routes
  ScreenService* screen = nullptr;        // optional: absent → 503 on screening routes
  OwnershipService* ownership = nullptr;  // optional: absent → 503 on ownership routes
  LicenseService* licenses = nullptr;     // optional: absent → 503 on license routes
};

class Server {
 public:
  Server(ServerOptions options, ServerDeps deps);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on a background thread.
  Status Start();
  int port() const;
  // Stops accepting; requests in flight finish; returns when the server thread has ended.
  void Stop();
  // Blocks until the server stops.
  void Wait();

  // (method, OpenAPI path) of every route, for the test that checks docs/openapi.json.
  static std::vector<std::pair<std::string, std::string>> Routes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI document embedded at build time from docs/openapi.json.
const std::string& OpenApiJson();

}  // namespace exportctl::server

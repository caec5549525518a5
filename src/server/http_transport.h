// The HTTP/1.1 connection layer of `exportctl serve` (Boost.Beast over Asio). It owns message
// framing (RFC 9112), limits and timeouts; it knows nothing of routes or keys:
//
//   HttpServer http(limits, {.head = …, .request = …, .error_body = …});
//   if (Status st = http.Bind("127.0.0.1", 0); !st.ok()) …
//   http.Run();      // serving on background threads
//   http.Stop();     // nothing new accepted; requests being handled finish
//
// Each request goes to `head` as soon as its header is in, before a byte of its body is read
// (so a caller without a valid key never makes the server read, let alone buffer, a body), and,
// when `head` admits it, to `request` with the whole body. Connections wait for bytes without
// holding a thread, so slow clients cost a socket and a timer, not a worker. `head` runs on the
// connection's event loop and must not block; `request` runs on a worker and may.
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace exportctl::server {

struct HttpRequest {
  std::string method;
  std::string target;       // as sent
  std::string path;         // target before '?', percent-decoded
  std::string remote_addr;
  std::string body;         // empty in `head`
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> params;  // decoded query parameters
  std::any state;           // what `head` wants to hand to `request`

  // The first header of that name (case-insensitive), or "".
  std::string get_header_value(std::string_view name) const;
  size_t header_count(std::string_view name) const;
  // The first query parameter of that name, or "".
  std::string get_param_value(std::string_view key) const;
  bool has_param(std::string_view key) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  void set_content(std::string content, std::string_view content_type);
  void set_header(std::string_view name, std::string value);
  std::string get_header_value(std::string_view name) const;
};

struct HttpLimits {
  size_t max_body_bytes = 1 << 20;      // counted as bytes arrive, chunked or not → 413
  size_t max_header_bytes = 8 * 1024;   // request line and header fields → 431
  // From the first byte of a request to the end of its header, and from there to the end of
  // its body: past them the connection is closed (a client trickling bytes loses it).
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds keep_alive_timeout{5'000};  // idle between requests, then closed
  std::chrono::milliseconds write_timeout{10'000};
  size_t max_connections = 10'000;            // open at once; more are refused with 503
  size_t max_connections_per_client = 256;    // per client IP address; more get 503
  int threads = 64;      // workers: requests handled at once (their handlers may block)
  int io_threads = 0;    // event loops reading and writing connections; 0 = one per core
};

struct HttpHandlers {
  // The request's header is in: answer (fill `res`, return false) or admit (return true).
  std::function<bool(HttpRequest& req, HttpResponse& res)> head;
  // An admitted request with its body.
  std::function<void(HttpRequest& req, HttpResponse& res)> request;
  // The body of a response the connection layer gives itself (400, 413, 431, 501, 503).
  std::function<std::string(int status, std::string_view message)> error_body;
};

class HttpServer {
 public:
  HttpServer(HttpLimits limits, HttpHandlers handlers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (port 0 = any free port).
  Status Bind(const std::string& host, int port);
  int port() const;
  // Serves on `limits.io_threads` event loops and `limits.threads` workers, in the background.
  void Run();
  // Stops accepting and closes idle connections; requests being handled finish and their
  // responses are written; returns when every thread has ended.
  void Stop();

  struct Impl;  // defined in http_transport.cc (its connections use it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace exportctl::server

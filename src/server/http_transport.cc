// One Session per connection, its handlers serialised on a strand: wait for bytes (idle,
// keep-alive timeout), read the header (header timeout), let `head` answer or admit, read the
// body (body timeout, body limit counted as bytes arrive), handle, write, repeat. Requests that
// arrive together (pipelining) stay in the read buffer and are answered in order.
//
// Threads: connections live on one event loop per I/O thread (one per core by default, each
// with its own io_context, so the loops share no queue); admitted requests are handled on a
// separate pool of workers, and their responses written back on the connection's loop. A slow
// handler (an fsync, a database round trip) holds a worker, never a loop.
#include "server/http_transport.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace exportctl::server {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX → byte; with plus_is_space (query strings) '+' → ' '. Malformed escapes stay as sent.
std::string Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

void ParseQuery(std::string_view q, std::vector<std::pair<std::string, std::string>>* out) {
  while (!q.empty()) {
    const size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    out->emplace_back(Decode(part.substr(0, eq), true),
                      eq == std::string_view::npos ? "" : Decode(part.substr(eq + 1), true));
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const char* ReasonFor(int status) {
  return http::obsolete_reason(static_cast<http::status>(status)).data();
}

}  // namespace

// ---- Request and response -----------------------------------------------------------------

std::string HttpRequest::get_header_value(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return "";
}

size_t HttpRequest::header_count(std::string_view name) const {
  size_t n = 0;
  for (const auto& h : headers) n += IEquals(h.first, name) ? 1 : 0;
  return n;
}

std::string HttpRequest::get_param_value(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return "";
}

bool HttpRequest::has_param(std::string_view key) const {
  for (const auto& p : params) {
    if (p.first == key) return true;
  }
  return false;
}

void HttpResponse::set_content(std::string content, std::string_view content_type) {
  body = std::move(content);
  set_header("Content-Type", std::string(content_type));
}

void HttpResponse::set_header(std::string_view name, std::string value) {
  for (auto& [k, v] : headers) {
    if (IEquals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::move(value));
}

std::string HttpResponse::get_header_value(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return "";
}

// ---- Server -------------------------------------------------------------------------------

class Session;

struct HttpServer::Impl {
  Impl(HttpLimits l, HttpHandlers h)
      : limits(std::move(l)), handlers(std::move(h)), loops(LoopCount(limits)),
        acceptor(loops.front()) {}

  static size_t LoopCount(const HttpLimits& l) {
    if (l.io_threads > 0) return static_cast<size_t>(l.io_threads);
    return std::max(1u, std::thread::hardware_concurrency());
  }

  HttpLimits limits;
  HttpHandlers handlers;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  int port = 0;

  // Open connections, per client address and in all; sessions, to close idle ones on Stop.
  std::mutex mu;
  std::condition_variable all_closed;
  size_t open = 0;
  std::unordered_map<std::string, size_t> per_client;
  std::map<Session*, std::weak_ptr<Session>> sessions;

  // Declared last, destroyed first: handlers still queued own sessions, whose destructors
  // use the members above. The workers go first (Stop has joined them), then the loops.
  std::deque<net::io_context> loops;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::atomic<size_t> next_loop{0};
  tcp::acceptor acceptor;
  std::optional<net::thread_pool> workers;

  void Accept();
  void OnAccept(tcp::socket socket);
  void Refuse(tcp::socket socket, int status, std::string_view message);
  void Release(Session* s, const std::string& client);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl* server, tcp::socket&& socket, std::string client)
      : server_(server), stream_(std::move(socket)), client_(std::move(client)) {}
  ~Session() { server_->Release(this, client_); }

  void Start() { WaitForRequest(); }

  // On Stop: a connection that is not handling a request or writing its response is closed
  // now; one that is closes after the write.
  void CloseIfIdle() {
    if (state_ != State::kHandling && state_ != State::kWriting) CloseNow();
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kDraining, kClosed };

  const HttpLimits& limits() const { return server_->limits; }

  void WaitForRequest() {
    if (server_->stopping) return CloseNow();
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    state_ = State::kIdle;
    stream_.expires_after(first_ ? limits().header_timeout : limits().keep_alive_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->CloseNow();
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    first_ = false;
    state_ = State::kReading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().max_header_bytes));
    // The body limit is applied once the caller is admitted; a declared length is checked
    // then too (an unauthenticated caller learns nothing from it).
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(limits().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return CloseNow();
    }
    // On a timeout the stream has already closed the socket: there is no one to answer.
    if (ec == beast::error::timeout) return CloseNow();
    if (ec == http::error::header_limit) return Refuse(431, "the request header is too large");
    if (ec) return Refuse(400, "malformed request: " + ec.message());

    auto& msg = parser_->get();
    req_ = HttpRequest{};
    res_ = HttpResponse{};
    req_.method = std::string(msg.method_string());
    req_.target = std::string(msg.target());
    req_.remote_addr = client_;
    for (const auto& field : msg) {
      req_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (std::string refusal = FramingProblem(msg); !refusal.empty()) {
      return Refuse(refusal[0] == '5' ? 501 : 400, refusal.substr(1));
    }
    const std::string_view target = req_.target;
    const size_t q = target.find('?');
    req_.path = Decode(target.substr(0, q), false);
    if (q != std::string_view::npos) ParseQuery(target.substr(q + 1), &req_.params);
    keep_alive_ = msg.keep_alive();
    head_only_ = msg.method() == http::verb::head;

    if (!server_->handlers.head(req_, res_)) {
      // Answered from the header alone; an unread body makes the connection unusable.
      if (!parser_->is_done()) keep_alive_ = false;
      return Respond();
    }
    if (parser_->is_done()) return Handle();
    if (parser_->content_length() && *parser_->content_length() > limits().max_body_bytes) {
      return Refuse(413, "the request body is too large");
    }
    if (IEquals(Trim(req_.get_header_value("Expect")), "100-continue")) {
      stream_.expires_after(limits().write_timeout);
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->CloseNow();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  // RFC 9112 §6: a request whose length is ambiguous must not be guessed at. Beast refuses
  // Content-Length with Transfer-Encoding, differing or malformed lengths ("+17"); this adds
  // the rest. Returns "" or a code ('4' → 400, '5' → 501) followed by the reason.
  std::string FramingProblem(const http::request<http::string_body>& msg) const {
    const size_t te = req_.header_count("Transfer-Encoding");
    if (te > 0) {
      if (msg.version() < 11) return "4Transfer-Encoding in an HTTP/1.0 request";
      if (te > 1) return "4more than one Transfer-Encoding field";
      const std::string te_value = req_.get_header_value("Transfer-Encoding");  // owns the bytes Trim views
      const std::string_view coding = Trim(te_value);
      if (!IEquals(coding, "chunked")) {
        const size_t comma = coding.rfind(',');
        const std::string_view last =
            Trim(comma == std::string_view::npos ? coding : coding.substr(comma + 1));
        if (!IEquals(last, "chunked")) return "4chunked is not the last transfer coding";
        return "5only the chunked transfer coding is supported";
      }
    }
    const size_t hosts = req_.header_count("Host");
    if (hosts > 1 || (hosts == 0 && msg.version() >= 11)) {
      return "4an HTTP/1.1 request needs exactly one Host field";
    }
    if (req_.header_count("Authorization") > 1) return "4more than one Authorization field";
    for (const auto& [name, value] : req_.headers) {
      for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) return "4a control character in field " + name;
      }
    }
    if (req_.target.empty() || (req_.target[0] != '/' && req_.target != "*")) {
      return "4the request target must be a path";
    }
    return "";
  }

  void ReadBody() {
    parser_->body_limit(limits().max_body_bytes);
    stream_.expires_after(limits().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnBody(ec);
                     });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) return Refuse(413, "the request body is too large");
    if (ec == beast::error::timeout) return CloseNow();
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return CloseNow();
    }
    if (ec) return Refuse(400, "malformed request body: " + ec.message());
    Handle();
  }

  // On a worker: the connection's loop goes on serving other connections meanwhile. Only
  // this session touches req_ and res_ until the response is posted back to its strand.
  void Handle() {
    req_.body = std::move(parser_->get().body());
    state_ = State::kHandling;
    stream_.expires_never();  // the handler's time is not the client's: no socket timeout
    net::post(*server_->workers, [self = shared_from_this()] {
      self->server_->handlers.request(self->req_, self->res_);
      net::post(self->executor(), [self] { self->Respond(); });
    });
  }

  // The connection layer's own refusals close the connection: what follows in the stream
  // cannot be trusted to start a request.
  void Refuse(int status, const std::string& message) {
    res_ = HttpResponse{};
    res_.status = status;
    res_.set_content(server_->handlers.error_body(status, message), "application/json");
    keep_alive_ = false;
    head_only_ = false;
    Respond();
  }

  void Respond() {
    if (server_->stopping) keep_alive_ = false;
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(res_.status));
    for (auto& [k, v] : res_.headers) out->insert(k, v);
    if (head_only_) {
      out->set(http::field::content_length, std::to_string(res_.body.size()));
    } else {
      out->body() = std::move(res_.body);
      out->prepare_payload();
    }
    out->keep_alive(keep_alive_);
    state_ = State::kWriting;
    stream_.expires_after(limits().write_timeout);
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out](beast::error_code ec, size_t) {
                        if (ec) return self->CloseNow();
                        if (!self->keep_alive_) return self->LingeringClose();
                        self->WaitForRequest();
                      });
  }

  // Closing a socket with unread input makes the kernel send a reset, which can destroy the
  // response before the client reads it. So: stop sending, discard what the client still
  // sends for a moment (bounded in bytes and time, never buffered), then close.
  void LingeringClose() {
    state_ = State::kDraining;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return CloseNow();
    drained_ = 0;
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > 4 * self->limits().max_body_bytes) {
                                return self->CloseNow();
                              }
                              self->Drain();
                            });
  }

  void CloseNow() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  HttpServer::Impl* server_;
  beast::tcp_stream stream_;
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest req_;
  HttpResponse res_;
  State state_ = State::kIdle;
  bool first_ = true;
  bool keep_alive_ = true;
  bool head_only_ = false;
  size_t drained_ = 0;
  char scratch_[16 * 1024];
};

void HttpServer::Impl::Accept() {
  // Connections go round the loops in turn.
  net::io_context& loop = loops[next_loop++ % loops.size()];
  acceptor.async_accept(
      net::make_strand(loop), [self = this](beast::error_code ec, tcp::socket socket) {
        if (self->stopping || !self->acceptor.is_open()) return;
        if (ec) {
          // Out of descriptors (or a transient failure): pause rather than spin.
          auto timer = std::make_shared<net::steady_timer>(self->loops.front(),
                                                           std::chrono::milliseconds(50));
          timer->async_wait([self, timer](beast::error_code) {
            if (!self->stopping) self->Accept();
          });
          return;
        }
        self->OnAccept(std::move(socket));
        self->Accept();
      });
}

void HttpServer::Impl::OnAccept(tcp::socket socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return;
  socket.set_option(tcp::no_delay(true), ec);
  std::string client = endpoint.address().to_string();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (open >= limits.max_connections) {
      return Refuse(std::move(socket), 503, "the server has too many open connections");
    }
    if (per_client[client] >= limits.max_connections_per_client) {
      return Refuse(std::move(socket), 503, "too many open connections from " + client);
    }
    ++open;
    ++per_client[client];
  }
  auto session = std::make_shared<Session>(this, std::move(socket), client);
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.emplace(session.get(), session);
  }
  net::dispatch(session->executor(), [session] { session->Start(); });
}

// A connection over a limit gets a short 503 and is closed; it never becomes a session.
void HttpServer::Impl::Refuse(tcp::socket socket, int status, std::string_view message) {
  const std::string body = handlers.error_body(status, message);
  auto state = std::make_shared<std::pair<tcp::socket, std::string>>(
      std::move(socket), "HTTP/1.1 " + std::to_string(status) + " " + ReasonFor(status) +
                             "\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  net::async_write(state->first, net::buffer(state->second),
                   [state](beast::error_code, size_t) {
                     beast::error_code ec;
                     state->first.shutdown(tcp::socket::shutdown_send, ec);
                     state->first.close(ec);
                   });
}

void HttpServer::Impl::Release(Session* s, const std::string& client) {
  std::lock_guard<std::mutex> lock(mu);
  sessions.erase(s);
  auto it = per_client.find(client);
  if (it != per_client.end() && --it->second == 0) per_client.erase(it);
  if (--open == 0) all_closed.notify_all();
}

HttpServer::HttpServer(HttpLimits limits, HttpHandlers handlers)
    : impl_(std::make_unique<Impl>(std::move(limits), std::move(handlers))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Bind(const std::string& host, int port) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return Status::Invalid("host", "not an IP address: " + host);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& a = impl_->acceptor;
  auto fail = [&](const char* what) {
    return Status::Error(ErrorCode::kUnavailable, "port",
                         std::string(what) + " " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
  };
  a.open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open");
  // SO_REUSEADDR only (no SO_REUSEPORT: a second server on the port must fail, not share it).
  a.set_option(net::socket_base::reuse_address(true), ec);
  a.bind(endpoint, ec);
  if (ec) return fail("cannot bind");
  a.listen(1024, ec);
  if (ec) return fail("cannot listen on");
  impl_->port = a.local_endpoint().port();
  return Status::Ok();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Run() {
  Impl& s = *impl_;
  s.workers.emplace(static_cast<size_t>(std::max(1, s.limits.threads)));
  s.Accept();
  for (auto& loop : s.loops) {
    // Kept running while idle: a loop with no connection yet must still take the ones it is given.
    s.guards.push_back(net::make_work_guard(loop));
    s.threads.emplace_back([&loop] { loop.run(); });
  }
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  if (s.threads.empty()) return;
  net::post(s.loops.front(), [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& [ptr, weak] : s.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  // Outside the lock: the last reference to a session may be dropped here, and its
  // destructor takes the lock.
  for (auto& session : live) {
    net::post(session->executor(), [session] { session->CloseIfIdle(); });
  }
  live.clear();
  {
    // Requests being handled finish and are answered (bounded by the write timeout).
    std::unique_lock<std::mutex> lock(s.mu);
    s.all_closed.wait_for(lock, s.limits.write_timeout + std::chrono::seconds(5),
                          [&] { return s.open == 0; });
  }
  // Handlers still running past that bound finish first; what they post back is dropped.
  s.workers->join();
  s.guards.clear();
  for (auto& loop : s.loops) loop.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace exportctl::server

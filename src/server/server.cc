// The HTTP front end. One dispatcher routes by exact path (no regular expressions on the hot
// path), authenticates, runs the handler and records metrics.
#include "server/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <condition_variable>
#include <mutex>
#include <cstring>
#include <ctime>
#include <deque>
#include <functional>
#include <iostream>
#include <thread>

#include "audit/idempotency.h"
#include "audit/replay.h"
#include "check/check.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "core/utf8.h"
#include "data/data_json.h"
#include "determine/destination_json.h"
#include "check/orders_csv.h"
#include "data/dataset.h"
#include "determine/decision_json.h"
#include "determine/json_utf8.h"
#include "determine/engine.h"
#include "ledger/ledger_json.h"
#include "server/console_assets.h"
#include "server/http_transport.h"
#include "server/metrics.h"
#include "server/request_json.h"
#include "data/agreements.h"
#include "ledger/ledger.h"
#include "simulate/scenario.h"

namespace exportctl::server {

using audit::ApiKeyInfo;
using audit::Role;
using Clock = std::chrono::steady_clock;

namespace {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDataError: return 500;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string ErrorJson(std::string_view code, std::string_view field, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("error").BeginObject();
  w.Field("code", code).Field("message", message).Field("field", field);
  w.EndObject().EndObject();
  return out;
}

void SendJson(HttpResponse& res, int status, std::string body) {
  res.status = status;
  // JSON echoes names from orders and lists: a browser must never sniff it as HTML.
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(std::move(body), "application/json");
}

void SendError(HttpResponse& res, int status, std::string_view code, std::string_view field,
               std::string_view message) {
  SendJson(res, status, ErrorJson(code, field, message));
}

void SendStatus(HttpResponse& res, const Status& st) {
  SendError(res, HttpStatusFor(st.code()), ErrorCodeName(st.code()), st.field(), st.message());
}

const char* DefaultCodeFor(int status) {
  switch (status) {
    case 400: return "invalid_input";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "too_large";
    case 431: return "too_large";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "invalid_input";
  }
}

}  // namespace

struct Server::Impl {
  struct Call {
    HttpRequest& req;
    HttpResponse& res;
    ApiKeyInfo key;
    std::string param;  // the {code} / {id} of the path, when the route has one
  };
  using Handler = void (Impl::*)(Call&);
  struct Route {
    const char* method;
    const char* path;         // OpenAPI path; routes with a {param} match by prefix
    std::optional<Role> role; // nullopt = public
    Handler handler;
  };

  static const std::vector<Route>& Table() {
    static const std::vector<Route> routes = {
        {"POST", "/v1/check", Role::kAnalyst, &Impl::HandleCheck},
        {"POST", "/v1/check/batch", Role::kAnalyst, &Impl::HandleCheckBatch},
        {"POST", "/v1/classify", Role::kAnalyst, &Impl::HandleClassify},
        {"POST", "/v1/simulate", Role::kAnalyst, &Impl::HandleSimulate},
        {"POST", "/v1/orders/csv", Role::kAnalyst, &Impl::HandleOrdersCsv},
        {"GET", "/v1/agreements", Role::kViewer, &Impl::HandleAgreements},
        {"POST", "/v1/jurisdiction", Role::kViewer, &Impl::HandleJurisdiction},
        {"GET", "/", std::nullopt, &Impl::HandleConsole},
        {"GET", "/console/{file}", std::nullopt, &Impl::HandleConsoleAsset},
        {"GET", "/v1/me", Role::kViewer, &Impl::HandleMe},
        {"GET", "/healthz", std::nullopt, &Impl::HandleHealth},
        {"GET", "/metrics", Role::kViewer, &Impl::HandleMetrics},
        {"GET", "/openapi.json", Role::kViewer, &Impl::HandleOpenApi},
        {"GET", "/v1/chips", Role::kViewer, &Impl::HandleChips},
        {"GET", "/v1/regimes", Role::kViewer, &Impl::HandleRegimes},
        {"GET", "/v1/countries", Role::kViewer, &Impl::HandleCountries},
        {"GET", "/v1/countries/{code}", Role::kViewer, &Impl::HandleCountry},
        {"GET", "/v1/decisions/{id}", Role::kViewer, &Impl::HandleDecision},
        {"GET", "/v1/audit", Role::kViewer, &Impl::HandleAuditList},
        {"GET", "/v1/audit/verify", Role::kViewer, &Impl::HandleAuditVerify},
        {"GET", "/v1/audit/replay/{id}", Role::kViewer, &Impl::HandleAuditReplay},
        {"GET", "/v1/audit/records/{id}", Role::kViewer, &Impl::HandleAuditRecord},
        {"GET", "/v1/screen", Role::kAnalyst, &Impl::HandleScreenGet},
        {"POST", "/v1/screen", Role::kAnalyst, &Impl::HandleScreenPost},
        {"POST", "/v1/screen/clear", Role::kOfficer, &Impl::HandleScreenClear},
        {"GET", "/v1/lists", Role::kViewer, &Impl::HandleLists},
        {"GET", "/consolidated_screening_list/v1/search", Role::kAnalyst, &Impl::HandleCslSearch},
        {"GET", "/consolidated_screening_list/v1/sources", Role::kViewer, &Impl::HandleCslSources},
        {"POST", "/match/{dataset}", Role::kAnalyst, &Impl::HandleMatch},
        {"GET", "/v1/ownership/{id}", Role::kViewer, &Impl::HandleOwnership},
        {"POST", "/v1/ownership/import", Role::kOfficer, &Impl::HandleOwnershipImport},
        {"GET", "/v1/licenses", Role::kViewer, &Impl::HandleLicenses},
        {"POST", "/v1/licenses", Role::kOfficer, &Impl::HandleLicenseAdd},
        {"GET", "/v1/licenses/{number}", Role::kViewer, &Impl::HandleLicense},
        {"GET", "/v1/ledger/balances", Role::kViewer, &Impl::HandleLedgerBalances},
        {"GET", "/v1/ledger/history", Role::kViewer, &Impl::HandleLedgerHistory},
        {"POST", "/v1/ledger/commit", Role::kOfficer, &Impl::HandleLedgerCommit},
        {"POST", "/v1/ledger/release", Role::kOfficer, &Impl::HandleLedgerRelease},
        {"POST", "/v1/ledger/adjust", Role::kOfficer, &Impl::HandleLedgerAdjust},
    };
    return routes;
  }

  static std::vector<std::string> MetricLabels() {
    std::vector<std::string> labels;
    for (const auto& r : Table()) labels.push_back(std::string(r.method) + " " + r.path);
    labels.push_back("unmatched");
    return labels;
  }

  Impl(ServerOptions o, ServerDeps d)
      : options(std::move(o)),
        deps(std::move(d)),
        metrics(MetricLabels()),
        checker_records(options.audit_decisions && deps.audit),
        checker({.dataset = deps.dataset,
                 .engine = deps.engine,
                 .screener = deps.screen ? deps.screen->screener() : nullptr,
                 .ledger = deps.ledger ? deps.ledger->ledger() : nullptr,
                 .audit = checker_records ? deps.audit : nullptr,
                 .ownership = deps.ownership ? deps.ownership->view() : nullptr,
                 .licenses = deps.licenses ? std::function([l = deps.licenses] { return l->Current(); })
                                           : std::function<std::shared_ptr<const LicenseView>()>()}) {
    if (!options.today) options.today = TodayUtc;
    std::string out;
    JsonWriter w(out);
    w.BeginArray();
    for (const auto& c : deps.dataset->chips()) WriteChipJson(c, w);
    w.EndArray();
    chips_json = std::move(out);
    for (int i = 0; i < Metrics::kOutcomes; ++i) {
      outcome_names.push_back(OutcomeName(static_cast<Outcome>(i)));
    }
  }

  // ---- Dispatch -------------------------------------------------------------------------

  // Finds the route for (method, path); *param receives the path parameter, if any.
  const Route* Match(const std::string& method, const std::string& path, std::string* param,
                     bool* path_known) const {
    *path_known = false;
    for (const auto& r : Table()) {
      const char* brace = std::strchr(r.path, '{');
      bool matches;
      if (brace) {
        const size_t prefix = static_cast<size_t>(brace - r.path);
        matches = path.size() > prefix && path.compare(0, prefix, r.path, prefix) == 0 &&
                  path.find('/', prefix) == std::string::npos;
        if (matches) *param = path.substr(prefix);
      } else {
        matches = path == r.path;
      }
      if (!matches) continue;
      *path_known = true;
      // HEAD is GET without the body (RFC 9110 §9.3.2); the connection layer leaves it out.
      if (method == r.method || (method == "HEAD" && std::strcmp(r.method, "GET") == 0)) return &r;
    }
    return nullptr;
  }

  // What Admit found, for Serve: the route, its path parameter and the caller's key.
  struct Admitted {
    size_t route_index;
    std::string param;
    ApiKeyInfo key;
  };

  // The request's header is in, its body not yet read: unknown routes and callers without a
  // valid key are answered now, so they never make the server read a body.
  bool Admit(HttpRequest& req, HttpResponse& res) {
    const auto start = Clock::now();
    std::string param;
    bool path_known = false;
    const Route* route = Match(req.method, req.path, &param, &path_known);
    if (!route) {
      if (path_known) {
        SendError(res, 405, "method_not_allowed", "", req.method + " is not allowed on " + req.path);
      } else {
        SendError(res, 404, "not_found", "", "no route " + req.path);
      }
      Observe(req, res, Table().size(), start);
      return false;
    }
    const size_t route_index = static_cast<size_t>(route - Table().data());
    Call call{req, res, {}, std::move(param)};
    if (route->handler == &Impl::HandleHealth) {
      // Answered on the connection's event loop, not queued behind busy workers: a load
      // balancer's probe sees the server, however long the handlers take.
      HandleHealth(call);
      Observe(req, res, route_index, start);
      return false;
    }
    if (!Authorize(*route, call)) {
      Observe(req, res, route_index, start);
      return false;
    }
    req.state = Admitted{route_index, std::move(call.param), std::move(call.key)};
    return true;
  }

  void Serve(HttpRequest& req, HttpResponse& res) {
    const auto start = Clock::now();
    auto& admitted = std::any_cast<Admitted&>(req.state);
    const Route& route = Table()[admitted.route_index];
    Call call{req, res, std::move(admitted.key), std::move(admitted.param)};
    try {
      (this->*(route.handler))(call);
    } catch (const std::exception& e) {
      std::cerr << "exportctl serve: internal error on " << route.method << " " << route.path
                << ": " << e.what() << "\n";
      SendError(res, 500, "internal", "", "internal error");
    }
    Observe(req, res, admitted.route_index, start);
  }

  void Observe(const HttpRequest& req, const HttpResponse& res, size_t route_index,
               Clock::time_point start) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics.Observe(route_index, res.status, seconds);
    if (options.log_requests) {
      std::cerr << req.method << " " << req.path << " " << res.status << " "
                << static_cast<int64_t>(seconds * 1e6) << "us\n";
    }
  }

  bool Authorize(const Route& route, Call& call) {
    if (!route.role) return true;
    std::string header = call.req.get_header_value("Authorization");
    // The key where clients of the APIs we are compatible with send theirs: OpenSanctions
    // clients write "Authorization: ApiKey <key>", trade.gov clients a subscription-key header
    // (or query parameter, on the CSL routes only). Read as our Bearer key.
    if (header.size() > 7 && strncasecmp(header.c_str(), "ApiKey ", 7) == 0) {
      header = "Bearer " + header.substr(7);
    } else if (header.empty() && IsCslRoute(route)) {
      std::string key = call.req.get_header_value("subscription-key");
      if (key.empty()) key = call.req.get_param_value("subscription-key");
      if (!key.empty()) header = "Bearer " + key;
    }
    auto deny = [&](int status, const char* code, const std::string& message,
                    const std::string& log_detail) {
      metrics.CountAuthFailure(status);
      // Never log the token: only the key id (public) or the kind of failure.
      std::cerr << "exportctl serve: " << status << " " << route.method << " " << route.path
                << " from " << call.req.remote_addr << ": " << log_detail << "\n";
      if (status == 401) call.res.set_header("WWW-Authenticate", "Bearer");
      SendError(call.res, status, code, "authorization", message);
      return false;
    };
    if (header.empty()) {
      return deny(401, "unauthenticated", "send Authorization: Bearer <API key>", "no credentials");
    }
    if (header.size() < 7 || strncasecmp(header.c_str(), "Bearer ", 7) != 0) {
      return deny(401, "unauthenticated", "use the Bearer scheme", "not a bearer credential");
    }
    const std::string_view token = std::string_view(header).substr(7);
    // A key is printable ASCII; anything else (a NUL, a second word) is not this key.
    for (char c : token) {
      if (c <= ' ' || c >= 0x7f) {
        return deny(401, "unauthenticated", "invalid or revoked API key", "malformed credential");
      }
    }
    auto key = deps.keys->Authenticate(token);
    if (!key.ok()) {
      return deny(401, "unauthenticated", "invalid or revoked API key", key.status().message());
    }
    if (!audit::RoleAllows(key->role, *route.role)) {
      return deny(403, "forbidden",
                  std::string("this route needs the ") + audit::RoleName(*route.role) + " role",
                  "key " + key->key_id + " has role " + audit::RoleName(key->role));
    }
    call.key = std::move(*key);
    return true;
  }

  // ---- Shared helpers -------------------------------------------------------------------

  // Reads ?as_of= and ?posture= (or the same keys of a JSON body).
  Status ReadDateAndPosture(const std::string& as_of_text, const std::string& posture_text,
                            Date* as_of, Posture* posture) const {
    *as_of = options.today();
    if (!as_of_text.empty()) {
      auto d = Date::Parse(as_of_text);
      if (!d.ok()) return Status::Invalid("as_of", d.status().message());
      *as_of = *d;
    }
    *posture = Posture::kEnforced;
    if (!posture_text.empty()) {
      auto p = ParsePosture(posture_text);
      if (!p.ok()) return Status::Invalid("posture", p.status().message());
      *posture = *p;
    }
    return Status::Ok();
  }

  Result<nlohmann::json> BodyObject(const Call& call) const {
    auto json = ParseRequestJson(call.req.body, options.max_json_depth);
    if (!json.ok()) return json.status();
    if (!json->is_object()) return Status::Invalid("", "the request body must be a JSON object");
    return json;
  }

  // A transaction as sent: its JSON without our "reserve" flag, and the flag.
  struct CheckInput {
    std::string request;
    bool reserve = false;
    bool as_sent = true;  // request is the body unchanged
  };

  Result<CheckInput> PrepareCheck(std::string_view body) const {
    if (NestedDeeperThan(body, options.max_json_depth)) {
      return Status::Invalid("", "JSON nested deeper than " +
                                     std::to_string(options.max_json_depth) + " levels");
    }
    CheckInput in;
    if (body.find("\"reserve\"") == std::string_view::npos) {
      // Hot path: the engine's parser (simdjson: full JSON and UTF-8 validation) sees the body
      // as sent; no second parse.
      in.request.assign(body);
      return in;
    }
    // "reserve" is ours, not the engine's: take it out first.
    auto json = ParseRequestJson(body, options.max_json_depth);
    if (!json.ok()) return json.status();
    if (!json->is_object()) return Status::Invalid("", "a transaction must be a JSON object");
    if (auto it = json->find("reserve"); it != json->end()) {
      if (!it->is_boolean()) return Status::Invalid("reserve", "must be true or false");
      in.reserve = it->get<bool>();
      json->erase(it);
    }
    in.request = json->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    in.as_sent = false;
    return in;
  }

  // The check options of a request: ?posture=, the caller, its Idempotency-Key.
  Result<check::CheckOptions> CheckOptionsOf(const Call& call, const char* route) const {
    check::CheckOptions o{.today = options.today(), .caller = call.key.key_id,
                          .idempotency_key = call.req.get_header_value("Idempotency-Key"),
                          .route = route};
    if (call.req.has_param("posture")) {
      auto p = ParsePosture(call.req.get_param_value("posture"));
      if (!p.ok()) return Status::Invalid("posture", p.status().message());
      o.posture = *p;
    }
    return o;
  }

  // A check that gave no decision, in the API's words: the idempotency key is a header here,
  // and a log failure is logged, not shown.
  void SendCheckError(Call& call, const Status& st) {
    if (st.code() == ErrorCode::kUnavailable && st.field() == "audit") {
      std::cerr << "exportctl serve: " << st.ToString() << "\n";
      return SendError(call.res, 503, "unavailable", "",
                       "the audit log cannot record the decision; nothing was decided");
    }
    if (st.field() == "idempotency_key" && st.code() != ErrorCode::kInvalidInput) {
      return SendError(call.res, HttpStatusFor(st.code()), ErrorCodeName(st.code()), "Idempotency-Key",
                       st.message());
    }
    SendStatus(call.res, st);
  }

  // ---- Decisions ------------------------------------------------------------------------

  // The check is check::Checker's: this reads the request and writes the answer.
  void HandleCheck(Call& call) {
    auto in = PrepareCheck(call.req.body);
    if (!in.ok()) return SendStatus(call.res, in.status());
    auto opts = CheckOptionsOf(call, "POST /v1/check");
    if (!opts.ok()) return SendStatus(call.res, opts.status());
    if (in->reserve && !audit::RoleAllows(call.key.role, Role::kOfficer)) {
      metrics.CountAuthFailure(403);
      return SendError(call.res, 403, "forbidden", "reserve", "reserving needs the officer role");
    }
    opts->reserve = in->reserve;
    auto answer = checker.Check(in->request, *opts);
    if (!answer.ok()) return SendCheckError(call, answer.status());
    metrics.CountLedgerPostings(static_cast<int64_t>(answer->postings_written));
    if (answer->recorded) {  // a retry: the answer recorded for it
      call.res.set_header("Idempotent-Replayed", "true");
      return SendJson(call.res, 200, audit::RecordedAnswer(*answer->recorded));
    }
    if (checker_records) metrics.ObserveAudit(answer->audit_seconds);
    metrics.CountDecision(static_cast<int>(answer->decision.outcome));
    std::string out;
    if (in->reserve) {
      AppendDecisionJson(answer->decision, ledger::PostingsToJson(answer->postings), out);
    } else {
      AppendDecisionJson(answer->decision, out);
    }
    SendJson(call.res, 200, std::move(out));
  }

  // NDJSON in, NDJSON out: one decision or error object per non-blank line, in order. Lines go
  // to the checker a chunk at a time (one commit each), and each chunk's answers are appended
  // to the response before the next is decided: a request holds its body, its response and one
  // chunk's audit records, never those of the whole batch. Holding them all made the cost per
  // line grow with the batch (docs/PERFORMANCE.md, "Cost per item by request size").
  static constexpr size_t kBatchChunk = 512;

  void HandleCheckBatch(Call& call) {
    auto opts = CheckOptionsOf(call, "POST /v1/check/batch");
    if (!opts.ok()) return SendStatus(call.res, opts.status());
    opts->idempotency_key.clear();  // a batch is not retried as one request
    const std::string_view body = call.req.body;
    auto for_each_line = [&body](auto&& fn) {
      size_t number = 0;
      for (size_t start = 0; start < body.size();) {
        size_t end = body.find('\n', start);
        if (end == std::string_view::npos) end = body.size();
        const std::string_view text = body.substr(start, end - start);
        start = end + 1;
        ++number;
        if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        if (!fn(number, text)) return;
      }
    };
    // Counted first: a batch over the limit is refused before anything is decided or recorded.
    size_t count = 0;
    for_each_line([&](size_t, std::string_view) { return ++count <= options.max_batch_lines; });
    if (count > options.max_batch_lines) {
      return SendError(call.res, 413, "too_large", "",
                       "more than " + std::to_string(options.max_batch_lines) +
                           " transactions in one batch");
    }

    // The response: the checker appends each chunk's answers to it (one worker), so a line's
    // answer is written once, in place. A decision is up to about eight bytes per byte of its
    // transaction: one allocation, not a copy of everything decided so far at each doubling.
    std::vector<std::string> texts(1);
    std::string& out = texts.front();
    out.reserve(std::min<size_t>(body.size() * 8 + 4096, size_t{64} << 20));
    std::deque<std::string> stripped;  // lines whose "reserve" flag was taken out
    std::vector<check::BatchLine> chunk;
    chunk.reserve(kBatchChunk);
    size_t recorded_through = 0;       // the last line of the chunks decided and recorded
    const check::LineWriter write = [this](const check::LineAnswer& line, std::string& text) {
      if (!line.answer.ok()) {
        text += LineError(line.number, line.answer.status());
      } else {
        metrics.CountDecision(static_cast<int>(line.answer->decision.outcome));
        AppendDecisionJson(line.answer->decision, text);
      }
      text += '\n';
    };
    auto run_chunk = [&] {
      if (chunk.empty()) return true;
      if (const Status st = checker.CheckBatch(chunk, *opts, write, texts); !st.ok()) {
        std::cerr << "exportctl serve: " << st.ToString() << "\n";
        SendError(call.res, 503, "unavailable", "",
                  "the audit log cannot record the decisions of lines " +
                      std::to_string(chunk.front().number) + "-" +
                      std::to_string(chunk.back().number) + "; no decision of this batch is given" +
                      (recorded_through ? " (those of lines 1-" + std::to_string(recorded_through) +
                                              " are recorded)"
                                        : ""));
        return false;
      }
      recorded_through = chunk.back().number;
      chunk.clear();
      stripped.clear();
      return true;
    };
    bool failed = false;
    for_each_line([&](size_t number, std::string_view text) {
      auto in = PrepareCheck(text);
      if (!in.ok() || in->reserve) {
        chunk.push_back({.number = number, .refused = in.ok() ? Status::Invalid("reserve", "reserving is not supported in a batch; use POST /v1/check")
                                                             : in.status()});
      } else if (in->as_sent) {
        chunk.push_back({.number = number, .text = text});
      } else {
        chunk.push_back({.number = number, .text = stripped.emplace_back(std::move(in->request))});
      }
      if (chunk.size() == kBatchChunk && !run_chunk()) failed = true;
      return !failed;
    });
    if (failed || !run_chunk()) return;
    call.res.status = 200;
    call.res.set_content(std::move(out), "application/x-ndjson");
  }

  static std::string LineError(size_t number, const Status& st) {
    std::string out;
    JsonWriter w(out);
    w.BeginObject().Field("line", static_cast<int64_t>(number)).Key("error").BeginObject();
    w.Field("code", ErrorCodeName(st.code())).Field("message", st.message());
    w.Field("field", st.field()).EndObject().EndObject();
    return out;
  }

  // CSV orders read into transactions by the reader `check --batch` uses (check/orders_csv.h),
  // for a client to send to /v1/check/batch: {"orders": [{"line", "transaction"} | {"line",
  // "error"}]}. A header it cannot read is 400 naming "csv" and the line; nothing is decided.
  void HandleOrdersCsv(Call& call) {
    auto orders = check::ReadOrdersCsv(call.req.body);
    if (!orders.ok()) return SendStatus(call.res, orders.status());
    std::string out;
    JsonWriter w(out);
    w.BeginObject().Key("orders").BeginArray();
    for (const check::CsvOrder& o : *orders) {
      w.BeginObject().Field("line", static_cast<int64_t>(o.line));
      if (o.error.ok()) {
        w.Key("transaction").Raw(o.transaction);
      } else {
        w.Key("error").BeginObject().Field("code", ErrorCodeName(o.error.code())).Field("field", o.error.field());
        w.Field("message", o.error.message()).EndObject();
      }
      w.EndObject();
    }
    w.EndArray().EndObject();
    SendJson(call.res, 200, std::move(out));
  }

  // Whether the EAR reaches each item of a transaction (docs/jurisdiction.md): the question
  // alone, with the de minimis worksheet; not a decision, so nothing is recorded or reserved.
  void HandleJurisdiction(Call& call) {
    auto tx = ParseTransaction(call.req.body, *deps.dataset, options.today());
    if (!tx.ok()) return SendStatus(call.res, tx.status());
    DetermineOptions opts;
    opts.screener = ActiveScreener();
    const Decision d = deps.engine->Determine(*tx, opts);
    std::string out;
    AppendJurisdictionAnswerJson(d, out);
    SendJson(call.res, 200, std::move(out));
  }

  void HandleClassify(Call& call) {
    auto body = BodyObject(call);
    if (!body.ok()) return SendStatus(call.res, body.status());
    const nlohmann::json& j = *body;
    static const char* kKnown[] = {"chip", "tpp", "die_area_mm2", "performance_density",
                                   "memory_bandwidth_gbps", "datacenter", "as_of", "posture"};
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool known = false;
      for (const char* k : kKnown) known = known || it.key() == k;
      // Unknown fields are refused: a misspelt spec (e.g. "die_area") would silently change
      // the class.
      if (!known) return SendStatus(call.res, Status::Invalid(it.key(), "unknown field"));
    }
    auto string_field = [&](const char* key, std::string* out) -> Status {
      if (!j.contains(key)) return Status::Ok();
      if (!j[key].is_string()) return Status::Invalid(key, "must be a string");
      *out = j[key].get<std::string>();
      return Status::Ok();
    };
    auto number_field = [&](const char* key, std::optional<double>* out, bool positive) -> Status {
      if (!j.contains(key) || j[key].is_null()) return Status::Ok();
      if (!j[key].is_number()) return Status::Invalid(key, "must be a number");
      const double v = j[key].get<double>();
      if (!std::isfinite(v) || v < 0 || (positive && v == 0) || v > 1e18) {
        return Status::Invalid(key, positive ? "must be a positive number" : "must not be negative");
      }
      *out = v;
      return Status::Ok();
    };
    std::string chip, as_of_text, posture_text;
    std::optional<double> tpp, die, pd, bandwidth;
    for (Status st : {string_field("chip", &chip), string_field("as_of", &as_of_text),
                      string_field("posture", &posture_text), number_field("tpp", &tpp, false),
                      number_field("die_area_mm2", &die, true),
                      number_field("performance_density", &pd, false),
                      number_field("memory_bandwidth_gbps", &bandwidth, false)}) {
      if (!st.ok()) return SendStatus(call.res, st);
    }
    if (j.contains("datacenter") && !j["datacenter"].is_boolean() && !j["datacenter"].is_null()) {
      return SendStatus(call.res, Status::Invalid("datacenter", "must be true or false"));
    }
    Date as_of;
    Posture posture;
    if (Status st = ReadDateAndPosture(as_of_text, posture_text, &as_of, &posture); !st.ok()) {
      return SendStatus(call.res, st);
    }
    if (Status st = deps.dataset->RequireRegimeData(as_of); !st.ok()) return SendStatus(call.res, st);
    ItemSpec spec;
    if (!chip.empty()) {
      auto found = deps.dataset->FindChip(chip);
      if (!found.ok()) return SendStatus(call.res, found.status().WithFieldPrefix("chip"));
      const ChipRecord& c = **found;
      spec.catalog = &c;
      spec.tpp = c.tpp;
      spec.die_area_mm2 = c.die_area_mm2;
      spec.die_area_verified = c.die_area_verified;
      spec.datacenter = c.datacenter;
      spec.memory_bandwidth_gbps = c.memory_bandwidth_gbps;
      spec.designer_headquarters = c.designer_headquarters;
    } else if (!tpp) {
      return SendStatus(call.res, Status::Invalid("chip", "give a catalog chip or tpp"));
    }
    if (tpp) spec.tpp = tpp;
    if (die) {
      spec.die_area_mm2 = die;
      spec.die_area_verified = true;
    }
    if (pd) spec.performance_density = pd;
    if (bandwidth) spec.memory_bandwidth_gbps = bandwidth;
    if (j.contains("datacenter") && j["datacenter"].is_boolean()) {
      spec.datacenter = j["datacenter"].get<bool>();
    }
    std::string out;
    AppendClassificationJson(Classify(spec, deps.dataset->ThresholdsOn(as_of, posture)), out);
    SendJson(call.res, 200, std::move(out));
  }

  // The decision record the path names, or nullopt once the caller is answered (503, 404).
  // The audit record {id} of any kind (a decision, a clearance, a list import and its re-screen…).
  std::optional<audit::AuditRecord> AnyRecord(Call& call) {
    if (!deps.audit) {
      SendError(call.res, 503, "unavailable", "", "no audit log configured");
      return std::nullopt;
    }
    auto record = deps.audit->Get(call.param);
    if (!record.ok()) {
      SendStatus(call.res, record.status());
      return std::nullopt;
    }
    return std::move(record).value();
  }

  std::optional<audit::AuditRecord> DecisionRecord(Call& call) {
    auto record = AnyRecord(call);
    if (!record) return std::nullopt;
    if (record->kind != "decision") {
      SendError(call.res, 404, "not_found", "id", "no decision with id " + call.param);
      return std::nullopt;
    }
    return std::move(record).value();
  }

  void SendRecord(Call& call, const std::optional<audit::AuditRecord>& record) {
    if (!record) return;
    std::string out;
    audit::AppendRecordJsonl(*record, out);
    SendJson(call.res, 200, std::move(out));
  }

  void HandleDecision(Call& call) { SendRecord(call, DecisionRecord(call)); }

  void HandleAuditRecord(Call& call) { SendRecord(call, AnyRecord(call)); }

  // ---- The policy simulator (simulate/simulate.h) ----------------------------------------

  // The scenario in the body, run as `exportctl simulate` runs it; the answer is its
  // summary.json. Nothing is decided for real: no ledger is touched, nothing is recorded.
  // The bundled agreements and allocation rules, loaded once; false (503 sent) when they cannot be.
  bool SimulatorReady(Call& call) {
    std::call_once(simulate_init, [this] {
      const std::string dir = deps.dataset->dir();
      auto bundled = LoadAgreementDir(dir + "/agreements", *deps.dataset);
      if (!bundled.ok()) {
        simulate_unavailable = bundled.status();
        return;
      }
      simulate_agreements = std::move(bundled).value();
      auto rules = ledger::AllocationRules::Load(dir);
      if (!rules.ok()) {
        simulate_unavailable = rules.status();
        return;
      }
      simulate_rules = std::make_unique<ledger::AllocationRules>(std::move(rules).value());
    });
    if (!simulate_unavailable.ok()) {
      std::cerr << "exportctl serve: " << simulate_unavailable.ToString() << "\n";
      SendError(call.res, 503, "unavailable", "", "the simulator cannot load the regulatory data");
      return false;
    }
    return true;
  }

  void HandleSimulate(Call& call) {
    auto body = BodyObject(call);
    if (!body.ok()) return SendStatus(call.res, body.status());
    if (!SimulatorReady(call)) return;
    auto scenario = simulate::ParseScenario(*body, *deps.dataset, simulate_agreements, options.today(),
                                            {.max_orders = options.max_simulate_orders});
    if (!scenario.ok()) return SendStatus(call.res, scenario.status());
    // One worker: a request does not take the cores other requests are answered on.
    simulate::Simulation sim({.dataset = deps.dataset, .engine = deps.engine,
                              .screener = ActiveScreener(),
                              .ownership = deps.ownership ? deps.ownership->view() : nullptr,
                              .rules = simulate_rules.get(), .workers = 1},
                             (*scenario)->policies);
    if (Status st = sim.Run((*scenario)->orders, nullptr); !st.ok()) return SendStatus(call.res, st);
    SendJson(call.res, 200, simulate::SummaryJson(sim.summary()));
  }

  // The bundled country agreements (data/agreements) a scenario may name by id.
  void HandleAgreements(Call& call) {
    if (!SimulatorReady(call)) return;
    std::string out;
    JsonWriter w(out);
    w.BeginArray();
    for (const Agreement& a : simulate_agreements) {
      w.BeginObject().Field("id", a.id).Field("title", a.title).Field("country", a.country);
      w.Field("status", AgreementStatusName(a.status)).Field("effective", a.effective.ToString());
      w.Key("expiry");
      if (a.expiry) w.String(a.expiry->ToString());
      else w.Null();
      w.Field("dates", a.Dates()).Key("changes").BeginArray();
      for (const AgreementChange& c : a.changes) {
        w.BeginObject().Field("kind", AgreementChangeKindName(c.kind)).Field("citation", c.citation).EndObject();
      }
      w.EndArray().Key("sources").BeginArray();
      for (const auto& src : a.sources) w.String(src);
      w.EndArray().EndObject();
    }
    w.EndArray();
    SendJson(call.res, 200, std::move(out));
  }

  // ---- The audit log (the console's Audit screen) ---------------------------------------

  // Records in seq order, filtered: ?from=&to= (dates or RFC 3339 prefixes), kind, actor (key id),
  // outcome and reference (decisions), a page of ?limit= (default 50, at most 500) after the
  // record ?after= (a seq). Each record is summarised; GET /v1/decisions/{id} gives the whole.
  void HandleAuditList(Call& call) {
    if (!deps.audit) return SendError(call.res, 503, "unavailable", "", "no audit log configured");
    const auto& q = call.req;
    for (const char* param : {"from", "to", "kind", "actor", "outcome", "reference"}) {
      if (Status st = CheckUtf8(q.get_param_value(param), param); !st.ok()) return SendStatus(call.res, st);
    }
    auto count = [&](const char* name, int64_t fallback, int64_t lo, int64_t hi, int64_t* out) -> Status {
      const std::string text = q.get_param_value(name);
      if (text.empty()) {
        *out = fallback;
        return Status::Ok();
      }
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (errno || *end || end == text.c_str() || v < lo || v > hi) {
        return Status::Invalid(name, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
      }
      *out = v;
      return Status::Ok();
    };
    int64_t limit = 0, after = 0;
    for (Status st : {count("limit", 50, 1, 500, &limit), count("after", 0, 0, INT64_MAX, &after)}) {
      if (!st.ok()) return SendStatus(call.res, st);
    }
    for (const char* param : {"from", "to"}) {
      const std::string text = q.get_param_value(param);
      if (!text.empty() && !Date::Parse(text.substr(0, 10)).ok()) {
        return SendStatus(call.res, Status::Invalid(param, "must be a date (YYYY-MM-DD) or an RFC 3339 time"));
      }
    }
    const std::string kind = q.get_param_value("kind"), actor = q.get_param_value("actor"),
                      outcome = q.get_param_value("outcome"), reference = q.get_param_value("reference");
    std::string out;
    JsonWriter w(out);
    w.BeginObject().Key("records").BeginArray();
    int64_t shown = 0, last = 0;
    bool more = false;
    const Status st = deps.audit->Scan(
        {q.get_param_value("from"), q.get_param_value("to")}, [&](const audit::AuditRecord& r) {
          if (r.seq <= after) return true;
          if ((!kind.empty() && r.kind != kind) || (!actor.empty() && r.actor != actor)) return true;
          nlohmann::json decision;
          if (r.kind == "decision") {
            auto payload = nlohmann::json::parse(r.payload, nullptr, false);
            if (payload.is_object() && payload.contains("decision")) decision = payload["decision"];
          }
          auto text = [&](const char* k) {
            return decision.is_object() && decision.contains(k) && decision[k].is_string()
                       ? decision[k].get<std::string>() : std::string();
          };
          if (!outcome.empty() && text("outcome") != outcome) return true;
          if (!reference.empty() && text("reference").find(reference) == std::string::npos) return true;
          if (shown == limit) {
            more = true;
            return false;
          }
          w.BeginObject().Field("seq", r.seq).Field("id", r.id).Field("kind", r.kind);
          w.Field("time", r.time).Field("actor", r.actor);
          if (decision.is_object()) {
            w.Field("outcome", text("outcome")).Field("reference", text("reference"));
            w.Field("destination", text("destination")).Field("as_of", text("as_of"));
            w.Field("posture", text("posture"));
          }
          w.Field("hash", r.hash).EndObject();
          ++shown;
          last = r.seq;
          return true;
        });
    if (!st.ok()) return SendStatus(call.res, st);
    w.EndArray().Key("next_after");
    if (more) {
      w.Integer(last);
    } else {
      w.Null();
    }
    w.EndObject();
    SendJson(call.res, 200, std::move(out));
  }

  // The hash chain checked end to end (as `exportctl audit verify`).
  void HandleAuditVerify(Call& call) {
    if (!deps.audit) return SendError(call.res, 503, "unavailable", "", "no audit log configured");
    std::string out;
    audit::AppendVerifyReportJson(deps.audit->Verify(), out);
    SendJson(call.res, 200, std::move(out));
  }

  // A recorded decision re-run with today's engine and the facts it recorded (as `exportctl
  // audit replay`): nothing is decided anew or recorded.
  void HandleAuditReplay(Call& call) {
    auto record = DecisionRecord(call);
    if (!record) return;
    auto report = audit::ReplayDecision(*record, *deps.engine);
    if (!report.ok()) return SendStatus(call.res, report.status());
    std::string out;
    audit::AppendReplayReportJson(*report, out);
    SendJson(call.res, 200, std::move(out));
  }

  // ---- Reference data -------------------------------------------------------------------

  void HandleHealth(Call& call) { SendJson(call.res, 200, R"({"status":"ok"})"); }

  // ---- The web console (console/, embedded) ---------------------------------------------

  // The console's pages run no inline script and load nothing from elsewhere; they cannot be
  // framed, and send no Referer. The API key lives in the tab (sessionStorage), not a cookie,
  // so there is no CSRF surface.
  static void SetConsoleHeaders(HttpResponse& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Cache-Control", "no-cache");
  }

  void SendConsoleAsset(Call& call, std::string_view name) {
    SetConsoleHeaders(call.res);
    const ConsoleAsset* asset = FindConsoleAsset(name);
    if (!asset) return SendError(call.res, 404, "not_found", "", "no console file " + std::string(name));
    call.res.status = 200;
    call.res.set_content(std::string(asset->body), asset->content_type);
  }

  void HandleConsole(Call& call) { SendConsoleAsset(call, "index.html"); }
  void HandleConsoleAsset(Call& call) { SendConsoleAsset(call, call.param); }

  // The caller's key: its id and role (the console shows the actions the role allows).
  void HandleMe(Call& call) {
    std::string out;
    JsonWriter w(out);
    w.BeginObject().Field("key_id", call.key.key_id).Field("role", audit::RoleName(call.key.role));
    w.Field("label", call.key.label).EndObject();
    SendJson(call.res, 200, std::move(out));
  }

  void HandleMetrics(Call& call) {
    call.res.status = 200;
    call.res.set_content(metrics.Render(outcome_names), "text/plain; version=0.0.4");
  }

  void HandleOpenApi(Call& call) { SendJson(call.res, 200, OpenApiJson()); }

  void HandleChips(Call& call) { SendJson(call.res, 200, chips_json); }

  // Reference data on ?as_of= and ?posture= (default today, enforced), as `write` shapes it.
  void SendReferenceData(Call& call, const std::function<void(Date, Posture, JsonWriter&)>& write) {
    Date d;
    Posture p;
    if (Status st = ReadDateAndPosture(call.req.get_param_value("as_of"),
                                       call.req.get_param_value("posture"), &d, &p);
        !st.ok()) {
      return SendStatus(call.res, st);
    }
    std::string out;
    JsonWriter w(out);
    write(d, p, w);
    SendJson(call.res, 200, std::move(out));
  }

  void HandleRegimes(Call& call) {
    SendReferenceData(call, [this](Date d, Posture p, JsonWriter& w) { WriteRegimesJson(*deps.dataset, d, p, w); });
  }

  // Every country with its groups, AI Diffusion tier and license area on (as_of, posture).
  void HandleCountries(Call& call) {
    SendReferenceData(call, [this](Date d, Posture p, JsonWriter& w) { WriteCountriesJson(*deps.engine, d, p, w); });
  }

  void HandleCountry(Call& call) {
    Date d;
    Posture p;
    if (Status st = ReadDateAndPosture(call.req.get_param_value("as_of"),
                                       call.req.get_param_value("posture"), &d, &p);
        !st.ok()) {
      return SendStatus(call.res, st);
    }
    const Dataset& data = *deps.dataset;
    auto code = data.ResolveCountry(call.param);
    if (!code.ok()) {
      return SendError(call.res, 404, "not_found", "code", code.status().message());
    }
    const Country* c = data.FindCountry(*code);
    if (!c) return SendError(call.res, 404, "not_found", "code", "unknown country");
    std::string out;
    JsonWriter w(out);
    WriteCountryJson(*deps.engine, *c, d, p, w);
    SendJson(call.res, 200, std::move(out));
  }

  // ---- Screening and ledger (plugged in through backends.h) -----------------------------

  // The screener a request decides with: none while the server waits for its first lists.
  const PartyScreener* ActiveScreener() const {
    const PartyScreener* s = deps.screen ? deps.screen->screener() : nullptr;
    return s && s->Ready() ? s : nullptr;
  }

  void Unavailable(Call& call, const char* what) {
    SendError(call.res, 503, "unavailable", "",
              std::string(what) + " is not available on this server yet");
  }

  void Reply(Call& call, const Result<std::string>& r) {
    if (!r.ok()) return SendStatus(call.res, r.status());
    SendJson(call.res, 200, *r);
  }

  void HandleScreenGet(Call& call) {
    if (!deps.screen) return Unavailable(call, "screening");
    if (call.req.get_param_value("name").empty()) {
      return SendStatus(call.res, Status::Invalid("name", "is required"));
    }
    for (const char* param : {"name", "country"}) {  // bad bytes are refused, not replaced
      if (Status st = CheckUtf8(call.req.get_param_value(param), param); !st.ok()) return SendStatus(call.res, st);
    }
    nlohmann::json body = {{"name", call.req.get_param_value("name")}};
    if (call.req.has_param("country")) body["country"] = call.req.get_param_value("country");
    Reply(call, WithOwnership(deps.screen->Screen(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
                              call.req.get_param_value("name"), call.req.get_param_value("country")));
  }

  void HandleScreenPost(Call& call) {
    if (Status st = CheckJsonUtf8(call.req.body); !st.ok()) return SendStatus(call.res, st);
    auto body = BodyObject(call);
    if (!body.ok()) return SendStatus(call.res, body.status());
    if (!deps.screen) return Unavailable(call, "screening");
    auto text = [&](const char* k) { return body->contains(k) && (*body)[k].is_string() ? (*body)[k].get<std::string>() : std::string(); };
    Reply(call, WithOwnership(deps.screen->Screen(body->dump()), text("name"), text("country")));
  }

  // A screening answer with the name's place in the ownership graph: the entity, its coverage
  // under the Affiliates Rule and the paths through listed owners.
  Result<std::string> WithOwnership(Result<std::string> r, const std::string& name, const std::string& country) const {
    if (!r.ok() || !deps.ownership || name.empty()) return r;
    const std::string own = deps.ownership->CoverageOf(name, country);
    if (own.empty() || r->empty() || r->back() != '}') return r;
    std::string out = std::move(r).value();
    out.pop_back();
    out += ",\"ownership\":" + own + "}";
    return out;
  }

  void HandleOwnership(Call& call) {
    if (!deps.ownership) return Unavailable(call, "the ownership graph");
    Reply(call, deps.ownership->Show(call.param, call.req.get_param_value("as_of")));
  }

  void HandleOwnershipImport(Call& call) {
    RecordedChange(call, "ownership.imported", deps.ownership != nullptr, "the ownership graph",
                   [&](const std::string& request) { return deps.ownership->Import(request, Context(call)); });
  }

  void HandleLicenses(Call& call) {
    if (!deps.licenses) return Unavailable(call, "licenses");
    const std::string attention = call.req.get_param_value("attention");
    if (!attention.empty() && attention != "true" && attention != "false") {
      return SendStatus(call.res, Status::Invalid("attention", "must be true or false"));
    }
    Reply(call, deps.licenses->List(attention == "true", call.req.get_param_value("as_of"), deps.ledger ? deps.ledger->ledger() : nullptr));
  }

  void HandleLicense(Call& call) {
    if (!deps.licenses) return Unavailable(call, "licenses");
    Reply(call, deps.licenses->Show(call.param));
  }

  void HandleLicenseAdd(Call& call) {
    RecordedChange(call, "license.added", deps.licenses != nullptr, "licenses",
                   [&](const std::string& request) { return deps.licenses->Add(request, Context(call)); });
  }

  void HandleScreenClear(Call& call) {
    RecordedChange(call, "screen.cleared", deps.screen != nullptr, "screening",
                   [&](const std::string& request) { return deps.screen->Clear(request, Context(call)); });
  }

  // An officer's change (a clearance, a license, a graph import) from a JSON body: one change at
  // a time, so two retries sent together cannot both write one; a retry answers from its
  // record; the change is recorded in the audit log before it is answered.
  template <typename Apply>
  void RecordedChange(Call& call, const char* kind, bool available, const char* what, Apply apply) {
    if (Status st = CheckJsonUtf8(call.req.body); !st.ok()) return SendStatus(call.res, st);
    auto body = BodyObject(call);
    if (!body.ok()) return SendStatus(call.res, body.status());
    if (!available) return Unavailable(call, what);
    const std::string request = body->dump();
    std::lock_guard<std::mutex> lock(clear_mu);
    std::string id;
    if (!RetryOfChange(call, kind, request, &id)) return;
    auto r = apply(request);
    if (r.ok() && !RecordChange(call, kind, request, *r, id)) return;
    Reply(call, r);
  }

  // An Idempotency-Key on a change (clearance, ledger posting): the record id the change gets
  // (*id: scoped to the caller), and, when it is recorded already, the recorded result (the same
  // request) or 409 (another request). Returns false when it has answered.
  bool RetryOfChange(Call& call, const char* kind, const std::string& request, std::string* id) {
    const std::string key = call.req.get_header_value("Idempotency-Key");
    if (key.empty()) return true;
    if (!options.audit_decisions) {
      SendError(call.res, 503, "unavailable", "Idempotency-Key",
                "idempotent requests need the audit log");
      return false;
    }
    *id = audit::ScopedEventId(kind, call.key.key_id, key);
    return !RespondFromChange(call, *id, request);
  }

  // When the change `id` is recorded: replies with its result (same request) or 409, and
  // returns true.
  bool RespondFromChange(Call& call, const std::string& id, const std::string& request) {
    auto record = deps.audit->Get(id);
    if (!record.ok()) {
      if (record.status().code() == ErrorCode::kNotFound) return false;
      SendStatus(call.res, record.status());
      return true;
    }
    auto payload = nlohmann::json::parse(record->payload, nullptr, false);
    if (!payload.is_object() || payload.value("request", nlohmann::json()) !=
                                    nlohmann::json::parse(request, nullptr, false)) {
      SendError(call.res, 409, "conflict", "Idempotency-Key",
                "this Idempotency-Key was used with a different request (record " + id +
                    "); nothing was changed");
      return true;
    }
    call.res.set_header("Idempotent-Replayed", "true");
    SendJson(call.res, 200, payload["result"].dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace));
    return true;
  }

  // Configuration and list changes go into the audit log too. Returns false (and answers 503)
  // when the record cannot be written, or (and answers from the record) when `id` was recorded
  // by a concurrent retry.
  bool RecordChange(Call& call, const char* kind, const std::string& request,
                    const std::string& result, const std::string& id = "") {
    if (!options.audit_decisions) return true;
    std::string payload;
    JsonWriter w(payload);
    w.BeginObject().Key("request").Raw(request).Key("result").Raw(result).EndObject();
    auto record = deps.audit->Append({.id = id, .kind = kind, .actor = call.key.key_id,
                                      .payload = std::move(payload)});
    if (record.ok()) return true;
    if (!id.empty() && record.status().code() == ErrorCode::kConflict &&
        RespondFromChange(call, id, request)) {
      return false;
    }
    std::cerr << "exportctl serve: audit append failed after " << kind << ": "
              << record.status().ToString() << "\n";
    SendError(call.res, 503, "unavailable", "",
              std::string("the change was made but the audit log cannot record it: ") +
                  record.status().message());
    return false;
  }

  // ---- APIs screening clients already speak (screen/compat_api.h) -------------------------

  static bool IsCslRoute(const Route& route) {
    return std::strncmp(route.path, "/consolidated_screening_list/", 29) == 0;
  }

  static std::string UtcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
  }

  void HandleCslSearch(Call& call) {
    if (!deps.screen) return Unavailable(call, "screening");
    Reply(call, deps.screen->CslSearch(call.req.params, UtcNow()));
  }

  void HandleCslSources(Call& call) {
    if (!deps.screen) return Unavailable(call, "screening");
    Reply(call, deps.screen->CslSources());
  }

  // yente's clients read an error's "detail"; ours read "error". Both are sent.
  void HandleMatch(Call& call) {
    if (!deps.screen) return Unavailable(call, "matching");
    Result<std::string> r = Status::Ok();
    if (Status st = CheckJsonUtf8(call.req.body); !st.ok()) {
      r = st;
    } else if (NestedDeeperThan(call.req.body, options.max_json_depth)) {
      r = Status::Invalid("", "JSON nested deeper than " + std::to_string(options.max_json_depth) + " levels");
    } else {
      r = deps.screen->Match(call.param, call.req.body, call.req.params);
    }
    if (r.ok()) return SendJson(call.res, 200, *r);
    const Status& st = r.status();
    std::string body = ErrorJson(ErrorCodeName(st.code()), st.field(), st.message());
    body.pop_back();
    JsonWriter w(body);
    body += ',';
    w.Key("detail").String((st.field().empty() ? "" : st.field() + ": ") + st.message());
    body += '}';
    SendJson(call.res, HttpStatusFor(st.code()), std::move(body));
  }

  void HandleLists(Call& call) {
    if (!deps.screen) return Unavailable(call, "screening");
    Reply(call, deps.screen->Lists());
  }

  // The idempotency key the ledger sees is scoped to the caller: another caller's identical
  // key is another request.
  RequestContext Context(const Call& call) const {
    const std::string key = call.req.get_header_value("Idempotency-Key");
    return {call.key.key_id, key.empty() ? "" : audit::ScopedLedgerKey(call.key.key_id, key)};
  }

  void HandleLedgerBalances(Call& call) {
    if (!deps.ledger) return Unavailable(call, "the allocation ledger");
    Reply(call, deps.ledger->Balances(call.req.get_param_value("as_of")));
  }

  void HandleLedgerHistory(Call& call) {
    if (!deps.ledger) return Unavailable(call, "the allocation ledger");
    if (call.req.get_param_value("account").empty()) {
      return SendStatus(call.res, Status::Invalid("account", "is required"));
    }
    Reply(call, deps.ledger->History(call.req.get_param_value("account")));
  }

  template <typename Fn>
  void LedgerChange(Call& call, const char* kind, Fn fn) {
    auto body = BodyObject(call);
    if (!body.ok()) return SendStatus(call.res, body.status());
    if (!deps.ledger) return Unavailable(call, "the allocation ledger");
    const std::string request = body->dump();
    // A retry answers from the record: the ledger replays the posting, and the log keeps one
    // record of the change, under the actor who made it.
    std::string id;
    if (!RetryOfChange(call, kind, request, &id)) return;
    auto r = fn(request, Context(call));
    if (r.ok()) {
      if (!RecordChange(call, kind, request, *r, id)) return;
      metrics.CountLedgerPostings(1);
    }
    Reply(call, r);
  }

  void HandleLedgerCommit(Call& call) {
    LedgerChange(call, "ledger.commit", [&](const std::string& b, const RequestContext& c) {
      return deps.ledger->Commit(b, c);
    });
  }
  void HandleLedgerRelease(Call& call) {
    LedgerChange(call, "ledger.release", [&](const std::string& b, const RequestContext& c) {
      return deps.ledger->Release(b, c);
    });
  }
  void HandleLedgerAdjust(Call& call) {
    LedgerChange(call, "ledger.adjust", [&](const std::string& b, const RequestContext& c) {
      return deps.ledger->Adjust(b, c);
    });
  }

  ServerOptions options;
  ServerDeps deps;
  Metrics metrics;
  const bool checker_records;   // decisions are recorded in the audit log
  const check::Checker checker;  // POST /v1/check and /v1/check/batch
  // POST /v1/simulate: the bundled agreements and allocation rules, loaded on first use.
  std::once_flag simulate_init;
  Status simulate_unavailable = Status::Ok();
  std::vector<Agreement> simulate_agreements;
  std::unique_ptr<ledger::AllocationRules> simulate_rules;
  std::vector<std::string> outcome_names;
  std::string chips_json;
  std::unique_ptr<HttpServer> http;
  int port = 0;
  std::atomic<bool> started{false};
  std::mutex stop_mu;
  std::mutex clear_mu;  // HandleScreenClear
  std::condition_variable stop_cv;
  bool stopped = false;
};

Server::Server(ServerOptions options, ServerDeps deps)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(deps))) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  Impl& s = *impl_;
  if (!s.deps.dataset || !s.deps.engine || !s.deps.keys ||
      (s.options.audit_decisions && !s.deps.audit)) {
    return Status::Error(ErrorCode::kInternal, "", "server started without its dependencies");
  }
  HttpLimits limits;
  limits.max_body_bytes = s.options.max_body_bytes;
  limits.header_timeout = s.options.header_timeout;
  limits.body_timeout = s.options.body_timeout;
  limits.keep_alive_timeout = s.options.keep_alive_timeout;
  limits.max_connections = s.options.max_connections;
  limits.max_connections_per_client = s.options.max_connections_per_client;
  // Handlers run on a pool of workers (they may wait on the audit log or the ledger); the
  // connections on one event loop per core.
  limits.threads = s.options.threads > 0 ? s.options.threads : 64;
  limits.io_threads = s.options.io_threads;
  s.http = std::make_unique<HttpServer>(
      limits,
      HttpHandlers{
          .head = [&s](HttpRequest& req, HttpResponse& res) { return s.Admit(req, res); },
          .request = [&s](HttpRequest& req, HttpResponse& res) { s.Serve(req, res); },
          // Refusals by the connection layer (413, 431, malformed framing, …) in our error shape.
          .error_body = [](int status, std::string_view message) {
            return ErrorJson(DefaultCodeFor(status), "", message);
          }});
  if (Status st = s.http->Bind(s.options.host, s.options.port); !st.ok()) return st;
  s.port = s.http->port();
  s.started = true;
  s.http->Run();
  return Status::Ok();
}

int Server::port() const { return impl_->port; }

void Server::Stop() {
  if (!impl_ || !impl_->started.exchange(false)) return;
  impl_->http->Stop();
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  impl_->stopped = true;
  impl_->stop_cv.notify_all();
}

void Server::Wait() {
  std::unique_lock<std::mutex> lock(impl_->stop_mu);
  impl_->stop_cv.wait(lock, [&] { return impl_->stopped; });
}

std::vector<std::pair<std::string, std::string>> Server::Routes() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : Impl::Table()) out.emplace_back(r.method, r.path);
  return out;
}

}  // namespace exportctl::server

// exportctl serve: the HTTP API until SIGTERM/SIGINT, then a graceful stop (requests in flight
// finish, nothing new is accepted).
#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "audit/audit_log.h"
#include "audit/key_store.h"
#include "cli/commands.h"
#include "core/data_dir.h"
#include "core/validate.h"
#include "data/dataset.h"
#include "determine/engine.h"
#include "server/server.h"
#ifdef EXPORTCTL_SERVER_HAS_MODULES
#include "server/module_backends.h"
#endif

namespace exportctl::cli {
namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string ledger;
  bool no_ledger = false;  // a screening-only server: no allocation, reservations answer 503
  std::string audit;  // "" = the ledger's database when it is PostgreSQL, else under --data-dir
  size_t max_body_bytes = 1 << 20;
  size_t max_batch_lines = 10000;
  size_t max_simulate_orders = 10000;
  int threads = 64;
  size_t max_connections = 10000;
  size_t max_connections_per_client = 256;
  bool log_requests = false;
  std::string audit_sync = "full";
  int clearance_horizon_days = kDefaultClearanceHorizonDays;
};

int Fail(const Status& st) {
  PrintJsonError(ErrorCodeName(st.code()), st.field(), st.message());
  return st.code() == ErrorCode::kInvalidInput ? 2 : 1;
}

int RunServe(CliContext& ctx, const ServeOptions& o) {
  // Block the stop signals before any thread starts (the audit log's checkpointer is one), so
  // only sigwait below receives them: a thread that has them unblocked would let SIGTERM end
  // the process at once, without finishing the requests in flight.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const Dataset* data = LoadDataset(ctx);
  if (!data) return ctx.exit_code;
  // The audit log lives next to the ledger: in its PostgreSQL database when the ledger is shared
  // by several servers (so that they keep one chain), else in the data directory.
  const DataDir dir(ctx.data_dir);
  const std::string audit_location = dir.AuditLocation(o.audit, o.ledger);
  auto log = audit::OpenAuditLog(
      {.location = audit_location,
       .clock = {},
       .read_only = false,
       .durability = o.audit_sync == "normal" ? audit::Durability::kProcessCrash
                                              : audit::Durability::kFsync});
  if (!log.ok()) return Fail(log.status());
  auto keys = audit::KeyStore::Open(dir.keys());
  if (!keys.ok()) return Fail(keys.status());
  auto key_list = (*keys)->List();
  if (key_list.ok() && key_list->empty()) {
    std::cerr << "exportctl serve: no API keys yet; create one with `exportctl keys create --role "
                 "analyst`\n";
  }
  std::unique_ptr<server::LedgerService> ledger;
  std::unique_ptr<server::ScreenService> screen;
  std::unique_ptr<server::OwnershipService> ownership;
  std::unique_ptr<server::LicenseService> licenses;
#ifdef EXPORTCTL_SERVER_HAS_MODULES
  // The ledger: --ledger, else the embedded SQLite ledger under the data directory (created on
  // first use), unless --no-ledger asks for a screening-only server.
  if (o.no_ledger) {
    std::cerr << "exportctl serve: --no-ledger: allocation not consulted; ledger routes and "
                 "\"reserve\" answer 503\n";
  } else {
    std::error_code ec;
    if (o.ledger.empty()) std::filesystem::create_directories(ctx.data_dir, ec);
    if (ec) return Fail(Status::Invalid("--data-dir", "cannot create " + ctx.data_dir + ": " + ec.message()));
    auto opened = server::OpenLedgerService(ctx.regulatory_data_dir, ctx.data_dir, o.ledger);
    if (!opened.ok()) return Fail(opened.status());
    ledger = std::move(opened).value();
  }
  // Screening: against the lists imported under --data-dir. Lists present but unreadable stop
  // the server rather than deciding as if unscreened.
  auto screener = server::OpenScreenService(ctx.data_dir, {}, o.clearance_horizon_days, ctx.max_list_age_days);
  if (screener.ok()) {
    screen = std::move(screener).value();
  } else if (screener.status().code() == ErrorCode::kNotFound) {
    std::cerr << "exportctl serve: no restricted-party lists imported: screening not performed "
                 "(decisions say so) and screening routes answer 503 until `exportctl lists import`\n";
    screen = server::AwaitScreenService(ctx.data_dir, {}, o.clearance_horizon_days, ctx.max_list_age_days);
  } else {
    return Fail(screener.status());
  }
  // The ownership graph (none imported yet: checks weigh the stated owners until an import).
  // (Its coverage reads the lists open at start; a server started without lists weighs owners'
  // listings in checks once lists are imported, and `ownership show` after a restart.)
  auto graph = server::OpenOwnershipService(ctx.data_dir, *data, screen && screen->screener()->Ready() ? screen->screener() : nullptr);
  if (!graph.ok()) return Fail(graph.status());
  ownership = std::move(graph).value();
  licenses = server::OpenLicenseService(ctx.data_dir, *data);
#else
  if (!o.ledger.empty()) {
    std::cerr << "exportctl serve: this build has no ledger module: ledger routes answer 503\n";
  }
#endif
  Engine engine(*data);

  server::ServerOptions options;
  options.host = o.host;
  options.port = o.port;
  options.max_body_bytes = o.max_body_bytes;
  options.max_batch_lines = o.max_batch_lines;
  options.max_simulate_orders = o.max_simulate_orders;
  options.threads = o.threads;
  options.max_connections = o.max_connections;
  options.max_connections_per_client = o.max_connections_per_client;
  options.log_requests = o.log_requests;

  server::Server server(options, {.dataset = data,
                                  .engine = &engine,
                                  .audit = log->get(),
                                  .keys = keys->get(),
                                  .ledger = ledger.get(),
                                  .screen = screen.get(),
                                  .ownership = ownership.get(),
                                  .licenses = licenses.get()});
  if (Status st = server.Start(); !st.ok()) return Fail(st);
  std::cerr << "exportctl serve: listening on http://" << o.host << ":" << server.port()
            << " (data " << data->version() << ", audit log "
            << audit::RedactLocation(audit_location) << ")\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "exportctl serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
            << ": finishing requests in flight\n";
  server.Stop();
  std::cerr << "exportctl serve: stopped\n";
  return 0;
}

}  // namespace

void RegisterServeCommand(CLI::App& app, CliContext& ctx) {
  static ServeOptions o;
  auto* serve = app.add_subcommand("serve", "Serve the HTTP API (docs/openapi.json)");
  serve->add_option("--port", o.port, "TCP port (default 8080; 0 = any free port)");
  serve->add_option("--host", o.host, "Address to listen on (default 127.0.0.1)");
  auto* ledger_opt = serve->add_option("--ledger", o.ledger,
                                       "Ledger: a SQLite path or postgresql://… (default: ledger.sqlite under "
                                       "--data-dir, created if absent)");
  serve->add_flag("--no-ledger", o.no_ledger,
                  "Serve without the allocation ledger (screening and decisions only; ledger routes and "
                  "\"reserve\" answer 503)")
      ->excludes(ledger_opt);
  serve->add_option("--audit", o.audit,
                    "Audit log: a SQLite path or postgresql://… (default: the ledger's database "
                    "when --ledger is postgresql://…, else audit.sqlite under --data-dir)");
  serve->add_option("--max-body-bytes", o.max_body_bytes, "Larger request bodies get 413 (default 1 MiB)");
  serve->add_option("--max-batch-lines", o.max_batch_lines, "Transactions per POST /v1/check/batch (default 10000)");
  serve->add_option("--max-simulate-orders", o.max_simulate_orders,
                    "Orders per POST /v1/simulate, after the demand is expanded (default 10000)");
  serve->add_option("--threads", o.threads, "Requests handled at once: worker threads, apart from the connections' event loops (one per core) (default 64)");
  serve->add_option("--max-connections", o.max_connections,
                    "Open connections at once; more get 503 (default 10000)");
  serve->add_option("--max-connections-per-client", o.max_connections_per_client,
                    "Open connections per client IP address; more get 503 (default 256; raise it "
                    "behind a reverse proxy, whose connections all come from one address)");
  serve->add_option("--clearance-horizon-days", o.clearance_horizon_days,
                    "Latest expiry of a clearance (POST /v1/screen/clear), in days from today (default " +
                        std::to_string(kDefaultClearanceHorizonDays) + ")");
  serve->add_flag("--log-requests", o.log_requests, "One line per request on stderr");
  serve->add_option("--audit-sync", o.audit_sync,
                    "full (default): a decision is on disk before its response; normal: it survives "
                    "a crash of the server but not of the machine (or, in PostgreSQL, of the "
                    "database server; docs/audit.md)")
      ->check(CLI::IsMember({"full", "normal"}));
  serve->callback([&ctx] { ctx.exit_code = RunServe(ctx, o); });
}

}  // namespace exportctl::cli

// Two `exportctl serve` processes on one PostgreSQL ledger, driven concurrently over real sockets
// on 127.0.0.1 with reserving checks against a small remaining allocation (License Exception LPP
// for one consignee): the reservations never exceed the cap, every acknowledged one is in the
// ledger and in the (shared) audit log, and the chain verifies. Skipped locally without PostgreSQL; a failure in CI (CI=true).
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <set>
#include <thread>

#include "audit/audit_test_util.h"
#include "server/response_json_testing.h"

extern char** environ;

namespace exportctl::server {
namespace {

using nlohmann::json;
using testing::ResponseJson;

struct Child {
  pid_t pid = -1;
  std::string output;  // stdout (or, with capture_stderr, stderr) until the process ended
};

// Runs exportctl with args and returns its exit code and stdout.
int RunCli(const std::vector<std::string>& args, std::string* out) {
  std::string cmd = EXPORTCTL_BINARY;
  for (const auto& a : args) cmd += " '" + a + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Starts `exportctl serve --port <*port, 0 = any> …` and reads its port from the "listening on"
// line (stderr).
pid_t StartServe(const std::vector<std::string>& args, int* port) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> all{EXPORTCTL_BINARY, "serve", "--port", std::to_string(*port)};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return -1;
  }
  // Read stderr until the port is known; then drain it on a thread so the server never blocks.
  std::string seen;
  char c;
  *port = 0;
  while (::read(fds[0], &c, 1) == 1) {
    seen += c;
    const size_t at = seen.find("listening on http://127.0.0.1:");
    if (at != std::string::npos && c == ' ' && seen.size() > at + 30) {
      *port = std::atoi(seen.c_str() + at + 30);
      break;
    }
  }
  if (*port == 0) ADD_FAILURE() << "exportctl serve did not start:\n" << seen;
  std::thread([fd = fds[0]] {
    char buf[4096];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    ::close(fd);
  }).detach();
  return pid;
}

int Stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) std::fprintf(stderr, "exportctl serve ended by signal %d\n", WTERMSIG(status));
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Tier 1 destination, consignee headquartered in Tier 2: License Exception LPP draws on the
// consignee's yearly allowance (account lpp:c, the identity of "C").
constexpr char kLppCheck[] =
    R"({"reserve":true,"reference":"SO","as_of":"2025-06-01","posture":"codified",)"
    R"("destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":8}],)"
    R"("parties":[{"role":"ultimate_consignee","name":"C","country":"MY","headquarters":"IN","ultimate_parent_headquarters":"IN"}]})";

TEST(TwoServersOnePostgresLedger, ConcurrentReservationsNeverExceedTheCap) {
  audit::testing::TestDatabase db("postgresql", "");
  AUDIT_REQUIRE_DATABASE(db);
  const std::string url = db.location();
  const std::string data_dir = db.dir();

  std::string created;
  ASSERT_EQ(RunCli({"keys", "--data-dir", data_dir, "--audit", url, "create", "--role", "officer",
                    "--json"},
                   &created),
            0)
      << created;
  const std::string token = json::parse(created)["key"];

  int port_a = 0, port_b = 0;
  const pid_t a = StartServe({"--data-dir", data_dir, "--ledger", url}, &port_a);
  const pid_t b = StartServe({"--data-dir", data_dir, "--ledger", url}, &port_b);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  ASSERT_TRUE(port_a > 0 && port_b > 0);
  struct StopBoth {
    pid_t a, b;
    ~StopBoth() {
      if (a > 0) Stop(a);
      if (b > 0) Stop(b);
    }
  } stop_both{a, b};

  auto headers = [&](const std::string& key) {
    return httplib::Headers{{"Authorization", "Bearer " + token}, {"Idempotency-Key", key}};
  };
  // One reservation to learn the size of a request and the cap.
  httplib::Client setup("127.0.0.1", port_a);
  auto first = setup.Post("/v1/check", headers("setup-1"), kLppCheck, "application/json");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const json first_decision = ResponseJson(first->body);
  ASSERT_EQ(first_decision["ledger_postings"].size(), 1u) << first->body;
  const double per_request = first_decision["ledger_postings"][0]["tpp"];
  auto balances = setup.Get("/v1/ledger/balances?as_of=2025-06-01", headers("b"));
  ASSERT_EQ(balances->status, 200) << balances->body;
  const json balance = ResponseJson(balances->body)["balances"].at(0);
  ASSERT_EQ(balance["account"], "lpp:c");
  const double cap = balance["cap_tpp"];
  const double remaining = balance["remaining_tpp"];
  ASSERT_GT(remaining, 6 * per_request);
  // An officer's adjustment leaves room for exactly five more requests (and a half).
  constexpr int kFits = 5;
  json adjust = {{"account", "lpp:c"},
                 {"tpp", remaining - (kFits + 0.5) * per_request},
                 {"reason", "test: small remaining allocation"},
                 {"as_of", "2025-06-01"}};
  auto adjusted = setup.Post("/v1/ledger/adjust", headers("adjust-1"), adjust.dump(),
                             "application/json");
  ASSERT_EQ(adjusted->status, 200) << adjusted->body;

  // The burst: four clients per server, forty reserving checks in all. Each one reserves: on
  // lpp:c while License Exception LPP still covers it, else (a license is needed) on Malaysia's
  // Tier 2 country allocation (15 CFR 742.6(b)(10)(iii)(B)).
  std::mutex mu;
  std::vector<json> decisions;
  std::atomic<int> errors{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", t % 2 ? port_b : port_a);
      c.set_keep_alive(true);
      for (int i = 0; i < 5; ++i) {
        auto r = c.Post("/v1/check", headers("burst-" + std::to_string(t) + "-" + std::to_string(i)),
                        kLppCheck, "application/json");
        if (!r || r->status != 200) {
          ++errors;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        decisions.push_back(ResponseJson(r->body));
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(errors.load(), 0);
  ASSERT_EQ(decisions.size(), 40u);
  int lpp = 0;
  for (const auto& d : decisions) {
    ASSERT_EQ(d["ledger_postings"].size(), 1u) << d.dump();
    const bool on_lpp = d["ledger_postings"][0]["account"] == "lpp:c";
    EXPECT_EQ(on_lpp, d["license_exception"] == "LPP") << d.dump();
    lpp += on_lpp;
  }
  EXPECT_EQ(lpp, kFits);  // every request that fitted got it, and no more

  // The ledger: never over the cap, and it holds exactly the reservations acknowledged.
  auto after = setup.Get("/v1/ledger/balances?as_of=2025-06-01", headers("b2"));
  ASSERT_EQ(after->status, 200);
  const json balance_report = ResponseJson(after->body);  // held: the loop reads into it
  for (const auto& b : balance_report["balances"]) {
    if (b["account"] != "lpp:c") continue;
    const double held = b["reserved_tpp"].get<double>() + b["used_tpp"].get<double>();
    EXPECT_LE(held, cap + 1e-6);
    EXPECT_GE(b["remaining_tpp"].get<double>(), -1e-6);
    EXPECT_LT(b["remaining_tpp"].get<double>(), per_request);  // and the cap was reached
  }
  std::set<int64_t> reserve_ids;
  for (const char* account : {"lpp:c", "country:MY"}) {
    auto history = setup.Get(std::string("/v1/ledger/history?account=") + account, headers("h"));
    ASSERT_EQ(history->status, 200) << history->body;
    for (const auto& p : ResponseJson(history->body)) {
      if (p["kind"] == "reserve") reserve_ids.insert(p["id"].get<int64_t>());
    }
  }
  EXPECT_EQ(reserve_ids.size(), 41u);  // the setup one and the burst's
  // Each acknowledged reservation is in the ledger and in the audit log (read through the other
  // server).
  httplib::Client other("127.0.0.1", port_b);
  for (const auto& d : decisions) {
    const int64_t id = d["ledger_postings"][0]["id"];
    EXPECT_TRUE(reserve_ids.count(id)) << id;
    auto rec = other.Get("/v1/decisions/" + d["decision_id"].get<std::string>(), headers("r"));
    ASSERT_EQ(rec->status, 200) << rec->body;
    EXPECT_EQ(ResponseJson(rec->body)["payload"]["ledger_postings"], d["ledger_postings"]);
  }
  EXPECT_EQ(Stop(a), 0);
  EXPECT_EQ(Stop(b), 0);
  stop_both.a = stop_both.b = -1;

  // One chain: the key event, 41 decisions and the adjustment, from two processes.
  std::string verified;
  EXPECT_EQ(RunCli({"audit", "--audit", url, "verify"}, &verified), 0) << verified;
  const json report = json::parse(verified);
  EXPECT_TRUE(report["ok"].get<bool>()) << verified;
  EXPECT_EQ(report["records_checked"], 1 + 41 + 1) << verified;
}


// The retry storm of issue 10: clients retry the same reserving requests (some under an
// Idempotency-Key, from two officers; some known only by their reference, sent by both), several
// copies at once, while the server is killed with SIGKILL and restarted. Afterwards the ledger and
// the audit log agree posting for posting, every posting is in exactly one record, and every
// acknowledged reservation holds (reserved, never released).
// Without --ledger, serve creates the embedded SQLite ledger under the data directory and
// reserves on it; --no-ledger keeps a screening-only server whose reservations answer 503.
TEST(ServeDefaults, CreatesTheLedgerUnderTheDataDirectory) {
  char tmpl[] = "/tmp/exportctl_serve_defaults_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/data";  // does not exist yet
  std::string created;
  // The global --data-dir after the subcommand, and keys create --json with the secret under "key".
  ASSERT_EQ(RunCli({"keys", "create", "--role", "officer", "--json", "--data-dir", dir}, &created), 0) << created;
  const json key = json::parse(created);
  for (const char* field : {"key_id", "role", "label", "key"}) EXPECT_TRUE(key.contains(field)) << created;
  const std::string token = key["key"];
  httplib::Headers h{{"Authorization", "Bearer " + token}};

  int port = 0;
  pid_t pid = StartServe({"--data-dir", dir}, &port);
  ASSERT_GT(pid, 0);
  {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Post("/v1/check", h, kLppCheck, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_FALSE(ResponseJson(r->body)["ledger_postings"].empty()) << r->body;
  }
  EXPECT_EQ(Stop(pid), 0);
  EXPECT_TRUE(std::ifstream(dir + "/ledger.sqlite").good());

  port = 0;
  pid = StartServe({"--data-dir", dir, "--no-ledger"}, &port);
  ASSERT_GT(pid, 0);
  {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Post("/v1/check", h, kLppCheck, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503) << r->body;
  }
  EXPECT_EQ(Stop(pid), 0);
  std::filesystem::remove_all(tmpl);
}

// A server started before any list was imported picks the lists up when they are imported: until
// then checks say screening was not performed and /v1/screen answers 503; afterwards a listed
// consignee needs a license, without a restart.
TEST(ServeDefaults, ListsImportedAfterStartAreUsedWithoutARestart) {
  char tmpl[] = "/tmp/exportctl_serve_lists_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/data";
  std::string created;
  ASSERT_EQ(RunCli({"keys", "create", "--role", "analyst", "--json", "--data-dir", dir}, &created), 0) << created;
  httplib::Headers h{{"Authorization", "Bearer " + json::parse(created)["key"].get<std::string>()}};
  const std::string order =
      R"({"as_of":"2026-11-29","destination":"DE","items":[{"chip":"L40","quantity":1}],)"
      R"("parties":[{"role":"ultimate_consignee","name":"Inspur Taiwan","country":"TW","headquarters":"TW","ultimate_parent_headquarters":"TW"}]})";
  int port = 0;
  const pid_t pid = StartServe({"--data-dir", dir, "--no-ledger", "--max-list-age-days", "36500"}, &port);
  ASSERT_GT(pid, 0);
  httplib::Client c("127.0.0.1", port);
  auto before = c.Post("/v1/check", h, order, "application/json");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200) << before->body;
  EXPECT_TRUE(ResponseJson(before->body)["list_versions"].empty()) << before->body;
  auto screen_before = c.Get("/v1/screen?name=Inspur%20Taiwan", h);
  ASSERT_TRUE(screen_before);
  EXPECT_EQ(screen_before->status, 503) << screen_before->body;

  const std::string list = std::string(tmpl) + "/consolidated_2026-11-29.json";
  std::ofstream(list) << R"({"results":[{"id":"it","source":"Entity List (EL) - Bureau of Industry and Security","name":"Inspur Taiwan",)"
                         R"("license_requirement":"For all items subject to the EAR.","license_policy":"Presumption of denial.","federal_register_notice":"88 FR 1"}]})";
  std::string imported;
  ASSERT_EQ(RunCli({"lists", "import", list, "--data-dir", dir}, &imported), 0) << imported;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // looked for at most once a second
  auto after = c.Post("/v1/check", h, order, "application/json");
  ASSERT_TRUE(after);
  ASSERT_EQ(after->status, 200) << after->body;
  const json d = ResponseJson(after->body);
  EXPECT_EQ(d["outcome"], "LICENSE_REQUIRED") << after->body;
  EXPECT_FALSE(d["list_versions"].empty()) << after->body;
  auto screen_after = c.Get("/v1/screen?name=Inspur%20Taiwan", h);
  ASSERT_TRUE(screen_after);
  EXPECT_EQ(screen_after->status, 200) << screen_after->body;
  const json hits = ResponseJson(screen_after->body);
  EXPECT_FALSE(hits["hits"].empty()) << screen_after->body;
  EXPECT_TRUE(hits["threshold"].is_number()) << "the console shows the threshold hits are cut at: " << screen_after->body;
  EXPECT_EQ(Stop(pid), 0);
  std::filesystem::remove_all(tmpl);
}

TEST(RetryStorm, LedgerAndAuditLogAgreeAfterSigkills) {
  char tmpl[] = "/tmp/exportctl_storm_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string ledger = dir + "/ledger.sqlite";
  std::string tokens[2];
  for (auto& token : tokens) {
    std::string created;
    ASSERT_EQ(RunCli({"keys", "--data-dir", dir, "create", "--role", "officer", "--json"}, &created), 0)
        << created;
    token = json::parse(created)["key"];
  }
  std::atomic<int> port{0};
  int first_port = 0;
  std::atomic<pid_t> pid{StartServe({"--data-dir", dir, "--ledger", ledger}, &first_port)};
  ASSERT_GT(pid.load(), 0);
  ASSERT_GT(first_port, 0);
  port = first_port;

  // Sixteen requests: even ones under a key (officer i % 2), odd ones by reference only.
  struct Request {
    std::string body, key;
    int officer;
  };
  std::vector<Request> requests;
  for (int i = 0; i < 16; ++i) {
    json tx = json::parse(kLppCheck);
    tx["reference"] = "STORM-" + std::to_string(i);
    tx["items"][0]["quantity"] = 1 + i % 3;
    requests.push_back({tx.dump(), i % 2 == 0 ? "storm-key-" + std::to_string(i) : "", (i / 2) % 2});
  }
  struct Answer {
    int status;
    std::string body;
    int officer;
  };
  std::mutex mu;
  std::vector<std::vector<Answer>> answers(requests.size());
  std::atomic<int> unanswered{0};  // attempts the kills cut off (no response at all)
  std::atomic<int> definitive{0};  // definitive answers so far: the kills wait on these, not a clock
  std::vector<std::thread> clients;
  // Eight clients; each sends every request three times over (and the requests by reference from
  // both officers), so copies of one request race each other and the kills.
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < requests.size(); ++i) {
          const Request& rq = requests[(i + t * 3) % requests.size()];
          const size_t index = (i + t * 3) % requests.size();
          const int officer = rq.key.empty() ? (t + round) % 2 : rq.officer;
          httplib::Headers h{{"Authorization", "Bearer " + tokens[officer]}};
          if (!rq.key.empty()) h.emplace("Idempotency-Key", rq.key);
          // Retry until the answer is definitive (200 or 409): a killed server gives none.
          for (int attempt = 0; attempt < 400; ++attempt) {
            httplib::Client c("127.0.0.1", port.load());
            c.set_connection_timeout(1);
            c.set_read_timeout(10);
            auto r = c.Post("/v1/check", h, rq.body, "application/json");
            if (r && (r->status == 200 || r->status == 409)) {
              std::lock_guard<std::mutex> lock(mu);
              answers[index].push_back({r->status, r->body, officer});
              ++definitive;
              break;
            }
            if (r) {  // 503 and the like: a defect, not a reason to wait
              ADD_FAILURE() << r->status << " " << r->body;
              break;
            }
            ++unanswered;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
          }
        }
      }
    });
  }
  // Two kills mid-storm (after a quarter and after half of the 384 sends were answered, so a
  // fast machine cannot finish the storm before the first kill), each followed by a restart on the
  // same port.
  const int total_sends = 8 * 3 * static_cast<int>(requests.size());
  for (int kill = 0; kill < 2; ++kill) {
    const int wait_for = total_sends * (kill + 1) / 4;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (definitive.load() < wait_for && std::chrono::steady_clock::now() < give_up)
      std::this_thread::yield();
    ::kill(pid.load(), SIGKILL);
    int status = 0;
    ::waitpid(pid.load(), &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status));
    int again = first_port;
    pid = StartServe({"--data-dir", dir, "--ledger", ledger}, &again);
    ASSERT_EQ(again, first_port);
  }
  for (auto& c : clients) c.join();
  EXPECT_GT(unanswered.load(), 0);  // the kills did land mid-storm

  // Every request has answers; the 200s of one request are one decision with one set of postings.
  std::map<int64_t, std::string> acknowledged;  // reserve posting id → decision id
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_FALSE(answers[i].empty()) << "request " << i << " got no definitive answer";
    std::string decision;
    json postings;
    std::set<int> officers_with_200;
    for (const auto& a : answers[i]) {
      const json body = ResponseJson(a.body);
      if (a.status == 409) {
        // Only a reference sent by the officer who did not reserve it is refused.
        EXPECT_TRUE(requests[i].key.empty()) << a.body;
        continue;
      }
      officers_with_200.insert(a.officer);
      if (decision.empty()) {
        decision = body["decision_id"];
        postings = body["ledger_postings"];
      }
      EXPECT_EQ(body["decision_id"], decision) << "request " << i;
      EXPECT_EQ(body["ledger_postings"], postings) << "request " << i;
    }
    ASSERT_FALSE(decision.empty()) << "request " << i << " was never acknowledged";
    EXPECT_EQ(officers_with_200.size(), 1u) << "request " << i;
    ASSERT_EQ(postings.size(), 1u) << postings.dump();
    acknowledged[postings[0]["id"].get<int64_t>()] = decision;
  }
  EXPECT_EQ(Stop(pid.load()), 0);

  // The ledger and the log, posting for posting.
  std::string ledger_lines, audit_lines, verified;
  ASSERT_EQ(RunCli({"ledger", "export", "--ledger", ledger}, &ledger_lines), 0) << ledger_lines;
  ASSERT_EQ(RunCli({"audit", "--data-dir", dir, "export"}, &audit_lines), 0);
  ASSERT_EQ(RunCli({"audit", "--data-dir", dir, "verify"}, &verified), 0) << verified;
  std::map<int64_t, json> ledger_postings;
  std::set<int64_t> released;
  std::istringstream ls(ledger_lines);
  for (std::string line; std::getline(ls, line);) {
    if (line.empty()) continue;
    const json p = json::parse(line);
    ledger_postings[p["id"].get<int64_t>()] = p;
    if (p["kind"] == "release") released.insert(p["reservation_id"].get<int64_t>());
  }
  std::map<int64_t, int> recorded;  // posting id → records that carry it
  std::istringstream as(audit_lines);
  for (std::string line; std::getline(as, line);) {
    if (line.empty()) continue;
    const json r = json::parse(line);
    const json& payload = r["payload"];
    json postings = json::array();
    if (r["kind"] == "decision") postings = payload.value("ledger_postings", json::array());
    if (std::string(r["kind"]).rfind("ledger.", 0) == 0) {
      postings = payload["result"].is_array() ? payload["result"] : json::array({payload["result"]});
    }
    for (const auto& p : postings) ++recorded[p["id"].get<int64_t>()];
  }
  for (const auto& [id, p] : ledger_postings) {
    EXPECT_EQ(recorded[id], 1) << "posting " << id << " (" << p.dump() << ") in " << recorded[id]
                               << " audit records";
  }
  for (const auto& [id, n] : recorded) EXPECT_TRUE(ledger_postings.count(id)) << "posting " << id;
  for (const auto& [id, decision] : acknowledged) {
    ASSERT_TRUE(ledger_postings.count(id)) << id;
    EXPECT_EQ(ledger_postings[id]["kind"], "reserve");
    EXPECT_EQ(ledger_postings[id]["decision_id"], decision);
    EXPECT_FALSE(released.count(id)) << "acknowledged reservation " << id << " was released";
  }
  std::string cmd = "rm -rf '" + dir + "'";
  (void)std::system(cmd.c_str());
}
}  // namespace
}  // namespace exportctl::server

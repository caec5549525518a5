// Drives the server over real sockets on 127.0.0.1: routes, auth, bad input, audit, crash safety.
#include "server/server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "audit/replay.h"
#include "data/dataset.h"
#include "determine/engine.h"
#include "ownership/ownership.h"
#include "server/response_json_testing.h"
#include "simulate/simulate.h"
#ifdef EXPORTCTL_SERVER_HAS_MODULES
#include "screen/screen.h"
#include "server/module_backends.h"
#endif

namespace exportctl::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CheckEveryResponse;
using testing::ResponseJson;

const Dataset& SharedDataset() {
  static std::unique_ptr<Dataset> data = [] {
    auto d = Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR);
    if (!d.ok()) {
      std::cerr << d.status().ToString() << "\n";
      std::abort();
    }
    return std::move(d).value();
  }();
  return *data;
}

constexpr char kTransaction[] =
    R"({"reference":"SO-1","as_of":"2025-06-01","destination":"CN",)"
    R"("items":[{"chip":"H100 SXM5 80GB","quantity":10}],)"
    R"("parties":[{"role":"ultimate_consignee","name":"X","country":"CN","headquarters":"CN","ultimate_parent_headquarters":"CN"}]})";

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("server_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Everything a running server needs, in one place, so tests and the crash child share it.
struct Stack {
  explicit Stack(const fs::path& dir, ServerOptions options = {}) : engine(SharedDataset()) {
    auto log = audit::OpenSqliteAuditLog({.path = (dir / "audit.sqlite").string(), .clock = {},
                                          .read_only = false});
    if (!log.ok()) std::abort();
    audit_log = std::move(*log);
    auto k = audit::KeyStore::Open((dir / "keys.sqlite").string(), {}, std::chrono::milliseconds(0));
    if (!k.ok()) std::abort();
    keys = std::move(*k);
    options.host = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<Server>(options, ServerDeps{.dataset = &SharedDataset(),
                                                          .engine = &engine,
                                                          .audit = audit_log.get(),
                                                          .keys = keys.get()});
  }
  Engine engine;
  std::unique_ptr<audit::AuditLog> audit_log;
  std::unique_ptr<audit::KeyStore> keys;
  std::unique_ptr<Server> server;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ServerOptions options;
    options.max_body_bytes = 64 * 1024;
    options.max_batch_lines = 100;
    options.max_simulate_orders = 20;
    options.today = [] { return Date::FromYmd(2025, 6, 1); };
    stack_ = std::make_unique<Stack>(dir_, options);
    viewer_ = stack_->keys->Create(audit::Role::kViewer, "viewer")->token;
    analyst_ = stack_->keys->Create(audit::Role::kAnalyst, "analyst")->token;
    officer_ = stack_->keys->Create(audit::Role::kOfficer, "officer")->token;
    ASSERT_TRUE(stack_->server->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", stack_->server->port());
    CheckEveryResponse(*client_);
    client_->set_keep_alive(true);
  }
  void TearDown() override {
    client_.reset();
    stack_.reset();
    fs::remove_all(dir_);
  }

  httplib::Result Post(const std::string& path, const std::string& body, const std::string& key,
                       httplib::Headers headers = {}) {
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    return client_->Post(path.c_str(), headers, body, "application/json");
  }
  httplib::Result Get(const std::string& path, const std::string& key) {
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    return client_->Get(path.c_str(), headers);
  }
  int64_t AuditCount() { return stack_->audit_log->Head()->seq; }
  static json ErrorOf(const httplib::Result& r) {
    auto j = ResponseJson(r->body);
    EXPECT_TRUE(j.is_object() && j.contains("error")) << r->body;
    if (!j.is_object() || !j.contains("error")) return json::object();
    EXPECT_TRUE(j["error"].contains("code") && j["error"].contains("message") &&
                j["error"].contains("field"))
        << r->body;
    return j["error"];
  }

  fs::path dir_;
  std::unique_ptr<Stack> stack_;
  std::unique_ptr<httplib::Client> client_;
  std::string viewer_, analyst_, officer_;
};

TEST_F(ServerTest, HealthzIsPublic) {
  auto r = Get("/healthz", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(ResponseJson(r->body)["status"], "ok");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");  // JSON is never sniffed as HTML
  auto denied = Get("/v1/audit/records", "");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->get_header_value("X-Content-Type-Options"), "nosniff") << denied->status;
}

// The web console is served without a key, with headers that forbid inline script, framing,
// sniffing and the Referer; its files are embedded, so nothing comes from elsewhere.
TEST_F(ServerTest, ConsoleIsPublicWithStrictHeaders) {
  for (const char* path : {"/", "/console/app.js", "/console/app.css"}) {
    auto r = Get(path, "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_FALSE(r->body.empty()) << path;
    const std::string csp = r->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << path;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << path;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer") << path;
    EXPECT_FALSE(r->has_header("Set-Cookie")) << path;
  }
  auto page = Get("/", "");
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<script type=\"module\" src=\"/console/app.js\"></script>"), std::string::npos);
  EXPECT_EQ(page->body.find("<script>"), std::string::npos) << "no inline script";
  EXPECT_EQ(Get("/console/app.js", "")->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  auto missing = Get("/console/nothing.js", "");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ErrorOf(missing)["code"], "not_found");
  EXPECT_EQ(Get("/console/", "")->status, 404);
  EXPECT_EQ(Post("/", "{}", "")->status, 405);
}

TEST_F(ServerTest, MeNamesTheKeysRole) {
  EXPECT_EQ(Get("/v1/me", "")->status, 401);
  for (const auto& [key, role] : {std::pair{viewer_, "viewer"}, {analyst_, "analyst"}, {officer_, "officer"}}) {
    auto r = Get("/v1/me", key);
    ASSERT_EQ(r->status, 200) << r->body;
    json me = ResponseJson(r->body);
    EXPECT_EQ(me["role"], role);
    EXPECT_EQ(key.find(me["key_id"].get<std::string>()), 4u);  // exk_<key id>_<secret>
    EXPECT_TRUE(me.contains("label"));
  }
}

// The console's Audit screen: records filtered and paged, the chain verified, a decision replayed.
TEST_F(ServerTest, AuditListFiltersPagesVerifiesAndReplays) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Post("/v1/check", kTransaction, analyst_)->status, 200);
  auto all = Get("/v1/audit?kind=decision", viewer_);
  ASSERT_EQ(all->status, 200) << all->body;
  json page = ResponseJson(all->body);
  ASSERT_EQ(page["records"].size(), 3u);
  EXPECT_TRUE(page["next_after"].is_null());
  const json first = page["records"][0];
  EXPECT_EQ(first["seq"], 1);
  EXPECT_EQ(first["kind"], "decision");
  EXPECT_EQ(first["outcome"], "LICENSE_REQUIRED");
  EXPECT_FALSE(first["hash"].get<std::string>().empty());

  auto paged = ResponseJson(Get("/v1/audit?limit=2", viewer_)->body);
  ASSERT_EQ(paged["records"].size(), 2u);
  ASSERT_EQ(paged["next_after"], paged["records"][1]["seq"]);
  auto rest = ResponseJson(Get("/v1/audit?limit=2&after=" + paged["next_after"].dump(), viewer_)->body);
  ASSERT_EQ(rest["records"].size(), 1u);
  EXPECT_EQ(rest["records"][0]["seq"], page["records"][2]["seq"]);
  EXPECT_EQ(ResponseJson(Get("/v1/audit?outcome=PROHIBITED", viewer_)->body)["records"].size(), 0u);
  EXPECT_EQ(ResponseJson(Get("/v1/audit?to=2000-01-01", viewer_)->body)["records"].size(), 0u);
  EXPECT_EQ(ErrorOf(Get("/v1/audit?limit=0", viewer_))["field"], "limit");
  EXPECT_EQ(ErrorOf(Get("/v1/audit?limit=10x", viewer_))["field"], "limit");
  EXPECT_EQ(ErrorOf(Get("/v1/audit?from=yesterday", viewer_))["field"], "from");
  EXPECT_EQ(Get("/v1/audit", "")->status, 401);

  auto verify = Get("/v1/audit/verify", viewer_);
  ASSERT_EQ(verify->status, 200);
  json report = ResponseJson(verify->body);
  EXPECT_TRUE(report["ok"].get<bool>());
  EXPECT_EQ(report["records_checked"], 3);

  auto replay = Get("/v1/audit/replay/" + first["id"].get<std::string>(), viewer_);
  ASSERT_EQ(replay->status, 200) << replay->body;
  json r = ResponseJson(replay->body);
  EXPECT_TRUE(r["agrees"].get<bool>());
  EXPECT_EQ(r["recorded_outcome"], "LICENSE_REQUIRED");
  EXPECT_EQ(AuditCount(), 3) << "a replay records nothing";
  EXPECT_EQ(Get("/v1/audit/replay/dec_nothing", viewer_)->status, 404);
}

// A record of any kind by its id (the console shows the last list import's re-screen), while
// /v1/decisions/{id} stays for decisions.
TEST_F(ServerTest, AuditRecordOfAnyKindById) {
  auto event = stack_->audit_log->Append({.id = "", .kind = "lists.rescreened", .actor = "cli:test",
                                          .payload = R"({"rescreened_parties":2,"new_hits":[{"party":"<b>x</b>"}]})"});
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  const std::string id = event->id;
  auto r = Get("/v1/audit/records/" + id, viewer_);
  ASSERT_EQ(r->status, 200) << r->body;
  json record = ResponseJson(r->body);
  EXPECT_EQ(record["kind"], "lists.rescreened");
  EXPECT_EQ(record["id"], id);
  EXPECT_NE(r->body.find("<b>x</b>"), std::string::npos) << r->body;
  EXPECT_EQ(Get("/v1/decisions/" + id, viewer_)->status, 404) << "not a decision";
  EXPECT_EQ(Get("/v1/audit/records/evt_nothing", viewer_)->status, 404);
  EXPECT_EQ(Get("/v1/audit/records/" + id, "")->status, 401);
}

TEST_F(ServerTest, CheckDecidesAndRecords) {
  auto r = Post("/v1/check", kTransaction, analyst_);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  json d = ResponseJson(r->body);
  EXPECT_EQ(d["outcome"], "LICENSE_REQUIRED");
  const std::string id = d["decision_id"];
  EXPECT_EQ(AuditCount(), 1);

  auto recorded = Get("/v1/decisions/" + id, viewer_);
  ASSERT_EQ(recorded->status, 200) << recorded->body;
  json rec = ResponseJson(recorded->body);
  EXPECT_EQ(rec["kind"], "decision");
  EXPECT_EQ(rec["payload"]["decision"], d);
  EXPECT_EQ(rec["payload"]["request"]["destination"], "CN");
  EXPECT_EQ(rec["actor"].get<std::string>().size(), 16u);  // the key id, never the token
  EXPECT_EQ(recorded->body.find(analyst_), std::string::npos);

  auto record = stack_->audit_log->Get(id);
  ASSERT_TRUE(record.ok());
  auto replay = audit::ReplayDecision(*record, stack_->engine);
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_TRUE(replay->agrees);
  EXPECT_TRUE(replay->identical) << replay->differences.size();
  EXPECT_TRUE(stack_->audit_log->Verify().ok);

  EXPECT_EQ(Get("/v1/decisions/dec_nope", viewer_)->status, 404);
}

TEST_F(ServerTest, CheckDefaultsAsOfToTodayAtTheEdge) {
  json tx = json::parse(kTransaction);
  tx.erase("as_of");
  auto r = Post("/v1/check", tx.dump(), analyst_);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(ResponseJson(r->body)["as_of"], "2025-06-01");
}

TEST_F(ServerTest, AuthenticationAndRoles) {
  auto none = Post("/v1/check", kTransaction, "");
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(ErrorOf(none)["code"], "unauthenticated");
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(Post("/v1/check", kTransaction, "exk_0000000000000000_" + std::string(64, '0'))->status,
            401);
  httplib::Headers basic{{"Authorization", "Basic dXNlcjpwYXNz"}};
  EXPECT_EQ(client_->Post("/v1/check", basic, kTransaction, "application/json")->status, 401);
  auto viewer_check = Post("/v1/check", kTransaction, viewer_);
  EXPECT_EQ(viewer_check->status, 403);
  EXPECT_EQ(ErrorOf(viewer_check)["code"], "forbidden");
  EXPECT_EQ(Get("/v1/chips", "")->status, 401);
  EXPECT_EQ(Get("/v1/chips", viewer_)->status, 200);
  EXPECT_EQ(Post("/v1/ledger/adjust", "{}", analyst_)->status, 403);
  EXPECT_EQ(AuditCount(), 0);

  // Revocation takes effect on the next request.
  const std::string key_id = analyst_.substr(4, 16);
  ASSERT_TRUE(stack_->keys->Revoke(key_id).ok());
  EXPECT_EQ(Post("/v1/check", kTransaction, analyst_)->status, 401);
}

// Bad input over HTTP: the right 4xx, the error shape, and nothing written.
struct BadInput {
  const char* name;
  std::string body;
  int status;
  const char* field;  // nullptr = do not check
};

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

class ServerBadInputTest : public ServerTest, public ::testing::WithParamInterface<BadInput> {};

TEST_P(ServerBadInputTest, RefusedAndNothingWritten) {
  const BadInput& c = GetParam();
  auto r = Post("/v1/check", c.body, officer_);
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, c.status) << r->body;
  json error = ErrorOf(r);
  if (c.field) {
    EXPECT_EQ(error.value("field", ""), c.field) << r->body;
  }
  EXPECT_EQ(AuditCount(), 0);
  // The server is still healthy.
  EXPECT_EQ(Get("/healthz", "")->status, 200);
}

std::string WithItem(const std::string& item) {
  return R"({"as_of":"2025-06-01","destination":"CN","items":[)" + item + "]}";
}

INSTANTIATE_TEST_SUITE_P(
    Http, ServerBadInputTest,
    ::testing::Values(
        BadInput{"empty", "", 400, ""},
        BadInput{"malformed", R"({"destination": "CN",)", 400, ""},
        BadInput{"not_an_object", "[1,2,3]", 400, ""},
        BadInput{"scalar", "42", 400, ""},
        BadInput{"wrong_type_quantity", WithItem(R"({"chip":"H100 SXM5 80GB","quantity":"ten"})"),
                 400, "items[0].quantity"},
        BadInput{"huge_quantity",
                 WithItem(R"({"chip":"H100 SXM5 80GB","quantity":1e300})"), 400,
                 "items[0].quantity"},
        BadInput{"huge_integer",
                 WithItem(R"({"chip":"H100 SXM5 80GB","quantity":123456789012345678901234567890})"),
                 400, nullptr},  // simdjson refuses it while parsing, before fields are known
        BadInput{"overflowing_number", WithItem(R"({"chip":"H100 SXM5 80GB","quantity":1e999})"),
                 400, nullptr},
        BadInput{"negative_quantity", WithItem(R"({"chip":"H100 SXM5 80GB","quantity":-5})"), 400,
                 "items[0].quantity"},
        BadInput{"deep_nesting", std::string(10000, '[') + std::string(10000, ']'), 400, ""},
        BadInput{"deep_nesting_in_object",
                 R"({"reference":"x","extra":)" + std::string(200, '[') + std::string(200, ']') + "}",
                 400, ""},
        BadInput{"invalid_utf8", "{\"as_of\":\"2025-06-01\",\"destination\":\"C\xff\xfe\",\"items\":[]}",
                 400, "destination"},  // the field that holds the bad bytes
        BadInput{"overlong_utf8", "{\"reference\":\"\xc0\xaf\"}", 400, "reference"},
        BadInput{"unknown_chip", WithItem(R"({"chip":"Nonexistent 9000","quantity":1})"), 400,
                 nullptr},
        BadInput{"unknown_destination",
                 R"({"as_of":"2025-06-01","destination":"Atlantis","items":[{"chip":"H100 SXM5 80GB"}]})",
                 400, "destination"},
        BadInput{"bad_date",
                 R"({"as_of":"2025-13-45","destination":"CN","items":[{"chip":"H100 SXM5 80GB"}]})",
                 400, "as_of"},
        BadInput{"reserve_not_bool",
                 R"({"reserve":"yes","as_of":"2025-06-01","destination":"CN","items":[]})", 400,
                 "reserve"},
        BadInput{"oversized", "{\"reference\":\"" + std::string(70 * 1024, 'a') + "\"}", 413, ""},
        BadInput{"reserve_without_ledger", R"({"reserve":true,)" + std::string(kTransaction + 1),
                 503, "reserve"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST_F(ServerTest, ReserveNeedsOfficer) {
  auto r = Post("/v1/check", R"({"reserve":true,)" + std::string(kTransaction + 1), analyst_);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(ErrorOf(r)["field"], "reserve");
  EXPECT_EQ(AuditCount(), 0);
}

TEST_F(ServerTest, IdempotencyKey) {
  httplib::Headers h{{"Idempotency-Key", "order-42"}};
  auto first = Post("/v1/check", kTransaction, analyst_, h);
  ASSERT_EQ(first->status, 200) << first->body;
  auto again = Post("/v1/check", kTransaction, analyst_, h);
  ASSERT_EQ(again->status, 200);
  EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(ResponseJson(again->body)["decision_id"], ResponseJson(first->body)["decision_id"]);
  json other = json::parse(kTransaction);
  other["destination"] = "DE";
  auto conflict = Post("/v1/check", other.dump(), analyst_, h);
  EXPECT_EQ(conflict->status, 409);
  EXPECT_EQ(ErrorOf(conflict)["code"], "conflict");
  EXPECT_EQ(AuditCount(), 1);
}

TEST_F(ServerTest, Batch) {
  json tx = json::parse(kTransaction);
  tx["destination"] = "DE";
  tx["parties"][0]["country"] = "DE";
  tx["parties"][0]["headquarters"] = "DE";
  tx["parties"][0]["ultimate_parent_headquarters"] = "DE";
  const std::string body = std::string(kTransaction) + "\n{broken\n\n" + tx.dump() + "\n";
  auto r = Post("/v1/check/batch", body, analyst_);
  ASSERT_EQ(r->status, 200) << r->body;
  std::istringstream lines(r->body);
  std::string line;
  std::vector<json> out;
  while (std::getline(lines, line)) out.push_back(ResponseJson(line));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["outcome"], "LICENSE_REQUIRED");
  EXPECT_EQ(out[1]["line"], 2);
  EXPECT_EQ(out[1]["error"]["code"], "invalid_input");
  EXPECT_EQ(out[2]["outcome"], "NO_LICENSE_REQUIRED");
  EXPECT_EQ(AuditCount(), 2);

  std::string many;
  for (int i = 0; i < 101; ++i) many += std::string(kTransaction) + "\n";
  EXPECT_EQ(Post("/v1/check/batch", many, analyst_)->status, 413);
  EXPECT_EQ(AuditCount(), 2);
}

// Lines are recorded a chunk at a time: every decision of a batch longer than a chunk is in the
// log, and the response has every line, in order.
TEST(ServerCostTest, LongBatchIsRecordedWhole) {
  const fs::path dir = TempDir("long_batch");
  ServerOptions options;
  options.max_batch_lines = 10000;
  options.today = [] { return Date::FromYmd(2025, 6, 1); };
  Stack stack(dir, options);
  const std::string key = stack.keys->Create(audit::Role::kAnalyst, "analyst")->token;
  ASSERT_TRUE(stack.server->Start().ok());
  httplib::Client client("127.0.0.1", stack.server->port());
  client.set_read_timeout(60, 0);
  std::string body;
  for (int i = 0; i < 1100; ++i) body += (i == 700 ? std::string("{broken") : std::string(kTransaction)) + "\n\n";
  auto r = client.Post("/v1/check/batch", {{"Authorization", "Bearer " + key}}, body, "application/x-ndjson");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 300);
  std::istringstream lines(r->body);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    const json j = ResponseJson(line);
    if (count == 700) {
      EXPECT_EQ(j["line"], 1401) << line;  // blank lines count in the numbering
    } else {
      EXPECT_EQ(j["outcome"], "LICENSE_REQUIRED") << count;
    }
    ++count;
  }
  EXPECT_EQ(count, 1100);
  EXPECT_EQ(stack.audit_log->Head()->seq, 1099);
  EXPECT_TRUE(stack.audit_log->Verify().ok);
  stack.server->Stop();
  fs::remove_all(dir);
}

TEST_F(ServerTest, JurisdictionForAnyRoleWithTheWorksheet) {
  // A server built in Taiwan with USD 200,000 of US-origin H100s in USD 300,000, to Vietnam (D:1).
  const std::string body =
      R"({"as_of":"2025-06-01","destination":"VN","items":[{"system":{"name":"server","components":[{"chip":"H100 SXM5 80GB","count":8}]},)"
      R"("quantity":1,"origin":{"in_us":false,"produced_in_us":false,"produced_in":["TW"],)"
      R"("us_content":[{"chip":"H100 SXM5 80GB","quantity":8,"value_usd":200000}],"value_usd":300000}}]})";
  auto r = Post("/v1/jurisdiction", body, viewer_);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = ResponseJson(r->body)["items"][0]["jurisdiction"];
  EXPECT_EQ(j["verdict"], "subject");
  EXPECT_EQ(j["de_minimis"]["numerator_usd"], 200000);
  EXPECT_EQ(j["de_minimis"]["threshold_percent"], 25);
  std::string above = body;
  above.replace(above.find("\"value_usd\":300000"), 18, "\"value_usd\":100000");
  auto bad = Post("/v1/jurisdiction", above, viewer_);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(ErrorOf(bad)["field"], "items[0].origin.us_content");
}

TEST_F(ServerTest, Classify) {
  auto r = Post("/v1/classify", R"({"chip":"H100 SXM5 80GB","as_of":"2025-06-01"})", analyst_);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(ResponseJson(r->body)["eccn"], "3A090.a");
  auto specs = Post("/v1/classify", R"({"tpp":2000,"die_area_mm2":400,"datacenter":true})", analyst_);
  ASSERT_EQ(specs->status, 200) << specs->body;
  auto unknown = Post("/v1/classify", R"({"tpp":2000,"die_area":400})", analyst_);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(ErrorOf(unknown)["field"], "die_area");
  EXPECT_EQ(ErrorOf(Post("/v1/classify", R"({"tpp":-1})", analyst_))["field"], "tpp");
  EXPECT_EQ(ErrorOf(Post("/v1/classify", R"({"tpp":"big"})", analyst_))["field"], "tpp");
  // No regime data before 2023-11-17: no class is answered for such a date.
  auto early = Post("/v1/classify", R"({"chip":"H100 SXM5 80GB","as_of":"2023-01-01"})", analyst_);
  EXPECT_EQ(early->status, 400);
  EXPECT_EQ(ErrorOf(early)["field"], "as_of");
  EXPECT_EQ(Post("/v1/classify", R"({"chip":"Nonexistent 9000"})", analyst_)->status, 404);
  EXPECT_EQ(Post("/v1/classify", R"({"chip":"H100 SXM5 80GB"})", viewer_)->status, 403);
}

TEST_F(ServerTest, ReferenceData) {
  auto chips = Get("/v1/chips", viewer_);
  ASSERT_EQ(chips->status, 200);
  EXPECT_GT(ResponseJson(chips->body).size(), 5u);
  auto regimes = Get("/v1/regimes?as_of=2025-06-01&posture=codified", viewer_);
  ASSERT_EQ(regimes->status, 200) << regimes->body;
  EXPECT_TRUE(ResponseJson(regimes->body).is_array());
  EXPECT_EQ(ErrorOf(Get("/v1/regimes?as_of=yesterday", viewer_))["field"], "as_of");
  EXPECT_EQ(ErrorOf(Get("/v1/regimes?posture=lenient", viewer_))["field"], "posture");
  auto cn = Get("/v1/countries/CN?as_of=2025-06-01", viewer_);
  ASSERT_EQ(cn->status, 200) << cn->body;
  json country = ResponseJson(cn->body);
  EXPECT_EQ(country["code"], "CN");
  EXPECT_NE(std::find(country["groups"].begin(), country["groups"].end(), "D:5"),
            country["groups"].end());
  EXPECT_EQ(Get("/v1/countries/Atlantis", viewer_)->status, 404);
  // The data says through which date it was reviewed.
  for (const auto& regime : ResponseJson(regimes->body)) {
    EXPECT_EQ(regime["data_reviewed_through"], SharedDataset().reviewed_through().ToString());
  }
}

// "Which tier is this country in?": the AI Diffusion tier beside the Country Groups, binding
// only under the codified posture (codified but not enforced since 2025-05-13).
TEST_F(ServerTest, CountriesShowTheAiDiffusionTier) {
  json ae = ResponseJson(Get("/v1/countries/AE?as_of=2025-06-01&posture=codified", viewer_)->body);
  EXPECT_EQ(ae["ai_diffusion_tier"]["tier"], 2);
  EXPECT_TRUE(ae["ai_diffusion_tier"]["binding"].get<bool>());
  json ae_enforced = ResponseJson(Get("/v1/countries/AE?as_of=2025-06-01", viewer_)->body);
  EXPECT_EQ(ae_enforced["ai_diffusion_tier"]["tier"], 2);
  EXPECT_FALSE(ae_enforced["ai_diffusion_tier"]["binding"].get<bool>());
  EXPECT_EQ(ae_enforced["ai_diffusion_tier"]["status"], "codified_not_enforced");
  EXPECT_NE(ae_enforced["ai_diffusion_tier"]["note"].get<std::string>().find("not enforced since 2025-05-13"), std::string::npos)
      << ae_enforced.dump();

  auto all = Get("/v1/countries?as_of=2025-06-01&posture=codified", viewer_);
  ASSERT_EQ(all->status, 200) << all->body;
  json countries = ResponseJson(all->body);
  EXPECT_EQ(countries["as_of"], "2025-06-01");
  EXPECT_TRUE(countries["ai_diffusion"]["binding"].get<bool>());
  std::map<std::string, json> by_code;
  for (const auto& c : countries["countries"]) by_code[c["code"].get<std::string>()] = c;
  EXPECT_GT(by_code.size(), 200u);
  EXPECT_EQ(by_code["DE"]["ai_diffusion_tier"], 1);
  EXPECT_EQ(by_code["IN"]["ai_diffusion_tier"], 2);
  EXPECT_EQ(by_code["CN"]["ai_diffusion_tier"], 3);
  EXPECT_EQ(by_code["MO"]["ai_diffusion_tier"], 3);
  EXPECT_EQ(by_code["HK"]["ai_diffusion_tier"], 3);  // treated as China
  EXPECT_NE(std::find(by_code["CN"]["groups"].begin(), by_code["CN"]["groups"].end(), "D:5"), by_code["CN"]["groups"].end());
  // Before the AI Diffusion rule there are no tiers.
  json early = ResponseJson(Get("/v1/countries?as_of=2024-06-01&posture=codified", viewer_)->body);
  EXPECT_TRUE(early["countries"][0]["ai_diffusion_tier"].is_null());
  EXPECT_EQ(ErrorOf(Get("/v1/countries?posture=lenient", viewer_))["field"], "posture");
  EXPECT_EQ(ErrorOf(Get("/v1/countries?as_of=soon", viewer_))["field"], "as_of");
  EXPECT_EQ(Get("/v1/countries", "")->status, 401);
}

// The license area of advanced-computing items as the engine's license-area steps decide it, per
// country on the date and posture, and the rules that bind an export to one country.
TEST_F(ServerTest, CountriesShowTheLicenseAreaAndTheRulesBindingThem) {
  auto area_of = [&](const std::string& query) {
    json all = ResponseJson(Get("/v1/countries?" + query, viewer_)->body);
    std::map<std::string, json> by_code;
    for (const auto& c : all["countries"]) by_code[c["code"].get<std::string>()] = c["license_area"];
    by_code["*"] = all["license_area"];
    return by_code;
  };
  auto enforced = area_of("as_of=2025-06-01");
  EXPECT_EQ(enforced["*"]["rule"], "acs.license_area") << enforced["*"].dump();
  EXPECT_TRUE(enforced["CN"]["in_area"].get<bool>());
  EXPECT_TRUE(enforced["KH"]["in_area"].get<bool>());   // D:5 until 2025-11-07
  EXPECT_TRUE(enforced["AE"]["in_area"].get<bool>());   // named beside the groups
  EXPECT_TRUE(enforced["AE"]["named"].get<bool>());
  EXPECT_FALSE(enforced["DE"]["in_area"].get<bool>());
  EXPECT_FALSE(enforced["US"]["in_area"].get<bool>());
  // Under the codified posture the AI Diffusion rule's area of .b items replaced it.
  auto codified = area_of("as_of=2025-06-01&posture=codified");
  EXPECT_EQ(codified["*"]["rule"], "aid.license_area_b");
  EXPECT_TRUE(codified["CN"]["in_area"].get<bool>());
  EXPECT_TRUE(codified["AE"]["in_area"].get<bool>());
  EXPECT_FALSE(codified["DE"]["in_area"].get<bool>());
  EXPECT_EQ(area_of("as_of=2024-06-01&posture=codified")["*"]["rule"], "acs.license_area");

  auto rules_of = [&](const std::string& path) {
    auto r = Get(path, viewer_);
    EXPECT_EQ(r->status, 200) << r->body;
    json c = ResponseJson(r->body);
    std::set<std::string> ids;
    for (const auto& rule : c["rules_binding"]) {
      EXPECT_FALSE(rule["citation"].get<std::string>().empty()) << rule.dump();
      ids.insert(rule["rule"].get<std::string>());
    }
    return std::make_pair(c, ids);
  };
  auto [cn, cn_rules] = rules_of("/v1/countries/CN?as_of=2025-06-01");
  EXPECT_TRUE(cn["license_area"]["in_area"].get<bool>());
  EXPECT_EQ(cn["license_area"]["citation"], "15 CFR 742.6(a)(6)(iii)") << cn["license_area"].dump();
  EXPECT_TRUE(cn_rules.count("acs.license_area"));
  EXPECT_TRUE(cn_rules.count("acs.headquarters"));
  EXPECT_TRUE(cn_rules.count("hbm.license"));
  EXPECT_FALSE(cn_rules.count("aid.worldwide_a"));  // codified only
  // Germany: nothing binds under the enforced posture; the AI Diffusion rule's worldwide
  // requirement of .a items does under the codified one, not its .b license area.
  auto [de, de_rules] = rules_of("/v1/countries/DE?as_of=2025-06-01");
  EXPECT_TRUE(de_rules.empty()) << de.dump();
  EXPECT_FALSE(de["license_area"]["in_area"].get<bool>());
  auto [de_c, de_c_rules] = rules_of("/v1/countries/DE?as_of=2025-06-01&posture=codified");
  EXPECT_TRUE(de_c_rules.count("aid.worldwide_a")) << de_c.dump();
  EXPECT_FALSE(de_c_rules.count("aid.license_area_b"));
  EXPECT_FALSE(de_c_rules.count("hbm.license"));
  // Cambodia leaves D:5 on 2025-11-07: the HBM rule (D:5 and Macau) stops binding it; it stays
  // in the license area through D:1.
  auto [kh_before, kh_before_rules] = rules_of("/v1/countries/KH?as_of=2025-06-01");
  EXPECT_TRUE(kh_before_rules.count("hbm.license")) << kh_before.dump();
  auto [kh, kh_rules] = rules_of("/v1/countries/KH?as_of=2025-12-01");
  EXPECT_FALSE(kh_rules.count("hbm.license")) << kh.dump();
  EXPECT_TRUE(kh_rules.count("acs.license_area")) << kh.dump();
  // An embargoed destination: Part 746 binds the whole export.
  auto [cu, cu_rules] = rules_of("/v1/countries/CU?as_of=2025-06-01");
  EXPECT_TRUE(cu_rules.count("embargo.part746")) << cu.dump();
}

// Fields the transaction format does not define are named in a warning; "strict": true refuses
// them with 400 naming the field (as `check --strict` does).
TEST_F(ServerTest, UnknownTransactionFieldsWarnOrAreRefused) {
  json tx = json::parse(kTransaction);
  tx["destinaton"] = "DE";
  tx["items"][0]["qty"] = 3;
  tx["parties"][0]["adress"] = "1 Main St";
  auto lenient = Post("/v1/check", tx.dump(), analyst_);
  ASSERT_EQ(lenient->status, 200) << lenient->body;
  const std::string warnings = ResponseJson(lenient->body)["warnings"].dump();
  for (const char* path : {"destinaton", "items[0].qty", "parties[0].adress"}) {
    EXPECT_NE(warnings.find(std::string("\\\"") + path + "\\\""), std::string::npos) << path << " " << warnings;
  }
  tx["strict"] = true;
  auto strict = Post("/v1/check", tx.dump(), analyst_);
  EXPECT_EQ(strict->status, 400) << strict->body;
  EXPECT_EQ(ErrorOf(strict)["field"], "destinaton");
  tx.erase("destinaton");
  EXPECT_EQ(ErrorOf(Post("/v1/check", tx.dump(), analyst_))["field"], "items[0].qty");
  // Strict with only known fields decides as usual.
  json clean = json::parse(kTransaction);
  clean["strict"] = true;
  EXPECT_EQ(Post("/v1/check", clean.dump(), analyst_)->status, 200);
  EXPECT_EQ(ErrorOf(Post("/v1/check", R"({"strict":"yes"})", analyst_))["field"], "strict");
}

TEST_F(ServerTest, UnwiredModulesAnswer503) {
  for (const char* path : {"/v1/lists", "/v1/ledger/balances", "/v1/ledger/history?account=country:AE",
                           "/v1/screen?name=Huawei"}) {
    auto r = Get(path, officer_);
    EXPECT_EQ(r->status, 503) << path;
    EXPECT_EQ(ErrorOf(r)["code"], "unavailable");
  }
  for (const char* path : {"/v1/screen", "/v1/screen/clear", "/v1/ledger/commit",
                           "/v1/ledger/release", "/v1/ledger/adjust"}) {
    EXPECT_EQ(Post(path, R"({"name":"x"})", officer_)->status, 503) << path;
    EXPECT_EQ(Post(path, "{bad", officer_)->status, 400) << path;
  }
}

TEST_F(ServerTest, UnknownRoutesAndMethods) {
  auto r = Get("/v2/nothing", viewer_);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorOf(r)["code"], "not_found");
  auto m = Get("/v1/check", analyst_);
  EXPECT_EQ(m->status, 405);
  httplib::Headers h{{"Authorization", "Bearer " + officer_}};
  EXPECT_EQ(client_->Delete("/v1/chips", h)->status, 405);
}

TEST_F(ServerTest, Metrics) {
  ASSERT_EQ(Post("/v1/check", kTransaction, analyst_)->status, 200);
  ASSERT_EQ(Post("/v1/check", "{", analyst_)->status, 400);
  auto m = Get("/metrics", viewer_);
  ASSERT_EQ(m->status, 200);
  const std::string& t = m->body;
  EXPECT_NE(t.find("exportctl_http_requests_total{route=\"POST /v1/check\",code=\"200\"} 1"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("exportctl_http_requests_total{route=\"POST /v1/check\",code=\"400\"} 1"),
            std::string::npos);
  EXPECT_NE(t.find("exportctl_http_request_duration_seconds_bucket{route=\"POST /v1/check\",le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(t.find("exportctl_decisions_total{outcome=\"LICENSE_REQUIRED\"} 1"), std::string::npos);
  EXPECT_NE(t.find("exportctl_ledger_postings_total 0"), std::string::npos);
  EXPECT_NE(t.find("exportctl_audit_append_seconds_count 1"), std::string::npos);
}

// POST /v1/simulate answers what `exportctl simulate` writes to summary.json, for orders sent as
// JSONL text or as a list, and demand as CSV text; bad input is 400 naming the field and line;
// nothing is recorded (no decision is taken for real).
TEST_F(ServerTest, SimulateAnswersTheSummaryAndNamesBadInput) {
  auto order = [](int i, int quantity = 400) {
    return R"({"reference":"lpp-)" + std::to_string(i) + R"(","as_of":"2025-06-1)" + std::to_string(i) +
           R"(","destination":"DE","items":[{"chip":"H100 SXM5 80GB","quantity":)" + std::to_string(quantity) +
           R"(}],"parties":[{"role":"ultimate_consignee","name":"Delhi Compute","country":"DE","headquarters":"IN",)"
           R"("ultimate_parent_headquarters":"IN"}]})";
  };
  std::string jsonl;
  json list = json::array();
  for (int i = 0; i < 6; ++i) {
    jsonl += order(i) + "\n";
    list.push_back(json::parse(order(i)));
  }
  // The summary the simulator gives for these orders, as the CLI writes it.
  std::istringstream in(jsonl);
  auto orders = simulate::ReadOrders(in, "orders", SharedDataset(), Date::FromYmd(2025, 6, 1));
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  auto rules = ledger::AllocationRules::Load(EXPORTCTL_DEFAULT_DATA_DIR);
  ASSERT_TRUE(rules.ok());
  simulate::Simulation sim({.dataset = &SharedDataset(), .engine = &stack_->engine, .rules = &*rules},
                           {*simulate::ParsePolicySet("enforced"), *simulate::ParsePolicySet("codified")});
  ASSERT_TRUE(sim.Run(*orders, nullptr).ok());
  const json expected = json::parse(simulate::SummaryJson(sim.summary()));
  ASSERT_EQ(expected["flips_total"], 6);

  const int64_t audited = AuditCount();
  EXPECT_EQ(Post("/v1/simulate", json{{"orders", jsonl}}.dump(), viewer_)->status, 403);
  auto r = Post("/v1/simulate", json{{"orders", jsonl}, {"policies", {"enforced", "codified"}}}.dump(), analyst_);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(ResponseJson(r->body), expected);
  r = Post("/v1/simulate", json{{"orders", list}}.dump(), analyst_);  // a list; both sets by default
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(ResponseJson(r->body), expected);
  EXPECT_EQ(AuditCount(), audited);

  // Demand as CSV text, a policy set of the request's own with an overlay written out.
  const json scenario = {
      {"demand", "country,quarter,chip,quantity,consignee_profile,orders\nAE,2026-Q1,B200 SXM (HGX),2000,local,2\n"},
      {"policies",
       {"codified",
        {{"id", "tighter"}, {"posture", "codified"},
         {"overlays", {{{"id", "my-deal"}, {"title", "t"}, {"country", "AE"}, {"effective", "2026-01-01"}, {"expiry", nullptr},
                        {"status", "hypothetical"},
                        {"changes", {{{"kind", "review_policy"}, {"policy", "presumption_of_denial"},
                                      {"rules", {"acs.license_area", "aid.worldwide_a"}}, {"citation", "hypothetical"}}}}}}}}}}};
  r = Post("/v1/simulate", scenario.dump(), analyst_);
  ASSERT_EQ(r->status, 200) << r->body;
  const json got = ResponseJson(r->body);
  EXPECT_EQ(got["orders"], 2);
  EXPECT_EQ(got["policy_sets"][1]["id"], "tighter");
  EXPECT_EQ(got["policy_sets"][1]["overlays"][0]["id"], "my-deal");
  EXPECT_EQ(got["flips_total"], 2);
  EXPECT_EQ(got["flips"][0]["review_policies"]["tighter"], "presumption_of_denial");

  // Bad input: 400 naming the field, and the line of JSONL or CSV text.
  std::string bad_jsonl = order(0) + "\n" + order(1, -3) + "\n";
  json bad_list = list;
  bad_list[1]["items"][0]["quantity"] = -3;
  json too_many = json::array();
  for (int i = 0; i < 21; ++i) too_many.push_back(json::parse(order(i % 10)));
  const std::pair<json, std::string> cases[] = {
      {{{"orders", bad_jsonl}}, "orders:2.items[0].quantity"},
      {{{"orders", bad_list}}, "orders[1].items[0].quantity"},
      {{{"orders", 7}}, "orders"},
      {{{"demand", "country,quarter,chip,quantity,consignee_profile\nAE,2026-Q5,B200 SXM (HGX),10,local\n"}},
       "demand:2.quarter"},
      {{{"demand", "country,quarter,chip,quantity,consignee_profile,orders\nAE,2026-Q1,B200 SXM (HGX),1000,local,21\n"}},
       "demand:2.orders"},
      {{{"orders", too_many}}, "orders"},
      {{{"policies", json::array()}}, "orders"},
      {{{"orders", jsonl}, {"policies", {"enforced", "strict"}}}, "policies[1]"},
      {{{"orders", jsonl}, {"policies", {{{"id", "t"}, {"posture", "codified"}, {"tiers", {{"MY", 3}}}}}}}, "policies[0].tiers.MY"},
      {{{"orders", jsonl}, {"policies", {{{"posture", "codified"}}}}}, "policies[0].id"},
      {{{"orders", jsonl}, {"policies", {"codified", "codified"}}}, "policies[1].id"},
      {{{"orders", jsonl}, {"overlays", {"/etc/passwd"}}}, "overlays[0]"},
      {{{"orders", jsonl}, {"overlays", {"us-uae-ai-acceleration-partnership-2025"}}}, "overlays[0]"},  // no order to AE
      {{{"orders", jsonl}, {"overlays", {{{"id", "x"}}}}}, "overlays[0].title"},
      {{{"orders", jsonl}, {"ordres", jsonl}}, "ordres"},
  };
  for (const auto& [body, field] : cases) {
    auto bad = Post("/v1/simulate", body.dump(), analyst_);
    ASSERT_EQ(bad->status, 400) << body.dump() << "\n" << bad->body;
    EXPECT_EQ(ErrorOf(bad)["field"], field) << bad->body;
  }
  auto dup = Post("/v1/simulate", R"({"orders": "", "orders": "x"})", analyst_);
  EXPECT_EQ(dup->status, 400);
  EXPECT_EQ(ErrorOf(dup)["field"], "orders");
  EXPECT_EQ(AuditCount(), audited);
}

// CSV orders read by the reader `check --batch` uses, for the console to send to the batch route.
TEST_F(ServerTest, OrdersCsvReadsOrdersAsCheckBatchDoes) {
  const std::string csv =
      "reference,destination,chip,quantity,consignee\r\n"
      "C-1,DE,H100 SXM5 80GB,8,\"Beispiel, GmbH\"\r\n"
      "C-2,DE,H100 SXM5 80GB\r\n";
  EXPECT_EQ(Post("/v1/orders/csv", csv, viewer_)->status, 403);
  auto r = Post("/v1/orders/csv", csv, analyst_);
  ASSERT_EQ(r->status, 200) << r->body;
  const json orders = ResponseJson(r->body)["orders"];
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0]["line"], 2);
  EXPECT_EQ(orders[0]["transaction"]["parties"][0]["name"], "Beispiel, GmbH");
  EXPECT_EQ(orders[0]["transaction"]["items"][0]["quantity"], 8);
  EXPECT_EQ(orders[1]["line"], 3);
  EXPECT_EQ(orders[1]["error"]["field"], "csv");
  auto bad = Post("/v1/orders/csv", "reference,destinaton,chip,quantity\n", analyst_);
  ASSERT_EQ(bad->status, 400);
  EXPECT_EQ(ErrorOf(bad)["field"], "csv");
  EXPECT_NE(ErrorOf(bad)["message"].get<std::string>().find("line 1: unknown column \"destinaton\""), std::string::npos);
}

// The bundled country agreements a scenario may name by id (the console's Simulate screen offers
// them), with their status, dates and what each changes.
TEST_F(ServerTest, AgreementsListTheBundledOverlays) {
  auto r = Get("/v1/agreements", viewer_);
  ASSERT_EQ(r->status, 200) << r->body;
  const json list = ResponseJson(r->body);
  ASSERT_TRUE(list.is_array());
  std::map<std::string, json> by_id;
  for (const auto& a : list) by_id[a["id"].get<std::string>()] = a;
  ASSERT_TRUE(by_id.count("us-uae-ai-acceleration-partnership-2025")) << r->body;
  const json& uae = by_id["us-uae-ai-acceleration-partnership-2025"];
  EXPECT_EQ(uae["country"], "AE");
  EXPECT_EQ(uae["status"], "announced");
  EXPECT_FALSE(uae["changes"].empty());
  EXPECT_FALSE(uae["changes"][0]["kind"].get<std::string>().empty());
  EXPECT_EQ(Get("/v1/agreements", "")->status, 401);
}

TEST_F(ServerTest, OpenApiDocumentsEveryRoute) {
  std::ifstream in(EXPORTCTL_OPENAPI_PATH);
  json doc = json::parse(in);
  auto served = Get("/openapi.json", viewer_);
  ASSERT_EQ(served->status, 200);
  EXPECT_EQ(ResponseJson(served->body), doc);
  std::set<std::pair<std::string, std::string>> documented, routed;
  for (auto& [path, ops] : doc["paths"].items()) {
    for (auto& [method, op] : ops.items()) {
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.emplace(m, path);
      EXPECT_TRUE(op.contains("responses")) << path;
    }
  }
  for (const auto& r : Server::Routes()) routed.insert(r);
  for (const auto& r : routed) EXPECT_TRUE(documented.count(r)) << r.first << " " << r.second << " not in openapi.json";
  for (const auto& d : documented) EXPECT_TRUE(routed.count(d)) << d.first << " " << d.second << " documented but not served";
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.", 0), 0u);
}

TEST_F(ServerTest, ConcurrentChecksFormOneChain) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", stack_->server->port());
      CheckEveryResponse(c);
      c.set_keep_alive(true);
      httplib::Headers h{{"Authorization", "Bearer " + analyst_}};
      for (int i = 0; i < 25; ++i) {
        auto r = c.Post("/v1/check", h, kTransaction, "application/json");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
  const auto report = stack_->audit_log->Verify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.records_checked, 200);
}

#ifdef EXPORTCTL_SERVER_HAS_MODULES
// A server with the ledger (SQLite under dir), the audit log and an officer's key.
struct LedgerServer {
  explicit LedgerServer(const fs::path& dir)
      : ledger(OpenLedgerService(EXPORTCTL_DEFAULT_DATA_DIR, dir.string(), "")),
        engine(SharedDataset()),
        log(audit::OpenSqliteAuditLog({.path = (dir / "audit.sqlite").string(), .clock = {}, .read_only = false})),
        keys(audit::KeyStore::Open((dir / "keys.sqlite").string())),
        officer((*keys)->Create(audit::Role::kOfficer, "o")->token),
        server(Options(), {.dataset = &SharedDataset(), .engine = &engine, .audit = log->get(),
                           .keys = keys->get(), .ledger = ledger->get(), .screen = nullptr}) {}
  static ServerOptions Options() {
    ServerOptions options;
    options.port = 0;
    return options;
  }
  Result<std::unique_ptr<LedgerService>> ledger;
  Engine engine;
  Result<std::unique_ptr<audit::AuditLog>> log;
  Result<std::unique_ptr<audit::KeyStore>> keys;
  std::string officer;
  Server server;
};

// The ledger wired in: "reserve": true decides and reserves in one step; ledger routes answer.
TEST(ServerLedgerTest, ReserveCommitAndAudit) {
  const fs::path dir = TempDir("ledger");
  LedgerServer stack(dir);
  ASSERT_TRUE(stack.ledger.ok()) << stack.ledger.status().ToString();
  ASSERT_TRUE(stack.server.Start().ok());
  Server& server = stack.server;
  Engine& engine = stack.engine;
  auto& log = stack.log;
  const std::string& officer = stack.officer;
  httplib::Client c("127.0.0.1", server.port());
  CheckEveryResponse(c);
  httplib::Headers h{{"Authorization", "Bearer " + officer}, {"Idempotency-Key", "so-7"}};
  // Tier 1 destination, consignee headquartered in Tier 2: License Exception LPP draws on the
  // consignee's yearly LPP allowance.
  const std::string lpp =
      R"({"reserve":true,"reference":"SO-7","as_of":"2025-06-01","posture":"codified",)"
      R"("destination":"DE","items":[{"chip":"H100 SXM5 80GB","quantity":8}],)"
      R"("parties":[{"role":"ultimate_consignee","name":"C","country":"DE","headquarters":"IN","ultimate_parent_headquarters":"IN"}]})";
  auto r = c.Post("/v1/check", h, lpp, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json d = ResponseJson(r->body);
  EXPECT_EQ(d["license_exception"], "LPP") << r->body;
  ASSERT_TRUE(d["ledger_postings"].is_array());
  ASSERT_EQ(d["ledger_postings"].size(), 1u) << r->body;
  const int64_t reservation = d["ledger_postings"][0]["id"];
  auto recorded = (*log)->Get(d["decision_id"]);
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(json::parse(recorded->payload)["ledger_postings"], d["ledger_postings"]);

  auto balances = c.Get("/v1/ledger/balances?as_of=2025-06-01", h);
  ASSERT_EQ(balances->status, 200) << balances->body;
  // The object `exportctl ledger balances --json` prints (ledger/ledger_json.h), not a bare array.
  const json bal = ResponseJson(balances->body);
  ASSERT_TRUE(bal.is_object()) << balances->body;
  EXPECT_EQ(bal["as_of"], "2025-06-01");
  EXPECT_EQ(bal["backend"], "sqlite");
  ASSERT_EQ(bal["balances"].size(), 1u) << balances->body;
  for (const char* field : {"account", "period", "citation", "cap_tpp", "cap_h100", "reserved_tpp",
                            "reserved_h100", "used_tpp", "used_h100", "remaining_tpp", "remaining_h100"}) {
    EXPECT_TRUE(bal["balances"][0].contains(field)) << field;
  }
  auto history = c.Get("/v1/ledger/history?account=lpp:c", h);
  ASSERT_EQ(history->status, 200) << history->body;
  const int bad_account = c.Get("/v1/ledger/history?account=nonsense", h)->status;
  EXPECT_TRUE(bad_account == 400 || bad_account == 404) << bad_account;

  httplib::Headers commit_h{{"Authorization", "Bearer " + officer}, {"Idempotency-Key", "ship-7"}};
  EXPECT_EQ(c.Post("/v1/ledger/commit", commit_h, R"({"reservation_id":"x"})", "application/json")->status, 400);
  EXPECT_EQ(c.Post("/v1/ledger/commit", commit_h, R"({"reservation_id":999999})", "application/json")->status, 404);
  auto commit = c.Post("/v1/ledger/commit", commit_h,
                       R"({"reservation_id":)" + std::to_string(reservation) + "}", "application/json");
  ASSERT_EQ(commit->status, 200) << commit->body;
  EXPECT_EQ(ResponseJson(commit->body)["kind"], "commit");
  // Replay uses the balance the decision read, not today's (the reservation is now committed).
  auto replayed = audit::ReplayDecision(*recorded, engine);
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_TRUE(replayed->facts_recorded);
  EXPECT_GE(replayed->facts_used, 1);
  EXPECT_TRUE(replayed->unrecorded.empty());
  EXPECT_TRUE(replayed->identical) << ::testing::PrintToString(replayed->differences);
  const auto report = (*log)->Verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records_checked, 2);  // the decision and the ledger.commit
  server.Stop();
  fs::remove_all(dir);
}

// Retries of reserving checks, over real sockets: a retry gets the recorded decision or 409, and
// never touches postings it did not write; keys belong to the caller who sent them.
class ServerRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir(std::string("retry_") +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto ledger = OpenLedgerService(EXPORTCTL_DEFAULT_DATA_DIR, dir_.string(), "");
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(*ledger);
    engine_ = std::make_unique<Engine>(SharedDataset());
    auto log = audit::OpenSqliteAuditLog({.path = (dir_ / "audit.sqlite").string(), .clock = {},
                                          .read_only = false});
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
    auto keys = audit::KeyStore::Open((dir_ / "keys.sqlite").string());
    ASSERT_TRUE(keys.ok());
    keys_ = std::move(*keys);
    officer_a_ = keys_->Create(audit::Role::kOfficer, "a")->token;
    officer_b_ = keys_->Create(audit::Role::kOfficer, "b")->token;
    ServerOptions options;
    options.port = 0;
    options.today = [] { return Date::FromYmd(2025, 6, 1); };
    server_ = std::make_unique<Server>(
        options, ServerDeps{.dataset = &SharedDataset(), .engine = engine_.get(),
                            .audit = log_.get(), .keys = keys_.get(), .ledger = ledger_.get(),
                            .screen = nullptr});
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    CheckEveryResponse(*client_);
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  // License Exception LPP for consignee `consignee` (account lpp:<its identity>, "C" → lpp:c).
  static std::string Lpp(const std::string& reference, const std::string& consignee = "C",
                         int quantity = 8) {
    json tx = json::parse(
        R"({"reserve":true,"as_of":"2025-06-01","posture":"codified","destination":"DE",)"
        R"("items":[{"chip":"H100 SXM5 80GB"}],"parties":[{"role":"ultimate_consignee",)"
        R"("country":"DE","headquarters":"IN","ultimate_parent_headquarters":"IN"}]})");
    if (!reference.empty()) tx["reference"] = reference;
    tx["items"][0]["quantity"] = quantity;
    tx["parties"][0]["name"] = consignee;
    return tx.dump();
  }
  httplib::Result Post(const std::string& path, const std::string& body, const std::string& token,
                       const std::string& key = "") {
    httplib::Headers h{{"Authorization", "Bearer " + token}};
    if (!key.empty()) h.emplace("Idempotency-Key", key);
    return client_->Post(path.c_str(), h, body, "application/json");
  }
  // Every posting of the ledger, oldest first.
  json Postings(const std::string& account) {
    auto r = client_->Get(("/v1/ledger/history?account=" + account).c_str(),
                          httplib::Headers{{"Authorization", "Bearer " + officer_a_}});
    EXPECT_EQ(r->status, 200) << r->body;
    return ResponseJson(r->body);
  }
  int64_t AuditCount() { return log_->Head()->seq; }

  fs::path dir_;
  std::unique_ptr<LedgerService> ledger_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<audit::AuditLog> log_;
  std::unique_ptr<audit::KeyStore> keys_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string officer_a_, officer_b_;
};

// Issue: the identical retry of a reservation sent with a reference and no key answered 503 and
// released the reservation the first attempt had confirmed.
TEST_F(ServerRetryTest, RetriedReservationByReferenceReplaysAndKeepsThePosting) {
  auto first = Post("/v1/check", Lpp("SO-7"), officer_a_);
  ASSERT_EQ(first->status, 200) << first->body;
  const json d = ResponseJson(first->body);
  ASSERT_EQ(d["ledger_postings"].size(), 1u) << first->body;
  ASSERT_TRUE(d["ledger_postings"][0].is_object()) << first->body;
  const int64_t reservation = d["ledger_postings"][0]["id"];

  for (int i = 0; i < 2; ++i) {
    auto again = Post("/v1/check", Lpp("SO-7"), officer_a_);
    ASSERT_EQ(again->status, 200) << again->body;
    EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
    EXPECT_EQ(ResponseJson(again->body), d);
  }
  const json postings = Postings("lpp:c");
  ASSERT_EQ(postings.size(), 1u) << postings.dump();  // no release, no second reservation
  EXPECT_EQ(postings[0]["kind"], "reserve");
  EXPECT_EQ(AuditCount(), 1);
  auto commit = Post("/v1/ledger/commit", R"({"reservation_id":)" + std::to_string(reservation) + "}",
                     officer_a_);
  EXPECT_EQ(commit->status, 200) << commit->body;
}

// Issue: the same reference with another body reserved a second time (or wrote and released).
TEST_F(ServerRetryTest, SameReferenceWithAnotherBodyIs409NamingTheDecision) {
  auto first = Post("/v1/check", Lpp("SO-8"), officer_a_);
  ASSERT_EQ(first->status, 200) << first->body;
  const std::string decision = ResponseJson(first->body)["decision_id"];
  for (const std::string& other : {Lpp("SO-8", "OtherCo"), Lpp("SO-8", "C", 4)}) {
    auto r = Post("/v1/check", other, officer_a_);
    ASSERT_EQ(r->status, 409) << r->body;
    const json e = ResponseJson(r->body)["error"];
    EXPECT_EQ(e["code"], "conflict");
    EXPECT_EQ(e["field"], "reference");
    EXPECT_NE(e["message"].get<std::string>().find(decision), std::string::npos) << r->body;
  }
  // Another caller with the same reference and body does not get the first caller's decision.
  auto b = Post("/v1/check", Lpp("SO-8"), officer_b_);
  EXPECT_EQ(b->status, 409) << b->body;
  EXPECT_EQ(Postings("lpp:c").size(), 1u);
  EXPECT_EQ(Postings("lpp:otherco").size(), 0u);
  EXPECT_EQ(AuditCount(), 1);
}

// Issue: idempotency keys were global: another caller's identical key replayed the first
// caller's decision (and could release its reservation).
TEST_F(ServerRetryTest, IdempotencyKeysBelongToTheCaller) {
  auto a = Post("/v1/check", Lpp("SO-9"), officer_a_, "k-1");
  ASSERT_EQ(a->status, 200) << a->body;
  const json da = ResponseJson(a->body);
  auto b = Post("/v1/check", Lpp("SO-9"), officer_b_, "k-1");
  ASSERT_TRUE(b->status == 200 || b->status == 409) << b->body;
  EXPECT_NE(b->get_header_value("Idempotent-Replayed"), "true");
  if (b->status == 200) {
    const json db = ResponseJson(b->body);
    EXPECT_NE(db["decision_id"], da["decision_id"]);
    EXPECT_NE(db["ledger_postings"], da["ledger_postings"]);
  }
  // A's reservation is untouched, and A's retry still replays it.
  auto again = Post("/v1/check", Lpp("SO-9"), officer_a_, "k-1");
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(ResponseJson(again->body), da);
  for (const auto& p : Postings("lpp:c")) EXPECT_EQ(p["kind"], "reserve") << p.dump();
  // The same holds for ledger changes: B's "k-2" is not A's "k-2".
  const std::string commit =
      R"({"reservation_id":)" + std::to_string(da["ledger_postings"][0]["id"].get<int64_t>()) + "}";
  auto ca = Post("/v1/ledger/commit", commit, officer_a_, "k-2");
  ASSERT_EQ(ca->status, 200) << ca->body;
  auto cb = Post("/v1/ledger/commit", commit, officer_b_, "k-2");
  EXPECT_EQ(cb->status, 409) << cb->body;  // a fresh request: the reservation is committed already
  EXPECT_NE(cb->get_header_value("Idempotent-Replayed"), "true");
}

// Idempotency as docs/openapi.json documents it.
TEST_F(ServerRetryTest, KeyFirstUsedWithoutReserveIs409ForAReservation) {
  json plain = json::parse(Lpp("SO-10"));
  plain.erase("reserve");
  auto first = Post("/v1/check", plain.dump(), officer_a_, "k-3");
  ASSERT_EQ(first->status, 200) << first->body;
  auto reserving = Post("/v1/check", Lpp("SO-10"), officer_a_, "k-3");
  EXPECT_EQ(reserving->status, 409) << reserving->body;
  EXPECT_EQ(Postings("lpp:c").size(), 0u);
  // And the other way round.
  ASSERT_EQ(Post("/v1/check", Lpp("SO-11"), officer_a_, "k-4")->status, 200);
  json unreserving = json::parse(Lpp("SO-11"));
  unreserving["reserve"] = false;
  EXPECT_EQ(Post("/v1/check", unreserving.dump(), officer_a_, "k-4")->status, 409);
}

TEST_F(ServerRetryTest, LedgerReplayWritesNoSecondAuditRecord) {
  auto r = Post("/v1/check", Lpp("SO-12"), officer_a_);
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string commit = R"({"reservation_id":)" +
      std::to_string(ResponseJson(r->body)["ledger_postings"][0]["id"].get<int64_t>()) + "}";
  auto first = Post("/v1/ledger/commit", commit, officer_a_, "ship-1");
  ASSERT_EQ(first->status, 200) << first->body;
  const int64_t records = AuditCount();
  auto again = Post("/v1/ledger/commit", commit, officer_a_, "ship-1");
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(ResponseJson(again->body), ResponseJson(first->body));
  EXPECT_EQ(AuditCount(), records);
  auto other = Post("/v1/ledger/commit", R"({"reservation_id":)" + std::to_string(999) + "}",
                    officer_a_, "ship-1");
  EXPECT_EQ(other->status, 409) << other->body;
  EXPECT_EQ(AuditCount(), records);
}

// Issue: {"destination":"DE","destination":"CN"} was decided for whichever copy a parser kept
// (and which one depended on whether "reserve" appeared in the body).
TEST_F(ServerRetryTest, RepeatedKeysAre400NamingThePath) {
  const std::string tail =
      R"("as_of":"2025-06-01","items":[{"chip":"H100 SXM5 80GB","quantity":8}],)"
      R"("parties":[{"role":"ultimate_consignee","name":"C","country":"DE","headquarters":"IN","ultimate_parent_headquarters":"IN"}]})";
  struct Case {
    std::string body;
    const char* field;
  } cases[] = {
      {R"({"destination":"DE","destination":"CN",)" + tail, "destination"},
      {R"({"reference":"SO-13","reserve":true,"destination":"DE","destination":"CN",)" + tail,
       "destination"},
      {R"({"reserve":true,"reserve":false,"reference":"SO-13","destination":"DE",)" + tail,
       "reserve"},
      {R"({"destination":"DE","as_of":"2025-06-01","items":[{"chip":"H100 SXM5 80GB","quantity":8}],)"
       R"("parties":[{"role":"ultimate_consignee","name":"C","name":"Huawei","country":"DE"}]})",
       "parties[0].name"},
  };
  for (const auto& c : cases) {
    auto r = Post("/v1/check", c.body, officer_a_);
    ASSERT_EQ(r->status, 400) << c.body << "\n" << r->body;
    EXPECT_EQ(ResponseJson(r->body)["error"]["field"], c.field) << r->body;
  }
  auto adjust = Post("/v1/ledger/adjust",
                     R"({"account":"lpp:C","tpp":1,"tpp":-1,"reason":"x","as_of":"2025-06-01"})",
                     officer_a_);
  EXPECT_EQ(adjust->status, 400) << adjust->body;
  EXPECT_EQ(ResponseJson(adjust->body)["error"]["field"], "tpp");
  EXPECT_EQ(AuditCount(), 0);
  EXPECT_EQ(Postings("lpp:c").size(), 0u);
}

// Issue 9.3 over HTTP: re-checking a reserved order (without "reserve") answers as the reserving
// check did, whatever idempotency key reserved it; another order still sees the reservation.
// Issue 9.4: a second spelling of the consignee draws on the same LPP account, named in the answer.
TEST(ServerLedgerTest, RecheckOfAReservedOrderAndConsigneeSpellings) {
  const fs::path dir = TempDir("recheck");
  LedgerServer stack(dir);
  ASSERT_TRUE(stack.ledger.ok() && stack.server.Start().ok()) << stack.ledger.status().ToString();
  httplib::Client c("127.0.0.1", stack.server.port());
  CheckEveryResponse(c);
  const std::string& officer = stack.officer;
  // 1,500 H100 = 23,748,000 TPP: inside LPP's 26,900,000 once, not twice.
  auto order = [](const std::string& reference, const std::string& consignee, bool reserve) {
    return json{{"reserve", reserve}, {"reference", reference}, {"as_of", "2025-06-01"}, {"posture", "codified"},
                {"destination", "DE"}, {"items", {{{"chip", "H100 SXM5 80GB"}, {"quantity", 1500}}}},
                {"parties", {{{"role", "ultimate_consignee"}, {"name", consignee}, {"country", "DE"}, {"headquarters", "IN"}, {"ultimate_parent_headquarters", "IN"}}}}}
        .dump();
  };
  auto post = [&](const std::string& body, const std::string& key) {
    httplib::Headers h{{"Authorization", "Bearer " + officer}};
    if (!key.empty()) h.emplace("Idempotency-Key", key);
    auto r = c.Post("/v1/check", h, body, "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    return r ? json::parse(r->body, nullptr, false) : json();
  };
  auto says = [](const json& d, const std::string& text) {
    for (const auto& r : d["reasons"]) {
      if (r["summary"].get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
  };
  const json reserved = post(order("SO-31", "Saigon Cloud JSC", true), "reserve-so-31");
  ASSERT_EQ(reserved["license_exception"], "LPP") << reserved.dump();
  ASSERT_EQ(reserved["ledger_postings"].size(), 1u) << reserved.dump();
  EXPECT_EQ(reserved["ledger_postings"][0]["account"], "lpp:saigon cloud");
  const std::string posting = "posting " + std::to_string(reserved["ledger_postings"][0]["id"].get<int64_t>());

  const json again = post(order("SO-31", "Saigon Cloud JSC", false), "");
  EXPECT_EQ(again["license_exception"], "LPP") << again.dump();
  EXPECT_TRUE(says(again, posting)) << again.dump();
  EXPECT_TRUE(says(again, "ledger account lpp:saigon cloud")) << again.dump();

  const json other = post(order("SO-32", "SAIGON CLOUD J.S.C.", false), "");
  EXPECT_NE(other["license_exception"], "LPP") << other.dump();
  const json other_reserved = post(order("SO-32", "SAIGON CLOUD J.S.C.", true), "reserve-so-32");
  EXPECT_NE(other_reserved["license_exception"], "LPP") << other_reserved.dump();
  stack.server.Stop();
  fs::remove_all(dir);
}

// Lists imported while the server runs (`exportctl lists import` writes the store; the manifest
// is replaced last) are used by the next check without a restart, whole; lists that cannot be
// loaded leave the old ones in use, /v1/lists says why and every check goes to review.
TEST(ServerScreenTest, ListsImportedWhileServingAreUsedByTheNextCheck) {
  const fs::path dir = TempDir("reload");
  auto write_list = [&](const std::string& day, const std::vector<std::string>& names) {
    const fs::path list = dir / ("consolidated_" + day + ".json");
    json results = json::array();
    int id = 0;
    for (const auto& n : names) {
      results.push_back({{"id", "r" + std::to_string(++id)}, {"source", "Entity List (EL) - Bureau of Industry and Security"},
                         {"name", n}, {"addresses", {{{"country", "CN"}}}}, {"federal_register_notice", "90 FR 1"}});
    }
    std::ofstream(list) << json{{"results", results}}.dump();
    return list.string();
  };
  const std::string data_dir = (dir / "data").string();
  ASSERT_TRUE(screen::ListStore(data_dir).Import(write_list("2026-01-01", {"Sophgo Technologies Ltd."})).ok());
  auto screen = OpenScreenService(data_dir, [] { return Date::FromYmd(2026, 1, 5); }, kDefaultClearanceHorizonDays, 90);
  ASSERT_TRUE(screen.ok()) << screen.status().ToString();
  const PartyScreener* screener = (*screen)->screener();
  Party orion;
  orion.name = "Orion Quantum Devices Limited";
  orion.country = "CN";
  const Date d = Date::FromYmd(2026, 1, 5);
  ASSERT_TRUE(screener->Screen(orion, d)->empty());
  const std::string first_version = json::parse(*(*screen)->Lists())[0]["version"];

  ASSERT_TRUE(screen::ListStore(data_dir).Import(write_list("2026-01-04", {"Sophgo Technologies Ltd.", "Orion Quantum Devices Limited"})).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the store is looked at once a second
  auto listed = screener->Screen(orion, d);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u) << "the list imported while serving is used";
  json lists = json::parse(*(*screen)->Lists());
  EXPECT_NE(lists[0]["version"], first_version);
  EXPECT_EQ(lists[0]["source_date"], "2026-01-04");
  EXPECT_FALSE(lists[0]["loaded_at"].get<std::string>().empty());
  EXPECT_FALSE(lists[0].contains("reload_error"));
  EXPECT_TRUE(screener->Caveats().empty());
  auto hits = json::parse(*(*screen)->Screen(R"({"name":"Orion Quantum Devices"})"));
  EXPECT_FALSE(hits["hits"].empty()) << hits.dump();

  // A store that cannot be loaded: the lists in use stay, and say why.
  const fs::path manifest = fs::path(data_dir) / "lists" / "manifest.json";
  std::string good;
  {
    std::ifstream in(manifest);
    good.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::ofstream(manifest, std::ios::trunc) << "{not json";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  listed = screener->Screen(orion, d);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u) << "the lists in use are kept";
  ASSERT_EQ(screener->Caveats().size(), 1u);
  EXPECT_NE(screener->Caveats()[0].find("could not be loaded"), std::string::npos) << screener->Caveats()[0];
  lists = json::parse(*(*screen)->Lists());
  EXPECT_EQ(lists[0]["source_date"], "2026-01-04");
  ASSERT_TRUE(lists[0].contains("reload_error")) << lists.dump();
  EXPECT_NE(lists[0]["reload_error"].get<std::string>().find("could not be loaded"), std::string::npos);
  // Once the store loads again, the warning goes.
  std::ofstream(manifest, std::ios::trunc) << good;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(screener->Caveats().empty());
  EXPECT_FALSE(json::parse(*(*screen)->Lists())[0].contains("reload_error"));
  fs::remove_all(dir);
}

// An officer's clearance applies to the next check, without a restart: a possible match gives
// NEEDS_REVIEW; once the pair is cleared, the same check decides as for an unlisted party.
TEST(ServerScreenTest, ClearanceAppliesToTheNextCheck) {
  const fs::path dir = TempDir("clear");
  const fs::path list = dir / "consolidated_2026-01-01.json";
  std::ofstream(list) << R"({"results":[{"id":"a","source":"Entity List (EL) - Bureau of Industry )"
                         R"(and Security","name":"Sophgo Technologies Ltd.","addresses":[{"country":"CN"}],)"
                         R"("federal_register_notice":"90 FR 1"}]})";
  const std::string data_dir = (dir / "data").string();
  ASSERT_TRUE(screen::ListStore(data_dir).Import(list.string()).ok());
  // The list is dated 2026-01-01: stale on 2026-03-01 under the default 7 days, current under 90.
  auto stale = OpenScreenService(data_dir, [] { return Date::FromYmd(2026, 3, 1); });
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  ASSERT_EQ((*stale)->screener()->Caveats().size(), 1u);
  EXPECT_NE((*stale)->screener()->Caveats()[0].find("2026-01-01"), std::string::npos);
  const json stale_lists = json::parse(*(*stale)->Lists());
  EXPECT_TRUE(stale_lists[0]["stale"].get<bool>()) << stale_lists.dump();
  EXPECT_NE(stale_lists[0]["warning"].get<std::string>().find("2026-01-01"), std::string::npos);
  auto screen = OpenScreenService(data_dir, [] { return Date::FromYmd(2026, 3, 1); },
                                  kDefaultClearanceHorizonDays, 90);
  ASSERT_TRUE(screen.ok()) << screen.status().ToString();
  EXPECT_TRUE((*screen)->screener()->Caveats().empty());
  Engine engine(SharedDataset());
  auto log = audit::OpenSqliteAuditLog({.path = (dir / "audit.sqlite").string(), .clock = {},
                                        .read_only = false});
  auto keys = audit::KeyStore::Open((dir / "keys.sqlite").string());
  const std::string analyst = (*keys)->Create(audit::Role::kAnalyst, "a")->token;
  const std::string officer = (*keys)->Create(audit::Role::kOfficer, "o")->token;
  ServerOptions options;
  options.port = 0;
  Server server(options, {.dataset = &SharedDataset(), .engine = &engine, .audit = log->get(),
                          .keys = keys->get(), .ledger = nullptr, .screen = screen->get()});
  ASSERT_TRUE(server.Start().ok());
  httplib::Client c("127.0.0.1", server.port());
  CheckEveryResponse(c);
  httplib::Headers as_analyst{{"Authorization", "Bearer " + analyst}};
  httplib::Headers as_officer{{"Authorization", "Bearer " + officer}};
  auto check = [&](const std::string& name, std::optional<json> stated = std::nullopt) {
    json tx = {{"as_of", "2026-03-01"},
               {"destination", "DE"},
               {"items", {{{"chip", "H100 SXM5 80GB"}, {"quantity", 8}}}},
               {"parties",
                {{{"role", "ultimate_consignee"}, {"name", name}, {"country", "DE"},
                  {"headquarters", "DE"}, {"ultimate_parent_headquarters", "DE"}}}}};
    if (stated) tx["parties"][0]["restricted_lists"] = *stated;
    auto r = c.Post("/v1/check", as_analyst, tx.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    return r ? ResponseJson(r->body) : json();
  };
  const json unlisted = check("Unrelated Widgets GmbH");
  ASSERT_NE(unlisted.value("outcome", ""), "NEEDS_REVIEW") << unlisted.dump();
  const json possible = check("Sopgo Technologies");
  ASSERT_EQ(possible.value("outcome", ""), "NEEDS_REVIEW") << possible.dump();
  // Replay re-runs it with the listings screening found then (here: no screener at all).
  auto replay_possible = [&] {
    auto record = (*log)->Get(possible["decision_id"]);
    EXPECT_TRUE(record.ok());
    return audit::ReplayDecision(*record, engine);
  };
  auto replayed = replay_possible();
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_TRUE(replayed->facts_recorded);
  EXPECT_GE(replayed->facts_used, 1);  // once per posture
  EXPECT_TRUE(replayed->unrecorded.empty());
  EXPECT_TRUE(replayed->identical) << ::testing::PrintToString(replayed->differences);

  // An analyst may not clear; an officer may; bad input names the field.
  const std::string clearance =
      R"({"party":"Sopgo Technologies","record_id":"a","reason":"different company, )"
      R"(verified registration","expires":"2026-06-01"})";
  EXPECT_EQ(c.Post("/v1/screen/clear", as_analyst, clearance, "application/json")->status, 403);
  auto bad = c.Post("/v1/screen/clear", as_officer,
                    R"({"party":"Sopgo Technologies","record_id":"a","reason":"x","expires":"soon"})",
                    "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(ResponseJson(bad->body)["error"]["field"], "expires");
  // Clearances are validated as ledger entries are: printable text, a real reason, an expiry
  // after today and within the horizon (today is 2026-03-01 here).
  const struct {
    json body;
    const char* field;
  } refused[] = {
      {{{"party", "Sopgo Technologies"}, {"record_id", "a"}, {"reason", "checked"}, {"expires", "2026-02-28"}}, "expires"},
      {{{"party", "Sopgo Technologies"}, {"record_id", "a"}, {"reason", "checked"}, {"expires", "9999-12-31"}}, "expires"},
      {{{"party", "Sopgo Technologies"}, {"record_id", "a"}, {"reason", "   "}, {"expires", "2026-06-01"}}, "reason"},
      {{{"party", "Sopgo Technologies"}, {"record_id", "a"}, {"reason", std::string(100 * 1024, 'x')}, {"expires", "2026-06-01"}}, "reason"},
      {{{"party", "Sopgo Technologies"}, {"record_id", "a"}, {"reason", "ok\r\nforged: approved"}, {"expires", "2026-06-01"}}, "reason"},
      {{{"party", "Sopgo\r\nTechnologies"}, {"record_id", "a"}, {"reason", "checked"}, {"expires", "2026-06-01"}}, "party"},
  };
  for (const auto& r : refused) {
    auto res = c.Post("/v1/screen/clear", as_officer, r.body.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << r.body.dump().substr(0, 200);
    EXPECT_EQ(ResponseJson(res->body)["error"]["field"], r.field) << res->body.substr(0, 300);
  }
  EXPECT_EQ(check("Sopgo Technologies").value("outcome", ""), "NEEDS_REVIEW");
  httplib::Headers keyed = as_officer;
  keyed.emplace("Idempotency-Key", "clear-1");
  auto cleared = c.Post("/v1/screen/clear", keyed, clearance, "application/json");
  ASSERT_EQ(cleared->status, 200) << cleared->body;
  // A retry under the same key replays the clearance: one disposition, one audit record.
  const int64_t records = (*log)->Head()->seq;
  auto again = c.Post("/v1/screen/clear", keyed, clearance, "application/json");
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(ResponseJson(again->body), ResponseJson(cleared->body));
  auto other = c.Post("/v1/screen/clear", keyed,
                      R"({"party":"Sopgo Tech","record_id":"a","reason":"another","expires":"2026-06-01"})",
                      "application/json");
  EXPECT_EQ(other->status, 409) << other->body;
  EXPECT_EQ((*log)->Head()->seq, records);
  auto dispositions = screen::DispositionStore(data_dir).LoadAll();
  ASSERT_TRUE(dispositions.ok());
  EXPECT_EQ(dispositions->size(), 1u);

  const json after = check("Sopgo Technologies");
  EXPECT_EQ(after.value("outcome", ""), unlisted.value("outcome", "")) << after.dump();
  // The recorded decision still replays as it was made: with the listing found then.
  replayed = replay_possible();
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed->today_outcome, "NEEDS_REVIEW");
  EXPECT_TRUE(replayed->identical) << ::testing::PrintToString(replayed->differences);
  // The clearance is for that name only: the listed name itself still stops the check.
  const json listed = check("Sophgo Technologies Ltd.");
  EXPECT_EQ(listed.value("outcome", ""), "LICENSE_REQUIRED") << listed.dump();
  // An empty stated list does not switch screening off, and a stated listing adds to it.
  const json stated_empty = check("Sophgo Technologies Ltd.", json::array());
  EXPECT_EQ(stated_empty.value("outcome", ""), "LICENSE_REQUIRED") << stated_empty.dump();
  EXPECT_EQ(stated_empty["screened_parties"][0]["status"], "screened") << stated_empty.dump();
  EXPECT_EQ(stated_empty["screened_parties"][0]["listings_found"], 1) << stated_empty.dump();
  EXPECT_EQ(stated_empty["list_versions"], listed["list_versions"]);
  const json stated_sdn = check("Sophgo Technologies Ltd.", json::array({{{"list", "sdn"}}}));
  EXPECT_EQ(stated_sdn.value("outcome", ""), "PROHIBITED") << stated_sdn.dump();
  EXPECT_TRUE((*log)->Verify().ok);
  server.Stop();
  fs::remove_all(dir);
}

// The ownership graph over HTTP: an officer imports it (a bad file is 400 naming the line and
// nothing changes), the next check weighs it, and GET /v1/ownership/{id} and /v1/screen show
// the ownership path.
TEST(ServerOwnershipTest, ImportedGraphReachesTheNextCheck) {
  const fs::path dir = TempDir("ownership");
  const fs::path list = dir / "consolidated_2026-11-29.json";
  std::ofstream(list) << R"({"results":[{"id":"el-1","source":"Entity List (EL) - Bureau of Industry )"
                         R"(and Security","name":"Shenzhen Holdco Ltd","addresses":[{"country":"CN"}],)"
                         R"("federal_register_notice":"90 FR 1"}]})";
  const std::string data_dir = (dir / "data").string();
  ASSERT_TRUE(screen::ListStore(data_dir).Import(list.string()).ok());
  auto today = [] { return Date::FromYmd(2026, 11, 30); };
  auto screen = OpenScreenService(data_dir, today);
  ASSERT_TRUE(screen.ok()) << screen.status().ToString();
  auto ownership = OpenOwnershipService(data_dir, SharedDataset(), (*screen)->screener(), today);
  ASSERT_TRUE(ownership.ok()) << ownership.status().ToString();
  Engine engine(SharedDataset());
  auto log = audit::OpenSqliteAuditLog({.path = (dir / "audit.sqlite").string(), .clock = {}, .read_only = false});
  auto keys = audit::KeyStore::Open((dir / "keys.sqlite").string());
  const std::string analyst = (*keys)->Create(audit::Role::kAnalyst, "a")->token;
  const std::string officer = (*keys)->Create(audit::Role::kOfficer, "o")->token;
  ServerOptions options;
  options.port = 0;
  options.today = today;
  Server server(options, {.dataset = &SharedDataset(), .engine = &engine, .audit = log->get(), .keys = keys->get(),
                          .ledger = nullptr, .screen = screen->get(), .ownership = ownership->get()});
  ASSERT_TRUE(server.Start().ok());
  httplib::Client c("127.0.0.1", server.port());
  CheckEveryResponse(c);
  httplib::Headers as_analyst{{"Authorization", "Bearer " + analyst}};
  httplib::Headers as_officer{{"Authorization", "Bearer " + officer}};
  auto check = [&] {
    const json tx = {{"as_of", "2026-11-30"}, {"destination", "MY"}, {"items", {{{"chip", "L40"}, {"quantity", 4}}}},
                     {"parties", {{{"role", "ultimate_consignee"}, {"name", "Penang Compute Sdn Bhd"}, {"country", "MY"},
                                   {"headquarters", "MY"}, {"ultimate_parent_headquarters", "MY"}}}}};
    auto r = c.Post("/v1/check", as_analyst, tx.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    return r ? ResponseJson(r->body) : json();
  };
  EXPECT_EQ(check().value("outcome", ""), "NO_LICENSE_REQUIRED");
  EXPECT_EQ(c.Get("/v1/ownership/anything", as_analyst)->status, 404);

  const std::string header = "owner,owned,percent,source,as_of,owner_country,owned_country\n";
  const json good = {{"file_name", "owners.csv"},
                     {"content", header + "Shenzhen Holdco Ltd,Asia Holdings Ltd,50,Orbis,2026-10-01,CN,HK\n"
                                          "Asia Holdings Ltd,Penang Compute Sdn Bhd,60%,Orbis,2026-10-01,HK,MY\n"}};
  const json bad = {{"file_name", "owners.csv"},
                    {"content", header + "Shenzhen Holdco Ltd,Penang Compute Sdn Bhd,120,Orbis,2026-10-01,CN,MY\n"}};
  EXPECT_EQ(c.Post("/v1/ownership/import", as_analyst, good.dump(), "application/json")->status, 403);
  auto refused = c.Post("/v1/ownership/import", as_officer, bad.dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_EQ(ResponseJson(refused->body)["error"]["field"], "owners.csv:2.percent") << refused->body;
  EXPECT_EQ(check().value("outcome", ""), "NO_LICENSE_REQUIRED");  // nothing imported

  auto imported = c.Post("/v1/ownership/import", as_officer, good.dump(), "application/json");
  ASSERT_TRUE(imported);
  ASSERT_EQ(imported->status, 200) << imported->body;
  EXPECT_EQ(ResponseJson(imported->body)["edges"], 2);
  const json covered = check();
  EXPECT_EQ(covered.value("outcome", ""), "LICENSE_REQUIRED") << covered.dump();
  bool path_named = false;
  for (const auto& r : covered["reasons"]) {
    path_named = path_named || r.value("summary", "").find("\"Asia Holdings Ltd\" → 60% [owners.csv:3 (Orbis as of 2026-10-01)] of \"Penang Compute Sdn Bhd\"") != std::string::npos;
  }
  EXPECT_TRUE(path_named) << covered.dump();

  auto shown = c.Get("/v1/ownership/Penang%20Compute%20Sdn%20Bhd?as_of=2026-11-30", as_analyst);
  ASSERT_EQ(shown->status, 200) << shown->body;
  const json entity = ResponseJson(shown->body)["entities"][0];
  EXPECT_EQ(entity["coverage"]["status"], "covered") << entity.dump();
  EXPECT_EQ(entity["owners"][0]["name"], "Asia Holdings Ltd");
  EXPECT_EQ(entity["owners"][0]["owners"][0]["coverage"]["listed"], true) << entity.dump();
  auto bad_date = c.Get("/v1/ownership/Penang%20Compute%20Sdn%20Bhd?as_of=soon", as_analyst);
  EXPECT_EQ(bad_date->status, 400);
  EXPECT_EQ(ResponseJson(bad_date->body)["error"]["field"], "as_of");

  auto screened = c.Get("/v1/screen?name=Penang%20Compute%20Sdn%20Bhd&country=MY", as_analyst);
  ASSERT_EQ(screened->status, 200) << screened->body;
  const json own = ResponseJson(screened->body)["ownership"];
  EXPECT_EQ(own["coverage"]["status"], "covered") << screened->body;
  EXPECT_NE(own["coverage"]["paths"][0].get<std::string>().find("Shenzhen Holdco Ltd"), std::string::npos) << screened->body;
  // Fields the request does not read are named in its warnings.
  auto unread = c.Post("/v1/screen", as_analyst, R"({"name":"Penang Compute Sdn Bhd","contry":"MY","threshold":0.5})",
                       "application/json");
  ASSERT_TRUE(unread);
  ASSERT_EQ(unread->status, 200) << unread->body;
  const std::string unread_warnings = ResponseJson(unread->body)["warnings"].dump();
  EXPECT_NE(unread_warnings.find("Unknown field \\\"contry\\\" was ignored"), std::string::npos) << unread_warnings;
  EXPECT_NE(unread_warnings.find("threshold"), std::string::npos) << unread_warnings;
  // A country filter that matches no record would clear every name: refused, naming the field.
  for (const char* country : {"CHN", "ZZ", "China"}) {
    auto refused = c.Get(std::string("/v1/screen?name=Penang%20Compute%20Sdn%20Bhd&country=") + country, as_analyst);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400) << country << " " << refused->body;
    EXPECT_EQ(ResponseJson(refused->body)["error"]["field"], "country") << refused->body;
  }
  // A country filter that leaves out a listed party listed elsewhere says so: an empty answer
  // alone would read as a clearance.
  auto elsewhere = c.Get("/v1/screen?name=Shenzhen%20Holdco%20Ltd&country=MY", as_analyst);
  ASSERT_TRUE(elsewhere);
  ASSERT_EQ(elsewhere->status, 200) << elsewhere->body;
  const json left_out = ResponseJson(elsewhere->body);
  EXPECT_TRUE(left_out["hits"].empty()) << elsewhere->body;
  EXPECT_NE(left_out["warnings"].dump().find("left out 1 hit"), std::string::npos) << elsewhere->body;
  EXPECT_NE(left_out["warnings"].dump().find("Shenzhen Holdco Ltd"), std::string::npos) << elsewhere->body;

  // A retried import (the same Idempotency-Key and file) answers from its record and imports
  // nothing again; the key with another file is a conflict and changes nothing.
  httplib::Headers keyed = as_officer;
  keyed.emplace("Idempotency-Key", "owners-2026-11-30");
  auto first = c.Post("/v1/ownership/import", keyed, good.dump(), "application/json");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const int64_t version = ResponseJson(first->body)["version"];
  auto retried = c.Post("/v1/ownership/import", keyed, good.dump(), "application/json");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 200) << retried->body;
  EXPECT_EQ(retried->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(ResponseJson(retried->body)["version"], version);
  const json other = {{"file_name", "other.csv"}, {"content", header + "Shenzhen Holdco Ltd,Penang Compute Sdn Bhd,10,Orbis,2026-10-01,CN,MY\n"}};
  auto conflict = c.Post("/v1/ownership/import", keyed, other.dump(), "application/json");
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->status, 409) << conflict->body;
  EXPECT_EQ(ownership::GraphStore(data_dir).Load()->version, version);  // imported once
  EXPECT_EQ(check().value("outcome", ""), "LICENSE_REQUIRED");

  // A graph imported by another process (`exportctl ownership import` beside the server) reaches
  // the server's checks without a restart; one that cannot be read keeps them from clearing.
  auto outcome_becomes = [&](const std::string& want) {
    std::string got;
    for (int i = 0; i < 100 && got != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      got = check().value("outcome", "");
    }
    return got;
  };
  auto cleared = ownership::ParseGraph(header + "Local Investor,Penang Compute Sdn Bhd,100,Registry,2026-11-01,MY,MY\n", "owners-3.csv");
  ASSERT_TRUE(cleared.ok());
  ASSERT_TRUE(ownership::GraphStore(data_dir).Import(*cleared).ok());
  EXPECT_EQ(outcome_becomes("NO_LICENSE_REQUIRED"), "NO_LICENSE_REQUIRED");
  std::ofstream(fs::path(data_dir) / "ownership.sqlite", std::ios::trunc) << "not a database, but bytes a disk could hold";
  const std::string damaged = outcome_becomes("NEEDS_REVIEW");
  EXPECT_EQ(damaged, "NEEDS_REVIEW");
  EXPECT_TRUE((*log)->Verify().ok);
  server.Stop();
  fs::remove_all(dir);
}

// Licenses over HTTP: an officer records one (a bad file is 400 naming the field and nothing is
// stored; a number already recorded is 409), viewers list and show it, and the change is in the
// audit log.
TEST(ServerLicenseTest, OfficerRecordsViewersRead) {
  const fs::path dir = TempDir("licenses");
  const std::string data_dir = (dir / "data").string();
  auto today = [] { return Date::FromYmd(2028, 1, 10); };
  auto licenses = OpenLicenseService(data_dir, SharedDataset(), today);
  Engine engine(SharedDataset());
  auto log = audit::OpenSqliteAuditLog({.path = (dir / "audit.sqlite").string(), .clock = {}, .read_only = false});
  auto keys = audit::KeyStore::Open((dir / "keys.sqlite").string());
  const std::string viewer = (*keys)->Create(audit::Role::kViewer, "v")->token;
  const std::string analyst = (*keys)->Create(audit::Role::kAnalyst, "a")->token;
  const std::string officer = (*keys)->Create(audit::Role::kOfficer, "o")->token;
  ServerOptions options;
  options.port = 0;
  options.today = today;
  Server server(options, {.dataset = &SharedDataset(), .engine = &engine, .audit = log->get(), .keys = keys->get(),
                          .ledger = nullptr, .screen = nullptr, .ownership = nullptr, .licenses = licenses.get()});
  ASSERT_TRUE(server.Start().ok());
  httplib::Client c("127.0.0.1", server.port());
  CheckEveryResponse(c);
  httplib::Headers as_viewer{{"Authorization", "Bearer " + viewer}};
  httplib::Headers as_analyst{{"Authorization", "Bearer " + analyst}};
  httplib::Headers as_officer{{"Authorization", "Bearer " + officer}};
  json file = json::parse(R"({"number": "D1234567", "holder": "Example Exporter Inc", "issued": "2026-02-01",
   "expires": "2028-01-31", "destinations": ["AE"],
   "items": [{"eccn": "3A090.a", "chip": "B300 SXM", "quantity": 35000}],
   "tpp_limit": null, "value_usd_limit": null,
   "parties": [{"role": "ultimate_consignee", "name": "Example Compute LLC", "country": "AE"}],
   "conditions": ["No reexport without BIS authorization"]})");

  EXPECT_EQ(c.Post("/v1/licenses", as_analyst, file.dump(), "application/json")->status, 403);
  json bad = file;
  bad["items"][0]["quantity"] = -1;
  auto refused = c.Post("/v1/licenses", as_officer, bad.dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(ResponseJson(refused->body)["error"]["field"], "items[0].quantity") << refused->body;
  bad = file;
  bad["destinations"] = {"Narnia"};
  EXPECT_EQ(ResponseJson(c.Post("/v1/licenses", as_officer, bad.dump(), "application/json")->body)["error"]["field"],
            "destinations[0]");
  EXPECT_EQ(c.Get("/v1/licenses/D1234567", as_viewer)->status, 404);  // nothing stored

  auto added = c.Post("/v1/licenses", as_officer, file.dump(), "application/json");
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 200) << added->body;
  EXPECT_EQ(ResponseJson(added->body)["version"], 1);
  EXPECT_EQ(c.Post("/v1/licenses", as_officer, file.dump(), "application/json")->status, 409);

  auto shown = c.Get("/v1/licenses/D1234567", as_viewer);
  ASSERT_EQ(shown->status, 200) << shown->body;
  EXPECT_EQ(ResponseJson(shown->body)["license"]["items"][0]["quantity"], 35000);
  EXPECT_EQ(ResponseJson(shown->body)["versions"].size(), 1u);
  auto listed = c.Get("/v1/licenses?attention=true", as_viewer);
  ASSERT_EQ(listed->status, 200) << listed->body;
  const json l = ResponseJson(listed->body)["licenses"];
  ASSERT_EQ(l.size(), 1u) << listed->body;  // expires 2028-01-31, 21 days after "today"
  EXPECT_NE(l[0]["attention"][0].get<std::string>().find("2028-01-31"), std::string::npos);
  EXPECT_EQ(ResponseJson(c.Get("/v1/licenses?attention=true&as_of=2027-06-01", as_viewer)->body)["licenses"].size(), 0u);
  EXPECT_EQ(ResponseJson(c.Get("/v1/licenses", as_viewer)->body)["licenses"].size(), 1u);
  EXPECT_EQ(c.Get("/v1/licenses?attention=maybe", as_viewer)->status, 400);

  int recorded = 0;
  ASSERT_TRUE((*log)->Scan({}, [&](const audit::AuditRecord& r) {
    recorded += r.kind == "license.added";
    return true;
  }).ok());
  EXPECT_EQ(recorded, 1);
  EXPECT_TRUE((*log)->Verify().ok);
  server.Stop();
  fs::remove_all(dir);
}
#endif

// ---- Crash safety: SIGKILL during a burst, then restart --------------------------------------

// Runs a server in a child process; returns its pid and port. The child exits on SIGTERM.
pid_t StartChild(const fs::path& dir, int* port) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    {
      Stack stack(dir);
      if (!stack.server->Start().ok()) ::_exit(3);
      const int p = stack.server->port();
      if (::write(fds[1], &p, sizeof p) != sizeof p) ::_exit(4);
      int sig = 0;
      sigwait(&set, &sig);
      stack.server->Stop();
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  if (::read(fds[0], port, sizeof *port) != sizeof *port) *port = 0;
  ::close(fds[0]);
  return pid;
}

TEST(ServerCrashTest, SigkillDuringBurstLosesNoAcknowledgedDecision) {
  const fs::path dir = TempDir("crash");
  SharedDataset();  // load before forking so the child does not repeat it
  std::string token;
  {
    auto keys = audit::KeyStore::Open((dir / "keys.sqlite").string());
    ASSERT_TRUE(keys.ok());
    token = (*keys)->Create(audit::Role::kAnalyst, "burst")->token;
  }
  int port = 0;
  pid_t pid = StartChild(dir, &port);
  ASSERT_GT(pid, 0);
  ASSERT_GT(port, 0);

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      CheckEveryResponse(c);
      c.set_keep_alive(true);
      c.set_connection_timeout(1);
      httplib::Headers h{{"Authorization", "Bearer " + token}};
      while (!stop) {
        auto r = c.Post("/v1/check", h, kTransaction, "application/json");
        if (!r) continue;  // killed mid-request: not acknowledged
        if (r->status == 200) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(ResponseJson(r->body)["decision_id"]);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GT(acknowledged.size(), 10u);

  {
    auto log = audit::OpenSqliteAuditLog({.path = (dir / "audit.sqlite").string(), .clock = {},
                                          .read_only = true});
    ASSERT_TRUE(log.ok());
    const auto report = (*log)->Verify();
    EXPECT_TRUE(report.ok) << report.problem;
    EXPECT_GE(report.records_checked, static_cast<int64_t>(acknowledged.size()));
    for (const auto& id : acknowledged) EXPECT_TRUE((*log)->Get(id).ok()) << id << " lost";
  }

  // Restart: the chain continues, and SIGTERM shuts down gracefully.
  pid = StartChild(dir, &port);
  ASSERT_GT(port, 0);
  {
    httplib::Client c("127.0.0.1", port);
    CheckEveryResponse(c);
    httplib::Headers h{{"Authorization", "Bearer " + token}};
    auto r = c.Post("/v1/check", h, kTransaction, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto log = audit::OpenSqliteAuditLog({.path = (dir / "audit.sqlite").string(), .clock = {},
                                        .read_only = true});
  const auto report = (*log)->Verify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.records_checked, report.head_seq);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace exportctl::server

// Replays the recorded exchanges of tests/contract/ (trade.gov CSL API v1, yente matching API)
// against the server over a real socket on 127.0.0.1 (tests/contract/README.md).
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "audit/audit_log.h"
#include "audit/key_store.h"
#include "data/dataset.h"
#include "determine/engine.h"
#include "screen/screen.h"
#include "server/module_backends.h"
#include "server/response_json_testing.h"
#include "server/server.h"

namespace exportctl::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* TypeOf(const json& j) {
  if (j.is_number()) return "number";
  return j.type_name();
}

// Whether `actual` has the recorded shape (README: keys and JSON types; null allows any).
void ExpectShape(const json& recorded, const json& actual, const std::string& where) {
  // A recorded null allows any value; a recorded string allows null (the CSL's fields are nullable).
  if (recorded.is_null() || (recorded.is_string() && actual.is_null())) return;
  if (std::string(TypeOf(recorded)) != TypeOf(actual)) {
    ADD_FAILURE() << where << ": recorded " << TypeOf(recorded) << ", answered " << TypeOf(actual)
                  << " " << actual.dump().substr(0, 200);
    return;
  }
  if (recorded.is_object()) {
    for (const auto& [key, value] : recorded.items()) {
      if (!actual.contains(key)) {
        ADD_FAILURE() << where << ": no \"" << key << "\" in " << actual.dump().substr(0, 300);
        continue;
      }
      ExpectShape(value, actual[key], where + "/" + key);
    }
  } else if (recorded.is_array() && !recorded.empty()) {
    for (size_t i = 0; i < actual.size(); ++i) ExpectShape(recorded[0], actual[i], where + "/" + std::to_string(i));
  }
}

std::string WithKey(std::string text, const std::string& key) {
  for (size_t at = text.find("$KEY"); at != std::string::npos; at = text.find("$KEY", at)) {
    text.replace(at, 4, key);
  }
  return text;
}

class CompatContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("compat_contract_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    const std::string data_dir = (*dir_ / "data").string();
    auto imported = screen::ListStore(data_dir).Import(std::string(EXPORTCTL_CONTRACT_DIR) +
                                                       "/consolidated_fixture.json");
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    auto data = Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR);
    ASSERT_TRUE(data.ok());
    dataset_ = data->release();
    engine_ = new Engine(*dataset_);
    auto screen = OpenScreenService(data_dir, [] { return Date::FromYmd(2026, 8, 1); });
    ASSERT_TRUE(screen.ok()) << screen.status().ToString();
    screen_ = screen->release();
    auto log = audit::OpenSqliteAuditLog({.path = (*dir_ / "audit.sqlite").string(), .clock = {}, .read_only = false});
    ASSERT_TRUE(log.ok());
    log_ = log->release();
    auto keys = audit::KeyStore::Open((*dir_ / "keys.sqlite").string());
    ASSERT_TRUE(keys.ok());
    keys_ = keys->release();
    key_ = new std::string(keys_->Create(audit::Role::kAnalyst, "contract")->token);
    ServerOptions options;
    options.port = 0;
    server_ = new Server(options, {.dataset = dataset_, .engine = engine_, .audit = log_, .keys = keys_,
                                   .ledger = nullptr, .screen = screen_});
    ASSERT_TRUE(server_->Start().ok());
  }
  static void TearDownTestSuite() {
    if (server_) server_->Stop();
    delete server_;
    delete screen_;
    delete keys_;
    delete log_;
    delete engine_;
    delete dataset_;
    delete key_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static inline fs::path* dir_ = nullptr;
  static inline const Dataset* dataset_ = nullptr;
  static inline Engine* engine_ = nullptr;
  static inline ScreenService* screen_ = nullptr;
  static inline audit::AuditLog* log_ = nullptr;
  static inline audit::KeyStore* keys_ = nullptr;
  static inline std::string* key_ = nullptr;
  static inline Server* server_ = nullptr;
};

TEST_P(CompatContractTest, ReplaysTheRecordedExchange) {
  ASSERT_NE(server_, nullptr);
  std::ifstream in(std::string(EXPORTCTL_CONTRACT_DIR) + "/" + GetParam());
  const json exchange = json::parse(WithKey(std::string(std::istreambuf_iterator<char>(in), {}), *key_));
  const json& req = exchange["request"];
  httplib::Client client("127.0.0.1", server_->port());
  testing::CheckEveryResponse(client);
  httplib::Headers headers;
  for (const auto& [name, value] : req["headers"].items()) headers.emplace(name, value.get<std::string>());
  httplib::Params params;
  std::string path = req["path"];
  std::string query;
  for (const auto& pair : req["query"]) {
    query += (query.empty() ? "?" : "&") + httplib::detail::encode_query_param(pair[0].get<std::string>()) + "=" +
             httplib::detail::encode_query_param(pair[1].get<std::string>());
  }
  httplib::Result r = req["method"] == "GET"
                          ? client.Get((path + query).c_str(), headers)
                          : client.Post((path + query).c_str(), headers, req["body"].dump(), "application/json");
  ASSERT_TRUE(r) << GetParam();
  const json& expected = exchange["response"];
  EXPECT_EQ(r->status, expected["status"].get<int>()) << r->body.substr(0, 500);
  const json body = testing::ResponseJson(r->body);
  ExpectShape(expected["body"], body, GetParam());
  const json expect = exchange.value("expect", json::object());
  const json expect_contains = exchange.value("expect_contains", json::object());
  for (const auto& [pointer, value] : expect.items()) {
    const json::json_pointer p(pointer);
    ASSERT_TRUE(body.contains(p)) << pointer << " missing in " << body.dump().substr(0, 1500);
    if (value.is_number_float()) {
      EXPECT_NEAR(body[p].get<double>(), value.get<double>(), 1e-9) << pointer;
    } else {
      EXPECT_EQ(body[p], value) << pointer << " in " << body.dump().substr(0, 1500);
    }
  }
  for (const auto& [pointer, text] : expect_contains.items()) {
    const json::json_pointer p(pointer);
    ASSERT_TRUE(body.contains(p) && body[p].is_string()) << pointer << " in " << body.dump().substr(0, 1500);
    EXPECT_NE(body[p].get<std::string>().find(text.get<std::string>()), std::string::npos)
        << pointer << ": " << body[p];
  }
}

std::vector<std::string> Exchanges() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(EXPORTCTL_CONTRACT_DIR)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && name != "consolidated_fixture.json") out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Recorded, CompatContractTest, ::testing::ValuesIn(Exchanges()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 5);
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace exportctl::server

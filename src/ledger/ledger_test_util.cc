#include "ledger/ledger_test_util.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <random>

extern char** environ;

namespace exportctl::ledger::testing {

const AllocationRules& TestRules() {
  static const AllocationRules rules = [] {
    auto r = AllocationRules::Load(EXPORTCTL_LEDGER_DATA_DIR);
    if (!r.ok()) {
      std::fprintf(stderr, "cannot load rules: %s\n", r.status().ToString().c_str());
      std::abort();
    }
    return *r;
  }();
  return rules;
}

namespace {
std::string Unique() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 100000);
}
bool InCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}
}  // namespace

TestLocation::TestLocation(const std::string& backend) : backend_(backend) {
  if (backend == "memory") {
    location_ = kMemoryLocation;
    return;
  }
  if (backend == "sqlite") {
    dir_ = (std::filesystem::temp_directory_path() / ("exportctl_ledger_" + Unique())).string();
    std::filesystem::create_directories(dir_);
    location_ = dir_ + "/ledger.sqlite";
    return;
  }
  const char* env = std::getenv("EXPORTCTL_TEST_POSTGRES");
  const std::string base = env && *env ? env : kDefaultPostgres;
  schema_ = "ledger_test_" + Unique();
  try {
    pqxx::connection c(base);
    pqxx::work w(c);
    w.exec("CREATE SCHEMA " + w.quote_name(schema_));
    w.commit();
  } catch (const std::exception& e) {
    const std::string msg = "PostgreSQL at " + base + " is unreachable (" + e.what() +
                            "); run scripts/start-postgres.sh or set EXPORTCTL_TEST_POSTGRES";
    schema_.clear();
    if (InCi()) {
      failure_ = msg;
    } else {
      skip_reason_ = msg;
    }
    return;
  }
  location_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
              "options=-csearch_path%3D" + schema_;
}

TestLocation::~TestLocation() {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  if (!schema_.empty()) {
    try {
      const char* env = std::getenv("EXPORTCTL_TEST_POSTGRES");
      pqxx::connection c(env && *env ? env : kDefaultPostgres);
      pqxx::work w(c);
      w.exec("DROP SCHEMA IF EXISTS " + w.quote_name(schema_) + " CASCADE");
      w.commit();
    } catch (const std::exception&) {
    }
  }
}

std::unique_ptr<Ledger> OpenOrDie(const std::string& location) {
  auto l = Ledger::Open({.location = location}, TestRules());
  if (!l.ok()) {
    ADD_FAILURE() << "opening " << location << ": " << l.status().ToString();
    return nullptr;
  }
  return std::move(*l);
}

void BackendTest::SetUp() {
  loc_ = std::make_unique<TestLocation>(GetParam());
  LEDGER_REQUIRE_BACKEND(*loc_);
  ledger_ = OpenOrDie(loc_->location());
  ASSERT_NE(ledger_, nullptr);
}

std::map<std::pair<std::string, std::string>, Reconciled> SumLog(
    const std::vector<Posting>& postings) {
  std::map<std::pair<std::string, std::string>, Reconciled> out;
  for (const auto& p : postings) {
    auto& r = out[{p.account, p.period}];
    switch (p.kind) {
      case PostingKind::kReserve:
        r.reserved_milli += p.amount_milli;
        break;
      case PostingKind::kCommit:
        r.reserved_milli -= p.amount_milli;
        r.used_milli += p.amount_milli;
        break;
      case PostingKind::kRelease:
        r.reserved_milli -= p.amount_milli;
        break;
      case PostingKind::kAdjust:
        r.used_milli += p.amount_milli;
        break;
    }
  }
  return out;
}

std::string SelfPath() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

int SpawnChild(const std::vector<std::string>& args, int* out_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  std::vector<std::string> all = {SelfPath()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return -1;
  }
  *out_fd = fds[0];
  return pid;
}

// Child modes:
//   --ledger-child=reserve LOCATION KEY_PREFIX COUNT TPP [country|license]
// reserves COUNT times TPP on country:AE, or on license:D1234567:units with limit kLicenseLimit
// (as of 2026-06-01) with keys KEY_PREFIX-i, and prints
// "ID KEY\n" for every acknowledged reservation, "X KEY\n" for every refused one, straight to
// the pipe (no buffering), after Reserve returned.
int RunChild(int argc, char** argv) {
  const std::string mode = argv[1];
  if (mode != "--ledger-child=reserve" || argc < 6 || argc > 7) {
    std::fprintf(stderr, "bad child invocation\n");
    return 2;
  }
  const std::string location = argv[2], prefix = argv[3];
  const int count = std::atoi(argv[4]);
  const double tpp = std::atof(argv[5]);
  const bool license = argc == 7 && std::string(argv[6]) == "license";
  auto ledger = Ledger::Open({.location = location}, TestRules());
  if (!ledger.ok()) {
    std::fprintf(stderr, "child: %s\n", ledger.status().ToString().c_str());
    return 1;
  }
  for (int i = 0; i < count; ++i) {
    ReserveRequest req;
    req.account = license ? AccountKey::License("D1234567", "units") : AccountKey::Country("AE");
    if (license) req.limit = kLicenseLimit;
    req.tpp = tpp;
    req.as_of = D("2026-06-01");
    req.idempotency_key = prefix + "-" + std::to_string(i);
    req.decision_id = "dec_" + req.idempotency_key;
    auto r = (*ledger)->Reserve(req);
    if (!r.ok()) {
      std::fprintf(stderr, "child: %s\n", r.status().ToString().c_str());
      return 1;
    }
    std::string line =
        (r->status == ReserveStatus::kReserved ? std::to_string(r->posting.id) : std::string("X")) +
        " " + req.idempotency_key + "\n";
    if (write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  }
  return 0;
}

}  // namespace exportctl::ledger::testing

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]).rfind("--ledger-child=", 0) == 0) {
    return exportctl::ledger::testing::RunChild(argc, argv);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

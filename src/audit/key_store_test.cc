#include "audit/key_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace exportctl::audit {
namespace {

namespace fs = std::filesystem;

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("keys_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<KeyStore> Open(std::chrono::milliseconds refresh = std::chrono::milliseconds(0)) {
    auto keys = KeyStore::Open((dir_ / "keys.sqlite").string(), {}, refresh);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    return std::move(keys).value();
  }
  fs::path dir_;
};

TEST_F(KeyStoreTest, CreateAuthenticateRevoke) {
  auto keys = Open();
  auto created = keys->Create(Role::kAnalyst, "erp");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->token.rfind("exk_" + created->info.key_id + "_", 0), 0u);
  auto who = keys->Authenticate(created->token);
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  EXPECT_EQ(who->role, Role::kAnalyst);
  EXPECT_EQ(who->label, "erp");

  std::string wrong = created->token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_EQ(keys->Authenticate(wrong).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(keys->Authenticate("Bearer nonsense").status().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(keys->Authenticate("").status().code(), ErrorCode::kInvalidInput);

  ASSERT_TRUE(keys->Revoke(created->info.key_id).ok());
  EXPECT_EQ(keys->Authenticate(created->token).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(keys->Revoke(created->info.key_id).code(), ErrorCode::kConflict);
  EXPECT_EQ(keys->Revoke("0000000000000000").code(), ErrorCode::kNotFound);
}

TEST_F(KeyStoreTest, SecretIsNeverStored) {
  std::string token;
  {
    auto keys = Open();
    token = keys->Create(Role::kOfficer, "ops")->token;
  }
  std::ifstream in(dir_ / "keys.sqlite", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string secret = token.substr(token.rfind('_') + 1);
  EXPECT_EQ(bytes.find(secret), std::string::npos);
  for (const auto& e : fs::directory_iterator(dir_)) {
    std::ifstream f(e.path(), std::ios::binary);
    std::string b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(b.find(secret), std::string::npos) << e.path();
  }
}

TEST_F(KeyStoreTest, RevocationByAnotherProcessIsSeen) {
  auto server_view = Open(std::chrono::milliseconds(0));
  auto cli_view = Open();
  auto created = cli_view->Create(Role::kViewer, "");
  ASSERT_TRUE(server_view->Authenticate(created->token).ok());
  ASSERT_TRUE(cli_view->Revoke(created->info.key_id).ok());
  EXPECT_FALSE(server_view->Authenticate(created->token).ok());
}

TEST_F(KeyStoreTest, RolesNest) {
  EXPECT_TRUE(RoleAllows(Role::kOfficer, Role::kAnalyst));
  EXPECT_TRUE(RoleAllows(Role::kAnalyst, Role::kViewer));
  EXPECT_FALSE(RoleAllows(Role::kViewer, Role::kAnalyst));
  EXPECT_FALSE(RoleAllows(Role::kAnalyst, Role::kOfficer));
  EXPECT_EQ(ParseRole("officer"), Role::kOfficer);
  EXPECT_EQ(ParseRole("admin"), std::nullopt);
  auto keys = Open();
  ASSERT_TRUE(keys->Create(Role::kViewer, "a").ok());
  ASSERT_TRUE(keys->Create(Role::kOfficer, "b").ok());
  EXPECT_EQ(keys->List()->size(), 2u);
}

}  // namespace
}  // namespace exportctl::audit

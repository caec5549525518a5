// Consignee identities for LPP/AIA accounts (ledger.h), with the screening normalizer.
#include <optional>
#include <string>
#include <vector>

#include "core/validate.h"
#include "ledger/ledger.h"
#include "screen/normalize.h"

namespace exportctl::ledger {
namespace {

constexpr std::string_view kIdPrefix = "id=";

// "j s c" → "jsc": an abbreviation written with dots or spaces is one word.
std::vector<std::string> JoinSingleLetters(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  bool joining = false;
  for (const auto& t : tokens) {
    const bool letter = t.size() == 1 && t[0] >= 'a' && t[0] <= 'z';
    if (letter && joining) {
      out.back() += t;
    } else {
      out.push_back(t);
    }
    joining = letter;
  }
  return out;
}

std::string Join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += (out.empty() ? "" : " ") + t;
  return out;
}

// A consignee's identity from its name (ConsigneeIdentity without a party id).
Result<std::string> NameIdentity(std::string_view name);

}  // namespace

Result<std::string> ConsigneeIdentity(std::string_view name, std::string_view party_id) {
  if (!party_id.empty()) {
    EXPORTCTL_RETURN_IF_ERROR(CheckIdentifier("party_id", party_id));
    return std::string(kIdPrefix) + std::string(party_id);
  }
  // The identity of the last name asked, kept by the thread: a check asks it for the same
  // consignee on each of its balance reads (and a batch line after line).
  thread_local std::string last_name;
  thread_local std::optional<Result<std::string>> last;
  if (last && name == last_name) return *last;
  Result<std::string> identity = NameIdentity(name);
  last_name.assign(name);
  last = identity;
  return identity;
}

namespace {

Result<std::string> NameIdentity(std::string_view name) {
  const std::vector<std::string> tokens = JoinSingleLetters(screen::Tokenize(name));
  std::vector<std::string> distinctive;
  for (size_t i = 0; i < tokens.size(); ++i) {
    // "Joint Stock Company" is how "JSC" is written out (the screening list knows the letters).
    if (tokens[i] == "joint" && i + 1 < tokens.size() && tokens[i + 1] == "stock") {
      ++i;
      continue;
    }
    const screen::TokenClass c = screen::ClassifyToken(tokens[i]);
    if (c != screen::TokenClass::kLegalForm && c != screen::TokenClass::kStopWord) distinctive.push_back(tokens[i]);
  }
  // A name that is nothing but legal forms and stop words keeps them.
  std::string identity = Join(distinctive.empty() ? tokens : distinctive);
  if (identity.empty()) return Status::Invalid("name", "has no letter or digit to identify the consignee by");
  if (identity.size() > 200) identity.resize(200);  // account names are at most 200 characters
  return identity;
}

}  // namespace

bool IsConsigneeIdentity(std::string_view party) {
  if (party.substr(0, kIdPrefix.size()) == kIdPrefix) return party.size() > kIdPrefix.size();
  auto identity = ConsigneeIdentity(party, "");
  return identity.ok() && *identity == party;
}

}  // namespace exportctl::ledger

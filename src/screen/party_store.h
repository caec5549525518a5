// The parties we have screened, kept so that a list update re-screens them (issue: "re-screening
// when lists change"). `screen --remember`, `check` and the server's checks add to it;
// `lists import` re-screens every stored party against the added and changed records only.
//
//   auto store = PartyStore::Open(data_dir);           // reads <data_dir>/screen/parties.jsonl
//   (void)(*store)->Remember("Contoso Ltd", "2026-11-29");
//   for (const auto& name : (*store)->Names()) …
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/status.h"

namespace exportctl::screen {

// <data_dir>/screen/parties.jsonl: one {"party","added"} object per line (a stated owner:
// {"party","owner_of","percent","added"}), append-only; a name is written once. Each line is one write() in append mode, so processes sharing the data directory
// never interleave within a line (a name they both add may appear twice; reading dedups).
// Thread-safe.
class PartyStore {
 public:
  static Result<std::unique_ptr<PartyStore>> Open(const std::string& data_dir);
  // Appends `name` unless it is stored already; an empty name is ignored.
  [[nodiscard]] Status Remember(const std::string& name, const std::string& today);
  std::vector<std::string> Names() const;  // in the order first stored

  // An owner a check stated for a party ("owners", nested ones too): kept so that a list update
  // that lists the owner says which party it now covers (Affiliates Rule). The owner is also a
  // remembered party. A stake stated again with the same share is written once.
  struct StatedStake {
    std::string owned, owner;
    std::optional<double> percent;  // absent: stated as unknown
  };
  [[nodiscard]] Status RememberStake(const std::string& owned, const std::string& owner, std::optional<double> percent,
                                     const std::string& today);
  std::vector<StatedStake> Stakes() const;  // in the order first stored

 private:
  [[nodiscard]] Status Append(const std::string& line);
  explicit PartyStore(std::string path) : path_(std::move(path)) {}
  std::string path_;
  mutable std::mutex mu_;
  std::vector<std::string> names_;
  std::unordered_set<std::string> known_;
  std::vector<StatedStake> stakes_;
  std::unordered_set<std::string> known_stakes_;
};

}  // namespace exportctl::screen

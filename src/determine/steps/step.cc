// Text helpers and facts the rule steps share.
#include "determine/steps/step.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace exportctl::steps {

std::string Cat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  std::string out(n, '\0');
  char* at = out.data();
  for (std::string_view p : parts) {
    if (p.empty()) continue;
    std::memcpy(at, p.data(), p.size());
    at += p.size();
  }
  return out;
}

std::string FormatTpp(double v) {
  char buf[48];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    // Thousands separators read better in reasons: 26,900,000.
    std::string digits = std::to_string(static_cast<int64_t>(v));
    std::string out;
    int n = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
      if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
      out.insert(out.begin(), *it);
      ++n;
    }
    return out;
  }
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// " (ledger account lpp:saigon cloud; leaves out …)": which account a balance came from.
std::string LedgerSource(const AllocationBalance& b) {
  if (b.account.empty() && b.note.empty()) return "";
  std::string out = " (";
  if (!b.account.empty()) out += "ledger account " + b.account;
  if (!b.note.empty()) out += (b.account.empty() ? "" : "; ") + b.note;
  return out + ")";
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

std::string RoleInWords(PartyRole role) {
  std::string words = PartyRoleName(role);
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

ListedPolicy ReadListedPolicy(std::string_view text) {
  std::string lower(text);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto has = [&](const char* s) { return lower.find(s) != std::string::npos; };
  if (has("policy of denial")) return {ReviewPolicy::kPresumptionOfDenial, "policy of denial"};
  if (has("denial")) return {ReviewPolicy::kPresumptionOfDenial, "presumption of denial"};
  if (has("case-by-case") || has("case by case"))
    return {ReviewPolicy::kCaseByCase, "case-by-case"};
  if (has("approval")) return {ReviewPolicy::kPresumptionOfApproval, "presumption of approval"};
  return {};
}

std::string TransactionFacts::HqUnknownFact() const {
  if (!hq_unknown_party) return "no recipient stated";
  const Party& p = *hq_unknown_party;
  const std::string who = RoleInWords(p.role) + " \"" + p.name + "\"";
  return p.headquarters.empty()
             ? "the headquarters of the " + who + " is not stated"
             : "the headquarters of the ultimate parent of the " + who +
                   " is not stated (give the party's own headquarters if it has no parent)";
}

Evaluation::CountryAnswer Evaluation::CountryOn(std::string_view code) const {
  const int key = Dataset::Alpha2Key(code);
  if (key < 0) {  // not a two-letter code (a region such as UA-43): asked of the data each time
    const std::string_view eff = data.EffectiveCode(code);
    return {eff, data.GroupMask(eff, date)};
  }
  struct Entry {
    uint32_t stamp = 0;  // the cache's stamp when answered; another stamp: not answered
    uint32_t groups = 0;
    bool self = true;  // the code is its own effective code (else `effective`, owned by the data)
    std::string_view effective;
  };
  thread_local struct {
    uint64_t generation = 0;
    Date date;
    uint32_t stamp = 0;
    std::array<Entry, 26 * 26> entries;
  } cache;
  if (cache.stamp == 0 || cache.generation != rules.generation || cache.date != date) {
    cache.generation = rules.generation;
    cache.date = date;
    if (++cache.stamp == 0) {  // wrapped: forget every answer
      cache.entries.fill(Entry{});
      cache.stamp = 1;
    }
  }
  Entry& e = cache.entries[static_cast<size_t>(key)];
  if (e.stamp != cache.stamp) {
    const std::string_view eff = data.EffectiveCode(code);
    e.self = eff.data() == code.data() && eff.size() == code.size();
    e.effective = e.self ? std::string_view() : eff;
    e.groups = data.GroupMask(eff, date);
    e.stamp = cache.stamp;
  }
  return {e.self ? code : e.effective, e.groups};
}

std::string Evaluation::DestinationGroups(const TransactionFacts& facts) const {
  if (facts.dest_us) return "the United States (15 CFR 772.1): not an export destination";
  if (!facts.dest_groups) return "no Country Group";
  std::string groups = "Country Groups ";
  bool first = true;
  for (int g = 0; g < static_cast<int>(Group::kCount); ++g) {
    if (!facts.Dest(static_cast<Group>(g))) continue;
    if (!first) groups += ", ";
    groups += GroupName(static_cast<Group>(g));
    first = false;
  }
  return groups;
}

std::string Evaluation::RecipientHeadquarters() const {
  std::string out;
  out.reserve(128);
  for (const auto& p : tx.parties) {
    if (p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser) continue;
    if (!out.empty()) out += "; ";
    out += PartyRoleName(p.role);
    out += " \"";
    out += p.name;
    out += "\" headquartered in ";
    out += p.headquarters;
    if (!p.ultimate_parent_headquarters.empty()) {
      out += ", ultimate parent in ";
      out += p.ultimate_parent_headquarters;
    }
  }
  return out;
}

}  // namespace exportctl::steps

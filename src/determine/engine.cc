// The determination pipeline. Each rule step is a small function that reads the transaction's
// facts and appends findings citing its rule; Combine (combine.cc) decides precedence.
#include "determine/engine.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <array>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cmath>
#include <map>
#include <random>
#include <type_traits>
#include <bitset>
#include <tuple>

#include "data/dataset.h"
#include "determine/combine.h"

namespace exportctl {

// Wraps reason text so it is only formatted when the decision is explained.
#define EXPLAIN(...) [&]() -> std::string { return __VA_ARGS__; }

namespace {

constexpr std::string_view kSteps[] = {
    "classification", "license_area_3a090", "headquarters_d5_macau", "review_policy_2023",
    "exception_nac", "exception_aca", "red_flags", "supercomputer_end_use", "worldwide_license_a",
    "license_area_b", "tier_policy", "country_allocation", "exception_aia", "exception_lpp",
    "model_weights_4e091", "compliance_pending", "classification_hbm", "hbm_license",
    "exception_hbm", "h20_is_informed", "aid_not_enforced", "gp10_prc_ics", "ai_training_policy",
    "red_flags_2025", "h200_case_by_case", "embargo", "restricted_parties", "gp10_knowledge",
    "affiliates_rule",
};

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

}  // namespace

constexpr size_t kNumSteps = std::size(kSteps);

// Step names resolve to indexes at compile time; a misspelt name does not compile.
consteval size_t StepIndex(std::string_view name) {
  for (size_t i = 0; i < kNumSteps; ++i) {
    if (kSteps[i] == name) return i;
  }
  throw "unknown rule step";
}

bool IsKnownRuleStep(std::string_view step) {
  return std::find(std::begin(kSteps), std::end(kSteps), step) != std::end(kSteps);
}

Status CheckRuleSteps(const Dataset& data) {
  for (const RuleDef& r : data.rules()) {
    if (!IsKnownRuleStep(r.step)) {
      return Status::Error(ErrorCode::kDataError, r.file + ": " + r.path + ".step",
                           "unknown rule step \"" + r.step + "\" (a new step needs code in src/determine)");
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Dataset>> LoadRegulatoryData(const std::string& dir) {
  auto data = Dataset::Load(dir);
  if (!data.ok()) return data.status();
  EXPORTCTL_RETURN_IF_ERROR(CheckRuleSteps(**data));
  return data;
}

// Regime parameters the steps need, read once from the data (never constants in code).
struct EmbargoEntry {
  std::vector<std::string> codes;
  std::string section, wording, summary;
  std::optional<Date> from, until;  // until exclusive
  ReviewPolicy policy = ReviewPolicy::kPresumptionOfDenial;
  bool verified = true;
  bool Covers(std::string_view code, Date d) const {
    return (!from || d >= *from) && (!until || d < *until) && std::find(codes.begin(), codes.end(), code) != codes.end();
  }
};
struct ListEffect {
  RestrictedList list;
  std::string effect, citation, wording, summary;
  bool verified = true;
};

// The Affiliates Rule (90 FR 47201): its dated status per posture, and the lists whose
// restrictions carry over to owned entities (addendum §1).
struct AffiliatesWindow {
  Date from;
  std::optional<Date> through;  // inclusive; open when absent
  bool in_force = true;         // false = stayed
  bool tgl = false;             // the temporary general license of the first window applies
  bool verified = true;
  std::string citation;
};
struct OwnerListRule {
  RestrictedList list = RestrictedList::kEntityList;
  std::string citation, wording, summary;
  bool verified = true;
  bool by_program = false;            // only listings under `programs` carry over (SDN)
  std::vector<std::string> programs;  // OFAC program codes of 744.8(a)(1)
  std::string programs_citation;
};
struct AffiliatesRules {
  std::array<std::vector<AffiliatesWindow>, 2> windows;  // by Posture
  std::vector<OwnerListRule> owner_lists;
  double threshold = 50, minority = 25;
  std::string unverified_warning;
  std::string data_error;  // the data could not be read as written: the rule applies, unverified
  uint32_t tgl_affiliate_groups = 0, tgl_partner_groups = 0, tgl_excluded_groups = 0;
  std::vector<RestrictedList> tgl_not_for;
  std::string tgl_citation;
  bool tgl_verified = true;
  const AffiliatesWindow* On(Date d, Posture p) const {
    for (const auto& w : windows[static_cast<size_t>(p)]) {
      if (d >= w.from && (!w.through || d <= *w.through)) return &w;
    }
    return nullptr;
  }
  const OwnerListRule* For(RestrictedList l) const {
    for (const auto& o : owner_lists) {
      if (o.list == l) return &o;
    }
    return nullptr;
  }
};

struct CompiledRules {
  // One rule definition per step (nullptr when the data has none).
  std::array<const RuleDef*, kNumSteps> by_step{};
  // Each regime's rules, to answer "in force on d" without string comparisons.
  std::vector<std::pair<const Regime*, std::vector<const RuleDef*>>> regimes;
  std::vector<std::string> tier1;
  std::bitset<26 * 26> tier1_set;  // by Dataset::Alpha2Key
  double lpp_limit = 0;
  double aia_trigger = 0;
  double country_allocation = 0;
  std::string allocation_exhausted_wording;
  // Is-informed letters (15 CFR 744.23(b)): each binds the company informed, from its date.
  struct Letter {
    std::string vendor, citation;
    Date from;
    std::vector<std::string> chips;
    bool bandwidth_test = false;  // "any other circuits achieving the H20's memory or interconnect bandwidth"
  };
  std::vector<Letter> h20_letters;
  double h20_memory_bw = 0, h20_interconnect_bw = 0;
  std::vector<std::string> gp10_named;
  double h200_max_tpp = 0, h200_max_bw = 0;
  bool h200_zone_verified = true;   // the zone thresholds are read from the rule's text
  std::string h200_zone_citation;
  double hbm_exception_max_density = 0;
  bool hbm_headquarters_verified = true;
  Date hbm_compliance;  // before it, some provisions of 89 FR 96790 were not yet required
  std::string hbm_compliance_note;
  double nac_days = 0;
  std::vector<std::string> license_area_named;  // destinations named beside D:1/D:4/D:5 (the UAE)
  bool license_area_named_verified = true;
  std::string license_area_named_citation;
  std::vector<EmbargoEntry> embargoes;
  std::vector<ListEffect> list_effects;
  std::unordered_map<int, std::string> footnote_citations;
  bool tier1_verified = true;
  AffiliatesRules affiliates;

  const RuleDef* Step(size_t index) const { return by_step[index]; }
};

namespace {

double NumberParam(const Dataset& d, const char* regime, const char* name) {
  const Parameter* p = d.Param(regime, name);
  if (!p || !p->value.contains("value") || !p->value["value"].is_number()) return 0;
  return p->value["value"].get<double>();
}

std::vector<std::string> ListParam(const Dataset& d, const char* regime, const char* name) {
  std::vector<std::string> out;
  const Parameter* p = d.Param(regime, name);
  if (!p || !p->value.contains("value") || !p->value["value"].is_array()) return out;
  for (const auto& v : p->value["value"]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The Affiliates Rule's data. Anything that does not read as written is kept as an error: the
// step then applies the rule (fails closed) and says the data is wrong.
void CompileAffiliates(const Dataset& d, AffiliatesRules& a) {
  auto fail = [&](std::string what) {
    if (a.data_error.empty()) a.data_error = "affiliates-2025." + std::move(what);
  };
  if (const Parameter* p = d.Param("affiliates-2025", "status_windows")) {
    const auto& v = p->value["value"];
    for (size_t posture = 0; posture < 2; ++posture) {
      const char* name = posture == 0 ? "enforced" : "codified";
      if (!v.is_object() || !v.contains(name) || !v[name].is_array()) {
        fail(std::string("status_windows.") + name + ": must be an array of windows");
        continue;
      }
      for (const auto& w : v[name]) {
        AffiliatesWindow aw;
        auto from = Date::Parse(w.is_object() ? w.value("from", "") : "");
        if (!from.ok()) {
          fail(std::string("status_windows.") + name + ".from: not a date");
          continue;
        }
        aw.from = *from;
        if (w.contains("through") && !w["through"].is_null()) {
          auto through = Date::Parse(w["through"].is_string() ? w["through"].get<std::string>() : "");
          if (!through.ok()) {
            fail(std::string("status_windows.") + name + ".through: not a date");
            continue;  // the window is dropped: the dates around it fall to the rule's default (in force)
          }
          aw.through = *through;
        }
        aw.in_force = w.value("status", "in_force") != "stayed";
        aw.tgl = w.value("tgl", false);
        aw.verified = w.value("verified", true);
        aw.citation = w.value("citation", "");
        a.windows[posture].push_back(std::move(aw));
      }
    }
  }
  // An extension of the stay, set by an operator: the stay runs through that day, and the
  // windows after it start the day after.
  if (const Parameter* p = d.Param("affiliates-2025", "stay_extended_through"); p && !p->value["value"].is_null()) {
    const auto& v = p->value["value"];
    auto ext = Date::Parse(v.is_string() ? v.get<std::string>() : "");
    if (!ext.ok()) {
      fail("stay_extended_through: not a date (YYYY-MM-DD); the extension is not applied");
    } else {
      for (auto& ws : a.windows) {
        auto stay = std::find_if(ws.rbegin(), ws.rend(), [](const AffiliatesWindow& w) { return !w.in_force; });
        if (stay == ws.rend() || !stay->through || *stay->through >= *ext) continue;
        const Date last_stayed = *stay->through;
        stay->through = *ext;
        stay->citation += "; stay extended through " + ext->ToString() + " (operator setting stay_extended_through)";
        const Date next = Date::FromDays(ext->days() + 1);
        for (auto& w : ws) {
          if (w.from > last_stayed && w.from <= *ext) w.from = next;
        }
        std::erase_if(ws, [](const AffiliatesWindow& w) { return w.through && *w.through < w.from; });
      }
    }
  }
  if (const Parameter* p = d.Param("affiliates-2025", "owner_lists")) {
    for (const auto& e : p->value["value"]) {
      OwnerListRule o;
      const auto list = RestrictedListFromName(e.value("list", ""));
      if (!list) {
        fail("owner_lists: unknown list \"" + e.value("list", "") + "\"");
        continue;
      }
      o.list = *list;
      o.citation = e.value("citation", "");
      o.wording = e.value("wording", "presumption of denial");
      o.summary = e.value("summary", "");
      o.verified = e.value("verified", true);
      o.by_program = e.contains("programs");
      if (o.by_program) o.programs = e["programs"].get<std::vector<std::string>>();
      o.programs_citation = e.value("programs_citation", "");
      a.owner_lists.push_back(std::move(o));
    }
  }
  if (a.owner_lists.empty()) fail("owner_lists: none");
  if (double t = NumberParam(d, "affiliates-2025", "threshold_percent"); t > 0) a.threshold = t;
  a.minority = NumberParam(d, "affiliates-2025", "minority_warning_percent");
  if (const Parameter* p = d.Param("affiliates-2025", "unverified_status_warning")) {
    a.unverified_warning = p->value.value("value", "");
  }
  if (a.unverified_warning.empty()) a.unverified_warning = "verify the current BIS status";
  if (const Parameter* p = d.Param("affiliates-2025", "tgl")) {
    const auto& v = p->value["value"];
    auto groups = [&](const char* key) {
      uint32_t bits = 0;
      for (const auto& g : v.value(key, nlohmann::json::array())) {
        if (auto pg = ParseGroup(g.get<std::string>())) bits |= 1u << static_cast<int>(*pg);
      }
      return bits;
    };
    a.tgl_affiliate_groups = groups("affiliate_groups");
    a.tgl_partner_groups = groups("partner_groups");
    a.tgl_excluded_groups = groups("excluded_groups");
    for (const auto& l : v.value("not_for_lists", nlohmann::json::array())) {
      if (auto rl = RestrictedListFromName(l.get<std::string>())) a.tgl_not_for.push_back(*rl);
    }
    a.tgl_citation = p->citation;
    a.tgl_verified = p->verified;
  }
}

std::unique_ptr<CompiledRules> Compile(const Dataset& d) {
  auto c = std::make_unique<CompiledRules>();
  for (const auto& r : d.rules()) {
    for (size_t i = 0; i < kNumSteps; ++i) {
      if (kSteps[i] == r.step) c->by_step[i] = &r;
    }
  }
  for (const auto& g : d.regimes()) {
    std::vector<const RuleDef*> rs;
    for (const auto& id : g.rule_ids) rs.push_back(d.FindRule(id));
    c->regimes.emplace_back(&g, std::move(rs));
  }
  c->tier1 = ListParam(d, "ai-diffusion-2025", "tier1_destinations");
  for (const auto& t : c->tier1) {
    if (int key = Dataset::Alpha2Key(t); key >= 0) c->tier1_set.set(key);
  }
  if (const Parameter* p = d.Param("ai-diffusion-2025", "tier1_destinations")) c->tier1_verified = p->verified;
  c->lpp_limit = NumberParam(d, "ai-diffusion-2025", "lpp_tpp_per_consignee_per_year");
  c->aia_trigger = NumberParam(d, "ai-diffusion-2025", "aia_certification_trigger_tpp");
  c->country_allocation = NumberParam(d, "ai-diffusion-2025", "country_allocation_tpp");
  if (const Parameter* p = d.Param("ai-diffusion-2025", "country_allocation_exhausted_wording")) {
    c->allocation_exhausted_wording = p->value.value("value", "policy of denial");
  }
  if (const Parameter* p = d.Param("h20-2025", "letters")) {
    for (const auto& e : p->value["value"]) {
      CompiledRules::Letter l;
      l.vendor = e.value("vendor", "");
      l.citation = e.value("citation", "");
      auto from = Date::Parse(e.value("from", ""));
      l.from = from.ok() ? *from : d.first_effective();  // a bad date applies the letter earlier: fail closed
      for (const auto& id : e.value("chips", nlohmann::json::array())) l.chips.push_back(id.get<std::string>());
      l.bandwidth_test = e.value("bandwidth_test", false);
      c->h20_letters.push_back(std::move(l));
    }
  }
  c->h20_memory_bw = NumberParam(d, "h20-2025", "h20_memory_bandwidth_gbps");
  c->h20_interconnect_bw = NumberParam(d, "h20-2025", "h20_interconnect_bandwidth_gbps");
  c->gp10_named = ListParam(d, "guidance-2025-05", "named_prc_ics");
  c->h200_max_tpp = NumberParam(d, "h200-2026", "zone_max_tpp");
  c->h200_max_bw = NumberParam(d, "h200-2026", "zone_max_dram_bandwidth_gbps");
  for (const char* name : {"zone_max_tpp", "zone_max_dram_bandwidth_gbps"}) {
    if (const Parameter* p = d.Param("h200-2026", name)) {
      c->h200_zone_verified = c->h200_zone_verified && p->verified;
      c->h200_zone_citation = p->citation;
    }
  }
  c->hbm_exception_max_density = NumberParam(d, "hbm-2024", "hbm_exception_max_density");
  if (const Parameter* p = d.Param("hbm-2024", "hbm_headquarters")) c->hbm_headquarters_verified = p->verified;
  if (const Parameter* p = d.Param("hbm-2024", "compliance_note")) {
    if (auto cd = Date::Parse(p->value.value("value", "")); cd.ok()) c->hbm_compliance = *cd;
    c->hbm_compliance_note = p->citation;
  }
  c->nac_days = NumberParam(d, "acs-2023", "nac_notification_days");
  c->license_area_named = ListParam(d, "acs-2023", "license_area_named");
  if (const Parameter* p = d.Param("acs-2023", "license_area_named")) {
    c->license_area_named_verified = p->verified;
    c->license_area_named_citation = p->citation;
  }
  if (const Parameter* p = d.Param("embargoes", "destinations")) {
    for (const auto& e : p->value["value"]) {
      EmbargoEntry en;
      for (const auto& code : e["codes"]) en.codes.push_back(code.get<std::string>());
      en.section = e.value("section", "");
      en.wording = e.value("wording", "policy of denial");
      en.summary = e.value("summary", "");
      en.verified = e.value("verified", true);
      // A date that does not parse leaves that end of the window open: the embargo applies (fail closed).
      if (auto f = Date::Parse(e.value("from", "")); f.ok()) en.from = *f;
      if (auto u = Date::Parse(e.value("until", "")); u.ok()) en.until = *u;
      if (e.value("policy", "") == "case_by_case") en.policy = ReviewPolicy::kCaseByCase;
      c->embargoes.push_back(std::move(en));
    }
  }
  if (const Parameter* p = d.Param("restricted-lists", "lists")) {
    for (const auto& e : p->value["value"]) {
      ListEffect le;
      const auto list = RestrictedListFromName(e.value("list", ""));
      if (!list) continue;  // a list this build cannot name: its listings fall back to review below
      le.list = *list;
      le.effect = e.value("effect", "");
      le.verified = e.value("verified", true);
      le.citation = e.value("citation", "");
      le.wording = e.value("wording", "");
      le.summary = e.value("summary", "");
      c->list_effects.push_back(std::move(le));
    }
  }
  if (const Parameter* p = d.Param("restricted-lists", "entity_list_footnotes")) {
    for (const auto& e : p->value["value"]) {
      c->footnote_citations[e.value("footnote", 0)] = e.value("citation", "") + " — " + e.value("summary", "");
    }
  }
  if (c->by_step[StepIndex("affiliates_rule")]) CompileAffiliates(d, c->affiliates);
  return c;
}

// An Entity List entry's license review policy, as listed ("Presumption of denial.", "Policy of
// denial for all items subject to the EAR…", "Case-by-case for all items listed on the CCL…").
// Any mention of denial wins (a case-by-case carve-out names specific ECCNs, not 3A090/4A090);
// a text we cannot read is treated as denial. The wording is the entry's ("policy of denial" vs
// "presumption of denial"), as a literal: findings hold views, and the entry text is the
// decision's caller's, not ours.
struct ListedPolicy {
  ReviewPolicy policy = ReviewPolicy::kPresumptionOfDenial;
  std::string_view wording = "presumption of denial";
};
ListedPolicy ReadListedPolicy(std::string_view text) {
  std::string lower(text);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto has = [&](const char* s) { return lower.find(s) != std::string::npos; };
  if (has("policy of denial")) return {ReviewPolicy::kPresumptionOfDenial, "policy of denial"};
  if (has("denial")) return {ReviewPolicy::kPresumptionOfDenial, "presumption of denial"};
  if (has("case-by-case") || has("case by case")) return {ReviewPolicy::kCaseByCase, "case-by-case"};
  if (has("approval")) return {ReviewPolicy::kPresumptionOfApproval, "presumption of approval"};
  return {};
}

bool IsA(Eccn e) { return e == Eccn::k3A090a || e == Eccn::k4A090a; }
bool IsB(Eccn e) { return e == Eccn::k3A090b || e == Eccn::k4A090b; }
bool IsAdvanced(Eccn e) { return IsA(e) || IsB(e); }

// Exceptions in order of preference: no-notification authorizations first.
enum class Exc : uint8_t { AIA, ACA, NAC, LPP, HBM, kCount };
constexpr std::string_view kExcNames[] = {"AIA", "ACA", "NAC", "LPP", "HBM"};
constexpr size_t kExcSteps[] = {StepIndex("exception_aia"), StepIndex("exception_aca"), StepIndex("exception_nac"),
                                StepIndex("exception_lpp"), StepIndex("exception_hbm")};
using ExcSet = uint8_t;
constexpr ExcSet Bit(Exc e) { return static_cast<ExcSet>(1u << static_cast<int>(e)); }

// One license requirement on an item, and which exceptions could overcome it.
struct Requirement {
  std::string_view rule;
  ReviewPolicy policy = ReviewPolicy::kPresumptionOfApproval;
  ExcSet exceptions = 0;
};

// An item's license requirements: a handful at most, kept inline (this is the hot path).
class Requirements {
 public:
  void push_back(const Requirement& r) {
    if (size_ < kCapacity) items_[size_++] = r;
    else overflow_.push_back(r);
  }
  bool empty() const { return size_ == 0; }
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < size_; ++i) f(items_[i]);
    for (const auto& r : overflow_) f(r);
  }

 private:
  static constexpr size_t kCapacity = 12;
  std::array<Requirement, kCapacity> items_{};
  size_t size_ = 0;
  std::vector<Requirement> overflow_;
};

// Country Group memberships an evaluation consulted (effective code → groups read), and the
// memberships to answer the other way (to test whether an unverified one decides the outcome).
struct GroupUse {
  std::string country;
  uint32_t groups = 0;
};
struct GroupFlip {
  std::string country;
  uint32_t groups = 0;
};
constexpr uint32_t GroupBit(Group g) { return 1u << static_cast<int>(g); }

// A party's role as text says it: "end user", not "end_user".
std::string RoleInWords(PartyRole role) {
  std::string words = PartyRoleName(role);
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

// A fact the transaction left out, and the transaction with it given (see Decision::would_change).
struct Counterfactual {
  std::string field, value, summary;
  std::function<void(Transaction&)> give;
  // A numeric fact tried once per interval (a die area between two thresholds): neighbouring
  // intervals with the same result are said as one range.
  std::optional<std::pair<double, double>> range = std::nullopt;  // (low, high]; high = infinity for the last
};

// One evaluation (one posture, one candidate class per item).
class Evaluation {
 public:
  // explain = false computes the outcome only (rule ids, no text): enough for the alternate posture.
  Evaluation(const Dataset& data, const CompiledRules& rules, const Transaction& tx, Posture posture,
             const DetermineOptions& opt, bool explain = true)
      : data_(data), rules_(rules), tx_(tx), posture_(posture), opt_(opt), d_(tx.as_of), explain_(explain) {}

  void Run(Decision& out);
  // Records the memberships read into *uses; answers the flipped ones the other way.
  void TrackGroups(std::vector<GroupUse>* uses, const std::vector<GroupFlip>* flips) {
    uses_ = uses;
    flips_ = flips;
  }
  // Collects the facts left out that could change the outcome, for the caller to try.
  void ProposeCounterfactuals(std::vector<Counterfactual>* out) { counterfactuals_ = out; }

 private:
  // Facts derived once per evaluation.
  bool Dest(Group g) const { return dest_groups_ >> static_cast<int>(g) & 1u; }
  bool IsMacau(std::string_view code) const { return data_.EffectiveCode(code) == "MO"; }
  // Every Country Group read goes through here: `read` names the groups the caller looks at.
  uint32_t Groups(std::string_view code, uint32_t read) const {
    const std::string_view eff = data_.EffectiveCode(code);
    uint32_t mask = data_.GroupMask(eff, d_);
    if (flips_) {
      for (const auto& f : *flips_) {
        if (f.country == eff) mask ^= f.groups;
      }
    }
    if (uses_) {
      auto it = std::find_if(uses_->begin(), uses_->end(), [&](const GroupUse& u) { return u.country == eff; });
      if (it == uses_->end()) uses_->push_back({std::string(eff), read});
      else it->groups |= read;
    }
    return mask & read;
  }
  bool D5OrMacau(std::string_view code) const {
    return !code.empty() && (IsMacau(code) || Groups(code, GroupBit(Group::D5)) != 0);
  }
  bool Tier1(std::string_view code) const {
    const int key = Dataset::Alpha2Key(data_.EffectiveCode(code));
    return key >= 0 && rules_.tier1_set[key];
  }
  // The step's rule when it binds on this date under this posture (resolved once in Run).
  const RuleDef* Active(size_t step) const { return active_[step]; }
  // Text is built only when the decision will be shown (not for the alternate posture's outcome).
  template <typename Text>
  std::string Render(Text&& text) const {
    if constexpr (std::is_invocable_v<Text>) {
      return explain_ ? std::string(text()) : std::string();
    } else {
      return std::string(text);
    }
  }
  template <typename Text>
  Finding& Add(const RuleDef* r, Effect effect, Text&& summary, int item = -1) {
    Finding f;
    f.rule = r->id;
    f.citation = r->citation;
    f.summary = Render(std::forward<Text>(summary));
    f.effect = effect;
    f.item = item;
    f.verified = r->verified;
    findings_.push_back(std::move(f));
    if (!r->verified) unverified_rules_.push_back(r->id);
    return findings_.back();
  }
  void Step(StepStatus st) {
    if (explain_) steps_.push_back(st);
  }
  template <typename Text>
  void Warn(Text&& text) {
    if (!explain_) return;
    std::string w = Render(std::forward<Text>(text));
    if (std::find(warnings_.begin(), warnings_.end(), w) == warnings_.end()) warnings_.push_back(std::move(w));
  }
  template <typename Text>
  void Oblige(Text&& text) {
    if (!explain_) return;
    std::string o = Render(std::forward<Text>(text));
    if (std::find(obligations_.begin(), obligations_.end(), o) == obligations_.end()) obligations_.push_back(std::move(o));
  }

  void ComputeFacts();
  // The Affiliates Rule: ownership by listed parties (90 FR 47201, Supp. No. 8 to Part 744).
  struct OwnerSource {
    Listing listing;   // the listed owner's listing whose restrictions carry over
    std::string path;  // from the listed owner down to the party, with each stake
  };
  struct Standing {
    enum class State { kNotCovered, kCovered, kUncertain } state = State::kNotCovered;
    double share = 0;                  // aggregate stake of covered owners (known shares only)
    std::vector<OwnerSource> sources;  // covered: the listed owners behind it; else the possible ones
    std::vector<std::string> why;      // what keeps it uncertain
    bool red_flag_29 = false;          // a covered owner's share is unknown
    std::vector<std::string> notes;    // listings that do not carry over
  };
  Standing OwnerStanding(const Party& party, const Owner& o);
  Standing Aggregate(const Party& party, const std::vector<Owner>& owners, const std::string& owned);
  void AffiliatesStep();
  // Why an item needs no license, or which exception overcomes its requirements: favourable
  // outcomes cite their rules like the others.
  void ExplainNoRequirement(int idx, const Classification& c, Eccn eccn);
  void ExplainException(int idx, Exc e, Eccn eccn, const Classification& c, const Requirements& reqs);
  std::string DestinationGroups() const;
  std::string RecipientHeadquarters() const;
  void LedgerSteps();
  void Propose(const std::vector<Classification>& classes, const Thresholds& t);
  void Explain(Decision& out);
  void TransactionSteps();
  // Runs the item rules for one class; returns the item outcome and appends findings.
  struct ItemEval {
    Outcome outcome = Outcome::kNoLicenseRequired;
    ReviewPolicy policy = ReviewPolicy::kNone;
    std::string_view exception;
    size_t findings_begin = 0, findings_end = 0;
  };
  ItemEval EvaluateItem(size_t i, const Classification& c, Eccn eccn);

  const Dataset& data_;
  const CompiledRules& rules_;
  const Transaction& tx_;
  const Posture posture_;
  const DetermineOptions& opt_;
  const Date d_;
  const bool explain_;
  std::array<const RuleDef*, kNumSteps> active_{};
  std::vector<GroupUse>* uses_ = nullptr;
  const std::vector<GroupFlip>* flips_ = nullptr;
  std::vector<Counterfactual>* counterfactuals_ = nullptr;

  std::vector<Finding> findings_;
  std::vector<std::string> warnings_, obligations_;
  std::vector<std::string_view> unverified_rules_;
  std::vector<StepStatus> steps_;
  std::vector<PartyScreening> screened_parties_;
  EffectSet tx_effects_;  // transaction-level effects (prohibitions, unresolved checks)

  // Facts.
  uint32_t dest_groups_ = 0;
  bool dest_tier1_ = false;
  bool dest_us_ = false, dest_d5_macau_ = false, dest_macau_ = false, dest_embargo_ = false;
  bool dest_license_area_ = false;  // D:1/D:4/D:5 excluding A:5/A:6, and destinations named beside them
  bool dest_named_ = false;          // named in 742.6(a)(6)(iii) beside the groups (the UAE)
  bool dest_china_macau_ = false;   // China (incl. Hong Kong) or Macau
  const EmbargoEntry* embargo_ = nullptr;
  bool hq_d5_macau_ = false;     // a recipient (or its parent) is headquartered in D:5 or Macau
  std::string hq_d5_fact_;       // which one, e.g. end_user "X"'s ultimate parent is headquartered in CN
  bool hq_unknown_ = false;      // a recipient's headquarters or its ultimate parent's is not stated
  const Party* hq_unknown_party_ = nullptr;  // the first such recipient
  // Which headquarters is missing, for the text (built only when the decision is shown).
  std::string HqUnknownFact() const {
    if (!hq_unknown_party_) return "no recipient stated";
    const Party& p = *hq_unknown_party_;
    const std::string who = RoleInWords(p.role) + " \"" + p.name + "\"";
    return p.headquarters.empty() ? "the headquarters of the " + who + " is not stated"
                                  : "the headquarters of the ultimate parent of the " + who +
                                        " is not stated (give the party's own headquarters if it has no parent)";
  }
  bool hq_all_tier1_ = false;    // every recipient is headquartered in a Supp. 5(a) destination
  bool no_recipient_ = false;
  bool exceptions_barred_ = false;  // Entity List / Unverified List
  Requirements party_requirements_;  // Entity List, MEU: apply to every item
  double lpp_tpp_ = 0;           // TPP of LPP-eligible items in this transaction
  std::optional<double> lpp_remaining_;  // from the ledger: what LPP still allows this consignee this year
  const Party* consignee_ = nullptr;  // the ultimate consignee (its ledger accounts)
  // TPP that earlier items of this transaction draw on the country allocation / on each
  // product's H200 China share, so that several items cannot each fit what only one fits.
  double country_drawn_ = 0;
  std::map<std::string, double, std::less<>> h200_drawn_;
};

void Evaluation::ComputeFacts() {
  const std::string_view dest = data_.EffectiveCode(tx_.destination);
  dest_groups_ = Groups(tx_.destination, GroupBit(Group::D1) | GroupBit(Group::D4) | GroupBit(Group::D5) |
                                              GroupBit(Group::A5) | GroupBit(Group::A6));
  dest_tier1_ = Tier1(tx_.destination);
  dest_us_ = dest == "US";
  dest_macau_ = dest == "MO";
  dest_china_macau_ = dest == "CN" || dest == "MO";
  dest_d5_macau_ = dest_macau_ || Dest(Group::D5);
  dest_license_area_ = (Dest(Group::D1) || Dest(Group::D4) || Dest(Group::D5)) && !Dest(Group::A5) && !Dest(Group::A6);
  // The UAE is named beside the groups (and was inside them in 2023): never cleared by its A:5 row.
  dest_named_ = std::find(rules_.license_area_named.begin(), rules_.license_area_named.end(), dest) != rules_.license_area_named.end();
  dest_license_area_ = dest_license_area_ || dest_named_;
  for (const auto& e : rules_.embargoes) {
    if (e.Covers(dest, d_)) embargo_ = &e;
  }
  dest_embargo_ = embargo_ != nullptr;

  // Recipients: the ultimate consignee and end users (744.23(a)(3) "destined to an entity").
  int recipients = 0, tier1 = 0;
  for (const auto& p : tx_.parties) {
    if (p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser) continue;
    ++recipients;
    // An unstated parent is unknown, not absent: a subsidiary of a D:5 company states only its own
    // headquarters. A company with no parent states its own headquarters as the ultimate parent's.
    if (p.headquarters.empty() || p.ultimate_parent_headquarters.empty()) {
      if (!hq_unknown_) hq_unknown_party_ = &p;
      hq_unknown_ = true;
    }
    if (D5OrMacau(p.headquarters) || D5OrMacau(p.ultimate_parent_headquarters)) {
      if (!hq_d5_macau_) {
        const std::string who = std::string(PartyRoleName(p.role)) + " \"" + p.name + "\"";
        hq_d5_fact_ = D5OrMacau(p.headquarters) ? who + " is headquartered in " + p.headquarters
                                                : who + "'s ultimate parent is headquartered in " + p.ultimate_parent_headquarters;
      }
      hq_d5_macau_ = true;
    }
    if (Tier1(p.headquarters) && Tier1(p.ultimate_parent_headquarters)) ++tier1;
  }
  no_recipient_ = recipients == 0;
  if (no_recipient_) hq_unknown_ = true;
  hq_all_tier1_ = recipients > 0 && tier1 == recipients;
}

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

// What one owner is under the Affiliates Rule: listed on a list that carries over, covered
// through its own owners, uncertain, or neither.
Evaluation::Standing Evaluation::OwnerStanding(const Party& party, const Owner& o) {
  const AffiliatesRules& a = rules_.affiliates;
  Standing st;
  std::vector<Listing> listings = o.listings;
  if (opt_.screener) {
    Party as_party;
    as_party.role = party.role;
    as_party.name = o.name;
    as_party.country = o.country;
    auto res = opt_.screener->Screen(as_party, d_);
    if (res.ok()) {
      listings.insert(listings.end(), std::make_move_iterator(res->begin()), std::make_move_iterator(res->end()));
    } else {
      st.why.push_back("screening of owner " + Quoted(o.name) + " failed: " + res.status().message());
    }
  }
  bool listed = false;
  for (const auto& l : listings) {
    const OwnerListRule* rule = a.For(l.list);
    const std::string on = Quoted(o.name) + " (" + RestrictedListName(l.list) + (l.entry == o.name ? "" : " as " + Quoted(l.entry)) + ")";
    if (!rule) {
      if (l.score >= 1.0) {
        st.notes.push_back(Quoted(o.name) + " is on the " + RestrictedListName(l.list) +
                           ", which does not carry over to the entities it owns (Supp. No. 8 to Part 744)");
      }
      continue;
    }
    bool carries = true;
    std::string program_doubt;
    if (rule->by_program) {
      carries = std::any_of(l.programs.begin(), l.programs.end(), [&](const std::string& p) {
        return std::find(rule->programs.begin(), rule->programs.end(), p) != rule->programs.end();
      });
      if (l.programs.empty()) {
        program_doubt = "the sanctions program of " + on + " is not known, so whether 15 CFR 744.8(a)(1) reaches it is not known";
      } else if (!carries) {
        std::string progs;
        for (const auto& p : l.programs) progs += (progs.empty() ? "" : ", ") + p;
        st.notes.push_back(on + " is designated under " + progs + ", not a program of 15 CFR 744.8(a)(1) (" +
                           rule->programs_citation + "): it does not carry over under the EAR (OFAC's own 50 percent rule is not assessed here)");
        continue;
      }
    }
    if (l.score < 1.0) {
      st.why.push_back(Quoted(o.name) + " may be " + Quoted(l.entry) + " on the " + RestrictedListName(l.list) + " (score " +
                       FormatDouble(l.score) + "); an officer must confirm or clear it");
      st.sources.push_back({l, on});
    } else if (!program_doubt.empty()) {
      st.why.push_back(program_doubt);
      st.sources.push_back({l, on});
    } else {
      listed = true;
      st.sources.push_back({l, on});
    }
  }
  if (listed) {
    // Only the owner's own listings carry (the possible ones stay as doubts).
    std::erase_if(st.sources, [](const OwnerSource& s) { return s.listing.score < 1.0 || (s.listing.list == RestrictedList::kSdn && s.listing.programs.empty()); });
  }
  Standing up = Aggregate(party, o.owners, o.name);
  st.notes.insert(st.notes.end(), up.notes.begin(), up.notes.end());
  st.share = up.share;
  if (up.state != Standing::State::kNotCovered && o.country == "US" && !listed) {
    // The rule covers foreign entities only; whether a US entity's stake counts when listed
    // parties own it is an open question (addendum §1.5): an officer decides.
    st.why.push_back(Quoted(o.name) + " is a US entity owned by listed parties; whether its stake counts under the Affiliates Rule is not settled");
    st.sources.insert(st.sources.end(), up.sources.begin(), up.sources.end());
    st.state = Standing::State::kUncertain;
    return st;
  }
  if (listed) {
    // Own entry and ownership: both apply, the strictest wins (addendum §1.7).
    if (up.state == Standing::State::kCovered) st.sources.insert(st.sources.end(), up.sources.begin(), up.sources.end());
    st.state = Standing::State::kCovered;
    return st;
  }
  if (up.state == Standing::State::kCovered) {
    st.state = Standing::State::kCovered;
    st.sources = std::move(up.sources);
    st.why.clear();
    return st;
  }
  if (up.state == Standing::State::kUncertain || !st.why.empty()) {
    st.state = Standing::State::kUncertain;
    st.why.insert(st.why.end(), up.why.begin(), up.why.end());
    st.sources.insert(st.sources.end(), up.sources.begin(), up.sources.end());
    st.red_flag_29 = up.red_flag_29;
  }
  return st;
}

// Supp. No. 8 to Part 744 as OFAC applies its 50 percent rule: the direct stakes of covered owners
// add up, across lists; an owner covered through its own owners counts with its whole stake; a
// stake is never multiplied along a chain, and owners that are not covered count for nothing.
Evaluation::Standing Evaluation::Aggregate(const Party& party, const std::vector<Owner>& owners, const std::string& owned) {
  const AffiliatesRules& a = rules_.affiliates;
  Standing st;
  double known = 0;
  for (const auto& o : owners) known += o.percent.value_or(0);
  double possible = 0;
  std::vector<OwnerSource> covered, doubtful;
  for (const auto& o : owners) {
    Standing os = OwnerStanding(party, o);
    st.notes.insert(st.notes.end(), os.notes.begin(), os.notes.end());
    if (os.state == Standing::State::kNotCovered) continue;
    const std::string stake = o.percent ? FormatDouble(*o.percent) + "%" : "an unknown share";
    for (auto& src : os.sources) src.path += " → " + stake + " of " + Quoted(owned);
    if (os.state == Standing::State::kCovered) {
      if (o.percent) {
        st.share += *o.percent;
        covered.insert(covered.end(), os.sources.begin(), os.sources.end());
      } else {
        st.red_flag_29 = true;
        st.why.push_back(Quoted(o.name) + " owns an unknown share of " + Quoted(owned));
        doubtful.insert(doubtful.end(), os.sources.begin(), os.sources.end());
      }
    } else {
      possible += o.percent.value_or(std::max(0.0, 100 - known));
      st.red_flag_29 = st.red_flag_29 || os.red_flag_29;
      st.why.insert(st.why.end(), os.why.begin(), os.why.end());
      doubtful.insert(doubtful.end(), os.sources.begin(), os.sources.end());
    }
  }
  constexpr double kEps = 1e-9;  // shares written with decimals (33.33 + 16.67)
  if (st.share + kEps >= a.threshold) {
    st.state = Standing::State::kCovered;
    st.sources = std::move(covered);
    st.why.clear();
    st.red_flag_29 = false;
  } else if (st.red_flag_29 || st.share + possible + kEps >= a.threshold) {
    st.state = Standing::State::kUncertain;
    st.sources = std::move(covered);
    st.sources.insert(st.sources.end(), doubtful.begin(), doubtful.end());
  } else {
    st.sources = std::move(covered);  // a listed minority, if any
    st.why.clear();
  }
  return st;
}

void Evaluation::AffiliatesStep() {
  const RuleDef* r = Active(StepIndex("affiliates_rule"));
  if (!r) return;
  const AffiliatesRules& a = rules_.affiliates;
  const AffiliatesWindow* w = a.On(d_, posture_);
  // No window for the date, or data that does not read: the rule applies, and the decision says why.
  const bool in_force = !w || w->in_force;
  const bool verified = w && w->verified && a.data_error.empty();
  std::string status_citation = w ? w->citation : "no status window in the data covers " + d_.ToString() + "; applied as in force";
  if (!a.data_error.empty()) status_citation += "; regime data not read as written: " + a.data_error;
  const std::string status_text = std::string(in_force ? "in force" : "stayed") + " on " + d_.ToString() + " (" + status_citation + ")";
  bool touched = false, uncertain = false;
  size_t unstated = 0;
  auto mark = [&](Finding& f) {
    touched = true;
    if (!verified) {
      f.verified = false;
      unverified_rules_.push_back(r->id);
    }
  };
  for (const auto& p : tx_.parties) {
    const std::string who = std::string(PartyRoleName(p.role)) + " " + Quoted(p.name);
    if (p.owners.empty()) {
      if (p.role != PartyRole::kExporter) ++unstated;
      continue;
    }
    Standing st = Aggregate(p, p.owners, p.name);
    for (const auto& n : st.notes) mark(Add(r, Effect::kInfo, EXPLAIN(who + ": " + n)));
    std::string paths;
    for (const auto& s : st.sources) paths += (paths.empty() ? "" : "; ") + s.path;
    if (st.state == Standing::State::kNotCovered) {
      if (st.share > 0) {
        const bool significant = a.minority > 0 && st.share + 1e-9 >= a.minority;
        mark(Add(r, Effect::kInfo, EXPLAIN(who + " is " + FormatDouble(st.share) + "% owned by listed parties (" + paths + "), below " +
                                           FormatDouble(a.threshold) + "%: not covered by the Affiliates Rule")));
        if (significant) {
          Warn(EXPLAIN(who + ": significant minority ownership by listed parties (" + FormatDouble(st.share) + "%: " + paths +
                       ") is a red flag; do more diligence on control and ties before shipping (Supp. No. 3 to Part 732; Supp. No. 8 to Part 744)"));
        }
      }
      continue;
    }
    if (p.country == "US") {
      mark(Add(r, Effect::kInfo, EXPLAIN(who + " is a US entity: the Affiliates Rule covers foreign entities only, though listed parties own it (" + paths + ")")));
      continue;
    }
    const bool covered = st.state == Standing::State::kCovered;
    std::string why;
    for (const auto& y : st.why) why += (why.empty() ? "" : "; ") + y;
    if (!in_force) {
      Finding& f = Add(r, Effect::kInfo, EXPLAIN(who + (covered ? " is " + FormatDouble(st.share) + "% owned by listed parties" : " may be 50% or more owned by listed parties") +
                                                 " (" + paths + (why.empty() ? "" : "; " + why) + "); the Affiliates Rule is " + status_text +
                                                 ", so this is no license requirement"));
      mark(f);
      Warn(EXPLAIN(who + ": owned by listed parties (" + paths + ") while the Affiliates Rule is stayed: a know-your-customer red flag that calls for diligence (BIS guidance), not a license requirement"));
      continue;
    }
    // The temporary general license of the first window: affiliates located in A:5/A:6, or joint
    // ventures outside E:1/E:2 with a US or A:5/A:6 partner the rule does not reach; never
    // affiliates owned through SDNs.
    if (w && w->tgl) {
      const bool through_sdn = std::any_of(st.sources.begin(), st.sources.end(), [&](const OwnerSource& s) {
        return std::find(a.tgl_not_for.begin(), a.tgl_not_for.end(), s.listing.list) != a.tgl_not_for.end();
      });
      std::string basis;
      if (!through_sdn && !p.country.empty()) {
        if (Groups(p.country, a.tgl_affiliate_groups) != 0) {
          basis = "it is located in " + p.country + " (Country Group A:5 or A:6)";
        } else if (Groups(p.country, a.tgl_excluded_groups) == 0) {
          for (const auto& o : p.owners) {
            if (!o.percent || *o.percent <= 0 || o.country.empty()) continue;
            if (o.country != "US" && Groups(o.country, a.tgl_partner_groups) == 0) continue;
            if (OwnerStanding(p, o).state != Standing::State::kNotCovered) continue;
            basis = "it is a joint venture with " + Quoted(o.name) + " (" + o.country + ", " + FormatDouble(*o.percent) +
                    "%), a partner the rule does not reach; confirm the joint venture";
            break;
          }
        }
      }
      if (!basis.empty()) {
        Finding& f = Add(r, Effect::kInfo, EXPLAIN(who + (covered ? " is " + FormatDouble(st.share) + "% owned by listed parties" : " may be 50% or more owned by listed parties") +
                                                   " (" + paths + "); the temporary general license authorizes it because " + basis + " (" + a.tgl_citation + ")"));
        if (!a.tgl_verified) f.verified = false;
        mark(f);
        Warn(EXPLAIN(who + ": shipped under the Affiliates Rule's temporary general license (" + basis + "); keep the records it requires"));
        continue;
      }
    }
    if (!covered) {
      uncertain = true;
      Finding& f = Add(r, Effect::kUnresolved, EXPLAIN(who + ": " + (st.red_flag_29 ? "Red Flag 29 (Supp. No. 3 to Part 732): " : "") +
                                                       "listed parties own it (" + paths + ") but whether they own 50% or more is not known (" + why +
                                                       "): resolve the ownership or apply for a license"));
      f.citation = "Supp. No. 3 to Part 732 (Red Flag 29); Supp. No. 8 to Part 744";
      mark(f);
      tx_effects_.Add(Effect::kUnresolved);
      continue;
    }
    // Covered: each listed owner's restrictions apply as if it were the party; the most
    // restrictive requirement, review policy and exception eligibility among them win.
    for (const OwnerListRule& rule : a.owner_lists) {
      std::string owners_on;
      ListedPolicy strictest{ReviewPolicy::kNone, ""};
      for (const auto& s : st.sources) {
        if (s.listing.list != rule.list) continue;
        owners_on += (owners_on.empty() ? "" : "; ") + s.path;
        ListedPolicy lp = s.listing.license_policy.empty() ? ListedPolicy{ReviewPolicy::kPresumptionOfDenial, rule.wording}
                                                            : ReadListedPolicy(s.listing.license_policy);
        if (MostRestrictive(strictest.policy, lp.policy) != strictest.policy || strictest.policy == ReviewPolicy::kNone) strictest = lp;
        if (!s.listing.license_requirement.empty()) owners_on += " (listed license requirement: \"" + s.listing.license_requirement + "\")";
        if (s.listing.list == RestrictedList::kEntityList && s.listing.footnote) {
          if (auto fn = rules_.footnote_citations.find(s.listing.footnote); fn != rules_.footnote_citations.end()) {
            owners_on += "; the owner's foreign direct product footnote follows it: " + fn->second;
          }
        }
      }
      if (owners_on.empty()) continue;
      Finding& f = Add(r, Effect::kLicenseRequired,
                       EXPLAIN(who + " is " + FormatDouble(st.share) + "% owned by parties covered by the Affiliates Rule (" + owners_on + "): " +
                               rule.summary + "; the rule is " + status_text));
      f.citation = rule.citation;
      f.review_policy = strictest.policy;
      f.policy_wording = strictest.wording;
      mark(f);
      if (!rule.verified) f.verified = false, unverified_rules_.push_back(r->id);
      party_requirements_.push_back({r->id, strictest.policy, 0});
      exceptions_barred_ = true;
    }
  }
  if (touched && !verified) {
    Warn(EXPLAIN("Affiliates Rule status on " + d_.ToString() + " is unverified (" + status_citation + "): " + a.unverified_warning));
  }
  if (in_force && unstated > 0) {
    Warn(EXPLAIN("Ownership not stated for " + std::to_string(unstated) + " part" + (unstated == 1 ? "y" : "ies") + " (\"owners\"): the Affiliates Rule is " +
                 status_text + "; a party 50% or more owned by Entity List, MEU List or 15 CFR 744.8 SDN parties carries their restrictions, and screening names does not find it" +
                 (verified ? "" : " (" + a.unverified_warning + ")")));
    Step({"ownership", uncertain ? "unresolved" : "partial", "ownership not stated for some parties: the Affiliates Rule was applied only to stated owners"});
  } else if (uncertain) {
    Step({"ownership", "unresolved", "listed owners whose share is not known: see reasons"});
  } else if (in_force) {
    Step({"ownership", "performed", "stated owners checked under the Affiliates Rule"});
  } else {
    Step({"ownership", "performed", "Affiliates Rule stayed on this date: ownership by listed parties is a warning, not a requirement"});
  }
}

// Consults the allocation ledger for License Exception LPP (per consignee per calendar year).
// Without a ledger the limit is checked against this transaction alone, and the decision says so.
void Evaluation::LedgerSteps() {
  for (const auto& p : tx_.parties) {
    if (p.role == PartyRole::kUltimateConsignee) consignee_ = &p;
  }
  const RuleDef* r = Active(StepIndex("exception_lpp"));
  if (!r || !opt_.allocations || lpp_tpp_ <= 0 || !consignee_ || (consignee_->name.empty() && consignee_->party_id.empty())) return;
  AllocationQuery q;
  q.account = AllocationQuery::Account::kLppConsignee;
  q.consignee = consignee_->name;
  q.consignee_id = consignee_->party_id;
  q.country = std::string(data_.EffectiveCode(tx_.destination));
  q.as_of = d_;
  q.reference = tx_.reference;
  auto bal = opt_.allocations->Balance(q);
  if (!bal.ok()) {
    Add(r, Effect::kUnresolved, EXPLAIN("LPP balance for \"" + consignee_->name + "\" could not be read: " + bal.status().message()));
    tx_effects_.Add(Effect::kUnresolved);
    return;
  }
  lpp_remaining_ = std::max(0.0, bal->remaining());
  const std::string whose = "\"" + consignee_->name + "\"" + LedgerSource(*bal) + " in " + std::to_string(d_.year());
  if (*lpp_remaining_ < lpp_tpp_) {
    Add(r, Effect::kInfo, EXPLAIN("License Exception LPP: " + FormatTpp(*lpp_remaining_) + " TPP remain for " + whose +
                                  "; this transaction needs " + FormatTpp(lpp_tpp_) +
                                  ", so LPP does not cover it (at most " + FormatTpp(*lpp_remaining_) + " TPP would still fit)"));
  } else {
    Add(r, Effect::kInfo, EXPLAIN("License Exception LPP: " + FormatTpp(*lpp_remaining_) + " TPP remain for " + whose +
                                  "; this transaction needs " + FormatTpp(lpp_tpp_)));
  }
}

void Evaluation::TransactionSteps() {
  // Cambodia and other dated Country Group changes: say which table the answer rests on.
  if (const MembershipChange* ch = data_.ChangeFor(tx_.destination, Group::D5)) {
    if (ch->to && d_ >= *ch->to && ch->table_conformed && d_ < *ch->table_conformed) {
      Warn(EXPLAIN("Destination left Country Group D:5 on " + ch->to->ToString() + " but the BIS table listed it until " +
           ch->table_conformed->ToString() + " (" + ch->citation + ")"));
    }
    if (!ch->verified) Warn(EXPLAIN("Country Group D:5 membership change rests on secondary sources: " + ch->citation));
  }
  const Country* dc = data_.FindCountry(tx_.destination);
  if (dc && !dc->treat_as.empty()) {
    Warn(EXPLAIN(dc->name + " is treated as " + std::string(data_.EffectiveCode(tx_.destination)) + " (" + dc->treat_as_citation + ")"));
  }

  // Embargoes (Part 746): every item needs a license, no exceptions, policy of denial.
  if (dest_embargo_ && tx_.activity != Activity::kUse) {
    if (const RuleDef* r = Active(StepIndex("embargo"))) {
      Finding& f = Add(r, Effect::kLicenseRequired, EXPLAIN(embargo_->summary + " (" + embargo_->section + ")"));
      f.citation = embargo_->section;
      f.review_policy = embargo_->policy;
      f.policy_wording = embargo_->wording;
      if (!embargo_->verified) {
        f.verified = false;
        unverified_rules_.push_back(r->id);
      }
      party_requirements_.push_back({r->id, embargo_->policy, 0});
    }
  }

  // Restricted parties: every party is screened by the plugged-in screener; listings stated on
  // the transaction add to what screening finds and never replace it (an empty stated list is
  // not a screening result).
  if (const RuleDef* r = Active(StepIndex("restricted_parties"))) {
    bool screened_all = true;
    // A stale list can miss recent listings: no party is cleared on it without review.
    const std::vector<std::string> caveats = opt_.screener ? opt_.screener->Caveats() : std::vector<std::string>{};
    for (const auto& c : caveats) {
      Add(r, Effect::kUnresolved, EXPLAIN("Screening lists are not current: " + c));
      tx_effects_.Add(Effect::kUnresolved);
      Warn(EXPLAIN("Screening lists are not current: " + c));
    }
    for (const auto& p : tx_.parties) {
      std::vector<Listing> listings = p.listings;
      PartyScreening ps{std::string(PartyRoleName(p.role)), p.name, "not_screened", p.listings.size(), 0};
      if (opt_.screener) {
        auto res = opt_.screener->Screen(p, d_);
        if (res.ok()) {
          ps.status = "screened";
          ps.listings_found = res->size();
          listings.insert(listings.end(), std::make_move_iterator(res->begin()), std::make_move_iterator(res->end()));
        } else {
          ps.status = "failed";
          screened_all = false;
          Add(r, Effect::kUnresolved, EXPLAIN("Screening of \"" + p.name + "\" failed: " + res.status().message()));
          tx_effects_.Add(Effect::kUnresolved);
        }
      } else {
        screened_all = false;
      }
      if (explain_) screened_parties_.push_back(std::move(ps));
      // Several records of one list (e.g. a parent and its affiliated entities) make one finding:
      // the best match per (list, certain/possible), the others counted.
      std::stable_sort(listings.begin(), listings.end(), [](const Listing& a, const Listing& b) { return a.score > b.score; });
      std::vector<std::pair<RestrictedList, bool>> seen;
      std::vector<size_t> more;
      std::vector<Listing> distinct;
      for (const auto& l : listings) {
        const std::pair<RestrictedList, bool> k{l.list, l.score >= 1.0};
        auto it = std::find(seen.begin(), seen.end(), k);
        if (it != seen.end()) {
          ++more[static_cast<size_t>(it - seen.begin())];
          continue;
        }
        seen.push_back(k);
        more.push_back(0);
        distinct.push_back(l);
      }
      for (size_t li = 0; li < distinct.size(); ++li) {
        const Listing& l = distinct[li];
        const size_t others = more[li];
        const ListEffect* le = nullptr;
        for (const auto& e : rules_.list_effects) {
          if (e.list == l.list) le = &e;
        }
        // A list without a stated effect is still a listing: an officer decides (fail closed).
        static const ListEffect kUnknownEffect{RestrictedList::kOtherList, "needs_review", "no citation: the list's effect is not in the regime data", "",
                                               "no effect for this list is recorded in the regime data; an officer must review", false};
        if (!le) le = &kUnknownEffect;
        const std::string who = std::string(PartyRoleName(p.role)) + " \"" + p.name + "\"";
        if (l.score < 1.0) {
          Finding& f = Add(r, Effect::kUnresolved, EXPLAIN("Possible match: " + who + " may be \"" + l.entry + "\"" +
                                                            (l.record_id.empty() ? "" : " (record " + l.record_id + ")") + " on the " +
                                                       RestrictedListName(l.list) + " (score " + FormatDouble(l.score) + "); an officer must confirm or clear it"));
          f.citation = le->citation;
          tx_effects_.Add(Effect::kUnresolved);
          continue;
        }
        std::string summary = who + " is on the " + std::string(RestrictedListName(l.list)) + " as \"" + l.entry + "\"" +
                              (l.record_id.empty() ? "" : " (record " + l.record_id + ")") +
                              (others ? " and " + std::to_string(others) + " more record(s) of that list" : "") + ": " + le->summary;
        if (l.list == RestrictedList::kEntityList && l.footnote) {
          auto fn = rules_.footnote_citations.find(l.footnote);
          if (fn != rules_.footnote_citations.end()) summary += "; " + fn->second;
        }
        if (le->effect == "prohibited") {
          Finding& f = Add(r, Effect::kProhibited, EXPLAIN(summary));
          f.citation = le->citation;
          f.policy_wording = le->wording;
          tx_effects_.Add(Effect::kProhibited);
        } else if (le->effect == "license_required") {
          // The entry's own license review policy, when listed, decides (15 CFR 744.11: "the
          // license review policy for each listed entity is specified in the Entity List").
          const ListedPolicy listed = l.license_policy.empty() ? ListedPolicy{ReviewPolicy::kPresumptionOfDenial, le->wording}
                                                               : ReadListedPolicy(l.license_policy);
          if (!l.license_requirement.empty()) summary += "; listed license requirement: \"" + l.license_requirement + "\"";
          if (!l.license_policy.empty()) summary += "; listed license review policy: \"" + l.license_policy + "\"";
          Finding& f = Add(r, Effect::kLicenseRequired, EXPLAIN(summary));
          f.citation = le->citation;
          f.review_policy = listed.policy;
          f.policy_wording = listed.wording;
          party_requirements_.push_back({r->id, listed.policy, 0});
          exceptions_barred_ = true;
        } else if (le->effect == "no_exceptions") {  // Unverified List
          Finding& f = Add(r, Effect::kInfo, EXPLAIN(summary));
          f.citation = le->citation;
          exceptions_barred_ = true;
          Oblige("Obtain a UVL statement from the Unverified List party before export (15 CFR 744.15)");
        } else {  // needs_review: a State or Treasury program whose effect depends on the listing
          Finding& f = Add(r, Effect::kUnresolved, EXPLAIN(summary));
          f.citation = le->citation;
          if (!le->verified) {
            f.verified = false;
            unverified_rules_.push_back(r->id);
          }
          tx_effects_.Add(Effect::kUnresolved);
        }
      }
    }
    if (tx_.parties.empty()) {
      Step({"screening", "not_performed", "no parties stated: nobody was screened"});
      Warn("No parties stated: restricted-party screening had nobody to screen; name every party to the transaction");
    } else if (!opt_.screener) {
      Step({"screening", "not_performed",
            "no screening lists imported: only listings stated on the transaction were applied"});
      Warn("Restricted-party screening not performed (no lists imported; stated listings are not a screening): "
           "import the lists or screen every party before shipping");
    } else if (screened_all && !caveats.empty()) {
      Step({"screening", "unresolved", "every party screened, but against a list older than the allowed age (see warnings)"});
    } else if (screened_all) {
      Step({"screening", "performed", "every party screened against the imported lists (list_versions); stated listings added"});
    } else {
      Step({"screening", "partial", "some parties could not be screened"});
      Warn("Restricted-party screening was not performed for every party");
    }
  }

  AffiliatesStep();

  // Red flags of diversion: resolve before shipping.
  if (!tx_.red_flags.empty()) {
    const RuleDef* r = Active(StepIndex("red_flags_2025"));
    if (!r) r = Active(StepIndex("red_flags"));
    if (r) {
      std::string flags;
      for (const auto& f : tx_.red_flags) flags += (flags.empty() ? "" : ", ") + f;
      Add(r, Effect::kUnresolved, EXPLAIN("Red flags reported (" + flags + "): resolve them before proceeding; do not self-blind"));
      tx_effects_.Add(Effect::kUnresolved);
    }
    Step({"red_flags", "unresolved", "red flags reported: see reasons"});
  } else {
    Step({"red_flags", "performed", "no red flags reported"});
  }

  if (const RuleDef* r = Active(StepIndex("compliance_pending"))) {
    Add(r, Effect::kInfo, "AI Diffusion rule effective since 2025-01-13; its requirements bind from the compliance date 2025-05-15");
    Warn("The AI Diffusion rule is effective but compliance is not required until 2025-05-15 (90 FR 4544)");
  }
}

Evaluation::ItemEval Evaluation::EvaluateItem(size_t i, const Classification& c, Eccn eccn) {
  ItemEval ev;
  ev.findings_begin = findings_.size();
  const TransactionItem& item = tx_.items[i];
  const int idx = static_cast<int>(i);
  const std::string& label = item.label;
  Requirements reqs = party_requirements_;
  EffectSet effects;
  ExcSet available = 0;  // exceptions whose own conditions hold for this item
  const bool exporting = tx_.activity != Activity::kUse;
  const bool advanced = IsAdvanced(eccn);
  // Datacenter 3A090.a (or unknown datacenter status) is outside NAC/ACA (740.8).
  const bool nac_aca_item = advanced && !(IsA(eccn) && !c.non_datacenter_high_tpp);
  const double item_tpp = c.tpp ? *c.tpp * static_cast<double>(item.quantity) : 0;

  // Review policy under the 2023 rule (and its AI Diffusion successor): D:5/Macau destinations and
  // D:5/Macau-headquartered entities get a presumption of denial, the rest approval.
  auto base_policy = [&]() {
    return (dest_d5_macau_ || hq_d5_macau_) ? ReviewPolicy::kPresumptionOfDenial : ReviewPolicy::kPresumptionOfApproval;
  };

  // H200 rule: case-by-case for China/Macau exports of chips inside the performance zone.
  bool h200_zone = false;
  const RuleDef* h200 = Active(StepIndex("h200_case_by_case"));
  if (h200 && dest_china_macau_ && (advanced || eccn == Eccn::k3A991p) && c.tpp) {
    std::optional<double> bw = item.spec.memory_bandwidth_gbps;
    if (item.spec.kind == ItemKind::kSystem) bw.reset();
    h200_zone = *c.tpp < rules_.h200_max_tpp && bw && *bw < rules_.h200_max_bw;
    const bool certifying = tx_.activity == Activity::kExport && tx_.h200_certifications && tx_.h200_certifications->all();
    if (h200_zone && certifying) {
      // The rule covers chips commercially available in the US when it was published (2026-01-15).
      const ChipRecord* cat = item.spec.catalog;
      if (!cat || !cat->us_market_2026_01_15) {
        h200_zone = false;
        Warn(EXPLAIN(label + ": H200 rule: whether it was commercially available in the US on 2026-01-15 is not established, so the case-by-case policy is not applied (presumption of denial stays)"));
      } else {
        Finding& f = Add(h200, Effect::kInfo,
                         EXPLAIN(label + " is inside the H200 rule's zone (TPP " + FormatTpp(*c.tpp) + " < " + FormatTpp(rules_.h200_max_tpp) + ", DRAM bandwidth " +
                                 FormatTpp(*bw) + " < " + FormatTpp(rules_.h200_max_bw) + " GB/s) and was commercially available in the US on 2026-01-15 (" +
                                 cat->us_market_citation + ")"), idx);
        if (!rules_.h200_zone_verified) {
          f.verified = false;
          Warn(EXPLAIN(label + ": the H200 rule's zone thresholds rest on secondary summaries, not the rule's text (" + rules_.h200_zone_citation +
                       "); the case-by-case policy relies on them: rule " + h200->id));
        }
      }
    }
    if (certifying) {
      auto near = [&](double v, double limit, const char* what) {
        if (std::fabs(v - limit) / limit <= kNearThreshold && v != limit) {
          Warn(EXPLAIN(label + ": " + what + " " + FormatTpp(v) + " is within " + FormatTpp(kNearThreshold * 100) + "% of the H200 rule's limit " +
                       FormatTpp(limit) + " (" + FormatDouble(std::fabs(v - limit) / limit * 100) + "% " + (v < limit ? "under" : "over") +
                       "): confirm the figures before relying on the zone"));
        }
      };
      near(*c.tpp, rules_.h200_max_tpp, "TPP");
      if (bw) near(*bw, rules_.h200_max_bw, "DRAM bandwidth (GB/s)");
    }
  }
  const bool h200_certified = h200_zone && tx_.activity == Activity::kExport &&  // reexports stay under denial
                              tx_.h200_certifications && tx_.h200_certifications->all();
  // The exporter certifies that China/Macau volume stays within half of its US shipments of the
  // product; with a ledger attached that share is checked, not taken on trust.
  bool h200_share_exceeded = false;
  if (h200_certified && opt_.allocations) {
    std::string_view exporter;
    for (const auto& p : tx_.parties) {
      if (p.role == PartyRole::kExporter && !p.name.empty()) exporter = p.name;
    }
    if (!exporter.empty()) {
      AllocationQuery q;
      q.account = AllocationQuery::Account::kH200ChinaShare;
      q.exporter = std::string(exporter);
      q.product = label;
      q.as_of = d_;
      q.reference = tx_.reference;
      auto bal = opt_.allocations->Balance(q);
      if (!bal.ok()) {
        Add(h200, Effect::kUnresolved, EXPLAIN("H200 rule: the China/Macau share of \"" + std::string(exporter) + "\" for " + label + " could not be read: " + bal.status().message()), idx);
        effects.Add(Effect::kUnresolved);
      } else if (double& drawn = h200_drawn_[label]; bal->remaining() - drawn < item_tpp) {
        h200_share_exceeded = true;
        Add(h200, Effect::kInfo,
            EXPLAIN("H200 rule: " + label + " needs " + FormatTpp(item_tpp) + " TPP but only " + FormatTpp(std::max(0.0, bal->remaining() - drawn)) +
                    " TPP remain of the China/Macau share (50% of US shipments) of \"" + std::string(exporter) +
                    "\"" + LedgerSource(*bal) + "; the volume certification does not hold, so the policy stays presumption of denial"),
            idx);
      } else if (c.determinate) {
        drawn += item_tpp;
      }
    }
  }
  auto apply_h200 = [&](ReviewPolicy p) {
    return h200_certified && !h200_share_exceeded ? ReviewPolicy::kCaseByCase : p;
  };

  if (exporting && !dest_us_) {
    // 742.6(a)(6)(iii) (2023 text): D:1, D:4, D:5 excluding A:5/A:6.
    if (const RuleDef* r = Active(StepIndex("license_area_3a090")); r && advanced && dest_license_area_) {
      ExcSet ex = 0;
      if (nac_aca_item) ex = dest_d5_macau_ ? Bit(Exc::NAC) : Bit(Exc::ACA);
      Finding& f = Add(r, Effect::kLicenseRequired,
                       EXPLAIN(label + " (" + EccnName(eccn) + ") to " + tx_.destination +
                               (dest_named_ ? ", which the rule names beside Country Groups D:1, D:4 and D:5 (and which was inside them in 2023)"
                                            : ", which is in Country Group D:1, D:4 or D:5 and not A:5/A:6")), idx);
      f.review_policy = apply_h200(base_policy());
      if (dest_named_ && !rules_.license_area_named_verified) {
        f.verified = false;
        unverified_rules_.push_back(r->id);
        Warn(EXPLAIN(tx_.destination + " is in the license area by name: " + rules_.license_area_named_citation));
      }
      reqs.push_back({r->id, f.review_policy, ex});
    }
    // 744.23(a)(3): entities headquartered in D:5 or Macau, anywhere.
    if (const RuleDef* r = Active(StepIndex("headquarters_d5_macau")); r && advanced) {
      if (hq_d5_macau_) {
        Finding& f = Add(r, Effect::kLicenseRequired, EXPLAIN(label + " (" + EccnName(eccn) + ") is destined to an entity headquartered (or with its ultimate parent) in D:5 or Macau: " + hq_d5_fact_), idx);
        f.review_policy = apply_h200(ReviewPolicy::kPresumptionOfDenial);
        f.policy_wording = "presumption of denial";
        reqs.push_back({r->id, f.review_policy, nac_aca_item ? Bit(Exc::NAC) : ExcSet{0}});
      } else if (hq_unknown_) {
        Add(r, Effect::kUnresolved, EXPLAIN(no_recipient_ ? "No ultimate consignee or end user stated: whether it is headquartered in D:5 or Macau cannot be checked"
                                                  : "Whether the recipient is headquartered (or has its ultimate parent) in D:5 or Macau cannot be checked: " + HqUnknownFact()), idx);
        effects.Add(Effect::kUnresolved);
      }
    }
    // AI Diffusion (codified): worldwide license for .a items.
    if (const RuleDef* r = Active(StepIndex("worldwide_license_a")); r && IsA(eccn)) {
      ExcSet ex = nac_aca_item ? (dest_d5_macau_ || hq_d5_macau_ ? Bit(Exc::NAC) : Bit(Exc::ACA)) : 0;
      ex |= Bit(Exc::AIA) | Bit(Exc::LPP);
      ReviewPolicy p;
      std::string tier;
      if (dest_d5_macau_) {
        p = ReviewPolicy::kPresumptionOfDenial;
        tier = "Tier 3 (Macau or Country Group D:5)";
      } else if (hq_d5_macau_) {
        // The destination's own tier is not Tier 3: name the party that brings the denial.
        p = ReviewPolicy::kPresumptionOfDenial;
        tier = std::string(dest_tier1_ ? "Tier 1" : "Tier 2") + ", but " + hq_d5_fact_ +
               " (D:5 or Macau), so Tier 3's presumption of denial applies";
      } else if (dest_tier1_ || hq_all_tier1_) {
        p = ReviewPolicy::kPresumptionOfApproval;
        tier = dest_tier1_ ? "a Supp. No. 5 paragraph (a) destination (Tier 1)" : "Tier 2, entity headquartered in Tier 1";
      } else {
        p = ReviewPolicy::kPresumptionOfApproval;
        tier = "Tier 2 (presumption of approval up to the country allocation)";
      }
      p = apply_h200(p);
      Finding& f = Add(r, Effect::kLicenseRequired, EXPLAIN(label + " (" + EccnName(eccn) + ") needs a license to any destination; " + tx_.destination + " is " + tier), idx);
      f.review_policy = p;
      if (p == ReviewPolicy::kPresumptionOfDenial) f.policy_wording = "presumption of denial";
      reqs.push_back({r->id, p, ex});
      // Country allocation (Tier 2, approval side only).
      if (const RuleDef* ca = Active(StepIndex("country_allocation"));
          ca && p == ReviewPolicy::kPresumptionOfApproval && !dest_tier1_ && !hq_all_tier1_) {
        if (opt_.allocations) {
          AllocationQuery q;
          q.account = AllocationQuery::Account::kCountryAllocation;
          q.country = std::string(data_.EffectiveCode(tx_.destination));
          q.as_of = d_;
          q.reference = tx_.reference;
          auto bal = opt_.allocations->Balance(q);
          if (!bal.ok()) {
            Add(ca, Effect::kUnresolved, EXPLAIN("Country allocation could not be read: " + bal.status().message()), idx);
            effects.Add(Effect::kUnresolved);
          } else if (bal->remaining() - country_drawn_ < item_tpp) {
            Finding& af = Add(ca, Effect::kLicenseRequired,
                              EXPLAIN("Country allocation for " + tx_.destination + LedgerSource(*bal) + ": " + FormatTpp(std::max(0.0, bal->remaining() - country_drawn_)) +
                                  " TPP remain of " + FormatTpp(bal->cap) + "; this item needs " + FormatTpp(item_tpp) +
                                  " TPP. Once the allocation is met: \"" + rules_.allocation_exhausted_wording + "\""), idx);
            af.review_policy = ReviewPolicy::kPresumptionOfDenial;
            af.policy_wording = rules_.allocation_exhausted_wording;
            reqs.push_back({ca->id, ReviewPolicy::kPresumptionOfDenial, Bit(Exc::LPP)});
          } else {
            Add(ca, Effect::kInfo, EXPLAIN("Country allocation for " + tx_.destination + LedgerSource(*bal) + ": " + FormatTpp(bal->remaining() - country_drawn_) + " TPP remain; this item needs " + FormatTpp(item_tpp)), idx);
            if (c.determinate) country_drawn_ += item_tpp;  // the next item of this transaction draws on what is left
          }
        } else {
          Add(ca, Effect::kInfo, "Country allocation (790,000,000 TPP for 2025-2027) not checked: allocation accounting not performed", idx);
          Warn("Allocation accounting not performed: the country allocation and LPP limits were not checked against cumulative shipments");
        }
      }
    }
    // AI Diffusion (codified): .b items to D:1/D:4/D:5 (not A:5/A:6) and the UAE.
    if (const RuleDef* r = Active(StepIndex("license_area_b")); r && IsB(eccn) &&
                                                       (dest_license_area_ || data_.EffectiveCode(tx_.destination) == "AE")) {
      Finding& f = Add(r, Effect::kLicenseRequired, EXPLAIN(label + " (" + EccnName(eccn) + ") to " + tx_.destination), idx);
      f.review_policy = apply_h200(base_policy());
      reqs.push_back({r->id, f.review_policy, nac_aca_item ? (dest_d5_macau_ || hq_d5_macau_ ? Bit(Exc::NAC) : Bit(Exc::ACA)) : ExcSet{0}});
    }
    // 3A090.c (HBM) to Macau and D:5.
    if (const RuleDef* r = Active(StepIndex("hbm_license")); r && eccn == Eccn::k3A090c && (dest_d5_macau_ || hq_d5_macau_)) {
      Finding& f = Add(r, Effect::kLicenseRequired,
                       EXPLAIN(label + " (3A090.c) " + (dest_d5_macau_ ? "to " + tx_.destination + " (Macau or D:5)"
                                                                        : std::string("for an entity headquartered (or with its ultimate parent) in Macau or D:5"))), idx);
      if (!dest_d5_macau_ && !rules_.hbm_headquarters_verified) {
        f.verified = false;
        unverified_rules_.push_back(r->id);
      }
      f.review_policy = hq_d5_macau_ ? ReviewPolicy::kPresumptionOfDenial : ReviewPolicy::kPresumptionOfApproval;
      if (hq_d5_macau_) f.policy_wording = "presumption of denial";
      reqs.push_back({r->id, f.review_policy, Bit(Exc::HBM)});
      if (d_ < rules_.hbm_compliance) Warn(EXPLAIN(label + ": " + rules_.hbm_compliance_note));
    } else if (const RuleDef* r = Active(StepIndex("hbm_license")); r && eccn == Eccn::k3A090c && hq_unknown_) {
      Add(r, Effect::kUnresolved, EXPLAIN(label + " (3A090.c): the Macau/D:5 headquarters requirement cannot be ruled out: " + HqUnknownFact()), idx);
      effects.Add(Effect::kUnresolved);
    }
    // 4E091 model weights (codified).
    if (const RuleDef* r = Active(StepIndex("model_weights_4e091")); r && eccn == Eccn::k4E091) {
      const bool hq_outside = !hq_all_tier1_;
      Finding& f = Add(r, Effect::kLicenseRequired, EXPLAIN(label + " (4E091) needs a license to any destination"), idx);
      f.review_policy = hq_outside ? ReviewPolicy::kPresumptionOfDenial : ReviewPolicy::kPresumptionOfApproval;
      if (hq_outside) f.policy_wording = "presumption of denial";
      reqs.push_back({r->id, f.review_policy, Bit(Exc::AIA)});
      if (hq_unknown_) {
        Add(r, Effect::kUnresolved, EXPLAIN("The 4E091 policy and License Exception AIA depend on the recipient's headquarters: " + HqUnknownFact()), idx);
        effects.Add(Effect::kUnresolved);
      }
    }
    // H20 / MI308 is-informed letters: China (incl. Hong Kong, Macau) and D:5, or companies
    // headquartered (or with an ultimate parent) there. A letter binds the company informed.
    if (const RuleDef* r = Active(StepIndex("h20_is_informed")); r && item.spec.kind == ItemKind::kIntegratedCircuit) {
      const bool in_scope = dest_china_macau_ || dest_d5_macau_ || hq_d5_macau_;
      const auto& mb = item.spec.memory_bandwidth_gbps;
      const auto& ib = item.spec.interconnect_bandwidth_gbps;
      const CompiledRules::Letter* letter = nullptr;
      std::string why;
      for (const auto& l : rules_.h20_letters) {
        if (d_ < l.from || letter) continue;
        if (item.spec.catalog && std::find(l.chips.begin(), l.chips.end(), item.spec.catalog->id) != l.chips.end()) {
          letter = &l;
          why = "named in " + l.vendor + "'s letter";
        } else if (l.bandwidth_test && mb && *mb >= rules_.h20_memory_bw) {
          letter = &l;
          why = "memory bandwidth " + FormatTpp(*mb) + " GB/s reaches the H20's " + FormatTpp(rules_.h20_memory_bw) + " (" + l.vendor + "'s letter)";
        } else if (l.bandwidth_test && ib && *ib >= rules_.h20_interconnect_bw) {
          letter = &l;
          why = "interconnect bandwidth " + FormatTpp(*ib) + " GB/s reaches the H20's " + FormatTpp(rules_.h20_interconnect_bw) + " (" + l.vendor + "'s letter)";
        }
      }
      if (letter && in_scope) {
        const std::string where = dest_china_macau_ || dest_d5_macau_ ? "destined to " + tx_.destination
                                                                      : "for an entity headquartered (or with its ultimate parent) in China, Macau or D:5";
        Finding& f = Add(r, Effect::kLicenseRequired,
                         EXPLAIN(label + " is covered by the is-informed requirement (" + why + "), " + where + ": " + letter->citation), idx);
        f.review_policy = apply_h200(ReviewPolicy::kPresumptionOfDenial);
        f.policy_wording = r->policy_wording;
        reqs.push_back({r->id, f.review_policy, 0});
        // 744.23(b): the letter binds the company informed; for any other exporter it is a flag.
        std::string_view exporter;
        for (const auto& p : tx_.parties) {
          if (p.role == PartyRole::kExporter) exporter = p.name;
        }
        std::string lower_exporter(exporter), lower_vendor = letter->vendor;
        for (char& ch : lower_exporter) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        for (char& ch : lower_vendor) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lower_exporter.find(lower_vendor) == std::string::npos) {
          f.verified = false;
          Warn(EXPLAIN(label + ": the is-informed letter applied is " + letter->vendor + "'s, which binds " + letter->vendor +
                       " (15 CFR 744.23(b)); " + (exporter.empty() ? std::string("the exporter is not stated") : "the exporter \"" + std::string(exporter) + "\" is not shown to be informed") +
                       ", so the requirement is applied as a flag: confirm whether your company was informed"));
        }
      } else if (letter && hq_unknown_ && !in_scope) {
        Add(r, Effect::kUnresolved, EXPLAIN(label + " is covered by " + letter->vendor + "'s is-informed letter, which also reaches companies headquartered in China, Macau or D:5: " + HqUnknownFact()), idx);
        effects.Add(Effect::kUnresolved);
      } else if (!letter && in_scope && !mb && (advanced || eccn == Eccn::k3A991p)) {
        Add(r, Effect::kUnresolved, EXPLAIN(label + ": memory bandwidth not given, so coverage by the H20 is-informed requirement cannot be ruled out"), idx);
        effects.Add(Effect::kUnresolved);
      } else if (!letter && in_scope && !ib && (advanced || eccn == Eccn::k3A991p)) {
        Warn(EXPLAIN(label + ": interconnect bandwidth not given; H20 coverage was judged on memory bandwidth alone"));
      }
    }
    // Supercomputer end use in Macau / D:5.
    if (const RuleDef* r = Active(StepIndex("supercomputer_end_use")); r && tx_.end_use.supercomputer && dest_d5_macau_) {
      Finding& f = Add(r, Effect::kLicenseRequired, EXPLAIN(label + " is for a supercomputer end use in " + tx_.destination), idx);
      f.review_policy = ReviewPolicy::kPresumptionOfDenial;
      f.policy_wording = r->policy_wording;
      reqs.push_back({r->id, f.review_policy, 0});
    }
  }

  // Policy statement of 2025-05-13: training (or serving) AI models for D:5/Macau-headquartered parties,
  // including through IaaS (so also for "use").
  if (const RuleDef* r = Active(StepIndex("ai_training_policy")); r && IsA(eccn)) {
    const std::string& train = tx_.end_use.ai_model_training_for_headquarters;
    const std::string& infer = tx_.end_use.ai_model_inference_for_headquarters;
    if (D5OrMacau(train) || D5OrMacau(infer)) {
      const bool training = D5OrMacau(train);
      Finding& f = Add(r, Effect::kLicenseRequired,
                       EXPLAIN(label + (training ? " will train AI models for a party headquartered in " + train
                                         : " will serve (inference) AI models for a party headquartered in " + infer)),
                       idx);
      f.review_policy = ReviewPolicy::kPresumptionOfDenial;
      f.policy_wording = r->policy_wording;
      if (!training) {
        f.verified = false;
        Warn("The inference aspect of the 2025-05-13 AI-training policy rests on the press release only; verbatim text not found");
      }
      reqs.push_back({r->id, ReviewPolicy::kPresumptionOfDenial, 0});
    }
  }

  // GP10 before the 2025-05-13 guidance: its knowledge standard. A PRC-designed 3A090 IC is a red
  // flag that its production likely violated the EAR; resolve it before dealing (no presumption yet).
  if (const RuleDef* r = Active(StepIndex("gp10_knowledge")); r && !Active(StepIndex("gp10_prc_ics"))) {
    const ItemSpec& s = item.spec;
    const bool named = s.catalog && std::find(rules_.gp10_named.begin(), rules_.gp10_named.end(), s.catalog->id) != rules_.gp10_named.end();
    if (named || (D5OrMacau(s.designer_headquarters) && IsAdvanced(eccn))) {
      Add(r, Effect::kUnresolved, EXPLAIN(label + " is a PRC-designed 3A090 IC: under General Prohibition 10 dealing in it is prohibited with knowledge that a violation "
                                          "occurred in its production; that is a red flag to resolve before proceeding (BIS's guidance presuming it came on 2025-05-13)"), idx);
      effects.Add(Effect::kUnresolved);
    }
  }
  // GP10: PRC-designed 3A090 ICs (Huawei Ascend 910B/910C/910D named), any activity, anywhere.
  if (const RuleDef* r = Active(StepIndex("gp10_prc_ics"))) {
    const ItemSpec& s = item.spec;
    const bool named = s.catalog && std::find(rules_.gp10_named.begin(), rules_.gp10_named.end(), s.catalog->id) != rules_.gp10_named.end();
    const bool prc = D5OrMacau(s.designer_headquarters);
    if (named || (prc && (IsAdvanced(eccn)))) {
      if (tx_.end_use.technical_evaluation) {
        Add(r, Effect::kInfo, EXPLAIN(label + " is a PRC advanced-computing IC; acquired solely for technical evaluation or destructive testing (safe harbour in the guidance)"), idx);
        Warn(EXPLAIN(label + ": GP10 safe harbour relied on; keep the item to technical evaluation or destructive testing"));
      } else {
        Add(r, Effect::kProhibited, EXPLAIN(label + " is a PRC 3A090 IC" + std::string(named ? " named in BIS's guidance" : "") +
                                        ": using, transferring or otherwise dealing in it risks violating General Prohibition 10"), idx);
        effects.Add(Effect::kProhibited);
      }
    } else if (s.kind == ItemKind::kIntegratedCircuit && s.designer_headquarters.empty() && IsAdvanced(eccn)) {
      Add(r, Effect::kUnresolved, EXPLAIN(label + ": designer headquarters not stated, so GP10 (PRC 3A090 ICs) cannot be ruled out"), idx);
      effects.Add(Effect::kUnresolved);
    }
  }

  // Exceptions: each checks its own conditions; a requirement is overcome only by one it allows.
  if (!reqs.empty() && !exceptions_barred_) {
    // NAC: Macau/D:5 destinations or D:5/Macau-headquartered entities; notification first.
    if (Active(StepIndex("exception_nac")) && nac_aca_item && (dest_d5_macau_ || hq_d5_macau_) && !dest_embargo_) available |= Bit(Exc::NAC);
    // ACA: D:1/D:4 destinations other than Macau/D:5, entity not D:5/Macau-headquartered.
    if (Active(StepIndex("exception_aca")) && nac_aca_item && (Dest(Group::D1) || Dest(Group::D4)) && !dest_d5_macau_ &&
        !hq_d5_macau_ && !hq_unknown_ && !dest_embargo_) {
      available |= Bit(Exc::ACA);
    }
    // AIA: located and headquartered in Supp. 5 paragraph (a); not for training for non-Tier-1 entities.
    if (Active(StepIndex("exception_aia")) && dest_tier1_ && hq_all_tier1_ && !hq_d5_macau_) {
      const bool weights_ok = eccn != Eccn::k4E091 || tx_.model_weights_secure_storage;
      if (weights_ok) available |= Bit(Exc::AIA);
    }
    // LPP: within 26,900,000 TPP per consignee per calendar year; not for Tier 3.
    if (Active(StepIndex("exception_lpp")) && IsA(eccn) && !dest_d5_macau_ && !hq_d5_macau_ && !hq_unknown_ && c.tpp &&
        lpp_tpp_ <= rules_.lpp_limit && (!lpp_remaining_ || lpp_tpp_ <= *lpp_remaining_)) {
      available |= Bit(Exc::LPP);
    }
    if (Active(StepIndex("exception_hbm")) && eccn == Eccn::k3A090c && tx_.hbm && tx_.hbm->direct_to_copackager &&
        c.memory_bandwidth_density && *c.memory_bandwidth_density < rules_.hbm_exception_max_density &&
        !D5OrMacau(tx_.hbm->exporter_headquarters) &&
        (data_.EffectiveCode(tx_.hbm->exporter_headquarters) == "US" || Groups(tx_.hbm->exporter_headquarters, GroupBit(Group::A5)) != 0)) {
      available |= Bit(Exc::HBM);
    }
  }

  std::optional<Exc> chosen;
  if (!reqs.empty() && !exceptions_barred_) {
    for (int e = 0; e < static_cast<int>(Exc::kCount) && !chosen; ++e) {
      const ExcSet bit = Bit(static_cast<Exc>(e));
      if (!(available & bit)) continue;
      bool all = true;
      reqs.ForEach([&](const Requirement& rq) { all = all && (rq.exceptions & bit); });
      if (all) chosen = static_cast<Exc>(e);
    }
  }

  if (reqs.empty()) {
    effects.Add(Effect::kNoLicenseRequired);
  } else if (chosen) {
    effects.Add(Effect::kLicenseException);
    ev.exception = kExcNames[static_cast<int>(*chosen)];
  } else {
    effects.Add(Effect::kLicenseRequired);
    reqs.ForEach([&](const Requirement& rq) { ev.policy = MostRestrictive(ev.policy, rq.policy); });
  }
  ev.outcome = Combine(effects);
  if (ev.outcome == Outcome::kNoLicenseRequired) ExplainNoRequirement(idx, c, eccn);
  if (ev.outcome == Outcome::kLicenseException) ExplainException(idx, *chosen, eccn, c, reqs);
  if (ev.outcome != Outcome::kLicenseRequired) ev.policy = ReviewPolicy::kNone;
  ev.findings_end = findings_.size();
  return ev;
}

std::string Evaluation::DestinationGroups() const {
  std::string groups;
  for (int g = 0; g < static_cast<int>(Group::kCount); ++g) {
    if (Dest(static_cast<Group>(g))) groups += (groups.empty() ? "" : ", ") + std::string(GroupName(static_cast<Group>(g)));
  }
  return groups.empty() ? "no Country Group" : "Country Groups " + groups;
}

std::string Evaluation::RecipientHeadquarters() const {
  std::string out;
  for (const auto& p : tx_.parties) {
    if (p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser) continue;
    out += (out.empty() ? "" : "; ") + std::string(PartyRoleName(p.role)) + " \"" + p.name + "\" headquartered in " + p.headquarters;
    if (!p.ultimate_parent_headquarters.empty()) out += ", ultimate parent in " + p.ultimate_parent_headquarters;
  }
  return out;
}

// No license requirement bound the item: say which rules were weighed and the facts that kept
// each out (the item's class, the destination's groups, the recipients' headquarters).
void Evaluation::ExplainNoRequirement(int idx, const Classification& c, Eccn eccn) {
  const std::string& label = tx_.items[static_cast<size_t>(idx)].label;
  const std::string cls = label + " (" + EccnName(eccn) + ")";
  const bool exporting = tx_.activity != Activity::kUse;
  const RuleDef* area = nullptr;
  if (eccn == Eccn::k3A090c) area = Active(StepIndex("hbm_license"));
  else if (IsB(eccn)) area = Active(StepIndex("license_area_b"));
  if (!area && IsAdvanced(eccn)) area = Active(StepIndex("license_area_3a090"));
  if (!area) {
    // Not an advanced-computing item (3A991.p, 4A994.l, EAR99, …), or no rule for its class binds.
    const RuleDef* r = eccn == Eccn::k3A090c ? Active(StepIndex("classification_hbm")) : Active(StepIndex("classification"));
    if (!r) r = rules_.Step(StepIndex("classification"));
    if (!r) return;
    Add(r, Effect::kNoLicenseRequired,
        EXPLAIN(cls + (IsAdvanced(eccn) || eccn == Eccn::k3A090c || eccn == Eccn::k4E091
                           ? ": no license requirement for its class binds on " + d_.ToString() + " under the " + PostureName(posture_) + " posture"
                           : " is outside ECCNs 3A090/4A090" + std::string(c.tpp ? " (TPP " + FormatTpp(*c.tpp) + ")" : "") +
                                 ": no advanced-computing license requirement (15 CFR 742.6(a)(6), 744.23) binds it") +
                " for " + tx_.destination + " (" + DestinationGroups() + ")"),
        idx);
    return;
  }
  std::string why;
  if (!exporting) why = "the activity is use in place, not an export, reexport or transfer";
  else if (dest_us_) why = "the destination is the United States";
  else if (eccn == Eccn::k3A090c) why = tx_.destination + " is in " + DestinationGroups() + ", neither Macau nor D:5";
  else if (!Dest(Group::D1) && !Dest(Group::D4) && !Dest(Group::D5)) why = tx_.destination + " is in " + DestinationGroups() + ", none of D:1, D:4 or D:5";
  else if (!dest_license_area_) why = tx_.destination + " is in " + DestinationGroups() + ": A:5/A:6 are excluded from the license area";
  else why = tx_.destination + " is in " + DestinationGroups();
  Add(area, Effect::kNoLicenseRequired, EXPLAIN(cls + " needs no license under this rule: " + why), idx);
  if (const RuleDef* hq = Active(StepIndex("headquarters_d5_macau")); hq && IsAdvanced(eccn) && exporting) {
    Add(hq, Effect::kNoLicenseRequired,
        EXPLAIN(cls + ": no ultimate consignee or end user is headquartered, or has its ultimate parent, in D:5 or Macau (" +
                RecipientHeadquarters() + ")"),
        idx);
  }
}

// The exception that overcomes every license requirement on the item: its rule, and why its own
// conditions hold.
void Evaluation::ExplainException(int idx, Exc e, Eccn eccn, const Classification& c, const Requirements& reqs) {
  const RuleDef* r = Active(kExcSteps[static_cast<int>(e)]);
  if (!r) return;
  const std::string& label = tx_.items[static_cast<size_t>(idx)].label;
  const std::string cls = label + " (" + EccnName(eccn) + ")";
  Add(r, Effect::kLicenseException, EXPLAIN([&] {
        std::string overcome;
        reqs.ForEach([&](const Requirement& rq) {
          if (overcome.find(rq.rule) == std::string::npos) overcome += (overcome.empty() ? "" : ", ") + std::string(rq.rule);
        });
        std::string why;
        switch (e) {
          case Exc::NAC:
            why = std::string(IsA(eccn) ? "not designed or marketed for datacenters" : "a .b item") + ", and " +
                  (dest_d5_macau_ ? tx_.destination + " is Macau or in D:5" : hq_d5_fact_ + " (D:5 or Macau)");
            break;
          case Exc::ACA:
            why = std::string(IsA(eccn) ? "not designed or marketed for datacenters" : "a .b item") + "; " + tx_.destination + " is in " +
                  DestinationGroups() + " (D:1 or D:4, not D:5 or Macau), and no recipient is headquartered in D:5 or Macau (" +
                  RecipientHeadquarters() + ")";
            break;
          case Exc::AIA:
            why = tx_.destination + " is a Supp. No. 5 paragraph (a) destination and every recipient is headquartered in one (" +
                  RecipientHeadquarters() + ")";
            break;
          case Exc::LPP:
            why = "the transaction's 3A090.a/4A090.a total, " + FormatTpp(lpp_tpp_) + " TPP, is within " + FormatTpp(rules_.lpp_limit) +
                  " TPP per ultimate consignee per calendar year" +
                  (lpp_remaining_ ? " (" + FormatTpp(*lpp_remaining_) + " TPP remain for \"" + (consignee_ ? consignee_->name : std::string()) + "\" in " + std::to_string(d_.year()) + ")"
                                  : " (cumulative shipments to the consignee not checked: no ledger)") +
                  "; neither the destination nor a recipient is Tier 3 (" + RecipientHeadquarters() + ")";
            break;
          case Exc::HBM:
            why = "shipped directly to the co-package designer; memory bandwidth density " +
                  (c.memory_bandwidth_density ? FormatDouble(*c.memory_bandwidth_density) : std::string("?")) + " GB/s/mm2 is below " +
                  FormatDouble(rules_.hbm_exception_max_density) + "; exporter headquartered in " + tx_.hbm->exporter_headquarters;
            break;
          case Exc::kCount: break;
        }
        return cls + ": License Exception " + std::string(kExcNames[static_cast<int>(e)]) + " applies: " + why + "; it overcomes " + overcome;
      }()),
      idx);
}

void Evaluation::Run(Decision& out) {
  // Which rules bind depends only on (date, posture): remember the last answer per thread.
  thread_local struct {
    const CompiledRules* rules = nullptr;
    Date date;
    Posture posture = Posture::kEnforced;
    std::array<const RuleDef*, kNumSteps> active{};
  } cache[2];
  auto& slot = cache[posture_ == Posture::kEnforced ? 0 : 1];
  if (slot.rules != &rules_ || slot.date != d_) {
    for (size_t i = 0; i < kNumSteps; ++i) {
      const RuleDef* r = rules_.Step(i);
      slot.active[i] = r && r->ActiveOn(d_, posture_) ? r : nullptr;
    }
    slot.rules = &rules_;
    slot.date = d_;
    slot.posture = posture_;
  }
  active_ = slot.active;
  findings_.reserve(8);
  if (explain_) steps_.reserve(4);
  out.posture = posture_;
  out.as_of = d_;
  out.reference = tx_.reference;
  out.data_version = data_.version();
  out.activity = tx_.activity;
  out.destination = tx_.destination;
  if (explain_) {
    out.parties.reserve(tx_.parties.size());
    for (const auto& p : tx_.parties) out.parties.push_back({p.role, p.name, p.country});
  }
  for (const auto& [regime, rules] : rules_.regimes) {
    if (!explain_) break;
    for (const RuleDef* r : rules) {
      if (r->ActiveOn(d_, posture_)) {
        out.regimes.push_back(regime->id);
        break;
      }
    }
  }
  if (d_ < data_.first_effective()) {
    Finding f;
    f.rule = "no_regime_data";
    f.citation = "";
    f.summary = "No regime data before " + data_.first_effective().ToString() + "; this engine does not decide earlier dates";
    f.effect = Effect::kUnresolved;
    out.reasons.push_back(std::move(f));
    out.outcome = Outcome::kNeedsReview;
    out.warnings.push_back("no regime data for " + d_.ToString());
    return;
  }
  ComputeFacts();

  // Classification first: LPP needs the transaction's TPP of .a items.
  const Thresholds t = data_.ThresholdsOn(d_, posture_);
  std::vector<Classification> classes;
  classes.reserve(tx_.items.size());
  bool all_determinate = true;
  for (const auto& item : tx_.items) {
    classes.push_back(Classify(item.spec, t));
    const Classification& c = classes.back();
    all_determinate = all_determinate && c.determinate;
    if (c.determinate && IsA(c.eccn) && c.tpp) lpp_tpp_ += *c.tpp * static_cast<double>(item.quantity);
  }
  LedgerSteps();
  if (counterfactuals_) Propose(classes, t);
  Step({"classification", all_determinate ? "performed" : "unresolved",
                    all_determinate ? "every item classified" : "some items could not be classified from the facts given"});

  TransactionSteps();

  EffectSet effects = tx_effects_;
  for (size_t i = 0; i < tx_.items.size(); ++i) {
    const Classification& c = classes[i];
    const TransactionItem& item = tx_.items[i];
    ItemResult ir;
    ir.label = item.label;
    ir.quantity = item.quantity;
    ir.total_tpp = c.tpp ? *c.tpp * static_cast<double>(item.quantity) : 0;
    for (const auto& w : c.warnings) Warn(EXPLAIN(item.label + ": " + w));
    if (item.spec.catalog && !item.spec.catalog->verified) {
      Warn(EXPLAIN(item.label + ": catalog figures are not verified (" +
                   (item.spec.catalog->verified_note.empty() ? std::string("rumoured or reported specifications") : item.spec.catalog->verified_note) + ")"));
    }

    ItemEval ev;
    if (c.determinate) {
      ev = EvaluateItem(i, c, c.eccn);
    } else {
      // Fail closed unless every candidate class leads to the same outcome.
      std::vector<ItemEval> evs;
      const size_t keep = findings_.size();
      for (Eccn cand : c.candidates) {
        findings_.resize(keep);
        evs.push_back(EvaluateItem(i, c, cand));
      }
      bool same = true;
      for (const auto& e : evs) {
        same = same && e.outcome == evs[0].outcome && e.exception == evs[0].exception && e.policy == evs[0].policy;
      }
      std::string cands;
      for (Eccn e : c.candidates) cands += (cands.empty() ? "" : ", ") + std::string(EccnName(e));
      std::string missing;
      for (const auto& m : c.missing) missing += (missing.empty() ? "" : ", ") + std::string(m);
      const RuleDef* cls = rules_.Step(StepIndex("classification"));
      if (same) {
        ev = evs.back();  // findings of the last candidate are in place
        Finding& f = Add(cls, Effect::kInfo, EXPLAIN(item.label + ": class indeterminate (" + cands + ") without " + missing + ", but every candidate gives the same outcome"), static_cast<int>(i));
        (void)f;
      } else {
        findings_.resize(keep);
        ev = ItemEval{};
        ev.outcome = Outcome::kNeedsReview;
        Add(cls, Effect::kUnresolved, EXPLAIN(item.label + ": classification indeterminate (candidates " + cands + "); missing " + missing + " would decide the outcome"), static_cast<int>(i));
      }
    }
    ir.outcome = ev.outcome;
    ir.license_exception = std::string(ev.exception);
    ir.review_policy = ev.policy;
    effects.Add(EffectOf(ev.outcome));
    if (explain_) ir.classification = std::move(classes[i]);  // c is not used after this
    out.items.push_back(std::move(ir));
  }

  out.outcome = Combine(effects);
  // The transaction's exception and policy follow its items.
  if (out.outcome == Outcome::kLicenseRequired) {
    for (const auto& ir : out.items) out.review_policy = MostRestrictive(out.review_policy, ir.review_policy);
    for (const auto& f : findings_) {
      if (f.item < 0 && f.effect == Effect::kLicenseRequired) out.review_policy = MostRestrictive(out.review_policy, f.review_policy);
    }
    if (out.review_policy == ReviewPolicy::kNone) out.review_policy = ReviewPolicy::kPresumptionOfDenial;
    // The words behind the policy, as the rules or the listing put them ("policy of denial").
    for (const auto& f : findings_) {
      if (!explain_ || f.effect != Effect::kLicenseRequired || f.review_policy != out.review_policy || f.policy_wording.empty()) continue;
      if (out.policy_wording.find(f.policy_wording) != std::string::npos) continue;
      out.policy_wording += (out.policy_wording.empty() ? "" : "; ") + std::string(f.policy_wording);
    }
  }
  if (out.outcome == Outcome::kLicenseException) {
    for (const auto& ir : out.items) {
      if (ir.license_exception.empty()) continue;
      if (out.license_exception.empty()) out.license_exception = ir.license_exception;
      else if (out.license_exception.find(ir.license_exception) == std::string::npos) out.license_exception += "+" + ir.license_exception;
    }
  }

  if (explain_) Explain(out);
  out.reasons = std::move(findings_);
  out.warnings = std::move(warnings_);
  out.obligations = std::move(obligations_);
  out.steps = std::move(steps_);
  out.screened_parties = std::move(screened_parties_);
}

// Facts the transaction left out that the rules turn on. Each is tried by Determine; those that
// change the outcome are said in the decision (would_change), so an officer knows what to ask for.
void Evaluation::Propose(const std::vector<Classification>& classes, const Thresholds& t) {
  auto& out = *counterfactuals_;
  // A recipient that stated its own headquarters but not its parent's.
  for (size_t k = 0; k < tx_.parties.size(); ++k) {
    const Party& p = tx_.parties[k];
    if ((p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser) || p.headquarters.empty() ||
        !p.ultimate_parent_headquarters.empty()) continue;
    const std::string who = RoleInWords(p.role);
    out.push_back({"parties[" + std::to_string(k) + "].ultimate_parent_headquarters", "\"" + p.headquarters + "\"",
                   "the " + who + " \"" + p.name + "\" has no parent (its own headquarters, " + p.headquarters +
                       ", given as the ultimate parent's)",
                   [k](Transaction& x) { x.parties[k].ultimate_parent_headquarters = x.parties[k].headquarters; }});
  }
  // H200 rule: case-by-case review only with all five exporter certifications.
  if (Active(StepIndex("h200_case_by_case")) && dest_china_macau_ && tx_.activity == Activity::kExport &&
      !(tx_.h200_certifications && tx_.h200_certifications->all())) {
    out.push_back({"h200_certifications",
                   R"({"sufficient_us_supply":true,"no_foundry_diversion":true,"china_volume_within_half_of_us":true,)"
                   R"("know_your_customer_and_remote_access":true,"third_party_testing_in_us":true})",
                   "the exporter gives all five certifications of the H200 rule",
                   [](Transaction& x) {
                     H200Certifications all;
                     all.sufficient_us_supply = all.no_foundry_diversion = all.china_volume_within_half_of_us =
                         all.know_your_customer_and_remote_access = all.third_party_testing_in_us = true;
                     x.h200_certifications = all;
                   }});
  }
  for (size_t i = 0; i < classes.size(); ++i) {
    const Classification& c = classes[i];
    const ItemSpec& spec = tx_.items[i].spec;
    const std::string item = "items[" + std::to_string(i) + "]";
    // 4E091 weights: License Exception AIA needs the storage assurance.
    if (c.determinate && c.eccn == Eccn::k4E091 && !tx_.model_weights_secure_storage) {
      out.push_back({"model_weights_secure_storage", "true",
                     "the model weights are stored as Supp. No. 10 to Part 748 paragraphs 14, 15 and 18 require",
                     [](Transaction& x) { x.model_weights_secure_storage = true; }});
    }
    if (c.determinate || spec.kind != ItemKind::kIntegratedCircuit) continue;
    const bool no_area = std::find(c.missing.begin(), c.missing.end(), std::string_view("die_area_mm2")) != c.missing.end();
    // An indeterminate chip: one die area inside each interval the performance density thresholds
    // cut (PD = TPP / die area, so PD >= t exactly when the area is at most TPP / t).
    if (no_area && c.tpp && !spec.performance_density) {
      std::vector<double> cuts;
      for (double pd : {t.a2_pd, t.b1_pd_min, t.b2_pd_min}) cuts.push_back(std::round(*c.tpp / pd));
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      for (size_t k = 0; k <= cuts.size(); ++k) {
        const double low = k == 0 ? 0 : cuts[k - 1];
        const double high = k == cuts.size() ? std::numeric_limits<double>::infinity() : cuts[k];
        const double area = std::round(k == 0 ? high * 0.9 : k == cuts.size() ? low * 1.1 : (low + high) / 2);
        if (area < 1) continue;
        out.push_back({item + ".die_area_mm2", std::to_string(static_cast<int64_t>(area)), "",
                       [i, area](Transaction& x) { x.items[i].spec.die_area_mm2 = area; },
                       std::make_pair(low, high)});
      }
    }
    if (!spec.datacenter && std::find(c.missing.begin(), c.missing.end(), std::string_view("datacenter")) != c.missing.end()) {
      for (bool dc : {true, false}) {
        out.push_back({item + ".datacenter", dc ? "true" : "false",
                       dc ? "the item is designed or marketed for datacenters" : "the item is not designed or marketed for datacenters",
                       [i, dc](Transaction& x) { x.items[i].spec.datacenter = dc; }});
      }
    }
  }
  // License Exception LPP: the quantity of one .a item that still fits what LPP allows.
  if (Active(StepIndex("exception_lpp")) && lpp_tpp_ > 0) {
    const double room = std::min(rules_.lpp_limit, lpp_remaining_.value_or(rules_.lpp_limit));
    if (lpp_tpp_ > room) {
      for (size_t i = 0; i < classes.size(); ++i) {
        const Classification& c = classes[i];
        if (!c.determinate || !IsA(c.eccn) || !c.tpp || *c.tpp <= 0) continue;
        const double others = lpp_tpp_ - *c.tpp * static_cast<double>(tx_.items[i].quantity);
        const double fit = std::floor((room - others) / *c.tpp);
        if (fit < 1 || fit >= static_cast<double>(tx_.items[i].quantity)) continue;
        const auto q = static_cast<int64_t>(fit);
        out.push_back({"items[" + std::to_string(i) + "].quantity", std::to_string(q),
                       std::to_string(q) + " units of " + tx_.items[i].label + " fit the " + FormatTpp(room) +
                           " TPP License Exception LPP still allows",
                       [i, q](Transaction& x) { x.items[i].quantity = q; }});
      }
    }
  }
}

// Obligations, warnings and step statuses: only for the decision that is shown.
void Evaluation::Explain(Decision& out) {
  // Obligations that follow from the outcome.
  auto uses = [&](std::string_view e) {
    for (const auto& ir : out.items) {
      if (ir.license_exception == e) return true;
    }
    return false;
  };
  if (out.outcome == Outcome::kLicenseException || out.outcome == Outcome::kNeedsReview) {
    if (uses("NAC")) Oblige(EXPLAIN("License Exception NAC: notify BIS via SNAP-R at least " + FormatTpp(rules_.nac_days) + " calendar days before export (TPP, performance density, datacenter datasheet), with a written purchase order; ship only if BIS does not require a license (15 CFR 740.8(a))"));
    if (uses("ACA")) Oblige("License Exception ACA: keep records of eligibility; no prior notification (15 CFR 740.8(b))");
    if (uses("AIA")) {
      Oblige("License Exception AIA: furnish the ECCN to the ultimate consignee, obtain its one-time certification, and give written notice with each shipment that it is made under AIA (15 CFR 740.27)");
      Oblige(EXPLAIN("License Exception AIA: if the ultimate consignee will receive " + FormatTpp(rules_.aia_trigger) +
                     " or more cumulative TPP, submit its certification to BIS before the first export to it (15 CFR 740.27(c))"));
    }
    if (uses("LPP")) Oblige(EXPLAIN("License Exception LPP: cumulative TPP to this ultimate consignee in calendar year " + std::to_string(d_.year()) + " must stay within " + FormatTpp(rules_.lpp_limit) + " (this transaction: " + FormatTpp(lpp_tpp_) + ") (15 CFR 740.29)"));
    if (uses("HBM")) Oblige("License Exception HBM: ship directly to the co-package designer's packaging site and report discrepancies above 1% (15 CFR 740.25)");
  }
  if (out.outcome == Outcome::kLicenseRequired) {
    Oblige("Apply for a BIS license (SNAP-R) before export; do not ship until it is granted");
    if (Active(StepIndex("h200_case_by_case")) && dest_china_macau_ && out.review_policy == ReviewPolicy::kCaseByCase) {
      Oblige("H200 rule: the application must carry the exporter's certifications (US supply, no foundry diversion, China/Macau volume at most 50% of US shipments, KYC and remote-access controls, third-party testing in the US) (91 FR 1684)");
    }
  }
  if (Active(StepIndex("h200_case_by_case")) && dest_china_macau_ && out.outcome == Outcome::kLicenseRequired &&
      out.review_policy == ReviewPolicy::kPresumptionOfDenial && tx_.activity == Activity::kExport) {
    for (size_t i = 0; i < out.items.size(); ++i) {
      const auto& c = out.items[i].classification;
      if (c.tpp && *c.tpp < rules_.h200_max_tpp && !tx_.items[i].spec.memory_bandwidth_gbps) {
        Warn(EXPLAIN(out.items[i].label + ": total DRAM bandwidth not given, so the H200 rule's case-by-case zone could not be checked"));
      } else if (c.tpp && *c.tpp < rules_.h200_max_tpp && tx_.items[i].spec.memory_bandwidth_gbps &&
                 *tx_.items[i].spec.memory_bandwidth_gbps < rules_.h200_max_bw && (!tx_.h200_certifications || !tx_.h200_certifications->all())) {
        Warn(EXPLAIN(out.items[i].label + ": inside the H200 rule's zone, but case-by-case review needs all five exporter certifications (h200_certifications); without them the policy stays presumption of denial"));
      }
    }
  }

  if (!rules_.tier1_verified && posture_ == Posture::kCodified && Active(StepIndex("exception_aia"))) {
    Warn("The Supp. No. 5 paragraph (a) (Tier 1) list rests on secondary sources");
  }
  std::sort(unverified_rules_.begin(), unverified_rules_.end());
  unverified_rules_.erase(std::unique(unverified_rules_.begin(), unverified_rules_.end()), unverified_rules_.end());
  for (auto id : unverified_rules_) {
    bool relied = false;
    for (const auto& f : findings_) relied = relied || (f.rule == id && f.effect != Effect::kInfo);
    if (relied) Warn(EXPLAIN("Relies on an unverified fact (secondary or incomplete sources): rule " + std::string(id)));
  }
  if (!opt_.allocations) {
    Step({"allocation", "not_performed", "no ledger configured"});
  } else {
    Step({"allocation", "performed", "ledger consulted"});
  }
}

// A Country Group membership used on a date that no source attests is said in the decision. If
// answering it the other way (alone or together with the other unverified ones) would change the
// outcome, the decision fails closed: NEEDS_REVIEW unless a requirement or prohibition holds.
void CheckMembershipSources(const Dataset& data, const CompiledRules& rules, const Transaction& tx, Posture posture,
                            const DetermineOptions& opt, const std::vector<GroupUse>& uses, Decision& out, bool explain) {
  struct Unverified {
    std::string_view country;
    Group group;
    size_t use;  // index into out.country_groups (when explained)
  };
  std::vector<Unverified> pairs;
  for (const auto& u : uses) {
    for (int g = 0; g < static_cast<int>(Group::kCount); ++g) {
      if (!(u.groups >> g & 1u)) continue;
      const MembershipProvenance p = data.Provenance(u.country, static_cast<Group>(g), tx.as_of);
      if (explain) out.country_groups.push_back({u.country, GroupName(static_cast<Group>(g)), p.member, p.verified, false, p.citation});
      if (!p.verified) pairs.push_back({u.country, static_cast<Group>(g), out.country_groups.size() - 1});
    }
  }
  if (pairs.empty()) return;
  std::vector<bool> decisive(pairs.size(), pairs.size() > 8);  // too many to enumerate: all decide
  if (pairs.size() <= 8) {
    // Without the screener and the ledger: they only add requirements, never remove one, so an
    // answer they would mask is still found, and no list or database is queried per combination.
    DetermineOptions bare = opt;
    bare.screener = nullptr;
    bare.allocations = nullptr;
    using Result = std::tuple<Outcome, std::string, ReviewPolicy>;
    std::vector<Result> results(size_t{1} << pairs.size());
    for (size_t m = 0; m < results.size(); ++m) {
      std::vector<GroupFlip> flips;
      for (size_t i = 0; i < pairs.size(); ++i) {
        if (m >> i & 1u) flips.push_back({std::string(pairs[i].country), GroupBit(pairs[i].group)});
      }
      Decision alt;
      Evaluation ev(data, rules, tx, posture, bare, /*explain=*/false);
      ev.TrackGroups(nullptr, &flips);
      ev.Run(alt);
      results[m] = {alt.outcome, alt.license_exception, alt.review_policy};
    }
    for (size_t i = 0; i < pairs.size(); ++i) {
      for (size_t m = 0; m < results.size() && !decisive[i]; ++m) decisive[i] = results[m] != results[m ^ (size_t{1} << i)];
    }
  }
  const bool any = std::find(decisive.begin(), decisive.end(), true) != decisive.end();
  if (explain) {
    std::string deciding;
    for (size_t i = 0; i < pairs.size(); ++i) {
      MembershipUse& use = out.country_groups[pairs[i].use];
      use.decisive = decisive[i];
      const std::string what = "Country Group " + std::string(use.group) + " membership of " + use.country + " on " +
                               tx.as_of.ToString() + " is unverified (" + std::string(use.citation) + "); treated as " +
                               (use.member ? "a member" : "not a member");
      out.warnings.push_back(what + (decisive[i] ? "; the other answer would change the outcome, so an officer must confirm it"
                                                 : "; the other answer would not change the outcome"));
      if (decisive[i]) deciding += (deciding.empty() ? "" : ", ") + std::string(use.group) + " of " + use.country;
    }
    if (any) {
      Finding f;
      f.rule = "country_groups.unverified";
      f.citation = "15 CFR Part 740 Supp. No. 1 (Country Groups)";
      f.summary = "Unverified Country Group membership on " + tx.as_of.ToString() + " decides the outcome (" + deciding +
                  "): no source attests it on this date";
      f.effect = Effect::kUnresolved;
      f.verified = false;
      out.reasons.push_back(std::move(f));
      out.steps.push_back({"country_groups", "unresolved", "an unverified Country Group membership decides the outcome"});
    } else {
      out.steps.push_back({"country_groups", "performed", "unverified memberships used do not change the outcome"});
    }
  }
  if (any && out.outcome != Outcome::kLicenseRequired && out.outcome != Outcome::kProhibited) {
    out.outcome = Outcome::kNeedsReview;
    out.license_exception.clear();
    out.review_policy = ReviewPolicy::kNone;
  }
}

// What the engine cannot vouch for about its own input: a date past the data's review, and
// fields the transaction format does not define (ignored, so the sender must know).
void AddInputWarnings(const Dataset& data, const Transaction& tx, Decision& d) {
  if (tx.as_of > data.reviewed_through()) {
    d.warnings.push_back("The regulatory data was reviewed through " + data.reviewed_through().ToString() + ", before this decision's date (" +
                         tx.as_of.ToString() + "): rules published since may be missing from it");
  }
  for (const auto& field : tx.unknown_fields) {
    d.warnings.push_back("Unknown field \"" + field + "\" was ignored: it is not part of the transaction format (check its spelling; "
                         "strict mode refuses it)");
  }
}

}  // namespace

Engine::Engine(const Dataset& data) : data_(data), rules_(Compile(data)) {}

// The two postures can only disagree on a date where they bind different rules (before the AI
// Diffusion rule, for instance, they are the same text); then the alternate need not be computed.
bool Engine::PosturesDiffer(Date d) const {
  thread_local const CompiledRules* last_rules = nullptr;
  thread_local Date last_date;
  thread_local bool last_answer = true;
  if (last_rules == rules_.get() && last_date == d) return last_answer;
  last_rules = rules_.get();
  last_date = d;
  last_answer = false;
  for (size_t i = 0; i < kNumSteps; ++i) {
    const RuleDef* r = rules_->Step(i);
    if (r && r->ActiveOn(d, Posture::kEnforced) != r->ActiveOn(d, Posture::kCodified)) return last_answer = true;
  }
  return false;
}
Engine::~Engine() = default;

std::string NewDecisionId() {
  static std::atomic<uint64_t> counter{0};
  // splitmix64 seeded once per thread from the system's entropy: unique, unpredictable enough
  // for ids (not secrets), and cheap on the batch path.
  thread_local uint64_t state = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
           static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }();
  auto rng = [] {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng(), b = rng() ^ counter.fetch_add(1, std::memory_order_relaxed);
  std::string id = "dec_";
  id.resize(4 + 26);
  for (int i = 0; i < 16; ++i, a >>= 4) id[4 + i] = kHex[a & 15];
  for (int i = 0; i < 10; ++i, b >>= 4) id[20 + i] = kHex[b & 15];
  return id;
}

// A finding that shaped the outcome (not context, nor a rule that was weighed and did not bind).
static bool Binds(const Finding& f) { return f.effect != Effect::kInfo && f.effect != Effect::kNoLicenseRequired; }

// The outcome alone (rule ids, no text), with the Country Group sources checked.
Decision Engine::OutcomeOnly(const Transaction& tx, Posture posture, const DetermineOptions& options) const {
  Decision d;
  std::vector<GroupUse> uses;
  {
    Evaluation ev(data_, *rules_, tx, posture, options, /*explain=*/false);
    ev.TrackGroups(&uses, nullptr);
    ev.Run(d);
  }
  CheckMembershipSources(data_, *rules_, tx, posture, options, uses, d, /*explain=*/false);
  return d;
}

Decision Engine::Determine(const Transaction& tx, const DetermineOptions& options) const {
  const Posture posture = options.posture.value_or(tx.posture.value_or(Posture::kEnforced));
  Decision d;
  std::vector<GroupUse> uses;
  std::vector<Counterfactual> counterfactuals;
  {
    Evaluation ev(data_, *rules_, tx, posture, options);
    ev.TrackGroups(&uses, nullptr);
    if (options.explain_what_would_change) ev.ProposeCounterfactuals(&counterfactuals);
    ev.Run(d);
  }
  CheckMembershipSources(data_, *rules_, tx, posture, options, uses, d, /*explain=*/true);
  AddInputWarnings(data_, tx, d);
  // What a fact left out would change: only where the answer is not already a clearance.
  if (d.outcome == Outcome::kLicenseRequired || d.outcome == Outcome::kNeedsReview) {
    auto same = [](const auto& a, const auto& b) {
      return a.outcome == b.outcome && a.license_exception == b.license_exception && a.review_policy == b.review_policy;
    };
    std::optional<std::pair<double, double>> last_range;  // of the last entry, while it can grow
    for (const auto& c : counterfactuals) {
      Transaction given = tx;
      c.give(given);
      const Decision alt = OutcomeOnly(given, posture, options);
      if (c.range && last_range && d.would_change.back().field == c.field && last_range->second == c.range->first &&
          same(d.would_change.back(), alt)) {
        last_range->second = c.range->second;  // the neighbouring interval gives the same: one range
      } else if (same(alt, d)) {
        last_range.reset();
        continue;
      } else {
        d.would_change.push_back({c.field, c.value, alt.outcome, alt.license_exception, alt.review_policy, c.summary});
        last_range = c.range;
      }
      if (last_range) {
        const auto [low, high] = *last_range;
        d.would_change.back().summary =
            low == 0 ? "a die area of at most " + FormatTpp(high) + " mm2"
            : std::isinf(high) ? "a die area above " + FormatTpp(low) + " mm2"
                               : "a die area above " + FormatTpp(low) + " and at most " + FormatTpp(high) + " mm2";
      }
    }
  }
  d.decision_id = options.decision_id.empty() ? NewDecisionId() : options.decision_id;
  if (options.screener) d.list_versions = options.screener->ListVersions();
  if (options.compute_alternate && tx.as_of >= data_.first_effective() && PosturesDiffer(tx.as_of)) {
    const Posture other = posture == Posture::kEnforced ? Posture::kCodified : Posture::kEnforced;
    const Decision alt = OutcomeOnly(tx, other, options);
    if (alt.outcome != d.outcome || alt.license_exception != d.license_exception || alt.review_policy != d.review_policy) {
      AlternateOutcome a;
      a.posture = other;
      a.outcome = alt.outcome;
      a.license_exception = alt.license_exception;
      a.review_policy = alt.review_policy;
      // The rules that made the difference: present in one posture's reasons but not the other's.
      auto has = [](const Decision& x, std::string_view rule) {
        for (const auto& f : x.reasons) {
          if (f.rule == rule && Binds(f)) return true;
        }
        return false;
      };
      for (const auto& f : alt.reasons) {
        if (Binds(f) && !has(d, f.rule) &&
            std::find(a.rules.begin(), a.rules.end(), f.rule) == a.rules.end()) a.rules.emplace_back(f.rule);
      }
      for (const auto& f : d.reasons) {
        if (Binds(f) && !has(alt, f.rule) &&
            std::find(a.rules.begin(), a.rules.end(), f.rule) == a.rules.end()) a.rules.emplace_back(f.rule);
      }
      d.alternate = std::move(a);
      if (posture == Posture::kEnforced) {
        if (const RuleDef* r = rules_->Step(StepIndex("aid_not_enforced")); r && r->ActiveOn(tx.as_of, posture)) {
          Finding f;
          f.rule = r->id;
          f.citation = r->citation;
          f.summary = std::string("The codified AI Diffusion rule would give ") + OutcomeName(alt.outcome) +
                      "; BIS does not enforce it, but it remains in the CFR (legal risk)";
          f.effect = Effect::kInfo;
          d.reasons.push_back(std::move(f));
        }
      }
    }
  }
  return d;
}

}  // namespace exportctl

// Licenses the company holds (15 CFR 750.7): after an item's verdict, whether a license meets its
// license requirement. A license authorizes only what it states: the ECCN or chip of one of its
// lines, one of its destinations, the parties it names, on a date within its validity, up to what
// remains of each of its limits (units, TPP, USD: ledger accounts license:<number>:<measure>).
// It never outranks a prohibition, a doubt, or a listing of a party (ApplyLicense, combine.h).
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include "data/dataset.h"

#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {

constexpr std::string_view kRule = "license.held";
constexpr std::string_view kCitation = "15 CFR 750.7";
// Licenses whose party names are compared by the matcher when none names the consignee word for
// word: a bound on the cost of a check against thousands of licenses (see CandidatesAlike).
constexpr size_t kMaxAlike = 16;

std::string Amount(double v) {
  char buf[32];
  // A whole number (what limits and drawdowns are) printed as "%.0f" would, without its cost.
  if (v == std::floor(v) && std::fabs(v) < 1e15 && !(v == 0 && std::signbit(v))) {
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    return std::string(buf, r.ptr);
  }
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

bool LineCovers(const HeldLicense::Line& line, std::string_view eccn, std::string_view chip) {
  if (!line.chip.empty() && line.chip != chip) return false;
  if (line.eccn.empty()) return true;  // the chip alone
  if (eccn.empty()) return false;  // a line of an ECCN, and the item's class is not known
  // A whole entry ("3A090") covers its paragraphs ("3A090.a").
  return eccn == line.eccn || (eccn.size() > line.eccn.size() && eccn.substr(0, line.eccn.size()) == line.eccn &&
                               eccn[line.eccn.size()] == '.');
}

// A spec figure as written: "20000", "22.5".
std::string Figure(double v) {
  char buf[40];
  if (std::fabs(v) < 1e15 && v == std::floor(v)) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Whether the item is within a line's explicit specs: "" when it is (or the line states none),
// else why not. Figures are the classification's, per unit; one the line states that is not known
// for the item, or that rests on an estimated die area, does not fit (fail closed).
std::string SpecsFit(const HeldLicense::Line& line, const Classification& c, const ItemSpec& spec) {
  if (!line.has_specs()) return "";
  std::string why;
  auto bound = [&](const std::optional<double>& most, std::optional<double> has, std::string_view what, std::string_view unit,
                   std::string_view unsure = {}) {
    if (!most || !why.empty()) return;
    const std::string stated = std::string(what) + " " + Figure(*most) + std::string(unit);
    if (!has) why = "the item's " + std::string(what) + " is not known (the line is for items of at most " + stated + ")";
    else if (!unsure.empty()) why = "the item's " + std::string(what) + " " + std::string(unsure) + " (the line is for items of at most " + stated + ")";
    else if (*has > *most * (1 + 1e-9)) why = "the item's " + std::string(what) + " " + Figure(*has) + std::string(unit) + " is above the line's " + stated;
  };
  bound(line.tpp, c.tpp, "TPP", "");
  bound(line.performance_density, c.performance_density, "performance density", "",
        spec.die_area_verified ? std::string_view() : std::string_view("rests on an estimated die area"));
  bound(line.memory_bandwidth_gbps, spec.memory_bandwidth_gbps, "memory bandwidth", " GB/s");
  bound(line.interconnect_bandwidth_gbps, spec.interconnect_bandwidth_gbps, "interconnect bandwidth", " GB/s");
  return why;
}

// A line's explicit specs, as said: "TPP at most 20000, memory bandwidth at most 8000 GB/s".
std::string SpecsText(const HeldLicense::Line& line) {
  std::string out;
  auto add = [&](const std::optional<double>& v, std::string_view what, std::string_view unit) {
    if (!v) return;
    out += (out.empty() ? "" : ", ") + std::string(what) + " at most " + Figure(*v) + std::string(unit);
  };
  add(line.tpp, "TPP", "");
  add(line.performance_density, "performance density", "");
  add(line.memory_bandwidth_gbps, "memory bandwidth", " GB/s");
  add(line.interconnect_bandwidth_gbps, "interconnect bandwidth", " GB/s");
  return out;
}

bool RolesMatch(std::string_view licensed, PartyRole stated) {
  const std::string_view s = PartyRoleName(stated);
  // A license's ultimate consignee may be the end user too.
  return licensed == s || (stated == PartyRole::kEndUser && licensed == "ultimate_consignee");
}

// Every consignee and end user of the transaction named on the license: `named` when so, and
// `alike` when a party's name is only alike to the licensed one (the screening matcher's certain
// score, not the same words): the license may then be for another company, which an officer must
// rule out. `consignee_party` is the place on the license of the party the ultimate consignee was
// matched to.
// The texts (why not, how each was matched, which are only alike) are written only when `text` is
// given: an evaluation that is not explained reads the answer, never the words (the same loop
// decides both, so the answer cannot differ).
struct PartiesText {
  std::string why, matched, alike;
};
struct PartiesAnswer {
  bool named = false, alike = false;
  size_t consignee_party = 0;
};
PartiesAnswer PartiesNamed(const Evaluation& ev, const HeldLicense& l, bool exact_only, PartiesText* text) {
  PartiesAnswer out;
  bool consignee = false;
  for (const auto& p : ev.tx.parties) {
    if (p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser &&
        p.role != PartyRole::kIntermediateConsignee)
      continue;
    consignee = consignee || p.role == PartyRole::kUltimateConsignee;
    double best = 0;
    bool same = false;
    bool country_unstated = false;  // the name is the licensed one, the party's country is not said
    const HeldLicense::Party* best_party = nullptr;
    // The consignee and end user receive the items where they go: a license for several
    // destinations authorizes each named party in its own country only, so the order's
    // destination, the party's stated country and the licensed party's country must agree.
    const bool receives = p.role == PartyRole::kUltimateConsignee || p.role == PartyRole::kEndUser;
    const HeldLicense::Party* elsewhere = nullptr;  // the same name, licensed in another country
    for (const auto& lp : l.parties) {
      if (!RolesMatch(lp.role, p.role)) continue;
      if ((!p.country.empty() && !lp.country.empty() && p.country != lp.country) ||
          (receives && lp.country != ev.tx.destination)) {
        if (!elsewhere && ev.opt.licenses->SameName(lp.name, p.name)) elsewhere = &lp;
        continue;
      }
      const bool same_name = ev.opt.licenses->SameName(lp.name, p.name);
      if (same_name && (!p.country.empty() || lp.country.empty())) {
        same = true, best = 1, best_party = &lp;
        break;
      }
      if (exact_only) continue;
      const double score = same_name ? 1.0 : ev.opt.licenses->CompareNames(lp.name, p.name);
      if (score > best) best = score, best_party = &lp, country_unstated = same_name;
    }
    auto who = [&] { return std::string(PartyRoleName(p.role)) + " \"" + p.name + "\""; };
    if (!same && elsewhere) {
      if (text) {
        text->why = who() + " is named on it in " + elsewhere->country +
                    (p.country.empty() || p.country == elsewhere->country ? ", and the order's destination is " + ev.tx.destination
                                                                           : ", and the order states it in " + p.country) +
                    " (a license authorizes a named party only in its own country, which must be the order's destination)";
      }
      return out;
    }
    if (exact_only && !same) {
      if (text) text->why = who() + " is not named on it word for word";
      return out;
    }
    if (!best_party || best < kCertainNameMatch) {
      if (text) {
        text->why = who() + " is not named on it" +
                    (best_party ? " (closest: \"" + best_party->name + "\", name score " + FormatDouble(best) + ")" : "");
      }
      return out;
    }
    if (p.role == PartyRole::kUltimateConsignee) {
      out.consignee_party = static_cast<size_t>(best_party - l.parties.data());
    }
    if (!same) out.alike = true;
    if (!text) continue;
    std::string& matched = text->matched;
    if (!matched.empty()) matched += "; ";
    if (same) {
      matched += who() + " is named on it";
      continue;
    }
    matched += who() + " is alike to \"" + best_party->name + "\" (name score " + FormatDouble(best) + ")";
    std::string& alike = text->alike;
    if (!alike.empty()) alike += "; ";
    alike += country_unstated ? who() + " states no country, and the license names \"" + best_party->name + "\" in " + best_party->country
                              : who() + " is not the licensed \"" + best_party->name + "\" word for word (name score " + FormatDouble(best) + ")";
  }
  if (!consignee) {
    if (text) text->why = "the transaction names no ultimate consignee to match against the license";
    return out;
  }
  out.named = true;
  return out;
}

// A condition's words for reading: lower case, punctuation as spaces (digit groups keep their
// commas), "re-export" as "reexport".
std::string FoldCondition(std::string_view text) {
  std::string out = " ";
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(text[i]);
    const bool digit_comma = ch == ',' && i > 0 && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                             std::isdigit(static_cast<unsigned char>(text[i + 1]));
    if (std::isalnum(ch) || ch == '$' || digit_comma) out += static_cast<char>(std::tolower(ch));
    else if (out.back() != ' ') out += ' ';
  }
  if (out.back() != ' ') out += ' ';
  for (auto [from, to] : {std::pair<std::string_view, std::string_view>{" re export", " reexport"}, {" re transfer", " retransfer"},
                          {" end user", " enduser"}}) {
    for (size_t at = out.find(from); at != std::string::npos; at = out.find(from, at)) out.replace(at, from.size(), to);
  }
  return out;
}

bool HasAny(const std::string& folded, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (folded.find(w) != std::string::npos) return true;
  }
  return false;
}

LicenseCondition ReadCondition(std::string_view text);

}  // namespace

// A condition's reading depends on its words only: kept by the thread for each text read (a
// decision reads the conditions of the license it draws on in several evaluations and again for
// its obligations; a batch reads the same few licenses line after line).
LicenseCondition ReadLicenseCondition(std::string_view text) {
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  thread_local std::unordered_map<std::string, LicenseCondition, Hash, std::equal_to<>> read;
  if (auto it = read.find(text); it != read.end()) return it->second;
  const LicenseCondition c = ReadCondition(text);
  if (read.size() >= 4096) read.clear();  // bounded: a company's conditions are a few hundred texts
  read.emplace(std::string(text), c);
  return c;
}

namespace {

LicenseCondition ReadCondition(std::string_view text) {
  const std::string f = FoldCondition(text);
  LicenseCondition out;
  // A bar on reexport or transfer: the act named with a negation ("No reexport …", "Not to be
  // reexported", "Re-export prohibited", "No transfer (in-country)", "may not be retransferred").
  const bool act = HasAny(f, {" reexport", " retransfer", " transfer", " resale", " resell"});
  const bool negated = HasAny(f, {" no ", " not ", " never ", " prohibit", " forbid", " barred ", " without ", " cannot ", " nor "});
  if (act && negated) {
    out.kind = LicenseCondition::Kind::kNoReexportOrTransfer;
    return out;
  }
  // A cap per customer in units: "per-customer cap of 75,000 units", "not more than 75,000 units
  // to any single customer", "maximum of 75000 units per end user". A cap in dollars or TPP is not
  // read (an officer confirms it).
  const bool per_customer = HasAny(f, {" per customer", " each customer", " any customer", " any single customer",
                                       " any one customer", " single customer", " customer cap", " per enduser", " each enduser",
                                       " any enduser", " per consignee", " each consignee", " per buyer", " each buyer"});
  const bool capped = HasAny(f, {" cap", " more than ", " maximum", " max ", " up to ", " at most ", " exceed", " limit"});
  if (per_customer && capped && !HasAny(f, {"$", " usd", " dollar", " tpp", " value"})) {
    int64_t cap = 0;
    int numbers = 0;
    for (size_t i = 0; i < f.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(f[i])) || f[i - 1] != ' ') continue;
      size_t j = i;
      int64_t n = 0;
      while (j < f.size() && (std::isdigit(static_cast<unsigned char>(f[j])) || f[j] == ',')) {
        if (f[j] != ',') n = n * 10 + (f[j] - '0');
        if (n > 1'000'000'000) break;
        ++j;
      }
      if (j < f.size() && f[j] != ' ') continue;  // "4th", "3a090": not a count
      ++numbers;
      cap = n;
      i = j;
    }
    if (numbers == 1 && cap > 0) {  // one count only: two numbers are read by an officer
      out.kind = LicenseCondition::Kind::kCustomerCap;
      out.cap = cap;
      return out;
    }
  }
  if (HasAny(f, {" report"})) out.kind = LicenseCondition::Kind::kReporting;
  return out;
}

}  // namespace

std::string LicenseConditionObligation(const std::string& number, const std::string& text) {
  std::string o = "License " + number + " condition (15 CFR 750.7): " + text;
  const LicenseCondition c = ReadLicenseCondition(text);
  switch (c.kind) {
    case LicenseCondition::Kind::kNoReexportOrTransfer:
      return o + " (read as a bar on reexport and transfer (in-country): checked against this order's activity; it binds the items after shipment)";
    case LicenseCondition::Kind::kCustomerCap:
      return o + " (read as at most " + std::to_string(c.cap) + " units to each customer: drawn on the consignee's own account of the license)";
    case LicenseCondition::Kind::kReporting:
      return o + " (read as a reporting obligation after shipment: not machine-checked)";
    case LicenseCondition::Kind::kUnread:
      break;
  }
  return o + " (not machine-checked: the engine does not read this condition; an officer must confirm the shipment meets it)";
}

namespace {

// Conditions the engine can check against the transaction: a reexport or transfer under a license
// that bars them (ReadLicenseCondition).
std::string BrokenCondition(const Evaluation& ev, const HeldLicense& l) {
  if (ev.tx.activity != Activity::kReexport && ev.tx.activity != Activity::kTransfer) return "";
  for (const std::string& c : l.conditions) {
    if (ReadLicenseCondition(c).kind == LicenseCondition::Kind::kNoReexportOrTransfer) {
      return std::string("the transaction is a ") + ActivityName(ev.tx.activity) + " and the license's condition says \"" + c + "\"";
    }
  }
  return "";
}

// A condition on reexport in words the engine does not read ("Reexports require prior BIS
// approval"): on a reexport it may forbid or condition the very shipment, so the license is not
// taken to authorize it until an officer has read it. Only a bar read as such (BrokenCondition)
// is checked.
std::string UnreadReexportCondition(const Evaluation& ev, const HeldLicense& l) {
  if (ev.tx.activity != Activity::kReexport) return "";
  for (const std::string& c : l.conditions) {
    if (FoldCondition(c).find("reexport") == std::string::npos) continue;  // "re-export" is folded to it
    if (ReadLicenseCondition(c).kind == LicenseCondition::Kind::kNoReexportOrTransfer) continue;
    return "the transaction is a reexport and the license's condition \"" + c +
           "\" on reexport is not one the engine reads (not machine-checked)";
  }
  return "";
}

// How a measure is said: "units needed remain on its line 1" / "units of line 1"; a customer's
// account by the party's name on the license (`customer`).
std::string NeedText(const std::string& measure, const std::string& customer) {
  if (measure.rfind("line", 0) == 0) return "units needed remain on its line " + measure.substr(4);
  if (measure.rfind("customer=", 0) == 0) return "units needed remain of its per-customer cap for \"" + customer + "\"";
  return measure + " needed remain";
}
std::string DrawText(const std::string& measure, const std::string& customer) {
  if (measure.rfind("line", 0) == 0) return "units of line " + measure.substr(4);
  if (measure.rfind("customer=", 0) == 0) return "units of the per-customer cap for \"" + customer + "\"";
  return measure;
}

// The smallest per-customer cap among a license's conditions (units), nullopt when none.
std::optional<int64_t> CustomerCap(const HeldLicense& l) {
  std::optional<int64_t> cap;
  for (const std::string& c : l.conditions) {
    const LicenseCondition r = ReadLicenseCondition(c);
    if (r.kind == LicenseCondition::Kind::kCustomerCap) cap = std::min(cap.value_or(r.cap), r.cap);
  }
  return cap;
}

// The version of a license an order dated `d` is weighed against: the one in force then, or
// version 1 when none is yet (it then fails on its issuing date).
const HeldLicense* InForce(const HeldLicense& latest, Date d) {
  if (const HeldLicense* v = latest.InForceOn(d)) return v;
  const HeldLicense* first = &latest;
  while (first->previous) first = first->previous;
  return first;
}

// The steps whose license requirement is the item's own, to its destination: what a license for
// the item and destination is granted for. A requirement of any other rule (an end use, the
// parties' headquarters, an is-informed letter) the license does not say it weighed.
constexpr StepId kItemDestinationSteps[] = {StepId::kLicenseArea3a090, StepId::kWorldwideLicenseA, StepId::kLicenseAreaB,
                                            StepId::kHbmLicense,       StepId::kH200CaseByCase,    StepId::kCountryAllocation,
                                            StepId::kModelWeights4e091};

#if defined(__GNUC__)
#define KEY_INLINE __attribute__((always_inline)) inline
#else
#define KEY_INLINE inline
#endif

// The key's parts, each of fixed size or with its length first, so two keys are equal only when
// every part is. Written into a buffer kept by the thread (a key is built in every evaluation).
class KeyWriter {
 public:
  explicit KeyWriter(std::string& buf) : buf_(buf) {
    if (buf_.size() < 512) buf_.resize(512);
  }
  template <typename T>
  KEY_INLINE void Put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    Raw(&v, sizeof v);
  }
  KEY_INLINE void Text(std::string_view s) {
    Put(s.size());
    Raw(s.data(), s.size());
  }
  KEY_INLINE void Optional(const std::optional<double>& v) {
    Put(v.has_value());
    Put(v.value_or(0.0));
  }
  std::string_view view() const { return std::string_view(buf_.data(), at_); }

 private:
  KEY_INLINE void Raw(const void* p, size_t n) {
    if (at_ + n > buf_.size()) [[unlikely]] buf_.resize(std::max(buf_.size() * 2, at_ + n));
    std::memcpy(buf_.data() + at_, p, n);
    at_ += n;
  }
  std::string& buf_;
  size_t at_ = 0;
};

}  // namespace

namespace {
// Whether two transactions are the same order for the memo: what LicenseMemo::For keys by.
bool SameOrder(const Transaction& a, const Transaction& b) {
  if (&a == &b) return true;
  if (a.destination != b.destination || a.as_of.days() != b.as_of.days() || a.reference != b.reference ||
      a.license != b.license || a.activity != b.activity || a.parties.size() != b.parties.size())
    return false;
  for (size_t i = 0; i < a.parties.size(); ++i) {
    const auto &p = a.parties[i], &q = b.parties[i];
    if (p.role != q.role || p.name != q.name || p.country != q.country) return false;
  }
  return true;
}
}  // namespace

LicenseMemo::Order& LicenseMemo::For(const Transaction& tx) {
  if (!SameOrder(own_tx_, tx)) return Keyed(tx);
  if (!own_order_) own_order_ = &Keyed(own_tx_);  // unordered_map: the entry does not move
  return *own_order_;
}

LicenseMemo::Order& LicenseMemo::Keyed(const Transaction& tx) {
  // Asked once per evaluation (dozens per decision): the key is built in buffers kept by the
  // thread, and a new entry's key allocated only when the order is new.
  thread_local std::string buffer, key;
  KeyWriter k(buffer);
  k.Text(tx.destination);
  k.Put(tx.as_of.days());
  k.Text(tx.reference);
  k.Text(tx.license);
  k.Put(tx.activity);
  k.Put(tx.parties.size());
  for (const auto& p : tx.parties) {
    k.Put(p.role);
    k.Text(p.name);
    k.Text(p.country);
  }
  key.assign(k.view());
  if (auto it = orders_.find(key); it != orders_.end()) return it->second;
  return orders_[key];
}

namespace {

// What Weigh reads besides the order (the LicenseMemo::Order is keyed by the transaction's
// parties, destination, date, reference, named license and activity): the views, the item, its
// class and verdict so far, whether a prohibition holds, the license requirements found (the
// transaction's and the item's), the party requirements, the Unverified List parties, and what
// earlier items drew. A part that differs in any way is another key (fail closed: a miss only
// weighs again).
void VerdictKey(KeyWriter& k, const Evaluation& ev, size_t i, const Classification& c, const ItemVerdict& v,
                const ItemResult& ir) {
  k.Put(&ev.rules);
  k.Put(ev.opt.licenses);
  k.Put(ev.opt.allocations);
  k.Put(ev.explain);
  k.Put(ev.date.days());
  k.Put(i);
  k.Put(v.outcome);
  k.Put(v.exception.has_value());
  if (v.exception) k.Put(*v.exception);
  k.Put(v.policy);
  k.Put(v.draws_country_allocation);
  k.Put(v.unresolved);
  const TransactionItem& ti = ev.tx.items[i];
  k.Put(ti.quantity);
  k.Optional(ti.value_usd);
  k.Put(ti.spec.catalog);
  k.Put(ti.spec.die_area_verified);
  k.Optional(ti.spec.memory_bandwidth_gbps);
  k.Optional(ti.spec.interconnect_bandwidth_gbps);
  k.Put(c.determinate);
  k.Put(c.eccn);
  k.Optional(c.tpp);
  k.Optional(c.performance_density);
  k.Text(ir.label);
  k.Put(ir.total_tpp);
  k.Put(ev.tx_effects.Has(Effect::kProhibited));
  const int idx = static_cast<int>(i);
  for (const Finding& f : ev.findings) {
    if (f.effect != Effect::kLicenseRequired || (f.item >= 0 && f.item != idx)) continue;
    k.Put('f');
    k.Put(f.item);
    k.Text(f.rule);
    k.Text(f.citation);
    k.Text(f.summary);
  }
  for (const Requirement& q : ev.party_requirements.view()) {
    k.Put('q');
    k.Text(q.rule);
  }
  for (const std::string& l : ev.unverified_listings) {
    k.Put('u');
    k.Text(l);
  }
  for (const LicenseUse& u : ev.license_uses) {
    k.Put('l');
    k.Text(u.number);
    k.Put(u.version);
    k.Text(u.expires);
    k.Put(u.partial);
    k.Text(u.revoked_from);
    k.Put(u.items.size());
    for (int item : u.items) k.Put(item);
    for (const LicenseDrawdown& d : u.drawdowns) {
      k.Put('d');
      k.Text(d.measure);
      k.Put(d.amount);
      k.Put(d.limit);
      k.Put(d.remaining_after);
    }
  }
}

}  // namespace

// Weighs the licenses for one item (HeldLicenseStep's work, every time).
static ItemVerdict Weigh(Evaluation& ev, const TransactionFacts& facts, size_t i, const Classification& c, ItemVerdict v,
                         ItemResult& ir) {
  const LicenseView* view = ev.opt.licenses;
  const TransactionItem& ti = ev.tx.items[i];
  const int idx = static_cast<int>(i);
  const std::string_view eccn = c.determinate ? std::string_view(EccnName(c.eccn)) : std::string_view();
  const std::string_view chip = ti.spec.catalog ? std::string_view(ti.spec.catalog->name) : std::string_view();
  thread_local Finding dropped;
  auto note = [&](Effect e, auto&& text) -> Finding& {
    // Context changes no outcome: an evaluation that is not explained does not keep it (as
    // Evaluation::Add), so it is neither stored nor replayed.
    if (!ev.explain && e == Effect::kInfo) return dropped;
    Finding f;
    f.rule = kRule;
    f.citation = kCitation;
    f.summary = ev.Render(text);
    f.effect = e;
    f.item = idx;
    ev.findings.push_back(std::move(f));
    return ev.findings.back();
  };

  // A prohibition on the transaction (SDN, Denied Persons, …): no license is weighed against it.
  if (ev.tx_effects.Has(Effect::kProhibited)) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": a prohibition holds; no license the company holds overrides it"));
    return v;
  }
  std::vector<const HeldLicense*> candidates;
  if (!ev.tx.license.empty()) {
    const HeldLicense* named = view->Find(ev.tx.license);
    if (!named) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": the transaction names license " + ev.tx.license +
                                  ", which the company does not hold (licenses list); the item still needs a license"));
      return v;
    }
    candidates.push_back(named);
  }
  // The licenses a check reads, without the named one: those naming the ultimate consignee word
  // for word, then (only if none does) those naming a party that shares a word with it.
  std::string_view consignee;
  for (const auto& p : ev.tx.parties) {
    if (p.role == PartyRole::kUltimateConsignee) {
      consignee = p.name;
      break;
    }
  }
  size_t sharing_a_word = 0;  // licenses naming a party that shares a word with the consignee
  if (ev.license_memo && !ev.license_order) ev.license_order = &ev.license_memo->For(ev.tx);
  LicenseMemo::Order* memo = ev.license_order;
  auto lookup = [&](bool exact_names) {
    if (!ev.tx.license.empty()) return;
    candidates.clear();
    if (consignee.empty()) return;
    LicenseMemo::Lookup* kept = nullptr;
    if (memo) {
      std::string key(exact_names ? "n\x1f" : "a\x1f");
      key.append(eccn).append("\x1f").append(chip);
      auto [it, fresh] = memo->lookups.try_emplace(std::move(key));
      if (!fresh) {
        candidates = it->second.found;
        sharing_a_word = it->second.sharing;
        return;
      }
      kept = &it->second;
    }
    if (exact_names) {
      view->CandidatesNaming(ev.tx.destination, eccn, chip, consignee, candidates);
    } else {
      sharing_a_word = view->CandidatesAlike(ev.tx.destination, eccn, chip, consignee, kMaxAlike, candidates);
    }
    if (kept) kept->found = candidates, kept->sharing = sharing_a_word;
  };
  // PartiesNamed, once per license version and pass in a decision; its texts only when asked
  // (`text`: an explained evaluation writes a reason with them).
  LicenseMemo::PartyMatch unkept;  // without a memo: the last answer
  auto parties_named = [&](const HeldLicense& l, bool exact_only, bool text) -> const LicenseMemo::PartyMatch& {
    LicenseMemo::PartyMatch* m = &unkept;
    bool fresh = true;
    if (memo) {
      auto [it, inserted] = memo->parties.try_emplace({&l, exact_only});
      m = &it->second;
      fresh = inserted;
    } else {
      unkept = {};
    }
    if (fresh || (text && !m->written)) {
      PartiesText t;
      const PartiesAnswer a = PartiesNamed(ev, l, exact_only, text ? &t : nullptr);
      m->named = a.named, m->alike = a.alike, m->consignee_party = a.consignee_party;
      if (text) {
        m->written = true;
        m->why = std::move(t.why), m->matched = std::move(t.matched), m->alike_text = std::move(t.alike);
      }
    }
    return *m;
  };
  // A license account's balance, read once per decision.
  auto balance = [&](const AllocationQuery& q) -> Result<AllocationBalance> {
    if (!memo) return ev.opt.allocations->Balance(q);
    std::string key = q.license + '\x1f' + q.measure + '\x1f' + std::to_string(reinterpret_cast<uintptr_t>(ev.opt.allocations));
    auto it = memo->balances.find(key);
    if (it == memo->balances.end()) it = memo->balances.emplace(std::move(key), ev.opt.allocations->Balance(q)).first;
    return it->second;
  };

  size_t other_parties = 0;  // licenses found for the item and destination that name other parties
  std::string first_other;
  // A license that covers only part of the item is said only when no other covers the whole.
  std::optional<LicenseUse> partial_use;
  std::string partial_note;
  // Weighs one license: nullopt to go on with the next, else the item's verdict. With
  // exact_names, a license whose parties are not the transaction's word for word is passed over
  // without the matcher (a company may hold thousands of licenses for one chip and destination):
  // the second pass weighs those, only when no license named the parties exactly.
  std::vector<const HeldLicense*> weighed;
  bool named_exactly = false;  // a license named the parties word for word: no second pass
  auto weigh = [&](const HeldLicense* latest, bool exact_names) -> std::optional<ItemVerdict> {
    weighed.push_back(latest);
    // The version in force on the order's date decides: an amendment binds orders dated from the
    // day it takes effect, a revocation those dated on or after it. Before version 1 took effect
    // (its issuing date) nothing is in force: weighed as version 1, it is not yet valid.
    const HeldLicense* l = InForce(*latest, ev.date);
    // Said only where a reason is written (a decision's evaluations are mostly not explained).
    auto name = [&]() -> std::string {
      return "License " + l->number + " (version " + std::to_string(l->version) +
             (l == latest ? std::string()
              : latest->revoked
                  ? ", in force on " + ev.date.ToString() + "; revoked with effect from " + latest->effective.ToString()
                  : ", in force on " + ev.date.ToString() + "; version " + std::to_string(latest->version) +
                        " takes effect on " + latest->effective.ToString()) +
             ")";
    };
    size_t line_index = 0;
    const HeldLicense::Line* line = nullptr;
    std::string outside_specs;  // why the item is outside the specs of a line of its ECCN
    for (size_t k = 0; k < l->lines.size(); ++k) {
      if (!LineCovers(l->lines[k], eccn, chip)) continue;
      if (std::string off = SpecsFit(l->lines[k], c, ti.spec); !off.empty()) {
        if (outside_specs.empty()) {
          outside_specs = "lists " + l->lines[k].eccn + " only within explicit specs (line " + std::to_string(k + 1) + ": " +
                          SpecsText(l->lines[k]) + "), and " + off;
        }
        continue;
      }
      line = &l->lines[k];
      line_index = k;
      break;
    }
    std::string why;  // why it does not cover, "" when it does
    bool would_cover = true;  // but for expiry, revocation or what remains
    if (!line) {
      why = !outside_specs.empty() ? outside_specs
                                   : "does not list " + (eccn.empty() ? std::string("the item's class") : std::string(eccn)) +
                                         (chip.empty() ? "" : " or " + std::string(chip));
      would_cover = false;
    } else if (std::find(l->destinations.begin(), l->destinations.end(), ev.tx.destination) == l->destinations.end()) {
      why = "does not authorize the destination " + ev.tx.destination;
      would_cover = false;
    }
    bool alike = false;  // a party's name is only alike to the licensed one
    size_t consignee_party = 0;
    if (why.empty()) {
      const LicenseMemo::PartyMatch& m = parties_named(*l, exact_names, false);
      if (!m.named) {
        if (exact_names) {
          weighed.pop_back();  // weighed again by the matcher if no license names them exactly
          return std::nullopt;
        }
        // Found by item and destination, it names other parties: counted, the first said (a
        // company may hold hundreds for one destination); said only by an explained evaluation.
        if (ev.tx.license.empty()) {
          if (other_parties++ == 0 && ev.explain) {
            first_other = name() + " does not name the parties: " + parties_named(*l, exact_names, true).why;
          }
          return std::nullopt;
        }
        why = ev.explain ? "does not name the parties: " + parties_named(*l, exact_names, true).why
                         : std::string("does not name the parties");
        would_cover = false;
      } else {
        alike = m.alike;
        consignee_party = m.consignee_party;
        if (exact_names) named_exactly = true;
      }
    }
    if (why.empty() && l->revoked) {
      why = "was revoked" + (l->revocation_reason.empty() ? "" : " (" + l->revocation_reason + ")") + " with effect from " +
            l->effective.ToString() + " and authorizes nothing";
    } else if (why.empty() && ev.date > l->expires) {
      why = "expired on " + l->expires.ToString();
    } else if (why.empty() && ev.date < l->issued) {
      why = "is not valid before its issuing date " + l->issued.ToString();
    }
    if (!why.empty()) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name() + (would_cover ? " would cover this item but " : " ") + why));
      return std::nullopt;
    }

    // What the item draws on each limit, and what remains of it (ledger less earlier items): the
    // line's own units, the units of every line with a quantity, TPP, USD.
    struct Need {
      std::string measure;
      double amount = 0, limit = 0, remaining = 0;  // remaining: before this item
    };
    std::vector<Need> needs;
    if (line->quantity) {
      needs.push_back({LicenseLineMeasure(line_index), static_cast<double>(ti.quantity), static_cast<double>(*line->quantity)});
      needs.push_back({"units", static_cast<double>(ti.quantity), *l->units_limit()});
    }
    // A per-customer cap among its conditions: the units the consignee has received under the
    // license, on its own account (the consignee's place on the license).
    // The account is the party's own (who it is, not its place on the license): an amendment that
    // reorders or adds parties keeps what each customer received.
    std::string customer;
    if (const std::optional<int64_t> cap = CustomerCap(*l)) {
      const HeldLicense::Party& cp = l->parties[consignee_party];
      customer = cp.name;
      needs.push_back({LicenseCustomerMeasure(cp.customer), static_cast<double>(ti.quantity), static_cast<double>(*cap)});
    }
    if (l->tpp_limit) {
      if (!c.tpp) why = "has a TPP limit, and the item's TPP is not known";
      needs.push_back({"tpp", ir.total_tpp, *l->tpp_limit});
    }
    if (l->value_usd_limit && why.empty()) {
      // A value limit counts what the shipment is worth: a shipment said to be worth nothing
      // cannot be shown to fit it.
      if (!ti.value_usd) why = "has a value limit, and the item states no value_usd";
      else if (*ti.value_usd <= 0) why = "has a value limit, and the item's value_usd is 0 (state what the shipment is worth)";
      else needs.push_back({"usd", *ti.value_usd, *l->value_usd_limit});
    }
    for (Need& n : needs) {
      if (!why.empty()) break;
      if (!ev.opt.allocations) { why = "cannot be drawn down: the ledger is not available, so what remains of it is not known"; break; }
      AllocationQuery q;
      q.account = AllocationQuery::Account::kLicense;
      q.license = l->number;
      q.measure = n.measure;
      q.as_of = ev.date;
      q.reference = ev.tx.reference;
      auto bal = balance(q);
      if (!bal.ok()) { why = "cannot be drawn down: its account could not be read (" + bal.status().message() + ")"; break; }
      double drawn = 0;
      for (const auto& u : ev.license_uses) {
        if (u.number != l->number) continue;
        for (const auto& d : u.drawdowns) drawn += d.measure == n.measure ? d.amount : 0;
      }
      n.remaining = n.limit - bal->used - drawn;
    }
    if (!why.empty()) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name() + " " + why));
      return std::nullopt;
    }
    bool fits = true, exhausted = false;
    std::string part;  // what it would cover, measure by measure
    for (const Need& n : needs) {
      if (n.remaining + 1e-9 >= n.amount) continue;
      fits = false;
      exhausted = exhausted || n.remaining <= 0;
      if (!part.empty()) part += "; ";
      part += Amount(std::max(0.0, n.remaining)) + " of the " + Amount(n.amount) + " " + NeedText(n.measure, customer);
    }
    if (!fits && exhausted) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name() + " would cover this item but is exhausted (" + part + ")"));
      return std::nullopt;
    }
    LicenseUse use{.number = l->number, .version = l->version, .expires = l->expires.ToString(), .items = {idx}, .partial = !fits, .drawdowns = {},
                   .revoked_from = latest->revoked ? latest->effective.ToString() : std::string()};
    if (!fits) {
      // Part of the item only: said once no other license covers the whole of it.
      if (!partial_use) {
        partial_use = std::move(use);
        partial_note = ir.label + ": " + name() + " covers only part of this item: " + part +
                       "; the rest still needs a license (ship at most what remains under it, or apply)";
      }
      return std::nullopt;
    }
    for (const Need& n : needs) use.drawdowns.push_back({n.measure, n.amount, n.limit, n.remaining - n.amount});
    auto draws = [&] {
      std::string out;
      for (const Need& n : needs) {
        if (!out.empty()) out += ", ";
        out += Amount(n.amount) + " " + DrawText(n.measure, customer) + " (" + Amount(n.remaining - n.amount) + " of " +
               Amount(n.limit) + " remain after)";
      }
      return out;
    };
    auto valid = [&] {
      return " (valid " + l->issued.ToString() + " through " + l->expires.ToString() + "; " +
             parties_named(*l, exact_names, true).matched + ")";
    };
    // What the license may not have weighed: an officer weighs both. A party on a list with its
    // own license requirement (the license may predate the listing; 15 CFR 744.11); a requirement
    // of another rule than the item's own to its destination; a name only alike; a condition the
    // transaction breaks.
    LicenseCover cover = LicenseCover::kWhole;
    auto unweighed = [&](const std::string& what) {
      cover = LicenseCover::kUnweighed;
      note(Effect::kUnresolved, EXPLAIN(ir.label + ": " + name() + " would authorize this item" + valid() + ", but " + what +
                                        "; an officer must review both"));
    };
    auto from_party_rule = [&](const Finding& f) {
      for (const Requirement& q : ev.party_requirements.view()) {
        if (q.rule == f.rule) return true;
      }
      return false;
    };
    auto item_destination_rule = [&](const Finding& f) {
      for (StepId s : kItemDestinationSteps) {
        const RuleDef* r = ev.rules.Step(s);
        if (r && r->id == f.rule) return true;
      }
      return false;
    };
    for (const Finding& f : ev.findings) {
      if (f.effect != Effect::kLicenseRequired) continue;
      if (f.item < 0 && from_party_rule(f)) {
        // The requirements on every item from the parties or the destination (Entity List,
        // Affiliates Rule, embargo).
        const RuleDef* embargo = ev.rules.Step(StepId::kEmbargo);
        if (embargo && f.rule == embargo->id) {
          cover = LicenseCover::kNone;
          note(Effect::kInfo, EXPLAIN(ir.label + ": " + name() + " would cover this item, but does not override the embargo: " + f.summary));
          break;
        }
        unweighed(f.summary + " (" + std::string(f.citation) + "): a listing the license does not override");
      } else if (f.item == idx && !item_destination_rule(f)) {
        unweighed(f.summary + " (" + std::string(f.citation) + "): a requirement the license does not say it was granted for");
      }
    }
    if (cover == LicenseCover::kNone) return v;
    // The Unverified List sets no license requirement of its own (15 CFR 744.15 suspends license
    // exceptions and asks a UVL statement where no license is required), but a listed party is a
    // red flag to resolve before proceeding (Supp. No. 3 to part 732); the license may predate
    // the listing, so an officer weighs both.
    for (const std::string& listing : ev.unverified_listings) {
      unweighed(listing + ": an unverified party is a red flag the license does not say BIS weighed (Supp. No. 3 to part 732)");
    }
    if (alike) unweighed(ev.explain ? parties_named(*l, exact_names, true).alike_text + ": confirm it is the licensed party" : std::string());
    // A license authorizes its holder: an exporter that is another company is not shown to ship
    // under it (an exporter not stated is taken to be the company that holds its licenses).
    for (const auto& p : ev.tx.parties) {
      if (p.role != PartyRole::kExporter || l->holder.empty() || ev.opt.licenses->SameName(l->holder, p.name)) continue;
      unweighed("the license is held by \"" + l->holder + "\" and the transaction's exporter is \"" + p.name + "\"");
    }
    if (std::string broken = BrokenCondition(ev, *l); !broken.empty()) unweighed(broken);
    else if (std::string unread = UnreadReexportCondition(ev, *l); !unread.empty()) unweighed(unread);
    const ItemVerdict out = ApplyLicense(v, cover);
    if (out.outcome == Outcome::kLicensed) {
      note(Effect::kLicensed, EXPLAIN(ir.label + ": authorized under " + name() + valid() + "; draws " + draws()));
      ir.license = l->number;
      ev.license_uses.push_back(std::move(use));
    } else if (cover == LicenseCover::kWhole) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name() + " would authorize this item" + valid() +
                                  ", but a fact left open holds it for review"));
    }
    return out;
  };
  for (bool exact_names : {true, false}) {
    if (!exact_names && named_exactly) break;
    lookup(exact_names);
    for (const HeldLicense* l : candidates) {
      if (std::find(weighed.begin(), weighed.end(), l) != weighed.end()) continue;
      if (auto verdict = weigh(l, exact_names)) return *verdict;
    }
  }
  if (partial_use) {
    note(Effect::kInfo, EXPLAIN(partial_note));
    ev.license_uses.push_back(std::move(*partial_use));
    return v;
  }
  if (!ev.explain) return v;
  if (sharing_a_word > kMaxAlike) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": " + std::to_string(sharing_a_word) + " licenses for this item and destination name a party sharing a word with \"" +
                                std::string(consignee) + "\"; the " + std::to_string(kMaxAlike) +
                                " sharing the most were compared by the name matcher, none names it word for word"));
  }
  // What the decision says of the other licenses for the item and destination: the first that
  // names other parties, how many more do, or that none lists the item there.
  // Counted in the index, not listed: the item and destination may have thousands.
  size_t listed = candidates.size(), unweighed = 0;
  const HeldLicense* first_unweighed = nullptr;
  if (ev.tx.license.empty()) {
    listed = view->CountCandidates(ev.tx.destination, eccn, chip, weighed, &unweighed, &first_unweighed);
  } else {
    for (const HeldLicense* latest : candidates) {
      if (std::find(weighed.begin(), weighed.end(), latest) != weighed.end()) continue;
      if (unweighed++ == 0) first_unweighed = latest;
    }
  }
  if (first_unweighed && other_parties == 0) {
    const HeldLicense* l = InForce(*first_unweighed, ev.date);
    first_other = "License " + l->number + " (version " + std::to_string(l->version) + ") does not name the parties: " +
                  parties_named(*l, false, true).why;
  }
  other_parties += unweighed;
  if (other_parties > 0) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": " + first_other +
                                (other_parties > 1 ? " (and " + std::to_string(other_parties - 1) +
                                                         " more license(s) for this item and destination name other parties)"
                                                   : std::string())));
  }
  if (listed == 0) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": no license the company holds lists " +
                                (eccn.empty() ? std::string("this item") : std::string(eccn)) + (chip.empty() ? "" : " / " + std::string(chip)) +
                                " to " + ev.tx.destination));
  }
  (void)facts;
  return v;
}

ItemVerdict HeldLicenseStep(Evaluation& ev, const TransactionFacts& facts, size_t i, const Classification& c,
                            ItemVerdict v, ItemResult& ir) {
  if (!ev.opt.licenses || v.outcome != Outcome::kLicenseRequired) return v;
  // The explained evaluation weighs afresh (its reasons are text); the others, dozens per
  // decision (the other posture, the Country Group answers and the facts tried), replay the
  // answer of an earlier evaluation whose inputs were the same, byte for byte.
  if (!ev.license_memo || ev.explain) return Weigh(ev, facts, i, c, v, ir);
  if (!ev.license_order) ev.license_order = &ev.license_memo->For(ev.tx);
  thread_local std::string buffer;
  KeyWriter writer(buffer);
  VerdictKey(writer, ev, i, c, v, ir);
  thread_local std::string key;  // the look-up's key, its capacity kept
  key.assign(writer.view());
  auto& kept_verdicts = ev.license_order->verdicts;
  if (auto it = kept_verdicts.find(key); it != kept_verdicts.end()) {
    const LicenseMemo::Order::Kept& kept = it->second;
    ev.findings.insert(ev.findings.end(), kept.findings.begin(), kept.findings.end());
    ev.license_uses.insert(ev.license_uses.end(), kept.uses.begin(), kept.uses.end());
    if (kept.license) ir.license = *kept.license;
    return kept.verdict;
  }
  const size_t findings_before = ev.findings.size(), uses_before = ev.license_uses.size();
  const std::string license_before = ir.license;
  LicenseMemo::Order::Kept kept;
  kept.verdict = Weigh(ev, facts, i, c, v, ir);
  kept.findings.assign(ev.findings.begin() + static_cast<std::ptrdiff_t>(findings_before), ev.findings.end());
  kept.uses.assign(ev.license_uses.begin() + static_cast<std::ptrdiff_t>(uses_before), ev.license_uses.end());
  if (ir.license != license_before) kept.license = ir.license;
  const ItemVerdict out = kept.verdict;
  kept_verdicts.emplace(key, std::move(kept));
  return out;
}

}  // namespace exportctl::steps

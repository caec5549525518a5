#include "simulate/simulate.h"
#include "simulate/scenario.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <deque>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "audit/idempotency.h"
#include "core/validate.h"
#include "reservation/reservation.h"
#include "screen/csv.h"

namespace exportctl::simulate {

Result<PolicySet> ParsePolicySet(const std::string& argument) {
  const size_t eq = argument.find('=');
  if (eq == std::string::npos) {
    auto posture = ParsePosture(argument);
    if (!posture.ok())
      return Status::Invalid("--policy", "unknown policy set \"" + argument +
                                             "\": use enforced, codified, or NAME=FILE");
    return PolicySet{argument, *posture, "built-in"};
  }
  const std::string id = argument.substr(0, eq), file = argument.substr(eq + 1);
  if (id.empty() || file.empty())
    return Status::Invalid("--policy", "\"" + argument + "\": expected NAME=FILE");
  if (id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
      std::string::npos)
    return Status::Invalid("--policy", "policy set name \"" + id + "\": use letters, digits, '_', '.', '-'");
  EXPORTCTL_RETURN_IF_ERROR(CheckInputFile("--policy", file));
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::Invalid("--policy", "cannot open " + file);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid(file, "not a JSON object");
  auto p = ParsePolicyObject(j, file, file);  // errors name the file as given
  if (p.ok()) p->id = id;
  return p;
}

Result<PolicySet> ParsePolicyObject(const nlohmann::json& j, const std::string& source, const std::string& f,
                                    std::initializer_list<const char*> extra_keys) {
  PolicySet p;
  p.source = source;
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    const bool extra = std::any_of(extra_keys.begin(), extra_keys.end(), [&](const char* k) { return key == k; });
    if (!extra && key != "posture" && key != "description" && key != "overlays" && key != "tiers" && key != "caps" &&
        key != "affiliates_stay_extended_through")
      return Status::Invalid((source == f ? f + ".policy." : f + ".") + key, "not a policy set field (known: posture, description, overlays, tiers, caps, "
                                            "affiliates_stay_extended_through)");
  }
  if (!j.contains("posture") || !j["posture"].is_string())
    return Status::Invalid(f + ".posture", "required: \"enforced\" or \"codified\"");
  auto posture = ParsePosture(j["posture"].get<std::string>());
  if (!posture.ok()) return posture.status().WithFieldPrefix(f);
  p.posture = *posture;
  if (j.contains("description")) {
    if (!j["description"].is_string()) return Status::Invalid(f + ".description", "must be a string");
    p.description = j["description"].get<std::string>();
  }
  if (j.contains("overlays")) {
    if (!j["overlays"].is_array()) return Status::Invalid(f + ".overlays", "must be a list of overlay ids or files");
    for (size_t i = 0; i < j["overlays"].size(); ++i) {
      const auto& o = j["overlays"][i];
      if (!o.is_string() || o.get<std::string>().empty())
        return Status::Invalid(f + ".overlays[" + std::to_string(i) + "]", "must be an overlay id or file");
      p.overlay_names.push_back(o.get<std::string>());
    }
  }
  if (j.contains("tiers")) {
    if (!j["tiers"].is_object()) return Status::Invalid(f + ".tiers", "must be an object {\"CC\": 1 or 2}");
    for (const auto& [code, tier] : j["tiers"].items()) {
      const std::string field = f + ".tiers." + code;
      if (code.size() != 2 || !std::isupper(static_cast<unsigned char>(code[0])) || !std::isupper(static_cast<unsigned char>(code[1])))
        return Status::Invalid(field, "\"" + code + "\" is not an upper-case ISO 3166 code");
      if (!tier.is_number_integer() || (tier.get<int>() != 1 && tier.get<int>() != 2))
        return Status::Invalid(field, "must be 1 or 2 (tier 3 is Country Group D:5 and Macau, 742.6(b)(10)(iii)(A)(1): "
                                      "change D:5 membership in the country data instead)");
      p.tiers[code] = tier.get<int>();
    }
  }
  if (j.contains("caps")) {
    if (!j["caps"].is_object()) return Status::Invalid(f + ".caps", "must be an object");
    for (const auto& [name, v] : j["caps"].items()) {
      const std::string field = f + ".caps." + name;
      if (name != "country_allocation_tpp" && name != "lpp_tpp_per_consignee_per_year")
        return Status::Invalid(field, "not a cap (known: country_allocation_tpp, lpp_tpp_per_consignee_per_year)");
      if (!v.is_number() || !(v.get<double>() >= 0) || v.get<double>() > 1e12)
        return Status::Invalid(field, "must be a TPP figure from 0 to 1e12");
      (name == "country_allocation_tpp" ? p.country_allocation_tpp : p.lpp_tpp_per_consignee_per_year) = v.get<double>();
    }
  }
  if (j.contains("affiliates_stay_extended_through")) {
    const auto& v = j["affiliates_stay_extended_through"];
    auto d = v.is_string() ? Date::Parse(v.get<std::string>()) : Result<Date>(Status::Invalid("", "must be a date (YYYY-MM-DD)"));
    if (!d.ok()) return Status::Invalid(f + ".affiliates_stay_extended_through", d.status().message());
    p.affiliates_stay_extended_through = *d;
  }
  return p;
}

namespace {

Result<nlohmann::json> ReadRegime(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!in.good() && !in.eof()) return Status::Error(ErrorCode::kDataError, file.string(), "cannot be read");
  if (j.is_discarded() || !j.contains("parameters")) return Status::Error(ErrorCode::kDataError, file.string(), "not a regime file");
  return j;
}

}  // namespace

Status PreparePolicyData(PolicySet& p, const std::string& regulatory_data_dir) {
  if (!p.ChangesData()) return Status::Ok();
  namespace fs = std::filesystem;
  const std::string& f = p.source;
  std::error_code ec;
  // One directory per call: a server prepares the policy sets of concurrent requests.
  static std::atomic<uint64_t> serial{0};
  const fs::path dir = fs::temp_directory_path() / ("exportctl-policy-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(serial++) + "-" + p.id);
  fs::remove_all(dir, ec);
  fs::copy(regulatory_data_dir, dir, fs::copy_options::recursive, ec);
  if (ec) return Status::Error(ErrorCode::kUnavailable, f, "cannot copy the regulatory data: " + ec.message());
  struct Cleanup {
    fs::path d;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(d, e);
    }
  } cleanup{dir};
  // The changes, written where an operator would write them.
  const fs::path aid_file = dir / "regimes" / "ai-diffusion-2025.json";
  auto aid = ReadRegime(aid_file);
  if (!aid.ok()) return aid.status();
  auto& params = (*aid)["parameters"];
  if (!p.tiers.empty()) {
    std::vector<std::string> tier1 = params["tier1_destinations"]["value"].get<std::vector<std::string>>();
    for (const auto& [code, tier] : p.tiers) {
      tier1.erase(std::remove(tier1.begin(), tier1.end(), code), tier1.end());
      if (tier == 1) tier1.push_back(code);
    }
    params["tier1_destinations"]["value"] = tier1;
  }
  if (p.country_allocation_tpp) params["country_allocation_tpp"]["value"] = *p.country_allocation_tpp;
  if (p.lpp_tpp_per_consignee_per_year) params["lpp_tpp_per_consignee_per_year"]["value"] = *p.lpp_tpp_per_consignee_per_year;
  std::ofstream(aid_file, std::ios::trunc) << aid->dump(2);
  if (p.affiliates_stay_extended_through) {
    const fs::path aff_file = dir / "regimes" / "affiliates-2025.json";
    auto aff = ReadRegime(aff_file);
    if (!aff.ok()) return aff.status();
    (*aff)["parameters"]["stay_extended_through"]["value"] = p.affiliates_stay_extended_through->ToString();
    std::ofstream(aff_file, std::ios::trunc) << aff->dump(2);
  }
  auto data = std::make_shared<PolicyData>();
  auto loaded = LoadRegulatoryData(dir.string());
  if (!loaded.ok()) return Status::Invalid(f, "the policy set's data does not load: " + loaded.status().ToString());
  data->dataset = std::move(loaded).value();
  for (const auto& [code, tier] : p.tiers)
    if (!data->dataset->ResolveCountry(code).ok()) return Status::Invalid(f + ".tiers." + code, "unknown country");
  auto rules = ledger::AllocationRules::Load(dir.string());
  if (!rules.ok()) return Status::Invalid(f, "the policy set's allocation rules do not load: " + rules.status().ToString());
  data->rules = std::make_unique<ledger::AllocationRules>(std::move(rules).value());
  data->engine = std::make_unique<Engine>(*data->dataset);
  p.data = std::move(data);
  return Status::Ok();
}

std::string QuarterOf(Date d) { return std::to_string(d.year()) + "-Q" + std::to_string(d.quarter()); }

namespace {

// Parses and validates one order; `where` ("orders.jsonl:7") prefixes any error's field.
Result<Order> MakeOrder(std::string text, size_t line, const std::string& where, const Dataset& data, Date today) {
  auto tx = ParseTransaction(text, data, today);
  if (!tx.ok()) return tx.status().WithFieldPrefix(where);
  Order o;
  o.origin = where;
  o.line = line;
  o.reference = tx->reference.empty() ? "line-" + std::to_string(line) : tx->reference;
  o.as_of = tx->as_of;
  o.destination = tx->destination;
  for (const auto& item : tx->items) o.units += item.quantity;
  o.text = std::move(text);
  return o;
}

// The first order (in the order given) whose reference an earlier order already has, if any.
// Sorted hashes, not a hash set: a million references are checked without a million nodes.
std::optional<size_t> FirstRepeatedReference(const std::vector<Order>& orders) {
  std::vector<std::pair<uint64_t, uint32_t>> hashed(orders.size());
  for (uint32_t i = 0; i < hashed.size(); ++i) hashed[i] = {std::hash<std::string_view>()(orders[i].reference), i};
  std::sort(hashed.begin(), hashed.end());
  std::optional<size_t> first;
  for (size_t g = 0; g < hashed.size();) {
    size_t end = g + 1;
    while (end < hashed.size() && hashed[end].first == hashed[g].first) ++end;
    // One hash, in input order: an order repeats when an earlier one of the run has its reference.
    for (size_t i = g + 1; i < end; ++i)
      for (size_t j = g; j < i; ++j)
        if (orders[hashed[j].second].reference == orders[hashed[i].second].reference) {
          if (!first || hashed[i].second < *first) first = hashed[i].second;
          break;
        }
    g = end;
  }
  return first;
}

// Date order, stable; every reference once.
Status SortAndCheck(std::vector<Order>& orders) {
  if (const auto repeated = FirstRepeatedReference(orders)) {
    const Order& o = orders[*repeated];
    return Status::Invalid(o.origin + ".reference",
                           "\"" + o.reference + "\" is used by an earlier order: a ledger reserves a reference once");
  }
  auto by_date = [](const Order& a, const Order& b) { return a.as_of < b.as_of; };
  if (std::is_sorted(orders.begin(), orders.end(), by_date)) return Status::Ok();
  // Sorted through their indexes: an order is moved once, not at every step of the sort.
  std::vector<uint32_t> index(orders.size());
  for (uint32_t i = 0; i < index.size(); ++i) index[i] = i;
  std::stable_sort(index.begin(), index.end(), [&](uint32_t a, uint32_t b) { return orders[a].as_of < orders[b].as_of; });
  // Applied in place, cycle by cycle (a second vector of a million orders is memory not needed).
  for (uint32_t i = 0; i < index.size(); ++i) {
    if (index[i] == i) continue;
    Order held = std::move(orders[i]);
    uint32_t at = i;
    for (uint32_t from = index[at]; from != i; from = index[at]) {
      orders[at] = std::move(orders[from]);
      index[at] = at;
      at = from;
    }
    orders[at] = std::move(held);
    index[at] = at;
  }
  return Status::Ok();
}

// Ids that orders alike but for their reference share (Order::content), unique in the process.
uint64_t NewContentId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// Skips one JSON value of valid JSON text from `i`; npos when the text ends first.
size_t SkipJsonValue(std::string_view t, size_t i) {
  int depth = 0;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '"') {
      for (++i; i < t.size() && t[i] != '"'; ++i)
        if (t[i] == '\\') ++i;
      if (i >= t.size()) return std::string_view::npos;
      if (depth == 0) return i + 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;  // the end of a scalar at the end of its container
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
      return i;
    }
  }
  return depth == 0 ? i : std::string_view::npos;
}

// A validated transaction's text without its top-level "reference" member (and the comma that
// joined it): two orders whose texts agree without it are the same transaction but for the
// reference. Nullopt when the text is not read that simply (a key spelt with escapes, two
// references): such an order shares nothing.
std::optional<std::string> WithoutReference(std::string_view t) {
  auto ws = [&](size_t i) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n')) ++i;
    return i;
  };
  size_t i = ws(0);
  if (i >= t.size() || t[i] != '{') return std::nullopt;
  size_t cut_from = std::string_view::npos, cut_to = 0, last_comma = std::string_view::npos;
  for (i = ws(i + 1); i < t.size() && t[i] != '}';) {
    const size_t member = i;
    if (t[i] != '"') return std::nullopt;
    const size_t key_end = SkipJsonValue(t, i);
    if (key_end == std::string_view::npos) return std::nullopt;
    const std::string_view key = t.substr(i + 1, key_end - i - 2);
    i = ws(key_end);
    if (i >= t.size() || t[i] != ':') return std::nullopt;
    i = SkipJsonValue(t, ws(i + 1));
    if (i == std::string_view::npos) return std::nullopt;
    const size_t value_end = i;
    i = ws(i);
    const bool comma = i < t.size() && t[i] == ',';
    if (key == "reference") {
      if (cut_from != std::string_view::npos) return std::nullopt;
      if (comma) {
        cut_from = member, cut_to = i + 1;
      } else if (last_comma != std::string_view::npos) {
        cut_from = last_comma, cut_to = value_end;
      } else {
        cut_from = member, cut_to = value_end;
      }
    }
    if (comma) last_comma = i, i = ws(i + 1);
  }
  if (i >= t.size()) return std::nullopt;
  std::string out(t);
  if (cut_from != std::string_view::npos) out.erase(cut_from, cut_to - cut_from);
  return out;
}

// Gives the orders of one source their content ids: alike but for the reference, one id.
void AssignContentIds(std::vector<Order>& orders) {
  std::unordered_map<std::string, uint64_t> ids;
  for (auto& o : orders) {
    auto key = WithoutReference(o.text);
    if (!key) {
      o.content = NewContentId();
      continue;
    }
    auto [it, inserted] = ids.try_emplace(std::move(*key), 0);
    if (inserted) it->second = NewContentId();
    o.content = it->second;
  }
}

}  // namespace

Result<std::vector<Order>> ReadOrders(std::istream& in, const std::string& file_name, const Dataset& data,
                                      Date today) {
  std::vector<Order> orders;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto o = MakeOrder(std::move(line), n, file_name + ":" + std::to_string(n), data, today);
    if (!o.ok()) return o.status();
    orders.push_back(std::move(o).value());
  }
  if (in.bad()) return Status::Error(ErrorCode::kUnavailable, file_name, "read error");
  AssignContentIds(orders);
  EXPORTCTL_RETURN_IF_ERROR(SortAndCheck(orders));
  return orders;
}

Result<std::vector<Order>> MergeOrders(std::vector<Order> a, std::vector<Order> b) {
  if (b.empty()) return a;  // each source came sorted and checked
  if (a.empty()) return b;
  a.reserve(a.size() + b.size());
  for (auto& o : b) a.push_back(std::move(o));
  EXPORTCTL_RETURN_IF_ERROR(SortAndCheck(a));
  return a;
}

namespace {

// The consignee a demand profile stands for, in the destination country.
Result<nlohmann::json> ProfileParty(const std::string& profile, const std::string& country) {
  std::string name, hq;
  if (profile == "local") {
    name = "Local compute (" + country + ")", hq = country;
  } else if (profile == "us_headquartered") {
    name = "US cloud subsidiary (" + country + ")", hq = "US";
  } else if (profile == "china_headquartered") {
    name = "China-headquartered subsidiary (" + country + ")", hq = "CN";
  } else {
    return Status::Invalid("consignee_profile",
                           "unknown profile \"" + profile + "\" (local, us_headquartered, china_headquartered)");
  }
  // A party_id per profile and country: each is its own consignee (its own LPP allowance).
  return nlohmann::json{{"role", "ultimate_consignee"}, {"name", name}, {"party_id", "demand-" + profile + "-" + country},
                        {"country", country},
                        {"headquarters", hq}, {"ultimate_parent_headquarters", hq}};
}

Result<int64_t> PositiveInt(const std::string& text, const char* field) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0)
    return Status::Invalid(field, "\"" + text + "\" is not a whole number above 0");
  return v;
}

}  // namespace

Result<std::vector<Order>> ExpandDemand(std::istream& in, const std::string& file_name, const Dataset& data,
                                        Date today, size_t max_orders) {
  const auto rows = screen::ReadCsv(in);
  if (in.bad()) return Status::Error(ErrorCode::kUnavailable, file_name, "read error");
  const std::vector<std::string> columns = {"country", "quarter", "chip", "quantity", "consignee_profile", "orders"};
  if (rows.empty() || rows[0].size() < 5 || rows[0].size() > 6 ||
      !std::equal(rows[0].begin(), rows[0].end(), columns.begin()))
    return Status::Invalid(file_name + ":1", "the header must be country,quarter,chip,quantity,consignee_profile[,orders]");
  std::vector<Order> orders;
  size_t expected = 0;  // room for the orders the rows ask for (the rows are checked below)
  for (size_t r = 1; r < rows.size(); ++r) {
    int64_t n = 1;
    if (rows[r].size() == 6 && std::from_chars(rows[r][5].data(), rows[r][5].data() + rows[r][5].size(), n).ec != std::errc()) n = 1;
    expected += static_cast<size_t>(std::clamp<int64_t>(n, 1, 1 << 20));
  }
  orders.reserve(std::min(expected, max_orders));
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const std::string where = file_name + ":" + std::to_string(r + 1);
    if (row.size() == 1 && row[0].empty()) continue;  // a blank line
    if (row.size() != rows[0].size())
      return Status::Invalid(where, std::to_string(row.size()) + " fields, the header has " + std::to_string(rows[0].size()));
    // "2026-Q3": its first day and its length.
    const std::string& q = row[1];
    int year = 0;
    const bool quarter_ok = q.size() == 7 && q[4] == '-' && q[5] == 'Q' && q[6] >= '1' && q[6] <= '4' &&
                            std::from_chars(q.data(), q.data() + 4, year).ec == std::errc();
    if (!quarter_ok) return Status::Invalid(where + ".quarter", "\"" + q + "\" is not a quarter like 2026-Q3");
    const unsigned first_month = static_cast<unsigned>(q[6] - '1') * 3 + 1;
    const Date start = Date::FromYmd(year, first_month, 1);
    const Date next = first_month == 10 ? Date::FromYmd(year + 1, 1, 1) : Date::FromYmd(year, first_month + 3, 1);
    auto quantity = PositiveInt(row[3], "quantity");
    if (!quantity.ok()) return quantity.status().WithFieldPrefix(where);
    auto count = row.size() == 6 && !row[5].empty() ? PositiveInt(row[5], "orders") : Result<int64_t>(int64_t{1});
    if (!count.ok()) return count.status().WithFieldPrefix(where);
    if (*count > *quantity) return Status::Invalid(where + ".orders", "more orders than units");
    if (static_cast<uint64_t>(*count) > max_orders - orders.size())
      return Status::Invalid(where + ".orders", "the demand expands to more than " + std::to_string(max_orders) + " orders");
    auto party = ProfileParty(row[4], row[0]);
    if (!party.ok()) return party.status().WithFieldPrefix(where);
    const int32_t days = next.days() - start.days();
    // The row's transaction, written once per quantity (the first orders take one unit more): an
    // order is that text with its own date and reference, as nlohmann writes it (keys sorted,
    // "as_of" first and "reference" last; a date and "demand-R-K" need no escaping).
    struct Shape {
      int64_t units = 0;
      std::string middle;  // from the comma after "as_of" to the comma before "reference"
      uint64_t content = 0;
    };
    std::vector<Shape> shapes;
    auto shape_of = [&](int64_t units) -> const Shape& {
      for (const auto& sh : shapes)
        if (sh.units == units) return sh;
      const std::string text = nlohmann::json{{"reference", ""}, {"as_of", ""}, {"destination", row[0]},
                                              {"items", {{{"chip", row[2]}, {"quantity", units}}}},
                                              {"parties", {*party}}}.dump();
      constexpr std::string_view kHead = R"({"as_of":"")", kTail = R"("reference":""})";
      if (text.size() < kHead.size() + kTail.size() || text.compare(0, kHead.size(), kHead) != 0 ||
          text.compare(text.size() - kTail.size(), kTail.size(), kTail) != 0)
        std::abort();  // nlohmann writes object keys in order: cannot happen
      shapes.push_back({units, text.substr(kHead.size(), text.size() - kHead.size() - kTail.size()), NewContentId()});
      return shapes.back();
    };
    const std::string row_reference = "demand-" + std::to_string(r + 1) + "-";
    // The row's last order, validated: an order of the same quantity and date validates alike.
    size_t checked = SIZE_MAX;
    for (int64_t k = 0; k < *count; ++k) {
      const int64_t units = *quantity / *count + (k < *quantity % *count ? 1 : 0);
      const Date as_of = Date::FromDays(start.days() + static_cast<int32_t>(k * days / *count));
      const Shape& shape = shape_of(units);
      std::string reference = row_reference + std::to_string(k + 1);
      std::string text;
      text.reserve(shape.middle.size() + reference.size() + 40);
      text.append(R"({"as_of":")").append(as_of.ToString()).append("\"").append(shape.middle);
      text.append(R"("reference":")").append(reference).append("\"}");
      if (checked != SIZE_MAX && orders[checked].units == units && orders[checked].as_of == as_of) {
        Order o;
        o.origin = where;
        o.line = r + 1;
        o.text = std::move(text);
        o.reference = std::move(reference);
        o.as_of = as_of;
        o.destination = orders[checked].destination;
        o.units = units;
        o.content = shape.content;
        orders.push_back(std::move(o));
        continue;
      }
      auto o = MakeOrder(std::move(text), r + 1, where, data, today);
      if (!o.ok()) {
        // Name the demand's column, not the transaction built from it.
        Status st = o.status();
        const std::string f = st.field();
        const std::string column = f == where + ".destination" ? "country"
                                   : f.rfind(where + ".items[0].chip", 0) == 0 ? "chip"
                                   : f.rfind(where + ".items[0]", 0) == 0 ? "quantity" : "";
        if (!column.empty()) return Status::Invalid(where + "." + column, st.message());
        return st;
      }
      o->content = shape.content;
      checked = orders.size();
      orders.push_back(std::move(o).value());
    }
  }
  EXPORTCTL_RETURN_IF_ERROR(SortAndCheck(orders));
  return orders;
}

namespace {

// A balance a decision read, with the question asked: what tells when an allocation ran out, and
// what an evaluation reused for a later order must find unchanged.
struct BalanceRead {
  AllocationQuery query;
  AllocationBalance answer;
  uint64_t version = 0;  // postings written on the account (Lane::versions) when last confirmed
};

class RecordingView : public AllocationView {
 public:
  explicit RecordingView(const AllocationView* inner) : inner_(inner) {}
  Result<AllocationBalance> Balance(const AllocationQuery& q) const override {
    auto b = inner_->Balance(q);
    if (b.ok())
      reads_.push_back({q, *b});
    else
      failed_ = true;
    return b;
  }
  std::vector<BalanceRead>& reads() const { return reads_; }
  bool failed() const { return failed_; }

 private:
  const AllocationView* inner_;
  mutable std::vector<BalanceRead> reads_;
  mutable bool failed_ = false;
};

// An evaluation kept for the orders after it on the same date that are the same transaction but
// for their reference (Order::content).
struct Kept {
  Decision decision;  // as the engine gave it, before any reservation
  Transaction tx;     // the transaction (with the reference of the order evaluated)
  std::vector<BalanceRead> reads;
  bool reserves = false;
};
struct KeptKey {
  uint64_t content;
  int32_t day;
  bool operator==(const KeptKey&) const = default;
};
struct KeptKeyHash {
  size_t operator()(const KeptKey& k) const { return std::hash<uint64_t>()(k.content * 0x9E3779B97F4A7C15ULL ^ static_cast<uint32_t>(k.day)); }
};

constexpr size_t kOutcomeCount = static_cast<size_t>(Outcome::kLicensed) + 1;
using OutcomeTallies = std::array<Tally, kOutcomeCount>;

// One policy set's run: its own ledger and what it has seen.
struct Lane {
  PolicySet policy;
  // Its data, engine and allocation rules: the run's, or the policy set's own (PolicyData).
  const Dataset* dataset = nullptr;
  const Engine* engine = nullptr;
  const ledger::AllocationRules* allocation_rules = nullptr;
  std::unique_ptr<ledger::AllocationRules> rules;  // when its agreements raise a cap
  std::unique_ptr<ledger::Ledger> ledger;
  PolicySummary summary;
  std::set<std::pair<std::string, std::string>> exhausted;  // (account, period) already reported
  // A chunk's decisions, by order: in `own`, or an evaluation in `kept`. Two chunks are held: the
  // one being decided, and the one before it, whose answers are being summed up meanwhile.
  struct Chunk {
    std::vector<const Decision*> decisions;
    std::deque<Decision> own;
    std::vector<std::unique_ptr<Kept>> retired;  // replaced in this chunk: its decisions may be in use
  };
  std::array<Chunk, 2> chunks;
  Chunk* out = &chunks[0];
  std::unordered_map<KeptKey, std::unique_ptr<Kept>, KeptKeyHash> kept;
  std::unordered_map<std::string, uint64_t> versions;  // account → postings written on it
  uint64_t VersionOf(const std::string& account) const {
    const auto v = versions.find(account);
    return v == versions.end() ? 0 : v->second;
  }
  // Stamps what an evaluation read with the accounts' versions before the order's own postings.
  void Stamp(std::vector<BalanceRead>& reads) const {
    for (auto& read : reads) read.version = VersionOf(read.answer.account);
  }
  // Transactions parsed on this policy set's data, by Order::content: orders alike are the same
  // transaction but for their reference and date (ParseTransaction reads nothing else from the
  // date), so one parse serves every date. Bounded: cleared when it grows past kParsedKept.
  std::unordered_map<uint64_t, Transaction> parsed;
  OutcomeTallies totals{};
  std::vector<OutcomeTallies> by_bucket;  // by (country, quarter): Run's buckets
};

// A country agreement's quota as its overlay states it (the ledger's quota account carries no cap
// of its own: each reservation states the limit).
struct QuotaLimit {
  double limit = 0;
  std::string measure;  // "units" or "tpp"
};
std::optional<QuotaLimit> QuotaLimitOf(const std::vector<const Agreement*>& overlays, const ledger::AccountKey& key) {
  for (const Agreement* a : overlays)
    for (const AgreementChange& ch : a->changes) {
      if (ch.kind != AgreementChangeKind::kQuota || AgreementQuotaName(*a, ch) != key.party) continue;
      if (key.product == "units" && ch.units) return QuotaLimit{static_cast<double>(*ch.units), "units"};
      if (key.product == "tpp" && ch.tpp) return QuotaLimit{*ch.tpp, "tpp"};
    }
  return std::nullopt;
}

double OrderTpp(const Decision& d) {
  double tpp = 0;
  for (const auto& item : d.items) tpp += item.total_tpp;
  return tpp;
}

// What an order's decision read and reserved tells of the allocations: those that ran out with it
// (the summary's exhausted), each drawn account's burn-down, and the accounts it wrote on.
Status AccountFor(Lane& lane, const Order& order, const Decision& decision, const std::vector<BalanceRead>& reads,
                  const std::vector<ledger::Posting>& written) {
  // Ran out: an account already drawn on had less left than the order needed (an order larger
  // than a whole untouched allocation is too big, not a sign of exhaustion), or nothing was left
  // after what it reserved. A quota's limit is its overlay's, in its own measure.
  const double tpp = OrderTpp(decision);
  if (!written.empty()) ++lane.summary.reserving;
  std::map<std::string, double> reserved_on;
  for (const auto& p : written) reserved_on[p.account] += p.tpp();
  for (const auto& read : reads) {
    const AllocationBalance& b = read.answer;
    if (read.query.account == AllocationQuery::Account::kAiaCertification) continue;  // a trigger, not a cap
    auto key = ledger::AccountKey::Parse(b.account);
    if (!key.ok()) continue;
    std::optional<QuotaLimit> quota;
    if (key->kind == ledger::AccountKind::kAgreementQuota) {
      quota = QuotaLimitOf(lane.policy.overlays, *key);
      if (!quota) continue;
    } else if (key->CarriesLimit()) {
      continue;  // a license's limit is its own, not an allocation
    }
    auto period = lane.allocation_rules->Period(*key, order.as_of);
    if (!period.ok()) continue;
    const double cap = quota ? quota->limit : b.cap;
    const double need = quota && quota->measure == "units" ? static_cast<double>(order.units) : tpp;
    const double remaining = cap - b.used;
    const auto mine = reserved_on.find(b.account);
    const bool reserved_here = mine != reserved_on.end();
    const double left_after = remaining - (reserved_here ? mine->second : 0.0);
    if ((b.used > 0 && remaining < need && !reserved_here) || left_after <= 1e-9) {
      if (lane.exhausted.insert({b.account, *period}).second)
        lane.summary.exhausted.push_back({b.account, *period, cap, order.as_of, order.reference, std::max(0.0, remaining),
                                          quota ? quota->measure : "tpp"});
    }
  }
  for (const auto& p : written) {
    ++lane.versions[p.account];
    auto key = ledger::AccountKey::Parse(p.account);
    // AIA counts toward a trigger, not a cap; a license's limit is its own.
    if (!key.ok() || lane.allocation_rules->IsTrigger(key->kind) || key->kind == ledger::AccountKind::kLicense) continue;
    std::optional<QuotaLimit> quota;
    if (key->kind == ledger::AccountKind::kAgreementQuota && !(quota = QuotaLimitOf(lane.policy.overlays, *key))) continue;
    auto balance = lane.ledger->GetBalance(*key, order.as_of);
    if (!balance.ok()) return balance.status();
    AccountBurn& burn = lane.summary.burn[p.account + " (" + p.period + ")"];
    burn.cap_tpp = quota ? std::optional<double>(quota->limit) : balance->cap_tpp;
    if (quota) burn.measure = quota->measure;
    const double held = balance->reserved_tpp + balance->used_tpp;
    if (!burn.points.empty() && burn.points.back().date == order.as_of)
      burn.points.back().held_tpp = held;
    else
      burn.points.push_back({order.as_of, held});
  }
  return Status::Ok();
}

DetermineOptions OptionsFor(const Services& s, const Lane& lane, const std::string& decision_id) {
  DetermineOptions options;
  options.posture = lane.policy.posture;
  options.screener = s.screener;
  options.ownership = s.ownership;
  options.decision_id = decision_id;
  options.compute_alternate = false;  // the other policy sets are the alternates
  options.explain_what_would_change = false;
  options.overlays = lane.policy.overlays;
  return options;
}

// The plain path: the order decided and reserved as `check --reserve` does it.
Status DecideOne(const Services& s, Lane& lane, const Order& order, const Transaction& tx) {
  // The same identity, and so the same ledger keys, as `check --reserve` gives the order.
  auto identity = audit::IdentifyRetry("simulate", "", tx.reference);
  if (!identity.ok()) return identity.status();
  std::unique_ptr<RecordingView> watch;
  ReserveOptions ro{.idempotency_key = identity->ledger_key};
  ro.wrap_allocations = [&watch](const AllocationView* v) -> const AllocationView* {
    watch = std::make_unique<RecordingView>(v);
    return watch.get();
  };
  auto reserved = ReserveForDecision(*lane.engine, *lane.ledger, tx, OptionsFor(s, lane, identity->decision_id), ro);
  if (!reserved.ok()) return reserved.status();
  lane.summary.evaluated += static_cast<size_t>(reserved->attempts);
  lane.out->own.push_back(std::move(reserved->decision));
  lane.out->decisions.push_back(&lane.out->own.back());
  return AccountFor(lane, order, lane.out->own.back(), watch ? watch->reads() : std::vector<BalanceRead>(), reserved->written);
}

// Whether every balance a kept evaluation read is still what it was. An account no posting was
// written on since is unchanged (its balance is its own postings'; the lane's ledger is written
// by this run only); another is read again, for this order.
bool StillHolds(Lane& lane, const Order& order, Kept& kept) {
  for (auto& read : kept.reads) {
    const std::string& account = read.answer.account;
    const uint64_t version = lane.VersionOf(account);
    // An H200 China account's cap is another account's (h200-us): read again.
    const bool own_postings_only = account.rfind("h200-", 0) != 0;
    if (own_postings_only && version == read.version) continue;
    AllocationQuery q = read.query;
    q.reference = order.reference;
    const ledger::LedgerAllocationView view(*lane.ledger, order.reference);  // the order's ledger key
    auto b = view.Balance(q);
    if (!b.ok() || b->cap != read.answer.cap || b->used != read.answer.used || b->account != read.answer.account ||
        b->note != read.answer.note)
      return false;
    read.version = version;
  }
  return true;
}

// The fast path. Orders the same transaction but for their reference, on one date, reading
// balances that have not changed, get the same decision: the engine's answer depends on the
// transaction, its date, the policy set and the balances it reads, and the reference only names
// the decision and the order's own earlier reservations, of which a fresh ledger whose references
// are each used once (and hold no '/', so that no key of one order is another's) has none. So
// such an order is not evaluated again: the kept decision stands for it (shared when it reserves
// nothing), and what it reserves is reserved for it, in date order, as for any order.
// `alike_later`: a later order is this one's transaction on its date (only then is an evaluation
// kept; the last order alike lets it go).
// `own`: each order gets its own decision (Services::own_decisions); else orders alike share
// the evaluation's decision even when they reserve, and the postings are not written into it.
Status DecideReusing(const Services& s, Lane& lane, const Order& order, bool alike_later, bool own) {
  const KeptKey key{order.content, order.as_of.days()};
  auto found = order.content ? lane.kept.find(key) : lane.kept.end();
  Kept* kept = found == lane.kept.end() ? nullptr : found->second.get();
  // The last order alike: the evaluation is not kept past this chunk (its decision may be this order's).
  auto let_go = [&] {
    if (kept && !alike_later) {
      lane.out->retired.push_back(std::move(found->second));
      lane.kept.erase(found);
    }
  };
  if (kept && StillHolds(lane, order, *kept)) {
    if (!kept->reserves) {
      lane.out->decisions.push_back(&kept->decision);  // nothing ran out that had not with the order evaluated
      let_go();
      return Status::Ok();
    }
    auto identity = audit::IdentifyRetry("simulate", "", order.reference);
    if (!identity.ok()) return identity.status();
    if (!own) {
      kept->tx.reference = order.reference;
      auto reserved = ReservePostingsFor(*lane.engine, *lane.ledger, kept->tx, kept->decision, identity->decision_id,
                                         {.idempotency_key = identity->ledger_key});
      if (!reserved.ok()) return reserved.status();
      if (*reserved) {
        lane.out->decisions.push_back(&kept->decision);
        const Status st = AccountFor(lane, order, kept->decision, kept->reads, (*reserved)->written);
        let_go();
        return st;
      }
    } else {
      Decision d = kept->decision;
      d.reference = order.reference;
      d.decision_id = identity->decision_id;
      kept->tx.reference = order.reference;
      auto reserved = ReserveDecided(*lane.engine, *lane.ledger, kept->tx, std::move(d),
                                     {.idempotency_key = identity->ledger_key});
      if (!reserved.ok()) return reserved.status();
      if (*reserved) {
        lane.out->own.push_back(std::move((*reserved)->decision));
        lane.out->decisions.push_back(&lane.out->own.back());
        const Status st = AccountFor(lane, order, lane.out->own.back(), kept->reads, (*reserved)->written);
        let_go();
        return st;
      }
    }
    // Refused: decided again from the start below, as `check --reserve` would.
  }
  // Evaluated: the transaction parsed on the policy set's data (or taken from the kept one).
  std::optional<Transaction> parsed;
  if (kept) {
    parsed = kept->tx;
    let_go();
  } else if (auto known = order.content ? lane.parsed.find(order.content) : lane.parsed.end();
             known != lane.parsed.end()) {
    parsed = known->second;
    parsed->as_of = order.as_of;
  } else {
    auto tx = ParseTransaction(order.text, *lane.dataset, order.as_of);
    if (!tx.ok()) return tx.status().WithFieldPrefix(order.origin);
    parsed = std::move(tx).value();
    if (order.content) {
      constexpr size_t kParsedKept = 4096;
      if (lane.parsed.size() >= kParsedKept) lane.parsed.clear();
      lane.parsed.emplace(order.content, *parsed);
    }
  }
  parsed->reference = order.reference;
  auto identity = audit::IdentifyRetry("simulate", "", order.reference);
  if (!identity.ok()) return identity.status();
  const ledger::LedgerAllocationView ledger_view(*lane.ledger, identity->ledger_key);
  const RecordingView view(&ledger_view);
  DetermineOptions options = OptionsFor(s, lane, identity->decision_id);
  options.allocations = &view;
  Decision decision = lane.engine->Determine(*parsed, options);
  ++lane.summary.evaluated;
  if (!own) {
    auto reserved = ReservePostingsFor(*lane.engine, *lane.ledger, *parsed, decision, decision.decision_id,
                                       {.idempotency_key = identity->ledger_key});
    if (!reserved.ok()) return reserved.status();
    if (!*reserved) return DecideOne(s, lane, order, *parsed);  // refused: as `check --reserve` goes on
    lane.Stamp(view.reads());
    const bool keep = order.content && alike_later && !view.failed() && decision.outcome != Outcome::kLicensed;
    std::unique_ptr<Kept> evaluated;
    const Decision* d = nullptr;
    if (keep) {
      evaluated = std::make_unique<Kept>();
      evaluated->decision = std::move(decision);
      d = &evaluated->decision;
    } else {
      lane.out->own.push_back(std::move(decision));
      d = &lane.out->own.back();
    }
    lane.out->decisions.push_back(d);
    EXPORTCTL_RETURN_IF_ERROR(AccountFor(lane, order, *d, view.reads(), (*reserved)->written));
    if (keep) {
      evaluated->reserves = !(*reserved)->postings.empty();
      evaluated->tx = std::move(*parsed);
      evaluated->reads = std::move(view.reads());
      auto& slot = lane.kept[key];
      if (slot) lane.out->retired.push_back(std::move(slot));
      slot = std::move(evaluated);
    }
    return Status::Ok();
  }
  auto evaluated = std::make_unique<Kept>();
  evaluated->decision = decision;
  auto reserved = ReserveDecided(*lane.engine, *lane.ledger, *parsed, std::move(decision),
                                 {.idempotency_key = identity->ledger_key});
  if (!reserved.ok()) return reserved.status();
  if (!*reserved) return DecideOne(s, lane, order, *parsed);  // refused: as `check --reserve` goes on
  lane.Stamp(view.reads());
  lane.out->own.push_back(std::move((*reserved)->decision));
  lane.out->decisions.push_back(&lane.out->own.back());
  EXPORTCTL_RETURN_IF_ERROR(AccountFor(lane, order, lane.out->own.back(), view.reads(), (*reserved)->written));
  // Kept for the next order alike, unless something about it was not a plain answer.
  if (order.content && alike_later && !view.failed() && evaluated->decision.outcome != Outcome::kLicensed) {
    evaluated->reserves = !(*reserved)->postings.empty();
    evaluated->tx = std::move(*parsed);
    evaluated->reads = std::move(view.reads());
    if (!evaluated->reserves) lane.out->decisions.back() = &evaluated->decision;
    auto& slot = lane.kept[key];
    if (slot) lane.out->retired.push_back(std::move(slot));
    slot = std::move(evaluated);
  }
  return Status::Ok();
}

// On each side, the first reason (in the order the rules ran) the other decision does not give:
// the same rule with the same effect and words counts as given.
void FirstDifference(const Decision& a, const Decision& b, Flip& f) {
  // A country agreement's finding is a reason, though it carries no effect of its own.
  auto overlay = [](const Decision& d, std::string_view rule) {
    return std::any_of(d.overlays.begin(), d.overlays.end(), [&](const OverlayUse& o) { return o.id == rule; });
  };
  auto first_only_in = [&](const Decision& x, const Decision& y) -> const Finding* {
    for (const auto& r : x.reasons) {
      if (r.effect == Effect::kInfo && !overlay(x, r.rule)) continue;  // context, not why the outcome differs
      const bool shared = std::any_of(y.reasons.begin(), y.reasons.end(), [&](const Finding& s) {
        return s.rule == r.rule && s.effect == r.effect && s.summary == r.summary;
      });
      if (!shared) return &r;
    }
    return nullptr;
  };
  if (const Finding* x = first_only_in(a, b))
    f.rule_a = std::string(x->rule), f.citation_a = std::string(x->citation), f.reason_a = x->summary;
  if (const Finding* y = first_only_in(b, a))
    f.rule_b = std::string(y->rule), f.citation_b = std::string(y->citation), f.reason_b = y->summary;
}

// Tallies as the summary keeps them: by outcome name, only those that occurred.
Tallies ByName(const OutcomeTallies& t) {
  Tallies out;
  for (size_t o = 0; o < t.size(); ++o)
    if (t[o].orders) out[OutcomeName(static_cast<Outcome>(o))] = t[o];
  return out;
}

}  // namespace

Simulation::Simulation(Services services, std::vector<PolicySet> policies) : s_(std::move(services)) {
  for (auto& p : policies) summary_.policies.push_back({.policy = std::move(p)});
}

Status Simulation::Run(const std::vector<Order>& orders, const OrderSink& sink) {
  if (!s_.dataset || !s_.engine || !s_.rules)
    return Status::Error(ErrorCode::kInternal, "", "simulation services incomplete");
  if (summary_.policies.empty()) return Status::Invalid("--policy", "name at least one policy set");
  std::vector<Lane> lanes(summary_.policies.size());
  for (size_t i = 0; i < lanes.size(); ++i) {
    lanes[i].policy = summary_.policies[i].policy;
    lanes[i].summary.policy = lanes[i].policy;
    const PolicyData* own = lanes[i].policy.data.get();
    lanes[i].dataset = own ? own->dataset.get() : s_.dataset;
    lanes[i].engine = own ? own->engine.get() : s_.engine;
    const ledger::AllocationRules* rules = own ? own->rules.get() : s_.rules;
    if (!lanes[i].policy.overlays.empty()) {
      // The ledger holds the caps the policy set's agreements raise, as the engine reads them.
      auto overlays = lanes[i].policy.overlays;
      lanes[i].rules = std::make_unique<ledger::AllocationRules>(rules->WithOptions(
          {.country_allocation_uplift = [overlays](const std::string& country, Date d) {
            return AgreementEffectOn(overlays, country, d).allocation_uplift;
          }}));
      rules = lanes[i].rules.get();
    }
    lanes[i].allocation_rules = rules;
    auto opened = ledger::Ledger::Open({.location = ledger::kMemoryLocation}, *rules);
    if (!opened.ok()) return opened.status();
    lanes[i].ledger = std::move(opened).value();
  }
  summary_.orders = orders.size();

  // Evaluations are reused only where that is sound (DecideReusing): every reference once, none
  // holding '/'.
  bool reuse = s_.reuse_evaluations;
  if (reuse) {
    reuse = std::none_of(orders.begin(), orders.end(), [](const Order& o) {
      return o.reference.empty() || o.reference.find('/') != std::string::npos;
    }) && !FirstRepeatedReference(orders);
  }
  // Without a sink nobody sees an order's own decision: orders alike share one.
  const bool own_decisions = s_.own_decisions && sink;
  // Whether a later order is the same transaction on the same date: only then is an evaluation
  // kept. (content, day, index) sorted: each but the last of a run has one alike after it.
  std::vector<bool> alike_later(orders.size(), false);
  if (reuse) {
    std::vector<std::tuple<uint64_t, int32_t, uint32_t>> keys;
    keys.reserve(orders.size());
    for (uint32_t i = 0; i < orders.size(); ++i)
      if (orders[i].content) keys.emplace_back(orders[i].content, orders[i].as_of.days(), i);
    std::sort(keys.begin(), keys.end());
    for (size_t k = 0; k + 1 < keys.size(); ++k)
      if (std::get<0>(keys[k]) == std::get<0>(keys[k + 1]) && std::get<1>(keys[k]) == std::get<1>(keys[k + 1]))
        alike_later[std::get<2>(keys[k])] = true;
  }
  // Each order's (country, quarter), numbered once for every policy set.
  std::vector<uint32_t> bucket(orders.size());
  std::vector<std::pair<std::string, std::string>> buckets;
  {
    std::map<std::pair<std::string, int>, uint32_t> numbers;
    for (size_t i = 0; i < orders.size(); ++i) {
      const Date d = orders[i].as_of;
      auto [it, inserted] = numbers.try_emplace({orders[i].destination, d.year() * 4 + d.quarter()}, 0);
      if (inserted) {
        it->second = static_cast<uint32_t>(buckets.size());
        buckets.emplace_back(orders[i].destination, QuarterOf(d));
      }
      bucket[i] = it->second;
    }
  }
  for (auto& lane : lanes) lane.by_bucket.assign(buckets.size(), OutcomeTallies{});

  constexpr size_t kChunk = 2048;  // two chunks of decisions per policy set are held at a time
  const unsigned workers = std::max(1u, std::min<unsigned>(s_.workers, static_cast<unsigned>(lanes.size())));
  OrderAnswers answers;
  answers.decisions.resize(lanes.size());
  // A decided chunk's flips and per-order answers (the sink), in order.
  auto sum_up = [&](size_t begin, size_t end, size_t c) {
    for (size_t i = begin; i < end; ++i) {
      const Order& order = orders[i];
      answers.order = &order;
      for (size_t l = 0; l < lanes.size(); ++l) answers.decisions[l] = lanes[l].chunks[c].decisions[i - begin];
      answers.tpp = OrderTpp(*answers.decisions[0]);
      // A flip: some policy set decided otherwise than the first.
      for (size_t l = 1; l < lanes.size(); ++l) {
        const Decision& a = *answers.decisions[0];
        const Decision& b = *answers.decisions[l];
        if (a.outcome == b.outcome && a.license_exception == b.license_exception &&
            (a.outcome != Outcome::kLicenseRequired || a.review_policy == b.review_policy))
          continue;
        ++summary_.flips_total;
        ++summary_.flips_by_destination[order.destination];
        if (summary_.flips.size() < kMaxFlipsKept) {
          Flip f{.line = order.line, .reference = order.reference, .as_of = order.as_of,
                 .destination = order.destination};
          for (const Decision* d : answers.decisions) {
            f.outcomes.push_back(OutcomeName(d->outcome));
            f.review_policies.push_back(d->outcome == Outcome::kLicenseRequired ? ReviewPolicyName(d->review_policy) : "");
          }
          f.policy_a = lanes[0].policy.id;
          f.policy_b = lanes[l].policy.id;
          FirstDifference(a, b, f);
          summary_.flips.push_back(std::move(f));
        }
        break;
      }
      if (sink) sink(answers);
    }
    if (s_.progress) s_.progress(end, orders.size());
  };
  size_t decided_begin = 0, decided_end = 0;  // the chunk decided before this one, not yet summed up
  for (size_t begin = 0, c = 0; begin < orders.size(); begin += kChunk, c ^= 1) {
    const size_t end = std::min(orders.size(), begin + kChunk);
    // Kept evaluations of dates before the previous chunk serve no later order, nor one being summed up.
    const int32_t keep_from = orders[decided_end > decided_begin ? decided_begin : begin].as_of.days();
    // Each policy set runs the chunk on its own ledger, in order; policy sets run side by side,
    // each worker taking the next one not yet run, while this thread sums up the chunk before.
    std::vector<Status> failed(lanes.size(), Status::Ok());
    std::atomic<size_t> next_lane{0};
    auto run_lanes = [&] {
      for (size_t l; (l = next_lane.fetch_add(1)) < lanes.size();) {
        Lane& lane = lanes[l];
        lane.out = &lane.chunks[c];
        lane.out->decisions.clear();
        lane.out->own.clear();
        lane.out->retired.clear();
        std::erase_if(lane.kept, [&](const auto& k) { return k.first.day < keep_from; });
        for (size_t i = begin; i < end && failed[l].ok(); ++i) {
          const Order& order = orders[i];
          Status st = Status::Ok();
          if (reuse) {
            st = DecideReusing(s_, lane, order, alike_later[i], own_decisions);
          } else {
            auto tx = ParseTransaction(order.text, *lane.dataset, order.as_of);
            if (!tx.ok()) {
              failed[l] = tx.status().WithFieldPrefix(order.origin);
              break;
            }
            tx->reference = order.reference;
            st = DecideOne(s_, lane, order, *tx);
          }
          if (!st.ok()) {
            failed[l] = st.WithFieldPrefix("line " + std::to_string(order.line));
            break;
          }
          const Decision& d = *lane.out->decisions.back();
          const double tpp = OrderTpp(d);
          const size_t o = static_cast<size_t>(d.outcome);
          lane.totals[o].Add(order.units, tpp);
          lane.by_bucket[bucket[i]][o].Add(order.units, tpp);
        }
      }
    };
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < workers; ++w) threads.emplace_back(run_lanes);
    if (decided_end > decided_begin) sum_up(decided_begin, decided_end, c ^ 1);
    for (auto& t : threads) t.join();
    for (const auto& st : failed)
      if (!st.ok()) return st;
    decided_begin = begin, decided_end = end;
    if (end == orders.size()) sum_up(decided_begin, decided_end, c);
  }
  for (size_t l = 0; l < lanes.size(); ++l) {
    Lane& lane = lanes[l];
    lane.summary.totals = ByName(lane.totals);
    for (size_t b = 0; b < buckets.size(); ++b) {
      Tallies t = ByName(lane.by_bucket[b]);
      if (!t.empty()) lane.summary.by_country_quarter[buckets[b]] = std::move(t);
    }
    summary_.policies[l] = std::move(lane.summary);
  }
  return Status::Ok();
}

bool OverlayUsedBy(const Agreement& overlay, const std::vector<Order>& orders, const Dataset& data) {
  return std::any_of(orders.begin(), orders.end(), [&](const Order& order) {
    return data.EffectiveCode(order.destination) == overlay.country && overlay.InForce(order.as_of);
  });
}

namespace {

// An overlay of a request: a bundled id, or an overlay object (never a file: a request does not
// read the server's files).
Result<const Agreement*> RequestOverlay(const nlohmann::json& o, const std::string& field, const Dataset& data,
                                        std::span<const Agreement> bundled, std::deque<Agreement>& own) {
  if (o.is_string()) {
    for (const auto& a : bundled)
      if (a.id == o.get<std::string>()) return &a;
    std::string ids;
    for (const auto& a : bundled) ids += (ids.empty() ? "" : ", ") + a.id;
    return Status::Invalid(field, "\"" + o.get<std::string>() + "\" is not a bundled overlay (" + ids +
                                      "); send an overlay of your own as an object");
  }
  if (!o.is_object()) return Status::Invalid(field, "must be a bundled overlay id or an overlay object");
  auto a = ParseAgreement(o.dump(), field, data);
  if (!a.ok()) return a.status();
  own.push_back(std::move(a).value());
  return &own.back();
}

}  // namespace

Result<std::unique_ptr<Scenario>> ParseScenario(const nlohmann::json& body, const Dataset& data,
                                                std::span<const Agreement> bundled, Date today,
                                                const ScenarioLimits& limits) {
  if (!body.is_object()) return Status::Invalid("", "the request body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    (void)value;
    if (key != "orders" && key != "demand" && key != "policies" && key != "overlays")
      return Status::Invalid(key, "not a field of a simulation (known: orders, demand, policies, overlays)");
  }
  auto s = std::make_unique<Scenario>();
  const std::string too_many = "more than " + std::to_string(limits.max_orders) +
                               " orders in one request; run larger scenarios with `exportctl simulate`";
  std::vector<Order> orders;
  if (auto it = body.find("orders"); it != body.end()) {
    if (it->is_string()) {
      const std::string& text = it->get_ref<const std::string&>();
      size_t lines = 0;
      for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (text.find_first_not_of(" \t\r", start) < end) ++lines;
        start = end + 1;
      }
      if (lines > limits.max_orders) return Status::Invalid("orders", too_many);
      std::istringstream in(text);
      auto read = ReadOrders(in, "orders", data, today);
      if (!read.ok()) return read.status();
      orders = std::move(read).value();
    } else if (it->is_array()) {
      if (it->size() > limits.max_orders) return Status::Invalid("orders", too_many);
      for (size_t i = 0; i < it->size(); ++i) {
        const std::string where = "orders[" + std::to_string(i) + "]";
        if (!(*it)[i].is_object()) return Status::Invalid(where, "must be a transaction (a JSON object)");
        auto o = MakeOrder((*it)[i].dump(), i + 1, where, data, today);
        if (!o.ok()) return o.status();
        orders.push_back(std::move(o).value());
      }
      EXPORTCTL_RETURN_IF_ERROR(SortAndCheck(orders));
    } else {
      return Status::Invalid("orders", "must be JSONL text (one transaction per line) or a list of transactions");
    }
  }
  std::vector<Order> demand;
  if (auto it = body.find("demand"); it != body.end()) {
    if (!it->is_string()) return Status::Invalid("demand", "must be CSV text (country,quarter,chip,quantity,consignee_profile[,orders])");
    std::istringstream in(it->get<std::string>());
    auto read = ExpandDemand(in, "demand", data, today, limits.max_orders - orders.size());
    if (!read.ok()) return read.status();
    demand = std::move(read).value();
  }
  if (!body.contains("orders") && !body.contains("demand"))
    return Status::Invalid("orders", "required: the orders (JSONL text or a list of transactions), the demand (CSV text), or both");
  auto merged = MergeOrders(std::move(orders), std::move(demand));
  if (!merged.ok()) return merged.status();
  s->orders = std::move(merged).value();
  if (s->orders.empty()) return Status::Invalid("orders", "no orders: the orders and the demand are empty");

  // Overlays for every policy set, then each policy set's own; each must be used by some order.
  std::vector<std::pair<const Agreement*, std::string>> every;  // with the field that named it
  auto add_every = [&](const Agreement* a, const std::string& field) {
    for (const auto& [b, f] : every)
      if (b == a) return;
    every.emplace_back(a, field);
  };
  auto overlay_list = [&](const nlohmann::json& list, const std::string& field) -> Result<std::vector<const Agreement*>> {
    if (!list.is_array()) return Status::Invalid(field, "must be a list of bundled overlay ids or overlay objects");
    if (list.size() > limits.max_overlays)
      return Status::Invalid(field, "more than " + std::to_string(limits.max_overlays) + " overlays");
    std::vector<const Agreement*> out;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = field + "[" + std::to_string(i) + "]";
      auto a = RequestOverlay(list[i], where, data, bundled, s->overlays);
      if (!a.ok()) return a.status();
      for (const Agreement* o : out)
        if (o->id == (*a)->id) return Status::Invalid(where, "overlay \"" + o->id + "\" named twice");
      out.push_back(*a);
      add_every(*a, where);
    }
    return out;
  };
  std::vector<const Agreement*> common;
  if (auto it = body.find("overlays"); it != body.end()) {
    auto list = overlay_list(*it, "overlays");
    if (!list.ok()) return list.status();
    common = std::move(list).value();
  }
  const nlohmann::json policies = body.contains("policies") ? body["policies"] : nlohmann::json{"enforced", "codified"};
  if (!policies.is_array() || policies.empty())
    return Status::Invalid("policies", "must be a list of policy sets: \"enforced\", \"codified\" or {\"id\", \"posture\", …}");
  if (policies.size() > limits.max_policy_sets)
    return Status::Invalid("policies", "more than " + std::to_string(limits.max_policy_sets) + " policy sets");
  for (size_t i = 0; i < policies.size(); ++i) {
    const std::string where = "policies[" + std::to_string(i) + "]";
    const nlohmann::json& pj = policies[i];
    PolicySet set;
    std::vector<const Agreement*> own;
    if (pj.is_string()) {
      auto posture = ParsePosture(pj.get<std::string>());
      if (!posture.ok())
        return Status::Invalid(where, "unknown policy set \"" + pj.get<std::string>() +
                                          "\": use enforced, codified, or a policy set object");
      set = PolicySet{pj.get<std::string>(), *posture, "built-in"};
    } else if (pj.is_object()) {
      if (!pj.contains("id") || !pj["id"].is_string() || pj["id"].get<std::string>().empty() ||
          pj["id"].get<std::string>().find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
        return Status::Invalid(where + ".id", "required: a name of letters, digits, '_', '.', '-'");
      nlohmann::json fields = pj;
      fields.erase("overlays");  // ids or objects here, resolved below (ParsePolicyObject takes files)
      auto parsed = ParsePolicyObject(fields, "request", where, {"id"});
      if (!parsed.ok()) return parsed.status();
      set = std::move(parsed).value();
      set.id = pj["id"].get<std::string>();
      if (pj.contains("overlays")) {
        auto list = overlay_list(pj["overlays"], where + ".overlays");
        if (!list.ok()) return list.status();
        own = std::move(list).value();
      }
    } else {
      return Status::Invalid(where, "must be \"enforced\", \"codified\" or a policy set object");
    }
    for (const auto& other : s->policies)
      if (other.id == set.id) return Status::Invalid(where + ".id", "policy set \"" + set.id + "\" named twice");
    set.overlays = common;
    for (const Agreement* a : own)
      if (std::find(set.overlays.begin(), set.overlays.end(), a) == set.overlays.end()) set.overlays.push_back(a);
    set.source = where;  // what PreparePolicyData's errors name
    if (Status st = PreparePolicyData(set, data.dir()); !st.ok()) return st;
    set.source = pj.is_string() ? "built-in" : "request";
    s->policies.push_back(std::move(set));
  }
  for (const auto& [a, field] : every)
    if (!OverlayUsedBy(*a, s->orders, data))
      return Status::Invalid(field, "overlay \"" + a->id + "\" (" + a->country + ", " + a->Dates() +
                                        ") is in force on no order's date to " + a->country);
  return s;
}

}  // namespace exportctl::simulate

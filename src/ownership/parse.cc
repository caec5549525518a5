// Reading ownership files: CSV with a header, and FollowTheMoney JSON lines as OpenSanctions
// publishes them. Every error names the file line and the field.
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/validate.h"
#include "core/utf8.h"
#include "ownership/ownership.h"
#include "screen/screen.h"

namespace exportctl::ownership {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string FormatPercent(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::optional<double> ReadNumber(std::string_view s) { return ParseDecimal(Trim(s)); }

}  // namespace

std::string Share::ToString() const {
  if (!low) return "unknown";
  if (range()) return FormatPercent(*low) + "–" + FormatPercent(*high) + "%";
  return FormatPercent(*low) + "%";
}

Result<Share> ParseShare(std::string_view text, const std::string& field) {
  std::string_view s = Trim(text);
  Share sh;
  if (s.empty()) return sh;  // unknown: the Affiliates Rule treats it as Red Flag 29
  auto bad = [&](const std::string& why) {
    return Status::Invalid(field, "\"" + std::string(text) + "\" is not a percentage: " + why);
  };
  if (s.back() == '%') s = Trim(s.substr(0, s.size() - 1));
  enum { kExact, kAbove, kBelow } bound = kExact;
  if (s.starts_with(">=") || s.starts_with("<=")) {
    bound = s[0] == '>' ? kAbove : kBelow;
    s = Trim(s.substr(2));
  } else if (s.starts_with("\u2265") || s.starts_with("\u2264")) {  // "≥50%", "≤25%"
    bound = s.starts_with("\u2265") ? kAbove : kBelow;
    s = Trim(s.substr(3));
  } else if (!s.empty() && (s[0] == '>' || s[0] == '<')) {
    bound = s[0] == '>' ? kAbove : kBelow;
    s = Trim(s.substr(1));
  }
  // A range: "25-50", "25 – 50" (hyphen or en dash), each side may carry its own "%".
  size_t dash = std::string_view::npos, dash_len = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '-') { dash = i; dash_len = 1; break; }
    if (s.substr(i).starts_with("\xE2\x80\x93")) { dash = i; dash_len = 3; break; }
  }
  std::optional<double> lo, hi;
  if (dash != std::string_view::npos && bound == kExact) {
    std::string_view a = Trim(s.substr(0, dash)), b = Trim(s.substr(dash + dash_len));
    if (!a.empty() && a.back() == '%') a.remove_suffix(1);
    lo = ReadNumber(a);
    hi = ReadNumber(b);
    if (!lo || !hi) return bad("expected a number, a number with %, or a range such as 25-50%");
    if (*hi < *lo) return bad("the range's upper bound is below its lower bound");
  } else {
    auto v = ReadNumber(s);
    if (!v) return bad("expected a number, a number with %, or a range such as 25-50%");
    lo = hi = v;
    if (bound == kAbove) hi = 100.0;
    if (bound == kBelow) lo = 0.0;
  }
  if (*lo < 0 || *hi > 100) return bad("a share must be within 0–100%");
  sh.low = lo;
  sh.high = hi;
  return sh;
}

namespace {

// FoldName into `out` (cleared first), so a parse folds a million names without allocating.
void FoldInto(std::string_view name, std::string& out) {
  out.clear();
  bool space = false;
  for (unsigned char c : name) {
    const bool lower = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
    if (lower || (c >= 'A' && c <= 'Z')) {  // ASCII by hand: no locale look-up per byte
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(static_cast<char>(lower ? c : c + ('a' - 'A')));
    } else {
      space = true;
    }
  }
}

}  // namespace

const std::string* SameName(const Entity& e, std::string_view name) {
  const std::string folded = FoldName(name);
  if (FoldName(e.name) == folded) return &e.name;
  for (const auto& a : e.aliases) {
    if (FoldName(a) == folded) return &a;
  }
  return nullptr;
}

std::string FoldName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  FoldInto(name, out);
  return out;
}

namespace {

// Builds a graph while reading: entities by key (an open-addressing table of entity indexes,
// compared against the entities' own ids, so no key is stored twice), edges with their line.
struct Builder {
  Graph g;
  // entity index + 1 (0 = empty) beside its key's hash: one cache line read per probe.
  struct Slot {
    uint32_t entity = 0;
    uint32_t hash = 0;
  };
  std::vector<Slot> slots;

  // Sized once for about `entities` entities (the table still grows past them).
  void Expect(size_t entities) {
    size_t n = 1024;
    while (n < 2 * entities) n *= 2;
    if (n > slots.size()) Rehash(n);
  }
  void Rehash(size_t n) {
    std::vector<Slot> old(n);
    old.swap(slots);
    for (const Slot& s : old) {
      if (s.entity) Place(s.entity - 1, s.hash);
    }
  }
  std::optional<uint32_t> Find(std::string_view key) const { return Find(key, static_cast<uint32_t>(std::hash<std::string_view>{}(key))); }
  std::optional<uint32_t> Find(std::string_view key, uint32_t h) const {
    if (slots.empty()) return std::nullopt;
    for (size_t i = h & (slots.size() - 1);; i = (i + 1) & (slots.size() - 1)) {
      const Slot& s = slots[i];
      if (!s.entity) return std::nullopt;
      if (s.hash == h && g.entities[s.entity - 1].id == key) return s.entity - 1;
    }
  }
  void Place(uint32_t idx, uint32_t h) {
    for (size_t i = h & (slots.size() - 1);; i = (i + 1) & (slots.size() - 1)) {
      if (!slots[i].entity) {
        slots[i] = {idx + 1, h};
        return;
      }
    }
  }
  uint32_t Entity(std::string_view key, std::string_view name, std::string_view country, std::string_view identifier) {
    const uint32_t h = static_cast<uint32_t>(std::hash<std::string_view>{}(key));
    if (auto i = Find(key, h)) {
      auto& e = g.entities[*i];
      if (e.country.empty()) e.country = std::string(country);
      return *i;
    }
    if ((g.entities.size() + 1) * 2 > slots.size()) Rehash(std::max<size_t>(1024, slots.size() * 2));  // at most half full
    const uint32_t idx = static_cast<uint32_t>(g.entities.size());
    ownership::Entity e;
    e.id = std::string(key);
    e.name = std::string(name);
    e.country = std::string(country);
    if (!identifier.empty()) e.identifiers.emplace_back(identifier);
    g.entities.push_back(std::move(e));
    Place(idx, h);
    return idx;
  }
};

// Distinct source texts, by value.
struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using SourceIndex = std::unordered_map<std::string, uint32_t, SvHash, std::equal_to<>>;
uint32_t SourceId(Graph& g, SourceIndex& index, std::string_view text) {
  if (auto it = index.find(text); it != index.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(g.sources.size());
  g.sources.emplace_back(text);
  index.emplace(std::string(text), id);
  return id;
}

std::string Upper(std::string_view s) {
  std::string out(Trim(s));
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// An ISO-2 code, upper-cased into `buf` and `code` pointed at it; false when it is not one
// (empty is fine: the country is not known).
bool UpperCountry(std::string_view& code, char (&buf)[2]) {
  if (code.empty()) return true;
  if (code.size() != 2 || !std::isalpha(static_cast<unsigned char>(code[0])) || !std::isalpha(static_cast<unsigned char>(code[1]))) return false;
  buf[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(code[0])));
  buf[1] = static_cast<char>(std::toupper(static_cast<unsigned char>(code[1])));
  if (!screen::IsIsoCountryCode(std::string_view(buf, 2))) return false;
  code = std::string_view(buf, 2);
  return true;
}

Status CheckCountry(const std::string& code, const std::string& field) {
  if (code.empty()) return Status::Ok();
  if (code.size() != 2 || !std::isalpha(static_cast<unsigned char>(code[0])) || !std::isalpha(static_cast<unsigned char>(code[1]))) {
    return Status::Invalid(field, "\"" + code + "\" is not an ISO 3166 two-letter country code");
  }
  if (!screen::IsIsoCountryCode(code)) return Status::Invalid(field, "\"" + code + "\" is not an ISO 3166 country code");
  return Status::Ok();
}

// A FollowTheMoney date may be partial ("2020", "2020-05"): a start counts from the first day it
// names and an end through the last, so a stake counts whenever it may have held.
Result<std::optional<Date>> ReadDate(std::string_view s, bool end, const std::string& field) {
  s = Trim(s);
  if (s.empty()) return std::optional<Date>();
  if (s.size() > 10) s = s.substr(0, 10);  // "2020-05-01T00:00:00"
  auto bad = Status::Invalid(field, "\"" + std::string(s) + "\" is not a date (YYYY, YYYY-MM or YYYY-MM-DD)");
  auto num = [](std::string_view p) -> std::optional<int> {
    int v = 0;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec != std::errc() || ptr != p.data() + p.size()) return std::nullopt;
    return v;
  };
  if (s.size() == 4) {
    auto y = num(s);
    if (!y || *y < 1800) return bad;
    return std::optional<Date>(end ? Date::FromYmd(*y, 12, 31) : Date::FromYmd(*y, 1, 1));
  }
  if (s.size() == 7 && s[4] == '-') {
    auto y = num(s.substr(0, 4)), m = num(s.substr(5, 2));
    if (!y || !m || *m < 1 || *m > 12 || *y < 1800) return bad;
    if (!end) return std::optional<Date>(Date::FromYmd(*y, *m, 1));
    const Date next = *m == 12 ? Date::FromYmd(*y + 1, 1, 1) : Date::FromYmd(*y, *m + 1, 1);
    return std::optional<Date>(Date::FromDays(next.days() - 1));
  }
  auto d = Date::Parse(s);
  if (!d.ok()) return bad;
  return std::optional<Date>(*d);
}

// ---- CSV ----

// One record of RFC 4180 CSV starting at `pos` into fields[0, n): the strings are reused from
// record to record (no allocation per field once they have grown). `line` is advanced past the
// newlines the record spans.
bool NextCsvRecord(std::string_view text, size_t& pos, size_t& line, std::vector<std::string>& fields, size_t& n,
                   bool& unterminated) {
  n = 0;
  unterminated = false;
  if (pos >= text.size()) return false;
  auto next_field = [&]() -> std::string& {
    if (n == fields.size()) fields.emplace_back();
    std::string& f = fields[n++];
    f.clear();
    return f;
  };
  std::string* cur = &next_field();
  bool quoted = false, was_quoted = false;
  while (pos < text.size()) {
    if (!quoted) {  // the plain run up to the next character that means something
      size_t run = pos;
      while (run < text.size() && text[run] != ',' && text[run] != '\n' && text[run] != '"' && text[run] != '\r') ++run;
      cur->append(text.data() + pos, run - pos);
      pos = run;
      if (pos >= text.size()) break;
    }
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          cur->push_back('"');
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        cur->push_back(c);
      }
      continue;
    }
    if (c == '"' && cur->empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      cur = &next_field();
      was_quoted = false;
    } else if (c == '\n') {
      ++line;
      break;
    } else if (c != '\r') {
      cur->push_back(c);
    }
  }
  unterminated = quoted;
  return true;
}

Result<Graph> ParseCsvGraph(std::string_view text, const std::string& file) {
  Builder b;
  size_t pos = 0, line = 1;
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;
  std::vector<std::string> header, f;
  size_t header_n = 0, n = 0;
  bool unterminated = false;
  if (!NextCsvRecord(text, pos, line, header, header_n, unterminated)) return Status::Invalid(file + ":1", "empty file: expected a CSV header");
  header.resize(header_n);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) {
    // A column given twice would let one of two shares be read silently: refused.
    auto [at, added] = col.emplace(FoldName(header[i]), i);
    if (!added) {
      return Status::Invalid(file + ":1." + header[i], "the column \"" + header[i] + "\" appears twice (columns " + std::to_string(at->second + 1) +
                                                           " and " + std::to_string(i + 1) + "); which one holds the figure is not known");
    }
  }
  // A column this import does not read is named, never dropped silently ("enddate" for end_date).
  static const char* const kKnown[] = {"owner", "owned", "percent", "source", "as of", "owner country", "owned country",
                                       "owner id", "owned id", "start date", "end date"};
  for (const auto& entry : col) {
    const std::string& name = entry.first;
    if (std::find_if(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return name == k; }) == std::end(kKnown)) {
      b.g.warnings.push_back(file + ":1: the column \"" + header[entry.second] + "\" is not one this import reads; it was not used");
    }
  }
  auto column = [&](const char* name) -> std::optional<size_t> {
    auto it = col.find(name);
    if (it == col.end()) return std::nullopt;
    return it->second;
  };
  for (const char* required : {"owner", "owned", "percent", "source", "as of"}) {
    if (!column(required)) {
      return Status::Invalid(file + ":1", std::string("the header has no \"") + (std::string_view(required) == "as of" ? "as_of" : required) +
                                              "\" column (expected owner,owned,percent,source,as_of[,owner_country,owned_country,owner_id,owned_id,start_date,end_date])");
    }
  }
  const size_t c_owner = *column("owner"), c_owned = *column("owned"), c_pct = *column("percent"), c_src = *column("source"),
               c_asof = *column("as of");
  const auto c_owner_country = column("owner country"), c_owned_country = column("owned country");
  const auto c_owner_id = column("owner id"), c_owned_id = column("owned id");
  const auto c_start = column("start date"), c_end = column("end date");
  // Each line adds one edge and at most two entities: reserved once (untouched pages cost no memory).
  const size_t lines = static_cast<size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(pos), text.end(), '\n')) + 1;
  b.g.edges.reserve(lines);
  b.g.entities.reserve(2 * lines);
  b.Expect(lines);
  SourceIndex source_index;
  std::string key, src;
  while (true) {
    const size_t at = line;
    if (!NextCsvRecord(text, pos, line, f, n, unterminated)) break;
    // The line's name in errors, built only when there is one.
    auto where = [&] { return file + ":" + std::to_string(at); };
    if (unterminated) return Status::Invalid(where(), "a quoted field is not closed");
    if (n == 1 && Trim(f[0]).empty()) continue;  // blank line
    if (n != header.size()) {
      return Status::Invalid(where(), "expected " + std::to_string(header.size()) + " fields as in the header, found " + std::to_string(n));
    }
    for (size_t i = 0; i < n; ++i) {
      if (FirstInvalidUtf8(f[i])) return CheckUtf8(f[i], where() + "." + header[i]);
    }
    auto get = [&](std::optional<size_t> c) -> std::string_view { return c ? Trim(f[*c]) : std::string_view(); };
    const std::string_view owner = Trim(f[c_owner]), owned = Trim(f[c_owned]);
    if (owner.empty()) return Status::Invalid(where() + ".owner", "the owner has no name");
    if (owned.empty()) return Status::Invalid(where() + ".owned", "the owned entity has no name");
    auto share = ParseShare(f[c_pct], "percent");
    if (!share.ok()) return Status::Invalid(where() + ".percent", share.status().message());
    auto as_of = Date::Parse(Trim(f[c_asof]));
    if (!as_of.ok()) return Status::Invalid(where() + ".as_of", "\"" + f[c_asof] + "\" is not a date (YYYY-MM-DD)");
    std::string_view oc = get(c_owner_country), dc = get(c_owned_country);
    char ocb[2], dcb[2];
    if (!UpperCountry(oc, ocb)) return CheckCountry(Upper(oc), where() + ".owner_country");
    if (!UpperCountry(dc, dcb)) return CheckCountry(Upper(dc), where() + ".owned_country");
    auto entity = [&](std::string_view name, std::string_view id, std::string_view country) {
      if (!id.empty()) return b.Entity(id, name, country, id);
      FoldInto(name, src);
      key.assign("name:").append(src);
      return b.Entity(key, name, country, "");
    };
    const uint32_t o = entity(owner, get(c_owner_id), oc);
    const uint32_t d = entity(owned, get(c_owned_id), dc);
    Edge e;
    e.owner = o;
    e.owned = d;
    e.share = *share;
    if (c_start || c_end) {
      auto start = ReadDate(get(c_start), false, "start_date");
      if (!start.ok()) return Status::Invalid(where() + ".start_date", start.status().message());
      auto end = ReadDate(get(c_end), true, "end_date");
      if (!end.ok()) return Status::Invalid(where() + ".end_date", end.status().message());
      e.start = *start;
      e.end = *end;
      if (e.start && e.end && *e.end < *e.start) return Status::Invalid(where() + ".end_date", "the ownership ends before it starts");
    }
    src.assign(Trim(f[c_src])).append(" as of ").append(as_of->ToString());
    e.source = SourceId(b.g, source_index, src);
    e.line = static_cast<uint32_t>(at);
    b.g.edges.push_back(e);
  }
  b.g.format = "csv";
  b.g.file_name = file;
  return std::move(b.g);
}

// ---- FollowTheMoney JSON lines ----

constexpr std::string_view kEntitySchemas[] = {"Company", "Organization", "Person", "LegalEntity", "PublicBody"};
constexpr std::string_view kIdentifierProps[] = {"registrationNumber", "leiCode", "innCode", "ogrnCode", "taxNumber",
                                                 "idNumber", "swiftBic", "okpoCode", "uniqueEntityId", "vatCode"};

struct PendingEdge {
  std::string owner, asset;
  std::vector<std::string> percentages;
  std::string start, end, source;
  size_t line = 0;
};

Result<Graph> ParseFtmGraph(std::string_view text, const std::string& file) {
  Builder b;
  std::vector<PendingEdge> pending;
  size_t weak_aliases = 0;  // entities with weakAlias values (not used: said in a warning)
  std::unordered_map<std::string, size_t> entity_line;
  simdjson::dom::parser parser;
  size_t pos = 0, line = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    if (Trim(raw).empty()) continue;
    const std::string where = file + ":" + std::to_string(line);
    simdjson::dom::element doc;
    if (auto err = parser.parse(raw.data(), raw.size()).get(doc)) {
      return Status::Invalid(where, std::string("not a JSON object: ") + simdjson::error_message(err));
    }
    simdjson::dom::object obj;
    if (doc.get(obj)) return Status::Invalid(where, "not a JSON object");
    std::string_view schema, id;
    if (obj["schema"].get(schema)) return Status::Invalid(where + ".schema", "missing or not a string");
    if (obj["id"].get(id) || Trim(id).empty()) return Status::Invalid(where + ".id", "missing, empty or not a string");
    // A record without "properties" has none; a default dom::object must not be read (its tape
    // is null), so whether there is one is kept apart.
    simdjson::dom::object props;
    const auto props_error = obj["properties"].get(props);
    if (props_error && props_error != simdjson::NO_SUCH_FIELD) {
      return Status::Invalid(where + ".properties", "not an object");
    }
    const bool has_props = !props_error;
    // Each property is a list of strings.
    auto values = [&](const char* name, std::vector<std::string>& out) -> Status {
      out.clear();
      if (!has_props) return Status::Ok();
      simdjson::dom::element el;
      if (props[name].get(el)) return Status::Ok();
      simdjson::dom::array arr;
      if (el.get(arr)) return Status::Invalid(where + ".properties." + name, "not a list of strings");
      size_t i = 0;
      for (auto v : arr) {
        std::string_view s;
        if (v.get(s)) return Status::Invalid(where + ".properties." + name + "[" + std::to_string(i) + "]", "not a string");
        EXPORTCTL_RETURN_IF_ERROR(CheckUtf8(s, where + ".properties." + name + "[" + std::to_string(i) + "]"));
        out.emplace_back(s);
        ++i;
      }
      return Status::Ok();
    };
    std::vector<std::string> tmp;
    if (schema == "Ownership") {
      PendingEdge pe;
      pe.line = line;
      EXPORTCTL_RETURN_IF_ERROR(values("owner", tmp));
      if (tmp.empty() || Trim(tmp[0]).empty()) return Status::Invalid(where + ".properties.owner", "the ownership names no owner");
      // One statement, one stake: several owners or assets cannot be read as one share.
      if (tmp.size() > 1) return Status::Invalid(where + ".properties.owner", "the ownership names " + std::to_string(tmp.size()) + " owners; state one per Ownership");
      pe.owner = tmp[0];
      EXPORTCTL_RETURN_IF_ERROR(values("asset", tmp));
      if (tmp.empty() || Trim(tmp[0]).empty()) return Status::Invalid(where + ".properties.asset", "the ownership names no asset");
      if (tmp.size() > 1) return Status::Invalid(where + ".properties.asset", "the ownership names " + std::to_string(tmp.size()) + " assets; state one per Ownership");
      pe.asset = tmp[0];
      EXPORTCTL_RETURN_IF_ERROR(values("percentage", pe.percentages));
      // Several dates: the stake counts whenever it may have held (the earliest start, the latest
      // end). ISO text compares as dates once a partial one ("2020") is read as its first day for
      // a start and its last for an end; each is validated below.
      auto as_bound = [](const std::string& s, bool end) { return s.substr(0, 10) + std::string(s.size() < 10 ? 10 - s.size() : 0, end ? '~' : ' '); };
      EXPORTCTL_RETURN_IF_ERROR(values("startDate", tmp));
      if (!tmp.empty()) pe.start = *std::min_element(tmp.begin(), tmp.end(), [&](const auto& a, const auto& b) { return as_bound(a, false) < as_bound(b, false); });
      EXPORTCTL_RETURN_IF_ERROR(values("endDate", tmp));
      if (!tmp.empty()) pe.end = *std::max_element(tmp.begin(), tmp.end(), [&](const auto& a, const auto& b) { return as_bound(a, true) < as_bound(b, true); });
      std::string_view ds;
      simdjson::dom::array datasets;
      if (!obj["datasets"].get(datasets)) {
        for (auto v : datasets) {
          if (!v.get(ds)) pe.source += (pe.source.empty() ? "" : ", ") + std::string(ds);
        }
      }
      pending.push_back(std::move(pe));
      continue;
    }
    if (std::find(std::begin(kEntitySchemas), std::end(kEntitySchemas), schema) == std::end(kEntitySchemas)) continue;
    EXPORTCTL_RETURN_IF_ERROR(values("name", tmp));
    std::string name = tmp.empty() ? "" : std::string(Trim(tmp[0]));
    const std::vector<std::string> names = tmp;
    if (name.empty()) {
      std::string_view caption;
      if (!obj["caption"].get(caption)) name = std::string(Trim(caption));
    }
    std::string country;
    for (const char* prop : {"country", "jurisdiction", "mainCountry"}) {
      EXPORTCTL_RETURN_IF_ERROR(values(prop, tmp));
      if (!tmp.empty()) {
        country = Upper(tmp[0]);
        // Several countries: which one the entity is in is not known, so none rules a party out.
        for (const auto& t : tmp) {
          if (Upper(t) != country) country.clear();
        }
        break;
      }
    }
    if (country.size() != 2 || !screen::IsIsoCountryCode(country)) country.clear();  // "suhh", "zz-xx": territories without an ISO-2 code
    const std::string key(id);
    if (b.Find(key)) return Status::Invalid(where + ".id", "entity \"" + key + "\" appears twice (first on line " + std::to_string(entity_line[key]) + ")");
    entity_line[key] = line;
    // The other names: each is matched and screened like the name (an alias may be the listed one).
    std::vector<std::string> aliases;
    {
      std::vector<std::string> seen{FoldName(name)};
      auto add = [&](std::string_view n) {
        n = Trim(n);
        if (n.empty()) return;
        std::string folded = FoldName(n);
        if (folded.empty() || std::find(seen.begin(), seen.end(), folded) != seen.end()) return;
        seen.push_back(std::move(folded));
        aliases.emplace_back(n);
      };
      for (size_t i = 1; i < names.size(); ++i) add(names[i]);
      for (const char* prop : {"alias", "previousName"}) {
        EXPORTCTL_RETURN_IF_ERROR(values(prop, tmp));
        for (const auto& t : tmp) add(t);
      }
      EXPORTCTL_RETURN_IF_ERROR(values("weakAlias", tmp));
      if (!tmp.empty()) ++weak_aliases;
    }
    const uint32_t idx = b.Entity(key, name, country, "");
    b.g.entities[idx].schema = std::string(schema);
    b.g.entities[idx].aliases = std::move(aliases);
    for (auto prop : kIdentifierProps) {
      EXPORTCTL_RETURN_IF_ERROR(values(std::string(prop).c_str(), tmp));
      for (auto& t : tmp) b.g.entities[idx].identifiers.push_back(std::move(t));
    }
  }
  SourceIndex sources;
  b.g.edges.reserve(pending.size());
  for (const auto& pe : pending) {
    const std::string where = file + ":" + std::to_string(pe.line);
    auto owner = b.Find(pe.owner);
    if (!owner) return Status::Invalid(where + ".properties.owner", "the owner \"" + pe.owner + "\" is not an entity of this file");
    auto asset = b.Find(pe.asset);
    if (!asset) return Status::Invalid(where + ".properties.asset", "the asset \"" + pe.asset + "\" is not an entity of this file");
    if (b.g.entities[*owner].name.empty()) {
      return Status::Invalid(where + ".properties.owner", "the owner \"" + pe.owner + "\" has no name (line " + std::to_string(entity_line[pe.owner]) + ")");
    }
    Edge e;
    e.owner = *owner;
    e.owned = *asset;
    // Several stated figures: the share is somewhere between the lowest and the highest.
    for (size_t i = 0; i < pe.percentages.size(); ++i) {
      auto sh = ParseShare(pe.percentages[i], where + ".properties.percentage[" + std::to_string(i) + "]");
      if (!sh.ok()) return sh.status();
      if (!sh->known()) continue;
      e.share.low = e.share.low ? std::min(*e.share.low, *sh->low) : *sh->low;
      e.share.high = e.share.high ? std::max(*e.share.high, *sh->high) : *sh->high;
    }
    auto start = ReadDate(pe.start, false, where + ".properties.startDate");
    if (!start.ok()) return start.status();
    auto end = ReadDate(pe.end, true, where + ".properties.endDate");
    if (!end.ok()) return end.status();
    e.start = *start;
    e.end = *end;
    if (e.start && e.end && *e.end < *e.start) return Status::Invalid(where + ".properties.endDate", "the ownership ends before it starts");
    e.source = SourceId(b.g, sources, pe.source);
    e.line = static_cast<uint32_t>(pe.line);
    b.g.edges.push_back(e);
  }
  for (size_t i = 0; i < b.g.entities.size(); ++i) {
    if (b.g.entities[i].name.empty()) {
      // An entity that owns nothing may lack a name; one that is owned is matched by name.
      b.g.entities[i].name = b.g.entities[i].id;
    }
  }
  if (weak_aliases > 0) {
    b.g.warnings.push_back(file + ": " + std::to_string(weak_aliases) +
                           " entities carry weakAlias values; they are neither matched nor screened (short or generic names)");
  }
  b.g.format = "ftm";
  b.g.file_name = file;
  return std::move(b.g);
}

// The line of an edge: "<file>:<line>".
std::string EdgeWhere(const Graph& g, const Edge& e) { return g.file_name + ":" + std::to_string(e.line); }
// The field of an edge's line as the file names it: a CSV column, or a FollowTheMoney
// Ownership property.
std::string EdgeField(const Graph& g, const Edge& e, std::string_view csv_column, std::string_view ftm_property) {
  return EdgeWhere(g, e) + "." + std::string(g.format == "ftm" ? "properties." + std::string(ftm_property) : std::string(csv_column));
}

}  // namespace

namespace {

// Edges grouped by an end (owner or owned) in two flat arrays: group k is
// edges[offsets[k], offsets[k + 1]).
struct Groups {
  std::vector<uint32_t> offsets, edges;
  Groups(const Graph& g, bool by_owner) : offsets(g.entities.size() + 1, 0), edges(g.edges.size()) {
    auto end = [&](const Edge& e) { return by_owner ? e.owner : e.owned; };
    for (const auto& e : g.edges) ++offsets[end(e) + 1];
    for (size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
    std::vector<uint32_t> fill(offsets.begin(), offsets.end() - 1);
    for (uint32_t i = 0; i < g.edges.size(); ++i) edges[fill[end(g.edges[i])]++] = i;
  }
  std::span<const uint32_t> operator[](size_t k) const { return {edges.data() + offsets[k], offsets[k + 1] - offsets[k]}; }
};

}  // namespace

Status Validate(const Graph& g) {
  // Owners of one entity summing past 100 % on some date (lower bounds; dated stakes that never
  // overlap do not add up).
  const Groups in(g, false);
  for (size_t k = 0; k < g.entities.size(); ++k) {
    const auto edges = in[k];
    if (edges.size() < 2) continue;
    double total = 0;
    bool dated = false;
    for (uint32_t i : edges) {
      total += g.edges[i].share.low.value_or(0);
      dated = dated || g.edges[i].start || g.edges[i].end;
    }
    if (total <= 100 + 1e-6) continue;
    // Check at each date a stake starts (and at the open start) which stakes overlap.
    std::vector<std::optional<Date>> points{std::nullopt};
    if (dated) {
      for (uint32_t i : edges) {
        if (g.edges[i].start) points.push_back(g.edges[i].start);
      }
    }
    for (const auto& p : points) {
      double sum = 0;
      for (uint32_t i : edges) {
        const Edge& e = g.edges[i];
        const bool active = p ? e.ActiveOn(*p) : !e.start;
        if (!active) continue;
        sum += e.share.low.value_or(0);
        if (sum > 100 + 1e-6) {
          return Status::Invalid(EdgeField(g, e, "percent", "percentage"),
                                 "the owners of \"" + g.entities[e.owned].name + "\" sum to more than 100% (" + FormatPercent(sum) + "%" +
                                     (p ? " on " + p->ToString() : "") + ")");
        }
      }
    }
  }
  // Cycles (iterative depth-first search over owner → owned).
  const Groups out(g, true);
  std::vector<uint8_t> state(g.entities.size(), 0);  // 0 new, 1 on the stack, 2 done
  std::vector<std::pair<uint32_t, size_t>> stack;
  for (uint32_t root = 0; root < g.entities.size(); ++root) {
    if (state[root]) continue;
    stack.push_back({root, 0});
    state[root] = 1;
    while (!stack.empty()) {
      auto& [v, next] = stack.back();
      if (next < out[v].size()) {
        const uint32_t ei = out[v][next++];
        const uint32_t w = g.edges[ei].owned;
        if (state[w] == 1) {
          // The cycle: from w along the stack back to w.
          std::string names;
          size_t k = stack.size();
          while (k > 0 && stack[k - 1].first != w) --k;
          for (size_t j = k - 1; j < stack.size(); ++j) names += "\"" + g.entities[stack[j].first].name + "\" → ";
          names += "\"" + g.entities[w].name + "\"";
          return Status::Invalid(EdgeField(g, g.edges[ei], "owned", "asset"), "ownership cycle: " + names);
        }
        if (state[w] == 0) {
          state[w] = 1;
          stack.push_back({w, 0});
        }
      } else {
        state[v] = 2;
        stack.pop_back();
      }
    }
  }
  return Status::Ok();
}

Result<Graph> ParseGraph(std::string_view bytes, const std::string& file_name, bool index) {
  size_t i = bytes.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (i < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[i]))) ++i;
  auto g = i < bytes.size() && bytes[i] == '{' ? ParseFtmGraph(bytes, file_name) : ParseCsvGraph(bytes, file_name);
  if (!g.ok()) return g;
  EXPORTCTL_RETURN_IF_ERROR(Validate(*g));
  if (index) g->Index();
  return g;
}

Result<Graph> ParseGraphFile(const std::string& path) {
  if (std::filesystem::is_directory(path)) return CheckInputFile("file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(ErrorCode::kNotFound, "file", "cannot read " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t slash = path.find_last_of('/');
  return ParseGraph(bytes, slash == std::string::npos ? path : path.substr(slash + 1));
}

}  // namespace exportctl::ownership

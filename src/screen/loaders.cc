// List file parsers: CSL JSON and CSV, OFAC legacy CSV (+ alt/add), BIS DPL text.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "screen/screen.h"
#include "screen/sha256.h"

namespace exportctl::screen {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> SplitOn(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    std::string part = Trim(s.substr(start, end - start));
    if (!part.empty()) out.push_back(std::move(part));
    start = end + 1;
  }
  return out;
}

// RFC 4180 CSV with a configurable separator; quotes may be absent.
std::vector<std::vector<std::string>> ParseDelimited(std::string_view text, char sep) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool in_quotes = false, field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      in_quotes = true;
      field_started = true;
    } else if (c == sep) {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
      row.clear();
    } else if (c == '\x1a') {
      continue;  // OFAC end-of-file byte
    } else {
      field.push_back(c);
      field_started = field_started || !std::isspace(static_cast<unsigned char>(c));
    }
  }
  if (field_started || !row.empty()) {
    row.push_back(std::move(field));
    if (!(row.size() == 1 && Trim(row[0]).empty())) rows.push_back(std::move(row));
  }
  return rows;
}

std::string OfacValue(const std::string& s) {
  std::string t = Trim(s);
  return t == "-0-" ? std::string() : t;
}

ListSource SourceFromLabel(std::string_view label) {
  struct Entry {
    std::string_view needle;
    ListSource source;
  };
  static constexpr Entry kEntries[] = {
      {"(EL)", ListSource::kEntityList},
      {"(DPL)", ListSource::kDeniedPersons},
      {"(UVL)", ListSource::kUnverified},
      {"(MEU)", ListSource::kMilitaryEndUser},
      {"(SDN)", ListSource::kSdn},
      {"(ISN)", ListSource::kNonproliferation},
      {"(DTC)", ListSource::kItarDebarred},
      {"(SSI)", ListSource::kSectoral},
      {"(CMIC)", ListSource::kChineseMilitary},
      {"(NS-MBS", ListSource::kMenuBased},
      {"(PLC)", ListSource::kPalestinianCouncil},
      {"(CAP)", ListSource::kCapta},
      {"(FSE)", ListSource::kForeignEvaders},
  };
  for (const auto& e : kEntries) {
    if (label.find(e.needle) != std::string_view::npos) return e.source;
  }
  return ListSource::kOther;
}

PartyType TypeFromLabel(std::string_view label) {
  std::string l = Trim(label);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "individual") return PartyType::kIndividual;
  if (l == "entity" || l.empty()) return l.empty() ? PartyType::kUnknown : PartyType::kEntity;
  if (l == "vessel") return PartyType::kVessel;
  if (l == "aircraft") return PartyType::kAircraft;
  return PartyType::kUnknown;
}

std::string DateFromFileName(const std::string& file_name) {
  static const std::regex kDate(R"((\d{4})-(\d{2})(?:-(\d{2}))?)");
  std::smatch m;
  if (std::regex_search(file_name, m, kDate)) {
    return m[3].matched ? m.str(0) : m.str(1) + "-" + m.str(2);
  }
  return "";
}

std::string BaseName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::Error(ErrorCode::kNotFound, "file", "cannot open " + path);
  std::string bytes(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    return Status::Error(ErrorCode::kUnavailable, "file", "cannot read " + path);
  }
  return bytes;
}

// The single-valued CSL fields kept as listed in ListRecord::other_fields.
constexpr const char* kOtherCslFields[] = {
    "title",        "end_date",    "standard_order", "remarks",      "call_sign",
    "vessel_type",  "gross_tonnage", "gross_registered_tonnage",     "vessel_flag",
    "vessel_owner", "source_information_url"};

// CSL CSV "ids": "Passport, 836238033, KP; Gender, Male; …" (type, number[, country]).
std::vector<ListRecord::Identifier> SplitIds(std::string_view text) {
  std::vector<ListRecord::Identifier> out;
  for (const auto& part : SplitOn(text, ';')) {
    const std::vector<std::string> f = SplitOn(part, ',');
    if (f.empty()) continue;
    ListRecord::Identifier id;
    id.type = f[0];
    if (f.size() > 1) id.number = f[1];
    if (f.size() > 2) id.country = f[2];
    out.push_back(std::move(id));
  }
  return out;
}

// OFAC remarks: "DOB 10 Dec 1948; POB Giza, Egypt; nationality Egypt; Passport 1084010 (Egypt);
// alt. Passport 19820215; …". Dates of birth, places of birth, nationalities, citizenships and
// identity documents are taken out; the remarks stay as they are.
void ReadOfacRemarks(const std::string& remarks, ListRecord& r) {
  static const char* kIdTypes[] = {"Passport", "National ID No.", "Registration ID", "Tax ID No.",
                                   "Identification Number", "Cedula No.", "SSN", "C.U.I.T.",
                                   "Business Registration Number", "Company Number", "D-U-N-S Number",
                                   "Registration Number", "Vessel Registration Identification",
                                   "Aircraft Manufacturer's Serial Number (MSN)", "IMO"};
  for (std::string item : SplitOn(remarks, ';')) {
    if (item.rfind("alt. ", 0) == 0) item = Trim(item.substr(5));
    if (!item.empty() && item.back() == '.') item.pop_back();
    auto after = [&](std::string_view prefix) -> std::optional<std::string> {
      if (item.size() > prefix.size() && item.compare(0, prefix.size(), prefix) == 0 &&
          item[prefix.size()] == ' ') {
        return Trim(std::string_view(item).substr(prefix.size() + 1));
      }
      return std::nullopt;
    };
    if (auto v = after("DOB")) {
      r.dates_of_birth.push_back(*v);
    } else if (auto v = after("POB")) {
      r.places_of_birth.push_back(*v);
    } else if (auto v = after("nationality")) {
      r.nationalities.push_back(*v);
    } else if (auto v = after("citizen")) {
      r.citizenships.push_back(*v);
    } else {
      for (const char* type : kIdTypes) {
        auto v = after(type);
        if (!v) continue;
        ListRecord::Identifier id;
        id.type = type;
        std::string number = *v;
        if (const size_t open = number.find(" ("); open != std::string::npos) {
          const size_t close = number.find(')', open);
          id.country = number.substr(open + 2, close == std::string::npos ? std::string::npos : close - open - 2);
          number.erase(open);
        }
        id.number = Trim(number);
        if (!id.number.empty()) r.ids.push_back(std::move(id));
        break;
      }
    }
  }
}

// ---- CSL JSON ----
Result<LoadedList> ParseCslJson(std::string_view bytes) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(bytes);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err) {
    return Status::Error(ErrorCode::kInvalidInput, "file",
                         std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::array results;
  if (doc["results"].get_array().get(results)) {
    return Status::Invalid("results", "CSL JSON needs a \"results\" array");
  }
  LoadedList out;
  out.version.list_id = "csl";
  out.version.format = "csl-json";
  auto str = [](simdjson::dom::element e, std::string_view key) -> std::string {
    std::string_view v;
    if (e[key].get_string().get(v)) return "";
    return std::string(v);
  };
  // Newest source_last_updated in sources_used, when present.
  simdjson::dom::array sources;
  if (!doc["sources_used"].get_array().get(sources)) {
    for (auto s : sources) {
      std::string d = str(s, "source_last_updated");
      if (d.size() >= 10) d.resize(10);
      if (d > out.version.source_date) out.version.source_date = d;
    }
  }
  size_t index = 0;
  for (auto item : results) {
    ListRecord r;
    r.source = SourceFromLabel(str(item, "source"));
    r.type = TypeFromLabel(str(item, "type"));
    r.name = str(item, "name");
    if (r.name.empty()) return Status::Invalid(fmt::format("results[{}].name", index), "missing");
    r.entity_number = str(item, "entity_number");
    r.record_id = str(item, "id");
    if (r.record_id.empty()) r.record_id = str(item, "_id");
    if (r.record_id.empty()) r.record_id = fmt::format("csl-{}", index + 1);
    r.federal_register_notice = str(item, "federal_register_notice");
    r.license_requirement = str(item, "license_requirement");
    r.license_policy = str(item, "license_policy");
    r.source_list_url = str(item, "source_list_url");
    r.start_date = str(item, "start_date");
    simdjson::dom::array arr;
    if (!item["alt_names"].get_array().get(arr)) {
      for (auto a : arr) {
        std::string_view v;
        if (!a.get_string().get(v) && !v.empty()) r.alt_names.emplace_back(v);
      }
    } else if (std::string alts = str(item, "alt_names"); !alts.empty()) {
      r.alt_names = SplitOn(alts, ';');
    }
    if (!item["programs"].get_array().get(arr)) {
      for (auto a : arr) {
        std::string_view v;
        if (!a.get_string().get(v)) r.programs.emplace_back(v);
      }
    }
    if (!item["addresses"].get_array().get(arr)) {
      for (auto a : arr) {
        ListRecord::Address address{str(a, "address"), str(a, "city"), str(a, "state"),
                                    str(a, "postal_code"), str(a, "country")};
        std::string c = address.country;
        if (!c.empty() &&
            std::find(r.countries.begin(), r.countries.end(), c) == r.countries.end()) {
          r.countries.push_back(std::move(c));
        }
        r.addresses.push_back(std::move(address));
      }
    }
    if (!item["ids"].get_array().get(arr)) {
      for (auto a : arr) {
        ListRecord::Identifier id{str(a, "type"), str(a, "number"), str(a, "country"),
                                  str(a, "issue_date"), str(a, "expiration_date")};
        if (!id.type.empty() || !id.number.empty()) r.ids.push_back(std::move(id));
      }
    }
    // Multi-valued fields are arrays in the JSON; a string is read as ";"-joined.
    auto many = [&](std::string_view key, std::vector<std::string>& into) {
      simdjson::dom::array values;
      if (!item[key].get_array().get(values)) {
        for (auto v : values) {
          std::string_view text;
          if (!v.get_string().get(text) && !text.empty()) into.emplace_back(text);
        }
      } else if (std::string text = str(item, key); !text.empty()) {
        into = SplitOn(text, ';');
      }
    };
    many("dates_of_birth", r.dates_of_birth);
    many("nationalities", r.nationalities);
    many("citizenships", r.citizenships);
    many("places_of_birth", r.places_of_birth);
    for (const char* key : kOtherCslFields) {
      if (std::string v = str(item, key); !v.empty()) r.other_fields.emplace_back(key, std::move(v));
    }
    out.records.push_back(std::move(r));
    ++index;
  }
  return out;
}

// ---- CSL CSV (both header generations) ----
Result<LoadedList> ParseCslCsv(std::string_view bytes) {
  auto rows = ParseDelimited(bytes, ',');
  if (rows.empty()) return Status::Invalid("file", "empty CSV");
  std::unordered_map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[Trim(rows[0][i])] = i;
  for (const char* required : {"source", "name"}) {
    if (col.count(required) == 0) {
      return Status::Invalid("header", std::string("CSL CSV header lacks column ") + required);
    }
  }
  LoadedList out;
  out.version.list_id = "csl";
  out.version.format = col.count("_id") ? "csl-csv" : "csl-csv-legacy";
  auto get = [&](const std::vector<std::string>& row, const char* name) -> std::string {
    auto it = col.find(name);
    if (it == col.end() || it->second >= row.size()) return "";
    return Trim(row[it->second]);
  };
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    ListRecord r;
    r.source = SourceFromLabel(get(row, "source"));
    r.type = TypeFromLabel(get(row, "type"));
    r.name = get(row, "name");
    if (r.name.empty()) return Status::Invalid(fmt::format("row {}.name", i + 1), "missing");
    r.entity_number = get(row, "entity_number");
    r.record_id = get(row, "_id");
    if (r.record_id.empty()) {
      r.record_id = r.entity_number.empty()
                        ? fmt::format("{}:row{}", ListSourceCode(r.source), i)
                        : fmt::format("{}:{}", ListSourceCode(r.source), r.entity_number);
    }
    r.federal_register_notice = get(row, "federal_register_notice");
    r.license_requirement = get(row, "license_requirement");
    r.license_policy = get(row, "license_policy");
    r.source_list_url = get(row, "source_list_url");
    r.start_date = get(row, "start_date");
    r.alt_names = SplitOn(get(row, "alt_names"), ';');
    r.programs = SplitOn(get(row, "programs"), ';');
    // Addresses are ";"-joined, each ending with the country code: "…, Yerevan, Armenia, AM".
    // The parts before it cannot be told apart reliably, so they stay one `address` text.
    for (const auto& address : SplitOn(get(row, "addresses"), ';')) {
      const size_t comma = address.rfind(',');
      std::string c = Trim(comma == std::string::npos ? address : address.substr(comma + 1));
      r.addresses.push_back({comma == std::string::npos ? "" : Trim(address.substr(0, comma)), "", "", "", c});
      if (!c.empty() && std::find(r.countries.begin(), r.countries.end(), c) == r.countries.end()) {
        r.countries.push_back(std::move(c));
      }
    }
    r.ids = SplitIds(get(row, "ids"));
    r.dates_of_birth = SplitOn(get(row, "dates_of_birth"), ';');
    r.nationalities = SplitOn(get(row, "nationalities"), ';');
    r.citizenships = SplitOn(get(row, "citizenships"), ';');
    r.places_of_birth = SplitOn(get(row, "places_of_birth"), ';');
    for (const char* key : kOtherCslFields) {
      if (std::string v = get(row, key); !v.empty()) r.other_fields.emplace_back(key, std::move(v));
    }
    out.records.push_back(std::move(r));
  }
  return out;
}

// ---- OFAC legacy CSV ----
Result<LoadedList> ParseOfacCsv(std::string_view bytes, const std::string& path) {
  auto rows = ParseDelimited(bytes, ',');
  LoadedList out;
  const std::string base = BaseName(path);
  const bool consolidated = base.find("cons_") == 0;
  out.version.list_id = consolidated ? "ofac-cons" : "ofac-sdn";
  out.version.format = "ofac-csv";
  std::unordered_map<std::string, size_t> by_number;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.size() < 4) {
      return Status::Invalid(fmt::format("row {}", i + 1), "OFAC CSV rows have 12 columns");
    }
    ListRecord r;
    r.entity_number = OfacValue(row[0]);
    r.name = OfacValue(row[1]);
    if (r.name.empty()) return Status::Invalid(fmt::format("row {}.name", i + 1), "missing");
    const std::string type = OfacValue(row[2]);
    r.type = type.empty() ? PartyType::kEntity : TypeFromLabel(type);
    for (auto& p : SplitOn(OfacValue(row[3]), ']')) {
      std::string program = p;
      program.erase(std::remove(program.begin(), program.end(), '['), program.end());
      program = Trim(program);
      if (!program.empty()) r.programs.push_back(program);
    }
    const bool non_sdn =
        std::any_of(r.programs.begin(), r.programs.end(), [](const std::string& p) {
          return p.rfind("NS-", 0) == 0 || p == "FSE-IR" || p == "FSE-SY" || p == "561-Related" ||
                 p.rfind("CMIC", 0) == 0;
        });
    r.source = consolidated && non_sdn ? ListSource::kOther : ListSource::kSdn;
    if (consolidated) {
      for (const auto& p : r.programs) {
        if (p == "NS-PLC")
          r.source = ListSource::kPalestinianCouncil;
        else if (p.rfind("FSE", 0) == 0)
          r.source = ListSource::kForeignEvaders;
        else if (p.rfind("NS-MBS", 0) == 0 || p.rfind("NS-ISA", 0) == 0)
          r.source = ListSource::kMenuBased;
        else if (p == "561-Related")
          r.source = ListSource::kCapta;
        else if (p.rfind("CMIC", 0) == 0)
          r.source = ListSource::kChineseMilitary;
        else if (p == "UKRAINE-EO13662" || p.rfind("SSI", 0) == 0)
          r.source = ListSource::kSectoral;
      }
    }
    r.record_id = fmt::format("{}:{}", consolidated ? "OFAC-CONS" : "SDN", r.entity_number);
    r.source_list_url = "https://sanctionslist.ofac.treas.gov/";
    // Remarks carry more aliases: a.k.a. 'NAME'.
    if (row.size() > 11) {
      const std::string remarks = OfacValue(row[11]);
      static const std::regex kAka(R"((?:a\.k\.a\.|f\.k\.a\.)\s*'([^']+)')");
      for (auto it = std::sregex_iterator(remarks.begin(), remarks.end(), kAka);
           it != std::sregex_iterator(); ++it) {
        r.alt_names.push_back((*it)[1].str());
      }
      ReadOfacRemarks(remarks, r);
      if (!remarks.empty()) r.other_fields.emplace_back("remarks", remarks);
    }
    by_number[r.entity_number] = out.records.size();
    out.records.push_back(std::move(r));
  }
  // Siblings: sdn.csv → alt.csv, add.csv; cons_prim.csv → cons_alt.csv, cons_add.csv.
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const std::string alt_name = consolidated ? "cons_alt.csv" : "alt.csv";
  const std::string add_name = consolidated ? "cons_add.csv" : "add.csv";
  if (base == "sdn.csv" || base == "cons_prim.csv") {
    if (auto alt = ReadFile((dir / alt_name).string()); alt.ok()) {
      for (const auto& row : ParseDelimited(*alt, ',')) {
        if (row.size() < 4) continue;
        auto it = by_number.find(OfacValue(row[0]));
        const std::string name = OfacValue(row[3]);
        if (it != by_number.end() && !name.empty()) {
          auto& alts = out.records[it->second].alt_names;
          if (std::find(alts.begin(), alts.end(), name) == alts.end()) alts.push_back(name);
        }
      }
      out.version.format += "+alt";
    }
    if (auto add = ReadFile((dir / add_name).string()); add.ok()) {
      for (const auto& row : ParseDelimited(*add, ',')) {
        if (row.size() < 5) continue;
        auto it = by_number.find(OfacValue(row[0]));
        const std::string country = OfacValue(row[4]);
        if (it != by_number.end()) {
          // add.csv: ent_num, add_num, address, city/state/postal code, country, remarks.
          out.records[it->second].addresses.push_back(
              {OfacValue(row[2]), OfacValue(row[3]), "", "", country});
        }
        if (it != by_number.end() && !country.empty()) {
          auto& cs = out.records[it->second].countries;
          if (std::find(cs.begin(), cs.end(), country) == cs.end()) cs.push_back(country);
        }
      }
      out.version.format += "+add";
    }
  }
  return out;
}

// ---- BIS DPL text ----
Result<LoadedList> ParseDplText(std::string_view bytes) {
  auto rows = ParseDelimited(bytes, '\t');
  if (rows.empty()) return Status::Invalid("file", "empty DPL file");
  std::unordered_map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[Trim(rows[0][i])] = i;
  if (col.count("Name") == 0) return Status::Invalid("header", "DPL header lacks column Name");
  auto get = [&](const std::vector<std::string>& row, const char* name) -> std::string {
    auto it = col.find(name);
    if (it == col.end() || it->second >= row.size()) return "";
    return Trim(row[it->second]);
  };
  LoadedList out;
  out.version.list_id = "bis-dpl";
  out.version.format = "bis-dpl-txt";
  for (size_t i = 1; i < rows.size(); ++i) {
    ListRecord r;
    r.source = ListSource::kDeniedPersons;
    r.name = get(rows[i], "Name");
    if (r.name.empty()) return Status::Invalid(fmt::format("row {}.Name", i + 1), "missing");
    const std::string country = get(rows[i], "Country");
    if (!country.empty()) r.countries.push_back(country);
    r.addresses.push_back({get(rows[i], "Street_Address"), get(rows[i], "City"), get(rows[i], "State"),
                           get(rows[i], "Postal_Code"), country});
    for (const auto& [column, key] : {std::pair{"Expiration_Date", "end_date"},
                                      std::pair{"Standard_Order", "standard_order"}}) {
      if (std::string v = get(rows[i], column); !v.empty()) r.other_fields.emplace_back(key, std::move(v));
    }
    r.federal_register_notice = get(rows[i], "FR_Citation");
    r.start_date = get(rows[i], "Effective_Date");
    r.record_id = fmt::format("DPL:row{}", i);
    r.license_requirement = "Denial order: all transactions subject to the EAR";
    const std::string updated = get(rows[i], "Last_Update");
    // The newest plausible Last_Update (the 2022 file has "3017-…" typos in some rows).
    if (updated.size() >= 10 && updated.substr(0, 2) == "20" && updated > out.version.source_date) {
      out.version.source_date = updated.substr(0, 10);
    }
    out.records.push_back(std::move(r));
  }
  // DPL rows list the same person once per address; keep the first row's id per name.
  return out;
}

}  // namespace

Result<LoadedList> ParseListBytes(std::string_view bytes, const std::string& file_name) {
  size_t start = 0;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") start = 3;  // UTF-8 byte order mark
  while (start < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[start]))) ++start;
  if (start >= bytes.size()) return Status::Invalid("file", file_name + " is empty");
  const std::string_view body = bytes.substr(start);
  const std::string_view first_line = body.substr(0, body.find('\n'));
  // The content hash runs beside the parse.
  std::string sha256;
  std::thread hasher([&] { sha256 = Sha256Hex(bytes); });
  Result<LoadedList> parsed = Status::Invalid("file", "unrecognized list format: " + file_name);
  if (body[0] == '{') {
    parsed = ParseCslJson(body);
  } else if (first_line.find("source") != std::string_view::npos &&
             first_line.find("name") != std::string_view::npos) {
    parsed = ParseCslCsv(body);
  } else if (first_line.find("\"Name\"\t") != std::string_view::npos ||
             first_line.rfind("Name\t", 0) == 0) {
    parsed = ParseDplText(body);
  } else if (std::isdigit(static_cast<unsigned char>(body[0]))) {
    parsed = ParseOfacCsv(body, file_name);
  }
  hasher.join();
  if (!parsed.ok()) {
    // The file name belongs in the message: the field is a path inside the file ("file" if none).
    const Status& bad = parsed.status();
    return Status::Error(bad.code(), bad.field().empty() ? "file" : bad.field(),
                         BaseName(file_name) + ": " + bad.message());
  }
  LoadedList list = std::move(parsed).value();
  list.version.file_name = BaseName(file_name);
  list.version.sha256 = std::move(sha256);
  list.version.record_count = list.records.size();
  if (list.version.source_date.empty())
    list.version.source_date = DateFromFileName(list.version.file_name);
  return list;
}

Result<LoadedList> LoadListFile(const std::string& path) {
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return ParseListBytes(*bytes, path);
}

}  // namespace exportctl::screen

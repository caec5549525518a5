// lists import|status|diff and screen NAME|--batch|compare|clear: thin wrappers over src/screen.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/validate.h"
#include "cli/commands.h"
#include "cli/coverage_changes.h"
#include "core/clock.h"
#include "core/utf8.h"
#include "data/dataset.h"
#include "screen/csv.h"
#include "screen/party_store.h"
#include "screen/screen.h"
#include "screen/screen_json.h"

namespace exportctl::cli {
namespace {

using nlohmann::json;
using screen::Hit;
using screen::ListRecord;

// Every list with its age on today's date (--max-list-age-days): stale ones carry a warning.
json VersionsJson(const CliContext& ctx, const std::vector<screen::ListVersion>& versions) {
  json out = json::array();
  for (const auto& a : screen::ListAges(versions, TodayUtc(), ctx.max_list_age_days)) {
    const screen::ListVersion& v = *a.version;
    json j{{"list_id", v.list_id},
           {"format", v.format},
           {"file_name", v.file_name},
           {"sha256", v.sha256},
           {"record_count", v.record_count},
           {"source_date", v.source_date},
           {"version", v.ToString()},
           {"age_days", a.age_days ? json(*a.age_days) : json(nullptr)},
           {"stale", a.stale}};
    if (a.stale) j["warning"] = a.warning;
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> StaleWarnings(const CliContext& ctx, const std::vector<screen::ListVersion>& versions) {
  return screen::StaleListWarnings(versions, TodayUtc(), ctx.max_list_age_days);
}

// Stale lists, and what the name hides (bidi controls, invisible or look-alike characters).
std::vector<std::string> Warnings(const CliContext& ctx, const std::vector<screen::ListVersion>& versions,
                                  const std::string& name) {
  std::vector<std::string> out = StaleWarnings(ctx, versions);
  for (auto& w : screen::NameWarnings(name)) out.push_back("the name: " + w);
  return out;
}

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::cout << "WARNING: " << w << "\n";
}

// The index over every imported list (from the data directory's index cache when it is current).
std::unique_ptr<screen::Screener> OpenScreener(CliContext& ctx) {
  auto index = screen::ListStore(ctx.data_dir).OpenIndex();
  if (!index.ok()) {
    Fail(ctx, index.status());
    return nullptr;
  }
  return std::move(index).value();
}

struct ScreenOptions {
  std::string name;
  std::string country;
  std::string type;
  std::vector<std::string> lists;
  double threshold = screen::kDefaultThreshold;
  size_t limit = 10;
  bool json = false;
  std::string batch;
  std::string remember_file;
  bool remember = false;
};

Result<screen::ScreenQuery> MakeQuery(const ScreenOptions& o, const std::string& name,
                                      const std::string& country) {
  screen::ScreenQuery q;
  q.name = name;
  q.country = country;
  q.threshold = o.threshold;
  q.limit = o.limit;
  if (!o.type.empty()) {
    auto t = screen::PartyTypeFromName(o.type);
    if (!t) return Status::Invalid("type", "must be individual, entity, vessel or aircraft");
    q.type = *t;
  }
  for (const auto& code : o.lists) {
    auto s = screen::ListSourceFromCode(code);
    if (!s)
      return Status::Invalid("list", "unknown list code " + code + " (EL, DPL, UVL, MEU, SDN, …)");
    q.sources.push_back(*s);
  }
  // Written so that nan is refused too: a threshold nothing reaches would clear every name.
  if (!(o.threshold > 0 && o.threshold <= 1)) return Status::Invalid("threshold", "must be in (0, 1]");
  return q;
}

void PrintHitsText(const std::string& name, const std::vector<Hit>& hits,
                   const std::vector<screen::ListVersion>& versions,
                   const std::vector<std::string>& warnings) {
  std::cout << "Screening \"" << name << "\" against";
  for (const auto& v : versions) std::cout << " " << v.ToString();
  std::cout << "\n";
  PrintWarnings(warnings);
  if (hits.empty()) {
    std::cout << "  no hit at or above the threshold\n";
    return;
  }
  for (const Hit& h : hits) {
    const ListRecord& r = *h.record;
    std::cout << fmt::format("  {:.3f} {:<8} {:<6} {}", h.score,
                             h.score >= screen::kCertainThreshold ? "MATCH" : "possible",
                             screen::ListSourceCode(r.source), r.name);
    if (const int f = r.Footnote(); f != 0) std::cout << "  [footnote " << f << "]";
    std::cout << "\n      " << h.Explain() << "\n";
    if (!r.federal_register_notice.empty())
      std::cout << "      listed: " << r.federal_register_notice << "\n";
  }
}

void RunScreenOne(CliContext& ctx, const ScreenOptions& o) {
  if (Status st = CheckUtf8(o.name, "name"); !st.ok()) return Fail(ctx, st);
  if (Status st = CheckUtf8(o.country, "country"); !st.ok()) return Fail(ctx, st);
  auto query = MakeQuery(o, o.name, o.country);
  if (!query.ok()) return Fail(ctx, query.status());
  auto index = OpenScreener(ctx);
  if (!index) return;
  auto hits = index->Screen(*query);
  if (!hits.ok()) return Fail(ctx, hits.status());
  if (o.remember) {
    auto parties = screen::PartyStore::Open(ctx.data_dir);
    Status kept = parties.ok() ? (*parties)->Remember(o.name, TodayUtc().ToString()) : parties.status();
    if (!kept.ok()) return Fail(ctx, kept);
  }
  std::vector<std::string> warnings = Warnings(ctx, index->versions(), o.name);
  if (std::string note = screen::CountryFilterNote(*index, *query, *hits); !note.empty())
    warnings.push_back(std::move(note));
  if (o.json) {
    json out{{"name", o.name},
             {"threshold", o.threshold},
             {"list_versions", VersionsJson(ctx, index->versions())},
             {"warnings", warnings}};
    json arr = json::array();
    for (const Hit& h : *hits) arr.push_back(screen::HitJson(h));
    out["hits"] = arr;
    std::cout << out.dump(2) << "\n";
  } else {
    PrintHitsText(o.name, *hits, index->versions(), warnings);
  }
}

// One batch row: name, optional country.
struct BatchRow {
  std::string name, country, id;
  Status error;  // a row that cannot be read is reported in its place
};

// JSON that may hold bytes the input had wrong (an error row quotes them): never throws.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// `unknown`: the fields of JSON lines it does not read ("line 3.contry"), for a warning.
Result<std::vector<BatchRow>> ReadBatch(const std::string& path, std::vector<std::string>& unknown) {
  EXPORTCTL_RETURN_IF_ERROR(CheckInputFile("batch", path));
  std::ifstream in(path);
  if (!in) return Status::Invalid("batch", "cannot open " + path);
  std::vector<BatchRow> rows;
  const bool jsonl = path.size() >= 6 && (path.substr(path.size() - 6) == ".jsonl" ||
                                          path.substr(path.size() - 5) == ".json");
  if (jsonl) {
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      BatchRow r;
      if (Status st = CheckUtf8(line, fmt::format("line {}", n)); !st.ok()) {
        r.error = st;
        rows.push_back(std::move(r));
        continue;
      }
      try {
        const json j = json::parse(line);
        if (j.is_object()) {
          for (const auto& field : j.items()) {
            const std::string& key = field.key();
            if (key != "name" && key != "country" && key != "id") unknown.push_back(fmt::format("line {}.{}", n, key.substr(0, 100)));
          }
        }
        r = BatchRow{j.value("name", ""), j.value("country", ""),
                     j.contains("id") ? j["id"].dump() : "", Status::Ok()};
        if (r.name.empty()) r.error = Status::Invalid(fmt::format("line {}.name", n), "is required");
      } catch (const json::exception& e) {
        r.error = Status::Invalid(fmt::format("line {}", n), e.what());
      }
      rows.push_back(std::move(r));
    }
    return rows;
  }
  auto csv = screen::ReadCsv(in);
  if (csv.empty()) return rows;
  size_t name_col = 0, country_col = SIZE_MAX, id_col = SIZE_MAX;
  bool header = false;
  for (size_t i = 0; i < csv[0].size(); ++i) {
    const std::string h = csv[0][i];
    if (h == "name" || h == "full_name") name_col = i, header = true;
    if (h == "country") country_col = i, header = true;
    if (h == "id") id_col = i, header = true;
  }
  for (size_t i = header ? 1 : 0; i < csv.size(); ++i) {
    const auto& row = csv[i];
    if (row.size() <= name_col || row[name_col].empty()) continue;
    BatchRow r{row[name_col], country_col < row.size() ? row[country_col] : "",
               id_col < row.size() ? row[id_col] : "", Status::Ok()};
    for (auto [value, field] : {std::pair{&r.name, "name"}, std::pair{&r.country, "country"}, std::pair{&r.id, "id"}}) {
      if (Status st = CheckUtf8(*value, fmt::format("row {}.{}", rows.size() + 1, field)); !st.ok() && r.error.ok()) r.error = st;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

// The lists' age warnings, and the input fields the batch did not read (never silently dropped).
json BatchWarnings(const CliContext& ctx, const std::vector<screen::ListVersion>& versions,
                   const std::vector<std::string>& unknown) {
  json out = StaleWarnings(ctx, versions);
  constexpr size_t kNamed = 20;
  for (size_t i = 0; i < unknown.size() && i < kNamed; ++i)
    out.push_back("Unknown field \"" + unknown[i] + "\" was ignored (a line reads name, country and id)");
  if (unknown.size() > kNamed) out.push_back(std::to_string(unknown.size() - kNamed) + " more unknown fields were ignored");
  return out;
}

void RunBatch(CliContext& ctx, const ScreenOptions& o) {
  std::vector<std::string> unknown;
  auto rows = ReadBatch(o.batch, unknown);
  if (!rows.ok()) return Fail(ctx, rows.status());
  auto base = MakeQuery(o, "x", "");
  if (!base.ok()) return Fail(ctx, base.status());
  auto index = OpenScreener(ctx);
  if (!index) return;
  const size_t n = rows->size();
  std::vector<std::string> out(n);
  std::atomic<size_t> next{0}, done{0}, bad_rows{0};
  const bool tty = isatty(STDERR_FILENO) != 0;
  const unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  const auto started = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      screen::ScreenQuery q = *base;
      q.name = (*rows)[i].name;
      q.country = (*rows)[i].country;
      auto hits = (*rows)[i].error.ok() ? index->Screen(q) : Result<std::vector<Hit>>((*rows)[i].error);
      json j{{"row", i + 1}, {"name", q.name}};
      if (!(*rows)[i].id.empty()) j["id"] = (*rows)[i].id;
      if (!hits.ok()) {
        ++bad_rows;
        j["error"] = {{"code", ErrorCodeName(hits.status().code())},
                      {"field", hits.status().field()},
                      {"message", hits.status().message()}};
      } else {
        json arr = json::array();
        for (const Hit& h : *hits) arr.push_back(screen::HitJson(h));
        j["hits"] = arr;
      }
      std::vector<std::string> warnings;
      if (hits.ok() && !hits->empty()) warnings = (*hits)[0].query_notes;
      if (hits.ok()) {
        if (std::string note = screen::CountryFilterNote(*index, q, *hits); !note.empty())
          warnings.push_back(std::move(note));
      }
      if (!warnings.empty()) j["warnings"] = warnings;
      out[i] = Dump(j);
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  if (tty) {
    while (done.load() < n) {
      const size_t d = done.load();
      const int width = 40;
      const int filled = n == 0 ? width : static_cast<int>(width * d / n);
      std::fprintf(stderr, "\r[%s%s] %zu/%zu", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), d, n);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  for (auto& t : pool) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (tty) std::fprintf(stderr, "\r%zu parties screened in %.2f s%30s\n", n, seconds, "");
  size_t with_hits = 0;
  for (size_t i = 0; i < n; ++i) {
    std::cout << out[i] << '\n';
    if (out[i].find("\"hits\":[{") != std::string::npos) ++with_hits;  // not errors, not empty
  }
  if (bad_rows > 0) ctx.exit_code = 2;  // like check --batch: the bad rows are reported in place
  std::cerr << json{{"screened", n},
                    {"invalid_rows", bad_rows.load()},
                    {"with_hits", with_hits},
                    {"seconds", seconds},
                    {"list_versions", VersionsJson(ctx, index->versions())},
                    {"warnings", BatchWarnings(ctx, index->versions(), unknown)}}
                   .dump()
            << "\n";
}

void RunCompare(CliContext& ctx, const std::string& pairs_path, double threshold) {
  if (!(threshold > 0 && threshold <= 1)) return Fail(ctx, Status::Invalid("threshold", "must be in (0, 1]"));
  if (Status st = CheckInputFile("pairs", pairs_path); !st.ok()) return Fail(ctx, st);
  std::ifstream in(pairs_path);
  if (!in) return Fail(ctx, Status::Invalid("pairs", "cannot open " + pairs_path));
  auto rows = screen::ReadCsv(in);
  if (rows.empty()) return Fail(ctx, Status::Invalid("pairs", pairs_path + " holds no name pairs"));
  size_t c1 = 0, c2 = 1;
  bool header = false;
  for (size_t i = 0; i < rows[0].size(); ++i) {
    if (rows[0][i] == "name1") c1 = i, header = true;
    if (rows[0][i] == "name2") c2 = i, header = true;
  }
  // The imported lists' word weights when there are lists, so a pair scores as `screen` scores
  // it; else class factors only ("word_weights": "neutral").
  std::unique_ptr<screen::Screener> index;
  if (auto opened = screen::ListStore(ctx.data_dir).OpenIndex(); opened.ok()) {
    index = std::move(opened).value();
  } else if (opened.status().code() == ErrorCode::kNotFound) {
    index = screen::Screener::Build({});
  } else {
    return Fail(ctx, opened.status());
  }
  const bool lists = !index->versions().empty();
  size_t scored_pairs = 0;
  for (size_t i = header ? 1 : 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.empty() || (row.size() == 1 && row[0].empty())) continue;
    if (!row[0].empty() && row[0][0] == '#') continue;
    if (row.size() <= std::max(c1, c2)) {
      return Fail(ctx,
                  Status::Invalid(fmt::format("pairs row {}", i + 1), "needs name1 and name2"));
    }
    auto scored = index->Compare(row[c1], row[c2]);
    if (!scored.ok()) {
      return Fail(ctx, scored.status().WithFieldPrefix(fmt::format("pairs row {}", i + 1)));
    }
    const double score = *scored;
    json j{{"name1", row[c1]},
           {"name2", row[c2]},
           {"score", std::round(score * 10000.0) / 10000.0},
           {"match", score >= threshold},
           {"word_weights", lists ? "lists" : "neutral"}};
    std::cout << j.dump() << '\n';
    ++scored_pairs;
  }
  if (scored_pairs == 0) return Fail(ctx, Status::Invalid("pairs", pairs_path + " holds no name pairs"));
}

// With an ownership graph and remembered parties, who is covered under the Affiliates Rule
// through listed owners before the import (nullopt: no graph or nobody to re-screen).
struct CoverageBefore {
  std::shared_ptr<const ownership::Graph> graph;
  std::unique_ptr<ownership::GraphOwnership> owners;
  CoverageWeigher weigher;
};
Result<std::unique_ptr<CoverageBefore>> WeighCoverageBefore(CliContext& ctx, const std::vector<std::string>& parties,
                                                            Date today) {
  if (parties.empty()) return std::unique_ptr<CoverageBefore>();
  auto graph = ownership::OpenGraph(ctx.data_dir);
  if (!graph.ok()) return graph.status();
  if (!*graph) return std::unique_ptr<CoverageBefore>();
  const Dataset* data = LoadDataset(ctx);
  if (!data) return Status::Error(ErrorCode::kInternal, "regulatory-data", "the regulatory data could not be loaded");
  auto w = OpenCoverageWeigher(ctx, *data, **graph, today);
  if (!w.ok()) return w.status();
  auto before = std::make_unique<CoverageBefore>();
  before->graph = *graph;
  before->owners = std::make_unique<ownership::GraphOwnership>(before->graph);
  before->weigher = std::move(w).value();
  return before;
}

void RunImport(CliContext& ctx, const std::vector<std::string>& files, bool allow_shrink, bool as_json) {
  screen::ListStore store(ctx.data_dir);
  // The remembered parties and, with an ownership graph, their coverage under the lists being
  // replaced: a new listing of an owner covers its subsidiaries (Affiliates Rule).
  auto party_store = screen::PartyStore::Open(ctx.data_dir);
  if (!party_store.ok()) return Fail(ctx, party_store.status());
  const auto parties = (*party_store)->Names();
  const Date today = TodayUtc();
  auto coverage_before = WeighCoverageBefore(ctx, parties, today);
  if (!coverage_before.ok()) return Fail(ctx, coverage_before.status());
  // Owners stated in earlier checks, and the lists they were weighed under (none: nobody listed).
  const auto stakes = (*party_store)->Stakes();
  std::unique_ptr<screen::ListPartyScreener> lists_before;
  if (!stakes.empty()) {
    auto s = screen::OpenPartyScreener(ctx.data_dir, {.max_age_days = ctx.max_list_age_days});
    if (!s.ok() && s.status().code() != ErrorCode::kNotFound) return Fail(ctx, s.status());
    if (s.ok()) lists_before = std::move(s).value();
  }
  json report = json::array();
  std::vector<screen::LoadedList> changed_lists;
  for (const auto& file : files) {
    const auto started = std::chrono::steady_clock::now();
    auto imported = store.Import(file, allow_shrink);
    if (!imported.ok()) return Fail(ctx, imported.status());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    json entry{{"file", file},
               {"version", imported->list.version.ToString()},
               {"records", imported->list.records.size()},
               {"seconds", seconds}};
    screen::LoadedList delta;
    delta.version = imported->list.version;
    if (imported->previous) {
      const auto diff = screen::DiffLists(*imported->previous, imported->list);
      entry["previous"] = imported->previous->version.ToString();
      entry["added"] = diff.added.size();
      entry["removed"] = diff.removed.size();
      entry["changed"] = diff.changed.size();
      for (const auto* r : diff.added) delta.records.push_back(*r);
      for (const auto& [old_r, new_r] : diff.changed) delta.records.push_back(*new_r);
    } else {
      delta.records = imported->list.records;
    }
    changed_lists.push_back(std::move(delta));
    report.push_back(entry);
  }
  // List changes are configuration changes: in the audit log before anything is reported.
  if (Status st = RecordCliEvent(ctx, "", "lists.imported", json{{"imported", report}}.dump()); !st.ok()) {
    return Fail(ctx, st);
  }
  // Re-screen the stored parties (screened by `check`, the server or `screen --remember`) against
  // the added and changed records only.
  json new_hits = json::array();
  if (!parties.empty()) {
    auto delta_index = screen::Screener::Build(std::move(changed_lists));
    for (const auto& p : parties) {
      auto hits =
          delta_index->Screen({.name = p, .country = "", .type = std::nullopt, .sources = {}});
      if (!hits.ok()) continue;
      for (const Hit& h : *hits) {
        json j = screen::HitJson(h);
        j["party"] = p;
        new_hits.push_back(j);
      }
    }
  }
  // Their coverage through the graph's owners under the new lists.
  json coverage_changes = json::array();
  if (*coverage_before) {
    auto& before = **coverage_before;
    const Dataset* data = LoadDataset(ctx);
    if (!data) return;
    auto after = OpenCoverageWeigher(ctx, *data, *before.graph, today);
    if (!after.ok()) return Fail(ctx, after.status());
    coverage_changes =
        CoverageChanges(parties, before.owners.get(), before.weigher.calc.get(), *before.owners, *after->calc, today);
  }
  json stated_changes = json::array();
  if (!stakes.empty()) {
    auto after = screen::OpenPartyScreener(ctx.data_dir, {.max_age_days = ctx.max_list_age_days});
    if (!after.ok()) return Fail(ctx, after.status());
    const Dataset* data = LoadDataset(ctx);
    if (!data) return;
    stated_changes = StatedCoverageChanges(stakes, *data, lists_before.get(), **after, today);
  }
  json out{{"imported", report}, {"rescreened_parties", parties.size()}, {"new_hits", new_hits}};
  if (*coverage_before) out["coverage_changes"] = coverage_changes;
  if (!stakes.empty()) out["stated_owner_coverage_changes"] = stated_changes;
  // What the re-screen found is recorded too, so it can be shown later (GET /v1/audit/records/{id}).
  if (Status st = RecordCliEvent(ctx, "", "lists.rescreened", out.dump()); !st.ok()) return Fail(ctx, st);
  if (as_json) {
    std::cout << out.dump(2) << "\n";
    return;
  }
  for (const auto& e : report) {
    std::cout << "imported " << e["version"].get<std::string>() << " in "
              << fmt::format("{:.2f}", e["seconds"].get<double>()) << " s";
    if (e.contains("previous")) {
      std::cout << "; vs " << e["previous"].get<std::string>() << ": +" << e["added"] << " -"
                << e["removed"] << " ~" << e["changed"];
    }
    std::cout << "\n";
  }
  std::cout << "re-screened " << parties.size()
            << " remembered parties against added/changed records: " << new_hits.size()
            << " new hits\n";
  for (const auto& h : new_hits) {
    std::cout << "  " << h["party"].get<std::string>() << " ~ " << h["list"].get<std::string>()
              << " " << h["name"].get<std::string>() << " (" << h["score"] << ")\n";
  }
  if (*coverage_before) {
    std::cout << "weighed their owners in ownership graph version " << (*coverage_before)->graph->version << " on "
              << today.ToString() << ": " << coverage_changes.size()
              << " whose coverage under the Affiliates Rule changed\n";
    PrintCoverageChanges(coverage_changes);
  }
  if (!stakes.empty()) {
    std::cout << "weighed the owners stated in earlier checks (" << stakes.size() << " stakes) on " << today.ToString() << ": "
              << stated_changes.size() << " parties whose coverage under the Affiliates Rule changed\n";
    PrintCoverageChanges(stated_changes);
  }
}

void RunStatus(CliContext& ctx, bool as_json) {
  auto versions = screen::ListStore(ctx.data_dir).Status();
  if (!versions.ok()) return Fail(ctx, versions.status());
  if (as_json) {
    std::cout << json{{"data_dir", ctx.data_dir},
                      {"max_list_age_days", ctx.max_list_age_days},
                      {"lists", VersionsJson(ctx, *versions)},
                      {"warnings", StaleWarnings(ctx, *versions)}}
                     .dump(2)
              << "\n";
    return;
  }
  if (versions->empty()) {
    std::cout << "no lists imported in " << ctx.data_dir << "\n";
    return;
  }
  for (const auto& v : *versions) {
    std::cout << fmt::format(
        "{:<10} {:<22} {:>7} records  source date {:<10}  sha256 {}  ({})\n", v.list_id, v.format,
        v.record_count, v.source_date.empty() ? "unknown" : v.source_date, v.sha256, v.file_name);
  }
  PrintWarnings(StaleWarnings(ctx, *versions));
}

void RunDiff(CliContext& ctx, const std::string& old_path, const std::string& new_path,
             bool as_json) {
  auto a = screen::LoadListFile(old_path);
  if (!a.ok()) return Fail(ctx, a.status());
  auto b = screen::LoadListFile(new_path);
  if (!b.ok()) return Fail(ctx, b.status());
  const auto diff = screen::DiffLists(*a, *b);
  if (as_json) {
    json added = json::array(), removed = json::array(), changed = json::array();
    for (const auto* r : diff.added) added.push_back(screen::ListRecordJson(*r));
    for (const auto* r : diff.removed) removed.push_back(screen::ListRecordJson(*r));
    for (const auto& [o, n] : diff.changed)
      changed.push_back({{"old", screen::ListRecordJson(*o)}, {"new", screen::ListRecordJson(*n)}});
    std::cout << json{{"old", a->version.ToString()},
                      {"new", b->version.ToString()},
                      {"added", added},
                      {"removed", removed},
                      {"changed", changed}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << a->version.ToString() << " → " << b->version.ToString() << ": " << diff.added.size()
            << " added, " << diff.removed.size() << " removed, " << diff.changed.size()
            << " changed\n";
  for (const auto* r : diff.added)
    std::cout << "+ " << screen::ListSourceCode(r->source) << "\t" << r->name << "\n";
  for (const auto* r : diff.removed)
    std::cout << "- " << screen::ListSourceCode(r->source) << "\t" << r->name << "\n";
  for (const auto& [o, n] : diff.changed)
    std::cout << "~ " << screen::ListSourceCode(n->source) << "\t" << n->name << "\n";
}

}  // namespace

void RegisterScreenCommands(CLI::App& app, CliContext& ctx) {
  // lists …
  auto* lists = app.add_subcommand("lists", "Restricted-party lists in the data directory");
  lists->require_subcommand(1);
  auto* import = lists->add_subcommand("import", "Import CSL JSON/CSV, OFAC CSV or BIS DPL files");
  auto files = std::make_shared<std::vector<std::string>>();
  auto import_json = std::make_shared<bool>(false);
  import->add_option("files", *files, "List files")->required()->check(CLI::ExistingFile);
  import->add_flag("--json", *import_json, "JSON output");
  auto allow_shrink = std::make_shared<bool>(false);
  import->add_flag("--allow-shrink", *allow_shrink,
                   "Import a file with no records, or with less than half the records of the list it replaces");
  import->callback([&ctx, files, allow_shrink, import_json] { RunImport(ctx, *files, *allow_shrink, *import_json);
});

auto* status = lists->add_subcommand("status", "Imported lists with their versions");
auto status_json = std::make_shared<bool>(false);
status->add_flag("--json", *status_json, "JSON output");
status->callback([&ctx, status_json] { RunStatus(ctx, *status_json); });

auto* diff =
    lists->add_subcommand("diff", "Added, removed and changed records between two list files");
auto diff_paths = std::make_shared<std::pair<std::string, std::string>>();
auto diff_json = std::make_shared<bool>(false);
diff->add_option("old", diff_paths->first, "Older list file")->required()->check(CLI::ExistingFile);
diff->add_option("new", diff_paths->second, "Newer list file")
    ->required()
    ->check(CLI::ExistingFile);
diff->add_flag("--json", *diff_json, "JSON output");
diff->callback([&ctx, diff_paths, diff_json] {
  RunDiff(ctx, diff_paths->first, diff_paths->second, *diff_json);
});

// screen …
auto* scr = app.add_subcommand("screen", "Screen a party name against the imported lists");
auto o = std::make_shared<ScreenOptions>();
scr->add_option("name", o->name, "Party name");
scr->add_option("--country", o->country, "ISO-2 country: records listed only elsewhere are left out (said in a warning)");
scr->add_option("--type", o->type, "individual, entity, vessel or aircraft");
scr->add_option("--list", o->lists, "Only these lists (EL, DPL, UVL, MEU, SDN, ISN, DTC, SSI, …)")
    ->delimiter(',');
scr->add_option("--threshold", o->threshold, "Minimum score (default 0.84)");
scr->add_option("--limit", o->limit, "Maximum hits (default 10)")->check(CLI::Range(1, 1000));
scr->add_flag("--json", o->json, "JSON output");
scr->add_option("--batch", o->batch, "CSV (name[,country]) or JSONL ({\"name\",\"country\"}) file");
scr->add_flag("--remember", o->remember, "Keep the party for re-screening after list imports");

auto* compare = scr->add_subcommand("compare", "Score name pairs: one JSON object per pair");
auto pairs = std::make_shared<std::string>();
auto compare_threshold = std::make_shared<double>(screen::kDefaultThreshold);
compare->add_option("--pairs", *pairs, "CSV with columns name1,name2 (optional schema)")
    ->required();
compare->add_option("--threshold", *compare_threshold, "Match threshold (default 0.84)");
compare->callback([&ctx, pairs, compare_threshold] {
  RunCompare(ctx, *pairs, *compare_threshold);
});

auto* clear =
    scr->add_subcommand("clear", "Record a disposition: the party is not this list record");
auto d = std::make_shared<std::array<std::string, 5>>();  // party, record, reason, expires, by
clear->add_option("--party", (*d)[0], "Party name as screened")->required();
clear->add_option("--record", (*d)[1], "List record id (from screen --json)")->required();
clear->add_option("--reason", (*d)[2], "Why the hit is a false positive")->required();
clear->add_option("--expires", (*d)[3], "YYYY-MM-DD")->required();
clear->add_option("--by", (*d)[4], "Officer");
auto horizon = std::make_shared<int>(kDefaultClearanceHorizonDays);
clear->add_option("--horizon-days", *horizon,
                  "Latest expiry allowed, in days from today (default " +
                      std::to_string(kDefaultClearanceHorizonDays) + ")");
auto clear_json = std::make_shared<bool>(false);
clear->add_flag("--json", *clear_json, "JSON output: the disposition recorded");
clear->callback([&ctx, d, horizon, clear_json] {
  for (auto [i, field] : {std::pair{0, "party"}, std::pair{2, "reason"}, std::pair{4, "by"}}) {
    if (Status st = CheckUtf8((*d)[i], field); !st.ok()) return Fail(ctx, st);
  }
  auto expires = Date::Parse((*d)[3]);
  if (!expires.ok()) return Fail(ctx, expires.status().WithFieldPrefix("expires"));
  auto index = OpenScreener(ctx);
  if (!index) return;
  const ListRecord* record = nullptr;
  for (const auto& r : index->records()) {
    if (r.record_id == (*d)[1]) record = &r;
  }
  if (!record)
    return Fail(ctx, Status::Error(ErrorCode::kNotFound, "record", "no record " + (*d)[1]));
  screen::Disposition disp{.party = (*d)[0],
                           .record_id = record->record_id,
                           .record_hash = record->ContentHash(),
                           .reason = (*d)[2],
                           .expires = *expires,
                           .cleared_by = (*d)[4],
                           .cleared_on = TodayUtc().ToString()};
  if (Status s = screen::DispositionStore(ctx.data_dir).Add(disp, *horizon); !s.ok()) return Fail(ctx, s);
  const json recorded{{"party", disp.party},         {"record_id", disp.record_id},
                      {"record_hash", disp.record_hash}, {"reason", disp.reason},
                      {"expires", (*d)[3]},              {"cleared_by", disp.cleared_by}};
  if (Status s = RecordCliEvent(ctx, "", "screen.cleared", recorded.dump()); !s.ok()) return Fail(ctx, s);
  if (*clear_json) {
    json out = recorded;
    out["record_name"] = record->name;
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << "cleared \"" << disp.party << "\" against " << record->record_id << " ("
            << record->name << ") until " << (*d)[3] << "\n";
});

scr->callback([&ctx, o, scr] {
  if (!scr->get_subcommands().empty()) return;  // compare / clear ran
  if (!o->batch.empty()) return RunBatch(ctx, *o);
  if (o->name.empty()) {
    return Fail(ctx, Status::Invalid(
                         "name", "give a NAME, --batch FILE, or a subcommand (compare, clear)"));
  }
  RunScreenOne(ctx, *o);
});
}  // namespace exportctl::cli

}  // namespace exportctl::cli

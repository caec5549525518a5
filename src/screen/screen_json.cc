#include "screen/screen_json.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace exportctl::screen {

using nlohmann::json;

nlohmann::json ListRecordJson(const ListRecord& r) {
  json j{{"record_id", r.record_id}, {"list", ListSourceCode(r.source)},
         {"name", r.name},           {"type", PartyTypeName(r.type)},
         {"countries", r.countries}, {"programs", r.programs}};
  if (!r.federal_register_notice.empty()) j["federal_register_notice"] = r.federal_register_notice;
  if (!r.license_requirement.empty()) j["license_requirement"] = r.license_requirement;
  if (!r.license_policy.empty()) j["license_policy"] = r.license_policy;
  if (const int f = r.Footnote(); f != 0) j["footnote"] = f;
  return j;
}

nlohmann::json HitJson(const Hit& h) {
  json j = ListRecordJson(*h.record);
  j["score"] = std::round(h.score * 10000.0) / 10000.0;
  j["certain"] = h.score >= kCertainThreshold;
  j["matched_name"] = h.matched_name;
  j["alias"] = h.alias;
  j["contained"] = h.contained;
  json words = json::array();
  for (const auto& m : h.matched) {
    words.push_back(
        {{"query", m.query_word}, {"listed", m.listed_word}, {"similarity", m.similarity}});
  }
  j["matched_words"] = words;
  j["unmatched_query_words"] = h.unmatched_query_words;
  j["unmatched_listed_words"] = h.unmatched_listed_words;
  j["place_words"] = h.place_words;
  j["legal_form_words"] = h.legal_form_words;
  j["generic_words"] = h.generic_words;
  j["explanation"] = h.Explain();
  return j;
}

}  // namespace exportctl::screen

namespace exportctl::screen {

std::string CountryFilterNote(const Screener& screener, const ScreenQuery& query,
                              const std::vector<Hit>& kept) {
  if (query.country.empty()) return "";
  ScreenQuery all = query;
  all.country.clear();
  auto hits = screener.Screen(all);
  if (!hits.ok()) {
    return "Could not tell whether the country filter " + query.country +
           " left out hits listed elsewhere (" + hits.status().message() + "): screen without it";
  }
  size_t left_out = 0;
  const Hit* best = nullptr;
  for (const Hit& h : *hits) {
    const bool shown = std::any_of(kept.begin(), kept.end(), [&](const Hit& k) {
      return k.record_index == h.record_index;
    });
    if (shown) continue;
    ++left_out;
    if (best == nullptr || h.score > best->score) best = &h;
  }
  if (best == nullptr) return "";
  std::string where;
  for (const auto& c : best->record->countries) where += (where.empty() ? "" : ", ") + c;
  return fmt::format(
      "The country filter {} left out {} hit{} at or above the threshold listed only in other "
      "countries (best: {} {} \"{}\", {}, score {:.3f}): a list names the countries it knew of, "
      "not every one a party works in; screen without the filter to see them",
      query.country, left_out, left_out == 1 ? "" : "s", ListSourceCode(best->record->source),
      best->record->record_id, best->record->name, where.empty() ? "no country" : where,
      best->score);
}

}  // namespace exportctl::screen

#include "screen/screen_json.h"

#include <cmath>

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

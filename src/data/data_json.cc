#include "data/data_json.h"

namespace exportctl {

void WriteChipJson(const ChipRecord& c, JsonWriter& w) {
  auto optional_number = [&](const char* key, const std::optional<double>& v) {
    w.Key(key);
    if (v) w.Number(*v);
    else w.Null();
  };
  w.BeginObject();
  w.Field("id", c.id).Field("vendor", c.vendor).Field("model", c.model).Field("variant", c.variant);
  w.Field("name", c.name);
  optional_number("tpp", c.tpp);
  optional_number("die_area_mm2", c.die_area_mm2);
  w.Field("die_area_verified", c.die_area_verified);
  optional_number("memory_bandwidth_gbps", c.memory_bandwidth_gbps);
  w.Field("datacenter", c.datacenter).Field("designer_headquarters", c.designer_headquarters);
  w.Key("throughput").BeginArray();
  for (const auto& t : c.throughput) {
    w.BeginObject().Field("bit_length", t.bit_length).Field("dense_tops", t.dense_tops).EndObject();
  }
  w.EndArray();
  w.Key("sources").BeginArray();
  for (const auto& s : c.sources) w.String(s);
  w.EndArray();
  w.Field("verified", c.verified);
  if (!c.verified_note.empty()) w.Field("verified_note", c.verified_note);
  if (c.us_market_2026_01_15) {
    w.Field("us_market_2026_01_15", *c.us_market_2026_01_15).Field("us_market_citation", c.us_market_citation);
  }
  w.EndObject();
}

void WriteRegimesJson(const Dataset& data, Date d, Posture p, JsonWriter& w) {
  w.BeginArray();
  for (const auto& g : data.regimes()) {
    w.BeginObject().Field("id", g.id).Field("title", g.title).Field("citation", g.fr);
    w.Field("effective", g.effective.ToString());
    if (g.compliance) w.Field("compliance", g.compliance->ToString());
    w.Field("in_force", g.InForce(d, p, data.rules())).Field("verified", g.verified);
    w.Key("rules").BeginArray();
    for (const auto& id : g.rule_ids) {
      const RuleDef* r = data.FindRule(id);
      if (!r) continue;
      w.BeginObject().Field("id", r->id).Field("citation", r->citation).Field("summary", r->summary);
      w.Field("active", r->ActiveOn(d, p)).Field("verified", r->verified).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
}

void WriteCountryJson(const Dataset& data, const Country& c, Date d, Posture p, JsonWriter& w) {
  w.BeginObject().Field("code", c.code).Field("name", c.name).Field("as_of", d.ToString());
  w.Field("posture", PostureName(p));
  if (!c.treat_as.empty()) w.Field("treated_as", c.treat_as);
  w.Key("groups").BeginArray();
  for (int g = 0; g < static_cast<int>(Group::kCount); ++g) {
    if (data.InGroup(c.code, static_cast<Group>(g), d)) w.String(GroupName(static_cast<Group>(g)));
  }
  w.EndArray();
  // Which source attests each group (membership or not) on d; the 2026-07-23 table alone only from its date.
  w.Key("provenance").BeginArray();
  for (int g = 0; g < static_cast<int>(Group::kCount); ++g) {
    const MembershipProvenance pr = data.Provenance(c.code, static_cast<Group>(g), d);
    w.BeginObject().Field("group", GroupName(static_cast<Group>(g))).Field("member", pr.member);
    w.Field("verified", pr.verified).Field("source", pr.citation).EndObject();
  }
  w.EndArray();
  if (!c.note.empty()) w.Field("note", c.note);
  w.EndObject();
}

}  // namespace exportctl

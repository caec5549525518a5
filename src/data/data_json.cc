#include "data/data_json.h"

#include "data/rule_for_step.h"

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
    w.Field("data_reviewed_through", data.reviewed_through().ToString());
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

void WriteCountryJson(const Dataset& data, const Country& c, Date d, Posture p, JsonWriter& w,
                      const CountryFields& extra) {
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
  const AiDiffusionTier tier = AiDiffusionTierOf(data, c.code, d, p);
  w.Key("ai_diffusion_tier").BeginObject();
  w.Key("tier");
  if (tier.tier) w.Integer(*tier.tier);
  else w.Null();
  w.Field("binding", tier.binding).Field("status", tier.status).Field("basis", tier.basis);
  w.Field("verified", tier.verified).Field("note", tier.note).EndObject();
  if (extra) extra(c, w);
  if (!c.note.empty()) w.Field("note", c.note);
  w.EndObject();
}

namespace {

constexpr std::string_view kAid = "ai-diffusion-2025";

std::vector<std::string> StringList(const Parameter* p) {
  std::vector<std::string> out;
  if (!p || !p->value.contains("value") || !p->value["value"].is_array()) return out;
  for (const auto& v : p->value["value"]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

AiDiffusionTier AiDiffusionTierOf(const Dataset& data, std::string_view code, Date d, Posture p) {
  AiDiffusionTier out;
  const Regime* regime = data.FindRegime(kAid);
  const RuleDef* policy = RuleForStep(data.rules(), "tier_policy");
  if (!regime || !policy) {
    out.status = "not_in_data";
    out.note = "The regulatory data has no AI Diffusion rule";
    return out;
  }
  const std::string citation = regime->fr + ", " + policy->citation;
  if (d < regime->effective) {
    out.status = "not_yet_effective";
    out.note = "The AI Diffusion rule (" + regime->fr + ") takes effect on " + regime->effective.ToString() + ": no tiers before";
    return out;
  }
  // Tiers: Supp. No. 5 paragraph (a) is Tier 1; the tier3_groups (D:5 and Macau) are Tier 3;
  // every other destination is Tier 2. Hong Kong counts as China.
  const std::string_view effective = data.EffectiveCode(code);
  const Parameter* tier1 = data.Param(kAid, "tier1_destinations");
  const Parameter* tier3 = data.Param(kAid, "tier3_groups");
  const Parameter* tier1_name = data.Param(kAid, "tier1_list_citation");
  const std::string tier1_list = tier1_name ? tier1_name->value.value("value", "Tier 1") : "Tier 1";
  for (const auto& g : StringList(tier3)) {
    const auto group = ParseGroup(g);
    if ((group && data.InGroup(code, *group, d)) || g == code || g == effective) {
      out.tier = 3;
      out.basis = (group ? "Country Group " + g : g) + " (" + (tier3 ? tier3->citation : policy->citation) + ")";
      break;
    }
  }
  if (!out.tier) {
    for (const auto& t : StringList(tier1)) {
      if (t == code || t == effective) {
        out.tier = 1;
        out.basis = tier1 ? tier1->citation : policy->citation;
        out.verified = !tier1 || tier1->verified;
      }
    }
  }
  if (!out.tier) {
    out.tier = 2;
    out.basis = "neither the " + tier1_list + " list nor " + std::string(tier3 ? "Country Group D:5 or Macau" : "Tier 3") +
                " (" + policy->citation + ")";
    out.verified = !tier1 || tier1->verified;  // Tier 2 is "not Tier 1": as sure as the Tier 1 list
  }
  const RuleDef* not_enforced = RuleForStep(data.rules(), "aid_not_enforced");
  if (policy->ActiveOn(d, p)) {
    out.binding = true;
    out.status = "in_force";
    out.note = "Tier " + std::to_string(*out.tier) + " binds under the " + std::string(PostureName(p)) + " posture (" + citation + ")";
  } else if (p == Posture::kEnforced && not_enforced && not_enforced->ActiveOn(d, p)) {
    const std::string since = not_enforced->enforced.empty() ? std::string() : " since " + not_enforced->enforced.front().from.ToString();
    out.status = "codified_not_enforced";
    out.note = "The AI Diffusion tiers are codified (" + citation + ") but not enforced" + since + " (" + not_enforced->citation +
               "): under the enforced posture the tier binds nothing; the codified posture applies it";
  } else if (regime->compliance && d < *regime->compliance) {
    out.status = "compliance_pending";
    out.note = "The AI Diffusion rule (" + regime->fr + ") is effective from " + regime->effective.ToString() +
               " but compliance is not required until " + regime->compliance->ToString();
  } else {
    out.status = "not_binding";
    out.note = "The AI Diffusion tiers do not bind under the " + std::string(PostureName(p)) + " posture on " + d.ToString() + " (" + citation + ")";
  }
  return out;
}

void WriteCountriesJson(const Dataset& data, Date d, Posture p, JsonWriter& w,
                        const std::function<void(JsonWriter&)>& extra, const CountryFields& each) {
  w.BeginObject().Field("as_of", d.ToString()).Field("posture", PostureName(p));
  // Whether the tiers bind is the same for every country; the first one's answer says it.
  const AiDiffusionTier any = AiDiffusionTierOf(data, data.countries().empty() ? "" : data.countries().front().code, d, p);
  w.Key("ai_diffusion").BeginObject().Field("binding", any.binding).Field("status", any.status);
  w.Field("note", any.note).EndObject();
  if (extra) extra(w);
  w.Key("countries").BeginArray();
  for (const Country& c : data.countries()) {
    w.BeginObject().Field("code", c.code).Field("name", c.name);
    if (!c.treat_as.empty()) w.Field("treated_as", c.treat_as);
    w.Key("groups").BeginArray();
    for (int g = 0; g < static_cast<int>(Group::kCount); ++g) {
      if (data.InGroup(c.code, static_cast<Group>(g), d)) w.String(GroupName(static_cast<Group>(g)));
    }
    w.EndArray();
    const AiDiffusionTier tier = AiDiffusionTierOf(data, c.code, d, p);
    w.Key("ai_diffusion_tier");
    if (tier.tier) w.Integer(*tier.tier);
    else w.Null();
    if (each) each(c, w);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

}  // namespace exportctl

#include "determine/destination_json.h"

#include "data/data_json.h"

namespace exportctl {
namespace {

void OptionalString(JsonWriter& w, const char* key, const std::string& v) {
  w.Key(key);
  if (v.empty()) w.Null();
  else w.String(v);
}

}  // namespace

void WriteLicenseAreaJson(const LicenseAreaMembership& a, JsonWriter& w) {
  w.Key("license_area").BeginObject().Field("in_area", a.in_area);
  OptionalString(w, "rule", a.rule);
  OptionalString(w, "citation", a.citation);
  w.Field("items", a.items).Field("named", a.named).Field("verified", a.verified);
  w.Field("basis", a.basis).EndObject();
}

void WriteCountriesJson(const Engine& engine, Date d, Posture p, JsonWriter& w) {
  const Dataset& data = engine.data();
  // The rule is the same for every country; the first one's answer names it.
  const LicenseAreaMembership any = engine.LicenseArea(data.countries().empty() ? "" : data.countries().front().code, d, p);
  WriteCountriesJson(
      data, d, p, w,
      [&](JsonWriter& out) {
        out.Key("license_area").BeginObject();
        OptionalString(out, "rule", any.rule);
        OptionalString(out, "citation", any.citation);
        out.Field("items", any.items).EndObject();
      },
      [&](const Country& c, JsonWriter& out) {
        const LicenseAreaMembership a = engine.LicenseArea(c.code, d, p);
        out.Key("license_area").BeginObject().Field("in_area", a.in_area);
        OptionalString(out, "rule", a.rule);
        out.Field("named", a.named).Field("verified", a.verified).EndObject();
      });
}

void WriteCountryJson(const Engine& engine, const Country& c, Date d, Posture p, JsonWriter& w) {
  WriteCountryJson(engine.data(), c, d, p, w, [&](const Country& country, JsonWriter& out) {
    WriteLicenseAreaJson(engine.LicenseArea(country.code, d, p), out);
    out.Key("rules_binding").BeginArray();
    for (const BindingRule& r : engine.RulesBinding(country.code, d, p)) {
      out.BeginObject().Field("rule", r.rule).Field("citation", r.citation).Field("effect", r.effect);
      out.Field("regime", r.regime).Key("items").BeginArray();
      for (const auto& i : r.items) out.String(i);
      out.EndArray().EndObject();
    }
    out.EndArray();
  });
}

}  // namespace exportctl

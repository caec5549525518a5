#include "determine/decision_json.h"

#include <cmath>

#include "core/json_writer.h"

namespace exportctl {


void AppendWorksheetJson(const jurisdiction::Worksheet& ws, std::string& out) {
  JsonWriter w(out);
  w.BeginObject().Field("computed", ws.computed);
  if (!ws.why_not.empty()) w.Field("why_not", ws.why_not);
  w.Key("lines").BeginArray();
  for (const auto& l : ws.lines) {
    w.BeginObject().Field("part", l.part).Field("eccn", l.eccn);
    if (!l.chip.empty()) w.Field("chip", l.chip);
    w.Key("value_usd").Number(l.value_usd);
    w.Field("controlled", l.controlled);
    if (l.uncertain) w.Field("uncertain", true);
    w.Field("why", l.why).EndObject();
  }
  w.EndArray();
  w.Key("numerator_usd").Number(ws.numerator);
  w.Key("denominator_usd").Number(ws.denominator);
  w.Key("ratio_percent").Number(std::round(ws.ratio_percent * 1000) / 1000);
  w.Key("threshold_percent").Number(ws.threshold_percent);
  w.Field("threshold_citation", ws.threshold_citation);
  w.Field("exceeds", ws.exceeds);
  w.Key("uncertain_usd").Number(ws.uncertain_usd);
  w.Field("open", ws.open);
  w.Key("notes").BeginArray();
  for (const auto& n : ws.notes) w.String(n);
  w.EndArray().EndObject();
}

// An item's "jurisdiction": its determination, or the assumption made without origin facts.
static void AppendItemJurisdiction(const ItemResult& it, std::string& out) {
  if (it.jurisdiction) {
    AppendJurisdictionJson(*it.jurisdiction, out);
    return;
  }
  JsonWriter w(out);
  w.BeginObject().Field("verdict", "subject").Field("assumed", true);
  std::string basis = "no origin facts given: taken as US-origin, subject to the EAR";
  if (!it.jurisdiction_assumed.empty()) basis.append(" (").append(it.jurisdiction_assumed).append(")");
  w.Field("basis", basis).EndObject();
}

void AppendJurisdictionAnswerJson(const Decision& d, std::string& out) {
  JsonWriter w(out);
  w.BeginObject().Field("reference", d.reference).Field("as_of", d.as_of.ToString()).Field("posture", PostureName(d.posture));
  w.Field("destination", d.destination);
  // The whole decision's outcome beside the verdicts: an unverified fact (a Country Group
  // membership) can send a "not_subject" verdict to review, which a client must not miss.
  w.Field("outcome", OutcomeName(d.outcome)).Field("review_required", d.outcome == Outcome::kNeedsReview);
  w.Key("items").BeginArray();
  for (const auto& it : d.items) {
    w.BeginObject().Field("label", it.label);
    w.Field("eccn", it.classification.determinate ? EccnName(it.classification.eccn) : "indeterminate");
    w.OptionalField("license", it.license);
    w.Key("jurisdiction").Raw("");
    AppendItemJurisdiction(it, out);
    w.EndObject();
  }
  w.EndArray();
  w.Key("missing_facts").BeginArray();
  for (const auto& m : d.missing_facts) w.String(m);
  w.EndArray();
  w.Key("warnings").BeginArray();
  for (const auto& s : d.warnings) w.String(s);
  w.EndArray().EndObject();
}

void AppendJurisdictionJson(const jurisdiction::Determination& j, std::string& out) {
  using jurisdiction::Answer;
  JsonWriter w(out);
  w.BeginObject().Field("verdict", jurisdiction::VerdictName(j.verdict));
  w.Key("routes").BeginArray();
  for (const auto& r : j.routes) {
    w.BeginObject().Field("route", r.name).Field("rule", r.rule).Field("citation", r.citation);
    w.Field("applies", r.met == Answer::kYes ? "yes" : r.met == Answer::kNo ? "no" : "unknown");
    if (r.excludes) w.Field("excludes", true);
    w.Field("summary", r.summary).EndObject();
  }
  w.EndArray();
  w.Key("missing").BeginArray();
  for (const auto& m : j.missing) w.String(m);
  w.EndArray();
  w.Key("unsupported").BeginArray();
  for (const auto& u : j.unsupported) w.String(u);
  w.EndArray();
  w.Key("notes").BeginArray();
  for (const auto& n : j.notes) w.String(n);
  w.EndArray();
  w.Field("gp10_presumption", j.gp10);
  w.Key("de_minimis").Raw("");
  AppendWorksheetJson(j.de_minimis, out);
  w.EndObject();
}
namespace {

void WriteOptional(JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  w.Key(key);
  if (v) w.Number(*v);
  else w.Null();
}

void WriteClassification(JsonWriter& w, const Classification& c) {
  w.Field("eccn", c.determinate ? EccnName(c.eccn) : "indeterminate");
  w.Field("determinate", c.determinate);
  if (!c.paragraph.empty()) w.Field("paragraph", c.paragraph);
  if (!c.determinate) {
    w.Key("candidates").BeginArray();
    for (Eccn e : c.candidates) w.String(EccnName(e));
    w.EndArray();
    w.Key("missing").BeginArray();
    for (const auto& m : c.missing) w.String(m);
    w.EndArray();
  }
  WriteOptional(w, "tpp", c.tpp);
  if (c.performance_density) w.Key("performance_density").Number(std::round(*c.performance_density * 100) / 100);
  else w.Key("performance_density").Null();
  if (c.memory_bandwidth_density) w.Key("memory_bandwidth_density").Number(*c.memory_bandwidth_density);
  w.Key("datacenter");
  if (c.datacenter) w.Bool(*c.datacenter);
  else w.Null();
  if (c.datacenter_note_applied) w.Field("datacenter_note_applied", true);
  w.Key("notes").BeginArray();
  for (const auto& n : c.notes) w.String(n);
  w.EndArray();
}

}  // namespace

double RoundH100(double h100_equivalents) { return std::round(h100_equivalents * 1000) / 1000; }

const DecisionParty* Consignee(const Decision& d) {
  for (const auto& p : d.parties) {
    if (p.role == PartyRole::kUltimateConsignee) return &p;
  }
  return nullptr;
}

void AppendClassificationJson(const Classification& c, std::string& out) {
  JsonWriter w(out);
  w.BeginObject();
  WriteClassification(w, c);
  w.Key("h100_equivalents").Number(RoundH100(c.h100_per_unit));
  w.Key("warnings").BeginArray();
  for (const auto& x : c.warnings) w.String(x);
  w.EndArray();
  w.EndObject();
}

namespace {

// postings: when given, the reservation's postings (a JSON array) written under
// "ledger_postings" in place of the decision's one-line summaries.
void WriteDecision(const Decision& d, const std::string_view* postings, std::string& out) {
  out.reserve(out.size() + 4096);
  JsonWriter w(out);
  w.BeginObject();
  w.Field("decision_id", d.decision_id);
  w.Field("reference", d.reference);
  w.Field("as_of", d.as_of.ToString());
  w.Field("activity", ActivityName(d.activity));
  w.Field("destination", d.destination);
  w.Key("consignee");
  if (const DecisionParty* c = Consignee(d)) w.String(c->name);
  else w.Null();
  w.Key("parties").BeginArray();
  for (const auto& p : d.parties) {
    w.BeginObject().Field("role", PartyRoleName(p.role)).Field("name", p.name);
    w.OptionalField("country", p.country);
    w.EndObject();
  }
  w.EndArray();
  w.Field("outcome", OutcomeName(d.outcome));
  w.OptionalField("license_exception", d.license_exception);
  w.OptionalField("review_policy", ReviewPolicyName(d.review_policy));  // "" for none
  w.OptionalField("policy_wording", d.policy_wording);
  w.Field("posture", PostureName(d.posture));
  w.Key("regimes").BeginArray();
  for (const auto& r : d.regimes) w.String(r);
  w.EndArray();
  w.Field("data_version", d.data_version);
  w.Key("items").BeginArray();
  for (const auto& it : d.items) {
    w.BeginObject();
    w.Field("label", it.label);
    WriteClassification(w, it.classification);
    w.Field("quantity", it.quantity);
    w.Key("total_tpp").Number(it.total_tpp);
    w.Key("h100_equivalents").Number(RoundH100(it.classification.h100_per_unit * static_cast<double>(it.quantity)));
    w.Field("outcome", OutcomeName(it.outcome));
    w.OptionalField("license_exception", it.license_exception);
    w.OptionalField("review_policy", ReviewPolicyName(it.review_policy));  // "" for none
    w.OptionalField("license", it.license);
    w.Key("jurisdiction").Raw("");
    AppendItemJurisdiction(it, out);
    w.EndObject();
  }
  w.EndArray();
  w.Key("licenses").BeginArray();
  for (const auto& l : d.licenses) {
    w.BeginObject().Field("number", l.number).Field("version", l.version).Field("expires", l.expires);
    w.Key("items").BeginArray();
    for (int i : l.items) w.Integer(i);
    w.EndArray();
    w.Field("partial", l.partial);
    w.Key("drawdowns").BeginArray();
    for (const auto& x : l.drawdowns) {
      w.BeginObject().Field("measure", x.measure).Field("account", "license:" + l.number + ":" + x.measure);
      w.Key("amount").Number(x.amount);
      w.Key("limit").Number(x.limit);
      w.Key("remaining_after").Number(x.remaining_after);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("reasons").BeginArray();
  for (const auto& f : d.reasons) {
    w.BeginObject();
    w.Field("rule", f.rule).Field("citation", f.citation).Field("summary", f.summary);
    w.Field("effect", EffectName(f.effect));
    if (f.review_policy != ReviewPolicy::kNone) w.Field("review_policy", ReviewPolicyName(f.review_policy));
    if (!f.policy_wording.empty()) w.Field("policy_wording", f.policy_wording);
    if (f.item >= 0) w.Field("item", f.item);
    if (!f.verified) w.Field("verified", false);
    w.EndObject();
  }
  w.EndArray();
  w.Key("obligations").BeginArray();
  for (const auto& o : d.obligations) w.String(o);
  w.EndArray();
  w.Key("warnings").BeginArray();
  for (const auto& x : d.warnings) w.String(x);
  w.EndArray();
  w.Key("steps").BeginArray();
  for (const auto& s : d.steps) {
    w.BeginObject().Field("step", s.step).Field("status", s.status).Field("detail", s.detail).EndObject();
  }
  w.EndArray();
  if (postings) {
    w.Key("ledger_postings").Raw(*postings);
  } else if (!d.ledger_postings.empty()) {  // present only when the decision reserved allocations
    w.Key("ledger_postings").BeginArray();
    for (const auto& p : d.ledger_postings) w.String(p);
    w.EndArray();
  }
  w.Key("list_versions").BeginArray();
  for (const auto& v : d.list_versions) w.String(v);
  w.EndArray();
  w.Key("screened_parties").BeginArray();
  for (const auto& p : d.screened_parties) {
    w.BeginObject().Field("role", p.role).Field("name", p.name).Field("status", p.status);
    w.Field("stated_listings", static_cast<int64_t>(p.stated_listings));
    w.Field("listings_found", static_cast<int64_t>(p.listings_found)).EndObject();
  }
  w.EndArray();
  if (!d.overlays.empty()) {  // country agreements weighed (only when overlays were given)
    w.Key("overlays").BeginArray();
    for (const auto& o : d.overlays) {
      w.BeginObject().Field("id", o.id).Field("title", o.title).Field("status", o.status).Field("dates", o.dates);
      w.Key("applied").Bool(o.applied);
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("alternate");
  if (!d.alternate) {
    w.Null();
  } else {
    const AlternateOutcome& a = *d.alternate;
    w.BeginObject();
    w.Field("posture", PostureName(a.posture)).Field("outcome", OutcomeName(a.outcome));
    w.OptionalField("license_exception", a.license_exception);
    w.OptionalField("review_policy", ReviewPolicyName(a.review_policy));  // "" for none
    w.Key("rules").BeginArray();
    for (const auto& r : a.rules) w.String(r);
    w.EndArray();
    w.EndObject();
  }
  w.Key("would_change").BeginArray();
  for (const auto& c : d.would_change) {
    w.BeginObject().Field("field", c.field).Key("value").Raw(c.value);
    w.Field("outcome", OutcomeName(c.outcome)).Key("license_exception");
    if (c.license_exception.empty()) w.Null();
    else w.String(c.license_exception);
    w.OptionalField("review_policy", ReviewPolicyName(c.review_policy));  // "" for none
    w.Field("summary", c.summary).EndObject();
  }
  w.EndArray();
  w.Key("missing_facts").BeginArray();
  for (const auto& m : d.missing_facts) w.String(m);
  w.EndArray();
  w.EndObject();
}

}  // namespace

void AppendDecisionJson(const Decision& d, std::string& out) { WriteDecision(d, nullptr, out); }

void AppendDecisionJson(const Decision& d, std::string_view ledger_postings, std::string& out) {
  WriteDecision(d, &ledger_postings, out);
}

std::string DecisionToJson(const Decision& d) {
  std::string out;
  AppendDecisionJson(d, out);
  return out;
}

}  // namespace exportctl

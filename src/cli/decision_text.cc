#include "cli/decision_text.h"

namespace exportctl::cli {

using nlohmann::json;

std::string TextValue(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();  // numbers in their JSON form: the same digits the JSON carries
}

namespace {

std::string Str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& Arr(const json& o, const char* key) {
  static const json kEmpty = json::array();
  auto it = o.find(key);
  return it != o.end() && it->is_array() ? *it : kEmpty;
}

// " exception NAC  review policy presumption_of_denial ("policy of denial")"
std::string OutcomeDetail(const json& o) {
  std::string out;
  if (!Str(o, "license_exception").empty()) out += "  exception " + Str(o, "license_exception");
  if (!Str(o, "review_policy").empty()) {
    out += "  review policy " + Str(o, "review_policy");
    if (!Str(o, "policy_wording").empty()) out += " (\"" + Str(o, "policy_wording") + "\")";
  }
  return out;
}

}  // namespace

void PrintJurisdictionText(const json& j, std::ostream& os, const std::string& indent) {
  os << indent << "subject to the EAR: " << Str(j, "verdict") << (j.value("assumed", false) ? " (assumed: " + Str(j, "basis") + ")" : "") << "\n";
  for (const auto& r : Arr(j, "routes")) {
    os << indent << "  " << Str(r, "route") << ": " << Str(r, "applies") << " — " << Str(r, "summary") << " (" << Str(r, "citation") << ")\n";
  }
  if (!Arr(j, "missing").empty()) {
    os << indent << "  missing:";
    for (const auto& m : Arr(j, "missing")) os << " " << TextValue(m);
    os << "\n";
  }
  for (const auto& u : Arr(j, "unsupported")) os << indent << "  not weighed (review): " << TextValue(u) << "\n";
  for (const auto& n : Arr(j, "notes")) os << indent << "  note: " << TextValue(n) << "\n";
  if (j.value("gp10_presumption", false)) os << indent << "  GP10 presumption: presumed made in violation of the EAR\n";
  if (j.contains("de_minimis")) PrintWorksheetText(j["de_minimis"], os, indent + "  ");
}

void PrintWorksheetText(const json& w, std::ostream& os, const std::string& indent) {
  if (!w.value("computed", false)) {
    os << indent << "de minimis: not computed" << (Str(w, "why_not").empty() ? "" : " (" + Str(w, "why_not") + ")") << "\n";
    return;
  }
  for (const auto& l : Arr(w, "lines")) {
    os << indent << "US content: " << Str(l, "part") << " " << Str(l, "eccn") << " USD " << TextValue(l.value("value_usd", json()))
       << (l.value("controlled", false) ? " controlled" : " not controlled") << " — " << Str(l, "why") << "\n";
  }
  os << indent << "de minimis: USD " << TextValue(w.value("numerator_usd", json())) << " / USD " << TextValue(w.value("denominator_usd", json()))
     << " = " << TextValue(w.value("ratio_percent", json())) << "% " << (w.value("exceeds", false) ? ">" : "<=") << " "
     << TextValue(w.value("threshold_percent", json())) << "% (" << Str(w, "threshold_citation") << ")\n";
  if (w.value("open", false)) os << indent << "de minimis: open (uncertain content could cross the level): review\n";
}

void PrintDecisionText(const json& d, std::ostream& os) {
  const std::string ref = Str(d, "reference");
  os << "Decision " << Str(d, "decision_id") << (ref.empty() ? "" : "  (" + ref + ")") << "\n";
  os << "  as of " << Str(d, "as_of") << ", posture " << Str(d, "posture") << ", " << Str(d, "activity") << " to "
     << Str(d, "destination") << "\n";
  const json& parties = Arr(d, "parties");
  if (parties.empty()) os << "  parties: none stated\n";
  for (const auto& p : parties) {
    os << "  party: " << Str(p, "role") << " \"" << Str(p, "name") << "\"";
    if (!Str(p, "country").empty()) os << " (" << Str(p, "country") << ")";
    os << "\n";
  }
  os << "  OUTCOME: " << Str(d, "outcome") << OutcomeDetail(d) << "\n";
  for (const auto& it : Arr(d, "items")) {
    os << "  item: " << Str(it, "label") << " x" << TextValue(it.value("quantity", json())) << "  ECCN " << Str(it, "eccn");
    if (it.contains("tpp") && !it["tpp"].is_null()) os << "  TPP " << TextValue(it["tpp"]);
    if (it.contains("performance_density") && !it["performance_density"].is_null()) os << "  PD " << TextValue(it["performance_density"]);
    os << "  H100-eq " << TextValue(it.value("h100_equivalents", json())) << "  -> " << Str(it, "outcome");
    if (!Str(it, "license_exception").empty()) os << " (" << Str(it, "license_exception") << ")";
    if (!Str(it, "license").empty()) os << " (license " << Str(it, "license") << ")";
    os << "\n";
    if (it.contains("jurisdiction")) PrintJurisdictionText(it["jurisdiction"], os, "    ");
  }
  for (const auto& l : Arr(d, "licenses")) {
    os << "  license " << Str(l, "number") << " (version " << TextValue(l.value("version", json())) << ", expires "
       << Str(l, "expires") << ")" << (l.value("partial", false) ? ": covers part only, nothing drawn" : "") << "\n";
    for (const auto& x : Arr(l, "drawdowns")) {
      os << "    draws " << TextValue(x.value("amount", json())) << " " << Str(x, "measure") << " on " << Str(x, "account") << ", "
         << TextValue(x.value("remaining_after", json())) << " of " << TextValue(x.value("limit", json())) << " remain after\n";
    }
  }
  os << "  reasons:\n";
  for (const auto& f : Arr(d, "reasons")) {
    os << "    - [" << Str(f, "effect") << "] " << Str(f, "summary") << "\n      " << Str(f, "rule") << " — " << Str(f, "citation");
    if (!Str(f, "policy_wording").empty()) os << " (\"" << Str(f, "policy_wording") << "\")";
    if (f.value("verified", true) == false) os << " (unverified)";
    os << "\n";
  }
  for (const auto& o : Arr(d, "obligations")) os << "  obligation: " << TextValue(o) << "\n";
  for (const auto& p : Arr(d, "ledger_postings")) os << "  ledger: " << TextValue(p) << "\n";
  for (const auto& w : Arr(d, "warnings")) os << "  warning: " << TextValue(w) << "\n";
  for (const auto& s : Arr(d, "steps")) {
    os << "  step " << Str(s, "step") << ": " << Str(s, "status") << " (" << Str(s, "detail") << ")\n";
  }
  const json& lists = Arr(d, "list_versions");
  if (lists.empty()) os << "  screening lists: none\n";
  for (const auto& v : lists) os << "  screening list: " << TextValue(v) << "\n";
  if (auto a = d.find("alternate"); a != d.end() && a->is_object()) {
    os << "  alternate (" << Str(*a, "posture") << "): " << Str(*a, "outcome") << OutcomeDetail(*a) << "\n";
  }
  for (const auto& c : Arr(d, "would_change")) {
    os << "  would change: " << Str(c, "summary") << " (" << Str(c, "field") << ": " << c.value("value", json()).dump()
       << ") -> " << Str(c, "outcome") << OutcomeDetail(c) << "\n";
  }
  const json& missing = Arr(d, "missing_facts");
  if (!missing.empty()) {
    os << "  missing facts:";
    for (const auto& m : missing) os << " " << TextValue(m);
    os << "\n";
  }
  os << "  regulatory data " << Str(d, "data_version") << "\n\n";
}

void PrintClassificationText(const std::string& name, const json& c, std::ostream& os) {
  os << name << "\n";
  os << "  ECCN " << Str(c, "eccn");
  if (!Str(c, "paragraph").empty()) os << " (" << Str(c, "paragraph") << ")";
  os << "\n";
  if (c.value("determinate", true) == false) {
    os << "  candidates:";
    for (const auto& e : Arr(c, "candidates")) os << " " << TextValue(e);
    os << "\n  missing:";
    for (const auto& m : Arr(c, "missing")) os << " " << TextValue(m);
    os << "\n";
  }
  if (c.contains("tpp") && !c["tpp"].is_null()) {
    os << "  TPP " << TextValue(c["tpp"]) << "  H100-equivalents " << TextValue(c.value("h100_equivalents", json())) << "\n";
  }
  if (c.contains("performance_density") && !c["performance_density"].is_null()) {
    os << "  performance density " << TextValue(c["performance_density"]) << "\n";
  }
  for (const auto& n : Arr(c, "notes")) os << "  note: " << TextValue(n) << "\n";
  for (const auto& w : Arr(c, "warnings")) os << "  warning: " << TextValue(w) << "\n";
}

void PrintAuditRecordText(const json& r, std::ostream& os) {
  os << "Record " << TextValue(r.value("seq", json())) << "  " << Str(r, "id") << "  (" << Str(r, "kind") << ")\n";
  os << "  time " << Str(r, "time") << ", actor " << Str(r, "actor") << "\n";
  os << "  hash " << Str(r, "hash") << "\n  previous " << Str(r, "prev_hash") << "\n";
  const json payload = r.value("payload", json::object());
  if (auto d = payload.find("decision"); d != payload.end() && d->is_object()) {
    if (!Str(payload, "api_route").empty()) os << "  via " << Str(payload, "api_route") << "\n";
    if (!Str(payload, "posture_override").empty()) os << "  posture override " << Str(payload, "posture_override") << "\n";
    os << "\n";
    PrintDecisionText(*d, os);
    return;
  }
  os << "  payload: " << payload.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace exportctl::cli

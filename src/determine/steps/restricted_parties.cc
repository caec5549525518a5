// Restricted parties (15 CFR 744.11 Entity List, 764.3 Denied Persons, 744.15 Unverified List,
// 744.21 MEU List, 744.8 SDN, and the State and Treasury lists an officer reviews).
#include "determine/steps/families.h"

namespace exportctl::steps {

// Restricted parties: every party is screened by the plugged-in screener; listings stated on
// the transaction add to what screening finds and never replace it (an empty stated list is
// not a screening result).
void RestrictedPartiesStep(Evaluation& ev, const TransactionFacts&, const RuleDef* r) {
  bool screened_all = true;
  // A stale list can miss recent listings: no party is cleared on it without review.
  const std::vector<std::string> caveats =
      ev.opt.screener ? ev.opt.screener->Caveats() : std::vector<std::string>{};
  for (const auto& c : caveats) {
    ev.Add(r, Effect::kUnresolved, EXPLAIN("Screening lists are not current: " + c));
    ev.tx_effects.Add(Effect::kUnresolved);
    ev.Warn(EXPLAIN("Screening lists are not current: " + c));
  }
  const bool any_origin = std::any_of(ev.tx.items.begin(), ev.tx.items.end(),
                                     [](const TransactionItem& it) { return it.origin.has_value(); });
  for (const auto& p : ev.tx.parties) {
    std::vector<Listing> listings = p.listings;
    std::string_view status = "not_screened";
    size_t listings_found = 0;
    if (ev.opt.screener) {
      auto res = ev.opt.screener->Screen(p, ev.date);
      if (res.ok()) {
        status = "screened";
        listings_found = res->size();
        listings.insert(listings.end(), std::make_move_iterator(res->begin()),
                        std::make_move_iterator(res->end()));
      } else {
        status = "failed";
        screened_all = false;
        ev.Add(r, Effect::kUnresolved,
               EXPLAIN("Screening of \"" + p.name + "\" failed: " + res.status().message()));
        ev.tx_effects.Add(Effect::kUnresolved);
      }
    } else {
      screened_all = false;
    }
    // For 734.9(e): a clean answer only from a screening against current lists.
    const bool clean_screen = status == "screened" && caveats.empty();
    // Read by the jurisdiction step for items with origin facts alone (734.9(e)).
    if (any_origin) ev.party_footnotes.push_back({FootnoteAnswer(p, listings, clean_screen, 1), FootnoteAnswer(p, listings, clean_screen, 4)});
    if (ev.explain) {
      ev.screened_parties.push_back({std::string(PartyRoleName(p.role)), p.name, status, p.listings.size(), listings_found});
    }
    // Several records of one list (e.g. a parent and its affiliated entities) make one finding:
    // the best match per (list, certain/possible), the others counted.
    std::stable_sort(listings.begin(), listings.end(),
                     [](const Listing& a, const Listing& b) { return a.score > b.score; });
    std::vector<std::pair<RestrictedList, bool>> seen;
    std::vector<size_t> more;
    std::vector<Listing> distinct;
    for (const auto& l : listings) {
      const std::pair<RestrictedList, bool> k{l.list, l.score >= 1.0};
      auto it = std::find(seen.begin(), seen.end(), k);
      if (it != seen.end()) {
        ++more[static_cast<size_t>(it - seen.begin())];
        continue;
      }
      seen.push_back(k);
      more.push_back(0);
      distinct.push_back(l);
    }
    for (size_t li = 0; li < distinct.size(); ++li) {
      const Listing& l = distinct[li];
      const size_t others = more[li];
      const ListEffect* le = nullptr;
      for (const auto& e : ev.rules.list_effects) {
        if (e.list == l.list) le = &e;
      }
      // A list without a stated effect is still a listing: an officer decides (fail closed).
      static const ListEffect kUnknownEffect{
          RestrictedList::kOtherList,
          "needs_review",
          "no citation: the list's effect is not in the regime data",
          "",
          "no effect for this list is recorded in the regime data; an officer must review",
          false};
      if (!le) le = &kUnknownEffect;
      const std::string who = std::string(PartyRoleName(p.role)) + " \"" + p.name + "\"";
      if (l.score < 1.0) {
        Finding& f =
            ev.Add(r, Effect::kUnresolved,
                   EXPLAIN("Possible match: " + who + " may be \"" + l.entry + "\"" +
                           (l.record_id.empty() ? "" : " (record " + l.record_id + ")") +
                           " on the " + RestrictedListName(l.list) + " (score " +
                           FormatDouble(l.score) + "); an officer must confirm or clear it"));
        f.citation = le->citation;
        ev.tx_effects.Add(Effect::kUnresolved);
        continue;
      }
      std::string summary =
          who + " is on the " + std::string(RestrictedListName(l.list)) + " as \"" + l.entry +
          "\"" + (l.record_id.empty() ? "" : " (record " + l.record_id + ")") +
          (others ? " and " + std::to_string(others) + " more record(s) of that list" : "") + ": " +
          le->summary;
      if (l.list == RestrictedList::kEntityList && l.footnote) {
        auto fn = ev.rules.footnote_citations.find(l.footnote);
        if (fn != ev.rules.footnote_citations.end()) summary += "; " + fn->second;
      }
      if (le->effect == "prohibited") {
        Finding& f = ev.Add(r, Effect::kProhibited, EXPLAIN(summary));
        f.citation = le->citation;
        f.policy_wording = le->wording;
        ev.tx_effects.Add(Effect::kProhibited);
      } else if (le->effect == "license_required") {
        // The entry's own license review policy, when listed, decides (15 CFR 744.11: "the
        // license review policy for each listed entity is specified in the Entity List").
        const ListedPolicy listed =
            l.license_policy.empty() ? ListedPolicy{ReviewPolicy::kPresumptionOfDenial, le->wording}
                                     : ReadListedPolicy(l.license_policy);
        if (!l.license_requirement.empty())
          summary += "; listed license requirement: \"" + l.license_requirement + "\"";
        if (!l.license_policy.empty())
          summary += "; listed license review policy: \"" + l.license_policy + "\"";
        Finding& f = ev.Add(r, Effect::kLicenseRequired, EXPLAIN(summary));
        f.citation = le->citation;
        f.review_policy = listed.policy;
        f.policy_wording = listed.wording;
        ev.party_requirements.push_back({r->id, listed.policy, 0});
        ev.exceptions_barred = true;
      } else if (le->effect == "no_exceptions") {  // Unverified List
        Finding& f = ev.Add(r, Effect::kInfo, EXPLAIN(summary));
        f.citation = le->citation;
        ev.exceptions_barred = true;
        ev.unverified_listings.push_back(who + " is on the Unverified List as \"" + l.entry + "\" (" + le->citation + ")");
        ev.Oblige(EXPLAIN("Obtain a UVL statement from the Unverified List party before export (" + le->citation + ")"));
      } else {  // needs_review: a State or Treasury program whose effect depends on the listing
        Finding& f = ev.Add(r, Effect::kUnresolved, EXPLAIN(summary));
        f.citation = le->citation;
        if (!le->verified) {
          f.verified = false;
          ev.unverified_rules.push_back(r->id);
        }
        ev.tx_effects.Add(Effect::kUnresolved);
      }
    }
  }
  if (ev.tx.parties.empty()) {
    ev.Step({"screening", "not_performed", "no parties stated: nobody was screened"});
    ev.Warn(
        "No parties stated: restricted-party screening had nobody to screen; name every party to "
        "the transaction");
  } else if (!ev.opt.screener) {
    ev.Step({"screening", "not_performed",
             "no screening lists imported: only listings stated on the transaction were applied"});
    ev.Warn(
        "Restricted-party screening not performed (no lists imported; stated listings are not a "
        "screening): "
        "import the lists or screen every party before shipping");
  } else if (screened_all && !caveats.empty()) {
    ev.Step({"screening", "unresolved",
             "every party screened, but against a list older than the allowed age (see warnings)"});
  } else if (screened_all) {
    ev.Step(
        {"screening", "performed",
         "every party screened against the imported lists (list_versions); stated listings added"});
  } else {
    ev.Step({"screening", "partial", "some parties could not be screened"});
    ev.Warn("Restricted-party screening was not performed for every party");
  }
}

// An item subject to the EAR that is for an Entity List footnote 1 or 4 entity (stated:
// end_use.for_footnote_1_4_entity), listed party or not. A foreign-made item the Entity List FDP
// rule brought in needs a license under 744.11(a)(2)(i)/(ii) (the rule's citation); any other item
// subject to the EAR under the entries themselves, which require a license "for all items subject
// to the EAR" with a presumption of denial (footnote_entries_citation). No license exception
// applies to a listed entity (744.16(b)).
void FootnoteEntityEndUseStep(Evaluation& ev, const TransactionFacts&, ItemContext& item, const RuleDef& rule) {
  if (!item.abroad || ev.tx.end_use.for_footnote_1_4_entity != true) return;
  const bool by_fdp = item.index < ev.subject_by_entity_fdp.size() && ev.subject_by_entity_fdp[item.index];
  Finding& f = ev.Add(
      &rule, Effect::kLicenseRequired,
      EXPLAIN(item.label + (by_fdp ? " is subject to the EAR through the Entity List foreign direct product rule (734.9(e))"
                                   : " is subject to the EAR") +
              " and is for an Entity List footnote 1 or 4 entity (end_use.for_footnote_1_4_entity): " +
              (by_fdp ? "a license is required for it"
                      : "the entries of footnote 1 and 4 entities require a license for all items subject to the EAR") +
              ", and no license exception applies"),
      item.idx);
  if (!by_fdp) f.citation = ev.rules.cite.footnote_entries;
  f.review_policy = ReviewPolicy::kPresumptionOfDenial;
  f.policy_wording = rule.policy_wording;
  item.reqs.push_back({rule.id, f.review_policy, 0});
}

}  // namespace exportctl::steps

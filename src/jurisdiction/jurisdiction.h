// Is a foreign-made chip or system subject to the EAR at all? The step before every licensing
// rule: the routes of 15 CFR 734.3(a) (US-located, US-origin, de minimis per 734.4 and Supp. No. 2
// to Part 734, the foreign direct product rules of 734.9 (h), (e) and (i)), the exclusion of
// published technology (734.3(b)(3)) and the GP10 presumption for PRC-developed 3A090 ICs.
// Pure computation over facts and the regulatory data; unknown facts never count as "no".
//
//   auto rules = jurisdiction::Rules::Compile(*data);   // once, at start-up (Result<shared_ptr>)
//   jurisdiction::Determination d = jurisdiction::Decide(**rules, facts);  // d.verdict, d.routes
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/status.h"
#include "determine/transaction.h"
#include "jurisdiction/origin.h"

namespace exportctl {

class Dataset;

namespace jurisdiction {

enum class Answer { kUnknown, kNo, kYes };

// A party to the transaction as the routes read it (J10, J11).
struct PartyFacts {
  std::string who;                       // "end user \"X\"", for the texts
  std::string headquarters;              // "" = not stated
  std::string ultimate_parent_headquarters;
  Answer footnote_1 = Answer::kUnknown;  // on the Entity List with footnote 1 (or ≥ 50% owned by such)
  Answer footnote_4 = Answer::kUnknown;
};

struct Facts {
  std::string item;        // label, for texts
  std::string field;       // path of the item, e.g. "items[0]" (missing facts are named under it)
  Origin origin;
  // J5: the item's class, or every candidate class when indeterminate ("3A090.a", "4A090.b").
  std::vector<std::string> eccns;
  bool computer = false;   // a computer or system (734.4(a)(1))
  bool technology = false; // technology or software (model weights): 734.3(b)(3) can apply
  bool model_weights = false;  // 4E091-type weights: 734.9(l) can apply
  std::string designer_headquarters;  // J15: "" = unknown
  // The item as specified (a catalog chip, a system's components), for the GP10 presumption;
  // null: an IC designed by designer_headquarters.
  const ItemSpec* spec = nullptr;
  std::string destination;            // J9, ISO code
  Date as_of;                         // J1
  Posture posture = Posture::kEnforced;
  std::vector<PartyFacts> parties;    // J10, J11 (every party: purchaser to seller)
  // J9: countries an item incorporating this one is bound for; nullopt = unknown, {} = none.
  std::optional<std::vector<std::string>> incorporated_into_items_for;
  Answer for_footnote_entity = Answer::kUnknown;  // J12
  Answer supercomputer_prc_macau = Answer::kUnknown;  // J13
};

enum class Verdict { kSubject, kNotSubject, kUndetermined };
const char* VerdictName(Verdict v);  // "subject", "not_subject", "undetermined"

// One route into (or out of) the EAR, as weighed.
struct Route {
  std::string_view rule;      // rule id in the data, e.g. "jurisdiction.fdp_h"
  std::string_view citation;
  std::string name;           // "us_located", "us_origin", "de_minimis", "fdp_h", "fdp_e", "fdp_i", "gp10_presumption", …
  Answer met = Answer::kNo;   // does the route apply: yes / no / cannot tell from the facts
  bool excludes = false;      // the route takes the item out of the EAR (published) instead of in
  std::string summary;        // the facts it rested on
};

struct WorksheetLine {
  std::string part, eccn, chip;
  double value_usd = 0;
  bool controlled = false;
  // The control rests on data not known to be in force on the date (the Country Chart): the
  // line is not in the numerator, but the answer is open if counting it would cross the level.
  bool uncertain = false;
  std::string why;  // the control (or its absence) to the destination on the date, cited
};

// The de minimis computation (Supp. No. 2 to Part 734).
struct Worksheet {
  bool computed = false;
  std::vector<WorksheetLine> lines;
  double numerator = 0;          // controlled US content (fair market value)
  double denominator = 0;        // the foreign item's value
  double ratio_percent = 0;
  double threshold_percent = 0;  // 25, or 10 for E:1/E:2 destinations
  std::string threshold_citation;
  bool exceeds = false;
  double uncertain_usd = 0;      // content whose control is uncertain (WorksheetLine::uncertain)
  // Counting the uncertain content would cross the level: the answer is open (review).
  bool open = false;
  std::string why_not;           // why it was not computed (missing facts)
  std::vector<std::string> notes;  // e.g. the Country Chart used is not known in force on the date
};

struct Determination {
  Verdict verdict = Verdict::kUndetermined;
  std::vector<Route> routes;           // every route weighed, in the order of the decision table
  std::vector<std::string> missing;    // field paths of facts whose absence left it undetermined
  // Rules or data the engine cannot weigh for this item (e.g. no Country Chart known in force on
  // the date): each leaves the item undetermined and the decision goes to review.
  std::vector<std::string> unsupported;
  std::vector<std::string> notes;      // e.g. the codified worldwide reach not enforced
  // Codified rules, not enforced on the date, that would make the item subject: the rule id in
  // the data and its note (also in `notes`).
  struct CodifiedReach {
    std::string_view rule;
    std::string note;
  };
  std::vector<CodifiedReach> codified_reach;
  bool gp10 = false;                   // the GP10 presumption applies (flag)
  Worksheet de_minimis;
};

class Rules;

// General Prohibition 10 (15 CFR 736.2(b)(10)) as BIS's guidance of 2025-05-13 reads it: a PRC
// 3A090 IC is presumed a foreign direct product made in violation of the EAR, so using or dealing
// in it risks violating GP10. One test for every caller (the jurisdiction route, the GP10 steps).
struct Gp10Facts {
  std::string item;                 // label, for texts
  std::string field;                // path of the item, e.g. "items[0]"
  const ItemSpec* spec = nullptr;   // the item; a system's components are read from it
  std::vector<std::string> eccns;   // its class, or every candidate class; {} = unclassified
  // The countries the item was produced in (origin.produced_in); nullopt = no origin facts.
  std::optional<std::vector<std::string>> produced_in;
  Date as_of;
  Posture posture = Posture::kEnforced;  // a system's components are classified under it
  // Whether `why` is worded when the presumption does not apply (applies = no): the GP10 steps
  // drop it, the jurisdiction route states it. The answer and the memberships read are the same.
  bool why_if_not = true;
};

struct Gp10Presumption {
  // yes: presumed; unknown: a fact not stated (in `missing`) could make it apply.
  Answer applies = Answer::kNo;
  bool named = false;                // a chip the guidance names (the item, or one in the system)
  std::string why;                   // what ties it to the PRC, or what is not stated
  std::vector<std::string> missing;  // field paths, e.g. "items[0].designer_headquarters"
};

// Country Group membership as the caller reads it (the engine records what it read). Returns the
// groups of `read` (bits in the order of data/dataset.h Group) the country is in on the date.
using GroupLookup = std::function<uint32_t(std::string_view code, uint32_t read)>;

// The regimes' jurisdiction data, read once from the dataset ("jurisdiction" regime file).
class Rules {
 public:
  static Result<std::shared_ptr<const Rules>> Compile(const Dataset& data);
  ~Rules();
  struct Impl;
  const Impl& impl() const { return *impl_; }
  const Dataset& data() const;
  // Whether s is written as an ECCN ("3E001", "5D002", "3A090.a", "EAR99").
  static bool IsEccn(std::string_view s);

 private:
  explicit Rules(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether the data records the controls of an ECCN given as US content (without a Rules object:
// the transaction parser checks it).
bool KnownContentEccn(const Dataset& data, std::string_view eccn);
// Whether a US technology or software ECCN is EAR99 or one the foreign direct product rules of
// the data list as an input: any other is refused rather than read as "not listed".
bool KnownTechnologyEccn(const Dataset& data, std::string_view eccn);

// Decides the question for one item. groups may be empty (the dataset is read directly).
Determination Decide(const Rules& rules, const Facts& facts, const GroupLookup& groups = {});

// The GP10 presumption for one item: it applies to a 3A090/4A090 item (the classes in the data)
// whose designer is headquartered in D:5 or Macau or that was produced there, to a chip the
// guidance names (whatever its class), and to a system containing any such chip. An IC (or a
// system's 3A090 IC) whose designer is not stated may be one: unknown, never "no".
Gp10Presumption PresumeGp10(const Rules& rules, const Gp10Facts& facts, const GroupLookup& groups = {});

// The de minimis worksheet alone (for a bill of materials): content, item value, destination, date.
Worksheet DeMinimis(const Rules& rules, const std::vector<UsContent>& content, std::optional<double> value_usd,
                    std::string_view destination, Date as_of, Posture posture,
                    const std::vector<PartyFacts>& parties = {}, const GroupLookup& groups = {});

}  // namespace jurisdiction
}  // namespace exportctl

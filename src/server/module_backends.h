// The server's backends over the ledger, reservation and screening modules (built only when
// those modules are; EXPORTCTL_SERVER_HAS_MODULES is then defined for users of exportctl_server).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/date.h"
#include "core/status.h"
#include "core/validate.h"
#include "server/backends.h"

namespace exportctl {
class Dataset;
}

namespace exportctl::server {

// The allocation ledger at `location` (a SQLite path or postgresql://…; "" = the default file
// under data_dir), with caps from the regulatory data.
Result<std::unique_ptr<LedgerService>> OpenLedgerService(const std::string& regulatory_data_dir,
                                                         const std::string& data_dir,
                                                         const std::string& location);

// Screening against the lists imported under data_dir; kNotFound when none are imported.
// Clearances (POST /v1/screen/clear) may expire at most clearance_horizon_days after today. Lists
// whose source date is more than max_list_age_days before today() are stale (caveats on every
// decision, warnings on /v1/screen and /v1/lists).
Result<std::unique_ptr<ScreenService>> OpenScreenService(
    const std::string& data_dir, std::function<Date()> today,
    int clearance_horizon_days = kDefaultClearanceHorizonDays, int max_list_age_days = 7);

// As OpenScreenService, for a server started before any list was imported: until an import
// brings lists, checks say screening was not performed and the screening routes answer 503; the
// first request after an import (looked for at most once a second) opens them, and from then on
// it is the service OpenScreenService gives.
std::unique_ptr<ScreenService> AwaitScreenService(const std::string& data_dir, std::function<Date()> today,
                                                  int clearance_horizon_days = kDefaultClearanceHorizonDays,
                                                  int max_list_age_days = 7);

// The ownership graph imported under data_dir (none yet: routes answer 404 until an import).
// Coverage is weighed with `screener`'s lists (nullptr: no owner is known to be listed).
Result<std::unique_ptr<OwnershipService>> OpenOwnershipService(const std::string& data_dir, const Dataset& data,
                                                                 const PartyScreener* screener, std::function<Date()> today = {});

// The licenses recorded under data_dir (src/license); files are validated against `data`.
std::unique_ptr<LicenseService> OpenLicenseService(const std::string& data_dir, const Dataset& data,
                                                   std::function<Date()> today = {});

}  // namespace exportctl::server

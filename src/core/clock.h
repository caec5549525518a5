// The one place that turns the system clock into today's date (UTC). Only the edges read it (the
// CLI, the server, stores that stamp records); the engine takes dates as inputs (core/date.h).
#pragma once

#include "core/date.h"

namespace exportctl {

Date TodayUtc();

}  // namespace exportctl

// The web console's files (console/: index.html, the bundled script and stylesheet), embedded
// in the binary at build time, so `exportctl serve` needs nothing from the network or the disk
// to serve it.
#pragma once

#include <string_view>

namespace exportctl::server {

struct ConsoleAsset {
  std::string_view name;          // "index.html", "app.js", …
  std::string_view content_type;
  std::string_view body;
};

// The asset of that name, or nullptr.
const ConsoleAsset* FindConsoleAsset(std::string_view name);

}  // namespace exportctl::server

// Checks for twitter-text conformance cases: one function per kind of section.
// Each takes a case (YAML map with text/expected) and returns "" on success or
// a short explanation of the difference.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>

#include "chirp/text/twitter_text.h"

namespace chirp::conformance {

using Check = std::function<std::string(const YAML::Node& test)>;

// The check for `section` of `file` ("extract.yml", ...), or nullopt when the
// runner has no checker for it. `configs` holds v1/v2/v3 as read from the
// conformance folder's config/*.json (falls back to the built-ins).
struct Configs {
  text::LengthConfig v1, v2, v3;
};
std::optional<Check> check_for(const std::string& file, const std::string& section,
                               const Configs& configs);

// Reads a twitter-text config/vN.json (yaml-cpp reads JSON).
text::LengthConfig load_config(const std::string& path);

}  // namespace chirp::conformance

// OpenAPI 3 document generated from the route tables, so the published
// contract cannot drift from what the server routes. Request bodies come from
// the same BodySchema the decoder enforces; error responses all share the
// Error schema ({"error":{"code","message"}}).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chirp/api/route.h"

namespace chirp::api {

struct OpenApiInfo {
  std::string_view title = "chirp API";
  std::string_view version = "1.0.0";
  std::string_view description = "Microblogging backend with an embedded search engine.";
  std::string_view contact_name = "chirp maintainers";
  std::string_view contact_url = "/docs";
};

// The whole document as compact JSON. Routes with doc.hidden are left out.
// Throws std::invalid_argument if a schema_json text is not valid JSON (a
// programming error, caught by the tests at start-up).
std::string openapi_json(const std::vector<RouteTable>& tables, const OpenApiInfo& info = {});

}  // namespace chirp::api

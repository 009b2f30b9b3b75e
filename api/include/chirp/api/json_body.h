// Strict JSON request bodies: Content-Type, syntax, then a small schema.
//
// A BodySchema lists every accepted field with its type, whether it is
// required and its maximum length in bytes (strings). Anything else in the
// object is an *unknown* field and is refused with 400, as API.md demands.
// The same schema feeds the OpenAPI document (openapi.h), so the documented
// body and the accepted body cannot drift apart.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "chirp/api/http.h"

namespace chirp::api {

enum class FieldType { kString, kInteger, kBoolean, kNumber };

struct FieldSpec {
  std::string_view name;
  FieldType type = FieldType::kString;
  bool required = true;
  size_t max_length = 0;  // strings, in bytes; 0 = no limit here (the engine judges)
  std::string_view description = {};
  // OpenAPI property schema text when the domain rule is narrower than the
  // decode cap (pattern, lengths); empty: type + max_length.
  std::string_view schema_json = {};
};

struct BodySchema {
  std::string_view name;  // component name in OpenAPI ("RegisterRequest")
  std::vector<FieldSpec> fields;
};

// Decodes `req.body` into `out` after checking, in order:
//   Content-Type is application/json (charset allowed)  -> else 415
//   the body is valid JSON and an object                 -> else 400
//   every field is known, of the right type and length,
//   every required field present                         -> else 400 naming the field
// Returns the error response to send, or nullopt when `out` holds a valid body.
std::optional<HttpResponse> decode_json_body(const HttpRequest& req, const BodySchema& schema,
                                             rapidjson::Document& out);

// True when the Content-Type header says application/json.
bool is_json_content_type(std::string_view content_type);

}  // namespace chirp::api

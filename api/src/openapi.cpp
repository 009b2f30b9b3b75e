// OpenAPI 3.0 generation from route tables.
#include "chirp/api/openapi.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "chirp/api/errors.h"

namespace chirp::api {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void raw_schema(Writer& w, std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError()) throw std::invalid_argument("bad schema JSON in route table: " + std::string(json));
  d.Accept(w);
}

const char* error_code_for_status(int st) {
  switch (st) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 422: return "unprocessable";
    case 429: return "rate_limited";
    case 500: return "internal";
    case 503: return "unavailable";
    case 507: return "insufficient_storage";
  }
  return "error";
}

const char* field_type(FieldType t) {
  switch (t) {
    case FieldType::kString: return "string";
    case FieldType::kInteger: return "integer";
    case FieldType::kBoolean: return "boolean";
    case FieldType::kNumber: return "number";
  }
  return "string";
}

std::string operation_id(const Route& r) {
  std::string id = method_name(r.method);
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  for (char c : r.pattern) {
    if (c == '/' || c == '{' || c == '-' || c == '.') {
      if (id.back() != '_') id.push_back('_');
    } else if (c != '}') {
      id.push_back(c);
    }
  }
  while (id.back() == '_') id.pop_back();
  return id;
}

std::vector<std::string> path_param_names(std::string_view pattern) {
  std::vector<std::string> out;
  size_t i = 0;
  while ((i = pattern.find('{', i)) != std::string_view::npos) {
    size_t j = pattern.find('}', i);
    out.emplace_back(pattern.substr(i + 1, j - i - 1));
    i = j;
  }
  return out;
}

// Text for path parameters a route table leaves undescribed.
std::string_view default_param_description(std::string_view name) {
  if (name == "username") return "a username (^[A-Za-z0-9_]{1,15}$), matched case-insensitively";
  if (name == "id") return "a tweet id (decimal string of a 64-bit id)";
  return "path parameter";
}

// What each service's tag is about (spectral: tags need a description).
std::string_view tag_description(std::string_view service) {
  if (service == "users") return "Accounts, sessions, profiles and follows";
  if (service == "tweets") return "Tweets, replies, likes and timelines";
  if (service == "search") return "Full-text search and counts per day";
  if (service == "system") return "Health, readiness, metrics and these docs";
  return "Routes of the service of that name";
}

void write_param(Writer& w, std::string_view name, std::string_view in, std::string_view type, bool required,
                 std::string_view description, int minimum = -1, std::string_view schema_json = {}) {
  w.StartObject();
  w.Key("name");
  str(w, name);
  w.Key("in");
  str(w, in);
  w.Key("required");
  w.Bool(required || in == "path");
  if (!description.empty()) {
    w.Key("description");
    str(w, description);
  }
  w.Key("schema");
  if (!schema_json.empty()) {
    raw_schema(w, schema_json);
    w.EndObject();
    return;
  }
  w.StartObject();
  w.Key("type");
  str(w, type);
  if (minimum >= 0) {
    w.Key("minimum");
    w.Int(minimum);
  }
  w.EndObject();
  w.EndObject();
}

void write_operation(Writer& w, const std::string& service, const Route& r, std::set<int>& used_errors) {
  const RouteDoc& d = r.doc;
  w.StartObject();
  w.Key("operationId");
  str(w, operation_id(r));
  w.Key("summary");
  str(w, d.summary);
  w.Key("description");
  str(w, d.description.empty() ? d.summary : d.description);
  w.Key("tags");
  w.StartArray();
  str(w, service);
  w.EndArray();

  // Parameters: declared ones, then missing path params, then pagination.
  w.Key("parameters");
  w.StartArray();
  std::set<std::string> seen;
  for (const auto& p : d.params) {
    write_param(w, p.name, p.in, p.type, p.required, p.description, -1, p.schema_json);
    seen.insert(std::string(p.name));
  }
  for (const auto& name : path_param_names(r.pattern))
    if (!seen.count(name)) write_param(w, name, "path", "string", true, default_param_description(name));
  if (d.paginated) {
    if (!seen.count("limit"))
      write_param(w, "limit", "query", "integer", false, "1 to 100, default 20 (above 100: 100)", /*minimum=*/1);
    if (!seen.count("cursor")) write_param(w, "cursor", "query", "string", false, "next_cursor of the previous page");
  }
  w.EndArray();

  if (d.request) {
    w.Key("requestBody");
    w.StartObject();
    w.Key("required");
    w.Bool(true);
    w.Key("content");
    w.StartObject();
    w.Key("application/json");
    w.StartObject();
    w.Key("schema");
    w.StartObject();
    w.Key("$ref");
    str(w, "#/components/schemas/" + std::string(d.request->name));
    w.EndObject();
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }

  if (r.auth != AuthMode::kNone) {
    w.Key("security");
    w.StartArray();
    if (r.auth == AuthMode::kOptional) {
      w.StartObject();
      w.EndObject();
    }
    w.StartObject();
    w.Key("bearerAuth");
    w.StartArray();
    w.EndArray();
    w.EndObject();
    // The web app's session cookie (docs/api.md "Sessions"); unsafe methods also need X-CSRF-Token.
    w.StartObject();
    w.Key("cookieAuth");
    w.StartArray();
    w.EndArray();
    w.EndObject();
    w.EndArray();
  }

  w.Key("responses");
  w.StartObject();
  for (const auto& resp : d.responses) {
    w.Key(std::to_string(resp.status).c_str());
    w.StartObject();
    w.Key("description");
    str(w, resp.description);
    // API.md: a create answers 201 with Location; a list page has Link rel="next" unless it is the last.
    bool location = resp.status == 201, link = d.paginated && resp.status == 200;
    if (location || link) {
      w.Key("headers");
      w.StartObject();
      w.Key(location ? "Location" : "Link");
      w.StartObject();
      w.Key("description");
      str(w, location ? "path of the new resource" : "<next page URL>; rel=\"next\" whenever next_cursor is not null");
      w.Key("required");
      w.Bool(location);
      w.Key("schema");
      w.StartObject();
      w.Key("type");
      str(w, "string");
      w.EndObject();
      w.EndObject();
      w.EndObject();
    }
    if (!resp.schema_json.empty()) {
      w.Key("content");
      w.StartObject();
      w.Key(resp.content_type.data(), static_cast<rapidjson::SizeType>(resp.content_type.size()));
      w.StartObject();
      w.Key("schema");
      raw_schema(w, resp.schema_json);
      w.EndObject();
      w.EndObject();
    }
    w.EndObject();
  }
  std::set<int> errors(d.errors.begin(), d.errors.end());
  errors.insert(500);
  if (r.rate != RateClass::kNone) errors.insert(429);
  if (r.auth != AuthMode::kNone) errors.insert(401);
  if (d.request) errors.insert({400, 413, 415});
  if (d.paginated) errors.insert(400);
  // A bad query parameter is 400 (API.md), whatever the route.
  if (std::any_of(d.params.begin(), d.params.end(), [](const ParamSpec& p) { return p.in == "query"; }))
    errors.insert(400);
  for (int e : errors) {
    used_errors.insert(e);
    w.Key(std::to_string(e).c_str());
    w.StartObject();
    w.Key("$ref");
    str(w, "#/components/responses/" + std::string(error_code_for_status(e)));
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

void write_body_schema(Writer& w, const BodySchema& s) {
  w.StartObject();
  w.Key("type");
  str(w, "object");
  w.Key("additionalProperties");
  w.Bool(false);
  w.Key("properties");
  w.StartObject();
  for (const auto& f : s.fields) {
    str(w, f.name);
    if (!f.schema_json.empty()) {
      rapidjson::Document p;
      p.Parse(f.schema_json.data(), f.schema_json.size());
      if (p.HasParseError() || !p.IsObject())
        throw std::invalid_argument("bad field schema JSON: " + std::string(f.schema_json));
      if (!f.description.empty() && !p.HasMember("description"))
        p.AddMember("description",
                    rapidjson::Value(f.description.data(), static_cast<rapidjson::SizeType>(f.description.size()),
                                     p.GetAllocator()),
                    p.GetAllocator());
      p.Accept(w);
      continue;
    }
    w.StartObject();
    w.Key("type");
    str(w, field_type(f.type));
    if (f.max_length > 0) {
      w.Key("maxLength");
      w.Uint64(f.max_length);
    }
    if (!f.description.empty()) {
      w.Key("description");
      str(w, f.description);
    }
    w.EndObject();
  }
  w.EndObject();
  bool any_required = std::any_of(s.fields.begin(), s.fields.end(), [](const FieldSpec& f) { return f.required; });
  if (any_required) {
    w.Key("required");
    w.StartArray();
    for (const auto& f : s.fields)
      if (f.required) str(w, f.name);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::string openapi_json(const std::vector<RouteTable>& tables, const OpenApiInfo& info) {
  // Group operations by path, keeping the tables' order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<const RouteTable*, const Route*>>> by_path;
  std::vector<const BodySchema*> bodies;
  for (const auto& t : tables)
    for (const auto& r : t.routes) {
      if (r.doc.hidden || r.method == Method::kHead || r.method == Method::kOther) continue;
      auto& v = by_path[r.pattern];
      if (v.empty()) order.push_back(r.pattern);
      v.emplace_back(&t, &r);
      if (r.doc.request && std::find(bodies.begin(), bodies.end(), r.doc.request) == bodies.end())
        bodies.push_back(r.doc.request);
    }

  rapidjson::StringBuffer sb;
  Writer w(sb);
  std::set<int> used_errors;
  w.StartObject();
  w.Key("openapi");
  str(w, "3.0.3");
  w.Key("info");
  w.StartObject();
  w.Key("title");
  str(w, info.title);
  w.Key("version");
  str(w, info.version);
  w.Key("description");
  str(w, info.description);
  w.Key("contact");
  w.StartObject();
  w.Key("name");
  str(w, info.contact_name);
  w.Key("url");
  str(w, info.contact_url);
  w.EndObject();
  w.EndObject();
  w.Key("servers");
  w.StartArray();
  w.StartObject();
  w.Key("url");
  str(w, "/");
  w.EndObject();
  w.EndArray();
  w.Key("tags");
  w.StartArray();
  std::set<std::string_view> services;  // sorted, one each
  for (const auto& t : tables) services.insert(t.service);
  for (std::string_view service : services) {
    w.StartObject();
    w.Key("name");
    str(w, service);
    w.Key("description");
    str(w, tag_description(service));
    w.EndObject();
  }
  w.EndArray();

  w.Key("paths");
  w.StartObject();
  for (const auto& path : order) {
    str(w, path);
    w.StartObject();
    for (const auto& [t, r] : by_path[path]) {
      std::string m = method_name(r->method);
      std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
      w.Key(m.c_str());
      write_operation(w, t->service, *r, used_errors);
    }
    w.EndObject();
  }
  w.EndObject();

  w.Key("components");
  w.StartObject();
  w.Key("securitySchemes");
  w.StartObject();
  w.Key("bearerAuth");
  w.StartObject();
  w.Key("type");
  str(w, "http");
  w.Key("scheme");
  str(w, "bearer");
  w.EndObject();
  w.Key("cookieAuth");
  w.StartObject();
  w.Key("type");
  str(w, "apiKey");
  w.Key("in");
  str(w, "cookie");
  w.Key("name");
  str(w, "chirp_session");
  w.Key("description");
  str(w, "Set by POST /api/v1/auth/login with {\"cookie\":true}. Requests with unsafe methods must also send "
         "X-CSRF-Token equal to the chirp_csrf cookie.");
  w.EndObject();
  w.EndObject();

  w.Key("schemas");
  w.StartObject();
  w.Key("Error");
  raw_schema(w,
             R"({"type":"object","required":["error"],"additionalProperties":false,"properties":{"error":{"type":"object","required":["code","message"],"properties":{"code":{"type":"string"},"message":{"type":"string"}}}}})");
  for (const BodySchema* b : bodies) {
    str(w, b->name);
    write_body_schema(w, *b);
  }
  std::set<std::string> named;
  for (const auto& t : tables)
    for (const auto& [name, schema] : t.schemas)
      if (named.insert(name).second) {
        str(w, name);
        raw_schema(w, schema);
      }
  w.EndObject();

  w.Key("responses");
  w.StartObject();
  for (int e : used_errors) {
    w.Key(error_code_for_status(e));
    w.StartObject();
    w.Key("description");
    str(w, std::string(error_code_for_status(e)) + " (HTTP " + std::to_string(e) + ")");
    if (e == 429) {
      w.Key("headers");
      w.StartObject();
      w.Key("Retry-After");
      w.StartObject();
      w.Key("schema");
      w.StartObject();
      w.Key("type");
      str(w, "integer");
      w.EndObject();
      w.EndObject();
      w.EndObject();
    }
    w.Key("content");
    w.StartObject();
    w.Key("application/json");
    w.StartObject();
    w.Key("schema");
    w.StartObject();
    w.Key("$ref");
    str(w, "#/components/schemas/Error");
    w.EndObject();
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace chirp::api

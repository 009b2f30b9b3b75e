// Route tables: how a service declares its HTTP surface.
//
// One RouteTable per service (users, tweets, search, system). Each Route says
// method, path pattern ("/api/v1/users/{username}"), handler, auth mode,
// rate-limit class and its OpenAPI metadata. The Router matches requests
// against the tables; the OpenAPI document is generated from the same tables.
//
// Handlers are plain functions: `HttpResponse(const HttpRequest&, RequestContext&)`.
// They must be thread-safe (called concurrently on every server thread) and
// should return errors through error_response(Status) rather than throw; a
// thrown exception still becomes a generic 500 (logged with the request id).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chirp/api/http.h"
#include "chirp/api/json_body.h"

namespace chirp::api {

enum class AuthMode { kNone, kOptional, kRequired };
enum class RateClass { kDefault, kLogin, kSignup, kNone };  // kNone: never limited (/health)

// Who is calling, when the request carried a valid token (see Authenticator in server.h).
struct Principal {
  std::string account_id;  // stable id, used as the per-account rate-limit key
  std::string username;
  std::string token;       // the bearer token as received (for logout)
  uint64_t user_id = 0;    // the engine's user id (0 when not known)
  std::string session;     // the engine's session id (token hash), for logout
  bool via_cookie = false; // authenticated by the web app's session cookie
};

class RateLimiter;

// A late reply: called exactly once, from any thread, with the response.
using LateReply = std::function<void(HttpResponse)>;

// Per-request state passed to handlers.
struct RequestContext {
  std::string_view request_id;
  std::optional<Principal> principal;  // set when auth succeeded
  std::string_view route;              // the matched pattern, for logs

  // Answering later, from another thread (a post answered when its group
  // commit is durable, without holding a server thread meanwhile). A handler
  // calls defer(); when it returns a LateReply, the handler's return value is
  // ignored and the LateReply must be called exactly once (it may be called
  // before the handler returns). Request id, metrics and the access log are
  // recorded when it is called. It returns an empty LateReply when a late reply
  // is not possible (the server is shutting down): the handler then answers
  // synchronously as usual. A handler must copy what it needs from the
  // request before deferring: the request's views die when it returns.
  LateReply defer() { return defer_ ? defer_() : LateReply{}; }
  std::function<LateReply()> defer_;  // set by the Dispatcher
};

using Handler = std::function<HttpResponse(const HttpRequest&, RequestContext&)>;

// OpenAPI metadata.
struct ParamSpec {
  std::string_view name;
  std::string_view in = "query";  // "path" | "query" | "header"
  std::string_view type = "string";  // "string" | "integer" | "boolean"
  bool required = false;
  std::string_view description = {};
  std::string_view schema_json = {};  // OpenAPI schema text (enum, format, lengths); empty: {"type": type}
};

struct ResponseSpec {
  int status = 200;
  std::string_view description = "OK";
  std::string_view schema_json = {};  // JSON Schema text, e.g. {"$ref":"#/components/schemas/User"}; empty = no body
  std::string_view content_type = "application/json";
};

struct RouteDoc {
  std::string_view summary;
  std::string_view description = {};  // longer text; the summary is used when empty
  std::vector<ParamSpec> params = {};  // path params are added automatically if omitted
  const BodySchema* request = nullptr;  // JSON body, shared with the decoder
  std::vector<ResponseSpec> responses = {};  // success responses
  std::vector<int> errors = {};         // error statuses this route may answer (4xx/5xx)
  bool hidden = false;                  // not in openapi.json (internal endpoints)
  bool paginated = false;               // adds limit + cursor params
};

struct Route {
  Method method;
  std::string pattern;  // "/api/v1/tweets/{username}/{id}"
  Handler handler;
  AuthMode auth = AuthMode::kNone;
  RateClass rate = RateClass::kDefault;
  RouteDoc doc = {};
};

struct RouteTable {
  std::string service;  // "users", "tweets", "search", "system" (OpenAPI tag)
  std::vector<Route> routes;
  // Named JSON schemas for OpenAPI components ("User" -> schema text).
  std::vector<std::pair<std::string, std::string>> schemas;
};

}  // namespace chirp::api

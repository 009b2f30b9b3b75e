// HttpRequest / HttpResponse: the socket-free view of one HTTP exchange.
//
// Handlers take a `const HttpRequest&` and return an `HttpResponse`, so they
// can be unit-tested without a server. The Pistache adapter (server.h) builds
// the request from the raw request head it has seen, and writes the response.
//
// Lifetime: every string_view in an HttpRequest points into storage owned by
// whoever built the request (the adapter's per-connection buffer, or a test's
// locals); it is valid only for the duration of the handler call. Handlers
// must copy what they keep. Thread-safety: plain values, no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chirp::api {

enum class Method : uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
inline constexpr int kMethodCount = 8;

const char* method_name(Method m);            // "GET", ...
Method parse_method(std::string_view token);  // kOther when unknown

// ASCII case-insensitive comparison (header names, tokens).
bool iequals(std::string_view a, std::string_view b);

struct HttpRequest {
  Method method = Method::kGet;
  std::string_view path;    // raw path, without the query ("/api/v1/users/bob")
  std::string_view query;   // raw query string without '?', percent-encoded
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // in arrival order
  std::string_view body;
  std::string_view peer_ip;    // the TCP peer
  std::string_view client_ip;  // peer, or X-Forwarded-For's client when the peer is trusted
  bool http10 = false;
  // Filled by the router: names and decoded values of the route's {params}.
  std::vector<std::pair<std::string_view, std::string>> path_params;

  // First header with that name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // A path parameter by name ("" when absent).
  std::string_view param(std::string_view name) const;
  // First query parameter with that name, percent-decoded ('+' is a space);
  // nullopt when absent. Allocates only when called.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;

  HttpResponse& set_header(std::string name, std::string value);
  const std::string* find_header(std::string_view name) const;

  static HttpResponse json(int status, std::string body);
  static HttpResponse no_content();  // 204
};

// Percent-decodes `in` ('+' as space when `plus_is_space`). Returns nullopt on
// a malformed escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

}  // namespace chirp::api

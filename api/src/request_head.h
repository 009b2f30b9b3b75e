// Request-head checks done before Pistache sees a request (internal).
//
// Pistache 0.0.5 sizes its body buffer from Content-Length before any limit
// (a declared 1e14 throws bad_alloc and leaks "std::bad_alloc" in a 500), and
// answers an over-long request line with a plain-text 413. So the adapter
// collects each request head itself, judges it here, and only hands requests
// that pass to Pistache. The same parsed head then feeds HttpRequest, so
// headers and the query are string_views into the head (no copies).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "chirp/api/http.h"

namespace chirp::api::detail {

struct HeadLimits {
  size_t max_request_line;
  size_t max_header_bytes;
  size_t max_body_bytes;
};

struct HeadVerdict {
  int status = 0;           // 0: acceptable; otherwise the error status to answer
  const char* code = "";    // error code for the JSON body
  const char* message = "";
  uint64_t content_length = 0;
  bool expect_continue = false;
};

// `buf` holds the bytes received so far for a request whose head is not yet
// complete (no CRLFCRLF). Returns 414 / 431 as soon as a limit is certainly
// exceeded, else status 0 (wait for more).
HeadVerdict check_partial_head(std::string_view buf, const HeadLimits& lim);

// `head` is a complete head ending with CRLFCRLF. Validates the request line
// (known method, origin-form target, HTTP/1.0 or 1.1), Content-Length (digits,
// no conflicting duplicates, not above max_body_bytes) and refuses
// Transfer-Encoding (411: chirp bodies are small and sized up front).
HeadVerdict check_head(std::string_view head, const HeadLimits& lim);

// The head without any header named `name` (case-insensitive).
std::string head_without_header(std::string_view head, std::string_view name);

// Fills method, path, query, headers and http10 of `out` from a head that
// passed check_head. Views point into `head`.
void parse_head(std::string_view head, HttpRequest& out);

}  // namespace chirp::api::detail

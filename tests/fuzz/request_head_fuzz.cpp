// Fuzz target: the HTTP request-head checks that run before Pistache sees a
// request (api/src/request_head.cpp). The input is the bytes a client sent.
// Properties checked beyond "no crash":
// - check_partial_head answers 0 (wait), 414 or 431 and nothing else;
// - a complete head that passes check_head has a Content-Length within the
//   body cap, and parse_head fills a request whose views point into the head;
// - head_without_header leaves no header of that name behind.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "request_head.h"

namespace {

// Aborts (a libFuzzer finding) naming the property that failed.
void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "property failed at %s:%d: %s\n", __FILE__, line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chirp::api;
  const std::string_view buf(reinterpret_cast<const char*>(data), size);
  const detail::HeadLimits lim{2048, 8192, 16 * 1024};

  const auto partial = detail::check_partial_head(buf, lim);
  check(partial.status == 0 || partial.status == 414 || partial.status == 431);

  const size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  const std::string_view head = buf.substr(0, end + 4);
  const auto verdict = detail::check_head(head, lim);
  if (verdict.status != 0) {
    check(verdict.status >= 400 && verdict.status < 600);
    return 0;
  }
  check(verdict.content_length <= lim.max_body_bytes);
  HttpRequest req;
  detail::parse_head(head, req);
  check(inside(req.path, head) && inside(req.query, head));
  for (const auto& [name, value] : req.headers) check(inside(name, head) && inside(value, head));

  const std::string stripped = detail::head_without_header(head, "Expect");
  HttpRequest again;
  detail::parse_head(stripped, again);
  check(!again.has_header("Expect"));
  return 0;
}

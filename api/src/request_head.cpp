// Request-head checks and parsing.
#include "request_head.h"

namespace chirp::api::detail {

namespace {

HeadVerdict reject(int status, const char* code, const char* message) {
  HeadVerdict v;
  v.status = status;
  v.code = code;
  v.message = message;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(name, value) for each header line of a complete head.
template <typename F>
void for_each_header(std::string_view head, F&& f) {
  size_t pos = head.find("\r\n");
  if (pos == std::string_view::npos) return;
  pos += 2;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos || eol == pos) break;
    std::string_view line = head.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) f(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    pos = eol + 2;
  }
}

}  // namespace

HeadVerdict check_partial_head(std::string_view buf, const HeadLimits& lim) {
  size_t eol = buf.find("\r\n");
  if (eol == std::string_view::npos ? buf.size() > lim.max_request_line : eol > lim.max_request_line)
    return reject(414, "uri_too_long", "the request line is too long");
  if (buf.size() > lim.max_request_line + lim.max_header_bytes)
    return reject(431, "header_fields_too_large", "the request headers are too large");
  return {};
}

HeadVerdict check_head(std::string_view head, const HeadLimits& lim) {
  size_t eol = head.find("\r\n");
  if (eol > lim.max_request_line) return reject(414, "uri_too_long", "the request line is too long");
  if (head.size() - eol > lim.max_header_bytes)
    return reject(431, "header_fields_too_large", "the request headers are too large");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return reject(400, "bad_request", "malformed request line");
  if (parse_method(line.substr(0, sp1)) == Method::kOther)
    return reject(501, "not_implemented", "unsupported HTTP method");
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.empty() || target[0] != '/') return reject(400, "bad_request", "the request target must be a path");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return reject(400, "bad_request", "malformed request target");
  std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return reject(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are supported");

  HeadVerdict v;
  bool have_length = false, bad_length = false, chunked = false, too_big = false;
  for_each_header(head, [&](std::string_view name, std::string_view value) {
    if (iequals(name, "Content-Length")) {
      uint64_t n = 0;
      if (value.empty()) bad_length = true;
      for (char c : value) {
        if (c < '0' || c > '9') {
          bad_length = true;
          break;
        }
        // Saturate instead of overflowing: anything this large is too large.
        if (n > (UINT64_MAX - 9) / 10) {
          too_big = true;
          break;
        }
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      if (have_length && n != v.content_length) bad_length = true;
      have_length = true;
      v.content_length = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      chunked = true;
    } else if (iequals(name, "Expect")) {
      v.expect_continue = iequals(value, "100-continue");
    }
  });
  if (bad_length) return reject(400, "bad_request", "invalid Content-Length");
  if (too_big || v.content_length > lim.max_body_bytes)
    return reject(413, "payload_too_large", "the request body is larger than the limit");
  if (chunked) return reject(411, "length_required", "send a Content-Length instead of Transfer-Encoding");
  return v;
}

void parse_head(std::string_view head, HttpRequest& out) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  out.method = parse_method(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t q = target.find('?');
  out.path = target.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  if (size_t hash = out.query.find('#'); hash != std::string_view::npos) out.query = out.query.substr(0, hash);
  out.http10 = line.substr(sp2 + 1) == "HTTP/1.0";
  out.headers.clear();
  for_each_header(head, [&](std::string_view name, std::string_view value) { out.headers.emplace_back(name, value); });
}

std::string head_without_header(std::string_view head, std::string_view name) {
  std::string out;
  out.reserve(head.size());
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    size_t next = eol == std::string_view::npos ? head.size() : eol + 2;
    std::string_view line = head.substr(pos, next - pos);
    size_t colon = line.find(':');
    bool drop = pos > 0 && colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name);
    if (!drop) out.append(line);
    pos = next;
  }
  return out;
}

}  // namespace chirp::api::detail

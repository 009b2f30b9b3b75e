// HttpRequest / HttpResponse helpers.
#include "chirp/api/http.h"

namespace chirp::api {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

const char* method_name(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: break;
  }
  return "OTHER";
}

Method parse_method(std::string_view t) {
  // Methods are case-sensitive (RFC 9110 9.1).
  if (t == "GET") return Method::kGet;
  if (t == "POST") return Method::kPost;
  if (t == "PUT") return Method::kPut;
  if (t == "DELETE") return Method::kDelete;
  if (t == "PATCH") return Method::kPatch;
  if (t == "HEAD") return Method::kHead;
  if (t == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

bool HttpRequest::has_header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.first, name)) return true;
  return false;
}

std::string_view HttpRequest::param(std::string_view name) const {
  for (const auto& [k, v] : path_params)
    if (k == name) return v;
  return {};
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    auto dk = percent_decode(key, true);
    if (dk && *dk == name) {
      auto dv = percent_decode(value, true);
      return dv ? std::move(*dv) : std::string(value);
    }
  }
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int h = hex_value(in[i + 1]), l = hex_value(in[i + 2]);
      if (h < 0 || l < 0) return std::nullopt;
      out.push_back(static_cast<char>(h * 16 + l));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

HttpResponse& HttpResponse::set_header(std::string name, std::string value) {
  for (auto& h : headers)
    if (iequals(h.first, name)) {
      h.second = std::move(value);
      return *this;
    }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

const std::string* HttpResponse::find_header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.first, name)) return &h.second;
  return nullptr;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::no_content() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace chirp::api

// limit/cursor parsing and the list envelope.
#include "chirp/api/pagination.h"

#include <charconv>

#include "chirp/api/errors.h"

namespace chirp::api {

Result<PageRequest> parse_page(const HttpRequest& req) {
  PageRequest p;
  if (auto limit = req.query_param("limit")) {
    long long v = 0;
    const char* b = limit->data();
    const char* e = b + limit->size();
    auto [ptr, ec] = std::from_chars(b, e, v);
    if (limit->empty() || ec == std::errc::invalid_argument || ptr != e)
      return Status::InvalidArgument("limit must be an integer");
    if (ec == std::errc::result_out_of_range) v = (*limit)[0] == '-' ? 0 : kMaxLimit;
    if (v < 1) return Status::InvalidArgument("limit must be at least 1");
    p.limit = v > kMaxLimit ? kMaxLimit : static_cast<int>(v);
  }
  if (auto cursor = req.query_param("cursor")) {
    if (cursor->empty()) return Status::InvalidArgument("cursor must not be empty");
    if (cursor->size() > kMaxCursorBytes) return Status::InvalidArgument("cursor is too long");
    p.cursor = std::move(*cursor);
  }
  return p;
}

namespace {
void append_encoded(std::string& out, std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
}
}  // namespace

std::string next_page_url(const HttpRequest& req, const std::string& next_cursor) {
  std::string url(req.path);
  char sep = '?';
  // Keep every other query parameter as it came, drop the old cursor.
  std::string_view q = req.query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    std::string_view key = pair.substr(0, pair.find('='));
    if (key == "cursor" || pair.empty()) continue;
    url.push_back(sep);
    sep = '&';
    url.append(pair);
  }
  url.push_back(sep);
  url.append("cursor=");
  append_encoded(url, next_cursor);
  return url;
}

HttpResponse page_response(const HttpRequest& req, const std::function<void(JsonWriter&)>& write_items,
                           const std::optional<std::string>& next_cursor) {
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("items");
  w.StartArray();
  write_items(w);
  w.EndArray();
  w.Key("next_cursor");
  if (next_cursor)
    w.String(next_cursor->data(), static_cast<rapidjson::SizeType>(next_cursor->size()));
  else
    w.Null();
  w.EndObject();
  HttpResponse r = HttpResponse::json(200, std::string(sb.GetString(), sb.GetSize()));
  if (next_cursor) {
    // Built by append: `"<" + std::string` trips a GCC 12 -Wrestrict false positive.
    std::string link = "<";
    link.append(next_page_url(req, *next_cursor)).append(">; rel=\"next\"");
    r.set_header("Link", std::move(link));
  }
  return r;
}

}  // namespace chirp::api

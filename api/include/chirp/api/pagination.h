// Pagination for every list route: `limit` and `cursor` in, and out
// {"items":[...],"next_cursor":"..."|null} plus `Link: <url>; rel="next"`.
//
// Cursors are opaque strings produced by the engine; this layer only passes
// them through (and limits their length).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "chirp/api/http.h"
#include "chirp/status.h"

namespace chirp::api {

inline constexpr int kDefaultLimit = 20;
inline constexpr int kMaxLimit = 100;
inline constexpr size_t kMaxCursorBytes = 512;

struct PageRequest {
  int limit = kDefaultLimit;
  std::string cursor;  // empty = first page
};

// limit: default 20; above 100 clamped to 100; below 1 or not an integer -> InvalidArgument.
// cursor: any non-empty string up to 512 bytes.
Result<PageRequest> parse_page(const HttpRequest& req);

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Builds the 200 list response. `write_items` writes the array elements (not
// the brackets). When next_cursor is set, the Link header points at the same
// path and query with `cursor` replaced.
HttpResponse page_response(const HttpRequest& req, const std::function<void(JsonWriter&)>& write_items,
                           const std::optional<std::string>& next_cursor);

// The URL (path + query) of the next page, as used in the Link header.
std::string next_page_url(const HttpRequest& req, const std::string& next_cursor);

}  // namespace chirp::api

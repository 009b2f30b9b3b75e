// Small helpers shared by the domain route tables (internal to chirp_api).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "chirp/api/errors.h"
#include "chirp/api/http.h"
#include "chirp/api/pagination.h"
#include "chirp/api/route.h"
#include "chirp/engine/types.h"

namespace chirp::api::detail {

// 200 (or `status`) with the JSON written by `fn`.
template <typename Fn>
HttpResponse json_reply(int status, Fn&& fn) {
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  fn(w);
  return HttpResponse::json(status, std::string(sb.GetString(), sb.GetSize()));
}

// A decimal 64-bit id ("0" and leading '+'/'-' refused); nullopt when malformed.
inline std::optional<uint64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 20 || s[0] == '0') return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Path ids: a malformed id names no resource, so it is 404 like an unknown one.
inline HttpResponse no_such_tweet() { return error_response(404, "not_found", "no such tweet"); }

inline std::optional<uint64_t> viewer(const RequestContext& ctx) {
  if (!ctx.principal) return std::nullopt;
  return ctx.principal->user_id;
}

inline engine::PageRequest engine_page(const PageRequest& p) { return {p.limit, p.cursor}; }

// Writes a JSON string from a string_view.
inline void jstr(JsonWriter& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

}  // namespace chirp::api::detail

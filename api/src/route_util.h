// Small helpers shared by the domain route tables (internal to chirp_api).
#pragma once

#include <charconv>
#include <cstdint>
#include <exception>
#include <functional>
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
#include "chirp/status.h"

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

// 204, or the error in the JSON shape.
inline HttpResponse no_content_or_error(const Status& s) {
  return s.ok() ? HttpResponse::no_content() : error_response(s);
}

// A write answered 204 (or its error) when the group commit holding it is
// durable, without holding the server thread meanwhile (ctx.defer(), as POST
// /api/v1/tweets does): `submit(done)` queues the write (an Engine::*_async
// method) and `done` sends the reply. While the server shuts down (defer()
// refused) the old way: `run()` (the waiting method) on this thread. Every
// path answers exactly once (a second call of the LateReply is ignored).
inline HttpResponse write_answered_late(RequestContext& ctx,
                                        const std::function<void(std::function<void(Status)>)>& submit,
                                        const std::function<Status()>& run) {
  if (LateReply reply = ctx.defer()) {
    try {
      submit([reply](Status s) {
        HttpResponse r;
        try {
          r = no_content_or_error(s);
        } catch (const std::exception& ex) {
          r = error_response(Status::Internal(ex.what()));
        } catch (...) {
          r = error_response(Status::Internal("unknown exception"));
        }
        reply(std::move(r));
      });
    } catch (const std::exception& ex) {
      reply(error_response(Status::Internal(ex.what())));
    } catch (...) {
      reply(error_response(Status::Internal("unknown exception")));
    }
    return HttpResponse{};  // ignored: the LateReply answers
  }
  return no_content_or_error(run());
}

// Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += len;
  }
  return true;
}

// Writes a JSON string from a string_view.
inline void jstr(JsonWriter& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

}  // namespace chirp::api::detail

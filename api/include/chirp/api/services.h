// The domain route tables (users, tweets, search) on a local chirp::engine::Engine,
// the engine-backed Authenticator and the cookie session of the web app.
//
// Handlers are thin: parse (strict schemas, pagination helpers), call the
// engine, map its Status through error_response(), write JSON (json_views.h).
// Every table captures the Engine by reference: it must outlive the Server.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chirp/api/http.h"
#include "chirp/api/route.h"
#include "chirp/api/server.h"

namespace chirp::engine {
class Engine;
class LogFollower;
}

namespace chirp::api {

RouteTable make_users_table(engine::Engine& e);   // users, auth, me, follows
RouteTable make_tweets_table(engine::Engine& e);  // tweets, replies, likes, timeline
RouteTable make_search_table(engine::Engine& e);  // search, search/counts

// Bearer token (or session cookie) -> Principal through engine.authenticate.
Authenticator make_engine_authenticator(engine::Engine& e);
// GET /ready: 503 while LMDB writes cannot reach the disk (full disk or map,
// failing commits), while the search index cannot commit or its feeder fails,
// or while it is more than `max_lag` changes behind; else 200 with change_seq,
// searchable_seq and index_lag. Split mode: `peers` (this role's followers of
// other roles' logs) add <log>_log_seq and <log>_log_reachable (1/0) to the
// body; an unreachable peer does not make the role unready (users and tweets
// follow each other, so that would take both out of their Services).
ReadinessCheck make_engine_readiness(engine::Engine& e, uint64_t max_lag = 10000,
                                     std::vector<const engine::LogFollower*> peers = {});

// ---- cookie session (web app) ----
// Login with {"cookie":true} sets two cookies, both SameSite=Strict, Path=/:
//   chirp_session=<token>  HttpOnly (the session; never readable by scripts)
//   chirp_csrf=<random>    readable by the app, echoed in X-CSRF-Token
// A request authenticated by the session cookie (no Authorization header)
// with an unsafe method (anything but GET/HEAD/OPTIONS) must carry an
// X-CSRF-Token header equal to the chirp_csrf cookie, else 403 forbidden.
inline constexpr std::string_view kSessionCookie = "chirp_session";
inline constexpr std::string_view kCsrfCookie = "chirp_csrf";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or nullopt.
std::optional<std::string_view> cookie_value(std::string_view cookie_header, std::string_view name);
// Set-Cookie values: the session (Max-Age seconds), the CSRF token, and both cleared.
std::string session_set_cookie(std::string_view token, int64_t max_age_s);
std::string csrf_set_cookie(std::string_view csrf, int64_t max_age_s);
std::string cleared_cookie(std::string_view name, bool http_only);
// 32 random hex digits (libsodium).
std::string random_csrf_token();

}  // namespace chirp::api

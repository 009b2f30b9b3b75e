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

#include "chirp/api/http.h"
#include "chirp/api/route.h"
#include "chirp/api/server.h"

namespace chirp::engine {
class Engine;
}

namespace chirp::api {

RouteTable make_users_table(engine::Engine& e);   // users, auth, me, follows
RouteTable make_tweets_table(engine::Engine& e);  // tweets, replies, likes, timeline
RouteTable make_search_table(engine::Engine& e);  // search, search/counts

// Bearer token (or session cookie) -> Principal through engine.authenticate.
Authenticator make_engine_authenticator(engine::Engine& e);
// GET /ready: the search index open and at most `max_lag` changes behind.
ReadinessCheck make_engine_readiness(engine::Engine& e, uint64_t max_lag = 10000);

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

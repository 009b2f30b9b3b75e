// The users service: accounts, sessions (bearer and cookie), profiles, follows.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "chirp/api/errors.h"
#include "chirp/api/json_body.h"
#include "chirp/api/json_views.h"
#include "chirp/api/pagination.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "route_util.h"

namespace chirp::api {

using detail::json_reply;
using detail::viewer;

namespace {

// The documented schemas carry the domain rules (API.md) where JSON Schema can
// say them soundly: lengths in characters are never stricter than the
// server's byte limits, so no minimum for passwords.
constexpr std::string_view kUsernameSchema =
    R"({"type":"string","minLength":1,"maxLength":15,"pattern":"^[A-Za-z0-9_]{1,15}$"})";
constexpr std::string_view kPasswordSchema = R"({"type":"string","maxLength":128})";
constexpr std::string_view kDisplayNameSchema = R"({"type":"string","maxLength":50})";

const BodySchema kRegister{"RegisterRequest",
                           {{"username", FieldType::kString, true, 64, "^[A-Za-z0-9_]{1,15}$, not reserved",
                             kUsernameSchema},
                            {"password", FieldType::kString, true, 1024, "8 to 128 bytes", kPasswordSchema},
                            {"display_name", FieldType::kString, false, 256, "at most 50 characters",
                             kDisplayNameSchema}}};
const BodySchema kLogin{"LoginRequest",
                        {{"username", FieldType::kString, true, 64},
                         {"password", FieldType::kString, true, 1024},
                         {"cookie", FieldType::kBoolean, false, 0,
                          "true: also set the HttpOnly session cookie and the CSRF cookie (web app)"}}};
const BodySchema kPatchMe{"UpdateProfileRequest",
                          {{"display_name", FieldType::kString, false, 256, "at most 50 characters",
                            kDisplayNameSchema},
                           {"bio", FieldType::kString, false, 1024, "at most 160 characters",
                            R"({"type":"string","maxLength":160})"}}};
const BodySchema kPassword{"ChangePasswordRequest",
                           {{"current_password", FieldType::kString, true, 1024},
                            {"new_password", FieldType::kString, true, 1024, "8 to 128 bytes", kPasswordSchema}}};
const BodySchema kDeleteMe{"DeleteAccountRequest", {{"password", FieldType::kString, true, 1024}}};

constexpr std::string_view kUserRef = R"({"$ref":"#/components/schemas/User"})";
constexpr std::string_view kUserListRef = R"({"$ref":"#/components/schemas/UserList"})";

engine::Principal engine_principal(const Principal& p) { return {p.user_id, p.session}; }

std::string_view str_field(const rapidjson::Document& d, const char* name) {
  auto it = d.FindMember(name);
  if (it == d.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}
std::optional<std::string> opt_field(const rapidjson::Document& d, const char* name) {
  auto it = d.FindMember(name);
  if (it == d.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

void clear_cookies(HttpResponse& r) {
  r.headers.emplace_back("Set-Cookie", cleared_cookie(kSessionCookie, true));
  r.headers.emplace_back("Set-Cookie", cleared_cookie(kCsrfCookie, false));
}

HttpResponse user_reply(engine::Engine& e, const engine::User& u, const RequestContext& ctx, int status = 200) {
  std::optional<bool> follows;
  if (auto v = viewer(ctx)) {
    auto f = e.is_following(*v, u.id);
    if (!f.ok()) return error_response(f.status());  // a read error is a 500, not following:false
    follows = *f;
  }
  return json_reply(status, [&](JsonWriter& w) { write_user(w, u, follows); });
}

HttpResponse user_list(engine::Engine& e, const HttpRequest& req, const RequestContext& ctx,
                       Result<engine::Page<engine::User>> (engine::Engine::*list)(std::string_view,
                                                                                  const engine::PageRequest&) const) {
  auto page = parse_page(req);
  if (!page.ok()) return error_response(page.status());
  auto r = (e.*list)(req.param("username"), detail::engine_page(*page));
  if (!r.ok()) return error_response(r.status());
  std::vector<std::optional<bool>> follows(r->items.size());  // read before writing: an error is a 500
  if (auto v = viewer(ctx))
    for (size_t i = 0; i < r->items.size(); ++i) {
      auto f = e.is_following(*v, r->items[i].id);
      if (!f.ok()) return error_response(f.status());
      follows[i] = *f;
    }
  return page_response(
      req,
      [&](JsonWriter& w) {
        for (size_t i = 0; i < r->items.size(); ++i) write_user(w, r->items[i], follows[i]);
      },
      r->next_cursor);
}

}  // namespace

RouteTable make_users_table(engine::Engine& e) {
  RouteTable t;
  t.service = "users";
  t.schemas = object_schemas();
  auto& R = t.routes;

  R.push_back({Method::kPost, "/api/v1/users",
               [&e](const HttpRequest& req, RequestContext&) {
                 rapidjson::Document b;
                 if (auto err = decode_json_body(req, kRegister, b)) return std::move(*err);
                 auto u = e.register_user(str_field(b, "username"), str_field(b, "password"),
                                          str_field(b, "display_name"));
                 if (!u.ok()) return error_response(u.status());
                 HttpResponse r = json_reply(201, [&](JsonWriter& w) { write_user(w, *u); });
                 std::string loc = "/api/v1/users/";
                 loc.append(u->username);
                 r.set_header("Location", std::move(loc));
                 return r;
               },
               AuthMode::kNone, RateClass::kSignup,
               {.summary = "Create an account",
                .description = "Registers a user. Usernames are unique case-insensitively; reserved names, "
                               "bad patterns and passwords outside 8..128 bytes are 422.",
                .request = &kRegister,
                .responses = {{201, "Created; Location names the user", kUserRef}},
                .errors = {409, 422}}});

  R.push_back({Method::kPost, "/api/v1/auth/login",
               [&e](const HttpRequest& req, RequestContext&) {
                 rapidjson::Document b;
                 if (auto err = decode_json_body(req, kLogin, b)) return std::move(*err);
                 auto s = e.login(str_field(b, "username"), str_field(b, "password"));
                 if (!s.ok()) return error_response(s.status());
                 const bool cookie = b.HasMember("cookie") && b["cookie"].GetBool();
                 std::string csrf = cookie ? random_csrf_token() : std::string();
                 HttpResponse r = json_reply(200, [&](JsonWriter& w) {
                   w.StartObject();
                   w.Key("token");
                   detail::jstr(w, s->token);
                   w.Key("expires_at");
                   detail::jstr(w, engine::format_time(s->expires_at_ms));
                   if (cookie) {
                     w.Key("csrf_token");
                     detail::jstr(w, csrf);
                   }
                   w.Key("user");
                   write_user(w, s->user);
                   w.EndObject();
                 });
                 if (cookie) {
                   int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count();
                   int64_t max_age = std::max<int64_t>(1, (s->expires_at_ms - now_ms) / 1000);
                   r.headers.emplace_back("Set-Cookie", session_set_cookie(s->token, max_age));
                   r.headers.emplace_back("Set-Cookie", csrf_set_cookie(csrf, max_age));
                 }
                 r.set_header("Cache-Control", "no-store");
                 return r;
               },
               AuthMode::kNone, RateClass::kLogin,
               {.summary = "Log in",
                .description = "Returns a bearer token. With \"cookie\": true the answer also sets the web "
                               "app's session: chirp_session (HttpOnly, SameSite=Strict, Path=/) and chirp_csrf "
                               "(SameSite=Strict, readable), whose value must be sent as X-CSRF-Token on every "
                               "unsafe request authenticated by the cookie. Wrong username or password: 401.",
                .request = &kLogin,
                .responses = {{200, "Logged in", R"({"$ref":"#/components/schemas/Session"})"}},
                .errors = {401}}});

  R.push_back({Method::kPost, "/api/v1/auth/logout",
               [&e](const HttpRequest&, RequestContext& ctx) {
                 if (auto s = e.logout(engine_principal(*ctx.principal)); !s.ok()) return error_response(s);
                 HttpResponse r = HttpResponse::no_content();
                 clear_cookies(r);
                 return r;
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Log out",
                .description = "Revokes this token (or cookie session) and clears the session cookies.",
                .responses = {{204, "Logged out"}},
                .errors = {403}}});

  R.push_back({Method::kGet, "/api/v1/auth/session",
               [&e](const HttpRequest&, RequestContext& ctx) {
                 if (!ctx.principal)
                   return json_reply(200, [](JsonWriter& w) {
                     w.StartObject();
                     w.Key("user");
                     w.Null();
                     w.EndObject();
                   });
                 auto u = e.get_user(ctx.principal->user_id);
                 if (!u.ok()) return error_response(u.status());
                 return json_reply(200, [&](JsonWriter& w) {
                   w.StartObject();
                   w.Key("user");
                   write_user(w, *u);
                   w.EndObject();
                 });
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "The current session, if any",
                .description = "For the web app: 200 {\"user\": User} when the session cookie (or token) is "
                               "valid, 200 {\"user\": null} otherwise (a stale cookie is ignored), so reading "
                               "the session never shows a 401 in the browser console.",
                .responses = {{200, "The session's user or null", R"({"$ref":"#/components/schemas/SessionState"})"}}}});

  R.push_back({Method::kGet, "/api/v1/me",
               [&e](const HttpRequest&, RequestContext& ctx) {
                 auto u = e.get_user(ctx.principal->user_id);
                 if (!u.ok()) return error_response(u.status());
                 return json_reply(200, [&](JsonWriter& w) { write_user(w, *u); });
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "My profile", .responses = {{200, "The caller", kUserRef}}}});

  R.push_back({Method::kPatch, "/api/v1/me",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 rapidjson::Document b;
                 if (auto err = decode_json_body(req, kPatchMe, b)) return std::move(*err);
                 auto u = e.update_profile(ctx.principal->user_id, opt_field(b, "display_name"), opt_field(b, "bio"));
                 if (!u.ok()) return error_response(u.status());
                 return json_reply(200, [&](JsonWriter& w) { write_user(w, *u); });
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Update my profile",
                .description = "display_name at most 50 and bio at most 160 characters (else 422).",
                .request = &kPatchMe,
                .responses = {{200, "The updated profile", kUserRef}},
                .errors = {403, 422}}});

  R.push_back({Method::kDelete, "/api/v1/me",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 rapidjson::Document b;
                 if (auto err = decode_json_body(req, kDeleteMe, b)) return std::move(*err);
                 if (auto s = e.delete_account(ctx.principal->user_id, str_field(b, "password")); !s.ok())
                   return error_response(s);
                 HttpResponse r = HttpResponse::no_content();
                 clear_cookies(r);
                 return r;
               },
               AuthMode::kRequired, RateClass::kLogin,
               {.summary = "Delete my account",
                .description = "Removes the account, its tweets (from search too), likes, follows and sessions. "
                               "A wrong password is 401.",
                .request = &kDeleteMe,
                .responses = {{204, "Deleted"}},
                .errors = {403}}});

  R.push_back({Method::kPut, "/api/v1/me/password",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 rapidjson::Document b;
                 if (auto err = decode_json_body(req, kPassword, b)) return std::move(*err);
                 if (auto s = e.change_password(engine_principal(*ctx.principal), str_field(b, "current_password"),
                                                str_field(b, "new_password"));
                     !s.ok())
                   return error_response(s);
                 return HttpResponse::no_content();
               },
               AuthMode::kRequired, RateClass::kLogin,
               {.summary = "Change my password",
                .description = "Every other session is revoked; this one stays. Wrong current password: 401; "
                               "new password outside 8..128 bytes: 422.",
                .request = &kPassword,
                .responses = {{204, "Changed"}},
                .errors = {403, 422}}});

  R.push_back({Method::kDelete, "/api/v1/me/sessions",
               [&e](const HttpRequest&, RequestContext& ctx) {
                 if (auto s = e.revoke_all_sessions(ctx.principal->user_id); !s.ok()) return error_response(s);
                 HttpResponse r = HttpResponse::no_content();
                 clear_cookies(r);
                 return r;
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Log out everywhere",
                .description = "Revokes every session of the caller, this one included.",
                .responses = {{204, "Every session revoked"}},
                .errors = {403}}});

  R.push_back({Method::kGet, "/api/v1/users/{username}",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 auto u = e.find_user(req.param("username"));
                 if (!u.ok()) return error_response(u.status());
                 return user_reply(e, *u, ctx);
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "A user's profile",
                .description = "Case-insensitive lookup; viewer_follows with a token.",
                .responses = {{200, "The user", kUserRef}},
                .errors = {404}}});

  R.push_back({Method::kPut, "/api/v1/users/{username}/follow",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 // The name is copied: the request's views die before a late reply.
                 const uint64_t me = ctx.principal->user_id;
                 std::string name(req.param("username"));
                 return detail::write_answered_late(
                     ctx, [&e, me, &name](engine::Engine::WriteDone done) { e.follow_async(me, name, std::move(done)); },
                     [&e, me, &name] { return e.follow(me, name); });
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Follow a user",
                .description = "Idempotent (204 again when already following). Following yourself: 422.",
                .responses = {{204, "Following"}},
                .errors = {403, 404, 422}}});

  R.push_back({Method::kDelete, "/api/v1/users/{username}/follow",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 // The name is copied: the request's views die before a late reply.
                 const uint64_t me = ctx.principal->user_id;
                 std::string name(req.param("username"));
                 return detail::write_answered_late(
                     ctx, [&e, me, &name](engine::Engine::WriteDone done) { e.unfollow_async(me, name, std::move(done)); },
                     [&e, me, &name] { return e.unfollow(me, name); });
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Unfollow a user",
                .description = "Idempotent (204 again when not following).",
                .responses = {{204, "Not following"}},
                .errors = {403, 404, 422}}});

  R.push_back({Method::kGet, "/api/v1/users/{username}/followers",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 return user_list(e, req, ctx, &engine::Engine::followers);
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "A user's followers",
                .responses = {{200, "A page of users", kUserListRef}},
                .errors = {404},
                .paginated = true}});

  R.push_back({Method::kGet, "/api/v1/users/{username}/following",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 return user_list(e, req, ctx, &engine::Engine::following);
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "Whom a user follows",
                .responses = {{200, "A page of users", kUserListRef}},
                .errors = {404},
                .paginated = true}});
  return t;
}

}  // namespace chirp::api

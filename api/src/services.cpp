// Engine wiring shared by the tables: the Authenticator, readiness and the
// web app's cookie session helpers (services.h).
#include <sodium.h>

#include <string>

#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "chirp/engine/log_follower.h"

namespace chirp::api {

Authenticator make_engine_authenticator(engine::Engine& e) {
  return [&e](std::string_view token) -> Result<Principal> {
    auto p = e.authenticate(token);
    if (!p.ok()) return p.status();
    Principal out;
    out.account_id = std::to_string(p->user_id);
    out.token = std::string(token);
    out.user_id = p->user_id;
    out.session = p->token_hash;
    return out;
  };
}

ReadinessCheck make_engine_readiness(engine::Engine& e, uint64_t max_lag,
                                     std::vector<const engine::LogFollower*> peers) {
  return [&e, max_lag, peers = std::move(peers)]() {
    ReadyReport r;
    const engine::Engine::Health h = e.health();
    const uint64_t lag = h.change_seq > h.searchable_seq ? h.change_seq - h.searchable_seq : 0;
    // Reasons name the failing part and its code, never internal messages.
    if (!h.storage.ok()) {
      r.ready = false;
      r.reason = std::string("storage cannot commit writes (") + code_name(h.storage.code()) + ")";
    } else if (!h.search.ok()) {
      r.ready = false;
      r.reason = "the search index is not healthy";
    } else if (e.options().search && lag > max_lag) {
      r.ready = false;
      r.reason = "the search index is catching up";
    }
    r.fields = {{"change_seq", static_cast<int64_t>(h.change_seq)},
                {"searchable_seq", static_cast<int64_t>(h.searchable_seq)},
                {"index_lag", static_cast<int64_t>(lag)}};
    for (const engine::LogFollower* f : peers) {
      if (f == nullptr) continue;
      r.fields.emplace_back(f->log() + "_log_seq", static_cast<int64_t>(f->position()));
      r.fields.emplace_back(f->log() + "_log_reachable", f->health().ok() ? 1 : 0);
    }
    return r;
  };
}

std::optional<std::string_view> cookie_value(std::string_view h, std::string_view name) {
  while (!h.empty()) {
    size_t semi = h.find(';');
    std::string_view part = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view() : h.substr(semi + 1);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (part.substr(0, eq) != name) continue;
    std::string_view v = part.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return v;
  }
  return std::nullopt;
}

std::string session_set_cookie(std::string_view token, int64_t max_age_s) {
  std::string c(kSessionCookie);
  c.append("=").append(token).append("; Path=/; Max-Age=").append(std::to_string(max_age_s));
  c.append("; HttpOnly; SameSite=Strict");
  return c;
}

std::string csrf_set_cookie(std::string_view csrf, int64_t max_age_s) {
  std::string c(kCsrfCookie);
  c.append("=").append(csrf).append("; Path=/; Max-Age=").append(std::to_string(max_age_s));
  c.append("; SameSite=Strict");
  return c;
}

std::string cleared_cookie(std::string_view name, bool http_only) {
  std::string c(name);
  c.append("=; Path=/; Max-Age=0").append(http_only ? "; HttpOnly" : "").append("; SameSite=Strict");
  return c;
}

std::string random_csrf_token() {
  unsigned char buf[16];
  randombytes_buf(buf, sizeof buf);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(32);
  for (unsigned char c : buf) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

}  // namespace chirp::api

// Dispatcher: the socket-free request pipeline.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "chirp/api/errors.h"
#include "chirp/api/openapi.h"
#include "chirp/api/server.h"
#include "chirp/api/services.h"
#include "cidr.h"

#include <sodium.h>

namespace chirp::api {

namespace {

// Request ids: 16 hex digits from a per-thread xorshift generator seeded once,
// so making one costs no lock and no syscall.
std::string make_request_id() {
  thread_local uint64_t state = [] {
    std::random_device rd;
    uint64_t s = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                 std::hash<std::thread::id>{}(std::this_thread::get_id());
    return s ? s : 0x9e3779b97f4a7c15ULL;
  }();
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  static const char* hex = "0123456789abcdef";
  std::string id(16, '0');
  uint64_t v = state;
  for (int i = 15; i >= 0; --i, v >>= 4) id[i] = hex[v & 15];
  return id;
}

// A proxy-supplied request id is kept only if short and made of safe characters.
bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
          c == '.' || c == ':'))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HttpResponse too_many(const RateDecision& d) {
  HttpResponse r = error_response(429, "rate_limited", "too many requests, retry later");
  r.set_header("Retry-After", std::to_string(d.retry_after_s));
  return r;
}

bool accepts_html(std::string_view accept) { return accept.find("text/html") != std::string_view::npos; }

std::shared_ptr<spdlog::logger> default_logger(LogFormat format) {
  if (auto l = spdlog::get("chirp.access")) return l;
  auto l = std::make_shared<spdlog::logger>("chirp.access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
  // JSON lines are complete objects built by access_log(); text lines get a time stamp.
  if (format == LogFormat::kJson)
    l->set_pattern("%v");
  else
    l->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %v");
  spdlog::register_logger(l);
  return l;
}

}  // namespace

Dispatcher::Dispatcher(ServerConfig cfg, std::vector<RouteTable> tables)
    : cfg_(std::move(cfg)), tables_(std::move(tables)), static_(cfg_.static_dir) {
  tables_.push_back(make_system_table(*this));
  router_ = std::make_unique<Router>(tables_);
  std::vector<std::string> labels;
  for (size_t i = 0; i < router_->size(); ++i) {
    const Route& r = router_->route(i);
    labels.push_back(std::string("method=\"") + method_name(r.method) + "\",route=\"" + r.pattern + "\"");
  }
  metrics_ = std::make_unique<Metrics>(std::move(labels));
  metrics_->add_gauge({"chirp_http_open_connections", "Client connections currently open.",
                       [this] { return static_cast<double>(open_connections()); }});
  limiter_ = std::make_unique<RateLimiter>(cfg_.rate_limit, cfg_.clock);
  if (cfg_.documented_elsewhere.empty()) {
    openapi_ = openapi_json(tables_);
  } else {
    std::vector<RouteTable> all = tables_;
    all.insert(all.end(), cfg_.documented_elsewhere.begin(), cfg_.documented_elsewhere.end());
    openapi_ = openapi_json(all);
  }
  log_ = cfg_.logger ? cfg_.logger : default_logger(cfg_.log_format);
}

Dispatcher::~Dispatcher() = default;

bool Dispatcher::is_trusted_proxy(std::string_view ip) const {
  // Exact addresses or CIDR ranges (--trusted-proxy 10.244.0.0/16: gateway pods).
  for (const auto& p : cfg_.trusted_proxies) {
    if (p == ip) return true;
    if (auto range = detail::Cidr::parse(p); range && range->contains(ip)) return true;
  }
  return false;
}

void Dispatcher::log_error(std::string_view rid, std::string_view what) const {
  log_->error("request {} failed: {}", rid, what);
}

HttpResponse Dispatcher::handle(HttpRequest& req) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<HttpResponse> out;
  handle_async(req, [&](HttpResponse r) {
    std::lock_guard<std::mutex> lock(mu);
    out = std::move(r);
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return out.has_value(); });
  return std::move(*out);
}

void Dispatcher::handle_async(HttpRequest& req, Responder respond) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool trusted = !cfg_.trusted_proxies.empty() && is_trusted_proxy(req.peer_ip);

  // Client address: the rightmost X-Forwarded-For entry is the one our
  // trusted proxy appended, so it is the only one we can believe.
  req.client_ip = req.peer_ip;
  if (trusted) {
    std::string_view xff = req.header("X-Forwarded-For");
    if (!xff.empty()) {
      size_t comma = xff.rfind(',');
      std::string_view last = trim(comma == std::string_view::npos ? xff : xff.substr(comma + 1));
      if (!last.empty()) req.client_ip = last;
    }
  }
  std::string rid;
  if (trusted) {
    std::string_view given = req.header("X-Request-Id");
    if (acceptable_request_id(given)) rid.assign(given);
  }
  if (rid.empty()) rid = make_request_id();

  RequestContext ctx;
  ctx.request_id = rid;
  int slot = metrics_->unmatched_slot();
  bool deferred = false;
  ctx.defer_ = [&]() -> LateReply {
    if (deferred) return LateReply{};  // one late reply per request
    {
      std::lock_guard<std::mutex> lock(deferred_mu_);
      if (draining_) return LateReply{};
      ++deferred_;
    }
    deferred = true;
    // The late step needs copies: the request's views die with this call.
    // A reply never sent (its LateReply dropped uncalled, a bug) still
    // releases the count, so shutdown cannot wait for it forever.
    struct Late {
      Dispatcher* d = nullptr;
      std::string rid, path, client;
      Method method;
      int slot;
      std::chrono::steady_clock::time_point t0;
      Responder respond;
      std::atomic<bool> used{false};
      ~Late() {
        if (used.load()) return;
        d->log_error(rid, "a late reply was never sent");
        d->late_reply_done();
      }
    };
    auto late = std::make_shared<Late>();
    late->d = this;
    late->rid = rid;
    late->path = std::string(req.path);
    late->client = std::string(req.client_ip);
    late->method = req.method;
    late->slot = slot;
    late->t0 = t0;
    late->respond = std::move(respond);
    return [this, late](HttpResponse r) {
      if (late->used.exchange(true)) {
        log_error(late->rid, "a late reply was sent twice (ignored)");
        return;
      }
      {
        Responder respond = std::move(late->respond);
        try {
          finish(r, late->rid, late->method, late->path, late->client, late->slot, late->t0);
          respond(std::move(r));
        } catch (const std::exception& e) {
          log_error(late->rid, std::string("late reply not sent: ") + e.what());
        } catch (...) {
          log_error(late->rid, "late reply not sent: unknown exception");
        }
      }  // whatever the responder holds (the connection) goes before the count drops
      late_reply_done();
    };
  };
  HttpResponse resp;
  try {
    resp = route(req, ctx, slot);
  } catch (const std::exception& e) {
    log_error(rid, e.what());
    resp = error_response(Status::Internal(e.what()));
  } catch (...) {
    log_error(rid, "unknown exception");
    resp = error_response(Status::Internal("unknown exception"));
  }
  ctx.defer_ = nullptr;  // it refers to this frame
  if (deferred) return;  // the handler's LateReply answers (perhaps it already has)
  finish(resp, std::move(rid), req.method, req.path, req.client_ip, slot, t0);
  respond(std::move(resp));
}

void Dispatcher::finish(HttpResponse& resp, std::string rid, Method method, std::string_view path,
                        std::string_view client, int slot, std::chrono::steady_clock::time_point t0) {
  resp.headers.emplace_back("X-Request-Id", std::move(rid));
  if (method == Method::kHead) resp.body.clear();

  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  metrics_->record(slot, resp.status, secs);
  // Split mode's peers poll /internal/ many times a second: only their failures are logged.
  const bool routine_poll = resp.status == 200 && path.substr(0, 10) == "/internal/";
  if (cfg_.access_log && !routine_poll)
    access_log(client, method, path, resp.headers.back().second, resp.status, resp.body.size(), secs);
}

void Dispatcher::drain_deferred() {
  std::unique_lock<std::mutex> lock(deferred_mu_);
  draining_ = true;
  // Late replies wait for a group commit (milliseconds); say so if one hangs.
  while (!deferred_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return deferred_ == 0; }))
    log_->warn("shutdown: still waiting for {} late replies", deferred_);
}

void Dispatcher::late_reply_done() {
  std::lock_guard<std::mutex> lock(deferred_mu_);
  if (--deferred_ == 0) deferred_cv_.notify_all();
}

int64_t Dispatcher::deferred_in_flight() const {
  std::lock_guard<std::mutex> lock(deferred_mu_);
  return deferred_;
}

HttpResponse Dispatcher::route(HttpRequest& req, RequestContext& ctx, int& slot) {
  RouteMatch m = router_->match(req);
  if (m.kind != RouteMatch::Kind::kFound && limiter_->enabled()) {
    // Unmatched requests (scanners, static files) share the default bucket.
    RateDecision d = limiter_->take(req.client_ip, RateClass::kDefault);
    if (!d.allowed) {
      return too_many(d);
    }
  }
  if (m.kind == RouteMatch::Kind::kNotFound) return fallback(req);
  if (m.kind == RouteMatch::Kind::kMethodNotAllowed) {
    HttpResponse r = error_response(405, "method_not_allowed",
                                    std::string(method_name(req.method)) + " is not allowed here");
    r.set_header("Allow", std::move(m.allow));
    return r;
  }
  const Route& route = *m.route;
  slot = m.route_index;
  ctx.route = route.pattern;

  if (route.rate != RateClass::kNone && limiter_->enabled()) {
    RateDecision d = limiter_->take(req.client_ip, route.rate);
    if (!d.allowed) {
      return too_many(d);
    }
  }

  if (route.auth != AuthMode::kNone) {
    std::string_view authz = req.header("Authorization");
    std::string_view token;
    bool via_cookie = false;
    if (authz.size() > 7 && iequals(authz.substr(0, 7), "Bearer ")) token = trim(authz.substr(7));
    if (!authz.empty() && token.empty())
      return error_response(401, "unauthorized", "the Authorization header must be 'Bearer <token>'");
    if (authz.empty()) {
      // The web app's session cookie (services.h): used only without a bearer token.
      if (auto c = cookie_value(req.header("Cookie"), kSessionCookie); c && !c->empty()) {
        token = *c;
        via_cookie = true;
      }
    }
    if (token.empty()) {
      if (route.auth == AuthMode::kRequired) {
        HttpResponse r = error_response(401, "unauthorized", "a bearer token is required");
        r.set_header("WWW-Authenticate", "Bearer");
        return r;
      }
    } else {
      if (!cfg_.authenticator) return error_response(Status::Unavailable("authentication is not available"));
      Result<Principal> p = cfg_.authenticator(token);
      if (!p.ok()) {
        // A stale session cookie on an optional route is simply anonymous (the
        // browser keeps sending it); a bad bearer token is always 401.
        if (via_cookie && route.auth == AuthMode::kOptional && p.status().code() == Code::kUnauthorized)
          return route.handler(req, ctx);
        HttpResponse r = error_response(p.status());
        if (r.status == 401 && !via_cookie) r.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return r;
      }
      if (via_cookie && req.method != Method::kGet && req.method != Method::kHead &&
          req.method != Method::kOptions) {
        // Double-submit CSRF defence: the header must equal the chirp_csrf cookie.
        std::string_view sent = req.header(kCsrfHeader);
        auto expected = cookie_value(req.header("Cookie"), kCsrfCookie);
        if (sent.empty() || !expected || expected->size() != sent.size() ||
            sodium_memcmp(sent.data(), expected->data(), sent.size()) != 0)
          return error_response(403, "forbidden", "missing or wrong X-CSRF-Token for a cookie session");
      }
      ctx.principal = std::move(p.value());
      ctx.principal->via_cookie = via_cookie;
      if (route.rate != RateClass::kNone && limiter_->enabled()) {
        RateDecision d = limiter_->take_account(ctx.principal->account_id);
        if (!d.allowed) {
          return too_many(d);
        }
      }
    }
  }
  return route.handler(req, ctx);
}

HttpResponse Dispatcher::fallback(const HttpRequest& req) {
  const bool api = req.path == "/api" || req.path.substr(0, 5) == "/api/";
  if (cfg_.serve_web && !api && (req.method == Method::kGet || req.method == Method::kHead)) {
    if (auto file = static_.serve(req.path)) return std::move(*file);
    // Single-page app: a browser navigating to /alice or /search?q=x gets the
    // app, which routes on the client side.
    if (accepts_html(req.header("Accept")))
      if (auto index = static_.index()) return std::move(*index);
  }
  return error_response(404, "not_found", "no such route or resource");
}

void Dispatcher::access_log(std::string_view client, Method method, std::string_view path, std::string_view rid,
                            int status, size_t bytes, double secs) const {
  const long us = static_cast<long>(secs * 1e6);
  if (cfg_.log_format == LogFormat::kJson) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    auto s = [&](std::string_view v) { w.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); };
    // RFC 3339 UTC with milliseconds, like the other JSON log lines.
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[64];  // roomy: the compiler cannot bound tm fields
    std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    w.StartObject();
    w.Key("time");
    w.String(when);
    w.Key("type");
    s("access");
    w.Key("request_id");
    s(rid);
    w.Key("client");
    s(client);
    w.Key("method");
    w.String(method_name(method));
    w.Key("path");
    s(path);
    w.Key("status");
    w.Int(status);
    w.Key("bytes");
    w.Uint64(bytes);
    w.Key("duration_us");
    w.Int64(us);
    w.EndObject();
    log_->info("{}", std::string_view(sb.GetString(), sb.GetSize()));
  } else {
    log_->info("{} {} \"{} {}\" {} {} {}us", client, rid, method_name(method), path, status, bytes, us);
  }
}

}  // namespace chirp::api

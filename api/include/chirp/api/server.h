// Server: chirp's HTTP front end on Pistache 0.0.5, and the socket-free
// Dispatcher that runs every request through the same pipeline.
//
// Pipeline (Dispatcher::handle): client address (X-Forwarded-For only from a
// trusted proxy) -> request id -> route match (404 / 405 + Allow; static files
// and the single-page-app fallback for unmatched GETs outside /api/) -> rate
// limit (per IP and class, 429 + Retry-After) -> auth (Authenticator hook) ->
// per-account limit -> handler (every exception becomes a generic 500, logged
// with the request id) -> security headers -> metrics + access log. A handler
// may answer later from another thread (RequestContext::defer): the last step
// then runs when it answers.
//
// The Pistache adapter (Server) adds what needs the socket: request heads are
// checked before Pistache reads a body (413 from the declared Content-Length,
// 414, 431, 411), HTTP/1.1 keep-alive by default, `Connection: close` and
// HTTP/1.0 honoured, timeouts, SIGPIPE ignored, responses written on the
// thread that read the request, except late replies: those are handed to
// Pistache's write queue (a lock-free queue plus an eventfd) from the thread
// that completes them, which Pistache's author names as the way to answer
// asynchronously (pistacheio/pistache#197). See server.cpp for the guards.
// See DESIGN.md "Pistache 0.0.5".
//
// Thread-safety: Dispatcher::handle and the handlers run concurrently on every
// server thread; the configuration is immutable once the server starts.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chirp/api/http.h"
#include "chirp/api/metrics.h"
#include "chirp/api/rate_limiter.h"
#include "chirp/api/route.h"
#include "chirp/api/router.h"
#include "chirp/api/static_files.h"
#include "chirp/status.h"

namespace spdlog {
class logger;
}

namespace chirp::api {

enum class LogFormat { kText, kJson };

// What GET /ready reports; `fields` are added to the 200 body (indexer lag...).
struct ReadyReport {
  bool ready = true;
  std::string reason;  // when not ready (the 503 message)
  std::vector<std::pair<std::string, int64_t>> fields;
};
using ReadinessCheck = std::function<ReadyReport()>;

// Turns a bearer token into a Principal; kUnauthorized for a bad, expired or
// revoked token. Provided by the engine wiring (users service).
using Authenticator = std::function<Result<Principal>(std::string_view token)>;

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port, see Server::port()
  int threads = 0;       // 0 = hardware concurrency
  // >0: every request but /internal/* runs on this many worker threads, off
  // the I/O threads, which answer /internal/* themselves. Split roles use it:
  // a write waiting for its consumers (ConsumerAcks) then never delays the
  // consumers' polls that acknowledge it, on one shared port.
  int worker_threads = 0;
  size_t max_body_bytes = 16 * 1024;
  size_t max_request_line = 8 * 1024;
  size_t max_header_bytes = 32 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds keepalive_timeout{75'000};
  RateLimitConfig rate_limit;
  std::vector<std::string> trusted_proxies;  // exact peer IPs
  LogFormat log_format = LogFormat::kText;
  bool access_log = true;
  std::string static_dir = "static";
  bool serve_web = true;  // static files, SPA fallback, /docs (role all)
  bool serve_docs = false;  // /docs without the web app (split mode: users, behind the gateway)
  // Split mode: tables described in openapi.json but served by other
  // services (the users role documents the whole public API).
  std::vector<RouteTable> documented_elsewhere;
  ReadinessCheck readiness;
  Authenticator authenticator;
  RateLimiter::Clock clock;                 // tests inject one
  std::shared_ptr<spdlog::logger> logger;   // default: "chirp.access" on stdout
};

class Dispatcher {
 public:
  // Adds the system table (health, ready, metrics, openapi, docs) to `tables`.
  Dispatcher(ServerConfig cfg, std::vector<RouteTable> tables);
  ~Dispatcher();

  // Runs the whole pipeline. Never throws. `respond` gets the finished
  // response exactly once: on this thread before handle_async returns, or,
  // when the handler deferred it (RequestContext::defer), later on the thread
  // that completes it. `req` need not outlive the call.
  using Responder = std::function<void(HttpResponse)>;
  void handle_async(HttpRequest& req, Responder respond);
  // The same, waiting for a deferred response (tests, socket-free callers).
  HttpResponse handle(HttpRequest& req);

  // Shutdown, before the server threads stop: from now on handlers answer
  // synchronously (defer() is refused), and this waits until every late
  // reply already deferred has been handed to its Responder.
  void drain_deferred();
  int64_t deferred_in_flight() const;

  const ServerConfig& config() const { return cfg_; }
  Metrics& metrics() { return *metrics_; }
  const Router& router() const { return *router_; }
  const std::string& openapi() const { return openapi_; }
  const StaticFiles& static_files() const { return static_; }
  bool is_trusted_proxy(std::string_view ip) const;

  // Logs an error with the request id (handlers and the adapter use it).
  void log_error(std::string_view request_id, std::string_view what) const;

  // Open-connection gauge, kept by the adapter (chirp_http_open_connections).
  void connection_opened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }

 private:
  HttpResponse route(HttpRequest& req, RequestContext& ctx, int& slot);
  HttpResponse fallback(const HttpRequest& req);
  void access_log(std::string_view client, Method method, std::string_view path, std::string_view rid, int status,
                  size_t bytes, double secs) const;
  // Request id header, HEAD without body, metrics and access log: the last
  // step of every response, synchronous or late.
  void finish(HttpResponse& resp, std::string rid, Method method, std::string_view path, std::string_view client,
              int slot, std::chrono::steady_clock::time_point t0);

  ServerConfig cfg_;
  std::vector<RouteTable> tables_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<RateLimiter> limiter_;
  StaticFiles static_;
  std::string openapi_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<int64_t> open_connections_{0};
  void late_reply_done();  // one deferred reply answered (or given up)
  // Late replies (RequestContext::defer) not yet answered; drain_deferred.
  mutable std::mutex deferred_mu_;
  std::condition_variable deferred_cv_;
  int64_t deferred_ = 0;     // guarded by deferred_mu_
  bool draining_ = false;    // guarded by deferred_mu_
};

// The system routes: GET /, /health, /ready, /metrics, /api/v1/openapi.json,
// /docs and /docs/swagger-init.js. Handlers capture `d`, which must outlive them.
RouteTable make_system_table(Dispatcher& d);

class Server {
 public:
  Server(ServerConfig cfg, std::vector<RouteTable> tables);
  ~Server();  // shuts down
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and serves on background threads; returns once listening.
  Status start();
  uint16_t port() const;  // the bound port (useful with port 0)
  // Stops accepting, lets the request being handled on each thread finish,
  // joins the threads. Idempotent.
  void shutdown();

  Dispatcher& dispatcher() { return *dispatcher_; }

 private:
  struct Impl;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chirp::api

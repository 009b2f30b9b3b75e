// The Pistache 0.0.5 adapter: request-head gate, conversion to and from
// HttpRequest / HttpResponse, keep-alive and close handling.
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include "chirp/api/errors.h"
#include "chirp/api/server.h"
#include "request_head.h"
#include "worker_pool.h"

// Pistache's own Http::Handler::onInput is private, and the gate below must
// run before it and then call it non-virtually. C++ offers no way to name a
// private base function, so we bind to its exported symbol directly (Itanium
// ABI: `this` is the first argument). Pinned to Debian's libpistache 0.0.5;
// the integration tests fail loudly if the symbol ever changes.
void chirp_pistache_http_on_input(Pistache::Http::Handler* self, const char* buffer, size_t len,
                                  const std::shared_ptr<Pistache::Tcp::Peer>& peer)
    __asm__("_ZN8Pistache4Http7Handler7onInputEPKcmRKSt10shared_ptrINS_3Tcp4PeerEE");

namespace chirp::api {

namespace {

using namespace Pistache;

// A response header whose name is only known at run time. Pistache 0.0.5
// writes only typed headers (raw ones are dropped on output) and keeps one
// header per name, so a repeated header (two Set-Cookie) is one object that
// writes each value on its own line.
class DynHeader : public Http::Header::Header {
 public:
  DynHeader(std::string name, std::string value) : name_(std::move(name)) { values_.push_back(std::move(value)); }
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override {
    for (size_t i = 0; i < values_.size(); ++i) {
      if (i > 0) os << "\r\n" << name_ << ": ";
      os << values_[i];
    }
  }
  uint64_t hash() const override { return 0; }  // only used by typed get<>(), never for these
  void add_value(std::string v) { values_.push_back(std::move(v)); }
  const std::string& header_name() const { return name_; }

 private:
  std::string name_;
  std::vector<std::string> values_;
};

// Header names must be tokens and values free of CR, LF and NUL: a handler
// echoing user input into a header must not be able to split the response.
bool safe_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// Sent on every response. The CSP forbids inline scripts; Swagger UI needs
// inline styles and data: images.
const std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
     "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
     "frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
};

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
  }
  const char* known = Http::codeString(static_cast<Http::Code>(status));
  return known != nullptr && *known != '\0' ? known : "Error";
}

// A whole HTTP/1.x response as bytes, with the headers respond() gives a
// response through Pistache's ResponseWriter (Connection, the security
// headers, Content-Type, the handler's headers, Content-Length). Used where
// the answer is written with Tcp::Peer::send instead: refusals before a
// request exists, and late replies (see Outgoing::send).
std::string response_bytes(const HttpResponse& resp, bool close, bool http10) {
  std::string out;
  out.reserve(640 + resp.body.size());
  auto header = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  out.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(resp.status)).append(" ");
  out.append(reason_phrase(resp.status)).append("\r\n");
  header("Connection", close ? "Close" : "Keep-Alive");
  for (const auto& [k, v] : kSecurityHeaders)
    if (resp.find_header(k) == nullptr) header(k, v);
  if (!resp.content_type.empty()) header("Content-Type", resp.content_type);
  for (const auto& [k, v] : resp.headers) {
    if (!safe_header(k, v)) {
      spdlog::warn("dropped unsafe response header '{}'", k.substr(0, 64));
      continue;
    }
    header(k, v);
  }
  header("Content-Length", std::to_string(resp.body.size()));
  out.append("\r\n").append(resp.body);
  return out;
}

// Once the response is written (or failed): half-closes the connection when
// `close` (the client sees EOF after the response, Pistache cleans up when it
// closes), then calls `written`. Runs on the connection's I/O thread, or at
// once on the caller's thread if the write has already finished.
// Pistache 0.0.5 only guards a promise's callback list where Transport's
// write resolves it (Resolver: under the core's mutex); the promise that
// ResponseWriter::send returns is a continuation, resolved without that lock
// (Continuation::finishResolve), so `then` on it from another thread than the
// I/O thread races with the resolution: a segfault inside libpistache under
// load. Only call this off the I/O thread with Tcp::Peer::send's promise.
void after_write(Async::Promise<ssize_t>& sent, const std::shared_ptr<Tcp::Peer>& peer, bool close,
                 std::function<void()> written) {
  std::weak_ptr<Tcp::Peer> weak = peer;
  sent.then(
      [weak, close, written](ssize_t) {
        if (close)
          if (auto p = weak.lock()) ::shutdown(p->fd(), SHUT_WR);
        if (written) written();
      },
      [weak, close, written](std::exception_ptr) {
        if (close)
          if (auto p = weak.lock()) ::shutdown(p->fd(), SHUT_RDWR);
        if (written) written();
      });
}
void close_after_write(Async::Promise<ssize_t>& sent, const std::shared_ptr<Tcp::Peer>& peer) {
  after_write(sent, peer, true, nullptr);
}

// Late replies (a post answered when its group commit is durable) handed to
// Pistache and not yet written; Server::shutdown waits briefly for them
// before it stops the I/O threads that write them.
struct LateReplies {
  std::mutex mu;
  std::condition_variable cv;
  int64_t pending = 0;  // guarded by mu
  // Pistache answers 408 and closes a connection whose request waited longer
  // than the header or body timeout (checked every 500 ms); a late reply
  // older than that, less a margin, is dropped rather than raced against it.
  std::chrono::milliseconds limit{9000};
  void add() {
    std::lock_guard<std::mutex> lock(mu);
    ++pending;
  }
  void done() {
    std::lock_guard<std::mutex> lock(mu);
    if (--pending == 0) cv.notify_all();
  }
  void wait_for(std::chrono::milliseconds most) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, most, [&] { return pending == 0; });
  }
};

// Requests that wait on nothing and must never queue behind public ones:
// split mode's /internal/v1/* polls (request line "GET /internal/...").
bool is_internal_request(std::string_view head) {
  size_t sp = head.find(' ');
  return sp != std::string_view::npos && head.substr(sp + 1, 10) == "/internal/";
}

// Public requests waiting for a worker beyond this are answered 503 at once.
constexpr size_t kMaxQueuedRequests = 4096;

class PistacheHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(PistacheHandler)

  PistacheHandler(Dispatcher* d, detail::WorkerPool* workers, LateReplies* late)
      : d_(d), workers_(workers), late_(late) {
    const auto& c = d->config();
    limits_ = {c.max_request_line, c.max_header_bytes, c.max_body_bytes};
  }
  // Pistache clones the prototype once per thread; connection state lives in
  // each Peer (conn_for), touched only by the thread serving it.
  PistacheHandler(const PistacheHandler& o)
      : Http::Handler(o), d_(o.d_), workers_(o.workers_), late_(o.late_), limits_(o.limits_) {}

  // The client hung up: a late reply must not be written to its descriptor,
  // which Pistache closes now and may give to the next connection.
  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    if (auto p = peer->tryGetData(kConnKey)) {
      auto* c = static_cast<Conn*>(p.get());
      std::lock_guard<std::mutex> lock(c->send_mu);
      c->hung_up = true;
    }
    Http::Handler::onDisconnection(peer);
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
    Conn& c = conn_for(peer);
    if (c.rejected) return;  // draining a connection we refused
    size_t body_bytes = len;
    if (!c.head_done) {
      const size_t old = c.head.size();
      const size_t cap = limits_.max_request_line + limits_.max_header_bytes + 4;
      c.head.append(buffer, std::min(len, cap > old ? cap - old : 0));
      size_t from = old >= 3 ? old - 3 : 0;
      size_t end = c.head.find("\r\n\r\n", from);
      if (end == std::string::npos) {
        // Hold the bytes until the head is complete: Pistache gets it in one piece.
        detail::HeadVerdict v = detail::check_partial_head(c.head, limits_);
        if (v.status) return refuse(c, v, peer);
        return;
      }
      c.head_len = end + 4;
      detail::HeadVerdict v = detail::check_head(std::string_view(c.head).substr(0, c.head_len), limits_);
      if (v.status) return refuse(c, v, peer);
      c.head_done = true;
      c.body_left = v.content_length;
      body_bytes = len - (c.head_len - old);
      if (v.expect_continue && c.body_left > 0) {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        peer->send(RawBuffer(kContinue, sizeof kContinue - 1));
      }
      // Pistache 0.0.5's Expect parser strcmp()s past the end of its buffer
      // (ASan: heap-buffer-overflow). We answer Expect ourselves, so Pistache
      // gets the head without it, then this chunk's body bytes.
      std::string out = detail::head_without_header(
          std::string_view(c.head).substr(0, c.head_len), "Expect");
      const size_t head_bytes_in_chunk = c.head_len - old;
      out.append(buffer + head_bytes_in_chunk, len - head_bytes_in_chunk);
      c.body_left -= std::min<uint64_t>(c.body_left, body_bytes);
      forward(c, out.data(), out.size(), peer);
      return;
    }
    c.body_left -= std::min<uint64_t>(c.body_left, body_bytes);
    forward(c, buffer, len, peer);
  }


  void onRequest(const Http::Request& request, Http::ResponseWriter writer) override {
    Conn* c = current_;
    if (c == nullptr || !c->head_done) {
      // Not reachable through onInput; kept so a bug cannot crash the server.
      return respond(writer, error_response(400, "bad_request", "malformed request"), true);
    }
    const std::string_view head = std::string_view(c->head).substr(0, c->head_len);
    if (workers_ != nullptr && !is_internal_request(head)) {
      // Off the I/O thread: this thread goes on reading its other connections
      // (a peer's /internal/ poll among them) while the request runs. The job
      // owns copies: the connection's buffer is reused for its next request.
      auto job = std::make_shared<Job>(Job{std::string(head), request.body(), request.address().host(),
                                           std::move(writer)});
      Dispatcher* d = d_;
      LateReplies* late = late_;
      const std::thread::id io_thread = std::this_thread::get_id();
      bool queued = workers_->submit([d, late, job, io_thread] {
        try {
          // Answered from the worker: the late-reply path's guards apply (the
          // client may hang up and its descriptor be reused meanwhile).
          serve(d, late, job->head, job->body, job->peer_ip, job->writer, io_thread);
        } catch (const std::exception& e) {
          // The client went away before its answer (Pistache throws on a dead peer).
          spdlog::debug("response not sent: {}", e.what());
        }
      });
      if (!queued) respond(job->writer, error_response(503, "unavailable", "server busy, try again"), false);
      return;
    }
    serve(d_, late_, head, request.body(), request.address().host(), writer, std::this_thread::get_id());
  }

 private:
  struct Job {
    std::string head, body, peer_ip;
    Http::ResponseWriter writer;
  };

  // Runs the dispatcher on one request and writes its answer. `head` is the
  // request's whole head; the HttpRequest's views point into these arguments.
  // The writer is moved into the responder: most answers are written before
  // handle_async returns, a late one from the thread that completes it.
  // `io_thread`: the connection's I/O thread; an answer from any other thread
  // is a late reply.
  static void serve(Dispatcher* d, LateReplies* late, std::string_view head, const std::string& body,
                    const std::string& peer_ip, Http::ResponseWriter& writer, std::thread::id io_thread) {
    HttpRequest req;
    detail::parse_head(head, req);
    req.body = body;
    req.peer_ip = peer_ip;
    // Keep-alive unless the client said close or is HTTP/1.0 without keep-alive.
    std::string_view conn = req.header("Connection");
    const bool close = req.http10 ? !iequals(conn, "keep-alive") : iequals(conn, "close");
    auto out = std::make_shared<Outgoing>(std::move(writer));
    out->peer = out->writer.getPeer();  // held: Pistache's send() must not see it vanish mid-call
    if (out->peer) out->conn = out->peer->tryGetData(kConnKey);
    out->close = close;
    out->http10 = req.http10;
    out->thread = io_thread;
    out->received = std::chrono::steady_clock::now();
    out->late = late;
    d->handle_async(req, [out](HttpResponse resp) { out->send(std::move(resp)); });
  }

  // One per connection, stored in the Pistache Peer so that it dies with the
  // connection however it ends. Pistache 0.0.5 calls onDisconnection only when
  // the client hangs up, not when it closes a connection itself (header or
  // keep-alive timeout, 408): a map keyed by Peer* leaked those entries and
  // handed a stale half-read head to the next connection allocated at the
  // same address (a fresh GET /health answered 400 during a slowloris).
  struct Conn {
    explicit Conn(Dispatcher* disp) : d(disp) { d->connection_opened(); }
    ~Conn() { d->connection_closed(); }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;
    Dispatcher* d;
    std::string head;  // bytes of the current request's head (reused between requests)
    size_t head_len = 0;
    bool head_done = false;
    uint64_t body_left = 0;
    bool rejected = false;
    std::mutex send_mu;    // a late reply's send against the hang-up below
    bool hung_up = false;  // guarded by send_mu
  };
  static inline const std::string kConnKey = "chirp.conn";

  // An answer on its way out, perhaps late (from another thread).
  struct Outgoing {
    explicit Outgoing(Http::ResponseWriter w) : writer(std::move(w)) {}
    Http::ResponseWriter writer;
    std::shared_ptr<Tcp::Peer> peer;  // keeps the Peer and its Conn alive
    std::shared_ptr<void> conn;       // the Conn
    bool close = false;
    bool http10 = false;     // the request's version: the answer's
    std::thread::id thread;  // where the request was dispatched
    std::chrono::steady_clock::time_point received;
    LateReplies* late = nullptr;

    void send(HttpResponse resp) {
      if (std::this_thread::get_id() == thread || !peer || !conn || late == nullptr) {
        respond(writer, std::move(resp), close, nullptr);
        return;
      }
      // Late. Pistache 0.0.5 queues the bytes for the connection's I/O
      // thread by descriptor number (Transport::asyncWrite: a lock-free
      // queue and an eventfd), so this is safe while that descriptor is still
      // this client's: under send_mu, a hang-up seen by onDisconnection
      // (just before Pistache closes the descriptor) stops it.
      Conn& c = *static_cast<Conn*>(conn.get());
      std::lock_guard<std::mutex> lock(c.send_mu);
      if (c.hung_up) return;
      if (std::chrono::steady_clock::now() - received >= late->limit) {
        spdlog::warn("late reply dropped: it waited past the header/body timeout (Pistache answers 408)");
        return;
      }
      late->add();
      LateReplies* l = late;
      // Written as bytes with Tcp::Peer::send, not ResponseWriter::send: the
      // latter's promise must not get a `then` from this thread (after_write).
      // What ResponseWriter::send would do besides: mark the peer idle again,
      // so that Pistache's timeout check does not answer 408 on a kept-alive
      // connection waiting for its next request.
      peer->setIdle(true);
      std::string bytes = response_bytes(resp, close, http10);
      const size_t n = bytes.size();
      auto sent = peer->send(RawBuffer(std::move(bytes), n));
      after_write(sent, peer, close, [l] { l->done(); });
    }
  };

  static Conn& conn_for(const std::shared_ptr<Tcp::Peer>& peer, Dispatcher* d) {
    if (auto p = peer->tryGetData(kConnKey)) return *static_cast<Conn*>(p.get());
    auto c = std::make_shared<Conn>(d);
    peer->putData(kConnKey, c);
    return *c;
  }
  Conn& conn_for(const std::shared_ptr<Tcp::Peer>& peer) { return conn_for(peer, d_); }

  void forward(Conn& c, const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) {
    current_ = &c;
    chirp_pistache_http_on_input(this, buffer, len, peer);  // may call onRequest
    current_ = nullptr;
    if (c.head_done && c.body_left == 0) {
      // Request complete. Pipelined bytes after it are dropped, as Pistache does.
      c.head.clear();
      c.head_done = false;
    }
  }

  void refuse(Conn& c, const detail::HeadVerdict& v, const std::shared_ptr<Tcp::Peer>& peer) {
    c.rejected = true;
    c.head.clear();
    c.head.shrink_to_fit();
    std::string out = response_bytes(error_response(v.status, v.code, v.message), true, false);
    const size_t n = out.size();
    auto sent = peer->send(RawBuffer(std::move(out), n));
    close_after_write(sent, peer);
    d_->metrics().record(d_->metrics().unmatched_slot(), v.status, 0.0);
  }

  static void respond(Http::ResponseWriter& w, HttpResponse resp, bool close,
                      std::function<void()> written = nullptr) {
    auto& h = w.headers();
    h.remove<Http::Header::Connection>();
    h.add<Http::Header::Connection>(close ? Http::ConnectionControl::Close : Http::ConnectionControl::KeepAlive);
    // A handler's own header (a stricter CSP, say) replaces the default.
    for (const auto& [k, v] : kSecurityHeaders)
      if (resp.find_header(k) == nullptr) h.add(security_header(k, v));
    if (!resp.content_type.empty()) h.add(std::make_shared<DynHeader>("Content-Type", std::move(resp.content_type)));
    std::vector<std::shared_ptr<DynHeader>> added;
    for (auto& [k, v] : resp.headers) {
      if (!safe_header(k, v)) {
        spdlog::warn("dropped unsafe response header '{}'", k.substr(0, 64));
        continue;
      }
      auto same = std::find_if(added.begin(), added.end(), [&](const auto& d) { return iequals(d->header_name(), k); });
      if (same != added.end()) {
        (*same)->add_value(std::move(v));
      } else {
        added.push_back(std::make_shared<DynHeader>(std::move(k), std::move(v)));
        h.add(added.back());
      }
    }
    auto sent = w.send(static_cast<Http::Code>(resp.status), resp.body);
    auto peer = w.getPeer();
    if (peer && (close || written))
      after_write(sent, peer, close, std::move(written));
    else if (written)
      written();
  }

  // Shared immutable header objects: adding one to a response is a refcount.
  static std::shared_ptr<Http::Header::Header> security_header(const char* name, const char* value) {
    static const auto* cache = [] {
      auto* m = new std::unordered_map<const char*, std::shared_ptr<Http::Header::Header>>();
      for (const auto& [k, v] : kSecurityHeaders) (*m)[k] = std::make_shared<DynHeader>(k, v);
      return m;
    }();
    return cache->at(name);
  }

  Dispatcher* d_;
  detail::WorkerPool* workers_;  // null: requests run on the I/O thread
  LateReplies* late_;            // owned by Server::Impl
  detail::HeadLimits limits_;
  Conn* current_ = nullptr;
};

}  // namespace

struct Server::Impl {
  LateReplies late;
  std::unique_ptr<detail::WorkerPool> workers;  // ServerConfig::worker_threads
  std::unique_ptr<Http::Endpoint> endpoint;
  std::mutex mu;
  bool running = false;
};

Server::Server(ServerConfig cfg, std::vector<RouteTable> tables)
    : dispatcher_(std::make_unique<Dispatcher>(std::move(cfg), std::move(tables))), impl_(std::make_unique<Impl>()) {}

Server::~Server() { shutdown(); }

Status Server::start() {
  // A client that hangs up mid-response must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  const ServerConfig& c = dispatcher_->config();
  try {
    Address addr(c.host, Port(c.port));
    impl_->endpoint = std::make_unique<Http::Endpoint>(addr);
    int threads = c.threads > 0 ? c.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Pistache's buffer limit is set above ours, so our checks answer first,
    // in JSON; it still caps memory if a check were ever bypassed.
    const size_t max_request = c.max_request_line + c.max_header_bytes + c.max_body_bytes + 1024;
    auto opts = Http::Endpoint::options()
                    .threads(threads)
                    .flags(Tcp::Options::ReuseAddr)
                    .maxRequestSize(max_request)
                    .headerTimeout(c.header_timeout)
                    .bodyTimeout(c.body_timeout)
                    .keepaliveTimeout(c.keepalive_timeout);
    impl_->endpoint->init(opts);
    const auto timeout = std::min(c.header_timeout, c.body_timeout);
    impl_->late.limit = timeout - std::min<std::chrono::milliseconds>(std::chrono::milliseconds(1000), timeout / 2);
    if (c.worker_threads > 0)
      impl_->workers = std::make_unique<detail::WorkerPool>(c.worker_threads, kMaxQueuedRequests);
    impl_->endpoint->setHandler(Http::make_handler<PistacheHandler>(dispatcher_.get(), impl_->workers.get(), &impl_->late));
    impl_->endpoint->serveThreaded();
  } catch (const std::exception& e) {
    impl_->endpoint.reset();
    return Status::Unavailable(std::string("cannot listen on ") + c.host + ":" + std::to_string(c.port) + ": " +
                               e.what());
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->running = true;
  return Status::Ok();
}

uint16_t Server::port() const {
  return impl_->endpoint ? static_cast<uint16_t>(impl_->endpoint->getPort()) : 0;
}

void Server::shutdown() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->running) return;
  impl_->running = false;
  // In-flight requests finish first (new ones meanwhile get 503), then the
  // I/O threads stop: the workers' answers still go out through them.
  // Posts waiting for their group commit (late replies) are answered first:
  // from here on handlers answer synchronously, those in flight are waited
  // for and their bytes get a moment to leave before the I/O threads stop.
  dispatcher_->drain_deferred();
  if (impl_->workers) impl_->workers->stop();
  impl_->late.wait_for(std::chrono::seconds(2));
  impl_->endpoint->shutdown();
  // Pistache 0.0.5 leaves its connections open once its threads are gone: a
  // client that sent a request meanwhile would wait for its own timeout. The
  // I/O threads are joined, so reading the peers here races with nothing.
  for (const auto& peer : impl_->endpoint->getAllPeer())
    if (peer) ::shutdown(peer->fd(), SHUT_RDWR);
}

}  // namespace chirp::api

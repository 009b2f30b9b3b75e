// The internal routes (internal.h): a service's change log and the token
// check, both behind the internal secret; plus the secret helpers.
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "chirp/api/errors.h"
#include "chirp/api/internal.h"
#include "chirp/engine/engine.h"
#include "route_util.h"

namespace chirp::api {

namespace {

constexpr size_t kDefaultChanges = 500, kMaxChanges = 5000;

std::optional<uint64_t> parse_u64(const std::optional<std::string>& v) {
  if (!v || v->empty() || v->size() > 20) return std::nullopt;
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size()) return std::nullopt;
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

// Wraps a handler so it runs only with the right secret.
Handler guarded(std::string secret, Handler h) {
  return [secret = std::move(secret), h = std::move(h)](const HttpRequest& req, RequestContext& ctx) {
    if (!internal_secret_matches(secret, req.header(kInternalSecretHeader)))
      // 403, not 401: a 401 from the token check means "bad token", never "bad secret".
      return error_response(403, "forbidden", "internal endpoint: missing or wrong internal secret");
    return h(req, ctx);
  };
}

}  // namespace

Result<std::string> read_internal_secret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read the internal secret file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  if (s.size() < 16) return Status::InvalidArgument("the internal secret in " + path + " is shorter than 16 bytes");
  return s;
}

bool internal_secret_matches(std::string_view expected, std::string_view presented) {
  if (expected.empty()) return false;
  // Hash both to a fixed size so neither the comparison nor its length leaks.
  unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
  crypto_generichash(a, sizeof a, reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), nullptr, 0);
  crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), nullptr,
                     0);
  return sodium_memcmp(a, b, sizeof a) == 0;
}

void ConsumerAcks::seen(const std::string& consumer, uint64_t applied) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(consumers_.begin(), consumers_.end(), [&](const auto& c) { return c.first == consumer; });
    if (it == consumers_.end()) {
      if (consumers_.size() >= 16) return;  // consumers are the other roles: a few names
      consumers_.push_back({consumer, {}});
      it = consumers_.end() - 1;
    }
    it->second.applied = applied;
    it->second.at = std::chrono::steady_clock::now();
  }
  cv_.notify_all();
  run_due_waiters();
}

bool ConsumerAcks::applied_locked(uint64_t seq, std::chrono::steady_clock::time_point now) const {
  for (const auto& [name, c] : consumers_)
    if (now - c.at < away_ && c.applied < seq) return false;
  return true;
}

bool ConsumerAcks::wait(uint64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const bool applied =
      cv_.wait_for(lock, timeout, [&] { return applied_locked(seq, std::chrono::steady_clock::now()); });
  if (!applied) timeouts_.fetch_add(1, std::memory_order_relaxed);
  return applied;
}

void ConsumerAcks::when_applied(uint64_t seq, std::chrono::milliseconds timeout, std::function<void()> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!applied_locked(seq, now) && !stopping_) {
      waiters_.push_back({seq, now + timeout, std::move(done)});
      if (!timer_.joinable()) timer_ = std::thread([this] { timer_loop(); });
      timer_cv_.notify_one();
      return;
    }
  }
  done();
}

void ConsumerAcks::run_due_waiters() {
  std::vector<std::function<void()>> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (waiters_.empty()) return;
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < waiters_.size();) {
      const bool applied = applied_locked(waiters_[i].seq, now);
      if (applied || now >= waiters_[i].deadline || stopping_) {
        if (!applied) timeouts_.fetch_add(1, std::memory_order_relaxed);
        due.push_back(std::move(waiters_[i].done));
        waiters_[i] = std::move(waiters_.back());
        waiters_.pop_back();
      } else {
        ++i;
      }
    }
  }
  for (auto& f : due) f();
}

// Deadlines, and consumers going away (not seen for `away_`), happen without
// a poll to notice them: this thread looks every few milliseconds while
// anyone waits, and sleeps otherwise.
void ConsumerAcks::timer_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (waiters_.empty())
      timer_cv_.wait(lock, [&] { return stopping_ || !waiters_.empty(); });
    else
      timer_cv_.wait_for(lock, std::chrono::milliseconds(20));
    lock.unlock();
    run_due_waiters();
    lock.lock();
  }
}

ConsumerAcks::~ConsumerAcks() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  run_due_waiters();  // answer whoever still waits
}

namespace {

// RequestContext::defer_ (late replies) may or may not be in this build's
// route.h; the wrapper below works with and without it.
template <typename C, typename = void>
struct has_defer : std::false_type {};
template <typename C>
struct has_defer<C, std::void_t<decltype(&C::defer_)>> : std::true_type {};

// A handler that answers late (ctx.defer(), e.g. a post answered when its
// group commit is durable) gets a reply that first waits — without blocking
// the thread that completes it — until the live consumers have applied
// everything logged up to then. Sets *deferred when the handler deferred.
template <typename Ctx>
void wait_in_late_replies(Ctx& ctx, const std::shared_ptr<bool>& deferred, engine::Engine& e,
                          const std::shared_ptr<ConsumerAcks>& acks, std::chrono::milliseconds timeout) {
  if constexpr (has_defer<Ctx>::value) {
    auto outer = ctx.defer_;
    if (!outer) return;
    ctx.defer_ = [outer = std::move(outer), deferred, &e, acks, timeout] {
      auto reply = outer();
      if (!reply) return reply;
      *deferred = true;
      return decltype(reply)([reply, &e, acks, timeout](HttpResponse resp) {
        if (resp.status < 200 || resp.status >= 300) return reply(std::move(resp));
        auto held = std::make_shared<HttpResponse>(std::move(resp));
        acks->when_applied(e.last_change_seq(), timeout, [reply, held] { reply(std::move(*held)); });
      });
    };
  } else {
    (void)ctx, (void)deferred, (void)e, (void)acks, (void)timeout;
  }
}

}  // namespace

void wait_for_consumers_on_writes(RouteTable& t, engine::Engine& e, std::shared_ptr<ConsumerAcks> acks,
                                  std::chrono::milliseconds timeout) {
  for (Route& r : t.routes) {
    if (r.method == Method::kGet || r.method == Method::kHead || r.method == Method::kOptions) continue;
    r.handler = [inner = std::move(r.handler), &e, acks, timeout](const HttpRequest& req, RequestContext& ctx) {
      auto deferred = std::make_shared<bool>(false);
      wait_in_late_replies(ctx, deferred, e, acks, timeout);
      const uint64_t before = e.last_change_seq();
      HttpResponse resp = inner(req, ctx);
      if (*deferred) return resp;  // ignored: the late reply answers
      const uint64_t after = e.last_change_seq();
      if (resp.status >= 200 && resp.status < 300 && after > before) (void)acks->wait(after, timeout);
      return resp;
    };
  }
}

RouteTable make_internal_table(engine::Engine& e, std::string secret, bool auth_check,
                               std::shared_ptr<ConsumerAcks> acks) {
  RouteTable t;
  t.service = "internal";
  t.routes.push_back(
      {Method::kGet, "/internal/v1/changes",
       guarded(secret,
               [&e, acks](const HttpRequest& req, RequestContext&) {
                 auto after_q = req.query_param("after");
                 auto after = after_q ? parse_u64(after_q) : std::optional<uint64_t>(0);
                 if (!after) return error_response(400, "bad_request", "after: expected a sequence number");
                 // A consumer asks after what it has applied: that is its acknowledgement.
                 if (auto who = req.query_param("consumer"); who && acks && !who->empty() && who->size() <= 32)
                   acks->seen(*who, *after);
                 auto limit_q = req.query_param("limit");
                 auto limit = limit_q ? parse_u64(limit_q) : std::optional<uint64_t>(kDefaultChanges);
                 if (!limit || *limit == 0 || *limit > kMaxChanges)
                   return error_response(400, "bad_request", "limit: expected 1 to 5000");
                 // Read the last seq first: every change up to it is in the answer or later.
                 const uint64_t last = e.last_change_seq();
                 auto changes = e.changes_after(*after, *limit);
                 if (!changes.ok()) return error_response(changes.status());
                 return HttpResponse::json(200, changes_to_json(*changes, last, e.log_id()));
               }),
       AuthMode::kNone, RateClass::kNone, RouteDoc{"change log (internal)", {}, {}, nullptr, {}, {}, true}});
  if (auth_check) {
    t.routes.push_back(
        {Method::kGet, "/internal/v1/auth/check",
         guarded(secret,
                 [&e](const HttpRequest& req, RequestContext&) {
                   // The users log position first: the caller's replica waits for it.
                   const uint64_t seq = e.last_change_seq();
                   auto p = e.authenticate(req.header(kInternalTokenHeader));
                   if (!p.ok()) return error_response(p.status());
                   return detail::json_reply(200, [&](JsonWriter& w) {
                     w.StartObject();
                     w.Key("user_id");
                     w.Uint64(p->user_id);
                     w.Key("session");
                     detail::jstr(w, hex(p->token_hash));
                     w.Key("seq");
                     w.Uint64(seq);
                     w.EndObject();
                   });
                 }),
         AuthMode::kNone, RateClass::kNone, RouteDoc{"token check (internal)", {}, {}, nullptr, {}, {}, true}});
  }
  return t;
}

}  // namespace chirp::api

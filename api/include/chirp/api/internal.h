// Split mode's internal surface (DESIGN.md "Split mode: who owns what").
//
// Served by every split role on its own port, next to the public routes, and
// never routed by the gateway. Every internal request carries the shared
// secret in X-Internal-Secret (compared in constant time); without it: 403.
//
//   GET /internal/v1/changes?after=SEQ&limit=N   this service's change log
//       {"changes":[{"seq":..,"kind":"tweet_posted",..}],"last_seq":N,"log_id":"<32 hex>"}
//       Short polls: the answer is immediate (an empty list when nothing is
//       newer), so no request thread ever waits for changes; consumers poll
//       again after a short pause. `last_seq` is the log's last sequence
//       number and `log_id` its identity (Engine::log_id: kept by a restored
//       backup, new for a wiped folder); a consumer checks both on every page
//       (engine/log_follower.h).
//   GET /internal/v1/auth/check   (users role; token in X-Chirp-Token)
//       {"user_id":N,"session":"<hex>","seq":<users log seq>} or 401
//
// The consumers of that surface live here too: a ChangeSource over HTTP
// (libcurl) and an Authenticator that checks tokens with the users service at
// most once per token per TTL.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "chirp/api/route.h"
#include "chirp/api/server.h"
#include "chirp/engine/change_source.h"
#include "chirp/status.h"
#include "chirp/storage/records.h"

namespace chirp::engine {
class Engine;
}

namespace chirp::api {

inline constexpr std::string_view kInternalSecretHeader = "X-Internal-Secret";
inline constexpr std::string_view kInternalTokenHeader = "X-Chirp-Token";

// The secret from --internal-secret-file (trailing white space trimmed);
// InvalidArgument when unreadable or shorter than 16 bytes.
Result<std::string> read_internal_secret(const std::string& path);

// Constant-time check of a presented secret (libsodium; lengths hidden by hashing).
bool internal_secret_matches(std::string_view expected, std::string_view presented);

// ---- change records as JSON (internal wire format) ----
std::string changes_to_json(const std::vector<storage::ChangeRecord>& changes, uint64_t last_seq,
                            std::string_view log_id = {});
// InvalidArgument on malformed input. Unknown kinds decode as kind 0 (ignored by consumers).
// `log_id` gets "" when the page has none (a peer of an older version).
Result<std::vector<storage::ChangeRecord>> changes_from_json(std::string_view json, uint64_t* last_seq = nullptr,
                                                            std::string* log_id = nullptr);

// Read-your-writes across services: consumers name themselves when they poll
// (`consumer=NAME`), and the `after` they send is how far they have applied
// this log. A write that added changes waits (bounded) until every consumer
// seen lately has applied them, so a client that follows someone on users sees
// them on tweets with its next request. A consumer that is away (not seen for
// `away`) is not waited for: writes never stall on a peer that is down.
class ConsumerAcks {
 public:
  explicit ConsumerAcks(std::chrono::milliseconds away = std::chrono::milliseconds(3000)) : away_(away) {}
  void seen(const std::string& consumer, uint64_t applied);
  // True once every live consumer has applied `seq` (or none is live); false
  // after `timeout` (counted in timeouts(): a write answered before a live
  // consumer had it, e.g. because its polls could not get through).
  bool wait(uint64_t seq, std::chrono::milliseconds timeout);
  uint64_t timeouts() const { return timeouts_.load(std::memory_order_relaxed); }
  // The same without blocking the caller: `done` runs once, when every live
  // consumer has applied `seq` or `timeout` has passed — at once on this
  // thread if that is already so, else on the thread of the poll that
  // acknowledged it or on this object's timer thread (started on first use).
  // For late replies (RequestContext::defer), answered from threads that
  // must not wait (the group commit's).
  void when_applied(uint64_t seq, std::chrono::milliseconds timeout, std::function<void()> done);
  ~ConsumerAcks();

 private:
  struct Entry {
    uint64_t applied = 0;
    std::chrono::steady_clock::time_point at;
  };
  std::chrono::milliseconds away_;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Waiter {
    uint64_t seq;
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> done;
  };
  bool applied_locked(uint64_t seq, std::chrono::steady_clock::time_point now) const;  // mu_ held
  // Removes the waiters that are due (applied, or past their deadline) and runs them outside mu_.
  void run_due_waiters();
  void timer_loop();

  std::vector<std::pair<std::string, Entry>> consumers_;  // a handful: a vector is enough
  std::atomic<uint64_t> timeouts_{0};
  std::vector<Waiter> waiters_;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  std::condition_variable timer_cv_;
  std::thread timer_;            // started by the first when_applied that has to wait
};

// The internal routes of a service on `e`. `auth_check`: serve /internal/v1/auth/check (users).
// `acks` (optional) learns each consumer's position from its polls.
RouteTable make_internal_table(engine::Engine& e, std::string secret, bool auth_check,
                               std::shared_ptr<ConsumerAcks> acks = nullptr);
// Wraps every state-changing route of `t`: when a 2xx answer added changes to
// the log, it returns once the live consumers applied them (at most `timeout`).
void wait_for_consumers_on_writes(RouteTable& t, engine::Engine& e, std::shared_ptr<ConsumerAcks> acks,
                                  std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

// ---- clients (libcurl) ----
struct PeerOptions {
  std::string base_url;  // "http://127.0.0.1:8000"
  std::string secret;
  std::string consumer;  // who is polling (ConsumerAcks), e.g. "tweets"
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds poll_interval{25};  // pause after an empty poll (a cheap, immediate answer)
};

// Reads a peer's log over GET /internal/v1/changes; errors are Unavailable.
// Sets read_marked too: each page's log_id and last_seq (LogFollower checks them).
engine::ChangeSource http_change_source(PeerOptions peer);

struct TokenCheckOptions {
  PeerOptions users;
  std::chrono::seconds ttl{30};  // one check per token per ttl (valid and invalid answers)
  size_t max_entries = 100000;
  // Called after a fresh successful check with the users log's seq at that
  // moment: the caller may wait (bounded) until its replica has caught up, so
  // a user who just signed up is known here on the first request.
  std::function<void(uint64_t users_seq)> settle;
};

// Bearer token -> Principal through the users service, cached.
Authenticator make_remote_authenticator(TokenCheckOptions options);

}  // namespace chirp::api

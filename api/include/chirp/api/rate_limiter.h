// RateLimiter: token buckets keyed by client (IP or account) and class.
//
// Each class (default, login, signup) has a refill rate and a burst. Buckets
// live in N shards, each with its own mutex, so two threads rarely contend.
// Memory is bounded: a shard holding more than max_keys/N buckets drops the
// buckets that are full again (idle long enough to have refilled) and, if that
// is not enough, the least recently used ones.
//
// The clock is injected (nanoseconds, monotonic) so tests need no sleeps.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chirp/api/route.h"

namespace chirp::api {

struct BucketConfig {
  double per_second;  // refill rate
  double burst;       // capacity
};

struct RateLimitConfig {
  bool enabled = true;
  BucketConfig per_ip{50.0, 200.0};
  BucketConfig per_account{20.0, 100.0};
  BucketConfig login{5.0 / 60.0, 10.0};   // per IP: 10 at once, then 5 a minute
  BucketConfig signup{2.0 / 60.0, 5.0};   // per IP: 5 at once, then 2 a minute
  size_t max_keys = 100000;
  size_t shards = 16;
};

struct RateDecision {
  bool allowed = true;
  int retry_after_s = 0;  // when refused: whole seconds until a token is back (>= 1)
};

class RateLimiter {
 public:
  using Clock = std::function<int64_t()>;  // monotonic nanoseconds
  explicit RateLimiter(RateLimitConfig cfg, Clock clock = {});

  // Takes one token from the bucket of (key, cls). kNone is always allowed.
  RateDecision take(std::string_view key, RateClass cls);
  // The per-account bucket (per_account config).
  RateDecision take_account(std::string_view account_id);

  bool enabled() const { return cfg_.enabled; }
  size_t size() const;  // buckets held (tests)

 private:
  struct Bucket {
    double tokens;
    int64_t last_ns;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  RateDecision take_from(std::string_view key, char tag, const BucketConfig& bc);
  void evict(Shard& s, int64_t now, size_t cap);

  RateLimitConfig cfg_;
  Clock clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace chirp::api

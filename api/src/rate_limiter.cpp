// Sharded token buckets.
#include "chirp/api/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace chirp::api {

namespace {
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

RateLimiter::RateLimiter(RateLimitConfig cfg, Clock clock) : cfg_(cfg), clock_(std::move(clock)) {
  if (!clock_) clock_ = steady_ns;
  if (cfg_.shards == 0) cfg_.shards = 1;
  for (size_t i = 0; i < cfg_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

RateDecision RateLimiter::take(std::string_view key, RateClass cls) {
  if (!cfg_.enabled) return {};
  switch (cls) {
    case RateClass::kNone: return {};
    case RateClass::kDefault: return take_from(key, 'd', cfg_.per_ip);
    case RateClass::kLogin: return take_from(key, 'l', cfg_.login);
    case RateClass::kSignup: return take_from(key, 's', cfg_.signup);
  }
  return {};
}

RateDecision RateLimiter::take_account(std::string_view account_id) {
  if (!cfg_.enabled) return {};
  return take_from(account_id, 'a', cfg_.per_account);
}

RateDecision RateLimiter::take_from(std::string_view key, char tag, const BucketConfig& bc) {
  // The class tag is part of the key, so one client has one bucket per class.
  std::string k;
  k.reserve(key.size() + 2);
  k.push_back(tag);
  k.push_back(':');
  k.append(key);
  Shard& s = *shards_[std::hash<std::string>{}(k) % shards_.size()];
  const int64_t now = clock_();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.buckets.find(k);
  if (it == s.buckets.end()) {
    evict(s, now, std::max<size_t>(1, cfg_.max_keys / shards_.size()));
    it = s.buckets.emplace(std::move(k), Bucket{bc.burst, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = static_cast<double>(now - b.last_ns) / 1e9;
  if (elapsed > 0) b.tokens = std::min(bc.burst, b.tokens + elapsed * bc.per_second);
  b.last_ns = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  double wait = bc.per_second > 0 ? (1.0 - b.tokens) / bc.per_second : 3600.0;
  return {false, std::max(1, static_cast<int>(std::ceil(wait)))};
}

// Called with s.mu held when a new bucket is about to be added.
void RateLimiter::evict(Shard& s, int64_t now, size_t cap) {
  if (s.buckets.size() < cap) return;
  // First drop buckets idle long enough to be full again: forgetting them
  // changes nothing for their owner. The slowest refill bounds "long enough".
  double slowest = std::min({cfg_.per_ip.per_second, cfg_.per_account.per_second, cfg_.login.per_second,
                             cfg_.signup.per_second});
  double burst = std::max({cfg_.per_ip.burst, cfg_.per_account.burst, cfg_.login.burst, cfg_.signup.burst});
  int64_t idle_ns = slowest > 0 ? static_cast<int64_t>(burst / slowest * 1e9) : INT64_MAX;
  for (auto it = s.buckets.begin(); it != s.buckets.end();)
    it = (now - it->second.last_ns >= idle_ns) ? s.buckets.erase(it) : std::next(it);
  if (s.buckets.size() < cap) return;
  // Still full (a flood of distinct keys): drop the least recently used half.
  std::vector<int64_t> times;
  times.reserve(s.buckets.size());
  for (const auto& [k, b] : s.buckets) times.push_back(b.last_ns);
  auto mid = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), mid, times.end());
  int64_t cutoff = *mid;
  for (auto it = s.buckets.begin(); it != s.buckets.end();)
    it = (it->second.last_ns <= cutoff) ? s.buckets.erase(it) : std::next(it);
}

size_t RateLimiter::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    n += s->buckets.size();
  }
  return n;
}

}  // namespace chirp::api

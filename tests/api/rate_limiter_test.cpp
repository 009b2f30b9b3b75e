// Token buckets with an injected clock: burst, refill, classes, eviction.
#include <catch2/catch.hpp>

#include "chirp/api/rate_limiter.h"

using namespace chirp::api;

namespace {
struct FakeClock {
  int64_t ns = 1'000'000'000;
  RateLimiter::Clock fn() {
    return [this] { return ns; };
  }
  void advance(double seconds) { ns += static_cast<int64_t>(seconds * 1e9); }
};
RateLimitConfig small() {
  RateLimitConfig c;
  c.per_ip = {1.0, 3.0};
  c.login = {0.1, 2.0};
  c.signup = {0.1, 1.0};
  c.per_account = {1.0, 2.0};
  c.shards = 4;
  return c;
}
}  // namespace

TEST_CASE("burst then refusal with Retry-After, then refill", "[ratelimit]") {
  FakeClock clock;
  RateLimiter rl(small(), clock.fn());
  for (int i = 0; i < 3; ++i) CHECK(rl.take("1.2.3.4", RateClass::kDefault).allowed);
  auto d = rl.take("1.2.3.4", RateClass::kDefault);
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_s == 1);
  CHECK(rl.take("5.6.7.8", RateClass::kDefault).allowed);  // other clients unaffected
  clock.advance(1.0);
  CHECK(rl.take("1.2.3.4", RateClass::kDefault).allowed);
  CHECK_FALSE(rl.take("1.2.3.4", RateClass::kDefault).allowed);
}

TEST_CASE("login class is separate and stricter", "[ratelimit]") {
  FakeClock clock;
  RateLimiter rl(small(), clock.fn());
  CHECK(rl.take("ip", RateClass::kLogin).allowed);
  CHECK(rl.take("ip", RateClass::kLogin).allowed);
  auto d = rl.take("ip", RateClass::kLogin);
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_s == 10);
  CHECK(rl.take("ip", RateClass::kDefault).allowed);
  CHECK(rl.take("ip", RateClass::kNone).allowed);
}

TEST_CASE("per-account buckets", "[ratelimit]") {
  FakeClock clock;
  RateLimiter rl(small(), clock.fn());
  CHECK(rl.take_account("42").allowed);
  CHECK(rl.take_account("42").allowed);
  CHECK_FALSE(rl.take_account("42").allowed);
  CHECK(rl.take_account("43").allowed);
}

TEST_CASE("disabled limiter allows everything", "[ratelimit]") {
  auto c = small();
  c.enabled = false;
  RateLimiter rl(c);
  for (int i = 0; i < 100; ++i) CHECK(rl.take("x", RateClass::kSignup).allowed);
  CHECK(rl.size() == 0);
}

TEST_CASE("memory is bounded: idle and then oldest buckets are evicted", "[ratelimit]") {
  FakeClock clock;
  auto c = small();
  c.max_keys = 100;
  RateLimiter rl(c, clock.fn());
  for (int i = 0; i < 10000; ++i) {
    (void)rl.take("ip" + std::to_string(i), RateClass::kDefault);
    clock.advance(0.001);
  }
  CHECK(rl.size() <= 100);
  // Recently used buckets survive a flood of new keys.
  (void)rl.take("hot", RateClass::kDefault);
  (void)rl.take("hot", RateClass::kDefault);
  (void)rl.take("hot", RateClass::kDefault);
  for (int i = 0; i < 10; ++i) (void)rl.take("new" + std::to_string(i), RateClass::kDefault);
  CHECK_FALSE(rl.take("hot", RateClass::kDefault).allowed);
}

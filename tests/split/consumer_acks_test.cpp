// ConsumerAcks: a write waits (bounded) until the consumers seen lately have
// applied it — blocking (wait) or, for late replies, by callback (when_applied).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "chirp/api/internal.h"

using chirp::api::ConsumerAcks;
using namespace std::chrono_literals;

namespace {
// Polls `flag` for up to 10 s (never a timing assertion: only an upper bound).
bool eventually(const std::atomic<int>& flag, int want) {
  for (int i = 0; i < 1000 && flag.load() != want; ++i) std::this_thread::sleep_for(10ms);
  return flag.load() == want;
}
}  // namespace

TEST_CASE("no live consumer: nothing to wait for", "[split][acks]") {
  ConsumerAcks acks;
  CHECK(acks.wait(5, 10s));
  std::atomic<int> done{0};
  acks.when_applied(5, 10s, [&] { done++; });
  CHECK(done == 1);  // at once, on this thread
  CHECK(acks.timeouts() == 0);
}

TEST_CASE("a late reply runs once the live consumer acknowledges", "[split][acks]") {
  ConsumerAcks acks;
  acks.seen("tweets", 3);  // live, has applied up to 3
  std::atomic<int> done{0};
  acks.when_applied(3, 10s, [&] { done++; });
  CHECK(done == 1);
  acks.when_applied(4, 10s, [&] { done++; });
  acks.when_applied(6, 10s, [&] { done += 10; });
  CHECK(done == 1);        // not yet applied: waiting
  acks.seen("tweets", 4);  // the poll that acknowledges 4 runs the first only
  CHECK(done == 2);
  acks.seen("tweets", 6);
  CHECK(done == 12);
  CHECK(acks.timeouts() == 0);
}

TEST_CASE("every live consumer must have applied it", "[split][acks]") {
  ConsumerAcks acks;
  acks.seen("users", 0);
  acks.seen("search", 0);
  std::atomic<int> done{0};
  acks.when_applied(2, 10s, [&] { done++; });
  acks.seen("users", 2);
  CHECK(done == 0);
  acks.seen("search", 2);
  CHECK(done == 1);
}

TEST_CASE("a consumer that never acknowledges: the reply goes out at the deadline, counted", "[split][acks]") {
  ConsumerAcks acks;
  acks.seen("search", 0);
  std::atomic<int> done{0};
  acks.when_applied(1, 50ms, [&] { done++; });
  CHECK(eventually(done, 1));  // the timer thread answers it
  CHECK(acks.timeouts() == 1);
  CHECK_FALSE(acks.wait(1, 20ms));
  CHECK(acks.timeouts() == 2);
}

TEST_CASE("a consumer away longer than `away` is not waited for", "[split][acks]") {
  ConsumerAcks acks(100ms);
  acks.seen("search", 0);
  std::atomic<int> done{0};
  acks.when_applied(1, 10s, [&] { done++; });  // 10 s deadline: only "away" can release it early
  CHECK(eventually(done, 1));
  CHECK(acks.timeouts() == 0);  // not a timeout: nobody live was missing it
}

TEST_CASE("destroying the tracker answers whoever still waits", "[split][acks]") {
  std::atomic<int> done{0};
  {
    ConsumerAcks acks;
    acks.seen("tweets", 0);
    acks.when_applied(9, 10s, [&] { done++; });
    CHECK(done == 0);
  }
  CHECK(done == 1);
}

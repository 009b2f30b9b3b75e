// Engine::post_tweet_async / GroupCommitWriter::submit: the reply path that
// does not hold a thread while the group commit runs. Every completion must
// come exactly once, only after the write is durable, with the right error
// when the write fails, and also for posts still queued at shutdown.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "engine_fixture.h"
#include "temp_dir.h"

using chirp::Code;
using chirp::Result;
using chirp::Status;
using chirp::engine::Tweet;
using chirp::testing::EngineFixture;
namespace engine = chirp::engine;

namespace {

// Collects completions from any thread.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Result<Tweet>> results;
  std::set<std::thread::id> threads;

  engine::Engine::PostDone callback() {
    return [this](Result<Tweet> r) {
      std::lock_guard<std::mutex> lock(mu);
      results.push_back(std::move(r));
      threads.insert(std::this_thread::get_id());
      cv.notify_all();
    };
  }
  // Waits (bounded) for n completions; returns how many came.
  size_t wait_for(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(60), [&] { return results.size() >= n; });
    return results.size();
  }
};

}  // namespace

TEST_CASE("post_tweet_async: many concurrent posts are all acknowledged once and all durable",
          "[async-post]") {
  chirp::testing::TempDir dir;
  const auto options = engine::EngineOptions::for_tests(dir.path());
  constexpr int kThreads = 8, kPerThread = 60;
  std::set<uint64_t> acked;
  uint64_t alice = 0;
  {
    EngineFixture f(options);
    alice = f.user("alice");
    Collector c;
    std::vector<std::thread> posters;
    for (int t = 0; t < kThreads; ++t)
      posters.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i)
          f->post_tweet_async(alice, "post " + std::to_string(t) + "/" + std::to_string(i), std::nullopt, {},
                              c.callback());
      });
    for (auto& p : posters) p.join();
    REQUIRE(c.wait_for(kThreads * kPerThread) == size_t(kThreads * kPerThread));
    for (const auto& r : c.results) {
      REQUIRE(r.ok());
      CHECK(r->username == "alice");
      acked.insert(r->id);
    }
    CHECK(acked.size() == size_t(kThreads * kPerThread));  // distinct tweets
    // Completions run on the writer's completion thread, not on the posters'.
    CHECK(c.threads.size() == 1);
  }
  // Reopened: every acknowledged tweet is on disk.
  EngineFixture again(options);
  for (uint64_t id : acked) CHECK(again->get_tweet(id).ok());
  CHECK(again->get_user(alice)->counts.tweets == uint64_t(kThreads * kPerThread));
}

TEST_CASE("post_tweet_async: bad input is answered at once on the caller's thread", "[async-post]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  Collector c;
  f->post_tweet_async(alice, "   ", std::nullopt, {}, c.callback());
  REQUIRE(c.results.size() == 1);  // before post_tweet_async returned
  CHECK(c.results[0].status().code() == Code::kUnprocessable);
  CHECK(*c.threads.begin() == std::this_thread::get_id());
  f->post_tweet_async(alice, "hi", std::nullopt, std::string(129, 'k'), c.callback());
  REQUIRE(c.results.size() == 2);
  CHECK(c.results[1].status().code() == Code::kInvalidArgument);
}

TEST_CASE("post_tweet_async: a failing write gets its own error, its group still commits",
          "[async-post]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  Collector c;
  // A reply to a missing tweet fails inside the transaction (422); the posts
  // queued with it must not be lost with it.
  for (int i = 0; i < 20; ++i)
    f->post_tweet_async(alice, "ok " + std::to_string(i), i == 7 ? std::optional<uint64_t>(999999) : std::nullopt,
                        {}, c.callback());
  REQUIRE(c.wait_for(20) == 20);
  int ok = 0, refused = 0;
  for (const auto& r : c.results) {
    if (r.ok())
      ++ok;
    else if (r.status().code() == Code::kUnprocessable)
      ++refused;
  }
  CHECK(ok == 19);
  CHECK(refused == 1);
  CHECK(f->get_user(alice)->counts.tweets == 19);
}

TEST_CASE("post_tweet_async: a full store answers StorageFull, never hangs", "[async-post]") {
  chirp::testing::TempDir dir;
  auto small = engine::EngineOptions::for_tests(dir.path());
  small.map_size = small.max_map_size = 256 * 1024;
  small.search = false;
  EngineFixture f(small);
  uint64_t alice = f.user("alice");
  Collector c;
  constexpr int kPosts = 2000;  // far more than 256 KiB holds
  for (int i = 0; i < kPosts; ++i)
    f->post_tweet_async(alice, std::string(270, 'a' + i % 26), std::nullopt, {}, c.callback());
  REQUIRE(c.wait_for(kPosts) == size_t(kPosts));
  int ok = 0, full = 0;
  for (const auto& r : c.results) {
    if (r.ok())
      ++ok;
    else if (r.status().code() == Code::kStorageFull)
      ++full;
  }
  CHECK(full > 0);
  CHECK(ok + full == kPosts);
  // What was acknowledged is there; what was refused is not.
  CHECK(f->get_user(alice)->counts.tweets == uint64_t(ok));
}

TEST_CASE("post_tweet_async: posts queued at shutdown are committed and answered", "[async-post]") {
  chirp::testing::TempDir dir;
  const auto options = engine::EngineOptions::for_tests(dir.path());
  Collector c;
  std::set<uint64_t> acked;
  uint64_t alice = 0;
  {
    EngineFixture f(options);
    alice = f.user("alice");
    for (int i = 0; i < 300; ++i)
      f->post_tweet_async(alice, "late " + std::to_string(i), std::nullopt, {}, c.callback());
    // The engine goes away with (most of) them still queued.
  }
  REQUIRE(c.results.size() == 300);  // every completion ran before the engine was gone
  for (const auto& r : c.results)
    if (r.ok()) acked.insert(r->id);
  CHECK(acked.size() == 300);
  EngineFixture again(options);
  for (uint64_t id : acked) CHECK(again->get_tweet(id).ok());
}

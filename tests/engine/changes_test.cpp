#include <thread>

#include "chirp/storage/codec.h"
#include "engine_fixture.h"

using namespace chirp;
using chirp::storage::ChangeRecord;
using chirp::testing::EngineFixture;

TEST_CASE("every write appends one change, in order, without gaps", "[changes]") {
  EngineFixture f;
  CHECK(f->last_change_seq() == 0);
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  uint64_t t = f.post(alice, "hello #world");
  REQUIRE(f->like(bob, t).ok());
  REQUIRE(f->like(bob, t).ok());  // no change: already liked
  REQUIRE(f->follow(bob, "alice").ok());
  REQUIRE(f->unfollow(bob, "alice").ok());
  REQUIRE(f->unlike(bob, t).ok());
  REQUIRE(f->delete_tweet(alice, t).ok());
  CHECK(f->post_tweet(alice, "").status().code() == Code::kUnprocessable);  // refused: no change
  REQUIRE(f->update_profile(alice, std::string("Alice"), std::nullopt).ok());

  auto changes = f->changes_after(0, 100);
  REQUIRE(changes.ok());
  std::vector<int> kinds;
  for (size_t i = 0; i < changes->size(); ++i) {
    CHECK((*changes)[i].seq == i + 1);
    kinds.push_back((*changes)[i].kind);
  }
  CHECK(kinds == std::vector<int>{ChangeRecord::kUserCreated, ChangeRecord::kUserCreated,
                                  ChangeRecord::kTweetPosted, ChangeRecord::kLiked,
                                  ChangeRecord::kFollowed, ChangeRecord::kUnfollowed,
                                  ChangeRecord::kUnliked, ChangeRecord::kTweetDeleted,
                                  ChangeRecord::kUserUpdated});
  const ChangeRecord& post = (*changes)[2];
  CHECK(post.tweet.text == "hello #world");
  CHECK(post.username == "alice");
  CHECK(post.target_id == t);
  CHECK(f->last_change_seq() == 9);
  CHECK(f->changes_after(7, 100)->size() == 2);
  CHECK(f->changes_after(3, 2)->front().seq == 4);
  CHECK(f->changes_after(9, 100)->empty());
  // No change record carries the password or its hash: the log is published to
  // other services in split mode. Check the stored bytes, not just one field.
  for (const auto& c : *changes) {
    const std::string bytes = storage::encode(c);
    CHECK(bytes.find("$argon2") == std::string::npos);
    CHECK(bytes.find("password123") == std::string::npos);
  }
}

TEST_CASE("wait_for_change wakes when a change commits", "[changes]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  const uint64_t before = f->last_change_seq();
  CHECK(f->wait_for_change(before, std::chrono::milliseconds(20)) == before);  // times out
  std::thread poster([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)f->post_tweet(alice, "wake up");
  });
  uint64_t seen = f->wait_for_change(before, std::chrono::seconds(10));
  poster.join();
  CHECK(seen == before + 1);
}

TEST_CASE("the log survives a reopen and sequence numbers continue", "[changes]") {
  chirp::testing::TempDir dir;
  auto options = engine::EngineOptions::for_tests(dir.path());
  uint64_t last = 0;
  {
    EngineFixture f(options);
    uint64_t alice = f.user("alice");
    f.post(alice, "one");
    last = f->last_change_seq();
    CHECK(last == 2);
  }
  EngineFixture f(options);
  CHECK(f->last_change_seq() == last);
  uint64_t alice = f->find_user("alice")->id;
  uint64_t t2 = f.post(alice, "two");
  CHECK(f->changes_after(last, 10)->front().seq == last + 1);
  CHECK(f->user_tweets("alice", {})->items.front().id == t2);
}

TEST_CASE("a second engine on the same folder fails fast", "[engine]") {
  EngineFixture f;
  auto second = engine::Engine::open(f->options());
  CHECK(second.status().code() == Code::kUnavailable);
  CHECK_THAT(second.status().message(), Catch::Contains("in use"));
}

TEST_CASE("a full map grows and the write succeeds; at the limit nothing is written",
          "[changes][map-full]") {
  chirp::testing::TempDir dir;
  auto options = engine::EngineOptions::for_tests(dir.path());
  options.map_size = 256 * 1024;
  options.max_map_size = 64ull << 20;
  {
    EngineFixture f(options);
    uint64_t alice = f.user("alice");
    for (int i = 0; i < 400; ++i) REQUIRE(f->post_tweet(alice, std::string(270, 'a' + i % 26)).ok());
    CHECK(f->store().env->map_size() > 256 * 1024);
    CHECK(f->get_user(alice)->counts.tweets == 400);
  }
  chirp::testing::TempDir dir2;
  auto small = engine::EngineOptions::for_tests(dir2.path());
  small.map_size = small.max_map_size = 256 * 1024;
  EngineFixture f(small);
  uint64_t alice = f.user("alice");
  Status last;
  int stored = 0;
  for (int i = 0; i < 2000; ++i) {
    auto t = f->post_tweet(alice, std::string(270, 'a' + i % 26));
    if (!t.ok()) {
      last = t.status();
      break;
    }
    ++stored;
  }
  CHECK(last.code() == Code::kStorageFull);
  // What was acknowledged is there, the refused write is not, the log has no gap.
  CHECK(f->get_user(alice)->counts.tweets == uint64_t(stored));
  CHECK(f->user_tweets("alice", {100, ""})->items.size() == size_t(std::min(stored, 100)));
  CHECK(f->last_change_seq() == uint64_t(stored) + 1);
  // Reads and small writes still work; the server keeps running.
  CHECK(f->find_user("alice").ok());
}

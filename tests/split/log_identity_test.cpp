// Split mode: a consumer notices when the producer's change log is not the one
// it was following. Each data folder's log has an identity (Engine::log_id),
// sent with every page of GET /internal/v1/changes; LogFollower compares it
// with the one stored next to its position:
//   - a wiped producer (a new folder: another identity) is replayed from 0;
//   - a producer restored from an older backup (same identity, a log shorter
//     than what was applied) is refused, and health() says so.
// In-process producers, pages through the JSON wire format as over HTTP.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "../support/temp_dir.h"
#include "follower_test_util.h"
#include "chirp/api/internal.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "chirp/engine/log_follower.h"
#include "chirp/storage/tables.h"

using namespace chirp;
using engine::Engine;
using split_test::eventually;
using split_test::ready_field;
using storage::ChangeRecord;

namespace {

std::unique_ptr<Engine> open_engine(const std::string& dir) {
  auto e = Engine::open(engine::EngineOptions::for_tests(dir));
  REQUIRE(e.ok());
  return std::move(e).value();
}

// The producer a consumer polls, swappable while it polls (a service replaced
// behind the same address).
struct Producer {
  std::mutex mu;
  const Engine* engine = nullptr;
  std::atomic<int> reads{0};
  void set(const Engine* e) {
    std::lock_guard<std::mutex> lock(mu);
    engine = e;
  }
};

// Like http_change_source: each page through the JSON wire format, marked with
// the producer's last seq and log identity.
engine::ChangeSource marked_source(Producer& p) {
  engine::ChangeSource src;
  src.read_marked = [&p](uint64_t after, size_t limit, engine::LogMark* mark) -> Result<std::vector<ChangeRecord>> {
    std::lock_guard<std::mutex> lock(p.mu);
    ++p.reads;
    const uint64_t last = p.engine->last_change_seq();
    auto c = p.engine->changes_after(after, limit);
    if (!c.ok()) return c.status();
    engine::LogMark m;
    auto page = api::changes_from_json(api::changes_to_json(*c, last, p.engine->log_id()), &m.last_seq, &m.log_id);
    m.known = true;
    if (mark != nullptr) *mark = m;
    return page;
  };
  src.read = [r = src.read_marked](uint64_t after, size_t limit) { return r(after, limit, nullptr); };
  src.wait = [](uint64_t, std::chrono::milliseconds t) {
    std::this_thread::sleep_for(std::min(t, std::chrono::milliseconds(10)));
  };
  return src;
}

constexpr uint32_t kUsersScope = engine::kReplicaUsers | engine::kReplicaFollows;

}  // namespace

TEST_CASE("every data folder's change log has an identity that a backup keeps", "[split][log_id]") {
  chirp::testing::TempDir dir;
  std::string id;
  {
    auto a = open_engine(dir.sub("a"));
    id = a->log_id();
    CHECK(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    auto b = open_engine(dir.sub("b"));
    CHECK(b->log_id() != id);  // a new folder is a new log
    REQUIRE(a->register_user("alice", "password123").ok());
    std::filesystem::create_directories(dir.sub("backup"));
    REQUIRE(a->store().env->copy_to(dir.sub("backup") + "/lmdb", false).ok());  // chirpctl backup
  }
  CHECK(open_engine(dir.sub("a"))->log_id() == id);       // kept across restarts
  CHECK(open_engine(dir.sub("backup"))->log_id() == id);  // a restored backup is the same log

  // On the wire: last_seq and log_id with each page; a non-string log_id is refused.
  uint64_t last = 0;
  std::string wire_id;
  auto page = api::changes_from_json(api::changes_to_json({}, 12, id), &last, &wire_id);
  REQUIRE(page.ok());
  CHECK(last == 12);
  CHECK(wire_id == id);
  auto older = api::changes_from_json("{\"changes\":[],\"last_seq\":3}", &last, &wire_id);
  REQUIRE(older.ok());  // a peer of an older version: no identity
  CHECK(wire_id.empty());
  CHECK(api::changes_from_json("{\"changes\":[],\"last_seq\":3,\"log_id\":7}", &last, &wire_id).status().code() ==
        Code::kInvalidArgument);
}

TEST_CASE("a wiped producer (a new log) is replayed from its start", "[split][log_id]") {
  chirp::testing::TempDir dir;
  auto old_users = open_engine(dir.sub("users-old"));
  auto tweets = open_engine(dir.sub("tweets"));
  auto alice = old_users->register_user("alice", "password123");
  auto bob = old_users->register_user("bob", "password123");
  REQUIRE(alice.ok());
  REQUIRE(bob.ok());
  REQUIRE(old_users->register_user("eve", "password123").ok());
  REQUIRE(old_users->follow(alice->id, "bob").ok());
  REQUIRE(old_users->update_profile(bob->id, std::string("Bob"), std::string("hi")).ok());
  const uint64_t old_last = old_users->last_change_seq();  // 5

  Producer producer;
  producer.set(old_users.get());
  std::unique_ptr<Engine> new_users;  // outlives the follower that polls it
  engine::LogFollower follower(*tweets, "users", kUsersScope, marked_source(producer));
  follower.start();
  REQUIRE(follower.wait_position(old_last, std::chrono::seconds(15)));
  CHECK(*tweets->replica_log_id("users") == old_users->log_id());
  CHECK(tweets->find_user("eve").ok());

  // The users folder is wiped: a new, shorter log whose sequence numbers are
  // all at or below the consumer's position. Without the identity check the
  // consumer would skip every one of them.
  new_users = open_engine(dir.sub("users-new"));
  auto carol = new_users->register_user("carol", "password123");
  auto dave = new_users->register_user("dave", "password123");
  REQUIRE(carol.ok());
  REQUIRE(dave.ok());
  REQUIRE(new_users->follow(carol->id, "dave").ok());
  REQUIRE(new_users->last_change_seq() < old_last);
  producer.set(new_users.get());

  REQUIRE(eventually([&] { return *tweets->replica_log_id("users") == new_users->log_id(); }));
  REQUIRE(eventually([&] { return *tweets->replica_position("users") == new_users->last_change_seq(); }));
  CHECK(follower.health().ok());
  // The stored position commits before the follower's in-memory one moves.
  CHECK(eventually([&] { return follower.position() == new_users->last_change_seq(); }));
  auto c = tweets->find_user("carol");
  REQUIRE(c.ok());
  CHECK(c->id == carol->id);
  CHECK(tweets->find_user("dave").ok());
  CHECK(tweets->is_following(carol->id, dave->id).value());

  // It goes on following the new log, and resumes on it after a restart.
  follower.stop();
  auto frank = new_users->register_user("frank", "password123");
  REQUIRE(frank.ok());
  engine::LogFollower again(*tweets, "users", kUsersScope, marked_source(producer));
  again.start();
  REQUIRE(again.wait_position(new_users->last_change_seq(), std::chrono::seconds(15)));
  CHECK(tweets->find_user("frank").ok());
  CHECK(again.health().ok());
  again.stop();
}

TEST_CASE("users' tweet counts start over when the tweets log is a new one", "[split][log_id]") {
  chirp::testing::TempDir dir;
  auto users = open_engine(dir.sub("users"));
  auto alice = users->register_user("alice", "password123");
  REQUIRE(alice.ok());
  auto page_of = [](const Engine& e) {
    auto c = e.changes_after(0, 1000);
    REQUIRE(c.ok());
    return *c;
  };
  auto tweets_old = open_engine(dir.sub("tweets-old"));
  REQUIRE(tweets_old->apply_replica("users", engine::kReplicaUsers, page_of(*users)).ok());
  REQUIRE(tweets_old->post_tweet(alice->id, "one").ok());
  REQUIRE(tweets_old->post_tweet(alice->id, "two").ok());
  REQUIRE(users->apply_replica("tweets", engine::kReplicaTweetCounts, page_of(*tweets_old), tweets_old->log_id())
              .ok());
  CHECK(users->get_user(alice->id)->counts.tweets == 2);

  auto tweets_new = open_engine(dir.sub("tweets-new"));
  REQUIRE(tweets_new->apply_replica("users", engine::kReplicaUsers, page_of(*users)).ok());
  REQUIRE(tweets_new->post_tweet(alice->id, "three").ok());
  REQUIRE(users->apply_replica("tweets", engine::kReplicaTweetCounts, page_of(*tweets_new), tweets_new->log_id())
              .ok());
  CHECK(users->get_user(alice->id)->counts.tweets == 1);  // the new log's, not 3
  CHECK(*users->replica_position("tweets") == tweets_new->last_change_seq());
  // The same page again (a retried batch) counts nothing twice.
  REQUIRE(users->apply_replica("tweets", engine::kReplicaTweetCounts, page_of(*tweets_new), tweets_new->log_id())
              .ok());
  CHECK(users->get_user(alice->id)->counts.tweets == 1);
}

TEST_CASE("a producer restored to an older point is refused and reported", "[split][log_id]") {
  chirp::testing::TempDir dir;
  auto users = open_engine(dir.sub("users"));
  auto tweets = open_engine(dir.sub("tweets"));
  REQUIRE(users->register_user("alice", "password123").ok());
  std::filesystem::create_directories(dir.sub("backup"));
  REQUIRE(users->store().env->copy_to(dir.sub("backup") + "/lmdb", false).ok());  // chirpctl backup at seq 1
  REQUIRE(users->register_user("bob", "password123").ok());
  REQUIRE(users->register_user("carol", "password123").ok());
  const uint64_t applied = users->last_change_seq();

  Producer producer;
  producer.set(users.get());
  std::unique_ptr<Engine> restored;  // outlives the follower that polls it
  engine::LogFollower follower(*tweets, "users", kUsersScope, marked_source(producer));
  follower.start();
  REQUIRE(follower.wait_position(applied, std::chrono::seconds(15)));
  auto ready = api::make_engine_readiness(*tweets, 10000, {&follower});
  CHECK(ready_field(ready(), "users_log_reachable") == 1);

  // Restored from the backup: the same log (same identity), rewound to seq 1.
  restored = open_engine(dir.sub("backup"));
  REQUIRE(restored->log_id() == users->log_id());
  REQUIRE(restored->last_change_seq() < applied);
  producer.set(restored.get());
  users.reset();

  REQUIRE(eventually([&] { return follower.health().code() == Code::kConflict; }));
  CHECK_THAT(follower.health().message(), Catch::Contains("restored to an older point"));
  CHECK_THAT(follower.health().message(), Catch::Contains("docs/deploy.md"));
  CHECK(ready_field(ready(), "users_log_reachable") == 0);

  // The restored service takes new writes under sequence numbers applied here
  // already, until its log is longer than the position: still refused,
  // nothing of it applied.
  REQUIRE(restored->register_user("dave", "password123").ok());
  REQUIRE(restored->register_user("erin", "password123").ok());
  REQUIRE(restored->register_user("frank", "password123").ok());
  REQUIRE(restored->last_change_seq() > applied);
  const int polls = producer.reads.load();
  REQUIRE(eventually([&] { return producer.reads.load() >= polls + 2; }));
  CHECK(follower.health().code() == Code::kConflict);
  CHECK(follower.position() == applied);
  CHECK(*tweets->replica_position("users") == applied);
  CHECK_FALSE(tweets->find_user("dave").ok());
  CHECK_FALSE(tweets->find_user("frank").ok());
  CHECK(tweets->find_user("carol").ok());  // what was applied stays
  follower.stop();
  producer.set(nullptr);
}

// Issue 8, "never the wrong status": a storage read that fails (EIO, a
// corrupt record, an MDB_* error) is an Internal error (HTTP 500), never
// "unknown user" / "invalid token" (401), "no such user" (404) or an empty
// list (200). Only NotFound means absent. Each case also checks that the next
// call, once the fault clears, works again. Faults: chirp/storage/faults.h.
#include <catch2/catch.hpp>
#include <cerrno>

#include "chirp/engine/change_source.h"
#include "chirp/storage/faults.h"
#include "chirp/storage/keys.h"
#include "engine_fixture.h"

using namespace chirp;
using chirp::storage::faults::Call;
namespace faults = chirp::storage::faults;

TEST_CASE("login: a failed read of the account is Internal, not bad credentials", "[read_errors]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-read-errors");
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  const uint64_t alice = f.user("alice");

  SECTION("the username index read fails") {
    for (int rc : {EIO, MDB_CORRUPTED, MDB_PAGE_NOTFOUND}) {
      CAPTURE(rc);
      faults::arm(Call::kGet, rc);
      auto l = f->login("alice", "password123");
      REQUIRE_FALSE(l.ok());
      CHECK(l.status().code() == Code::kInternal);
      CHECK(faults::fired(Call::kGet) == 1);
      CHECK(f->login("alice", "password123").ok());  // the fault cleared: works again
    }
  }
  SECTION("the user record read fails") {
    faults::arm(Call::kGet, EIO, 1, /*skip=*/1);
    CHECK(f->login("alice", "password123").status().code() == Code::kInternal);
    CHECK(f->login("alice", "password123").ok());
  }
  SECTION("a corrupt user record") {
    {
      storage::WriteTxn txn(*f->store().env);
      REQUIRE(txn.status().ok());
      REQUIRE(storage::put(txn.raw(), f->store().users.table(), storage::key_u64(alice), "garbage").ok());
      REQUIRE(txn.commit().ok());
    }
    CHECK(f->login("alice", "password123").status().code() == Code::kInternal);
    CHECK(f->find_user("alice").status().code() == Code::kInternal);
    CHECK(f->get_user(alice).status().code() == Code::kInternal);
  }
  SECTION("absent is still bad credentials") {
    faults::arm(Call::kGet, MDB_NOTFOUND);
    CHECK(f->login("alice", "password123").status().code() == Code::kUnauthorized);
    CHECK(f->login("nobody", "password123").status().code() == Code::kUnauthorized);
    CHECK(f->login("alice", "wrong-password").status().code() == Code::kUnauthorized);
    CHECK(f->login(std::string(65, 'a'), "password123").status().code() == Code::kUnauthorized);
    CHECK(f->login("alice", "password123").ok());
  }
}

TEST_CASE("authenticate: a failed session read is Internal, not an invalid token", "[read_errors]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-read-errors");
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  f.user("alice");
  auto s = f->login("alice", "password123");
  REQUIRE(s.ok());
  for (int rc : {EIO, MDB_CORRUPTED, MDB_BAD_TXN}) {
    CAPTURE(rc);
    faults::arm(Call::kGet, rc);
    auto p = f->authenticate(s->token);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kInternal);
    CHECK(faults::fired(Call::kGet) == 1);
    CHECK(f->authenticate(s->token).ok());  // the next call after the fault
  }
  faults::arm(Call::kGet, MDB_NOTFOUND);  // absent: a bad token
  CHECK(f->authenticate(s->token).status().code() == Code::kUnauthorized);
  CHECK(f->authenticate("not-a-token-anyone-was-given").status().code() == Code::kUnauthorized);
  CHECK(f->authenticate(s->token).ok());
}

TEST_CASE("profiles and writes: read errors are Internal, absence is NotFound", "[read_errors]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-read-errors");
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  const uint64_t alice = f.user("alice");
  const uint64_t bob = f.user("bob");
  const uint64_t tweet = f.post(alice, "hello from alice");

  faults::arm(Call::kGet, EIO);  // the name
  CHECK(f->find_user("alice").status().code() == Code::kInternal);
  faults::arm(Call::kGet, EIO, 1, /*skip=*/1);  // the record after the name
  CHECK(f->find_user("alice").status().code() == Code::kInternal);
  CHECK(f->find_user("alice").ok());
  CHECK(f->find_user("nobody").status().code() == Code::kNotFound);

  // Inside writes: the followee's name, an existing follow, a tweet.
  faults::arm(Call::kGet, EIO, 1, /*skip=*/1);  // load_user(bob) passes, alice's name fails
  CHECK(f->follow(bob, "alice").code() == Code::kInternal);
  CHECK_FALSE(f->is_following(bob, alice).value());
  CHECK(f->follow(bob, "nobody").code() == Code::kNotFound);
  faults::arm(Call::kGet, EIO, 1, /*skip=*/3);  // bob, the name, alice: then "already following?"
  CHECK(f->follow(bob, "alice").code() == Code::kInternal);
  CHECK_FALSE(f->is_following(bob, alice).value());
  REQUIRE(f->follow(bob, "alice").ok());
  CHECK(f->is_following(bob, alice).value());
  faults::arm(Call::kGet, EIO);  // the tweet
  CHECK(f->unlike(bob, tweet).code() == Code::kInternal);
  CHECK(f->unlike(bob, tweet + 1).code() == Code::kNotFound);
  faults::arm(Call::kGet, MDB_CORRUPTED, 1, /*skip=*/2);  // user, tweet, then "liked already?"
  CHECK(f->like(bob, tweet).code() == Code::kInternal);
  CHECK_FALSE(f->has_liked(bob, tweet).value());
  REQUIRE(f->like(bob, tweet).ok());
  CHECK(f->has_liked(bob, tweet).value());
  CHECK(f->get_tweet(tweet)->like_count == 1);

  // The relation reads themselves: an error, never "no".
  for (int rc : {EIO, MDB_CORRUPTED}) {
    CAPTURE(rc);
    faults::arm(Call::kGet, rc);
    CHECK(f->is_following(bob, alice).status().code() == Code::kInternal);
    faults::arm(Call::kGet, rc);
    CHECK(f->has_liked(bob, tweet).status().code() == Code::kInternal);
    faults::arm(Call::kReadBegin, rc);
    CHECK(f->is_following(bob, alice).status().code() == Code::kInternal);
    faults::arm(Call::kReadBegin, rc);
    CHECK(f->has_liked(bob, tweet).status().code() == Code::kInternal);
  }
  faults::arm(Call::kGet, MDB_NOTFOUND);  // absent is "no"
  CHECK_FALSE(f->is_following(bob, alice).value());
  faults::arm(Call::kGet, MDB_NOTFOUND);
  CHECK_FALSE(f->has_liked(bob, tweet).value());
  CHECK(f->is_following(bob, alice).value());  // the fault cleared
  CHECK(f->has_liked(bob, tweet).value());
  CHECK_FALSE(f->is_following(alice, bob).value());
}

TEST_CASE("lists: a failed read is Internal, never an empty or shorter page", "[read_errors]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-read-errors");
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  const uint64_t alice = f.user("alice");
  const uint64_t bob = f.user("bob");
  REQUIRE(f->follow(bob, "alice").ok());
  const uint64_t t1 = f.post(alice, "first");
  f.post(alice, "second");
  auto reply = f->post_tweet(bob, "a reply", t1);
  REQUIRE(reply.ok());

  struct Case {
    const char* name;
    std::function<Status()> call;
    size_t items;  // when it works
  };
  const engine::PageRequest all{};
  auto status_of = [](const auto& r) { return r.ok() ? Status::Ok() : r.status(); };
  auto count_of = [](const auto& r) { return r.ok() ? r->items.size() : size_t(0); };
  std::vector<Case> cases = {
      {"all tweets", [&] { return status_of(f->all_tweets(all)); }, count_of(f->all_tweets(all))},
      {"user tweets", [&] { return status_of(f->user_tweets("alice", all)); },
       count_of(f->user_tweets("alice", all))},
      {"home", [&] { return status_of(f->home_timeline(bob, all)); }, count_of(f->home_timeline(bob, all))},
      {"replies", [&] { return status_of(f->replies(t1, all)); }, count_of(f->replies(t1, all))},
      {"followers", [&] { return status_of(f->followers("alice", all)); },
       count_of(f->followers("alice", all))},
      {"following", [&] { return status_of(f->following("bob", all)); },
       count_of(f->following("bob", all))},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    REQUIRE(c.items > 0);
    // The list's cursor fails to open, then fails on a step.
    faults::arm(Call::kCursorOpen, EIO);
    CHECK(c.call().code() == Code::kInternal);
    faults::arm(Call::kCursorGet, EIO, 1, /*skip=*/1);
    CHECK(c.call().code() == Code::kInternal);
    faults::clear_all();
    CHECK(c.call().ok());
  }
  // The ids list works but loading a listed tweet or user fails.
  faults::arm(Call::kCursorOpen, MDB_CORRUPTED, 1, /*skip=*/1);  // the hydrator's tweet cursor
  CHECK(f->all_tweets(all).status().code() == Code::kInternal);
  CHECK(f->all_tweets(all)->items.size() == 3);
  faults::arm(Call::kCursorOpen, EIO, 1, /*skip=*/2);  // the hydrator's author cursor
  CHECK(f->all_tweets(all).status().code() == Code::kInternal);
  faults::arm(Call::kCursorOpen, EIO, 1, /*skip=*/1);  // one tweet: its author's cursor
  CHECK(f->get_tweet(t1).status().code() == Code::kInternal);
  faults::arm(Call::kCursorGet, MDB_CORRUPTED, 1, /*skip=*/1);  // the author's seek
  CHECK(f->get_tweet(t1).status().code() == Code::kInternal);
  CHECK(f->get_tweet(t1)->username == "alice");
  faults::arm(Call::kGet, EIO, 1, /*skip=*/1);  // the name, then bob's record
  CHECK(f->followers("alice", all).status().code() == Code::kInternal);
  CHECK(f->followers("alice", all)->items.size() == 1);
  // Absent stays NotFound.
  CHECK(f->user_tweets("nobody", all).status().code() == Code::kNotFound);
  CHECK(f->home_timeline(alice + bob, all).status().code() == Code::kNotFound);
  CHECK(f->replies(t1 + 12345, all).status().code() == Code::kNotFound);
}

TEST_CASE("opening: a failed read of the last ids refuses to open rather than reuse ids",
          "[read_errors]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-read-errors");
  uint64_t last_tweet = 0;
  {
    testing::EngineFixture f(testing::options_without_search(dir.path()));
    const uint64_t alice = f.user("alice");
    last_tweet = f.post(alice, "before the restart");
  }
  faults::arm(Call::kCursorOpen, EIO);  // the writer's last-id read
  auto refused = engine::Engine::open(testing::options_without_search(dir.path()));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kInternal);
  faults::clear_all();
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  auto u = f->find_user("alice");
  REQUIRE(u.ok());
  const uint64_t next = f.post(u->id, "after the restart");
  CHECK(next > last_tweet);
  CHECK(f->last_change_seq() == 3);
}

TEST_CASE("replica position, log identity and stats: a failed read is an error, never 0 or empty",
          "[read_errors]") {
  faults::Scoped guard;
  testing::TempDir pdir("chirp-read-errors"), cdir("chirp-read-errors");
  testing::EngineFixture producer(testing::options_without_search(pdir.path()));
  testing::EngineFixture f(testing::options_without_search(cdir.path()));
  producer.user("alice");
  producer.user("bob");
  auto changes = producer->changes_after(0, 100);
  REQUIRE(changes.ok());
  REQUIRE(f->apply_replica("users", engine::kReplicaUsers, *changes, producer->log_id()).ok());
  const uint64_t applied = producer->last_change_seq();
  REQUIRE(applied > 0);
  // A tweet posted here by a replicated user (as on the tweets service; users
  // are only ever created by the producer: a local id could equal a copied one).
  auto alice = f->find_user("alice");
  REQUIRE(alice.ok());
  f.post(alice->id, "hello");

  // Where nothing was stored: 0 and "", not errors.
  auto none = f->replica_position("tweets");
  REQUIRE(none.ok());
  CHECK(*none == 0);
  auto no_id = f->replica_log_id("tweets");
  REQUIRE(no_id.ok());
  CHECK(no_id->empty());

  // The position's or identity's read fails; then the read transaction's begin.
  for (Call call : {Call::kGet, Call::kReadBegin}) {
    for (int rc : {EIO, MDB_CORRUPTED}) {
      CAPTURE(static_cast<int>(call), rc);
      faults::arm(call, rc, -1);
      auto pos = f->replica_position("users");
      CHECK(pos.status().code() == Code::kInternal);
      auto id = f->replica_log_id("users");
      CHECK(id.status().code() == Code::kInternal);
      CHECK(f->replica_position("tweets").status().code() == Code::kInternal);  // not "nothing stored"
      // An empty page that only records the identity cannot compare it.
      CHECK_FALSE(f->apply_replica("users", engine::kReplicaUsers, {}, producer->log_id()).ok());
      if (call == Call::kReadBegin) CHECK(f->stats().status().code() == Code::kInternal);
      faults::clear_all();
    }
  }
  // The stats' last change seq (a cursor) fails.
  faults::arm(Call::kCursorGet, EIO, -1);
  CHECK(f->stats().status().code() == Code::kInternal);
  faults::clear_all();

  // Nothing was changed by the failures, and everything reads again.
  auto pos = f->replica_position("users");
  REQUIRE(pos.ok());
  CHECK(*pos == applied);
  auto id = f->replica_log_id("users");
  REQUIRE(id.ok());
  CHECK(*id == producer->log_id());
  auto st = f->stats();
  REQUIRE(st.ok());
  CHECK(st->users == 2);
  CHECK(st->tweets == 1);
  CHECK(st->change_seq == f->last_change_seq());
  CHECK(st->map_size == f->map_size());
}

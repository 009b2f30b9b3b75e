#include "engine_fixture.h"

using namespace chirp;
using chirp::testing::EngineFixture;
using chirp::testing::ids_of;

namespace {
// Walks every page of a list and returns all ids in order.
template <typename Fetch>
std::vector<uint64_t> walk(Fetch fetch, int limit) {
  std::vector<uint64_t> all;
  engine::PageRequest req{limit, ""};
  for (int guard = 0; guard < 1000; ++guard) {
    auto page = fetch(req);
    REQUIRE(page.ok());
    for (uint64_t id : ids_of(page->items)) all.push_back(id);
    if (!page->next_cursor) break;
    CHECK(page->items.size() == size_t(limit));
    req.cursor = *page->next_cursor;
  }
  return all;
}
}  // namespace

TEST_CASE("a user's timeline is newest first and pages by cursor", "[timelines]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  std::vector<uint64_t> posted;
  for (int i = 0; i < 7; ++i) {
    posted.push_back(f.post(alice, "alice " + std::to_string(i)));
    f.post(bob, "bob " + std::to_string(i));
  }
  std::vector<uint64_t> expected(posted.rbegin(), posted.rend());
  CHECK(walk([&](auto& r) { return f->user_tweets("alice", r); }, 3) == expected);
  CHECK(walk([&](auto& r) { return f->user_tweets("ALICE", r); }, 7) == expected);
  CHECK(walk([&](auto& r) { return f->all_tweets(r); }, 4).size() == 14);
  CHECK(f->user_tweets("nobody", {}).status().code() == Code::kNotFound);

  // The last page has no cursor; a cursor past the end gives an empty page.
  auto page = f->user_tweets("alice", {7, ""});
  REQUIRE(page.ok());
  CHECK_FALSE(page->next_cursor.has_value());
  auto two = f->user_tweets("alice", {6, ""});
  REQUIRE(two->next_cursor.has_value());
  auto last = f->user_tweets("alice", {6, *two->next_cursor});
  REQUIRE(last.ok());
  CHECK(last->items.size() == 1);
  CHECK_FALSE(last->next_cursor.has_value());
}

TEST_CASE("bad cursors are rejected", "[timelines]") {
  EngineFixture f;
  f.user("alice");
  for (const char* bad : {"x", "!!!!", "AAAAAAAAAAAA", "bm90LWEtY3Vyc29y", "AQAAAAAAAAAAAA"})
    CHECK(f->user_tweets("alice", {20, bad}).status().code() == Code::kInvalidArgument);
}

TEST_CASE("limits are clamped to 1..100", "[timelines]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  for (int i = 0; i < 105; ++i) f.post(alice, "t" + std::to_string(i));
  CHECK(f->all_tweets({1000, ""})->items.size() == 100);
  CHECK(f->all_tweets({0, ""})->items.size() == 1);
}

TEST_CASE("home timeline: people I follow and me, newest first", "[timelines][follows]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  uint64_t carol = f.user("carol");
  uint64_t b1 = f.post(bob, "bob before follow");
  uint64_t c1 = f.post(carol, "carol unfollowed");
  uint64_t a1 = f.post(alice, "alice own");
  REQUIRE(f->follow(alice, "bob").ok());
  uint64_t b2 = f.post(bob, "bob after follow");
  CHECK(ids_of(f->home_timeline(alice, {})->items) == std::vector<uint64_t>{b2, a1, b1});

  REQUIRE(f->follow(alice, "carol").ok());
  CHECK(ids_of(f->home_timeline(alice, {})->items) == std::vector<uint64_t>{b2, a1, c1, b1});
  REQUIRE(f->delete_tweet(bob, b2).ok());
  CHECK(ids_of(f->home_timeline(alice, {})->items) == std::vector<uint64_t>{a1, c1, b1});
  REQUIRE(f->unfollow(alice, "bob").ok());
  CHECK(ids_of(f->home_timeline(alice, {})->items) == std::vector<uint64_t>{a1, c1});
  (void)carol;
}

TEST_CASE("follow rules: idempotent, not yourself, counted, listed", "[follows]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  uint64_t carol = f.user("carol");
  CHECK(f->follow(alice, "alice").code() == Code::kUnprocessable);
  CHECK(f->follow(alice, "nobody").code() == Code::kNotFound);
  REQUIRE(f->follow(alice, "bob").ok());
  REQUIRE(f->follow(alice, "BOB").ok());
  REQUIRE(f->follow(carol, "bob").ok());
  CHECK(f->get_user(alice)->counts.following == 1);
  CHECK(f->get_user(bob)->counts.followers == 2);
  CHECK(f->is_following(alice, bob).value());
  CHECK_FALSE(f->is_following(bob, alice).value());
  auto followers = f->followers("bob", {1, ""});
  REQUIRE(followers.ok());
  REQUIRE(followers->items.size() == 1);
  REQUIRE(followers->next_cursor.has_value());
  auto rest = f->followers("bob", {1, *followers->next_cursor});
  REQUIRE(rest.ok());
  REQUIRE(rest->items.size() == 1);
  CHECK(rest->items[0].username != followers->items[0].username);
  CHECK_FALSE(rest->next_cursor.has_value());
  CHECK(f->following("alice", {})->items.at(0).username == "bob");
  REQUIRE(f->unfollow(alice, "bob").ok());
  REQUIRE(f->unfollow(alice, "bob").ok());
  CHECK(f->get_user(bob)->counts.followers == 1);
  CHECK(f->get_user(alice)->counts.following == 0);
}

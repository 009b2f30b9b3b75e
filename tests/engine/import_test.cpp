// Engine::import_batch: the write behind `chirpctl import`.
#include <set>

#include "engine_fixture.h"

using namespace chirp;
using chirp::testing::EngineFixture;

namespace {
engine::ImportRecord rec(std::string user, std::string text, int64_t ts) {
  return engine::ImportRecord{std::move(user), std::move(text), ts};
}

std::vector<engine::Tweet> tweets_of(engine::Engine& e, const std::string& user) {
  engine::PageRequest page;
  page.limit = 100;
  auto p = e.user_tweets(user, page);
  REQUIRE(p.ok());
  return p->items;
}
}  // namespace

TEST_CASE("an import batch counts each author's tweets and keeps same-second ids apart",
          "[import]") {
  EngineFixture f;
  auto first = f->import_batch(
      {rec("alice", "one", 1'600'000'000), rec("bob", "hello", 1'600'000'000),
       rec("alice", "two", 1'600'000'000), rec("not a name!", "rejected", 1'600'000'001),
       rec("alice", "three", 1'600'000'000), rec("bob", "", 1'600'000'002)},
      "");
  REQUIRE(first.ok());
  CHECK(first->tweets == 4);
  CHECK(first->users_created == 2);
  CHECK(first->rejected == 2);

  auto alice = f->find_user("ALICE");
  REQUIRE(alice.ok());
  CHECK(alice->counts.tweets == 3);
  auto alice_tweets = tweets_of(*f, "alice");
  REQUIRE(alice_tweets.size() == 3);
  std::set<uint64_t> ids;
  for (const auto& t : alice_tweets) {
    ids.insert(t.id);
    CHECK(t.created_at_ms == 1'600'000'000'000);
  }
  CHECK(ids.size() == 3);
  CHECK(f->find_user("bob")->counts.tweets == 1);

  // A later batch continues the counts of authors already on disk, and a
  // registered account's own posts count too.
  const uint64_t carol = f.user("carol");
  f.post(carol, "posted live");
  auto second = f->import_batch(
      {rec("Alice", "four", 1'600'000'000), rec("carol", "imported", 1'600'000'100)}, "");
  REQUIRE(second.ok());
  CHECK(second->tweets == 2);
  CHECK(second->users_created == 0);
  CHECK(f->find_user("alice")->counts.tweets == 4);
  CHECK(f->find_user("carol")->counts.tweets == 2);
  for (const auto& t : tweets_of(*f, "alice")) ids.insert(t.id);
  CHECK(ids.size() == 4);
  CHECK(tweets_of(*f, "carol").size() == 2);
}

#include <set>
#include <thread>

#include "engine_fixture.h"
#include "ids.h"

using namespace chirp;
using chirp::testing::EngineFixture;

TEST_CASE("a posted tweet carries its entities and author", "[tweets]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  auto t = f->post_tweet(alice, "hello @bob see #chirp and $ACME at https://example.com 🐦");
  REQUIRE(t.ok());
  CHECK(t->username == "alice");
  CHECK(t->text.find("#chirp") != std::string::npos);
  REQUIRE(t->entities.hashtags.size() == 1);
  CHECK(t->entities.hashtags[0].value == "chirp");
  CHECK(t->entities.hashtags[0].start == 15);
  CHECK(t->entities.hashtags[0].end == 21);
  REQUIRE(t->entities.mentions.size() == 1);
  CHECK(t->entities.mentions[0].value == "bob");
  REQUIRE(t->entities.cashtags.size() == 1);
  CHECK(t->entities.cashtags[0].value == "ACME");
  REQUIRE(t->entities.urls.size() == 1);
  CHECK(t->entities.urls[0].value == "https://example.com");
  auto again = f->get_tweet(t->id);
  REQUIRE(again.ok());
  CHECK(again->entities == t->entities);
  CHECK(again->created_at_ms == t->created_at_ms);
}

TEST_CASE("tweet text rules: empty, blank, over-long, weighted", "[tweets]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  CHECK(f->post_tweet(alice, "").status().code() == Code::kUnprocessable);
  CHECK(f->post_tweet(alice, "   \n\t ").status().code() == Code::kUnprocessable);
  CHECK(f->post_tweet(alice, "\xc2\xa0\xe3\x80\x80").status().code() == Code::kUnprocessable);
  CHECK(f->post_tweet(alice, std::string(280, 'a')).ok());
  CHECK(f->post_tweet(alice, std::string(281, 'a')).status().code() == Code::kUnprocessable);
  // CJK counts double under config v3: 140 fit, 141 do not.
  std::string cjk;
  for (int i = 0; i < 140; ++i) cjk += "字";
  CHECK(f->post_tweet(alice, cjk).ok());
  CHECK(f->post_tweet(alice, cjk + "字").status().code() == Code::kUnprocessable);
  CHECK(f->post_tweet(alice, "bad \xff utf8").status().code() == Code::kInvalidArgument);
  CHECK(f->post_tweet(alice, std::string("nul \0 inside", 12)).status().code() == Code::kUnprocessable);
  CHECK(f->post_tweet(alice, "bell \a").status().code() == Code::kUnprocessable);
  CHECK(f->post_tweet(alice, "two\nlines\tand a tab").ok());
  CHECK(f->get_user(alice)->counts.tweets == 3);
}

TEST_CASE("replies must point at an existing tweet and are counted", "[tweets]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  uint64_t root = f.post(alice, "root");
  CHECK(f->post_tweet(bob, "to nowhere", uint64_t{12345}).status().code() == Code::kUnprocessable);
  auto r1 = f->post_tweet(bob, "first reply", root);
  REQUIRE(r1.ok());
  REQUIRE(r1->in_reply_to.has_value());
  CHECK(r1->in_reply_to->id == root);
  CHECK(r1->in_reply_to->username == "alice");
  auto r2 = f->post_tweet(alice, "second reply", root);
  REQUIRE(r2.ok());
  CHECK(f->get_tweet(root)->reply_count == 2);
  auto page = f->replies(root, {});
  REQUIRE(page.ok());
  CHECK(chirp::testing::ids_of(page->items) == std::vector<uint64_t>{r1->id, r2->id});  // oldest first
  REQUIRE(f->delete_tweet(bob, r1->id).ok());
  CHECK(f->get_tweet(root)->reply_count == 1);
  CHECK(f->replies(12345, {}).status().code() == Code::kNotFound);
}

TEST_CASE("only the author may delete a tweet", "[tweets]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  uint64_t t = f.post(alice, "mine");
  CHECK(f->delete_tweet(bob, t).code() == Code::kForbidden);
  CHECK(f->get_tweet(t).ok());
  CHECK(f->delete_tweet(alice, 424242).code() == Code::kNotFound);
  REQUIRE(f->delete_tweet(alice, t).ok());
  CHECK(f->get_tweet(t).status().code() == Code::kNotFound);
  CHECK(f->delete_tweet(alice, t).code() == Code::kNotFound);
  CHECK(f->get_user(alice)->counts.tweets == 0);
}

TEST_CASE("get_tweet_of requires the right author", "[tweets]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  f.user("bob");
  uint64_t t = f.post(alice, "mine");
  CHECK(f->get_tweet_of("ALICE", t).ok());
  CHECK(f->get_tweet_of("bob", t).status().code() == Code::kNotFound);
}

TEST_CASE("likes are idempotent and counted", "[tweets]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  uint64_t t = f.post(alice, "like me");
  REQUIRE(f->like(bob, t).ok());
  REQUIRE(f->like(bob, t).ok());
  REQUIRE(f->like(alice, t).ok());
  CHECK(f->get_tweet(t)->like_count == 2);
  CHECK(f->has_liked(bob, t).value());
  REQUIRE(f->unlike(bob, t).ok());
  REQUIRE(f->unlike(bob, t).ok());
  CHECK(f->get_tweet(t)->like_count == 1);
  CHECK_FALSE(f->has_liked(bob, t).value());
  CHECK(f->like(bob, 999).code() == Code::kNotFound);
  CHECK(f->unlike(bob, 999).code() == Code::kNotFound);
}

TEST_CASE("an Idempotency-Key retry returns the first tweet", "[tweets]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  auto a = f->post_tweet(alice, "once", std::nullopt, "key-1");
  auto b = f->post_tweet(alice, "once", std::nullopt, "key-1");
  REQUIRE((a.ok() && b.ok()));
  CHECK(a->id == b->id);
  CHECK(f->get_user(alice)->counts.tweets == 1);
  auto other_user = f->post_tweet(bob, "once", std::nullopt, "key-1");
  REQUIRE(other_user.ok());
  CHECK(other_user->id != a->id);  // keys are per account
  auto other_key = f->post_tweet(alice, "once", std::nullopt, "key-2");
  CHECK(other_key->id != a->id);
}

TEST_CASE("ids are unique and time-ordered under concurrent posting", "[tweets][group-commit]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  constexpr int kThreads = 16, kEach = 25;
  std::vector<std::vector<uint64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < kEach; ++k) {
        auto t = f->post_tweet(alice, "t" + std::to_string(i) + "-" + std::to_string(k));
        if (t.ok()) ids[i].push_back(t->id);
      }
    });
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& v : ids) {
    CHECK(v.size() == kEach);
    CHECK(std::is_sorted(v.begin(), v.end()));  // one writer's ids only grow
    all.insert(v.begin(), v.end());
  }
  CHECK(all.size() == size_t{kThreads * kEach});
  CHECK(f->get_user(alice)->counts.tweets == uint64_t{kThreads * kEach});
  // The id encodes the creation time.
  auto t = f->get_tweet(*all.begin());
  CHECK(engine::id_time_ms(t->id) == t->created_at_ms);
}

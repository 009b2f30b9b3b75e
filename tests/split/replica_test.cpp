// Split mode without sockets: the change log's JSON wire format, the internal
// secret, and replicas built by Engine::apply_replica / LogFollower from
// another engine's log, exactly as the roles do it (through the JSON format).
#include <catch2/catch.hpp>

#include <thread>

#include "../support/temp_dir.h"
#include "chirp/api/internal.h"
#include "chirp/engine/engine.h"
#include "chirp/engine/log_follower.h"

using namespace chirp;
using engine::Engine;
using engine::EngineOptions;
using storage::ChangeRecord;

namespace {

std::unique_ptr<Engine> open_engine(const std::string& dir, bool search) {
  auto o = EngineOptions::for_tests(dir);
  o.search = search;
  o.search_commit_interval_ms = 50;
  auto e = Engine::open(o);
  REQUIRE(e.ok());
  return std::move(e).value();
}

// The owner's whole log, as a peer receives it (JSON there and back).
std::vector<ChangeRecord> log_of(const Engine& owner, uint64_t after = 0) {
  auto c = owner.changes_after(after, 100000);
  REQUIRE(c.ok());
  auto decoded = api::changes_from_json(api::changes_to_json(*c, owner.last_change_seq()));
  REQUIRE(decoded.ok());
  return *decoded;
}

engine::ChangeSource json_source(const Engine& owner) {
  return {[&owner](uint64_t after, size_t limit) -> Result<std::vector<ChangeRecord>> {
            auto c = owner.changes_after(after, limit);
            if (!c.ok()) return c.status();
            return api::changes_from_json(api::changes_to_json(*c, owner.last_change_seq()));
          },
          [](uint64_t, std::chrono::milliseconds t) { std::this_thread::sleep_for(std::min(t, std::chrono::milliseconds(10))); }};
}

std::vector<std::string> texts(const Result<engine::Page<engine::Tweet>>& p) {
  REQUIRE(p.ok());
  std::vector<std::string> out;
  for (const auto& t : p->items) out.push_back(t.text);
  return out;
}

// A users service where alice signed up and a tweets service that has copied her.
struct AliceOnBothServices {
  chirp::testing::TempDir dir;
  std::unique_ptr<Engine> users = open_engine(dir.sub("users"), false);
  std::unique_ptr<Engine> tweets = open_engine(dir.sub("tweets"), false);
  engine::User alice = registered(*users, "alice");
  AliceOnBothServices() { REQUIRE(tweets->apply_replica("users", engine::kReplicaUsers, log_of(*users)).ok()); }

  static engine::User registered(Engine& e, const std::string& name) {
    auto u = e.register_user(name, "password123");
    REQUIRE(u.ok());
    return *u;
  }
};

}  // namespace

TEST_CASE("change records survive the JSON wire format", "[split][json]") {
  ChangeRecord a;
  a.seq = 7;
  a.kind = ChangeRecord::kTweetPosted;
  a.at_ms = 1700000000123;
  a.user_id = 18446744073709551615ull;  // the full u64 range
  a.target_id = 42;
  a.username = "Alice";
  a.display_name = "Al \"ice\" \xE2\x9C\x93";
  a.tweet.id = 42;
  a.tweet.author_id = a.user_id;
  a.tweet.text = "hi #tag\nnew line";
  a.tweet.created_at_ms = 1700000000000;
  a.tweet.in_reply_to_id = 41;
  a.tweet.in_reply_to_user_id = 3;
  a.in_reply_to_username = "bob";
  ChangeRecord b;
  b.seq = 9;
  b.kind = ChangeRecord::kUnfollowed;
  b.user_id = 1;
  b.target_id = 2;
  b.target_user_id = 2;
  uint64_t last = 0;
  auto back = api::changes_from_json(api::changes_to_json({a, b}, 12), &last);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 2);
  CHECK(last == 12);
  const ChangeRecord& x = (*back)[0];
  CHECK(x.seq == 7);
  CHECK(x.kind == ChangeRecord::kTweetPosted);
  CHECK(x.at_ms == a.at_ms);
  CHECK(x.user_id == a.user_id);
  CHECK(x.display_name == a.display_name);
  CHECK(x.tweet.text == a.tweet.text);
  CHECK(x.tweet.in_reply_to_id == 41);
  CHECK(x.tweet.in_reply_to_user_id == 3);
  CHECK(x.in_reply_to_username == "bob");
  CHECK((*back)[1].kind == ChangeRecord::kUnfollowed);
  CHECK((*back)[1].target_user_id == 2);
}

TEST_CASE("malformed change pages are refused", "[split][json]") {
  for (const char* bad : {"", "[]", "{}", "{\"changes\":{}}", "{\"changes\":[1]}",
                          "{\"changes\":[{\"seq\":\"1\"}]}", "{\"changes\":[{\"kind\":\"liked\"}]}",
                          "{\"changes\":[{\"seq\":2},{\"seq\":2}]}", "{\"changes\":[{\"seq\":1,\"user_id\":-1}]}",
                          "{\"changes\":[{\"seq\":1,\"kind\":\"tweet_posted\"}]}", "{\"changes\":[{\"seq\":1",
                          "{\"changes\":[{\"seq\":1,\"tweet\":[]}]}"}) {
    INFO(bad);
    CHECK(api::changes_from_json(bad).status().code() == Code::kInvalidArgument);
  }
  auto unknown = api::changes_from_json("{\"changes\":[{\"seq\":3,\"kind\":\"from_the_future\"}],\"last_seq\":3}");
  REQUIRE(unknown.ok());
  CHECK((*unknown)[0].kind == 0);  // consumers skip it, and move past it
}

TEST_CASE("the internal secret is compared exactly", "[split][secret]") {
  CHECK(api::internal_secret_matches("0123456789abcdef", "0123456789abcdef"));
  CHECK_FALSE(api::internal_secret_matches("0123456789abcdef", "0123456789abcdeF"));
  CHECK_FALSE(api::internal_secret_matches("0123456789abcdef", "0123456789abcde"));
  CHECK_FALSE(api::internal_secret_matches("0123456789abcdef", ""));
  CHECK_FALSE(api::internal_secret_matches("", ""));  // no secret configured: nothing passes
  chirp::testing::TempDir dir;
  std::string path = dir.sub("secret");
  FILE* f = fopen(path.c_str(), "w");
  fputs("short\n", f);
  fclose(f);
  CHECK(api::read_internal_secret(path).status().code() == Code::kInvalidArgument);
  f = fopen(path.c_str(), "w");
  fputs("a-long-enough-secret\n", f);
  fclose(f);
  auto s = api::read_internal_secret(path);
  REQUIRE(s.ok());
  CHECK(*s == "a-long-enough-secret");
  CHECK(api::read_internal_secret(dir.sub("missing")).status().code() == Code::kInvalidArgument);
}

TEST_CASE("tweets keeps users and the follow graph from the users log", "[split][replica]") {
  chirp::testing::TempDir dir;
  auto users = open_engine(dir.sub("users"), false);
  auto tweets = open_engine(dir.sub("tweets"), false);
  const uint32_t scope = engine::kReplicaUsers | engine::kReplicaFollows;
  auto alice = users->register_user("alice", "password123");
  auto bob = users->register_user("bob", "password123");
  REQUIRE(alice.ok());
  REQUIRE(bob.ok());
  REQUIRE(users->follow(bob->id, "alice").ok());
  REQUIRE(users->update_profile(alice->id, std::string("Alice A."), std::string("bio")).ok());

  REQUIRE(tweets->apply_replica("users", scope, log_of(*users)).ok());
  CHECK(*tweets->replica_position("users") == users->last_change_seq());
  auto copy = tweets->find_user("ALICE");
  REQUIRE(copy.ok());
  CHECK(copy->id == alice->id);
  CHECK(copy->display_name == "Alice A.");
  CHECK(copy->bio == "bio");
  CHECK(copy->counts.followers == 1);
  // Copies never carry a password: nobody logs in on the tweets service.
  CHECK(tweets->login("alice", "password123").status().code() == Code::kUnauthorized);

  auto t = tweets->post_tweet(alice->id, "from alice");
  REQUIRE(t.ok());
  CHECK(t->username == "alice");
  CHECK(texts(tweets->home_timeline(bob->id, {})) == std::vector<std::string>{"from alice"});

  // Applying the same page again changes nothing (the position is stored with the copy).
  REQUIRE(tweets->apply_replica("users", scope, log_of(*users)).ok());
  CHECK(tweets->find_user("alice")->counts.followers == 1);

  const uint64_t before_unfollow = users->last_change_seq();
  REQUIRE(users->unfollow(bob->id, "alice").ok());
  REQUIRE(tweets->apply_replica("users", scope, log_of(*users, before_unfollow)).ok());
  CHECK(texts(tweets->home_timeline(bob->id, {})).empty());

  // A deleted account takes its tweets with it, and the tweets log says so.
  const uint64_t tweets_seq = tweets->last_change_seq();
  const uint64_t before_delete = users->last_change_seq();
  REQUIRE(users->delete_account(alice->id, "password123").ok());
  REQUIRE(tweets->apply_replica("users", scope, log_of(*users, before_delete)).ok());
  CHECK(tweets->find_user("alice").status().code() == Code::kNotFound);
  CHECK(tweets->get_tweet(t->id).status().code() == Code::kNotFound);
  auto logged = tweets->changes_after(tweets_seq, 10);
  REQUIRE(logged.ok());
  REQUIRE(logged->size() == 2);
  CHECK((*logged)[0].kind == ChangeRecord::kTweetDeleted);
  CHECK((*logged)[1].kind == ChangeRecord::kUserDeleted);
}

TEST_CASE("users keeps tweet counts from the tweets log", "[split][replica]") {
  AliceOnBothServices f;
  auto& [dir, users, tweets, alice] = f;
  auto t1 = tweets->post_tweet(alice.id, "one");
  auto t2 = tweets->post_tweet(alice.id, "two");
  REQUIRE(t1.ok());
  REQUIRE(t2.ok());
  REQUIRE(tweets->delete_tweet(alice.id, t1->id).ok());
  REQUIRE(tweets->like(alice.id, t2->id).ok());
  REQUIRE(users->apply_replica("tweets", engine::kReplicaTweetCounts, log_of(*tweets)).ok());
  CHECK(users->get_user(alice.id)->counts.tweets == 1);
  CHECK(users->stats()->tweets == 0);  // counts only: no tweet copies on the users service
}

TEST_CASE("search follows both logs through a LogFollower and resumes after a restart", "[split][replica]") {
  chirp::testing::TempDir dir;
  auto users = open_engine(dir.sub("users"), false);
  auto tweets = open_engine(dir.sub("tweets"), false);
  auto alice = users->register_user("alice", "password123");
  auto bob = users->register_user("bob", "password123");
  REQUIRE(alice.ok());
  REQUIRE(bob.ok());
  REQUIRE(tweets->apply_replica("users", engine::kReplicaUsers, log_of(*users)).ok());
  auto t1 = tweets->post_tweet(alice->id, "zebras crossing the river");
  REQUIRE(t1.ok());
  REQUIRE(tweets->like(bob->id, t1->id).ok());

  auto search_for = [](const Engine& e, const std::string& q) {
    search::SearchRequest r;
    r.q = q;
    auto res = e.search(r);
    REQUIRE(res.ok());
    return res->hits;
  };
  auto settle = [](Engine& s, engine::LogFollower& f, uint64_t seq) {
    REQUIRE(f.wait_position(seq, std::chrono::seconds(10)));
    REQUIRE(s.wait_until_searchable(s.last_change_seq(), std::chrono::seconds(10)).ok());
  };
  const std::string sdir = dir.sub("search");
  {
    auto s = open_engine(sdir, true);
    engine::LogFollower ul(*s, "users", engine::kReplicaUsers, json_source(*users));
    engine::LogFollower tl(*s, "tweets", engine::kReplicaTweets | engine::kReplicaLikes, json_source(*tweets));
    ul.start();
    tl.start();
    REQUIRE(ul.wait_position(users->last_change_seq(), std::chrono::seconds(10)));
    settle(*s, tl, tweets->last_change_seq());
    auto hits = search_for(*s, "zebras");
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].tweet.id == t1->id);
    CHECK(hits[0].tweet.username == "alice");
    CHECK(hits[0].tweet.like_count == 1);
    CHECK(ul.health().ok());
    tl.stop();
    ul.stop();
  }
  // While search is down: a post and a delete. On restart it resumes from its
  // stored positions and ends with exactly the live tweets.
  auto t2 = tweets->post_tweet(bob->id, "zebras again, by bob");
  REQUIRE(t2.ok());
  REQUIRE(tweets->delete_tweet(alice->id, t1->id).ok());
  {
    auto s = open_engine(sdir, true);
    CHECK(*s->replica_position("tweets") > 0);
    engine::LogFollower ul(*s, "users", engine::kReplicaUsers, json_source(*users));
    engine::LogFollower tl(*s, "tweets", engine::kReplicaTweets | engine::kReplicaLikes, json_source(*tweets));
    ul.start();
    tl.start();
    settle(*s, tl, tweets->last_change_seq());
    auto hits = search_for(*s, "zebras");
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].tweet.id == t2->id);
    CHECK(s->stats()->tweets == 1);
  }
}

TEST_CASE("search holds back a hit until its author's record arrives from the users log", "[split][replica]") {
  // Right after a cold start the search service's copy of the tweets log can
  // be ahead of its copy of the users log: such a hit would have no username.
  AliceOnBothServices f;
  auto& [dir, users, tweets, alice] = f;
  auto t1 = tweets->post_tweet(alice.id, "okapis in the forest");
  REQUIRE(t1.ok());

  auto s = open_engine(dir.sub("search"), true);
  auto search_for = [&](const std::string& q) {
    search::SearchRequest r;
    r.q = q;
    auto res = s->search(r);
    REQUIRE(res.ok());
    return res->hits;
  };
  REQUIRE(s->apply_replica("tweets", engine::kReplicaTweets | engine::kReplicaLikes, log_of(*tweets)).ok());
  REQUIRE(s->wait_until_searchable(s->last_change_seq(), std::chrono::seconds(10)).ok());
  CHECK(search_for("okapis").empty());  // indexed, but its author is unknown here yet

  REQUIRE(s->apply_replica("users", engine::kReplicaUsers, log_of(*users)).ok());
  auto hits = search_for("okapis");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].tweet.id == t1->id);
  CHECK(hits[0].tweet.username == "alice");
}

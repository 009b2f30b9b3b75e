#include "engine_fixture.h"

using namespace chirp;
using chirp::testing::EngineFixture;

TEST_CASE("register enforces the username and password rules", "[users]") {
  EngineFixture f;
  CHECK(f->register_user("alice", "password123").ok());
  CHECK(f->register_user("ALICE", "password123").status().code() == Code::kConflict);
  CHECK(f->register_user("", "password123").status().code() == Code::kUnprocessable);
  CHECK(f->register_user("sixteen_chars_xx", "password123").status().code() == Code::kUnprocessable);
  CHECK(f->register_user("bad-name", "password123").status().code() == Code::kUnprocessable);
  CHECK(f->register_user("héllo", "password123").status().code() == Code::kUnprocessable);
  for (const char* reserved : {"admin", "Search", "ME", "timeline", "internal"})
    CHECK(f->register_user(reserved, "password123").status().code() == Code::kUnprocessable);
  CHECK(f->register_user("bob", "short").status().code() == Code::kUnprocessable);
  CHECK(f->register_user("bob", std::string(129, 'p')).status().code() == Code::kUnprocessable);
  CHECK(f->register_user("bob", std::string(128, 'p')).ok());
  CHECK(f->register_user("carol", "password123", std::string(51, 'd')).status().code() ==
        Code::kUnprocessable);
  auto dave = f->register_user("dave", "password123", "Dave D.");
  REQUIRE(dave.ok());
  CHECK(dave->display_name == "Dave D.");
  CHECK(f->find_user("DAVE")->username == "dave");
  CHECK(f->find_user("nobody").status().code() == Code::kNotFound);
}

TEST_CASE("passwords are stored as argon2id hashes", "[users]") {
  EngineFixture f;
  uint64_t id = f.user("alice");
  storage::ReadTxn txn(*f->store().env);
  storage::UserRecord r;
  REQUIRE(f->store().users.get(txn.raw(), id, &r).ok());
  CHECK(r.password_hash.rfind("$argon2id$", 0) == 0);
  CHECK(r.password_hash.find("password123") == std::string::npos);
}

TEST_CASE("login, authenticate, logout", "[users][sessions]") {
  EngineFixture f;
  f.user("alice");
  CHECK(f->login("alice", "wrong-password").status().code() == Code::kUnauthorized);
  CHECK(f->login("nobody", "password123").status().code() == Code::kUnauthorized);
  // One generic message for both, so a client cannot tell which was wrong.
  CHECK(f->login("alice", "wrong-password").status().message() ==
        f->login("nobody", "password123").status().message());
  auto s = f->login("Alice", "password123");
  REQUIRE(s.ok());
  CHECK(s->token.size() == 43);  // 256 bits, base64url
  CHECK(s->user.username == "alice");
  auto who = f->authenticate(s->token);
  REQUIRE(who.ok());
  CHECK(who->user_id == s->user.id);
  CHECK(f->authenticate("not-a-token").status().code() == Code::kUnauthorized);
  CHECK(f->authenticate("").status().code() == Code::kUnauthorized);
  REQUIRE(f->logout(*who).ok());
  CHECK(f->authenticate(s->token).status().code() == Code::kUnauthorized);
}

TEST_CASE("tokens are stored only as hashes", "[users][sessions]") {
  EngineFixture f;
  f.user("alice");
  auto s = f->login("alice", "password123");
  REQUIRE(s.ok());
  storage::ReadTxn txn(*f->store().env);
  storage::SessionRecord rec;
  CHECK(f->store().sessions.get(txn.raw(), s->token, &rec).code() == Code::kNotFound);
}

TEST_CASE("an expired token is refused", "[users][sessions]") {
  chirp::testing::TempDir dir;
  auto options = engine::EngineOptions::for_tests(dir.path());
  options.session_ttl_ms = 0;  // expires the moment it is issued
  EngineFixture f(options);
  f.user("alice");
  auto s = f->login("alice", "password123");
  REQUIRE(s.ok());
  CHECK(f->authenticate(s->token).status().code() == Code::kUnauthorized);
}

TEST_CASE("revoke all sessions and change password", "[users][sessions]") {
  EngineFixture f;
  f.user("alice");
  auto s1 = f->login("alice", "password123");
  auto s2 = f->login("alice", "password123");
  auto s3 = f->login("alice", "password123");
  REQUIRE((s1.ok() && s2.ok() && s3.ok()));
  auto who = f->authenticate(s1->token);
  REQUIRE(who.ok());

  CHECK(f->change_password(*who, "wrong-current", "new-password-1").code() == Code::kUnauthorized);
  CHECK(f->change_password(*who, "password123", "short").code() == Code::kUnprocessable);
  REQUIRE(f->change_password(*who, "password123", "new-password-1").ok());
  CHECK(f->authenticate(s1->token).ok());  // the session that changed it stays
  CHECK(f->authenticate(s2->token).status().code() == Code::kUnauthorized);
  CHECK(f->authenticate(s3->token).status().code() == Code::kUnauthorized);
  CHECK(f->login("alice", "password123").status().code() == Code::kUnauthorized);
  auto s4 = f->login("alice", "new-password-1");
  REQUIRE(s4.ok());

  REQUIRE(f->revoke_all_sessions(who->user_id).ok());
  CHECK(f->authenticate(s1->token).status().code() == Code::kUnauthorized);
  CHECK(f->authenticate(s4->token).status().code() == Code::kUnauthorized);
}

TEST_CASE("profile update validates and keeps other fields", "[users]") {
  EngineFixture f;
  uint64_t id = f.user("alice");
  auto u = f->update_profile(id, std::string("Alice A."), std::nullopt);
  REQUIRE(u.ok());
  CHECK(u->display_name == "Alice A.");
  u = f->update_profile(id, std::nullopt, std::string("I like birds 🐦"));
  REQUIRE(u.ok());
  CHECK(u->display_name == "Alice A.");
  CHECK(u->bio == "I like birds 🐦");
  CHECK(f->update_profile(id, std::nullopt, std::string(161, 'b')).status().code() ==
        Code::kUnprocessable);
  CHECK(f->update_profile(id, std::string(160, 'b'), std::nullopt).status().code() ==
        Code::kUnprocessable);
  CHECK(f->update_profile(id, std::string("\xff\xfe"), std::nullopt).status().code() ==
        Code::kInvalidArgument);
  CHECK(f->get_user(id)->bio == "I like birds 🐦");
  CHECK(f->update_profile(999, std::string("x"), std::nullopt).status().code() == Code::kNotFound);
}

TEST_CASE("deleting an account removes its tweets, likes, follows and sessions", "[users]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  uint64_t a1 = f.post(alice, "alice one");
  uint64_t b1 = f.post(bob, "bob one");
  REQUIRE(f->post_tweet(bob, "reply to alice", a1).ok());
  REQUIRE(f->like(alice, b1).ok());
  REQUIRE(f->follow(alice, "bob").ok());
  REQUIRE(f->follow(bob, "alice").ok());
  auto s = f->login("alice", "password123");
  REQUIRE(s.ok());

  CHECK(f->delete_account(alice, "wrong-password").code() == Code::kUnauthorized);
  REQUIRE(f->delete_account(alice, "password123").ok());

  CHECK(f->find_user("alice").status().code() == Code::kNotFound);
  CHECK(f->get_tweet(a1).status().code() == Code::kNotFound);
  CHECK(f->authenticate(s->token).status().code() == Code::kUnauthorized);
  auto b = f->get_user(bob);
  REQUIRE(b.ok());
  CHECK(b->counts.followers == 0);
  CHECK(b->counts.following == 0);
  CHECK(f->get_tweet(b1)->like_count == 0);
  CHECK(f->home_timeline(bob, {})->items.size() == 2);  // bob's own two tweets only
  // The name is free again.
  CHECK(f->register_user("alice", "password456").ok());
  auto st = f->stats();
  REQUIRE(st.ok());
  CHECK(st->likes == 0);
  CHECK(st->follows == 0);
}

// Error paths of accounts, passwords, sessions and tokens: the password hasher
// refusing, and storage failing under each auth operation (LMDB fault hook,
// chirp/storage/faults.h). Each must answer an error, never a half-done change:
// no session without its index entry, no password changed without its
// sessions revoked, no account half-deleted, and all works once it clears.
#include <sodium.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "chirp/storage/faults.h"
#include "engine_fixture.h"
#include "passwords.h"

using namespace chirp;
using chirp::storage::faults::Call;
namespace faults = chirp::storage::faults;

namespace {

uint64_t session_count(engine::Engine& e) {
  auto s = e.stats();
  REQUIRE(s.ok());
  return s->sessions;
}

}  // namespace

TEST_CASE("password hasher: a hash libsodium refuses is an Internal error; verify never passes",
          "[auth]") {
  REQUIRE(sodium_init() >= 0);
  // opslimit 0 is below argon2id's minimum: every crypto_pwhash_str call fails,
  // including the dummy hash used for unknown users.
  engine::PasswordHasher broken(0, crypto_pwhash_MEMLIMIT_MIN, 2);
  auto h = broken.hash("password123");
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().code() == Code::kInternal);
  CHECK_FALSE(broken.verify("", "password123"));  // unknown user, and no dummy hash to compare with

  engine::PasswordHasher ok(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
                            100);  // slots clamped to 64
  auto good = ok.hash("password123");
  REQUIRE(good.ok());
  CHECK(good->rfind("$argon2id$", 0) == 0);
  CHECK(ok.verify(*good, "password123"));
  CHECK_FALSE(ok.verify(*good, "password124"));
  CHECK_FALSE(ok.verify("", "password123"));            // unknown user: dummy hash, always false
  CHECK_FALSE(ok.verify("not a hash", "password123"));  // a corrupt stored hash

  const std::string t1 = engine::new_token(), t2 = engine::new_token();
  CHECK(t1.size() == 43);
  CHECK(t1 != t2);
  CHECK(engine::token_hash(t1).size() == 32);
  CHECK(engine::token_hash(t1) == engine::token_hash(t1));
  CHECK(engine::token_hash(t1) != engine::token_hash(t2));
}

TEST_CASE("auth under storage faults: errors, nothing half-done, recovery", "[auth]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-auth-faults");
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  const uint64_t alice = f.user("alice");
  auto s1 = f->login("alice", "password123");
  REQUIRE(s1.ok());
  auto p1 = f->authenticate(s1->token);
  REQUIRE(p1.ok());

  SECTION("sign-up: a full disk refuses it and leaves no account or name behind") {
    faults::arm(Call::kCommit, ENOSPC);
    auto u = f->register_user("bob", "password123");
    REQUIRE_FALSE(u.ok());
    CHECK(u.status().code() == Code::kStorageFull);
    CHECK(f->find_user("bob").status().code() == Code::kNotFound);
    faults::arm(Call::kPut, MDB_MAP_FULL, 1,
                /*skip=*/1);  // the user record after the name (map at its limit? grows)
    auto again = f->register_user("bob", "password123");
    CHECK(again.ok());  // the map grew and the write was retried whole
    CHECK(f->find_user("bob").ok());
  }
  SECTION(
      "login: no read transaction is an error, not 'wrong password'; a refused session is not "
      "stored") {
    faults::arm(Call::kReadBegin, MDB_READERS_FULL);
    auto l = f->login("alice", "password123");
    REQUIRE_FALSE(l.ok());
    CHECK(l.status().code() == Code::kInternal);
    const uint64_t before = session_count(*f);
    faults::arm(Call::kPut, ENOSPC, 1, /*skip=*/1);  // the session's by-user entry
    auto refused = f->login("alice", "password123");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Code::kStorageFull);
    CHECK(session_count(*f) == before);  // not the by-hash half either
    CHECK(f->login("alice", "password123").ok());
    CHECK(session_count(*f) == before + 1);
  }
  SECTION("login of an account deleted meanwhile reads as bad credentials") {
    // The user record vanishes between the check and the write (kGet in the writer).
    faults::arm(Call::kGet, MDB_NOTFOUND, 1, /*skip=*/2);
    auto l = f->login("alice", "password123");
    REQUIRE_FALSE(l.ok());
    CHECK(l.status().code() == Code::kUnauthorized);
  }
  SECTION("authenticate: no read transaction is Internal (500), not a bad token (401)") {
    faults::arm(Call::kReadBegin, MDB_READERS_FULL);
    CHECK(f->authenticate(s1->token).status().code() == Code::kInternal);
    CHECK(f->authenticate(s1->token).ok());
    CHECK(f->authenticate("").status().code() == Code::kUnauthorized);
    CHECK(f->authenticate(std::string(129, 'a')).status().code() == Code::kUnauthorized);
  }
  SECTION("logout and revoke-all: a failed commit leaves the sessions valid") {
    auto s2 = f->login("alice", "password123");
    REQUIRE(s2.ok());
    faults::arm(Call::kCommit, EIO);
    CHECK(f->logout(*p1).code() == Code::kInternal);
    CHECK(f->authenticate(s1->token).ok());
    faults::arm(Call::kDel, EIO, 1, /*skip=*/1);  // the second half of a revocation
    CHECK(f->revoke_all_sessions(alice).code() == Code::kInternal);
    CHECK(f->authenticate(s1->token).ok());
    CHECK(f->authenticate(s2->token).ok());
    CHECK(f->revoke_all_sessions(alice).ok());
    CHECK(f->authenticate(s1->token).status().code() == Code::kUnauthorized);
    CHECK(f->authenticate(s2->token).status().code() == Code::kUnauthorized);
  }
  SECTION("change password: a refused write keeps the old password and the other sessions") {
    auto s2 = f->login("alice", "password123");
    REQUIRE(s2.ok());
    faults::arm(Call::kReadBegin, MDB_READERS_FULL);
    CHECK(f->change_password(*p1, "password123", "new-password-1").code() == Code::kInternal);
    faults::arm(Call::kCursorGet, EIO);  // revoking the other sessions fails
    CHECK(f->change_password(*p1, "password123", "new-password-1").code() == Code::kInternal);
    CHECK(f->login("alice", "password123").ok());
    CHECK_FALSE(f->login("alice", "new-password-1").ok());
    CHECK(f->authenticate(s2->token).ok());
    CHECK(f->change_password(*p1, "password123", "new-password-1").ok());
    CHECK(f->login("alice", "new-password-1").ok());
    CHECK(f->authenticate(s2->token).status().code() == Code::kUnauthorized);
    CHECK(f->authenticate(s1->token).ok());  // the caller's own session stays
  }
  SECTION("delete account: a failure part-way leaves the whole account") {
    const uint64_t bob = f.user("bob");
    REQUIRE(f->follow(bob, "alice").ok());
    REQUIRE(f->follow(alice, "bob").ok());
    const uint64_t tweet = f.post(alice, "a tweet of alice");
    REQUIRE(f->post_tweet(alice, "with a key", std::nullopt, "key-1")
                .ok());  // an idempotency key to remove
    REQUIRE(f->like(bob, tweet).ok());
    faults::arm(Call::kReadBegin, MDB_READERS_FULL);
    CHECK(f->delete_account(alice, "password123").code() == Code::kInternal);
    for (int skip : {0, 1, 2, 3, 5, 8}) {
      CAPTURE(skip);
      faults::arm(Call::kDel, EIO, 1, skip);
      CHECK(f->delete_account(alice, "password123").code() == Code::kInternal);
      faults::clear_all();
      CHECK(f->find_user("alice").ok());
      CHECK(f->get_tweet(tweet).ok());
      CHECK(f->is_following(bob, alice).value());
      CHECK(f->is_following(alice, bob).value());
      CHECK(f->has_liked(bob, tweet).value());
      CHECK(f->authenticate(s1->token).ok());
    }
    faults::arm(Call::kCursorDel, EIO);  // idempotency keys
    CHECK(f->delete_account(alice, "password123").code() == Code::kInternal);
    CHECK(f->find_user("alice").ok());
    CHECK(f->delete_account(alice, "password123").ok());
    CHECK(f->find_user("alice").status().code() == Code::kNotFound);
    CHECK(f->authenticate(s1->token).status().code() == Code::kUnauthorized);
  }
  SECTION("profile reads and updates") {
    faults::arm(Call::kReadBegin, MDB_READERS_FULL, 2);
    CHECK(f->get_user(alice).status().code() == Code::kInternal);
    CHECK(f->find_user("alice").status().code() == Code::kInternal);
    faults::arm(Call::kPut, ENOSPC);
    CHECK(f->update_profile(alice, std::string("Alice A."), std::nullopt).status().code() ==
          Code::kStorageFull);
    CHECK(f->get_user(alice)->display_name == "alice");
    faults::arm(Call::kGet, MDB_NOTFOUND, 1);  // the account vanished before the update
    CHECK(f->update_profile(alice, std::nullopt, std::string("bio")).status().code() ==
          Code::kNotFound);
    CHECK(f->update_profile(alice, std::string("Alice A."), std::string("bio")).ok());
    CHECK(f->get_user(alice)->display_name == "Alice A.");
  }
}

TEST_CASE("auth: missing accounts, failed lookups and a hasher that refuses", "[auth]") {
  faults::Scoped guard;
  SECTION("unknown ids and names are NotFound; lookup errors are errors") {
    testing::TempDir dir("chirp-auth-faults");
    testing::EngineFixture f(testing::options_without_search(dir.path()));
    const uint64_t alice = f.user("alice");
    auto s = f->login("alice", "password123");
    REQUIRE(s.ok());
    auto p = f->authenticate(s->token);
    REQUIRE(p.ok());
    engine::Principal ghost = *p;
    ghost.user_id = alice + 1000;
    CHECK(f->change_password(ghost, "password123", "new-password-1").code() == Code::kNotFound);
    CHECK(f->delete_account(alice + 1000, "password123").code() == Code::kNotFound);
    CHECK(f->get_user(alice + 1000).status().code() == Code::kNotFound);
    CHECK(f->find_user("").status().code() == Code::kNotFound);
    CHECK(f->find_user("a_name_longer_than_15").status().code() == Code::kNotFound);
    CHECK(f->update_profile(alice + 1000, std::string("x"), std::nullopt).status().code() ==
          Code::kNotFound);

    faults::arm(Call::kGet, EIO);
    CHECK(f->change_password(*p, "password123", "new-password-1").code() == Code::kInternal);
    faults::arm(Call::kGet, EIO);
    CHECK(f->delete_account(alice, "password123").code() == Code::kInternal);
    faults::arm(Call::kGet, EIO);
    CHECK(f->get_user(alice).status().code() == Code::kInternal);
    faults::arm(Call::kGet, EIO, 1, /*skip=*/1);  // the record after the name: an error, not absent
    CHECK(f->find_user("alice").status().code() == Code::kInternal);
    CHECK(f->find_user("alice").ok());
    // The account vanishes between the password check and the write.
    faults::arm(Call::kGet, MDB_NOTFOUND, 1, /*skip=*/1);
    CHECK(f->change_password(*p, "password123", "new-password-1").code() == Code::kNotFound);
    faults::arm(Call::kGet, MDB_NOTFOUND, 1, /*skip=*/1);
    CHECK(f->delete_account(alice, "password123").code() == Code::kNotFound);
    faults::arm(Call::kPut, ENOSPC);
    CHECK(f->change_password(*p, "password123", "new-password-1").code() == Code::kStorageFull);
    CHECK(f->login("alice", "password123").ok());  // unchanged
    CHECK(f->delete_account(alice, "wrong-password").code() == Code::kUnauthorized);
    CHECK(f->change_password(*p, "wrong-password", "new-password-1").code() == Code::kUnauthorized);
    CHECK(f->change_password(*p, "password123", "short").code() == Code::kUnprocessable);
    // An empty display name falls back to the username.
    auto u = f->update_profile(alice, std::string(""), std::nullopt);
    REQUIRE(u.ok());
    CHECK(u->display_name == "alice");
    // A taken name is refused before hashing; a failed early check still ends in Conflict.
    CHECK(f->register_user("ALICE", "password123").status().code() == Code::kConflict);
    faults::arm(Call::kReadBegin, MDB_READERS_FULL);
    CHECK(f->register_user("Alice", "password123").status().code() == Code::kConflict);
  }
  SECTION(
      "a password hasher libsodium refuses: sign-up and password change fail as Internal, nothing "
      "stored") {
    testing::TempDir dir("chirp-auth-faults");
    auto o = testing::options_without_search(dir.path());
    o.pwhash_opslimit = 0;  // below argon2id's minimum
    testing::EngineFixture f(o);
    auto u = f->register_user("bob", "password123");
    REQUIRE_FALSE(u.ok());
    CHECK(u.status().code() == Code::kInternal);
    CHECK(f->find_user("bob").status().code() == Code::kNotFound);
    CHECK(f->hash_password("password123").status().code() == Code::kInternal);
    CHECK(f->hash_password("short").status().code() == Code::kUnprocessable);
    CHECK(f->login("bob", "password123").status().code() == Code::kUnauthorized);
    CHECK(f->stats()->users == 0);
  }
}

// Expired sessions are removed from LMDB (issue 8): by Engine::sweep_expired_sessions,
// in write transactions that each look at no more than session_sweep_batch
// sessions and resume where the last one stopped, and by the background sweep.
// Live sessions stay, and the by-user index agrees with the sessions table.
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <thread>

#include "chirp/storage/faults.h"
#include "engine_fixture.h"

using namespace chirp;
using chirp::storage::faults::Call;
namespace faults = chirp::storage::faults;

namespace {

struct Counts {
  uint64_t by_hash = 0, by_user = 0;
};
Counts session_counts(engine::Engine& e) {
  storage::ReadTxn txn(*e.store().env);
  REQUIRE(txn.status().ok());
  return {e.store().sessions.count(txn.raw()), e.store().sessions.count_by_user(txn.raw())};
}

std::vector<std::string> login_n(engine::Engine& e, const std::string& name, int n) {
  std::vector<std::string> tokens;
  for (int i = 0; i < n; ++i) {
    auto s = e.login(name, "password123");
    REQUIRE(s.ok());
    tokens.push_back(s->token);
  }
  return tokens;
}

}  // namespace

TEST_CASE("session sweep: expired sessions go in bounded batches, live ones stay", "[sessions]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-session-sweep");
  auto o = testing::options_without_search(dir.path());
  o.session_sweep_batch = 16;
  std::vector<std::string> expired;
  {
    auto short_lived = o;
    short_lived.session_ttl_ms = 0;  // every session is expired the moment it is made
    testing::EngineFixture f(short_lived);
    f.user("alice");
    f.user("bob");
    auto a = login_n(*f, "alice", 40), b = login_n(*f, "bob", 30);
    expired.insert(expired.end(), a.begin(), a.end());
    expired.insert(expired.end(), b.begin(), b.end());
    CHECK(f->authenticate(a[0]).status().code() == Code::kUnauthorized);
  }
  testing::EngineFixture f(o);  // 30-day sessions from here on
  const uint64_t alice = f->find_user("alice")->id;
  auto live = login_n(*f, "alice", 5), bob_live = login_n(*f, "bob", 5);
  live.insert(live.end(), bob_live.begin(), bob_live.end());
  REQUIRE(session_counts(*f).by_hash == 80);
  REQUIRE(session_counts(*f).by_user == 80);

  // Two batches: 32 sessions looked at, the rest waits for the next call.
  auto first = f->sweep_expired_sessions(2);
  REQUIRE(first.ok());
  CHECK(first->batches == 2);
  CHECK(first->scanned == 32);
  CHECK_FALSE(first->pass_done);
  CHECK(session_counts(*f).by_hash == 80 - first->removed);

  // A failing batch is an error and moves nothing; the next call resumes.
  faults::arm(Call::kCursorGet, EIO);
  CHECK(f->sweep_expired_sessions(1).status().code() == Code::kInternal);
  faults::arm(Call::kDel, EIO, 1, /*skip=*/1);  // the by-user half of a removal
  auto refused = f->sweep_expired_sessions(1);
  CHECK(refused.status().code() == Code::kInternal);
  CHECK(session_counts(*f).by_hash == 80 - first->removed);
  CHECK(session_counts(*f).by_user == 80 - first->removed);

  // The rest of the pass: 48 sessions, three more batches of at most 16.
  auto rest = f->sweep_expired_sessions(100);
  REQUIRE(rest.ok());
  CHECK(rest->batches == 3);
  CHECK(rest->scanned == 48);
  CHECK(rest->pass_done);
  CHECK(first->removed + rest->removed == 70);
  CHECK(session_counts(*f).by_hash == 10);
  CHECK(session_counts(*f).by_user == 10);
  CHECK(f->stats().sessions == 10);
  for (const std::string& t : live) CHECK(f->authenticate(t).ok());
  for (const std::string& t : expired) CHECK(f->authenticate(t).status().code() == Code::kUnauthorized);

  // The next call starts a new pass: nothing more to remove.
  auto again = f->sweep_expired_sessions(100);
  REQUIRE(again.ok());
  CHECK(again->removed == 0);
  CHECK(again->scanned == 10);
  CHECK(again->batches == 1);
  CHECK(again->pass_done);

  // The by-user index still revokes exactly the user's sessions.
  REQUIRE(f->revoke_all_sessions(alice).ok());
  CHECK(session_counts(*f).by_hash == 5);
  CHECK(session_counts(*f).by_user == 5);
  for (size_t i = 0; i < 5; ++i) CHECK_FALSE(f->authenticate(live[i]).ok());
  for (size_t i = 5; i < 10; ++i) CHECK(f->authenticate(live[i]).ok());
}

TEST_CASE("session sweep: the background sweep removes expired sessions by itself", "[sessions]") {
  testing::TempDir dir("chirp-session-sweep");
  auto o = testing::options_without_search(dir.path());
  o.session_ttl_ms = 0;
  o.session_sweep_interval_ms = 10;
  o.session_sweep_batch = 4;
  o.session_sweep_batches = 2;
  testing::EngineFixture f(o);
  f.user("alice");
  login_n(*f, "alice", 20);
  // No timing assertion: wait (up to a generous deadline) for it to happen.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (session_counts(*f).by_hash > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(session_counts(*f).by_hash == 0);
  CHECK(session_counts(*f).by_user == 0);
}

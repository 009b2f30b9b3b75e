// Expired sessions are removed from LMDB (issue 8): by Engine::sweep_expired_sessions,
// in batches that each look at no more than session_sweep_batch sessions and
// resume where the last one stopped, and by the background sweep. Live
// sessions stay, and the by-user index agrees with the sessions table. A
// batch that finds nothing expired writes nothing (no write transaction, no
// commit), and only engines opened with EngineOptions::session_sweeper run the
// background sweep (chirpd all-in-one and users; not chirpctl, tweets, search).
#include <catch2/catch.hpp>
#include <lmdb.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
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

// The id of the last committed LMDB write transaction: moves with every commit.
size_t last_txnid(engine::Engine& e) {
  MDB_envinfo info;
  REQUIRE(mdb_env_info(e.store().env->raw(), &info) == 0);
  return info.me_last_txnid;
}

// Threads of this process named like the background sweep (pthread_setname_np).
int sweeper_threads() {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    n += name == "session-sweep" ? 1 : 0;
  }
  return n;
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
  CHECK(rest->writes == 3);  // each batch held expired sessions
  CHECK(rest->scanned == 48);
  CHECK(rest->pass_done);
  CHECK(first->removed + rest->removed == 70);
  CHECK(session_counts(*f).by_hash == 10);
  CHECK(session_counts(*f).by_user == 10);
  CHECK(f->stats()->sessions == 10);
  for (const std::string& t : live) CHECK(f->authenticate(t).ok());
  for (const std::string& t : expired) CHECK(f->authenticate(t).status().code() == Code::kUnauthorized);

  // The next call starts a new pass: nothing more to remove.
  auto again = f->sweep_expired_sessions(100);
  REQUIRE(again.ok());
  CHECK(again->removed == 0);
  CHECK(again->scanned == 10);
  CHECK(again->batches == 1);
  CHECK(again->writes == 0);
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
  o.session_sweeper = true;
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

TEST_CASE("session sweep: a sweep that finds nothing expired writes nothing", "[sessions]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-session-sweep");
  auto o = testing::options_without_search(dir.path());
  o.session_sweep_batch = 4;
  testing::EngineFixture f(o);
  // An empty table, then 10 live sessions (3 batches of at most 4).
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    if (round == 1) {
      f.user("alice");
      login_n(*f, "alice", 10);
    }
    const size_t txnid = last_txnid(*f);
    // Any write transaction would fail now: the sweep must not begin one.
    faults::arm(Call::kWriteBegin, EIO, -1);
    for (int i = 0; i < 3; ++i) {
      auto r = f->sweep_expired_sessions(100);
      REQUIRE(r.ok());
      CHECK(r->removed == 0);
      CHECK(r->writes == 0);
      CHECK(r->scanned == (round == 0 ? 0u : 10u));
      CHECK(r->batches == (round == 0 ? 1u : 3u));
      CHECK(r->pass_done);
    }
    CHECK(faults::fired(Call::kWriteBegin) == 0);
    faults::clear_all();
    CHECK(last_txnid(*f) == txnid);  // no commit
    CHECK(session_counts(*f).by_hash == (round == 0 ? 0u : 10u));
  }

  // Expired sessions are still removed: only batches holding some write.
  std::vector<std::string> expired;
  {
    f.engine.reset();
    auto short_lived = o;
    short_lived.session_ttl_ms = 0;
    testing::EngineFixture g(short_lived);
    expired = login_n(*g, "alice", 3);
  }
  auto reopened = engine::Engine::open(o);
  REQUIRE(reopened.ok());
  f.engine = std::move(reopened).value();
  REQUIRE(session_counts(*f).by_hash == 13);
  const size_t txnid = last_txnid(*f);
  auto r = f->sweep_expired_sessions(100);
  REQUIRE(r.ok());
  CHECK(r->removed == 3);
  CHECK(r->scanned == 13);
  CHECK(r->batches == 4);
  CHECK(r->writes >= 1);
  CHECK(r->writes <= 3);  // the 3 expired sessions lie in 1 to 3 of the 4 batches
  CHECK(last_txnid(*f) == txnid + r->writes);
  CHECK(session_counts(*f).by_hash == 10);
  CHECK(session_counts(*f).by_user == 10);
  for (const std::string& t : expired) CHECK(f->authenticate(t).status().code() == Code::kUnauthorized);
  // And then nothing more to write.
  auto after = f->sweep_expired_sessions(100);
  REQUIRE(after.ok());
  CHECK(after->writes == 0);
  CHECK(last_txnid(*f) == txnid + r->writes);
}

TEST_CASE("session sweep: the background sweep runs only where EngineOptions::session_sweeper asks", "[sessions]") {
  testing::TempDir dir("chirp-session-sweep");
  REQUIRE(sweeper_threads() == 0);
  {
    // Defaults (chirpctl, tweets and search roles): no sweeper thread.
    engine::EngineOptions o;
    o.data_dir = dir.path();
    o.search = false;
    auto e = engine::Engine::open(o);
    REQUIRE(e.ok());
    CHECK_FALSE((*e)->options().session_sweeper);
    CHECK(sweeper_threads() == 0);
  }
  {
    // chirpd all-in-one and users: one, gone with the engine.
    engine::EngineOptions o;
    o.data_dir = dir.path();
    o.search = false;
    o.session_sweeper = true;
    auto e = engine::Engine::open(o);
    REQUIRE(e.ok());
    CHECK(sweeper_threads() == 1);
  }
  CHECK(sweeper_threads() == 0);
}

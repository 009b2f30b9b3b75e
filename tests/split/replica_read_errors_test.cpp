// Split mode, issue 8: a consumer whose stored position (or the identity of
// the log it counts in) cannot be read must not follow the producer from
// seq 0 as if nothing had been applied: LogFollower reads nothing from the
// producer until the position reads, reports the failure as its health
// (GET /ready: <log>_log_reachable 0), and resumes from the stored position
// once the read works. Faults: chirp/storage/faults.h (mdb_get fails).
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "../support/temp_dir.h"
#include "follower_test_util.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "chirp/engine/log_follower.h"
#include "chirp/storage/faults.h"

using namespace chirp;
using engine::Engine;
using split_test::eventually;
using split_test::ready_field;
namespace faults = chirp::storage::faults;

namespace {

std::unique_ptr<Engine> open_engine(const std::string& dir) {
  auto o = engine::EngineOptions::for_tests(dir);
  o.search = false;  // no feeder reading the store while faults are armed
  auto e = Engine::open(o);
  REQUIRE(e.ok());
  return std::move(e).value();
}

// The producer's log, recording the position of every read.
struct RecordingSource {
  explicit RecordingSource(const Engine& e) : producer(e) {}
  const Engine& producer;
  std::mutex mu;
  std::vector<uint64_t> afters;  // guarded by mu
  engine::ChangeSource source() {
    engine::ChangeSource s;
    s.read = [this](uint64_t after, size_t limit) {
      {
        std::lock_guard<std::mutex> lock(mu);
        afters.push_back(after);
      }
      return producer.changes_after(after, limit);
    };
    s.wait = [](uint64_t, std::chrono::milliseconds t) {
      std::this_thread::sleep_for(std::min(t, std::chrono::milliseconds(10)));
    };
    return s;
  }
  std::vector<uint64_t> reads() {
    std::lock_guard<std::mutex> lock(mu);
    return afters;
  }
};

}  // namespace

TEST_CASE("replica: a failed read of the stored position is not position 0", "[replica][read_errors]") {
  faults::Scoped guard;
  testing::TempDir udir("chirp-replica-read-errors"), tdir("chirp-replica-read-errors");
  auto users = open_engine(udir.path());
  auto tweets = open_engine(tdir.path());
  for (const char* name : {"alice", "bob", "carol"}) REQUIRE(users->register_user(name, "password123").ok());
  RecordingSource src(*users);
  const uint32_t scope = engine::kReplicaUsers | engine::kReplicaFollows;
  {
    engine::LogFollower f(*tweets, "users", scope, src.source());
    f.start();
    REQUIRE(eventually([&] { return f.position() == users->last_change_seq(); }));
  }
  const uint64_t applied = users->last_change_seq();
  REQUIRE(*tweets->replica_position("users") == applied);
  REQUIRE(users->register_user("dave", "password123").ok());
  REQUIRE(users->last_change_seq() > applied);

  // Restarted while every mdb_get fails: the stored position cannot be read.
  src.afters.clear();
  faults::arm(faults::Call::kGet, EIO, -1);
  engine::LogFollower f(*tweets, "users", scope, src.source());
  f.start();
  REQUIRE(eventually([&] { return !f.health().ok(); }));
  auto readiness = api::make_engine_readiness(*tweets, 10000, {&f});
  CHECK(ready_field(readiness(), "users_log_reachable") == 0);
  // Give the loop a few more attempts: still nothing read from the producer.
  REQUIRE(eventually([&] { return faults::fired(faults::Call::kGet) >= 4; }));
  CHECK(f.health().code() == Code::kInternal);
  for (uint64_t after : src.reads()) CHECK(after >= applied);  // never from 0
  faults::clear_all();

  // Once the position reads: resumes from it, and follows the new change.
  REQUIRE(eventually([&] { return f.position() == users->last_change_seq(); }));
  CHECK(f.health().ok());
  CHECK(ready_field(readiness(), "users_log_reachable") == 1);
  auto reads = src.reads();
  REQUIRE_FALSE(reads.empty());
  CHECK(reads.front() == applied);
  for (uint64_t after : reads) CHECK(after >= applied);
  CHECK(tweets->find_user("dave").ok());
  CHECK(*tweets->replica_position("users") == users->last_change_seq());
}

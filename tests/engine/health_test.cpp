// Engine::health() (GET /ready) and the writer's answer to a full map or disk,
// through the LMDB fault hook (chirp/storage/faults.h). No search index here:
// its feeder would read the store from another thread while faults are armed.
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

// While writes fail, health() probes the disk once no write failed for 2 s.
engine::Engine::Health health_after_probe_interval(engine::Engine& e) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  return e.health();
}

}  // namespace

TEST_CASE("health: failing commits make storage unhealthy until the disk works again", "[health]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-health");
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  const uint64_t alice = f.user("alice");
  f.post(alice, "before the fault");
  auto h = f->health();
  CHECK(h.storage.ok());
  CHECK(h.search.ok());  // no index: nothing to be unhealthy
  const uint64_t seq = h.change_seq;
  CHECK(seq >= 2);

  faults::arm(Call::kCommit, EIO, -1);  // a disk that fails every write (EROFS, EIO)
  auto t = f->post_tweet(alice, "during the fault");
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == Code::kInternal);
  h = f->health();  // the failure is fresh: reported as is
  CHECK(h.storage.code() == Code::kInternal);
  CHECK(h.change_seq == seq);  // nothing was logged
  CHECK(health_after_probe_interval(*f).storage.code() == Code::kInternal);
  const uint64_t probes = faults::fired(Call::kCommit);
  CHECK(probes >= 2);  // the post and at least one probe

  faults::clear_all();  // the disk recovers; no client writes: the probe sees it
  CHECK(health_after_probe_interval(*f).storage.ok());
  CHECK(f->post_tweet(alice, "after the fault").ok());
  CHECK(f->health().change_seq == seq + 1);
  auto page = f->user_tweets("alice", {});
  REQUIRE(page.ok());
  CHECK(page->items.size() == 2);  // the refused post is not there
}

TEST_CASE("health: a full disk is StorageFull and never grows the map; a full map grows once",
          "[health]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-health");
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  const uint64_t alice = f.user("alice");
  const uint64_t map = f->stats()->map_size;

  faults::arm(Call::kCommit, ENOSPC, -1);
  for (int i = 0; i < 3; ++i) {
    auto t = f->post_tweet(alice, "disk full " + std::to_string(i));
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == Code::kStorageFull);
  }
  CHECK(f->stats()->map_size == map);         // was doubled up to max_map_size on every refusal
  CHECK(faults::fired(Call::kCommit) == 3);  // one attempt per write: it fails fast
  CHECK(f->health().storage.code() == Code::kStorageFull);
  faults::clear_all();

  // MDB_MAP_FULL from the commit: the writer grows the map and the same write commits.
  faults::arm(Call::kCommit, MDB_MAP_FULL, 1);
  auto t = f->post_tweet(alice, "map full once");
  REQUIRE(t.ok());
  CHECK(f->stats()->map_size == 2 * map);
  CHECK(f->health().storage.ok());
  auto page = f->user_tweets("alice", {});
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].text == "map full once");
}

TEST_CASE("health: a write that cannot begin is refused and reported", "[health]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-health");
  testing::EngineFixture f(testing::options_without_search(dir.path()));
  const uint64_t alice = f.user("alice");
  faults::arm(Call::kWriteBegin, MDB_READERS_FULL, 1);
  CHECK(f->post_tweet(alice, "no transaction").status().code() == Code::kInternal);
  CHECK(f->health().storage.code() == Code::kInternal);  // a fresh failure: no probe yet
  CHECK(health_after_probe_interval(*f).storage.ok());   // the probe found the disk working again
  CHECK(f->store().env->write_health().ok());
  CHECK(f->post_tweet(alice, "a transaction").ok());
  CHECK(f->health().storage.ok());
}

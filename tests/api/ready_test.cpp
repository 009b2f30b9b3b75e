// GET /ready over a real engine (direct dispatch, no socket): 503 in the API's
// JSON error shape while LMDB writes fail (LMDB fault hook,
// chirp/storage/faults.h), 200 again once the disk works, without any client
// write; split mode adds each log follower's position and reachability.
#include <rapidjson/document.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "chirp/api/server.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "chirp/engine/log_follower.h"
#include "chirp/storage/faults.h"

using namespace chirp;
using namespace chirp::api;
namespace faults = chirp::storage::faults;
namespace fs = std::filesystem;

namespace {

struct ReadyEnv {
  std::string dir;
  std::unique_ptr<engine::Engine> engine;

  explicit ReadyEnv(bool search) {
    char tmpl[] = "/tmp/chirp-ready-test-XXXXXX";
    dir = mkdtemp(tmpl);
    auto o = engine::EngineOptions::for_tests(dir + "/data");
    o.search = search;
    auto e = engine::Engine::open(o);
    REQUIRE(e.ok());
    engine = std::move(e).value();
  }
  ~ReadyEnv() {
    engine.reset();
    fs::remove_all(dir);
  }
};

std::unique_ptr<Dispatcher> dispatcher(ReadinessCheck check) {
  ServerConfig c;
  c.serve_web = false;
  c.readiness = std::move(check);
  c.logger = std::make_shared<spdlog::logger>("test.ready",
                                              std::make_shared<spdlog::sinks::null_sink_mt>());
  return std::make_unique<Dispatcher>(c, std::vector<RouteTable>{});
}

rapidjson::Document get_ready(Dispatcher& d, int* status) {
  HttpRequest req;
  req.path = "/ready";
  req.peer_ip = "127.0.0.1";
  HttpResponse r = d.handle(req);
  *status = r.status;
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

}  // namespace

TEST_CASE("/ready answers 503 while LMDB writes fail and 200 once the disk works again",
          "[ready]") {
  faults::Scoped guard;
  ReadyEnv env(/*search=*/false);
  auto d = dispatcher(make_engine_readiness(*env.engine));
  auto u = env.engine->register_user("alice", "password123");
  REQUIRE(u.ok());
  int st = 0;
  auto body = get_ready(*d, &st);
  CHECK(st == 200);
  CHECK(std::string(body["status"].GetString()) == "ready");
  CHECK(body["change_seq"].GetInt64() == 1);

  for (int rc : {ENOSPC, EIO}) {
    CAPTURE(rc);
    faults::arm(faults::Call::kCommit, rc,
                -1);  // a full disk, then one that fails (EIO, read-only)
    CHECK_FALSE(env.engine->post_tweet(u->id, "refused").ok());
    body = get_ready(*d, &st);
    CHECK(st == 503);
    REQUIRE(body.HasMember("error"));
    CHECK(std::string(body["error"]["code"].GetString()) == "unavailable");
    const std::string msg = body["error"]["message"].GetString();
    CHECK(msg == std::string("storage cannot commit writes (") +
                     (rc == ENOSPC ? "storage_full" : "internal") + ")");
    CHECK(msg.find("Input/output") == std::string::npos);  // no internals
    faults::clear_all();
    // No client writes: 2 s after the last failure, readiness's own probe sees the disk back.
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    body = get_ready(*d, &st);
    CHECK(st == 200);
  }
  CHECK(env.engine->post_tweet(u->id, "after").ok());
}

TEST_CASE("/ready with a search index reports its lag; split mode reports its peers", "[ready]") {
  ReadyEnv env(/*search=*/true);
  auto u = env.engine->register_user("bob", "password123");
  REQUIRE(u.ok());
  REQUIRE(env.engine->wait_until_searchable(env.engine->last_change_seq(), std::chrono::seconds(10))
              .ok());

  // A follower whose peer never answers, and one whose peer has nothing new.
  engine::ChangeSource down;
  down.read = [](uint64_t, size_t) -> Result<std::vector<storage::ChangeRecord>> {
    return Status::Unavailable("tweets service unreachable");
  };
  down.wait = [](uint64_t, std::chrono::milliseconds t) {
    std::this_thread::sleep_for(std::min(t, std::chrono::milliseconds(20)));
  };
  engine::ChangeSource idle;
  idle.read = [](uint64_t, size_t) -> Result<std::vector<storage::ChangeRecord>> {
    return std::vector<storage::ChangeRecord>{};
  };
  idle.wait = down.wait;
  engine::LogFollower tweets_log(*env.engine, "tweets", engine::kReplicaTweetCounts, down);
  engine::LogFollower users_log(*env.engine, "users", engine::kReplicaUsers, idle);
  tweets_log.start();
  users_log.start();
  for (int i = 0; i < 200 && (tweets_log.health().ok() || !users_log.health().ok()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));

  auto d =
      dispatcher(make_engine_readiness(*env.engine, 10000, {&users_log, &tweets_log, nullptr}));
  int st = 0;
  auto body = get_ready(*d, &st);
  CHECK(st == 200);  // an unreachable peer is reported, not fatal (roles follow each other)
  CHECK(body["index_lag"].GetInt64() == 0);
  CHECK(body["searchable_seq"].GetInt64() == body["change_seq"].GetInt64());
  CHECK(body["tweets_log_reachable"].GetInt64() == 0);
  CHECK(body["users_log_reachable"].GetInt64() == 1);
  CHECK(body["tweets_log_seq"].GetInt64() == 0);
  tweets_log.stop();
  users_log.stop();

  // Behind by more than max_lag: 503 "catching up".
  env.engine->pause_search();
  REQUIRE(env.engine->register_user("carol", "password123").ok());
  auto strict = dispatcher(make_engine_readiness(*env.engine, 0));
  body = get_ready(*strict, &st);
  CHECK(st == 503);
  CHECK(std::string(body["error"]["message"].GetString()) == "the search index is catching up");
}

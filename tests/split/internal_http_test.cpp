// The internal surface over real HTTP on loopback: a users engine serving
// /internal/v1/* (internal.h), read by the libcurl clients the roles use.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "../support/temp_dir.h"
#include "chirp/api/internal.h"
#include "chirp/api/server.h"
#include "chirp/engine/engine.h"

using namespace chirp;

namespace {

const std::string kSecret = "a-test-secret-of-some-length";

// A users service on a free port whose token checks are counted.
struct UsersService {
  chirp::testing::TempDir dir;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<api::Server> server;
  std::shared_ptr<std::atomic<int>> checks = std::make_shared<std::atomic<int>>(0);

  UsersService() {
    auto o = engine::EngineOptions::for_tests(dir.sub("users"));
    o.search = false;
    auto e = engine::Engine::open(o);
    REQUIRE(e.ok());
    engine = std::move(e).value();
    api::RouteTable t = api::make_internal_table(*engine, kSecret, true);
    for (auto& r : t.routes)
      if (r.pattern == "/internal/v1/auth/check")
        r.handler = [inner = r.handler, n = checks](const api::HttpRequest& q, api::RequestContext& c) {
          ++*n;
          return inner(q, c);
        };
    api::ServerConfig c;
    c.host = "127.0.0.1";
    c.port = 0;
    c.threads = 1;
    c.serve_web = false;
    c.rate_limit.enabled = false;
    c.logger = std::make_shared<spdlog::logger>("test.internal", std::make_shared<spdlog::sinks::null_sink_mt>());
    server = std::make_unique<api::Server>(c, std::vector<api::RouteTable>{std::move(t)});
    REQUIRE(server->start().ok());
  }
  ~UsersService() {
    server->shutdown();
    server.reset();
    engine.reset();
  }
  api::PeerOptions peer(const std::string& secret = kSecret) const {
    api::PeerOptions p;
    p.base_url = "http://127.0.0.1:" + std::to_string(server->port());
    p.secret = secret;
    p.timeout = std::chrono::milliseconds(3000);
    return p;
  }
};

}  // namespace

TEST_CASE("a token is checked with the users service at most once per TTL", "[split][auth]") {
  UsersService users;
  REQUIRE(users.engine->register_user("alice", "password123").ok());
  auto session = users.engine->login("alice", "password123");
  REQUIRE(session.ok());

  api::TokenCheckOptions o;
  o.users = users.peer();
  o.ttl = std::chrono::seconds(1);
  std::atomic<uint64_t> settled{0};
  o.settle = [&](uint64_t seq) { settled = seq; };
  api::Authenticator auth = api::make_remote_authenticator(o);

  for (int i = 0; i < 25; ++i) {
    auto p = auth(session->token);
    REQUIRE(p.ok());
    CHECK(p->user_id == session->user.id);
  }
  CHECK(users.checks->load() == 1);
  CHECK(settled.load() == users.engine->last_change_seq());  // the replica is told how far to catch up

  // Bad tokens are cached too (a guessing client cannot hammer the users service).
  for (int i = 0; i < 10; ++i) CHECK(auth("not-a-token").status().code() == Code::kUnauthorized);
  CHECK(users.checks->load() == 2);

  // Logout: still honoured from the cache until the TTL passes, refused after it.
  auto p = users.engine->authenticate(session->token);
  REQUIRE(p.ok());
  REQUIRE(users.engine->logout(*p).ok());
  CHECK(auth(session->token).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(auth(session->token).status().code() == Code::kUnauthorized);
  CHECK(users.checks->load() == 3);
}

TEST_CASE("the token check fails closed when the users service is wrong or away", "[split][auth]") {
  UsersService users;
  REQUIRE(users.engine->register_user("alice", "password123").ok());
  auto session = users.engine->login("alice", "password123");
  REQUIRE(session.ok());
  api::TokenCheckOptions o;
  o.users = users.peer("a-wrong-secret-of-some-length");
  auto wrong = api::make_remote_authenticator(o);
  // A wrong secret is a configuration error, never "this token is invalid".
  CHECK(wrong(session->token).status().code() == Code::kUnavailable);

  api::PeerOptions gone = users.peer();
  users.server->shutdown();
  o.users = gone;
  auto away = api::make_remote_authenticator(o);
  CHECK(away(session->token).status().code() == Code::kUnavailable);
}

TEST_CASE("the HTTP change source pages through a peer's log", "[split][changes]") {
  UsersService users;
  for (const char* name : {"alice", "bob", "carol"}) REQUIRE(users.engine->register_user(name, "password123").ok());
  REQUIRE(users.engine->follow(users.engine->find_user("bob")->id, "alice").ok());
  engine::ChangeSource src = api::http_change_source(users.peer());
  std::vector<storage::ChangeRecord> all;
  uint64_t after = 0;
  for (int i = 0; i < 10; ++i) {
    auto page = src.read(after, 2);
    REQUIRE(page.ok());
    if (page->empty()) break;
    CHECK(page->size() <= 2);
    all.insert(all.end(), page->begin(), page->end());
    after = page->back().seq;
  }
  REQUIRE(all.size() == 4);
  CHECK(all[0].kind == storage::ChangeRecord::kUserCreated);
  CHECK(all[0].username == "alice");
  CHECK(all[3].kind == storage::ChangeRecord::kFollowed);
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i].seq == i + 1);  // gapless

  // Each page names the log it comes from: its identity and last seq.
  engine::LogMark mark;
  auto marked = src.read_marked(1, 2, &mark);
  REQUIRE(marked.ok());
  CHECK(marked->size() == 2);
  CHECK(mark.known);
  CHECK(mark.log_id == users.engine->log_id());
  CHECK(mark.log_id.size() == 32);
  CHECK(mark.last_seq == 4);

  auto refused = api::http_change_source(users.peer("a-wrong-secret-of-some-length")).read(0, 10);
  CHECK_FALSE(refused.ok());
  api::PeerOptions gone = users.peer();
  users.server->shutdown();
  CHECK(api::http_change_source(gone).read(0, 10).status().code() == Code::kUnavailable);
}

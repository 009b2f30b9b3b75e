// Issue 8 for the viewer's flags: GET routes that show liked / viewer_follows
// answer 500 in the JSON error shape when that read fails, never
// liked:false / viewer_follows:false. Direct dispatch over a real engine (no
// socket, so the requests' LMDB reads run in a known order) with the LMDB
// fault hook (chirp/storage/faults.h): each request is repeated with the one
// failing mdb_get moved one read later each time, until it runs clean; every
// run where the fault fired must be a 500.
#include <rapidjson/document.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <string>

#include "chirp/api/server.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "chirp/storage/faults.h"

using namespace chirp;
using namespace chirp::api;
namespace faults = chirp::storage::faults;
using faults::Call;

namespace {

struct ViewerEnv {
  std::string dir;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<Dispatcher> dispatcher;

  ViewerEnv() {
    char tmpl[] = "/tmp/chirp-viewer-errors-XXXXXX";
    dir = ::mkdtemp(tmpl);
    auto o = engine::EngineOptions::for_tests(dir + "/data");
    o.search = false;
    auto e = engine::Engine::open(o);
    REQUIRE(e.ok());
    engine = std::move(e).value();
    ServerConfig c;
    c.serve_web = false;
    c.rate_limit.enabled = false;
    c.authenticator = make_engine_authenticator(*engine);
    c.logger = std::make_shared<spdlog::logger>("test.viewer_errors", std::make_shared<spdlog::sinks::null_sink_mt>());
    dispatcher = std::make_unique<Dispatcher>(c, std::vector<RouteTable>{make_users_table(*engine),
                                                                          make_tweets_table(*engine)});
  }
  ~ViewerEnv() {
    dispatcher.reset();
    engine.reset();
    std::filesystem::remove_all(dir);
  }
  HttpResponse get(const std::string& path, const std::string& token) {
    const std::string auth = "Bearer " + token;
    HttpRequest req;
    req.path = path;
    req.peer_ip = req.client_ip = "127.0.0.1";
    req.headers.push_back({"Authorization", auth});
    return dispatcher->handle(req);
  }
};

// GET `path` as `token` with the (skip+1)-th mdb_get failing, skip = 0, 1, ...
// until a run no fault reaches: that one answers 200 with `field` true in
// `object` (the last read of the request); every earlier one a 500.
void check_every_read(ViewerEnv& env, const std::string& path, const std::string& token, const char* field) {
  faults::Scoped guard;
  int faulted = 0;
  for (int skip = 0; skip < 64; ++skip) {
    CAPTURE(path, skip);
    faults::arm(Call::kGet, EIO, 1, skip);
    HttpResponse r = env.get(path, token);
    const bool fired = faults::fired(Call::kGet) == 1;
    faults::clear_all();
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    REQUIRE_FALSE(d.HasParseError());
    if (fired) {
      ++faulted;
      CHECK(r.status == 500);
      REQUIRE(d.HasMember("error"));
      CHECK(std::string(d["error"]["code"].GetString()) == "internal");
      continue;
    }
    REQUIRE(r.status == 200);
    const rapidjson::Value& obj = d.HasMember("items") ? d["items"][0] : d;
    REQUIRE(obj.HasMember(field));
    CHECK(obj[field].GetBool());
    CHECK(faulted >= 2);  // the session, ..., the flag's own read
    return;
  }
  FAIL("the request never ran clean");
}

}  // namespace

TEST_CASE("viewer flags: a failed liked / follows read is a 500, never false", "[read_errors]") {
  ViewerEnv env;
  REQUIRE(env.engine->register_user("alice", "password123").ok());
  auto bob = env.engine->register_user("bob", "password123");
  REQUIRE(bob.ok());
  auto alice = env.engine->find_user("alice");
  REQUIRE(alice.ok());
  auto t = env.engine->post_tweet(alice->id, "hello");
  REQUIRE(t.ok());
  REQUIRE(env.engine->follow(bob->id, "alice").ok());
  REQUIRE(env.engine->like(bob->id, t->id).ok());
  auto s = env.engine->login("bob", "password123");
  REQUIRE(s.ok());
  const std::string tid = std::to_string(t->id);

  check_every_read(env, "/api/v1/users/alice", s->token, "viewer_follows");
  check_every_read(env, "/api/v1/users/bob/following", s->token, "viewer_follows");
  check_every_read(env, "/api/v1/tweets/alice/" + tid, s->token, "viewer_liked");
  check_every_read(env, "/api/v1/tweets/alice", s->token, "viewer_liked");
  check_every_read(env, "/api/v1/tweets", s->token, "viewer_liked");
  check_every_read(env, "/api/v1/timeline", s->token, "viewer_liked");
}

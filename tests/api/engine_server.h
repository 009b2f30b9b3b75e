// A real Engine in a temporary folder behind a real Server on 127.0.0.1 and an
// OS-chosen port, with the public route tables: the loopback fixture of the
// routes and late-reply suites. Tests adjust `options` before start() and the
// ServerConfig through `tweak`; stop() + start() is a restart on the same folder.
#pragma once

#include <catch2/catch.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chirp/api/server.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"

namespace chirp::test {

struct EngineServer {
  std::string dir;
  engine::EngineOptions options;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<api::Server> server;
  int port = 0;
  // Optional: adjusts the route tables before the server gets them (e.g.
  // split mode's wait_for_consumers_on_writes).
  std::function<void(std::vector<api::RouteTable>&)> wrap_tables;

  explicit EngineServer(const std::string& name) {
    std::string tmpl = "/tmp/chirp-" + name + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    options = engine::EngineOptions::for_tests(dir + "/data");
  }
  EngineServer(const EngineServer&) = delete;
  EngineServer& operator=(const EngineServer&) = delete;
  ~EngineServer() {
    stop();
    std::filesystem::remove_all(dir);
  }

  // Opens the engine and serves users, tweets and (with options.search) search
  // routes: 2 server threads, no web app, no rate limits, a silent logger.
  void start(const std::function<void(api::ServerConfig&)>& tweak = {}) {
    auto e = engine::Engine::open(options);
    REQUIRE(e.ok());
    engine = std::move(e).value();
    api::ServerConfig c;
    c.host = "127.0.0.1";
    c.port = 0;
    c.threads = 2;
    c.serve_web = false;
    c.rate_limit.enabled = false;
    c.authenticator = api::make_engine_authenticator(*engine);
    c.readiness = api::make_engine_readiness(*engine);
    c.logger = std::make_shared<spdlog::logger>("test." + std::filesystem::path(dir).filename().string(),
                                                std::make_shared<spdlog::sinks::null_sink_mt>());
    if (tweak) tweak(c);
    std::vector<api::RouteTable> tables{api::make_users_table(*engine), api::make_tweets_table(*engine)};
    if (options.search) tables.push_back(api::make_search_table(*engine));
    if (wrap_tables) wrap_tables(tables);
    server = std::make_unique<api::Server>(c, std::move(tables));
    REQUIRE(server->start().ok());
    port = server->port();
  }
  void stop() {
    if (server) server->shutdown();
    server.reset();
    engine.reset();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

}  // namespace chirp::test

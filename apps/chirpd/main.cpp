// chirpd: parses the command line, opens the engine on --data-dir, starts the
// HTTP server with the route tables of its role and stops gracefully on
// SIGINT / SIGTERM (stop accepting, finish in-flight requests, flush the
// search index, close storage).
//
// Signals are blocked before any thread starts, so every server thread
// inherits the mask and only this thread receives them, through sigwait.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "chirp/api/internal.h"
#include "chirp/api/logging.h"
#include "chirp/api/options.h"
#include "chirp/api/server.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "chirp/engine/log_follower.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = chirp::api::parse_chirpd_options(args, [](const char* name) { return std::getenv(name); });
  if (!opts.ok()) {
    std::cerr << "chirpd: " << opts.status().message() << "\n\n" << chirp::api::chirpd_usage();
    return 2;
  }
  if (opts->help) {
    std::cout << chirp::api::chirpd_usage();
    return 0;
  }
  chirp::api::configure_logging(opts->log_format);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Split roles talk to their peers with the internal secret (internal.h).
  const std::string& role = opts->role;
  const bool split = role != "all";
  std::string secret;
  if (split) {
    if (opts->internal_secret_file.empty()) {
      // Only --role/--data-dir/--listen given (API.md): the roles started
      // from the same place share internal.secret beside their data folders.
      std::string path = chirp::api::default_internal_secret_file(opts->data_dir);
      auto s = chirp::api::load_or_create_internal_secret(path);
      if (!s.ok()) {
        std::cerr << "chirpd: " << s.status().message() << "\n";
        return 2;
      }
      spdlog::info("internal secret: {} {}", s->created ? "created" : "read", path);
      secret = std::move(s->secret);
    } else {
      auto s = chirp::api::read_internal_secret(opts->internal_secret_file);
      if (!s.ok()) {
        std::cerr << "chirpd: " << s.status().message() << "\n";
        return 2;
      }
      spdlog::info("internal secret: read {}", opts->internal_secret_file);
      secret = std::move(s).value();
    }
  }

  // The engine: fails at once (clear message) when another process holds the folder.
  // Only all-in-one and search keep a search index.
  chirp::engine::EngineOptions eo;
  eo.data_dir = opts->data_dir;
  eo.search = role == "all" || role == "search";
  // Sessions live in all-in-one and users: only they sweep expired ones.
  eo.session_sweeper = role == "all" || role == "users";
  auto opened = chirp::engine::Engine::open(eo);
  if (!opened.ok()) {
    std::cerr << "chirpd: " << opened.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<chirp::engine::Engine> engine = std::move(opened.value());

  std::vector<chirp::api::RouteTable> tables;
  if (role == "all" || role == "users") tables.push_back(chirp::api::make_users_table(*engine));
  if (role == "all" || role == "tweets") tables.push_back(chirp::api::make_tweets_table(*engine));
  if (role == "all" || role == "search") tables.push_back(chirp::api::make_search_table(*engine));
  // users and tweets: a write answers once the live consumers of its changes
  // have applied them (read-your-writes through the gateway; ConsumerAcks).
  auto acks = std::make_shared<chirp::api::ConsumerAcks>();
  if (role == "users" || role == "tweets")
    for (auto& t : tables) chirp::api::wait_for_consumers_on_writes(t, *engine, acks);
  // Split mode: /internal/v1/* on the public listener, behind the secret; the
  // peers' --users-url / --tweets-url name that listener (API.md defaults).
  if (split) tables.push_back(chirp::api::make_internal_table(*engine, secret, role == "users", acks));

  // Split mode: each role keeps what it needs of its peers' logs (DESIGN.md
  // "Split mode: who owns what"), resuming from the position stored with it.
  using chirp::engine::LogFollower;
  std::unique_ptr<LogFollower> users_log, tweets_log;
  auto peer = [&](const std::string& url) {
    chirp::api::PeerOptions p;
    p.consumer = role;
    p.base_url = url;
    while (!p.base_url.empty() && p.base_url.back() == '/') p.base_url.pop_back();
    p.secret = secret;
    return chirp::api::http_change_source(p);
  };
  if (role == "users")
    tweets_log = std::make_unique<LogFollower>(*engine, "tweets", chirp::engine::kReplicaTweetCounts,
                                               peer(opts->tweets_url));
  if (role == "tweets")
    users_log = std::make_unique<LogFollower>(*engine, "users",
                                              chirp::engine::kReplicaUsers | chirp::engine::kReplicaFollows,
                                              peer(opts->users_url));
  if (role == "search") {
    users_log = std::make_unique<LogFollower>(*engine, "users", chirp::engine::kReplicaUsers, peer(opts->users_url));
    tweets_log = std::make_unique<LogFollower>(*engine, "tweets",
                                               chirp::engine::kReplicaTweets | chirp::engine::kReplicaLikes,
                                               peer(opts->tweets_url));
  }
  if (users_log) users_log->start();
  if (tweets_log) tweets_log->start();

  chirp::api::ServerConfig cfg = chirp::api::server_config_from(*opts);
  if (role == "tweets" || role == "search") {
    // Tokens belong to the users service: checked there, at most once per
    // token per --auth-cache-seconds. A fresh check waits (bounded) until this
    // replica has the users log up to the check, so a new account is known here.
    chirp::api::TokenCheckOptions tc;
    tc.users.base_url = opts->users_url;
    tc.users.secret = secret;
    tc.users.timeout = std::chrono::milliseconds(3000);
    tc.ttl = std::chrono::seconds(opts->auth_cache_seconds);
    LogFollower* ul = users_log.get();
    tc.settle = [ul](uint64_t seq) { (void)ul->wait_position(seq, std::chrono::milliseconds(2000)); };
    cfg.authenticator = chirp::api::make_remote_authenticator(std::move(tc));
  } else {
    cfg.authenticator = chirp::api::make_engine_authenticator(*engine);
  }
  // Split mode: /ready also reports how far this role follows each peer's log
  // and whether the peer answers (reported only: see services.h).
  std::vector<const LogFollower*> followed;
  for (const LogFollower* f : {users_log.get(), tweets_log.get()})
    if (f != nullptr) followed.push_back(f);
  cfg.readiness = chirp::api::make_engine_readiness(*engine, 10000, std::move(followed));
  if (role == "users") {
    // openapi.json (served by users through the gateway) describes the whole
    // public API, as in all-in-one mode; these tables are documented, never routed here.
    cfg.documented_elsewhere.push_back(chirp::api::make_tweets_table(*engine));
    cfg.documented_elsewhere.push_back(chirp::api::make_search_table(*engine));
  }
  int rc = 0;
  {
    chirp::api::Server server(std::move(cfg), std::move(tables));
    chirp::engine::Engine* e = engine.get();
    server.dispatcher().metrics().add_gauge({"chirp_change_log_seq", "last committed change log sequence number",
                                             [e] { return static_cast<double>(e->last_change_seq()); }});
    server.dispatcher().metrics().add_gauge({"chirp_search_searchable_seq",
                                             "every change up to this sequence number is searchable",
                                             [e] { return static_cast<double>(e->searchable_seq()); }});
    server.dispatcher().metrics().add_gauge({"chirp_search_index_docs", "documents in the search index",
                                             [e] { return static_cast<double>(e->index_docs()); }});
    server.dispatcher().metrics().add_gauge({"chirp_lmdb_map_size_bytes", "LMDB map size",
                                             [e] { return static_cast<double>(e->map_size()); }});
    if (role == "users" || role == "tweets") {
      chirp::api::ConsumerAcks* a = acks.get();
      server.dispatcher().metrics().add_gauge({"chirp_consumer_wait_timeouts_total",
                                               "writes answered before every live consumer had applied them",
                                               [a] { return static_cast<double>(a->timeouts()); }});
    }
    for (LogFollower* f : {users_log.get(), tweets_log.get()}) {
      if (f == nullptr) continue;
      server.dispatcher().metrics().add_gauge({"chirp_replica_" + f->log() + "_seq",
                                               "last change of the " + f->log() + " log applied here",
                                               [f] { return static_cast<double>(f->position()); }});
    }
    if (auto s = server.start(); !s.ok()) {
      spdlog::error("{}", s.message());
      rc = 1;
    } else {
      spdlog::info("chirpd role={} listening on http://{}:{} (data {})", role, opts->listen_host, server.port(),
                   opts->data_dir);
      int sig = 0;
      sigwait(&stop_signals, &sig);
      spdlog::info("signal {} received, shutting down", sig);
      server.shutdown();
    }
  }
  if (users_log) users_log->stop();
  if (tweets_log) tweets_log->stop();
  if (auto s = engine->flush_search(); !s.ok()) spdlog::warn("search flush: {}", s.message());
  engine.reset();
  spdlog::info("stopped");
  return rc;
}

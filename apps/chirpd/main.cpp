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

#include "chirp/api/logging.h"
#include "chirp/api/options.h"
#include "chirp/api/server.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"

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

  // The engine: fails at once (clear message) when another process holds the folder.
  chirp::engine::EngineOptions eo;
  eo.data_dir = opts->data_dir;
  auto opened = chirp::engine::Engine::open(eo);
  if (!opened.ok()) {
    std::cerr << "chirpd: " << opened.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<chirp::engine::Engine> engine = std::move(opened.value());

  // Split mode is a later issue: users|tweets|search mount their own table on
  // the same local engine for now.
  std::vector<chirp::api::RouteTable> tables;
  const std::string& role = opts->role;
  if (role == "all" || role == "users") tables.push_back(chirp::api::make_users_table(*engine));
  if (role == "all" || role == "tweets") tables.push_back(chirp::api::make_tweets_table(*engine));
  if (role == "all" || role == "search") tables.push_back(chirp::api::make_search_table(*engine));

  chirp::api::ServerConfig cfg = chirp::api::server_config_from(*opts);
  cfg.authenticator = chirp::api::make_engine_authenticator(*engine);
  cfg.readiness = chirp::api::make_engine_readiness(*engine);
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
                                             [e] { return static_cast<double>(e->stats().map_size); }});
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
  if (auto s = engine->flush_search(); !s.ok()) spdlog::warn("search flush: {}", s.message());
  engine.reset();
  spdlog::info("stopped");
  return rc;
}

// chirpd: parses the command line, starts the HTTP server with the route
// tables of its role and stops gracefully on SIGINT / SIGTERM.
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

  // The engine and the domain route tables (users, tweets, search) are
  // added here as the engine lands; for now the system routes are served.
  std::vector<chirp::api::RouteTable> tables;
  chirp::api::Server server(chirp::api::server_config_from(*opts), std::move(tables));
  if (auto s = server.start(); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  spdlog::info("chirpd role={} listening on http://{}:{} (data {})", opts->role, opts->listen_host, server.port(),
               opts->data_dir);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {} received, shutting down", sig);
  server.shutdown();
  spdlog::info("stopped");
  return 0;
}

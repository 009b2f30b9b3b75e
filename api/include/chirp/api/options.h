// chirpd's command line (API.md "Command lines"): flags, their CHIRP_*
// environment variables and per-role defaults. Pure functions, testable.
//
// Precedence: built-in default < environment variable < command-line flag.
// Every flag --some-flag has the variable CHIRP_SOME_FLAG. --listen defaults
// per role: all 127.0.0.1:8080, tweets :8000, users :8001, search :8002.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chirp/api/server.h"
#include "chirp/status.h"

namespace chirp::api {

struct ChirpdOptions {
  std::string role = "all";  // all | users | tweets | search
  std::string data_dir = "./data";
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  // Split mode: the peers' public listeners; /internal/v1/* is served there
  // too, behind the internal secret (API.md "Command lines").
  std::string users_url = "http://127.0.0.1:8001";
  std::string tweets_url = "http://127.0.0.1:8000";
  std::string internal_secret_file;
  int auth_cache_seconds = 30;  // split mode: how long a token check is trusted (1..30)
  std::string static_dir = "static";
  int threads = 0;  // 0 = one per core
  bool rate_limit = true;
  std::vector<std::string> trusted_proxies;
  LogFormat log_format = LogFormat::kText;
  bool access_log = true;
  bool help = false;
};

using EnvLookup = std::function<const char*(const char*)>;  // like std::getenv

// `args` excludes the program name. InvalidArgument names the bad flag.
Result<ChirpdOptions> parse_chirpd_options(const std::vector<std::string>& args, const EnvLookup& env);

std::string chirpd_usage();

// Split mode without --internal-secret-file: the secret file shared by roles
// whose data folders are siblings, internal.secret in the parent of
// `data_dir` ("./data" -> "internal.secret" in the working directory).
std::string default_internal_secret_file(const std::string& data_dir);

struct DefaultSecret {
  std::string secret;
  bool created = false;  // this call made the file (false: it existed, or another role won the race)
};

// Reads `path`, or creates it (32 random bytes from libsodium, hex, mode 0600)
// when missing; concurrent callers end up with the same secret. Refuses a
// file group/others may read or write, a non-regular file and a secret
// shorter than 16 bytes (InvalidArgument with the reason and the path).
Result<DefaultSecret> load_or_create_internal_secret(const std::string& path);

// The server settings these options imply (host, port, threads, limits...).
ServerConfig server_config_from(const ChirpdOptions& o);

}  // namespace chirp::api

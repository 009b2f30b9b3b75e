// chirpd options: flags, environment, per-role ports, errors.
#include <catch2/catch.hpp>

#include <map>

#include "chirp/api/options.h"

using namespace chirp::api;

namespace {
std::map<std::string, std::string> g_env;
const char* fake_env(const char* name) {
  auto it = g_env.find(name);
  return it == g_env.end() ? nullptr : it->second.c_str();
}
chirp::Result<ChirpdOptions> parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  g_env = std::move(env);
  return parse_chirpd_options(args, fake_env);
}
}  // namespace

TEST_CASE("defaults", "[options]") {
  auto o = parse({}).value();
  CHECK(o.role == "all");
  CHECK(o.data_dir == "./data");
  CHECK(o.listen_host == "127.0.0.1");
  CHECK(o.listen_port == 8080);
  // Peers are reached on their internal listeners (public port + 1000).
  CHECK(o.users_url == "http://127.0.0.1:9001");
  CHECK(o.tweets_url == "http://127.0.0.1:9000");
  CHECK(o.internal_host == "127.0.0.1");
  CHECK(o.internal_port == 9080);
  CHECK(o.rate_limit);
  CHECK(o.log_format == LogFormat::kText);
  CHECK(o.static_dir == "static");
}

TEST_CASE("per-role default ports", "[options]") {
  CHECK(parse({"--role", "tweets"}).value().listen_port == 8000);
  CHECK(parse({"--role", "users"}).value().listen_port == 8001);
  CHECK(parse({"--role=search"}).value().listen_port == 8002);
  CHECK(parse({"--role", "search", "--listen", "0.0.0.0:9000"}).value().listen_port == 9000);
}

TEST_CASE("the internal listener sits next to the public one unless given", "[options]") {
  auto users = parse({"--role", "users"}).value();
  CHECK(users.internal_port == 9001);
  auto moved = parse({"--role", "tweets", "--listen", "0.0.0.0:7000"}).value();
  CHECK(moved.internal_host == "0.0.0.0");
  CHECK(moved.internal_port == 8000);
  auto given = parse({"--role", "search", "--internal-listen", "10.0.0.5:7777"}).value();
  CHECK(given.internal_host == "10.0.0.5");
  CHECK(given.internal_port == 7777);
  auto any = parse({"--listen", "127.0.0.1:0"}).value();
  CHECK(any.internal_port == 0);
  CHECK(parse({"--listen", "127.0.0.1:65000"}).ok());  // all-in-one: no internal listener
  CHECK_FALSE(parse({"--role", "users", "--listen", "127.0.0.1:65000"}).ok());  // + 1000 is no port: say so
  CHECK(parse({"--role", "users", "--listen", "127.0.0.1:65000", "--internal-listen", "127.0.0.1:64000"}).ok());
  CHECK_FALSE(parse({"--internal-listen", "nope"}).ok());
}

TEST_CASE("every flag parses", "[options]") {
  auto o = parse({"--role", "users", "--data-dir", "/d", "--listen", "0.0.0.0:1234", "--users-url", "http://u",
                  "--tweets-url", "http://t", "--internal-secret-file", "/s", "--static-dir", "/web", "--threads",
                  "3", "--rate-limit", "off", "--trusted-proxy", "10.0.0.1", "--trusted-proxy=10.0.0.2",
                  "--log-format", "json", "--access-log", "off"})
               .value();
  CHECK(o.role == "users");
  CHECK(o.data_dir == "/d");
  CHECK(o.listen_host == "0.0.0.0");
  CHECK(o.listen_port == 1234);
  CHECK(o.users_url == "http://u");
  CHECK(o.tweets_url == "http://t");
  CHECK(o.internal_secret_file == "/s");
  CHECK(o.static_dir == "/web");
  CHECK(o.threads == 3);
  CHECK_FALSE(o.rate_limit);
  CHECK(o.trusted_proxies == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(o.log_format == LogFormat::kJson);
  CHECK_FALSE(o.access_log);
  auto c = server_config_from(o);
  CHECK(c.port == 1234);
  CHECK_FALSE(c.rate_limit.enabled);
  CHECK_FALSE(c.serve_web);  // only role all serves the web app
}

TEST_CASE("environment variables, overridden by flags", "[options]") {
  auto o = parse({"--threads", "2"}, {{"CHIRP_DATA_DIR", "/env"}, {"CHIRP_THREADS", "7"}, {"CHIRP_ROLE", "tweets"},
                                      {"CHIRP_TRUSTED_PROXY", "1.1.1.1,2.2.2.2"}, {"CHIRP_RATE_LIMIT", "off"}})
               .value();
  CHECK(o.data_dir == "/env");
  CHECK(o.threads == 2);
  CHECK(o.role == "tweets");
  CHECK(o.listen_port == 8000);
  CHECK_FALSE(o.rate_limit);
  CHECK(o.trusted_proxies == std::vector<std::string>{"1.1.1.1", "2.2.2.2"});
  CHECK(parse({}, {{"CHIRP_LISTEN", "127.0.0.1:7777"}}).value().listen_port == 7777);
}

TEST_CASE("bad options are reported by name", "[options]") {
  auto bad = [](std::vector<std::string> a) {
    auto r = parse(std::move(a));
    REQUIRE_FALSE(r.ok());
    return r.status().message();
  };
  CHECK(bad({"--role", "gateway"}).find("--role") != std::string::npos);
  CHECK(bad({"--listen", "8080"}).find("--listen") != std::string::npos);
  CHECK(bad({"--listen", "h:99999"}).find("--listen") != std::string::npos);
  CHECK(bad({"--threads", "x"}).find("--threads") != std::string::npos);
  CHECK(bad({"--rate-limit", "maybe"}).find("--rate-limit") != std::string::npos);
  CHECK(bad({"--log-format", "xml"}).find("--log-format") != std::string::npos);
  CHECK(bad({"--bogus", "1"}).find("unknown option --bogus") != std::string::npos);
  CHECK(bad({"--data-dir"}).find("needs a value") != std::string::npos);
  CHECK(bad({"stray"}).find("unexpected") != std::string::npos);
  auto r = parse({}, {{"CHIRP_ROLE", "nope"}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("CHIRP_ROLE") != std::string::npos);
}

TEST_CASE("help lists every flag with its variable", "[options]") {
  CHECK(parse({"--help"}).value().help);
  std::string u = chirpd_usage();
  for (const char* f : {"--role", "--data-dir", "--listen", "--users-url", "--tweets-url", "--internal-secret-file",
                        "--static-dir", "--threads", "--rate-limit", "--trusted-proxy", "--log-format", "CHIRP_DATA_DIR"})
    CHECK(u.find(f) != std::string::npos);
}

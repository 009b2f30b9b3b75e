// chirpd options: flags, environment, per-role ports, errors.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <thread>

#include "chirp/api/options.h"
#include "cidr.h"

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
  // API.md: the peers' public listeners, which also serve /internal/v1/*.
  CHECK(o.users_url == "http://127.0.0.1:8001");
  CHECK(o.tweets_url == "http://127.0.0.1:8000");
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

TEST_CASE("split roles serve internal and public requests on one listener", "[options]") {
  // --internal-listen is gone: /internal/v1/* shares --listen (docs/architecture.md).
  CHECK_FALSE(parse({"--role", "users", "--internal-listen", "127.0.0.1:9001"}).ok());
  // Split roles run public requests on workers (the I/O threads answer the
  // peers' polls); all-in-one keeps them on the I/O threads.
  CHECK(server_config_from(parse({"--role", "users", "--threads", "3"}).value()).worker_threads == 3);
  CHECK(server_config_from(parse({"--role", "search"}).value()).worker_threads >= 2);
  CHECK(server_config_from(parse({"--threads", "3"}).value()).worker_threads == 0);
  auto t = parse({"--role", "tweets", "--listen", "0.0.0.0:7000"}).value();
  CHECK(server_config_from(t).port == 7000);
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

TEST_CASE("trusted proxies are addresses or CIDR ranges, nothing else", "[options]") {
  auto o = parse({"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "fd00::/8", "--trusted-proxy", "127.0.0.1"});
  REQUIRE(o.ok());
  CHECK(o->trusted_proxies == std::vector<std::string>{"10.0.0.0/8", "fd00::/8", "127.0.0.1"});
  CHECK(parse({}, {{"CHIRP_TRUSTED_PROXY", "10.244.0.0/16, 192.168.1.7"}}).value().trusted_proxies ==
        std::vector<std::string>{"10.244.0.0/16", "192.168.1.7"});
  for (const char* v : {"gateway", "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::1/129", "*", "10.0.0"}) {
    auto r = parse({"--trusted-proxy", v});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("--trusted-proxy") != std::string::npos);
  }
  CHECK_FALSE(parse({}, {{"CHIRP_TRUSTED_PROXY", "10.0.0.0/8,nope"}}).ok());
}

TEST_CASE("CIDR ranges match the peers inside them", "[options][cidr]") {
  using chirp::api::detail::Cidr;
  auto pods = Cidr::parse("10.244.0.0/16").value();
  CHECK(pods.contains("10.244.0.1"));
  CHECK(pods.contains("10.244.255.254"));
  CHECK_FALSE(pods.contains("10.245.0.1"));
  CHECK_FALSE(pods.contains("10.243.255.255"));
  CHECK(pods.contains("::ffff:10.244.3.4"));  // IPv4-mapped peer of a dual-stack socket
  CHECK_FALSE(pods.contains("gateway"));
  CHECK_FALSE(pods.contains(""));
  auto odd = Cidr::parse("192.168.1.128/25").value();  // a prefix that is not a byte boundary
  CHECK(odd.contains("192.168.1.200"));
  CHECK_FALSE(odd.contains("192.168.1.127"));
  auto one = Cidr::parse("127.0.0.1").value();
  CHECK(one.contains("127.0.0.1"));
  CHECK_FALSE(one.contains("127.0.0.2"));
  auto v6 = Cidr::parse("fd00::/8").value();
  CHECK(v6.contains("fd12:3456::1"));
  CHECK_FALSE(v6.contains("fe80::1"));
  CHECK_FALSE(v6.contains("10.0.0.1"));  // families never mix
  CHECK(Cidr::parse("0.0.0.0/0").value().contains("203.0.113.9"));
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

namespace {
// A fresh private temp folder, removed at the end of the test case.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "chirp-secret-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};
void write_file(const std::filesystem::path& p, const std::string& body, mode_t mode) {
  std::ofstream(p) << body;
  REQUIRE(::chmod(p.c_str(), mode) == 0);
}
}  // namespace

TEST_CASE("the default internal secret file sits beside the data folder", "[options][secret]") {
  CHECK(default_internal_secret_file("/var/lib/chirp/users") == "/var/lib/chirp/internal.secret");
  CHECK(default_internal_secret_file("/var/lib/chirp/users/") == "/var/lib/chirp/internal.secret");
  CHECK(default_internal_secret_file("./data") == "internal.secret");
  CHECK(default_internal_secret_file("data") == "internal.secret");
  CHECK(default_internal_secret_file("run/tweets") == "run/internal.secret");
}

TEST_CASE("a missing default secret is created private, then read back the same", "[options][secret]") {
  TempDir d;
  auto path = (d.path / "sub" / "internal.secret").string();
  auto first = load_or_create_internal_secret(path);
  REQUIRE(first.ok());
  CHECK(first->created);
  CHECK(first->secret.size() == 64);  // 32 random bytes, hex
  CHECK(first->secret.find_first_not_of("0123456789abcdef") == std::string::npos);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = load_or_create_internal_secret(path);
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);
  CHECK(again->secret == first->secret);
  // No temporary file is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(d.path / "sub"), {}) == 1);
}

TEST_CASE("roles starting at once agree on one default secret", "[options][secret]") {
  TempDir d;
  auto path = (d.path / "internal.secret").string();
  constexpr int kRoles = 8;
  std::vector<std::string> got(kRoles);
  std::vector<int> created(kRoles, 0);
  std::vector<std::thread> ts;
  for (int i = 0; i < kRoles; ++i)
    ts.emplace_back([&, i] {
      auto s = load_or_create_internal_secret(path);
      if (s.ok()) {
        got[i] = s->secret;
        created[i] = s->created ? 1 : 0;
      }
    });
  for (auto& t : ts) t.join();
  for (const auto& g : got) CHECK(g == got[0]);
  CHECK(got[0].size() == 64);
  CHECK(std::accumulate(created.begin(), created.end(), 0) == 1);
}

TEST_CASE("a default secret file others may read, or too short, is refused", "[options][secret]") {
  TempDir d;
  auto path = d.path / "internal.secret";
  write_file(path, "0123456789abcdef0123456789abcdef\n", 0640);
  auto s = load_or_create_internal_secret(path.string());
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == chirp::Code::kInvalidArgument);
  CHECK(s.status().message().find("group/others") != std::string::npos);
  CHECK(s.status().message().find(path.string()) != std::string::npos);
  CHECK(s.status().message().find("0123456789abcdef") == std::string::npos);  // never the secret

  REQUIRE(::chmod(path.c_str(), 0604) == 0);
  CHECK_FALSE(load_or_create_internal_secret(path.string()).ok());

  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  auto ok = load_or_create_internal_secret(path.string());
  REQUIRE(ok.ok());
  CHECK(ok->secret == "0123456789abcdef0123456789abcdef");

  write_file(path, "short\n", 0600);
  auto shorty = load_or_create_internal_secret(path.string());
  REQUIRE_FALSE(shorty.ok());
  CHECK(shorty.status().message().find("shorter than 16 bytes") != std::string::npos);
}

// chirpd option parsing.
#include "chirp/api/options.h"

#include "cidr.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <thread>
#include <algorithm>

namespace chirp::api {

namespace {

struct Flag {
  const char* name;  // without "--"
  const char* env;
  const char* help;
};

constexpr Flag kFlags[] = {
    {"role", "CHIRP_ROLE", "all|users|tweets|search (default all)"},
    {"data-dir", "CHIRP_DATA_DIR", "data folder (default ./data)"},
    {"listen", "CHIRP_LISTEN", "HOST:PORT (default 127.0.0.1:8080; 8000 tweets, 8001 users, 8002 search)"},
    {"users-url", "CHIRP_USERS_URL", "split mode: the users service (default http://127.0.0.1:8001)"},
    {"tweets-url", "CHIRP_TWEETS_URL", "split mode: the tweets service (default http://127.0.0.1:8000)"},
    {"internal-secret-file", "CHIRP_INTERNAL_SECRET_FILE", "split mode: file holding the secret for /internal/v1/* (default: internal.secret in the parent of --data-dir, created mode 0600 if missing)"},
    {"auth-cache-seconds", "CHIRP_AUTH_CACHE_SECONDS", "split mode: seconds a token check is trusted (1..30, default 30)"},
    {"static-dir", "CHIRP_STATIC_DIR", "web app and Swagger UI files (default static)"},
    {"threads", "CHIRP_THREADS", "HTTP threads (default: one per core)"},
    {"rate-limit", "CHIRP_RATE_LIMIT", "on|off (default on)"},
    {"trusted-proxy", "CHIRP_TRUSTED_PROXY", "ADDR or CIDR (10.0.0.0/8) whose X-Forwarded-For / X-Request-Id are believed (repeatable; env: comma list)"},
    {"log-format", "CHIRP_LOG_FORMAT", "text|json (default text)"},
    {"access-log", "CHIRP_ACCESS_LOG", "on|off: one log line per request (default on)"},
};

Status bad(std::string_view flag, std::string_view why) {
  return Status::InvalidArgument("--" + std::string(flag) + ": " + std::string(why));
}

Result<bool> on_off(std::string_view flag, std::string_view v) {
  if (v == "on" || v == "true" || v == "1") return true;
  if (v == "off" || v == "false" || v == "0") return false;
  return bad(flag, "expected on or off");
}

Status split_host_port(std::string_view v, std::string& host, uint16_t& port) {
  size_t colon = v.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == v.size()) return bad("listen", "expected HOST:PORT");
  unsigned p = 0;
  auto tail = v.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), p);
  if (ec != std::errc() || ptr != tail.data() + tail.size() || p > 65535) return bad("listen", "bad port");
  host.assign(v.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  port = static_cast<uint16_t>(p);
  return Status::Ok();
}

uint16_t default_port(std::string_view role) {
  if (role == "tweets") return 8000;
  if (role == "users") return 8001;
  if (role == "search") return 8002;
  return 8080;
}

Status apply(ChirpdOptions& o, std::string_view flag, std::string_view v, bool& listen_set, bool from_env) {
  if (flag == "role") {
    if (v != "all" && v != "users" && v != "tweets" && v != "search") return bad(flag, "expected all, users, tweets or search");
    o.role = v;
  } else if (flag == "data-dir") {
    if (v.empty()) return bad(flag, "must not be empty");
    o.data_dir = v;
  } else if (flag == "listen") {
    CHIRP_RETURN_IF_ERROR(split_host_port(v, o.listen_host, o.listen_port));
    listen_set = true;
  } else if (flag == "users-url") {
    o.users_url = v;
  } else if (flag == "tweets-url") {
    o.tweets_url = v;
  } else if (flag == "internal-secret-file") {
    o.internal_secret_file = v;
  } else if (flag == "auth-cache-seconds") {
    int n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 || n > 30) return bad(flag, "expected 1 to 30");
    o.auth_cache_seconds = n;
  } else if (flag == "static-dir") {
    o.static_dir = v;
  } else if (flag == "threads") {
    int n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || ptr != v.data() + v.size() || n < 0 || n > 1024) return bad(flag, "expected 0 to 1024");
    o.threads = n;
  } else if (flag == "rate-limit") {
    auto b = on_off(flag, v);
    if (!b.ok()) return b.status();
    o.rate_limit = *b;
  } else if (flag == "access-log") {
    auto b = on_off(flag, v);
    if (!b.ok()) return b.status();
    o.access_log = *b;
  } else if (flag == "trusted-proxy") {
    // A numeric address or range: a typo must not silently trust nobody (or everybody).
    auto add = [&](std::string_view item) -> Status {
      if (!detail::Cidr::parse(item))
        return bad(flag, "'" + std::string(item.substr(0, 64)) + "' is not an address or ADDR/BITS range (host bits must be 0)");
      o.trusted_proxies.emplace_back(item);
      return Status::Ok();
    };
    if (from_env) {
      o.trusted_proxies.clear();
      size_t start = 0;
      while (start <= v.size()) {
        size_t comma = v.find(',', start);
        std::string_view item = v.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) CHIRP_RETURN_IF_ERROR(add(item));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    } else {
      if (v.empty()) return bad(flag, "must not be empty");
      CHIRP_RETURN_IF_ERROR(add(v));
    }
  } else if (flag == "log-format") {
    if (v == "text")
      o.log_format = LogFormat::kText;
    else if (v == "json")
      o.log_format = LogFormat::kJson;
    else
      return bad(flag, "expected text or json");
  } else {
    return Status::InvalidArgument("unknown option --" + std::string(flag) + " (see --help)");
  }
  return Status::Ok();
}

}  // namespace

Result<ChirpdOptions> parse_chirpd_options(const std::vector<std::string>& args, const EnvLookup& env) {
  ChirpdOptions o;
  bool listen_set = false;
  if (env) {
    for (const auto& f : kFlags)
      if (const char* v = env(f.env); v != nullptr && *v != '\0') {
        Status s = apply(o, f.name, v, listen_set, true);
        if (!s.ok()) return Status::InvalidArgument(std::string(f.env) + ": " + s.message());
      }
  }
  // Command-line trusted proxies replace those from the environment.
  bool cli_proxies = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a.substr(0, 2) != "--") return Status::InvalidArgument("unexpected argument '" + std::string(a) + "'");
    a.remove_prefix(2);
    std::string_view name = a, value;
    size_t eq = a.find('=');
    if (eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else {
      if (i + 1 >= args.size()) return bad(name, "needs a value");
      value = args[++i];
    }
    if (name == "trusted-proxy" && !cli_proxies) {
      o.trusted_proxies.clear();
      cli_proxies = true;
    }
    CHIRP_RETURN_IF_ERROR(apply(o, name, value, listen_set, false));
  }
  if (!listen_set) o.listen_port = default_port(o.role);
  return o;
}

std::string chirpd_usage() {
  std::string u =
      "usage: chirpd [--role all|users|tweets|search] [--data-dir DIR] [--listen HOST:PORT] [options]\n\n"
      "options (each also as an environment variable):\n";
  for (const auto& f : kFlags) {
    std::string left = std::string("  --") + f.name + " (" + f.env + ")";
    if (left.size() < 44) left.resize(44, ' ');
    u += left + " " + f.help + "\n";
  }
  u += "  --help                                     this text\n";
  u += "\nroles: all serves the users, tweets and search tables, the web app (--static-dir) and /docs on\n"
       "one engine over --data-dir. users|tweets|search (split mode) serve only their own routes on their own\n"
       "--data-dir, and /internal/v1/* for their peers on the same listener, guarded by a shared secret:\n"
       "--internal-secret-file, or else internal.secret beside the data folder (the parent of --data-dir,\n"
       "so roles with sibling data folders share it; created with 32 random bytes, mode 0600, if missing;\n"
       "refused if group/others can read it);\n"
       "tweets follows the users log (--users-url), users and search follow the tweets log (--tweets-url),\n"
       "search also the users log; the peer URLs name the peers' --listen addresses. Put nginx in front\n"
       "(docker/gateway/): it never routes /internal/.\n";
  return u;
}

std::string default_internal_secret_file(const std::string& data_dir) {
  namespace fs = std::filesystem;
  fs::path d = fs::path(data_dir).lexically_normal();
  if (!d.has_filename()) d = d.parent_path();  // "dir/" -> "dir"
  fs::path parent = d.parent_path();
  return (parent.empty() ? fs::path("internal.secret") : parent / "internal.secret").string();
}

namespace {

std::string errno_text() { return std::strerror(errno); }

// Reads an existing default secret file through one descriptor (no race
// between the permission check and the read).
Result<std::string> read_private_secret(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::InvalidArgument("cannot read the internal secret file " + path + ": " + errno_text());
  struct stat st {};
  std::string s;
  Status err = Status::Ok();
  if (::fstat(fd, &st) != 0) {
    err = Status::InvalidArgument("cannot stat the internal secret file " + path + ": " + errno_text());
  } else if (!S_ISREG(st.st_mode)) {
    err = Status::InvalidArgument("the internal secret file " + path + " is not a regular file");
  } else if ((st.st_mode & 077) != 0) {
    err = Status::InvalidArgument("the internal secret file " + path +
                                  " is readable or writable by group/others: chmod 600 it (or remove it to make a new one)");
  } else {
    char buf[512];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = Status::InvalidArgument("cannot read the internal secret file " + path + ": " + errno_text());
        break;
      }
      if (n == 0) break;
      s.append(buf, static_cast<size_t>(n));
      if (s.size() > 4096) {
        err = Status::InvalidArgument("the internal secret file " + path + " is longer than 4096 bytes");
        break;
      }
    }
  }
  ::close(fd);
  if (!err.ok()) return err;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  if (s.size() < 16)
    return Status::InvalidArgument("the internal secret in " + path +
                                   " is shorter than 16 bytes (remove the file to make a new one)");
  return s;
}

// Writes a fresh secret to a private temporary file, then link()s it to
// `path`: the link fails with EEXIST when another role got there first, so
// the file under `path` is always complete and every role reads the same one.
Status create_private_secret(const std::string& path, bool& won) {
  won = false;
  if (sodium_init() < 0) return Status::Internal("libsodium could not be initialised");
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
  std::string body = std::string(hex) + "\n";
  sodium_memzero(hex, sizeof hex);

  char suffix[17];
  unsigned char r[8];
  randombytes_buf(r, sizeof r);
  sodium_bin2hex(suffix, sizeof suffix, r, sizeof r);
  std::string tmp = path + ".tmp-" + suffix;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::InvalidArgument("cannot create the internal secret file " + tmp + ": " + errno_text());
  Status st = Status::Ok();
  if (::fchmod(fd, 0600) != 0 || ::write(fd, body.data(), body.size()) != static_cast<ssize_t>(body.size()) ||
      ::fsync(fd) != 0)
    st = Status::InvalidArgument("cannot write the internal secret file " + tmp + ": " + errno_text());
  sodium_memzero(body.data(), body.size());
  ::close(fd);
  if (st.ok()) {
    if (::link(tmp.c_str(), path.c_str()) == 0)
      won = true;
    else if (errno != EEXIST)
      st = Status::InvalidArgument("cannot create the internal secret file " + path + ": " + errno_text());
  }
  ::unlink(tmp.c_str());
  return st;
}

}  // namespace

Result<DefaultSecret> load_or_create_internal_secret(const std::string& path) {
  DefaultSecret out;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return Status::InvalidArgument("cannot stat the internal secret file " + path + ": " + errno_text());
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    // Lost the race to another role: read the winner's file below.
    CHIRP_RETURN_IF_ERROR(create_private_secret(path, out.created));
  }
  auto s = read_private_secret(path);
  if (!s.ok()) return s.status();
  out.secret = std::move(s).value();
  return out;
}

ServerConfig server_config_from(const ChirpdOptions& o) {
  ServerConfig c;
  c.host = o.listen_host;
  c.port = o.listen_port;
  c.threads = o.threads;
  // Split roles: public requests on workers, so writes waiting for their
  // consumers never hold the I/O threads that answer those consumers' polls.
  if (o.role != "all")
    c.worker_threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  c.rate_limit.enabled = o.rate_limit;
  c.trusted_proxies = o.trusted_proxies;
  c.log_format = o.log_format;
  c.access_log = o.access_log;
  c.static_dir = o.static_dir;
  c.serve_web = o.role == "all";
  c.serve_docs = o.role == "users";  // the gateway sends /docs and openapi.json there
  return c;
}

}  // namespace chirp::api

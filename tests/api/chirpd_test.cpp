// chirpd as a child process: --help, a bad flag, serving, graceful SIGTERM,
// the domain routes on its engine, and one process per data folder.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <rapidjson/document.h>

#include "http_client.h"

#ifndef CHIRPD_PATH
#error "CHIRPD_PATH must name the chirpd binary"
#endif

namespace {

struct Child {
  pid_t pid = -1;
  std::string out_path;
};

Child spawn(const std::vector<std::string>& args) {
  char tmpl[] = "/tmp/chirpd-test-XXXXXX";
  int fd = mkstemp(tmpl);
  Child c{-1, tmpl};
  c.pid = fork();
  if (c.pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(CHIRPD_PATH));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(CHIRPD_PATH, argv.data());
    _exit(127);
  }
  close(fd);
  return c;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int wait_exit(pid_t pid, int timeout_ms) {
  for (int i = 0; i < timeout_ms / 10; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

}  // namespace

TEST_CASE("chirpd --help and a bad flag", "[chirpd]") {
  Child h = spawn({"--help"});
  CHECK(wait_exit(h.pid, 5000) == 0);
  CHECK(slurp(h.out_path).find("--trusted-proxy") != std::string::npos);
  unlink(h.out_path.c_str());
  Child b = spawn({"--role", "nope"});
  CHECK(wait_exit(b.pid, 5000) == 2);
  CHECK(slurp(b.out_path).find("--role") != std::string::npos);
  unlink(b.out_path.c_str());
}

TEST_CASE("chirpd serves and stops gracefully on SIGTERM", "[chirpd]") {
  char tmpl[] = "/tmp/chirpd-data-XXXXXX";
  std::string data = mkdtemp(tmpl);
  Child c = spawn({"--listen", "127.0.0.1:0", "--data-dir", data, "--static-dir", data});
  std::smatch m;
  std::string log;
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
  for (int i = 0; i < 500 && !std::regex_search(log, m, listening); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    log = slurp(c.out_path);
  }
  REQUIRE(std::regex_search(log, m, listening));
  const int port = std::stoi(m[1].str());
  chirp::test::HttpClient client("http://127.0.0.1:" + std::to_string(port));
  auto r = client.get("/health");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"status":"ok"})");
  kill(c.pid, SIGTERM);
  CHECK(wait_exit(c.pid, 10000) == 0);
  log = slurp(c.out_path);
  CHECK(log.find("\"GET /health\" 200") != std::string::npos);  // access log line
  CHECK(log.find("stopped") != std::string::npos);
  unlink(c.out_path.c_str());
  std::filesystem::remove_all(data);
}

TEST_CASE("chirpd --log-format json writes one JSON object per line", "[chirpd]") {
  char tmpl[] = "/tmp/chirpd-data-XXXXXX";
  std::string data = mkdtemp(tmpl);
  Child c = spawn({"--listen", "127.0.0.1:0", "--data-dir", data, "--static-dir", data, "--log-format", "json"});
  std::smatch m;
  std::string log;
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
  for (int i = 0; i < 500 && !std::regex_search(log, m, listening); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    log = slurp(c.out_path);
  }
  REQUIRE(std::regex_search(log, m, listening));
  chirp::test::HttpClient client("http://127.0.0.1:" + m[1].str());
  CHECK(client.get("/health?q=%22quoted%22").status == 200);
  kill(c.pid, SIGTERM);
  CHECK(wait_exit(c.pid, 10000) == 0);
  std::istringstream lines(slurp(c.out_path));
  std::string line;
  int n = 0, access = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    rapidjson::Document d;
    d.Parse(line.c_str());
    CHECK(d.IsObject());
    if (d.IsObject() && d.HasMember("type") && d["type"] == "access") ++access;
    ++n;
  }
  CHECK(n >= 3);
  CHECK(access == 1);
  unlink(c.out_path.c_str());
  std::filesystem::remove_all(data);
}

TEST_CASE("chirpd serves the domain routes, and a second chirpd on the same data folder exits at once", "[chirpd]") {
  char tmpl[] = "/tmp/chirpd-data-XXXXXX";
  std::string data = mkdtemp(tmpl);
  Child c = spawn({"--listen", "127.0.0.1:0", "--data-dir", data, "--static-dir", data, "--rate-limit", "off"});
  std::smatch m;
  std::string log;
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
  for (int i = 0; i < 500 && !std::regex_search(log, m, listening); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    log = slurp(c.out_path);
  }
  REQUIRE(std::regex_search(log, m, listening));
  chirp::test::HttpClient client("http://127.0.0.1:" + m[1].str());
  const std::string json = "Content-Type: application/json";
  CHECK(client.request("POST", "/api/v1/users", R"({"username":"dana","password":"password1"})", {json}).status ==
        201);
  auto r = client.get("/api/v1/users/dana");
  CHECK(r.status == 200);
  CHECK(client.get("/api/v1/tweets").status == 200);
  r = client.get("/ready");
  CHECK(r.status == 200);
  CHECK(r.body.find("searchable_seq") != std::string::npos);
  r = client.get("/metrics");
  CHECK(r.body.find("chirp_change_log_seq") != std::string::npos);
  CHECK(r.body.find("chirp_search_searchable_seq") != std::string::npos);

  // Same folder, another port: refused at once with the engine's message.
  auto t0 = std::chrono::steady_clock::now();
  Child second = spawn({"--listen", "127.0.0.1:0", "--data-dir", data, "--static-dir", data});
  const int rc = wait_exit(second.pid, 5000);
  CHECK(rc != 0);
  CHECK(rc != -1);  // exited by itself
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  CHECK(slurp(second.out_path).find("in use") != std::string::npos);
  unlink(second.out_path.c_str());
  CHECK(client.get("/health").status == 200);  // the first one is unaffected

  kill(c.pid, SIGTERM);
  CHECK(wait_exit(c.pid, 10000) == 0);
  unlink(c.out_path.c_str());
  std::filesystem::remove_all(data);
}

// The dispatcher's access log and request ids (direct dispatch, no socket):
// JSON lines with the fields operators parse, text lines by default, the
// process-wide "chirp.access" logger when none is given, and which proxy
// request ids are believed (only safe, short ones from a trusted proxy).
#include <rapidjson/document.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <string>

#include "chirp/api/server.h"

using namespace chirp::api;

namespace {

struct Logged {
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>("test.access", sink);
  Logged() { logger->set_pattern("%v"); }
  std::vector<std::string> lines() { return sink->last_formatted(); }
};

HttpResponse get(Dispatcher& d, std::string_view path, std::string_view peer = "127.0.0.1",
                 std::vector<std::pair<std::string_view, std::string_view>> headers = {}) {
  HttpRequest req;
  req.path = path;
  req.peer_ip = peer;
  req.headers = std::move(headers);
  return d.handle(req);
}

std::string request_id(const HttpResponse& r) {
  const std::string* id = r.find_header("X-Request-Id");
  REQUIRE(id != nullptr);
  return *id;
}

}  // namespace

TEST_CASE(
    "access log: JSON lines carry time, request id, client, method, path, status, bytes, duration",
    "[access_log]") {
  Logged log;
  ServerConfig c;
  c.serve_web = false;
  c.log_format = LogFormat::kJson;
  c.logger = log.logger;
  Dispatcher d(c, {});
  HttpResponse r = get(d, "/health");
  REQUIRE(r.status == 200);
  get(d, "/no/such/route\"quoted");
  auto lines = log.lines();
  REQUIRE(lines.size() >= 2);
  rapidjson::Document doc;
  doc.Parse(lines[0].c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["type"].GetString()) == "access");
  CHECK(std::string(doc["request_id"].GetString()) == request_id(r));
  CHECK(std::string(doc["client"].GetString()) == "127.0.0.1");
  CHECK(std::string(doc["method"].GetString()) == "GET");
  CHECK(std::string(doc["path"].GetString()) == "/health");
  CHECK(doc["status"].GetInt() == 200);
  CHECK(doc["bytes"].GetUint64() == r.body.size());
  CHECK(doc["duration_us"].GetInt64() >= 0);
  CHECK(std::string(doc["time"].GetString()).size() >= 19);
  rapidjson::Document second;
  second.Parse(lines[1].c_str());  // a quote in the path stays valid JSON
  REQUIRE_FALSE(second.HasParseError());
  CHECK(std::string(second["path"].GetString()) == "/no/such/route\"quoted");
  CHECK(second["status"].GetInt() == 404);
}

TEST_CASE("access log: off means no line; text is the default format", "[access_log]") {
  Logged log;
  ServerConfig c;
  c.serve_web = false;
  c.logger = log.logger;
  c.access_log = false;
  {
    Dispatcher d(c, {});
    get(d, "/health");
  }
  CHECK(log.lines().empty());
  c.access_log = true;
  Dispatcher d(c, {});
  HttpResponse r = get(d, "/health");
  auto lines = log.lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("\"GET /health\" 200") != std::string::npos);
  CHECK(lines[0].find(request_id(r)) != std::string::npos);
}

TEST_CASE(
    "access log: without a logger the process-wide chirp.access logger is made once and reused",
    "[access_log]") {
  ServerConfig c;
  c.serve_web = false;
  c.access_log = false;  // nothing printed to the test's stdout
  spdlog::drop("chirp.access");
  {
    Dispatcher a(c, {});
    CHECK(get(a, "/health").status == 200);
  }
  auto made = spdlog::get("chirp.access");
  REQUIRE(made != nullptr);
  c.log_format = LogFormat::kJson;
  Dispatcher b(c, {});  // finds the registered one
  CHECK(spdlog::get("chirp.access") == made);
  CHECK(get(b, "/health").status == 200);
}

TEST_CASE("request ids: a trusted proxy's safe id is kept, anything else replaced",
          "[access_log]") {
  Logged log;
  ServerConfig c;
  c.serve_web = false;
  c.logger = log.logger;
  c.trusted_proxies = {"10.0.0.1"};
  Dispatcher d(c, {});
  CHECK(request_id(get(d, "/health", "10.0.0.1", {{"X-Request-Id", "abc-DEF_1.2:3"}})) ==
        "abc-DEF_1.2:3");
  for (std::string_view bad : {std::string_view("has space"), std::string_view("semi;colon"),
                               std::string_view(""), std::string_view("quote\"d")}) {
    CAPTURE(bad);
    std::string id = request_id(get(d, "/health", "10.0.0.1", {{"X-Request-Id", bad}}));
    CHECK(id != bad);
    CHECK(id.size() == 16);
  }
  const std::string too_long(129, 'a');
  CHECK(request_id(get(d, "/health", "10.0.0.1", {{"X-Request-Id", too_long}})).size() == 16);
  // Not from the proxy: never believed.
  CHECK(request_id(get(d, "/health", "10.9.9.9", {{"X-Request-Id", "abc"}})) != "abc");
  // The rightmost X-Forwarded-For entry is the client; blanks are trimmed, empty ones ignored.
  get(d, "/health", "10.0.0.1", {{"X-Forwarded-For", "1.1.1.1,  2.2.2.2 \t"}});
  get(d, "/health", "10.0.0.1", {{"X-Forwarded-For", "3.3.3.3, "}});
  auto lines = log.lines();
  REQUIRE(lines.size() >= 2);
  CHECK(lines[lines.size() - 2].find("2.2.2.2") != std::string::npos);
  CHECK(lines.back().find("10.0.0.1") != std::string::npos);
}

// Request-head gate: limits judged before Pistache reads a body.
#include <catch2/catch.hpp>

#include "request_head.h"

using namespace chirp::api;
using namespace chirp::api::detail;

namespace {
const HeadLimits kLim{100, 200, 16 * 1024};
}

TEST_CASE("content length is judged from the header", "[head]") {
  CHECK(check_head("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n", kLim).status == 0);
  CHECK(check_head("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n", kLim).content_length == 10);
  CHECK(check_head("POST /x HTTP/1.1\r\nContent-Length: 16385\r\n\r\n", kLim).status == 413);
  CHECK(check_head("POST /x HTTP/1.1\r\ncontent-length: 100000000000000\r\n\r\n", kLim).status == 413);
  CHECK(check_head("POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n", kLim).status == 413);
  CHECK(check_head("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", kLim).status == 400);
  CHECK(check_head("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", kLim).status == 400);
  CHECK(check_head("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", kLim).status == 411);
  CHECK(check_head("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", kLim).expect_continue);
}

TEST_CASE("request line checks", "[head]") {
  CHECK(check_head("BREW /x HTTP/1.1\r\n\r\n", kLim).status == 501);
  CHECK(check_head("GET x HTTP/1.1\r\n\r\n", kLim).status == 400);
  CHECK(check_head("GET /x HTTP/2.0\r\n\r\n", kLim).status == 505);
  CHECK(check_head("GET /" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n", kLim).status == 414);
  CHECK(check_partial_head("GET /" + std::string(200, 'a'), kLim).status == 414);
  CHECK(check_partial_head("GET /abc HTTP/1.1\r\nHost: x", kLim).status == 0);
  CHECK(check_partial_head("GET / HTTP/1.1\r\nX: " + std::string(400, 'a'), kLim).status == 431);
}

TEST_CASE("parse_head fills the request view", "[head]") {
  std::string head = "GET /api/v1/search?q=a%20b&limit=5 HTTP/1.0\r\nHost: x\r\nX-Thing:  v  \r\n\r\n";
  HttpRequest r;
  parse_head(head, r);
  CHECK(r.method == Method::kGet);
  CHECK(r.path == "/api/v1/search");
  CHECK(r.query == "q=a%20b&limit=5");
  CHECK(r.http10);
  CHECK(r.header("x-thing") == "v");
  CHECK(r.header("HOST") == "x");
  CHECK(r.query_param("q").value() == "a b");
  CHECK_FALSE(r.query_param("nope"));
}

// Router: literal and patterned matches, 404, 405 with Allow, HEAD fallback.
#include <catch2/catch.hpp>

#include "chirp/api/router.h"

using namespace chirp::api;

namespace {
Handler ok() {
  return [](const HttpRequest&, RequestContext&) { return HttpResponse::json(200, "{}"); };
}
std::vector<RouteTable> tables() {
  RouteTable t;
  t.service = "tweets";
  t.routes.push_back({Method::kGet, "/api/v1/tweets", ok()});
  t.routes.push_back({Method::kPost, "/api/v1/tweets", ok()});
  t.routes.push_back({Method::kGet, "/api/v1/tweets/{username}", ok()});
  t.routes.push_back({Method::kGet, "/api/v1/tweets/{username}/{id}", ok()});
  t.routes.push_back({Method::kDelete, "/api/v1/tweets/{username}/{id}", ok()});
  t.routes.push_back({Method::kPut, "/api/v1/tweets/{username}/{id}/like", ok()});
  t.routes.push_back({Method::kGet, "/api/v1/tweets/search", ok()});  // literal wins over {username}
  return {t};
}
}  // namespace

TEST_CASE("router matches literal routes", "[router]") {
  Router r(tables());
  HttpRequest req;
  req.method = Method::kPost;
  req.path = "/api/v1/tweets";
  auto m = r.match(req);
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.route->method == Method::kPost);
  CHECK(req.path_params.empty());
}

TEST_CASE("router extracts and decodes path params", "[router]") {
  Router r(tables());
  HttpRequest req;
  req.path = "/api/v1/tweets/bob%5Fx/123";
  auto m = r.match(req);
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.route->pattern == "/api/v1/tweets/{username}/{id}");
  CHECK(req.param("username") == "bob_x");
  CHECK(req.param("id") == "123");
  CHECK(req.param("nope").empty());
}

TEST_CASE("literal routes win over patterns", "[router]") {
  Router r(tables());
  HttpRequest req;
  req.path = "/api/v1/tweets/search";
  auto m = r.match(req);
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.route->pattern == "/api/v1/tweets/search");
}

TEST_CASE("unknown paths are not found", "[router]") {
  Router r(tables());
  for (const char* p : {"/api/v1/nothing", "/api/v1/tweets/a/b/c/d", "/api/v1/tweets/", "/", "/api/v1/tweets//1"}) {
    HttpRequest req;
    req.path = p;
    INFO(p);
    CHECK(r.match(req).kind == RouteMatch::Kind::kNotFound);
  }
}

TEST_CASE("wrong method gives 405 with the allowed methods", "[router]") {
  Router r(tables());
  HttpRequest req;
  req.method = Method::kPatch;
  req.path = "/api/v1/tweets/bob/1";
  auto m = r.match(req);
  REQUIRE(m.kind == RouteMatch::Kind::kMethodNotAllowed);
  CHECK(m.allow == "GET, HEAD, DELETE");
  req.path = "/api/v1/tweets/bob/1/like";
  req.method = Method::kGet;
  m = r.match(req);
  REQUIRE(m.kind == RouteMatch::Kind::kMethodNotAllowed);
  CHECK(m.allow == "PUT");
}

TEST_CASE("HEAD falls back to GET", "[router]") {
  Router r(tables());
  HttpRequest req;
  req.method = Method::kHead;
  req.path = "/api/v1/tweets/bob";
  auto m = r.match(req);
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.route->method == Method::kGet);
}

TEST_CASE("duplicate routes are refused at start-up", "[router]") {
  auto t = tables();
  t[0].routes.push_back({Method::kGet, "/api/v1/tweets", ok()});
  CHECK_THROWS_AS(Router(t), std::invalid_argument);
}

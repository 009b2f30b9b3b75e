// limit / cursor parsing and the list envelope with its Link header.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "chirp/api/pagination.h"

using namespace chirp::api;

namespace {
chirp::Result<PageRequest> page(std::string_view query) {
  HttpRequest req;
  req.path = "/api/v1/tweets";
  req.query = query;
  return parse_page(req);
}
}  // namespace

TEST_CASE("limit defaults, clamps and rejects", "[pagination]") {
  CHECK(page("").value().limit == 20);
  CHECK(page("limit=1").value().limit == 1);
  CHECK(page("limit=100").value().limit == 100);
  CHECK(page("limit=101").value().limit == 100);
  CHECK(page("limit=99999999999999999999").value().limit == 100);
  for (const char* bad : {"limit=0", "limit=-1", "limit=abc", "limit=", "limit=1.5", "limit=10x", "limit=-99999999999999999999"}) {
    INFO(bad);
    auto r = page(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == chirp::Code::kInvalidArgument);
  }
}

TEST_CASE("cursor passes through, decoded", "[pagination]") {
  CHECK(page("cursor=abc%3D").value().cursor == "abc=");
  CHECK(page("limit=5&cursor=xyz").value().cursor == "xyz");
  CHECK_FALSE(page("cursor=").ok());
  CHECK_FALSE(page("cursor=" + std::string(600, 'a')).ok());
}

TEST_CASE("list envelope and Link header", "[pagination]") {
  HttpRequest req;
  req.path = "/api/v1/tweets/bob";
  req.query = "limit=2&cursor=old";
  auto r = page_response(
      req, [](JsonWriter& w) { w.Int(1); w.Int(2); }, std::string("n/x"));
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  REQUIRE(d.IsObject());
  CHECK(d["items"].Size() == 2);
  CHECK(std::string(d["next_cursor"].GetString()) == "n/x");
  REQUIRE(r.find_header("Link"));
  CHECK(*r.find_header("Link") == "</api/v1/tweets/bob?limit=2&cursor=n%2Fx>; rel=\"next\"");

  auto last = page_response(req, [](JsonWriter&) {}, std::nullopt);
  d.Parse(last.body.c_str());
  CHECK(d["next_cursor"].IsNull());
  CHECK(d["items"].Size() == 0);
  CHECK(last.find_header("Link") == nullptr);
}

// Strict JSON bodies: 415, malformed, unknown / missing / mistyped fields.
#include <catch2/catch.hpp>

#include "chirp/api/json_body.h"

using namespace chirp::api;

namespace {
const BodySchema kSchema{"RegisterRequest",
                         {{"username", FieldType::kString, true, 15},
                          {"password", FieldType::kString, true, 128},
                          {"display_name", FieldType::kString, false, 50},
                          {"age", FieldType::kInteger, false}}};

std::optional<HttpResponse> decode(std::string_view body, std::string_view ct = "application/json") {
  static thread_local std::string b;
  b = body;
  HttpRequest req;
  req.method = Method::kPost;
  req.headers = {{"Content-Type", ct}};
  req.body = b;
  rapidjson::Document d;
  return decode_json_body(req, kSchema, d);
}
}  // namespace

TEST_CASE("a valid body decodes", "[json]") {
  HttpRequest req;
  std::string body = R"({"username":"bob","password":"secret123","age":3})";
  req.headers = {{"content-type", "application/json; charset=utf-8"}};
  req.body = body;
  rapidjson::Document d;
  REQUIRE_FALSE(decode_json_body(req, kSchema, d).has_value());
  CHECK(std::string(d["username"].GetString()) == "bob");
}

TEST_CASE("content type must be JSON", "[json]") {
  auto e = decode(R"({"username":"a","password":"b"})", "text/plain");
  REQUIRE(e);
  CHECK(e->status == 415);
  CHECK(e->body.find("unsupported_media_type") != std::string::npos);
  e = decode(R"({"username":"a","password":"b"})", "");
  REQUIRE(e);
  CHECK(e->status == 415);
}

TEST_CASE("malformed JSON is 400", "[json]") {
  for (const char* b : {"{", "", "{\"username\":}", "{} x", "[1]", "\"s\""}) {
    INFO(b);
    auto e = decode(b);
    REQUIRE(e);
    CHECK(e->status == 400);
    CHECK(e->body.find("bad_request") != std::string::npos);
  }
}

TEST_CASE("unknown fields are refused by name", "[json]") {
  auto e = decode(R"({"username":"a","password":"b","admin":true})");
  REQUIRE(e);
  CHECK(e->status == 400);
  CHECK(e->body.find("unknown field 'admin'") != std::string::npos);
}

TEST_CASE("missing and mistyped fields are refused by name", "[json]") {
  auto e = decode(R"({"username":"a"})");
  REQUIRE(e);
  CHECK(e->body.find("missing field 'password'") != std::string::npos);
  e = decode(R"({"username":5,"password":"b"})");
  REQUIRE(e);
  CHECK(e->body.find("field 'username' must be a string") != std::string::npos);
  e = decode(R"({"username":"a","password":"b","age":1.5})");
  REQUIRE(e);
  CHECK(e->body.find("'age' must be an integer") != std::string::npos);
  e = decode(R"({"username":"a","password":"b","display_name":null})");
  REQUIRE(e);
  CHECK(e->status == 400);
}

TEST_CASE("over-long strings are refused", "[json]") {
  auto e = decode(R"({"username":"aaaaaaaaaaaaaaaaaaaa","password":"b"})");
  REQUIRE(e);
  CHECK(e->status == 422);
  CHECK(e->body.find("'username' is longer than 15 bytes") != std::string::npos);
}

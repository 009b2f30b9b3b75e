// The OpenAPI document follows the route tables.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "chirp/api/openapi.h"

using namespace chirp::api;

namespace {
const BodySchema kPost{"PostTweet", {{"text", FieldType::kString, true, 2000}, {"in_reply_to", FieldType::kString, false}}};
}

TEST_CASE("openapi lists routes, params, bodies and errors", "[openapi]") {
  RouteTable t;
  t.service = "tweets";
  t.schemas = {{"Tweet", R"({"type":"object"})"}};
  auto h = [](const HttpRequest&, RequestContext&) { return HttpResponse{}; };
  t.routes.push_back({Method::kGet, "/api/v1/tweets/{username}", h, AuthMode::kOptional, RateClass::kDefault,
                      {.summary = "A user's tweets", .paginated = true}});
  t.routes.push_back({Method::kPost, "/api/v1/tweets", h, AuthMode::kRequired, RateClass::kDefault,
                      {.summary = "Post", .request = &kPost,
                       .responses = {{201, "created", R"({"$ref":"#/components/schemas/Tweet"})"}}, .errors = {422}}});
  t.routes.push_back({Method::kGet, "/internal/changes", h, AuthMode::kNone, RateClass::kNone, {.summary = "x", .hidden = true}});

  rapidjson::Document d;
  d.Parse(openapi_json({t}).c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string(d["openapi"].GetString()) == "3.0.3");
  const auto& paths = d["paths"];
  REQUIRE(paths.HasMember("/api/v1/tweets/{username}"));
  REQUIRE(paths.HasMember("/api/v1/tweets"));
  CHECK_FALSE(paths.HasMember("/internal/changes"));
  const auto& get = paths["/api/v1/tweets/{username}"]["get"];
  CHECK(get["parameters"].Size() == 3);  // username, limit, cursor
  CHECK(std::string(get["parameters"][0]["in"].GetString()) == "path");
  const auto& post = paths["/api/v1/tweets"]["post"];
  CHECK(post["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/PostTweet");
  for (const char* code : {"201", "400", "401", "413", "415", "422", "429", "500"}) {
    INFO(code);
    CHECK(post["responses"].HasMember(code));
  }
  const auto& body = d["components"]["schemas"]["PostTweet"];
  CHECK(body["additionalProperties"].GetBool() == false);
  CHECK(body["required"].Size() == 1);
  CHECK(d["components"]["schemas"].HasMember("Tweet"));
  CHECK(d["components"]["schemas"].HasMember("Error"));
  CHECK(d["components"]["responses"].HasMember("unprocessable"));
}

TEST_CASE("a broken schema text is caught", "[openapi]") {
  RouteTable t;
  t.service = "x";
  t.routes.push_back({Method::kGet, "/x", nullptr, AuthMode::kNone, RateClass::kDefault,
                      {.summary = "x", .responses = {{200, "ok", "{not json"}}}});
  CHECK_THROWS_AS(openapi_json({t}), std::invalid_argument);
}

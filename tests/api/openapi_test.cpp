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

TEST_CASE("openapi documents headers, query errors, limits, tags and every parameter", "[openapi]") {
  auto h = [](const HttpRequest&, RequestContext&) { return HttpResponse{}; };
  RouteTable tweets;
  tweets.service = "tweets";
  tweets.routes.push_back({Method::kGet, "/api/v1/tweets/{username}/{id}/replies", h, AuthMode::kOptional,
                           RateClass::kDefault,
                           {.summary = "Replies", .responses = {{200, "page", R"({"type":"object"})"}}, .paginated = true}});
  tweets.routes.push_back({Method::kPost, "/api/v1/tweets", h, AuthMode::kRequired, RateClass::kDefault,
                           {.summary = "Post", .request = &kPost, .responses = {{201, "created", R"({"type":"object"})"}}}});
  RouteTable search;
  search.service = "search";
  search.routes.push_back({Method::kGet, "/api/v1/search/counts", h, AuthMode::kNone, RateClass::kDefault,
                           {.summary = "Counts",
                            .params = {{"q", "query", "string", true, "the query"},
                                       {"sort", "query", "string", false, "order",
                                        R"({"type":"string","enum":["relevance","recent"]})"}},
                            .responses = {{200, "counts", R"({"type":"object"})"}}}});

  rapidjson::Document d;
  d.Parse(openapi_json({tweets, search}).c_str());
  REQUIRE_FALSE(d.HasParseError());
  // Tags sorted by name, each described.
  REQUIRE(d["tags"].Size() == 2);
  CHECK(std::string(d["tags"][0]["name"].GetString()) == "search");
  CHECK(std::string(d["tags"][1]["name"].GetString()) == "tweets");
  for (const auto& tag : d["tags"].GetArray()) CHECK(tag.HasMember("description"));
  // Every parameter described; limit at least 1.
  const auto& replies = d["paths"]["/api/v1/tweets/{username}/{id}/replies"]["get"];
  for (const auto& p : replies["parameters"].GetArray()) {
    INFO(p["name"].GetString());
    CHECK(p.HasMember("description"));
    if (std::string(p["name"].GetString()) == "limit") CHECK(p["schema"]["minimum"].GetInt() == 1);
  }
  // Link on a list page (not required: the last page has none), Location on a create.
  const auto& link = replies["responses"]["200"]["headers"]["Link"];
  CHECK(link["required"].IsFalse());
  const auto& location = d["paths"]["/api/v1/tweets"]["post"]["responses"]["201"]["headers"]["Location"];
  CHECK(location["required"].IsTrue());
  // A parameter's own schema text replaces the plain type.
  const auto& sort = d["paths"]["/api/v1/search/counts"]["get"]["parameters"][1];
  CHECK(sort["schema"]["enum"].Size() == 2);
  // A route with query parameters answers 400 to a bad one.
  CHECK(d["paths"]["/api/v1/search/counts"]["get"]["responses"].HasMember("400"));
}

TEST_CASE("a body field's own schema text is documented with its description", "[openapi]") {
  static const BodySchema kSignup{
      "Signup", {{"username", FieldType::kString, true, 64, "the name", R"({"type":"string","pattern":"^[a-z]+$"})"}}};
  RouteTable t;
  t.service = "users";
  t.routes.push_back({Method::kPost, "/api/v1/users", [](const HttpRequest&, RequestContext&) { return HttpResponse{}; },
                      AuthMode::kNone, RateClass::kDefault, {.summary = "Sign up", .request = &kSignup}});
  rapidjson::Document d;
  d.Parse(openapi_json({t}).c_str());
  REQUIRE_FALSE(d.HasParseError());
  const auto& username = d["components"]["schemas"]["Signup"]["properties"]["username"];
  CHECK(std::string(username["pattern"].GetString()) == "^[a-z]+$");
  CHECK(std::string(username["description"].GetString()) == "the name");
  CHECK_FALSE(username.HasMember("maxLength"));  // the decode cap is not the documented rule
}

TEST_CASE("a broken schema text is caught", "[openapi]") {
  RouteTable t;
  t.service = "x";
  t.routes.push_back({Method::kGet, "/x", nullptr, AuthMode::kNone, RateClass::kDefault,
                      {.summary = "x", .responses = {{200, "ok", "{not json"}}}});
  CHECK_THROWS_AS(openapi_json({t}), std::invalid_argument);
}

// Loopback integration tests of the users, tweets and search route tables: a
// real Server + Engine on a temporary data folder (cheap password hashing),
// driven with libcurl. Covers every route's happy path and the error table of
// API.md, pagination to the end, search freshness, the cookie + CSRF flow.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "chirp/api/server.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "engine_server.h"
#include "http_client.h"

using namespace chirp::api;
using chirp::test::HttpClient;
using chirp::test::raw_exchange;
using chirp::test::Reply;
namespace fs = std::filesystem;

namespace {

const std::string kJson = "Content-Type: application/json";

struct Env {
  std::unique_ptr<chirp::test::EngineServer> local;
  // Set by tests/contract/run_contract.mjs: the suite then drives that URL (a
  // Prism proxy validating every exchange against openapi.json, in front of a
  // fresh chirpd with --rate-limit off) instead of an in-process server.
  std::string external_url;

  explicit Env(bool rate_limit = false) {
    if (const char* base = std::getenv("CHIRP_TEST_BASE_URL"); base != nullptr && *base != '\0') {
      external_url = base;
      return;
    }
    local = std::make_unique<chirp::test::EngineServer>("routes-test");
    local->start([&](ServerConfig& c) {
      c.rate_limit.enabled = rate_limit;
      c.rate_limit.signup = {0.01, 3.0};
      c.rate_limit.login = {0.01, 3.0};
    });
  }
  // Requests whose exact bytes matter (malformed JSON, invalid UTF-8, raw
  // sockets) and the rate limiter are checked only in-process: the proxy
  // re-encodes bodies and queries, and the contract run has no limiter.
  bool in_process() const { return local != nullptr; }
  std::string url() const { return in_process() ? local->url() : external_url; }
};

rapidjson::Document parse(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

std::string code_of(const Reply& r) {
  auto d = parse(r.body);
  if (!d.IsObject() || !d.HasMember("error")) return "";
  return d["error"]["code"].GetString();
}

#define CHECK_ERR(reply, st, code)        \
  do {                                    \
    Reply r_ = (reply);                   \
    INFO(r_.body);                        \
    CHECK(r_.status == (st));             \
    CHECK(code_of(r_) == (code));         \
  } while (0)

std::string bearer(const std::string& t) { return "Authorization: Bearer " + t; }

struct Api {
  HttpClient c;
  explicit Api(const Env& e) : c(e.url()) {}
  Reply post(const std::string& path, const std::string& body, std::vector<std::string> h = {}) {
    h.push_back(kJson);
    return c.request("POST", path, body, h);
  }
  Reply send(const std::string& m, const std::string& path, const std::string& tok, const std::string& body = "") {
    std::vector<std::string> h;
    if (!tok.empty()) h.push_back(bearer(tok));
    if (!body.empty()) h.push_back(kJson);
    return c.request(m, path, body, h);
  }
  Reply get(const std::string& path, const std::string& tok = "") { return send("GET", path, tok); }
  void signup(const std::string& u, const std::string& pw = "password1") {
    Reply r = post("/api/v1/users", R"({"username":")" + u + R"(","password":")" + pw + R"("})");
    INFO(r.body);
    REQUIRE(r.status == 201);
  }
  std::string login(const std::string& u, const std::string& pw = "password1") {
    Reply r = post("/api/v1/auth/login", R"({"username":")" + u + R"(","password":")" + pw + R"("})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    return parse(r.body)["token"].GetString();
  }
  std::string user(const std::string& u) {
    signup(u);
    return login(u);
  }
  // Posts and returns the new tweet's id.
  std::string tweet(const std::string& tok, const std::string& text, const std::string& reply_to = "") {
    std::string body = R"({"text":")" + text + "\"" + (reply_to.empty() ? "" : R"(,"in_reply_to":")" + reply_to + "\"") + "}";
    Reply r = send("POST", "/api/v1/tweets", tok, body);
    INFO(r.body);
    REQUIRE(r.status == 201);
    return parse(r.body)["id"].GetString();
  }
};

// Follows next_cursor to the end; returns every item's `field` (or tweet id) in order.
std::vector<std::string> walk(Api& a, const std::string& path, const std::string& tok, const char* field,
                              int* pages = nullptr) {
  std::vector<std::string> out;
  std::string next = path;
  int n = 0;
  for (;;) {
    Reply r = a.get(next, tok);
    INFO(next << " " << r.body);
    REQUIRE(r.status == 200);
    auto d = parse(r.body);
    REQUIRE(d.HasMember("next_cursor"));
    for (auto& it : d["items"].GetArray()) out.push_back(it[field].GetString());
    ++n;
    if (d["next_cursor"].IsNull()) {
      CHECK(r.header("link").empty());
      break;
    }
    std::string link = r.header("link");
    REQUIRE(link.size() > 2);
    CHECK(link.find("rel=\"next\"") != std::string::npos);
    next = link.substr(1, link.find('>') - 1);  // the Link header's URL is the next page
    REQUIRE(n < 100);
  }
  if (pages) *pages = n;
  return out;
}

bool search_has(Api& a, const std::string& q, const std::string& id) {
  Reply r = a.get("/api/v1/search?q=" + q + "&sort=recent");
  if (r.status != 200) return false;
  auto d = parse(r.body);
  for (auto& h : d["items"].GetArray())
    if (std::string(h["tweet"]["id"].GetString()) == id) return true;
  return false;
}

// Retries up to 2 s (the engine applies changes to search within milliseconds).
template <typename Pred>
bool eventually(Pred p) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < until) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return p();
}

}  // namespace

TEST_CASE("signup, login and the user errors", "[routes]") {
  Env env;
  Api a(env);
  Reply r = a.post("/api/v1/users", R"({"username":"Alice","password":"password1","display_name":"Alice A"})");
  REQUIRE(r.status == 201);
  CHECK(r.header("location") == "/api/v1/users/Alice");
  auto d = parse(r.body);
  CHECK(std::string(d["username"].GetString()) == "Alice");
  CHECK(std::string(d["display_name"].GetString()) == "Alice A");
  CHECK(d["counts"]["tweets"].GetUint64() == 0);
  CHECK(std::string(d["created_at"].GetString()).back() == 'Z');
  CHECK(!d.HasMember("viewer_follows"));

  CHECK_ERR(a.post("/api/v1/users", R"({"username":"ALICE","password":"password1"})"), 409, "conflict");
  CHECK_ERR(a.post("/api/v1/users", R"({"username":"admin","password":"password1"})"), 422, "unprocessable");
  CHECK_ERR(a.post("/api/v1/users", R"({"username":"Search","password":"password1"})"), 422, "unprocessable");
  CHECK_ERR(a.post("/api/v1/users", R"({"username":"bad-name","password":"password1"})"), 422, "unprocessable");
  CHECK_ERR(a.post("/api/v1/users", R"({"username":"bob","password":"short"})"), 422, "unprocessable");
  CHECK_ERR(a.post("/api/v1/users", R"({"username":"bob","password":"password1","admin":true})"), 400, "bad_request");
  CHECK_ERR(a.post("/api/v1/users", R"({"username":7,"password":"password1"})"), 400, "bad_request");
  CHECK_ERR(a.post("/api/v1/users", R"({"password":"password1"})"), 400, "bad_request");
  if (env.in_process()) CHECK_ERR(a.post("/api/v1/users", R"({"username":"bob",)"), 400, "bad_request");
  CHECK_ERR(a.c.request("POST", "/api/v1/users", R"({"username":"bob","password":"password1"})",
                        {"Content-Type: text/plain"}),
            415, "unsupported_media_type");

  r = a.post("/api/v1/auth/login", R"({"username":"alice","password":"password1"})");
  REQUIRE(r.status == 200);
  d = parse(r.body);
  CHECK(d["token"].GetStringLength() > 10);
  CHECK(std::string(d["expires_at"].GetString()).back() == 'Z');
  CHECK(std::string(d["user"]["username"].GetString()) == "Alice");
  CHECK(r.header("set-cookie").empty());  // bearer clients get no cookie
  CHECK_ERR(a.post("/api/v1/auth/login", R"({"username":"alice","password":"wrong-password"})"), 401, "unauthorized");
  CHECK_ERR(a.post("/api/v1/auth/login", R"({"username":"nobody","password":"password1"})"), 401, "unauthorized");
  CHECK_ERR(a.post("/api/v1/auth/login", R"({"username":"alice","password":"password1","x":1})"), 400, "bad_request");
}

TEST_CASE("me: read, update, password, sessions, delete", "[routes]") {
  Env env;
  Api a(env);
  std::string tok = a.user("carol");
  Reply r = a.get("/api/v1/me", tok);
  REQUIRE(r.status == 200);
  CHECK(std::string(parse(r.body)["username"].GetString()) == "carol");
  CHECK_ERR(a.get("/api/v1/me"), 401, "unauthorized");
  CHECK(a.get("/api/v1/me").header("www-authenticate") == "Bearer");
  CHECK_ERR(a.get("/api/v1/me", "not-a-token"), 401, "unauthorized");
  CHECK_ERR(a.c.request("GET", "/api/v1/me", "", {"Authorization: Basic abc"}), 401, "unauthorized");

  r = a.send("PATCH", "/api/v1/me", tok, R"({"display_name":"Carol C","bio":"hello"})");
  REQUIRE(r.status == 200);
  CHECK(std::string(parse(r.body)["bio"].GetString()) == "hello");
  CHECK(std::string(parse(a.get("/api/v1/users/CAROL").body)["display_name"].GetString()) == "Carol C");
  CHECK_ERR(a.send("PATCH", "/api/v1/me", tok, R"({"bio":")" + std::string(161, 'b') + "\"}"), 422, "unprocessable");
  CHECK_ERR(a.send("PATCH", "/api/v1/me", tok, R"({"display_name":")" + std::string(51, 'd') + "\"}"), 422,
            "unprocessable");
  CHECK(a.send("PATCH", "/api/v1/me", tok, R"({"display_name":")" + std::string(50, 'd') + "\"}").status == 200);
  CHECK_ERR(a.send("PATCH", "/api/v1/me", tok, R"({"username":"x"})"), 400, "bad_request");
  CHECK_ERR(a.send("PATCH", "/api/v1/me", tok, R"({"bio":5})"), 400, "bad_request");

  // Logout revokes this token only.
  std::string other = a.login("carol");
  CHECK(a.send("POST", "/api/v1/auth/logout", other).status == 204);
  CHECK_ERR(a.get("/api/v1/me", other), 401, "unauthorized");
  CHECK(a.get("/api/v1/me", tok).status == 200);

  // Password change: other sessions revoked, this one kept.
  std::string second = a.login("carol");
  CHECK_ERR(a.send("PUT", "/api/v1/me/password", tok, R"({"current_password":"nope-nope","new_password":"password2"})"),
            401, "unauthorized");
  CHECK_ERR(a.send("PUT", "/api/v1/me/password", tok, R"({"current_password":"password1","new_password":"short"})"),
            422, "unprocessable");
  CHECK(a.send("PUT", "/api/v1/me/password", tok, R"({"current_password":"password1","new_password":"password2"})")
            .status == 204);
  CHECK_ERR(a.get("/api/v1/me", second), 401, "unauthorized");
  CHECK(a.get("/api/v1/me", tok).status == 200);
  CHECK_ERR(a.post("/api/v1/auth/login", R"({"username":"carol","password":"password1"})"), 401, "unauthorized");
  std::string third = a.login("carol", "password2");

  // Every session.
  CHECK(a.send("DELETE", "/api/v1/me/sessions", tok).status == 204);
  CHECK_ERR(a.get("/api/v1/me", tok), 401, "unauthorized");
  CHECK_ERR(a.get("/api/v1/me", third), 401, "unauthorized");

  // Account deletion: wrong password refused, then everything gone.
  tok = a.login("carol", "password2");
  std::string id = a.tweet(tok, "carol says goodbye zebracorn");
  CHECK_ERR(a.send("DELETE", "/api/v1/me", tok, R"({"password":"password1"})"), 401, "unauthorized");
  CHECK(a.get("/api/v1/me", tok).status == 200);
  CHECK(a.send("DELETE", "/api/v1/me", tok, R"({"password":"password2"})").status == 204);
  CHECK_ERR(a.get("/api/v1/users/carol"), 404, "not_found");
  CHECK_ERR(a.get("/api/v1/tweets/carol/" + id), 404, "not_found");
  CHECK_ERR(a.get("/api/v1/me", tok), 401, "unauthorized");
  CHECK(eventually([&] { return !search_has(a, "zebracorn", id); }));
}

TEST_CASE("follows: idempotent, lists with viewer_follows, pagination to the end", "[routes]") {
  Env env;
  Api a(env);
  std::string star = a.user("star");
  std::vector<std::string> toks;
  for (int i = 0; i < 5; ++i) toks.push_back(a.user("fan" + std::to_string(i)));
  for (auto& t : toks) {
    CHECK(a.send("PUT", "/api/v1/users/STAR/follow", t).status == 204);
    CHECK(a.send("PUT", "/api/v1/users/star/follow", t).status == 204);  // again: 204
  }
  CHECK_ERR(a.send("PUT", "/api/v1/users/star/follow", star), 422, "unprocessable");
  CHECK_ERR(a.send("PUT", "/api/v1/users/ghost/follow", star), 404, "not_found");
  CHECK_ERR(a.send("PUT", "/api/v1/users/star/follow", ""), 401, "unauthorized");
  auto d = parse(a.get("/api/v1/users/star", toks[0]).body);
  CHECK(d["counts"]["followers"].GetUint64() == 5);
  CHECK(d["viewer_follows"].GetBool());
  CHECK(!parse(a.get("/api/v1/users/fan1", toks[0]).body)["viewer_follows"].GetBool());

  int pages = 0;
  auto names = walk(a, "/api/v1/users/star/followers?limit=2", "", "username", &pages);
  CHECK(names.size() == 5);
  CHECK(pages == 3);
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == 5);
  auto following = walk(a, "/api/v1/users/fan0/following", "", "username");
  CHECK(following == std::vector<std::string>{"star"});
  d = parse(a.get("/api/v1/users/star/followers?limit=100", toks[1]).body);
  CHECK(d["items"][0].HasMember("viewer_follows"));
  CHECK_ERR(a.get("/api/v1/users/ghost/followers"), 404, "not_found");
  CHECK_ERR(a.get("/api/v1/users/star/followers?limit=0"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/users/star/followers?cursor=garbage!!"), 400, "bad_request");

  CHECK(a.send("DELETE", "/api/v1/users/star/follow", toks[0]).status == 204);
  CHECK(a.send("DELETE", "/api/v1/users/star/follow", toks[0]).status == 204);
  CHECK(parse(a.get("/api/v1/users/star").body)["counts"]["followers"].GetUint64() == 4);
}

TEST_CASE("tweets: post, read, delete, replies, likes, idempotency", "[routes]") {
  Env env;
  Api a(env);
  std::string ann = a.user("ann");
  std::string ben = a.user("ben");
  Reply r = a.send("POST", "/api/v1/tweets", ann, R"({"text":"hello #chirp @ben see https://example.com $CASH"})");
  REQUIRE(r.status == 201);
  auto d = parse(r.body);
  std::string id = d["id"].GetString();
  CHECK(r.header("location") == "/api/v1/tweets/ann/" + id);
  CHECK(std::string(d["username"].GetString()) == "ann");
  CHECK(d["in_reply_to"].IsNull());
  CHECK(std::string(d["entities"]["hashtags"][0]["tag"].GetString()) == "chirp");
  CHECK(d["entities"]["hashtags"][0]["indices"][0].GetInt() == 6);
  CHECK(std::string(d["entities"]["mentions"][0]["username"].GetString()) == "ben");
  CHECK(std::string(d["entities"]["urls"][0]["url"].GetString()) == "https://example.com");
  CHECK(std::string(d["entities"]["cashtags"][0]["tag"].GetString()) == "CASH");
  CHECK(d["counts"]["likes"].GetUint64() == 0);
  CHECK(d["viewer_liked"].IsFalse());

  CHECK(a.get("/api/v1/tweets/ann/" + id).status == 200);
  CHECK(a.get("/api/v1/tweets/ANN/" + id).status == 200);
  CHECK(!parse(a.get("/api/v1/tweets/ann/" + id).body).HasMember("viewer_liked"));
  CHECK_ERR(a.get("/api/v1/tweets/ben/" + id), 404, "not_found");  // wrong username
  CHECK_ERR(a.get("/api/v1/tweets/ann/123"), 404, "not_found");
  CHECK_ERR(a.get("/api/v1/tweets/ann/12abc"), 404, "not_found");  // malformed id: 404 too
  CHECK_ERR(a.get("/api/v1/tweets/ann/-1"), 404, "not_found");
  CHECK_ERR(a.get("/api/v1/tweets/ghost"), 404, "not_found");

  // Errors of the body.
  CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, R"({"text":""})"), 422, "unprocessable");
  CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, R"({"text":"   "})"), 422, "unprocessable");
  CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, R"({"text":")" + std::string(281, 'x') + "\"}"), 422,
            "unprocessable");
  CHECK(a.send("POST", "/api/v1/tweets", ann, R"({"text":")" + std::string(280, 'x') + "\"}").status == 201);
  CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, R"({"text":"hi","in_reply_to":"999999"})"), 422, "unprocessable");
  CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, R"({"text":"hi","in_reply_to":"x1"})"), 400, "bad_request");
  CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, R"({"text":"hi","in_reply_to":5})"), 400, "bad_request");
  CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, R"({"text":"hi","lang":"en"})"), 400, "bad_request");
  CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, R"({"text":true})"), 400, "bad_request");
  if (env.in_process()) CHECK_ERR(a.send("POST", "/api/v1/tweets", ann, "{\"text\":\"bad \xff byte\"}"), 400, "bad_request");
  CHECK_ERR(a.send("POST", "/api/v1/tweets", "", R"({"text":"hi"})"), 401, "unauthorized");

  // Idempotency-Key: a retry returns the first tweet.
  auto idem = [&] {
    return a.c.request("POST", "/api/v1/tweets", R"({"text":"only once"})",
                       {bearer(ann), kJson, "Idempotency-Key: k-123"});
  };
  Reply i1 = idem(), i2 = idem();
  REQUIRE(i1.status == 201);
  CHECK(parse(i1.body)["id"] == parse(i2.body)["id"]);

  // Replies, oldest first.
  std::string r1 = a.tweet(ben, "first reply", id);
  std::string r2 = a.tweet(ann, "second reply", id);
  d = parse(a.get("/api/v1/tweets/ben/" + r1).body);
  CHECK(std::string(d["in_reply_to"]["id"].GetString()) == id);
  CHECK(std::string(d["in_reply_to"]["username"].GetString()) == "ann");
  CHECK(walk(a, "/api/v1/tweets/ann/" + id + "/replies?limit=1", "", "id") == std::vector<std::string>{r1, r2});
  CHECK(parse(a.get("/api/v1/tweets/ann/" + id).body)["counts"]["replies"].GetUint64() == 2);
  CHECK_ERR(a.get("/api/v1/tweets/ben/" + id + "/replies"), 404, "not_found");

  // Likes: idempotent.
  CHECK(a.send("PUT", "/api/v1/tweets/ann/" + id + "/like", ben).status == 204);
  CHECK(a.send("PUT", "/api/v1/tweets/ann/" + id + "/like", ben).status == 204);
  d = parse(a.get("/api/v1/tweets/ann/" + id, ben).body);
  CHECK(d["counts"]["likes"].GetUint64() == 1);
  CHECK(d["viewer_liked"].GetBool());
  CHECK_ERR(a.send("PUT", "/api/v1/tweets/ben/" + id + "/like", ben), 404, "not_found");
  CHECK_ERR(a.send("PUT", "/api/v1/tweets/ann/1/like", ben), 404, "not_found");
  CHECK(a.send("DELETE", "/api/v1/tweets/ann/" + id + "/like", ben).status == 204);
  CHECK(a.send("DELETE", "/api/v1/tweets/ann/" + id + "/like", ben).status == 204);
  CHECK(parse(a.get("/api/v1/tweets/ann/" + id).body)["counts"]["likes"].GetUint64() == 0);

  // Deleting another's tweet: 403 and it is still there.
  CHECK_ERR(a.send("DELETE", "/api/v1/tweets/ann/" + id, ben), 403, "forbidden");
  CHECK(a.get("/api/v1/tweets/ann/" + id).status == 200);
  CHECK_ERR(a.send("DELETE", "/api/v1/tweets/ben/" + id, ann), 404, "not_found");
  CHECK_ERR(a.send("DELETE", "/api/v1/tweets/ann/" + id, ""), 401, "unauthorized");
  CHECK(a.send("DELETE", "/api/v1/tweets/ann/" + id, ann).status == 204);
  CHECK_ERR(a.get("/api/v1/tweets/ann/" + id), 404, "not_found");
  CHECK_ERR(a.send("DELETE", "/api/v1/tweets/ann/" + id, ann), 404, "not_found");
}

TEST_CASE("lists: every timeline paged to the end with Link headers", "[routes]") {
  Env env;
  Api a(env);
  std::string x = a.user("xavier");
  std::string y = a.user("yvonne");
  std::vector<std::string> xs, ys;
  for (int i = 0; i < 5; ++i) xs.push_back(a.tweet(x, "x number " + std::to_string(i)));
  for (int i = 0; i < 3; ++i) ys.push_back(a.tweet(y, "y number " + std::to_string(i)));
  std::vector<std::string> x_newest(xs.rbegin(), xs.rend());

  int pages = 0;
  CHECK(walk(a, "/api/v1/tweets/xavier?limit=2", "", "id", &pages) == x_newest);
  CHECK(pages == 3);
  auto all = walk(a, "/api/v1/tweets?limit=3", "", "id");
  CHECK(all.size() == 8);
  CHECK(all.front() == ys.back());
  CHECK(walk(a, "/api/v1/tweets", "", "id") == all);  // default limit 20: one page

  // Home: people I follow + me.
  CHECK(walk(a, "/api/v1/timeline?limit=2", y, "id") == std::vector<std::string>(ys.rbegin(), ys.rend()));
  REQUIRE(a.send("PUT", "/api/v1/users/xavier/follow", y).status == 204);
  CHECK(walk(a, "/api/v1/timeline?limit=2", y, "id").size() == 8);
  CHECK_ERR(a.get("/api/v1/timeline"), 401, "unauthorized");

  // limit and cursor errors; clamping.
  CHECK_ERR(a.get("/api/v1/tweets?limit=0"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/tweets?limit=-3"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/tweets?limit=ten"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/tweets?cursor=%%%"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/tweets?cursor=notacursor"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/tweets/xavier?cursor=notacursor"), 400, "bad_request");
  Reply r = a.get("/api/v1/tweets?limit=1000");
  CHECK(r.status == 200);
  CHECK(parse(r.body)["items"].Size() == 8);
}

TEST_CASE("search finds a new tweet at once and forgets a deleted one", "[routes]") {
  Env env;
  Api a(env);
  std::string t = a.user("sam");
  std::string id = a.tweet(t, "the quokka smiles at #sunrise");
  CHECK(eventually([&] { return search_has(a, "quokka", id); }));
  Reply r = a.get("/api/v1/search?q=quokka", t);
  REQUIRE(r.status == 200);
  auto d = parse(r.body);
  REQUIRE(d["items"].Size() == 1);
  auto& hit = d["items"][0];
  CHECK(std::string(hit["tweet"]["username"].GetString()) == "sam");
  CHECK(hit["tweet"].HasMember("viewer_liked"));
  CHECK(hit["highlights"][0][0].GetInt() == 4);
  CHECK(hit["highlights"][0][1].GetInt() == 10);
  CHECK(hit["score"].IsNumber());
  CHECK(d["next_cursor"].IsNull());
  CHECK(d["estimated_total"].GetUint64() >= 1);
  CHECK(d.HasMember("suggestion"));

  // Paging through search with sort=recent.
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(a.tweet(t, "wombat number " + std::to_string(i)));
  CHECK(eventually([&] { return search_has(a, "wombat", ids.back()); }));
  std::vector<std::string> got;
  std::string next = "/api/v1/search?q=wombat&sort=recent&limit=3";
  for (int n = 0; n < 10; ++n) {
    r = a.get(next);
    REQUIRE(r.status == 200);
    d = parse(r.body);
    for (auto& h : d["items"].GetArray()) got.push_back(h["tweet"]["id"].GetString());
    if (d["next_cursor"].IsNull()) break;
    std::string link = r.header("link");
    REQUIRE(!link.empty());
    next = link.substr(1, link.find('>') - 1);
  }
  CHECK(got == std::vector<std::string>(ids.rbegin(), ids.rend()));

  // counts per day
  r = a.get("/api/v1/search/counts?q=wombat");
  REQUIRE(r.status == 200);
  d = parse(r.body);
  CHECK(d["total"].GetUint64() == 4);
  CHECK(d["items"].Size() >= 1);

  // errors
  CHECK_ERR(a.get("/api/v1/search"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/search?q="), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/search?q=" + std::string(513, 'a')), 400, "bad_request");
  std::string padded = "wombat";
  for (int i = 0; i < 506; ++i) padded += "%20";  // 512 bytes once decoded
  CHECK(a.get("/api/v1/search?q=" + padded).status == 200);
  CHECK_ERR(a.get("/api/v1/search?q=" + padded + "%20"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/search?q=%22unclosed"), 400, "bad_request");  // malformed query
  if (env.in_process()) CHECK_ERR(a.get("/api/v1/search?q=caf%C3"), 400, "bad_request");  // not UTF-8
  CHECK(a.get("/api/v1/search?q=caf%C3%A9").status == 200);
  CHECK_ERR(a.get("/api/v1/search?q=a%20OR"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/search?q=x&sort=popular"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/search?q=x&limit=0"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/search?q=x&cursor=bogus"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/search/counts?q=x&since=yesterday"), 400, "bad_request");
  CHECK_ERR(a.get("/api/v1/search/counts"), 400, "bad_request");

  // a deleted tweet is gone
  REQUIRE(a.send("DELETE", "/api/v1/tweets/sam/" + id, t).status == 204);
  CHECK(eventually([&] { return !search_has(a, "quokka", id); }));
}

TEST_CASE("cookie session with a double-submit CSRF token", "[routes]") {
  Env env;
  Api a(env);
  a.signup("webby");
  // Nobody logged in: the session read is 200 {"user":null}, never a 401.
  Reply r = a.get("/api/v1/auth/session");
  REQUIRE(r.status == 200);
  CHECK(parse(r.body)["user"].IsNull());

  r = a.post("/api/v1/auth/login", R"({"username":"webby","password":"password1","cookie":true})");
  REQUIRE(r.status == 200);
  auto d = parse(r.body);
  std::string token = d["token"].GetString(), csrf = d["csrf_token"].GetString();
  // The proxy of the contract run joins repeated Set-Cookie headers into one.
  if (env.in_process()) {
    std::vector<std::string> cookies;
    for (auto& [k, v] : r.headers)
      if (k == "set-cookie") cookies.push_back(v);
    REQUIRE(cookies.size() == 2);
    CHECK(cookies[0].rfind("chirp_session=" + token + ";", 0) == 0);
    CHECK(cookies[0].find("HttpOnly") != std::string::npos);
    CHECK(cookies[0].find("SameSite=Strict") != std::string::npos);
    CHECK(cookies[0].find("Path=/") != std::string::npos);
    CHECK(cookies[1].rfind("chirp_csrf=" + csrf + ";", 0) == 0);
    CHECK(cookies[1].find("HttpOnly") == std::string::npos);
    CHECK(cookies[1].find("SameSite=Strict") != std::string::npos);
  } else {
    CHECK(r.header("set-cookie").find("chirp_session=" + token + ";") != std::string::npos);
  }

  const std::string jar = "Cookie: chirp_session=" + token + "; chirp_csrf=" + csrf;
  r = a.c.request("GET", "/api/v1/auth/session", "", {jar});
  CHECK(std::string(parse(r.body)["user"]["username"].GetString()) == "webby");
  CHECK(a.c.request("GET", "/api/v1/me", "", {jar}).status == 200);

  // Unsafe methods need X-CSRF-Token equal to the csrf cookie.
  CHECK_ERR(a.c.request("POST", "/api/v1/tweets", R"({"text":"via cookie"})", {jar, kJson}), 403, "forbidden");
  CHECK_ERR(a.c.request("POST", "/api/v1/tweets", R"({"text":"via cookie"})", {jar, kJson, "X-CSRF-Token: nope"}),
            403, "forbidden");
  CHECK_ERR(a.c.request("POST", "/api/v1/tweets", R"({"text":"via cookie"})",
                        {"Cookie: chirp_session=" + token, kJson, "X-CSRF-Token: " + csrf}),
            403, "forbidden");  // no csrf cookie to match
  CHECK(walk(a, "/api/v1/tweets/webby", "", "id").empty());  // nothing was posted
  r = a.c.request("POST", "/api/v1/tweets", R"({"text":"via cookie"})", {jar, kJson, "X-CSRF-Token: " + csrf});
  CHECK(r.status == 201);

  // Logout clears both cookies and revokes the session.
  CHECK_ERR(a.c.request("POST", "/api/v1/auth/logout", "", {jar}), 403, "forbidden");
  r = a.c.request("POST", "/api/v1/auth/logout", "", {jar, "X-CSRF-Token: " + csrf});
  CHECK(r.status == 204);
  if (env.in_process()) {
    int cleared = 0;
    for (auto& [k, v] : r.headers)
      if (k == "set-cookie" && v.find("Max-Age=0") != std::string::npos) ++cleared;
    CHECK(cleared == 2);
  }
  // The stale cookie: the session read is anonymous, required routes 401.
  r = a.c.request("GET", "/api/v1/auth/session", "", {jar});
  CHECK(r.status == 200);
  CHECK(parse(r.body)["user"].IsNull());
  CHECK_ERR(a.c.request("GET", "/api/v1/me", "", {jar}), 401, "unauthorized");
  // A bearer token wins over a cookie and needs no CSRF header.
  std::string tok = a.login("webby");
  CHECK(a.c.request("POST", "/api/v1/tweets", R"({"text":"via bearer"})", {jar, kJson, bearer(tok)}).status == 201);
}

TEST_CASE("routing errors, limits and readiness", "[routes]") {
  Env env(/*rate_limit=*/true);
  Api a(env);
  CHECK_ERR(a.get("/api/v1/nope"), 404, "not_found");
  Reply r = a.c.request("PATCH", "/api/v1/tweets", "", {});
  CHECK_ERR(r, 405, "method_not_allowed");
  CHECK(r.header("allow").find("POST") != std::string::npos);
  CHECK(r.header("allow").find("GET") != std::string::npos);
  r = a.c.request("POST", "/api/v1/users/bob", "", {});
  CHECK(r.status == 405);

  // 413 for a real body over the 16 KiB limit.
  CHECK_ERR(a.post("/api/v1/users", R"({"username":"big","password":")" + std::string(20000, 'p') + "\"}"), 413,
            "payload_too_large");
  if (!env.in_process()) {
    CHECK(a.get("/ready").status == 200);
    return;
  }
  // 413 from the declared Content-Length, before the body.
  std::string raw = raw_exchange(env.local->port,
                                 "POST /api/v1/tweets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                 "Content-Length: 100000000000000\r\n\r\n");
  CHECK(raw.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(raw.find("payload_too_large") != std::string::npos);

  r = a.get("/ready");
  CHECK(r.status == 200);
  CHECK(parse(r.body).HasMember("searchable_seq"));

  // Signup is stricter: burst 3 in this test, then 429 with Retry-After.
  for (int i = 0; i < 3; ++i) a.signup("limit" + std::to_string(i));
  r = a.post("/api/v1/users", R"({"username":"limit9","password":"password1"})");
  CHECK_ERR(r, 429, "rate_limited");
  CHECK(std::atoi(r.header("retry-after").c_str()) >= 1);
  // Login too (its own bucket, burst 3 here), wrong passwords included.
  for (int i = 0; i < 3; ++i)
    CHECK(a.post("/api/v1/auth/login", R"({"username":"limit0","password":"wrong-pass"})").status == 401);
  r = a.post("/api/v1/auth/login", R"({"username":"limit0","password":"password1"})");
  CHECK_ERR(r, 429, "rate_limited");
  CHECK(!r.header("retry-after").empty());
  CHECK(a.get("/health").status == 200);
  CHECK(a.get("/api/v1/tweets").status == 200);  // other classes unaffected
}

TEST_CASE("openapi.json documents every domain route", "[routes]") {
  Env env;
  Api a(env);
  Reply r = a.get("/api/v1/openapi.json");
  REQUIRE(r.status == 200);
  auto d = parse(r.body);
  REQUIRE(d.IsObject());
  const char* paths[] = {"/api/v1/users", "/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/auth/session",
                         "/api/v1/me", "/api/v1/me/password", "/api/v1/me/sessions", "/api/v1/users/{username}",
                         "/api/v1/users/{username}/follow", "/api/v1/users/{username}/followers",
                         "/api/v1/users/{username}/following", "/api/v1/tweets", "/api/v1/tweets/{username}",
                         "/api/v1/tweets/{username}/{id}", "/api/v1/tweets/{username}/{id}/replies",
                         "/api/v1/tweets/{username}/{id}/like", "/api/v1/timeline", "/api/v1/search",
                         "/api/v1/search/counts"};
  for (const char* p : paths) {
    INFO(p);
    REQUIRE(d["paths"].HasMember(p));
    for (auto& op : d["paths"][p].GetObject()) {
      CHECK(op.value.HasMember("summary"));
      CHECK(op.value["responses"].MemberCount() >= 2);
    }
  }
  CHECK(d["paths"]["/api/v1/me"].HasMember("patch"));
  CHECK(d["paths"]["/api/v1/me"].HasMember("delete"));
  for (const char* s : {"User", "Tweet", "SearchHit", "UserList", "TweetList", "SearchResults", "RegisterRequest"})
    CHECK(d["components"]["schemas"].HasMember(s));
}

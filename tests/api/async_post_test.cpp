// POST /api/v1/tweets answered when its group commit is durable, not on a
// server thread held for the commit (RequestContext::defer +
// Engine::post_tweet_async): a real Server + Engine over loopback. The other
// writes (DELETE of a tweet, like/unlike, follow/unfollow) the same way
// (Engine::*_async).
// Checks: many concurrent posts all acknowledged and all on disk after a
// restart, the same for the other writes (with their error statuses),
// the access log and metrics recorded once per late reply,
// Idempotency-Key still honoured, a full store answers 507 (no hang), a
// failing read after the commit (the reply's viewer_liked) answers 500 with
// the tweet kept, and a shutdown with posts in flight answers or closes every
// connection cleanly.
// Catch2 assertions stay on the main thread: client threads only record.
#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chirp/api/internal.h"
#include "chirp/api/server.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "chirp/storage/faults.h"
#include "engine_server.h"
#include "http_client.h"

using namespace chirp::api;
using chirp::test::HttpClient;
using chirp::test::Reply;
namespace fs = std::filesystem;

namespace {

const std::string kJson = "Content-Type: application/json";

// The loopback fixture plus a ring-buffer access log to count late replies.
struct Env : chirp::test::EngineServer {
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);

  std::chrono::milliseconds header_timeout{0};  // 0: the server's default

  explicit Env(uint64_t max_map = 0, std::chrono::milliseconds header_timeout_ms = {})
      : EngineServer("async-post"), header_timeout(header_timeout_ms) {
    if (max_map != 0) options.map_size = options.max_map_size = max_map;
    options.search = false;
    start();
  }
  void start() {
    EngineServer::start([&](ServerConfig& c) {
      c.threads = 2;  // fewer server threads than posts in flight: the point of late replies
      c.logger = std::make_shared<spdlog::logger>("test.async_post", log);
      if (header_timeout.count() > 0) c.header_timeout = header_timeout;
    });
  }
  // Late replies still counted in flight, once they settle: a reply's count
  // drops just after its response is written (dispatcher.cpp), so a client
  // can hold its response a moment before the count does.
  int64_t late_replies_in_flight() const {
    for (int i = 0; i < 5000 && server->dispatcher().deferred_in_flight() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return server->dispatcher().deferred_in_flight();
  }
  size_t log_lines_with(const std::string& needle, const std::string& and_needle = "") const {
    size_t n = 0;
    for (const std::string& line : log->last_formatted())
      if (line.find(needle) != std::string::npos && line.find(and_needle) != std::string::npos) ++n;
    return n;
  }
};

rapidjson::Document parse(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

std::string token_for(const Env& env, const std::string& user) {
  HttpClient c(env.url());
  std::string creds = R"({"username":")" + user + R"(","password":"password1"})";
  Reply r = c.request("POST", "/api/v1/users", creds, {kJson});
  REQUIRE(r.status == 201);
  r = c.request("POST", "/api/v1/auth/login", creds, {kJson});
  REQUIRE(r.status == 200);
  return parse(r.body)["token"].GetString();
}

Reply post(HttpClient& c, const std::string& token, const std::string& text, const std::string& key = "") {
  std::vector<std::string> h = {kJson, "Authorization: Bearer " + token};
  if (!key.empty()) h.push_back("Idempotency-Key: " + key);
  return c.request("POST", "/api/v1/tweets", R"({"text":")" + text + R"("})", h);
}

// One client's record of its posts (checked on the main thread).
struct Outcome {
  std::vector<long> statuses;
  std::vector<std::string> ids;  // of the 201s
  std::vector<std::string> problems;
};

}  // namespace

TEST_CASE("late replies: many concurrent posts over loopback are all acknowledged and durable",
          "[async-post]") {
  Env env;
  const std::string token = token_for(env, "alice");
  constexpr int kClients = 16, kPosts = 25;  // 16 connections in flight on 2 server threads
  std::vector<Outcome> out(kClients);
  {
    std::vector<std::thread> clients;
    for (int t = 0; t < kClients; ++t)
      clients.emplace_back([&, t] {
        HttpClient c(env.url());  // keep-alive: one connection per client
        for (int i = 0; i < kPosts; ++i) {
          Reply r = post(c, token, "post " + std::to_string(t) + " " + std::to_string(i));
          out[t].statuses.push_back(r.status);
          if (r.status != 201) continue;
          auto d = parse(r.body);
          if (!d.IsObject() || !d.HasMember("id")) {
            out[t].problems.push_back("no id in " + r.body);
            continue;
          }
          std::string id = d["id"].GetString();
          if (r.header("location") != "/api/v1/tweets/alice/" + id) out[t].problems.push_back("Location " + r.header("location"));
          if (r.header("x-request-id").size() != 16) out[t].problems.push_back("no X-Request-Id");
          if (d["text"].GetString() != "post " + std::to_string(t) + " " + std::to_string(i))
            out[t].problems.push_back("text of another post: " + r.body);
          out[t].ids.push_back(std::move(id));
        }
      });
    for (auto& c : clients) c.join();
  }
  std::set<std::string> ids;
  for (const auto& o : out) {
    for (const auto& p : o.problems) FAIL_CHECK(p);
    for (long s : o.statuses) CHECK(s == 201);
    ids.insert(o.ids.begin(), o.ids.end());
  }
  CHECK(ids.size() == size_t(kClients * kPosts));

  // Recorded when each reply was sent: one access line and one metric each.
  CHECK(env.log_lines_with("\"POST /api/v1/tweets\" 201") == size_t(kClients * kPosts));
  const std::string metrics = env.server->dispatcher().metrics().render();
  CHECK(metrics.find("chirp_http_requests_total{method=\"POST\",route=\"/api/v1/tweets\",status=\"201\"} " +
                     std::to_string(kClients * kPosts) + "\n") != std::string::npos);
  CHECK(env.late_replies_in_flight() == 0);

  // Restarted: every acknowledged tweet is there.
  env.stop();
  env.start();
  HttpClient c(env.url());
  for (const auto& id : ids) {
    Reply r = c.get("/api/v1/tweets/alice/" + id);
    INFO(id);
    CHECK(r.status == 200);
  }
}

TEST_CASE("late replies: many concurrent deletes, likes and follows over loopback are all acknowledged and durable",
          "[async-post]") {
  Env env;
  constexpr int kClients = 16, kOwn = 12, kLikes = 24;  // 16 connections in flight on 2 server threads
  const std::string alice_token = token_for(env, "alice");
  auto alice = env.engine->find_user("alice");
  REQUIRE(alice.ok());
  std::vector<std::string> alice_tweets;
  for (int i = 0; i < kLikes; ++i) {
    auto t = env.engine->post_tweet(alice->id, "alice " + std::to_string(i));
    REQUIRE(t.ok());
    alice_tweets.push_back(std::to_string(t->id));
  }
  std::vector<std::string> names, tokens;
  std::vector<std::vector<std::string>> own(kClients);  // each client's tweets
  for (int t = 0; t < kClients; ++t) {
    names.push_back("u" + std::to_string(t));
    tokens.push_back(token_for(env, names.back()));
    auto u = env.engine->find_user(names.back());
    REQUIRE(u.ok());
    for (int j = 0; j < kOwn; ++j) {
      auto tw = env.engine->post_tweet(u->id, names.back() + " " + std::to_string(j));
      REQUIRE(tw.ok());
      own[t].push_back(std::to_string(tw->id));
    }
  }

  // Each client: follows alice, u(t+1) (then unfollows) and u(t+2); likes
  // every tweet of alice and unlikes the odd ones; deletes its even tweets;
  // and gets the usual errors late too: 403 deleting alice's tweet, 422
  // following itself, 404 for an unknown user.
  struct Expect {
    std::string method, path;
    long status;
  };
  std::vector<std::vector<Expect>> plan(kClients);
  for (int t = 0; t < kClients; ++t) {
    auto& p = plan[t];
    const std::string next = names[(t + 1) % kClients], next2 = names[(t + 2) % kClients];
    p.push_back({"PUT", "/api/v1/users/alice/follow", 204});
    p.push_back({"PUT", "/api/v1/users/" + next + "/follow", 204});
    for (int i = 0; i < kLikes; ++i) {
      const std::string like = "/api/v1/tweets/alice/" + alice_tweets[i] + "/like";
      p.push_back({"PUT", like, 204});
      if (i % 2 == 1) p.push_back({"DELETE", like, 204});
      if (i % 4 == 1) p.push_back({"DELETE", like, 204});  // idempotent: 204 again when not liked
      if (i < kOwn && i % 2 == 0) p.push_back({"DELETE", "/api/v1/tweets/" + names[t] + "/" + own[t][i], 204});
    }
    p.push_back({"DELETE", "/api/v1/users/" + next + "/follow", 204});
    p.push_back({"PUT", "/api/v1/users/" + next2 + "/follow", 204});
    p.push_back({"PUT", "/api/v1/users/alice/follow", 204});  // idempotent
    p.push_back({"DELETE", "/api/v1/tweets/alice/" + alice_tweets[0], 403});
    p.push_back({"PUT", "/api/v1/users/" + names[t] + "/follow", 422});
    p.push_back({"PUT", "/api/v1/users/nobody/follow", 404});
  }
  std::vector<Outcome> out(kClients);
  {
    std::vector<std::thread> clients;
    for (int t = 0; t < kClients; ++t)
      clients.emplace_back([&, t] {
        HttpClient c(env.url());  // keep-alive: one connection per client
        for (const Expect& x : plan[t]) {
          Reply r = c.request(x.method, x.path, "", {"Authorization: Bearer " + tokens[t]});
          out[t].statuses.push_back(r.status);
          const std::string what = x.method + " " + x.path;
          if (r.status != x.status) out[t].problems.push_back(what + ": " + std::to_string(r.status) + " " + r.body);
          if (r.header("x-request-id").size() != 16) out[t].problems.push_back(what + ": no X-Request-Id");
          if (x.status == 204 && !r.body.empty()) out[t].problems.push_back(what + ": a body with 204");
          if (x.status != 204) {
            auto d = parse(r.body);
            if (!d.IsObject() || !d.HasMember("error") || !d["error"].IsObject() || !d["error"].HasMember("code"))
              out[t].problems.push_back(what + ": not the JSON error shape: " + r.body);
          }
        }
      });
    for (auto& c : clients) c.join();
  }
  size_t total = 0;
  std::map<std::string, size_t> per_kind;  // "PUT 204" -> replies
  for (int t = 0; t < kClients; ++t) {
    for (const auto& p : out[t].problems) FAIL_CHECK(p);
    CHECK(out[t].statuses.size() == plan[t].size());
    total += plan[t].size();
    for (const Expect& x : plan[t]) ++per_kind[x.method + " " + std::to_string(x.status)];
  }

  // Recorded when each reply was sent: one access line each.
  for (const auto& [kind, n] : per_kind) {
    const std::string method = kind.substr(0, kind.find(' ')), status = kind.substr(kind.find(' ') + 1);
    INFO(kind);
    CHECK(env.log_lines_with("\"" + method + " /api/v1/", "\" " + status + " ") == n);
  }
  CHECK(env.log_lines_with("\"PUT /api/v1/", "") + env.log_lines_with("\"DELETE /api/v1/", "") == total);
  CHECK(env.late_replies_in_flight() == 0);

  // Restarted: every acknowledged write is there.
  env.stop();
  env.start();
  HttpClient c(env.url());
  for (int i = 0; i < kLikes; ++i) {
    Reply r = c.get("/api/v1/tweets/alice/" + alice_tweets[i], {"Authorization: Bearer " + tokens[0]});
    REQUIRE(r.status == 200);
    auto d = parse(r.body);
    INFO(r.body);
    CHECK(d["counts"]["likes"].GetUint64() == (i % 2 == 0 ? size_t(kClients) : 0));
    CHECK(d["viewer_liked"].GetBool() == (i % 2 == 0));
  }
  Reply a = c.get("/api/v1/users/alice");
  REQUIRE(a.status == 200);
  CHECK(parse(a.body)["counts"]["followers"].GetUint64() == size_t(kClients));
  for (int t = 0; t < kClients; ++t) {
    Reply u = c.get("/api/v1/users/" + names[t], {"Authorization: Bearer " + tokens[(t + kClients - 2) % kClients]});
    REQUIRE(u.status == 200);
    auto d = parse(u.body);
    INFO(u.body);
    CHECK(d["counts"]["following"].GetUint64() == 2);  // alice and u(t+2)
    CHECK(d["counts"]["followers"].GetUint64() == 1);  // u(t-2)
    CHECK(d["counts"]["tweets"].GetUint64() == size_t(kOwn / 2));
    CHECK(d["viewer_follows"].GetBool());
    for (int j = 0; j < kOwn; ++j) {
      INFO(own[t][j]);
      CHECK(c.get("/api/v1/tweets/" + names[t] + "/" + own[t][j]).status == (j % 2 == 0 ? 404 : 200));
    }
  }
}

TEST_CASE("late replies: writes waiting for split mode's consumer acks hold no server thread", "[async-post]") {
  // Split mode wraps every write (wait_for_consumers_on_writes): a 2xx answer
  // that logged changes waits until the live consumers applied them. Late, that
  // wait holds no server thread: more writes wait than there are threads, and a
  // request meanwhile is served at once.
  auto acks = std::make_shared<ConsumerAcks>(std::chrono::minutes(5));  // the consumer stays live
  Env env;
  env.wrap_tables = [&](std::vector<RouteTable>& tables) {
    for (auto& t : tables) wait_for_consumers_on_writes(t, *env.engine, acks, std::chrono::seconds(60));
  };
  env.stop();
  env.start();
  constexpr int kClients = 12;  // on 2 server threads
  const std::string alice_token = token_for(env, "alice");
  auto alice = env.engine->find_user("alice");
  REQUIRE(alice.ok());
  auto target = env.engine->post_tweet(alice->id, "like me");
  REQUIRE(target.ok());
  const std::string tid = std::to_string(target->id);
  std::vector<std::string> tokens, mine;
  for (int t = 0; t < kClients; ++t) {
    const std::string name = "w" + std::to_string(t);
    tokens.push_back(token_for(env, name));
    auto u = env.engine->find_user(name);
    REQUIRE(u.ok());
    auto tw = env.engine->post_tweet(u->id, "mine");
    REQUIRE(tw.ok());
    mine.push_back("/api/v1/tweets/" + name + "/" + std::to_string(tw->id));
  }
  acks->seen("tweets", env.engine->last_change_seq());  // live, and has applied everything so far

  std::vector<Reply> replies(kClients);
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t)
    clients.emplace_back([&, t] {
      HttpClient c(env.url());
      const std::vector<std::string> auth = {"Authorization: Bearer " + tokens[t]};
      switch (t % 3) {
        case 0: replies[t] = c.request("PUT", "/api/v1/tweets/alice/" + tid + "/like", "", auth); break;
        case 1: replies[t] = c.request("PUT", "/api/v1/users/alice/follow", "", auth); break;
        default: replies[t] = c.request("DELETE", mine[t], "", auth); break;
      }
      answered.fetch_add(1);
    });
  // Every write is committed and waits for the consumer, none answered yet.
  for (int i = 0; i < 3000 && env.server->dispatcher().deferred_in_flight() < kClients; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(env.server->dispatcher().deferred_in_flight() == kClients);
  CHECK(answered.load() == 0);
  {  // Meanwhile a server thread is free: a read, and an error (never held for acks).
    HttpClient c(env.url());
    CHECK(c.get("/api/v1/users/alice").status == 200);
    Reply denied = c.request("DELETE", "/api/v1/tweets/alice/" + tid, "", {"Authorization: Bearer " + tokens[0]});
    CHECK(denied.status == 403);
  }
  CHECK(answered.load() == 0);
  // The consumer applies the changes: every write is answered.
  for (int i = 0; i < 3000 && answered.load() < kClients; ++i) {
    acks->seen("tweets", env.engine->last_change_seq());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& c : clients) c.join();
  for (const Reply& r : replies) CHECK(r.status == 204);
  CHECK(acks->timeouts() == 0);
  CHECK(env.late_replies_in_flight() == 0);
  auto a = env.engine->get_user(alice->id);
  REQUIRE(a.ok());
  CHECK(a->counts.followers == size_t(kClients / 3));
  CHECK(env.engine->get_tweet(target->id)->like_count == size_t(kClients / 3));
}

TEST_CASE("late replies: written whole, and the kept-alive connection outlives the header timeout",
          "[async-post]") {
  // Late replies are written as bytes with Tcp::Peer::send (server.cpp,
  // Outgoing::send), not through Pistache's ResponseWriter, which marks the
  // connection idle again; without that mark, Pistache's timeout check
  // answers 408 and closes a kept-alive connection once the header timeout
  // (here 1.5 s, checked every 500 ms) has passed since the last request.
  Env env(0, std::chrono::milliseconds(1500));
  const std::string token = token_for(env, "carol");
  HttpClient c(env.url());
  Reply first = post(c, token, "kept alive");
  REQUIRE(first.status == 201);
  CHECK(first.header("content-type") == "application/json");
  CHECK(first.header("x-content-type-options") == "nosniff");
  CHECK(first.header("x-frame-options") == "DENY");
  CHECK(first.header("location") == "/api/v1/tweets/carol/" + std::string(parse(first.body)["id"].GetString()));
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  Reply after = c.get("/health");
  CHECK(after.status == 200);
  CHECK(after.new_connections == 0);  // the same connection, not closed by a 408

  for (const std::string version : {"HTTP/1.1", "HTTP/1.0"}) {
    const std::string body = R"({"text":"raw bytes"})";
    bool closed = false;
    std::string out = chirp::test::raw_exchange(
        env.port,
        "POST /api/v1/tweets " + version + "\r\nHost: x\r\n" + kJson + "\r\nAuthorization: Bearer " + token +
            "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
        5000, &closed);
    INFO(out);
    CHECK(out.rfind(version + " 201 Created\r\n", 0) == 0);
    CHECK(closed);
    const size_t end = out.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    const std::string head = out.substr(0, end + 2), rest = out.substr(end + 4);
    CHECK(head.find("\r\nConnection: Close\r\n") != std::string::npos);
    CHECK(head.find("\r\nContent-Length: " + std::to_string(rest.size()) + "\r\n") != std::string::npos);
    CHECK(head.find("\r\nLocation: /api/v1/tweets/") != std::string::npos);
    auto doc = parse(rest);
    REQUIRE(doc.IsObject());
    CHECK(std::string(doc["text"].GetString()) == "raw bytes");
  }
}

TEST_CASE("late replies: Idempotency-Key retries in flight together get one tweet", "[async-post]") {
  Env env;
  const std::string token = token_for(env, "bob");
  constexpr int kClients = 8;
  std::vector<Reply> replies(kClients);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t)
    clients.emplace_back([&, t] {
      HttpClient c(env.url());
      replies[t] = post(c, token, "once only", "key-1");
    });
  for (auto& c : clients) c.join();
  std::set<std::string> ids;
  for (const auto& r : replies) {
    INFO(r.body);
    REQUIRE(r.status == 201);
    ids.insert(parse(r.body)["id"].GetString());
  }
  CHECK(ids.size() == 1);
  HttpClient c(env.url());
  Reply list = c.get("/api/v1/tweets/bob");
  REQUIRE(list.status == 200);
  CHECK(parse(list.body)["items"].Size() == 1);
  // Validation errors are still answered at once, in the usual shape.
  Reply blank = post(c, token, "   ");
  CHECK(blank.status == 422);
}

TEST_CASE("late replies: a full store answers 507, never hangs, and the server keeps serving",
          "[async-post]") {
  Env env(256 * 1024);
  const std::string token = token_for(env, "carol");
  constexpr int kClients = 8, kPosts = 200;  // far more than 256 KiB holds
  std::vector<Outcome> out(kClients);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t)
    clients.emplace_back([&, t] {
      HttpClient c(env.url());
      for (int i = 0; i < kPosts; ++i) {
        Reply r = post(c, token, std::string(270, char('a' + (t + i) % 26)));
        out[t].statuses.push_back(r.status);
        if (r.status == 507) break;
        if (r.status == 201) out[t].ids.push_back(parse(r.body)["id"].GetString());
      }
    });
  for (auto& c : clients) c.join();
  size_t full = 0, ok = 0;
  for (const auto& o : out)
    for (long s : o.statuses) {
      if (s == 507) ++full;
      else if (s == 201) ++ok;
      else FAIL_CHECK("unexpected status " << s);  // 0 would be a hang (client timeout)
    }
  CHECK(full == size_t(kClients));  // every client ended on a 507
  HttpClient c(env.url());
  CHECK(c.get("/health").status == 200);
  Reply user = c.get("/api/v1/users/carol");
  REQUIRE(user.status == 200);
  CHECK(parse(user.body)["counts"]["tweets"].GetUint64() == ok);  // acknowledged = stored
}

TEST_CASE("late replies: a read error after the commit (viewer_liked) is a 500, and the tweet stays",
          "[async-post][read_errors]") {
  namespace faults = chirp::storage::faults;
  using faults::Call;
  faults::Scoped guard;
  Env env;
  const std::string token = token_for(env, "dave");
  HttpClient c(env.url());
  Reply first = post(c, token, "the thread starts");
  REQUIRE(first.status == 201);
  const std::string parent = parse(first.body)["id"].GetString();
  // A post, then a reply: each repeated with the one failing LMDB call (a read
  // transaction's begin, then an mdb_get) moved one call later each time,
  // until a run no fault reaches. A run where the fault fired after the
  // commit (the change log moved) failed in the late reply's has_liked read:
  // 500 in the JSON error shape, and the tweet is there. Before the commit:
  // an error and no tweet.
  for (const Call call : {Call::kReadBegin, Call::kGet}) {
    for (const bool reply : {false, true}) {
      int after_commit = 0, before_commit = 0;
      bool clean = false;
      for (int skip = 0; skip < 64 && !clean; ++skip) {
        CAPTURE(static_cast<int>(call), reply, skip);
        const std::string text = "post " + std::to_string(static_cast<int>(call)) + " " + std::to_string(reply) + " " +
                                 std::to_string(skip);
        const uint64_t seq = env.engine->last_change_seq();
        faults::arm(call, EIO, 1, skip);
        const std::string body = R"({"text":")" + text + (reply ? R"(","in_reply_to":")" + parent : "") + R"("})";
        Reply r = c.request("POST", "/api/v1/tweets", body, {kJson, "Authorization: Bearer " + token});
        const bool fired = faults::fired(call) == 1;
        faults::clear_all();
        const bool committed = env.engine->last_change_seq() > seq;
        auto d = parse(r.body);
        REQUIRE(d.IsObject());
        if (!fired) {
          REQUIRE(r.status == 201);
          CHECK(committed);
          clean = true;
          continue;
        }
        REQUIRE(d.HasMember("error"));
        if (!committed) {
          ++before_commit;
          CHECK(r.status >= 400);
          continue;
        }
        ++after_commit;
        CHECK(r.status == 500);
        CHECK(std::string(d["error"]["code"].GetString()) == "internal");
        // The tweet was committed: it is there, as posted.
        Reply list = c.get("/api/v1/tweets/dave?limit=1");
        REQUIRE(list.status == 200);
        auto l = parse(list.body);
        REQUIRE(l["items"].Size() == 1);
        CHECK(std::string(l["items"][0]["text"].GetString()) == text);
        if (reply) CHECK(std::string(l["items"][0]["in_reply_to"]["id"].GetString()) == parent);
      }
      CAPTURE(static_cast<int>(call), reply);
      CHECK(clean);
      // The reads after the commit: the new tweet's (get_tweet), then the
      // reply's has_liked, the last read of the request (here: 2 read
      // transactions, 1 mdb_get); every one of them was made to fail once.
      CHECK(after_commit >= 1);
      CHECK(before_commit >= 1);  // the token's session, ...
    }
  }
  // The server kept serving throughout.
  CHECK(c.get("/health").status == 200);
  CHECK(env.late_replies_in_flight() == 0);
}

TEST_CASE("late replies: shutdown with posts in flight answers or closes, and loses no acknowledged post",
          "[async-post]") {
  Env env;
  const std::string token = token_for(env, "dave");
  constexpr int kClients = 12;
  std::atomic<bool> stop{false};
  std::atomic<int> acked_so_far{0};
  std::vector<Outcome> out(kClients);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t)
    clients.emplace_back([&, t] {
      HttpClient c(env.url());
      for (int i = 0; i < 1000 && !stop.load(); ++i) {
        Reply r = post(c, token, "in flight " + std::to_string(t) + " " + std::to_string(i));
        out[t].statuses.push_back(r.status);
        if (r.status == 201) {
          out[t].ids.push_back(parse(r.body)["id"].GetString());
          acked_so_far.fetch_add(1);
        }
        if (r.status == 0) break;  // the server is gone: connection refused or closed
      }
    });
  // Let posts flow, then shut down under them.
  for (int i = 0; i < 500 && acked_so_far.load() < 50; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto t0 = std::chrono::steady_clock::now();
  env.server->shutdown();
  const auto shutdown_took = std::chrono::steady_clock::now() - t0;
  stop = true;
  CHECK(env.server->dispatcher().deferred_in_flight() == 0);
  // Gone: its listening socket closes too, so a client's retry (curl retries
  // a request once when a kept-alive connection dies) is refused at once.
  env.server.reset();
  for (auto& c : clients) c.join();
  // Bounded (the clients' own timeout is 10 s per request): no reply hung.
  CHECK(shutdown_took < std::chrono::seconds(30));
  std::set<std::string> acked;
  for (const auto& o : out)
    for (long s : o.statuses) {
      INFO("status " << s);
      CHECK((s == 201 || s == 0 || s == 503));
    }
  for (const auto& o : out) acked.insert(o.ids.begin(), o.ids.end());
  CHECK(!acked.empty());
  env.stop();
  env.start();
  HttpClient c(env.url());
  for (const auto& id : acked) {
    INFO(id);
    CHECK(c.get("/api/v1/tweets/dave/" + id).status == 200);
  }
}

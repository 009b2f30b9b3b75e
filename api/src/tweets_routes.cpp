// The tweets service: posting, reading, deleting, replies, likes, timelines.
#include <optional>
#include <string>
#include <vector>

#include "chirp/api/errors.h"
#include "chirp/api/json_body.h"
#include "chirp/api/json_views.h"
#include "chirp/api/pagination.h"
#include "chirp/api/services.h"
#include "chirp/engine/engine.h"
#include "route_util.h"

namespace chirp::api {

using detail::json_reply;
using detail::no_such_tweet;
using detail::parse_id;
using detail::viewer;
using detail::write_answered_late;

namespace {

const BodySchema kPostTweet{"PostTweetRequest",
                            {{"text", FieldType::kString, true, 4096, "1 to 280 by twitter-text's weighted count"},
                             {"in_reply_to", FieldType::kString, false, 32, "id (decimal string) of the tweet replied to"}}};

constexpr std::string_view kTweetRef = R"({"$ref":"#/components/schemas/Tweet"})";
constexpr std::string_view kTweetListRef = R"({"$ref":"#/components/schemas/TweetList"})";
constexpr size_t kMaxIdempotencyKey = 128;

const ParamSpec kIdParam{"id", "path", "string", true, "tweet id (decimal); a malformed id is 404"};

// Whether the viewer liked the tweet (nullopt without a viewer), or the read error.
Result<std::optional<bool>> liked(engine::Engine& e, const RequestContext& ctx, uint64_t tweet_id) {
  auto v = viewer(ctx);
  if (!v) return std::optional<bool>();
  CHIRP_ASSIGN_OR_RETURN(const bool l, e.has_liked(*v, tweet_id));
  return std::optional<bool>(l);
}

HttpResponse tweet_list(engine::Engine& e, const HttpRequest& req, const RequestContext& ctx,
                        const std::function<Result<engine::Page<engine::Tweet>>(const engine::PageRequest&)>& fetch) {
  auto page = parse_page(req);
  if (!page.ok()) return error_response(page.status());
  auto r = fetch(detail::engine_page(*page));
  if (!r.ok()) return error_response(r.status());
  std::vector<std::optional<bool>> likes;  // read before writing: a read error is a 500, not liked:false
  likes.reserve(r->items.size());
  for (const auto& t : r->items) {
    auto l = liked(e, ctx, t.id);
    if (!l.ok()) return error_response(l.status());
    likes.push_back(*l);
  }
  return page_response(
      req,
      [&](JsonWriter& w) {
        for (size_t i = 0; i < r->items.size(); ++i) write_tweet(w, r->items[i], likes[i]);
      },
      r->next_cursor);
}

// The tweet {id} of {username}, or the error response (404 for a malformed id,
// an unknown tweet or one under another username).
Result<engine::Tweet> tweet_of(engine::Engine& e, const HttpRequest& req) {
  auto id = parse_id(req.param("id"));
  if (!id) return Status::NotFound("no such tweet");
  return e.get_tweet_of(req.param("username"), *id);
}

// 201 with the tweet and its Location, or the error (422, 503, 507...).
HttpResponse posted_response(engine::Engine& e, uint64_t me, const Result<engine::Tweet>& tw) {
  if (!tw.ok()) return error_response(tw.status());
  auto l = e.has_liked(me, tw->id);
  if (!l.ok()) return error_response(l.status());
  HttpResponse r = json_reply(201, [&](JsonWriter& w) { write_tweet(w, *tw, *l); });
  std::string loc = "/api/v1/tweets/";
  loc.append(tw->username).append("/").append(std::to_string(tw->id));
  r.set_header("Location", std::move(loc));
  return r;
}

}  // namespace

RouteTable make_tweets_table(engine::Engine& e) {
  RouteTable t;
  t.service = "tweets";
  t.schemas = object_schemas();
  auto& R = t.routes;

  R.push_back({Method::kGet, "/api/v1/tweets",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 return tweet_list(e, req, ctx, [&](const engine::PageRequest& p) { return e.all_tweets(p); });
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "Every tweet, newest first",
                .responses = {{200, "A page of tweets", kTweetListRef}},
                .paginated = true}});

  R.push_back({Method::kPost, "/api/v1/tweets",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 rapidjson::Document b;
                 if (auto err = decode_json_body(req, kPostTweet, b)) return std::move(*err);
                 std::optional<uint64_t> reply_to;
                 if (auto it = b.FindMember("in_reply_to"); it != b.MemberEnd()) {
                   reply_to = parse_id({it->value.GetString(), it->value.GetStringLength()});
                   if (!reply_to)
                     return error_response(400, "bad_request", "in_reply_to must be a tweet id (decimal string)");
                 }
                 std::string_view key = req.header("Idempotency-Key");
                 if (key.size() > kMaxIdempotencyKey)
                   return error_response(400, "bad_request", "Idempotency-Key is longer than 128 bytes");
                 const uint64_t me = ctx.principal->user_id;
                 const std::string_view text{b["text"].GetString(), b["text"].GetStringLength()};
                 // Answered when the group commit holding the tweet is durable,
                 // without holding this server thread meanwhile (defer()); while
                 // the server shuts down, the old way: wait here.
                 if (LateReply reply = ctx.defer()) {
                   // Every path answers exactly once (a second call is ignored).
                   try {
                     e.post_tweet_async(me, text, reply_to, key, [&e, me, reply](Result<engine::Tweet> tw) {
                       HttpResponse r;
                       try {
                         r = posted_response(e, me, tw);
                       } catch (const std::exception& ex) {
                         r = error_response(Status::Internal(ex.what()));
                       }
                       reply(std::move(r));
                     });
                   } catch (const std::exception& ex) {
                     reply(error_response(Status::Internal(ex.what())));
                   }
                   return HttpResponse{};  // ignored: the LateReply answers
                 }
                 return posted_response(e, me, e.post_tweet(me, text, reply_to, key));
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Post a tweet",
                .description = "Empty, blank or over-long text, or a reply to a missing tweet: 422. A retry "
                               "with the same Idempotency-Key header returns the first tweet instead of a copy.",
                .params = {{"Idempotency-Key", "header", "string", false, "at most 128 bytes; retries return the first tweet"}},
                .request = &kPostTweet,
                .responses = {{201, "Created; Location names the tweet", kTweetRef}},
                .errors = {403, 422}}});

  R.push_back({Method::kGet, "/api/v1/tweets/{username}",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 std::string_view user = req.param("username");
                 return tweet_list(e, req, ctx, [&](const engine::PageRequest& p) { return e.user_tweets(user, p); });
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "A user's tweets, newest first",
                .responses = {{200, "A page of tweets", kTweetListRef}},
                .errors = {404},
                .paginated = true}});

  R.push_back({Method::kGet, "/api/v1/tweets/{username}/{id}",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 auto tw = tweet_of(e, req);
                 if (!tw.ok()) return error_response(tw.status());
                 auto l = liked(e, ctx, tw->id);
                 if (!l.ok()) return error_response(l.status());
                 return json_reply(200, [&](JsonWriter& w) { write_tweet(w, *tw, *l); });
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "One tweet",
                .description = "404 for an unknown or malformed id, and for a tweet under another username.",
                .params = {kIdParam},
                .responses = {{200, "The tweet", kTweetRef}},
                .errors = {404}}});

  R.push_back({Method::kDelete, "/api/v1/tweets/{username}/{id}",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 auto tw = tweet_of(e, req);
                 if (!tw.ok()) return error_response(tw.status());
                 const uint64_t me = ctx.principal->user_id, id = tw->id;
                 return write_answered_late(
                     ctx, [&e, me, id](engine::Engine::WriteDone done) { e.delete_tweet_async(me, id, std::move(done)); },
                     [&e, me, id] { return e.delete_tweet(me, id); });
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Delete my tweet",
                .description = "Only the author may delete a tweet (403 otherwise, and nothing changes).",
                .params = {kIdParam},
                .responses = {{204, "Deleted"}},
                .errors = {403, 404}}});

  R.push_back({Method::kGet, "/api/v1/tweets/{username}/{id}/replies",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 auto tw = tweet_of(e, req);
                 if (!tw.ok()) return error_response(tw.status());
                 uint64_t id = tw->id;
                 return tweet_list(e, req, ctx, [&](const engine::PageRequest& p) { return e.replies(id, p); });
               },
               AuthMode::kOptional, RateClass::kDefault,
               {.summary = "Direct replies, oldest first",
                .params = {kIdParam},
                .responses = {{200, "A page of tweets", kTweetListRef}},
                .errors = {404},
                .paginated = true}});

  R.push_back({Method::kPut, "/api/v1/tweets/{username}/{id}/like",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 auto tw = tweet_of(e, req);
                 if (!tw.ok()) return error_response(tw.status());
                 const uint64_t me = ctx.principal->user_id, id = tw->id;
                 return write_answered_late(
                     ctx, [&e, me, id](engine::Engine::WriteDone done) { e.like_async(me, id, std::move(done)); },
                     [&e, me, id] { return e.like(me, id); });
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Like a tweet",
                .description = "Idempotent: 204 again when already liked.",
                .params = {kIdParam},
                .responses = {{204, "Liked"}},
                .errors = {403, 404}}});

  R.push_back({Method::kDelete, "/api/v1/tweets/{username}/{id}/like",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 auto tw = tweet_of(e, req);
                 if (!tw.ok()) return error_response(tw.status());
                 const uint64_t me = ctx.principal->user_id, id = tw->id;
                 return write_answered_late(
                     ctx, [&e, me, id](engine::Engine::WriteDone done) { e.unlike_async(me, id, std::move(done)); },
                     [&e, me, id] { return e.unlike(me, id); });
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "Unlike a tweet",
                .description = "Idempotent: 204 again when not liked.",
                .params = {kIdParam},
                .responses = {{204, "Not liked"}},
                .errors = {403, 404}}});

  R.push_back({Method::kGet, "/api/v1/timeline",
               [&e](const HttpRequest& req, RequestContext& ctx) {
                 uint64_t me = ctx.principal->user_id;
                 return tweet_list(e, req, ctx, [&](const engine::PageRequest& p) { return e.home_timeline(me, p); });
               },
               AuthMode::kRequired, RateClass::kDefault,
               {.summary = "My home timeline",
                .description = "Tweets of the people I follow and mine, newest first.",
                .responses = {{200, "A page of tweets", kTweetListRef}},
                .paginated = true}});
  return t;
}

}  // namespace chirp::api

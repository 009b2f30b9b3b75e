// JSON views of the engine's values (API.md "Objects").
#include "chirp/api/json_views.h"

#include <string>
#include <string_view>

namespace chirp::api {

namespace {

void str(JsonWriter& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
void key(JsonWriter& w, std::string_view s) { w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
void id(JsonWriter& w, uint64_t v) { str(w, std::to_string(v)); }

void write_entities(JsonWriter& w, const std::vector<text::Entity>& list, std::string_view value_key) {
  w.StartArray();
  for (const auto& e : list) {
    w.StartObject();
    key(w, value_key);
    str(w, e.value);
    key(w, "indices");
    w.StartArray();
    w.Int(e.start);
    w.Int(e.end);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

void write_user(JsonWriter& w, const engine::User& u, std::optional<bool> viewer_follows) {
  w.StartObject();
  key(w, "username");
  str(w, u.username);
  key(w, "display_name");
  str(w, u.display_name);
  key(w, "bio");
  str(w, u.bio);
  key(w, "created_at");
  str(w, engine::format_time(u.created_at_ms));
  key(w, "counts");
  w.StartObject();
  key(w, "tweets");
  w.Uint64(u.counts.tweets);
  key(w, "followers");
  w.Uint64(u.counts.followers);
  key(w, "following");
  w.Uint64(u.counts.following);
  w.EndObject();
  if (viewer_follows) {
    key(w, "viewer_follows");
    w.Bool(*viewer_follows);
  }
  w.EndObject();
}

void write_tweet(JsonWriter& w, const engine::Tweet& t, std::optional<bool> viewer_liked) {
  w.StartObject();
  key(w, "id");
  id(w, t.id);
  key(w, "username");
  str(w, t.username);
  key(w, "display_name");
  str(w, t.display_name);
  key(w, "text");
  str(w, t.text);
  key(w, "created_at");
  str(w, engine::format_time(t.created_at_ms));
  key(w, "in_reply_to");
  if (t.in_reply_to) {
    w.StartObject();
    key(w, "id");
    id(w, t.in_reply_to->id);
    key(w, "username");
    str(w, t.in_reply_to->username);
    w.EndObject();
  } else {
    w.Null();
  }
  key(w, "entities");
  w.StartObject();
  key(w, "hashtags");
  write_entities(w, t.entities.hashtags, "tag");
  key(w, "mentions");
  write_entities(w, t.entities.mentions, "username");
  key(w, "urls");
  write_entities(w, t.entities.urls, "url");
  key(w, "cashtags");
  write_entities(w, t.entities.cashtags, "tag");
  w.EndObject();
  key(w, "counts");
  w.StartObject();
  key(w, "likes");
  w.Uint64(t.like_count);
  key(w, "replies");
  w.Uint64(t.reply_count);
  w.EndObject();
  if (viewer_liked) {
    key(w, "viewer_liked");
    w.Bool(*viewer_liked);
  }
  w.EndObject();
}

void write_search_hit(JsonWriter& w, const engine::SearchHitView& h, std::optional<bool> viewer_liked) {
  w.StartObject();
  key(w, "tweet");
  write_tweet(w, h.tweet, viewer_liked);
  key(w, "highlights");
  w.StartArray();
  for (const auto& [a, b] : h.highlights) {
    w.StartArray();
    w.Int(a);
    w.Int(b);
    w.EndArray();
  }
  w.EndArray();
  key(w, "score");
  w.Double(h.score);
  w.EndObject();
}

const std::vector<std::pair<std::string, std::string>>& object_schemas() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"User", R"({"type":"object","required":["username","display_name","bio","created_at","counts"],"properties":{
"username":{"type":"string","pattern":"^[A-Za-z0-9_]{1,15}$"},
"display_name":{"type":"string","maxLength":50},
"bio":{"type":"string","maxLength":160},
"created_at":{"type":"string","format":"date-time"},
"counts":{"type":"object","required":["tweets","followers","following"],"properties":{"tweets":{"type":"integer"},"followers":{"type":"integer"},"following":{"type":"integer"}}},
"viewer_follows":{"type":"boolean","description":"present when the request carries a token"}}})"},
      {"Entity", R"({"type":"object","properties":{"tag":{"type":"string"},"username":{"type":"string"},"url":{"type":"string"},
"indices":{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":2}}})"},
      {"Tweet", R"({"type":"object","required":["id","username","display_name","text","created_at","in_reply_to","entities","counts"],"properties":{
"id":{"type":"string","pattern":"^[0-9]+$"},
"username":{"type":"string"},
"display_name":{"type":"string"},
"text":{"type":"string"},
"created_at":{"type":"string","format":"date-time"},
"in_reply_to":{"type":"object","nullable":true,"properties":{"id":{"type":"string"},"username":{"type":"string"}}},
"entities":{"type":"object","properties":{
"hashtags":{"type":"array","items":{"$ref":"#/components/schemas/Entity"}},
"mentions":{"type":"array","items":{"$ref":"#/components/schemas/Entity"}},
"urls":{"type":"array","items":{"$ref":"#/components/schemas/Entity"}},
"cashtags":{"type":"array","items":{"$ref":"#/components/schemas/Entity"}}}},
"counts":{"type":"object","properties":{"likes":{"type":"integer"},"replies":{"type":"integer"}}},
"viewer_liked":{"type":"boolean","description":"present when the request carries a token"}}})"},
      {"SearchHit", R"({"type":"object","required":["tweet","highlights","score"],"properties":{
"tweet":{"$ref":"#/components/schemas/Tweet"},
"highlights":{"type":"array","items":{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":2}},
"score":{"type":"number"}}})"},
      {"UserList", R"({"type":"object","required":["items","next_cursor"],"properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/User"}},
"next_cursor":{"type":"string","nullable":true}}})"},
      {"TweetList", R"({"type":"object","required":["items","next_cursor"],"properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/Tweet"}},
"next_cursor":{"type":"string","nullable":true}}})"},
      {"SearchResults", R"({"type":"object","required":["items","next_cursor","estimated_total","suggestion"],"properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/SearchHit"}},
"next_cursor":{"type":"string","nullable":true},
"estimated_total":{"type":"integer"},
"suggestion":{"type":"string","nullable":true}}})"},
      {"SearchCounts", R"({"type":"object","required":["items","total"],"properties":{
"items":{"type":"array","items":{"type":"object","properties":{"date":{"type":"string","format":"date"},"count":{"type":"integer"}}}},
"total":{"type":"integer"}}})"},
      {"Session", R"({"type":"object","required":["token","expires_at","user"],"properties":{
"token":{"type":"string"},"expires_at":{"type":"string","format":"date-time"},
"csrf_token":{"type":"string","description":"with cookie: true, the value of the chirp_csrf cookie"},
"user":{"$ref":"#/components/schemas/User"}}})"},
      {"SessionState", R"({"type":"object","required":["user"],"properties":{
"user":{"allOf":[{"$ref":"#/components/schemas/User"}],"nullable":true}}})"},
  };
  return k;
}

}  // namespace chirp::api

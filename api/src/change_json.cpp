// Change records as JSON: the wire format of GET /internal/v1/changes.
// Tweets travel without their entities: the consumer extracts them again
// (twitter-text is deterministic), which keeps the format small and stable.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "chirp/api/internal.h"

namespace chirp::api {

namespace {

using storage::ChangeRecord;

constexpr std::pair<uint8_t, const char*> kKinds[] = {
    {ChangeRecord::kUserCreated, "user_created"}, {ChangeRecord::kUserUpdated, "user_updated"},
    {ChangeRecord::kUserDeleted, "user_deleted"}, {ChangeRecord::kTweetPosted, "tweet_posted"},
    {ChangeRecord::kTweetDeleted, "tweet_deleted"}, {ChangeRecord::kFollowed, "followed"},
    {ChangeRecord::kUnfollowed, "unfollowed"},   {ChangeRecord::kLiked, "liked"},
    {ChangeRecord::kUnliked, "unliked"},
};

const char* kind_name(uint8_t k) {
  for (const auto& [v, n] : kKinds)
    if (v == k) return n;
  return "unknown";
}

uint8_t kind_value(std::string_view n) {
  for (const auto& [v, name] : kKinds)
    if (n == name) return v;
  return 0;
}

using W = rapidjson::Writer<rapidjson::StringBuffer>;
void str(W& w, const char* k, const std::string& v) {
  w.Key(k);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
void u64(W& w, const char* k, uint64_t v) {
  w.Key(k);
  w.Uint64(v);
}

bool get_u64(const rapidjson::Value& o, const char* k, uint64_t* out) {
  auto it = o.FindMember(k);
  if (it == o.MemberEnd()) return true;  // absent: zero
  if (!it->value.IsUint64()) return false;
  *out = it->value.GetUint64();
  return true;
}
bool get_i64(const rapidjson::Value& o, const char* k, int64_t* out) {
  auto it = o.FindMember(k);
  if (it == o.MemberEnd()) return true;
  if (!it->value.IsInt64()) return false;
  *out = it->value.GetInt64();
  return true;
}
bool get_str(const rapidjson::Value& o, const char* k, std::string* out) {
  auto it = o.FindMember(k);
  if (it == o.MemberEnd()) return true;
  if (!it->value.IsString()) return false;
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

}  // namespace

std::string changes_to_json(const std::vector<ChangeRecord>& changes, uint64_t last_seq, std::string_view log_id) {
  rapidjson::StringBuffer sb;
  W w(sb);
  w.StartObject();
  w.Key("changes");
  w.StartArray();
  for (const ChangeRecord& c : changes) {
    w.StartObject();
    u64(w, "seq", c.seq);
    w.Key("kind");
    w.String(kind_name(c.kind));
    w.Key("at_ms");
    w.Int64(c.at_ms);
    u64(w, "user_id", c.user_id);
    u64(w, "target_id", c.target_id);
    u64(w, "target_user_id", c.target_user_id);
    str(w, "username", c.username);
    str(w, "display_name", c.display_name);
    str(w, "bio", c.bio);
    if (c.kind == ChangeRecord::kTweetPosted) {
      w.Key("tweet");
      w.StartObject();
      u64(w, "id", c.tweet.id);
      u64(w, "author_id", c.tweet.author_id);
      str(w, "text", c.tweet.text);
      w.Key("created_at_ms");
      w.Int64(c.tweet.created_at_ms);
      u64(w, "in_reply_to_id", c.tweet.in_reply_to_id);
      u64(w, "in_reply_to_user_id", c.tweet.in_reply_to_user_id);
      w.EndObject();
      str(w, "in_reply_to_username", c.in_reply_to_username);
    }
    w.EndObject();
  }
  w.EndArray();
  u64(w, "last_seq", last_seq);
  if (!log_id.empty()) str(w, "log_id", std::string(log_id));
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

Result<std::vector<ChangeRecord>> changes_from_json(std::string_view json, uint64_t* last_seq,
                                                    std::string* log_id) {
  const Status bad = Status::InvalidArgument("malformed change log page");
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return bad;
  auto arr = d.FindMember("changes");
  if (arr == d.MemberEnd() || !arr->value.IsArray()) return bad;
  if (last_seq != nullptr) {
    *last_seq = 0;
    if (!get_u64(d, "last_seq", last_seq)) return bad;
  }
  if (log_id != nullptr) {
    log_id->clear();
    if (!get_str(d, "log_id", log_id)) return bad;
  }
  std::vector<ChangeRecord> out;
  out.reserve(arr->value.Size());
  uint64_t prev = 0;
  for (const auto& o : arr->value.GetArray()) {
    if (!o.IsObject()) return bad;
    ChangeRecord c;
    std::string kind;
    bool ok = get_u64(o, "seq", &c.seq) && get_str(o, "kind", &kind) && get_i64(o, "at_ms", &c.at_ms) &&
              get_u64(o, "user_id", &c.user_id) && get_u64(o, "target_id", &c.target_id) &&
              get_u64(o, "target_user_id", &c.target_user_id) && get_str(o, "username", &c.username) &&
              get_str(o, "display_name", &c.display_name) && get_str(o, "bio", &c.bio) &&
              get_str(o, "in_reply_to_username", &c.in_reply_to_username);
    // Sequence numbers must be present and strictly increasing.
    if (!ok || c.seq <= prev) return bad;
    prev = c.seq;
    c.kind = kind_value(kind);
    auto t = o.FindMember("tweet");
    if (t != o.MemberEnd()) {
      if (!t->value.IsObject()) return bad;
      const auto& tv = t->value;
      if (!(get_u64(tv, "id", &c.tweet.id) && get_u64(tv, "author_id", &c.tweet.author_id) &&
            get_str(tv, "text", &c.tweet.text) && get_i64(tv, "created_at_ms", &c.tweet.created_at_ms) &&
            get_u64(tv, "in_reply_to_id", &c.tweet.in_reply_to_id) &&
            get_u64(tv, "in_reply_to_user_id", &c.tweet.in_reply_to_user_id)))
        return bad;
    }
    if (c.kind == ChangeRecord::kTweetPosted && c.tweet.id == 0) return bad;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace chirp::api

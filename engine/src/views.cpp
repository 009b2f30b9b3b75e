#include "views.h"

#include <ctime>

#include "cursor.h"

namespace chirp::engine {

std::string format_time(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) { millis += 1000; --secs; }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

User to_user(const storage::UserRecord& r) {
  User u;
  u.id = r.id;
  u.username = r.username;
  u.display_name = r.display_name;
  u.bio = r.bio;
  u.created_at_ms = r.created_at_ms;
  u.counts = {r.tweet_count, r.follower_count, r.following_count};
  return u;
}

std::vector<storage::EntityRecord> to_entity_records(const text::Entities& e) {
  std::vector<storage::EntityRecord> out;
  auto add = [&](const std::vector<text::Entity>& list, storage::EntityRecord::Kind kind) {
    for (const text::Entity& x : list) out.push_back({kind, x.start, x.end, x.value});
  };
  add(e.hashtags, storage::EntityRecord::kHashtag);
  add(e.mentions, storage::EntityRecord::kMention);
  add(e.urls, storage::EntityRecord::kUrl);
  add(e.cashtags, storage::EntityRecord::kCashtag);
  return out;
}

text::Entities to_entities(const std::vector<storage::EntityRecord>& records) {
  text::Entities e;
  for (const storage::EntityRecord& r : records) {
    text::Entity x{r.value, r.start, r.end};
    switch (r.kind) {
      case storage::EntityRecord::kHashtag: e.hashtags.push_back(std::move(x)); break;
      case storage::EntityRecord::kMention: e.mentions.push_back(std::move(x)); break;
      case storage::EntityRecord::kUrl: e.urls.push_back(std::move(x)); break;
      case storage::EntityRecord::kCashtag: e.cashtags.push_back(std::move(x)); break;
    }
  }
  return e;
}

const storage::UserRecord* TweetHydrator::author(uint64_t user_id) {
  auto it = users_.find(user_id);
  if (it != users_.end()) return &it->second;
  storage::UserRecord r;
  if (!store_.users.get(txn_, user_id, &r).ok()) return nullptr;
  return &users_.emplace(user_id, std::move(r)).first->second;
}

Tweet TweetHydrator::hydrate(const storage::TweetRecord& r) {
  Tweet t;
  t.id = r.id;
  t.author_id = r.author_id;
  if (const storage::UserRecord* a = author(r.author_id)) {
    t.username = a->username;
    t.display_name = a->display_name;
  }
  t.text = r.text;
  t.created_at_ms = r.created_at_ms;
  if (r.in_reply_to_id != 0) {
    ReplyRef ref{r.in_reply_to_id, ""};
    if (const storage::UserRecord* p = author(r.in_reply_to_user_id)) ref.username = p->username;
    t.in_reply_to = std::move(ref);
  }
  t.entities = to_entities(r.entities);
  t.like_count = r.like_count;
  t.reply_count = r.reply_count;
  return t;
}

Result<Tweet> TweetHydrator::load(uint64_t tweet_id) {
  storage::TweetRecord r;
  Status s = store_.tweets.get(txn_, tweet_id, &r);
  if (s.code() == Code::kNotFound) return Status::NotFound("no such tweet");
  if (!s.ok()) return s;
  return hydrate(r);
}

Page<Tweet> tweet_page(const storage::Store& store, MDB_txn* txn, const std::vector<uint64_t>& ids,
                       size_t limit) {
  Page<Tweet> page;
  TweetHydrator h(store, txn);
  for (size_t i = 0; i < ids.size() && i < limit; ++i) {
    auto t = h.load(ids[i]);
    if (t.ok()) page.items.push_back(std::move(t).value());
  }
  if (ids.size() > limit) page.next_cursor = encode_cursor(ids[limit - 1]);
  return page;
}

}  // namespace chirp::engine

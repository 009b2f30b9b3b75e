#include "views.h"

#include <algorithm>
#include <ctime>
#include <type_traits>

#include "chirp/storage/codec.h"
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

namespace {
template <class Records>
text::Entities entities_of(Records&& records) {
  text::Entities e;
  for (auto& r : records) {
    text::Entity x{{}, r.start, r.end};
    if constexpr (std::is_rvalue_reference_v<Records&&>)
      x.value = std::move(r.value);
    else
      x.value = r.value;
    switch (r.kind) {
      case storage::EntityRecord::kHashtag: e.hashtags.push_back(std::move(x)); break;
      case storage::EntityRecord::kMention: e.mentions.push_back(std::move(x)); break;
      case storage::EntityRecord::kUrl: e.urls.push_back(std::move(x)); break;
      case storage::EntityRecord::kCashtag: e.cashtags.push_back(std::move(x)); break;
    }
  }
  return e;
}
}  // namespace

text::Entities to_entities(const std::vector<storage::EntityRecord>& records) {
  return entities_of(records);
}

text::Entities to_entities(std::vector<storage::EntityRecord>&& records) {
  return entities_of(std::move(records));
}

Status TweetHydrator::lookup(std::optional<storage::Cursor>& cursor, const storage::Table& table,
                             uint64_t id, std::string_view* value) {
  if (!cursor) cursor.emplace(txn_, table);
  char key[8];
  for (int i = 7; i >= 0; --i, id >>= 8) key[i] = static_cast<char>(id & 0xff);
  const std::string_view k(key, sizeof key);
  if (!cursor->seek(k)) {
    if (!cursor->status().ok()) return cursor->status();
    return Status::NotFound(table.name);
  }
  if (cursor->key() != k) return Status::NotFound(table.name);
  *value = cursor->value();
  return Status::Ok();
}

const TweetHydrator::Author& TweetHydrator::author(uint64_t user_id) {
  for (const Author& a : authors_)
    if (a.id == user_id) return a;
  if (authors_.empty()) authors_.reserve(4);
  Author& a = authors_.emplace_back(Author{user_id, false, {}, {}});
  std::string_view v;
  Status s = lookup(user_cursor_, store_.users.table(), user_id, &v);
  if (s.ok()) s = storage::decode(v, &scratch_);
  if (s.ok()) {
    a.found = true;
    a.username = scratch_.username;
    a.display_name = scratch_.display_name;
  } else if (s.code() != Code::kNotFound && error_.ok()) {
    error_ = s;  // a read error, not an absent author
  }
  return a;
}

// Everything but text and entities.
void TweetHydrator::fill(Tweet& t, const storage::TweetRecord& r) {
  t.id = r.id;
  t.author_id = r.author_id;
  {
    const Author& a = author(r.author_id);
    if (a.found) {
      t.username = a.username;
      t.display_name = a.display_name;
    }
  }
  t.created_at_ms = r.created_at_ms;
  if (r.in_reply_to_id != 0) {
    ReplyRef ref{r.in_reply_to_id, ""};
    const Author& p = author(r.in_reply_to_user_id);
    if (p.found) ref.username = p.username;
    t.in_reply_to = std::move(ref);
  }
  t.like_count = r.like_count;
  t.reply_count = r.reply_count;
}

Tweet TweetHydrator::hydrate(const storage::TweetRecord& r) {
  Tweet t;
  fill(t, r);
  t.text = r.text;
  t.entities = to_entities(r.entities);
  return t;
}

Tweet TweetHydrator::hydrate(storage::TweetRecord&& r) {
  Tweet t;
  fill(t, r);
  t.text = std::move(r.text);
  t.entities = to_entities(std::move(r.entities));
  return t;
}

Result<Tweet> TweetHydrator::load(uint64_t tweet_id) {
  std::string_view v;
  Status s = lookup(tweet_cursor_, store_.tweets.table(), tweet_id, &v);
  if (s.code() == Code::kNotFound) return Status::NotFound("no such tweet");
  if (!s.ok()) return s;
  storage::TweetRecord r;
  CHIRP_RETURN_IF_ERROR(storage::decode(v, &r));
  Tweet t = hydrate(std::move(r));
  CHIRP_RETURN_IF_ERROR(error_);
  return t;
}

Result<Page<Tweet>> tweet_page(const storage::Store& store, MDB_txn* txn, const std::vector<uint64_t>& ids,
                               size_t limit) {
  Page<Tweet> page;
  page.items.reserve(std::min(ids.size(), limit));
  TweetHydrator h(store, txn);
  for (size_t i = 0; i < ids.size() && i < limit; ++i) {
    auto t = h.load(ids[i]);
    if (t.ok()) {
      page.items.push_back(std::move(t).value());
    } else if (t.status().code() != Code::kNotFound) {
      return t.status();  // a read error, not a missing tweet
    }
  }
  if (ids.size() > limit) page.next_cursor = encode_cursor(ids[limit - 1]);
  return page;
}

}  // namespace chirp::engine

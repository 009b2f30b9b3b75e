// Engine: replicas of other services' change logs (split mode).
//
// Each service owns its data (DESIGN.md "Split mode: who owns what") and keeps
// copies of the foreign facts it needs, derived from the owner's change log:
// tweets keeps users and the follow graph (home timelines, author names),
// users keeps tweet counts, search keeps users and tweets (it hydrates hits
// from them, and its feeder indexes the tweets as they land in its own log).
// Every step is idempotent and skips what is missing: two logs are followed
// independently, so a like may arrive before its tweet, a post before its author.
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <string>

#include "chirp/engine/change_source.h"
#include "chirp/engine/engine.h"
#include "chirp/storage/tables.h"
#include "chirp/text/twitter_text.h"
#include "mutations.h"
#include "views.h"
#include "writer.h"

namespace chirp::engine {

using storage::ChangeRecord;
using storage::TweetRecord;
using storage::UserRecord;

namespace {

std::string position_key(std::string_view log) { return "replica." + std::string(log); }
// The identity of the log that position counts in, next to it.
std::string log_id_key(std::string_view log) { return "replica." + std::string(log) + ".log_id"; }
constexpr std::string_view kOwnLogIdKey = "log.id";  // this folder's own change log

bool is_missing(const Status& s) { return s.code() == Code::kNotFound; }

Status copy_user(WriteContext& ctx, const ChangeRecord& c) {
  const auto& st = ctx.store;
  UserRecord u;
  Status s = st.users.get(ctx.txn, c.user_id, &u);
  if (!s.ok() && !is_missing(s)) return s;
  const bool fresh = !s.ok();
  if (fresh) {
    u = UserRecord{};
    u.id = c.user_id;
    u.username = c.username;
    u.created_at_ms = c.at_ms;  // the log carries when the account was created
    // A name freed by an earlier deletion may still point at an old copy.
    const std::string lower = lowercase_ascii(c.username);
    uint64_t holder = 0;
    bool named = false;
    CHIRP_RETURN_IF_ERROR(found(st.usernames.get(ctx.txn, lower, &holder), &named));
    if (named) CHIRP_RETURN_IF_ERROR(st.usernames.remove(ctx.txn, lower));
    CHIRP_RETURN_IF_ERROR(st.usernames.insert_new(ctx.txn, lower, u.id));
  }
  u.display_name = c.display_name.empty() ? u.username : c.display_name;
  u.bio = c.bio;
  return st.users.put(ctx.txn, u.id, u);
}

// The local copy of a deleted account goes with everything that points at it,
// as Engine::delete_account does on the owner (each tweet logs kTweetDeleted).
Status drop_user(WriteContext& ctx, const ChangeRecord& c) {
  const auto& st = ctx.store;
  UserRecord user;
  Status s = st.users.get(ctx.txn, c.user_id, &user);
  if (is_missing(s)) return Status::Ok();
  CHIRP_RETURN_IF_ERROR(s);
  CHIRP_RETURN_IF_ERROR(remove_account(ctx, user));
  ChangeRecord local = c;
  local.seq = 0;
  return ctx.append_change(local);
}

Status copy_follow(WriteContext& ctx, const ChangeRecord& c, bool follow) {
  if (!follow) {
    bool changed = false;
    return remove_follow(ctx, c.user_id, c.target_id, &changed);
  }
  UserRecord a, b;
  bool have_a = false, have_b = false;
  CHIRP_RETURN_IF_ERROR(found(ctx.store.users.get(ctx.txn, c.user_id, &a), &have_a));
  if (have_a) CHIRP_RETURN_IF_ERROR(found(ctx.store.users.get(ctx.txn, c.target_id, &b), &have_b));
  if (!have_a || !have_b) return Status::Ok();  // one side is gone already
  bool changed = false;
  return add_follow(ctx, a, b, &changed);
}

// A copy of a posted tweet with its indexes, logged locally like a post.
Status copy_tweet(WriteContext& ctx, const ChangeRecord& c) {
  const auto& st = ctx.store;
  CHIRP_ASSIGN_OR_RETURN(const bool exists, st.tweets.contains(ctx.txn, c.tweet.id));
  if (exists) return Status::Ok();
  TweetRecord t = c.tweet;
  if (t.entities.empty() && !t.text.empty()) t.entities = to_entity_records(text::extract_entities(t.text));
  t.like_count = 0;
  t.reply_count = 0;
  CHIRP_RETURN_IF_ERROR(st.tweets.put(ctx.txn, t.id, t));
  CHIRP_RETURN_IF_ERROR(st.user_tweets.add(ctx.txn, t.author_id, t.id));
  if (t.in_reply_to_id != 0) {
    CHIRP_RETURN_IF_ERROR(st.replies.add(ctx.txn, t.in_reply_to_id, t.id));
    TweetRecord parent;
    bool have = false;
    CHIRP_RETURN_IF_ERROR(found(st.tweets.get(ctx.txn, t.in_reply_to_id, &parent), &have));
    if (have) {
      ++parent.reply_count;
      CHIRP_RETURN_IF_ERROR(st.tweets.put(ctx.txn, parent.id, parent));
    }
  }
  UserRecord author;
  bool have_author = false;
  CHIRP_RETURN_IF_ERROR(found(st.users.get(ctx.txn, t.author_id, &author), &have_author));
  if (have_author) {
    ++author.tweet_count;
    CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, author.id, author));
  }
  ChangeRecord local = c;
  local.seq = 0;
  local.tweet = t;
  return ctx.append_change(local);
}

Status drop_tweet(WriteContext& ctx, const ChangeRecord& c) {
  const auto& st = ctx.store;
  TweetRecord t;
  Status s = st.tweets.get(ctx.txn, c.target_id, &t);
  if (is_missing(s)) return Status::Ok();
  CHIRP_RETURN_IF_ERROR(s);
  UserRecord author;
  s = st.users.get(ctx.txn, t.author_id, &author);
  if (is_missing(s)) return remove_tweet_uncounted(ctx, t, c.username);  // author not copied (yet)
  CHIRP_RETURN_IF_ERROR(s);
  return remove_tweet(ctx, t, author);
}

Status count_tweet(WriteContext& ctx, uint64_t author_id, bool posted) {
  UserRecord u;
  Status s = ctx.store.users.get(ctx.txn, author_id, &u);
  if (is_missing(s)) return Status::Ok();
  CHIRP_RETURN_IF_ERROR(s);
  if (posted)
    ++u.tweet_count;
  else if (u.tweet_count > 0)
    --u.tweet_count;
  return ctx.store.users.put(ctx.txn, u.id, u);
}

// Tweet counts are the only thing the users service derives from the tweets
// log: a different tweets log counts from zero.
Status reset_tweet_counts(WriteContext& ctx) {
  std::vector<UserRecord> counted;
  CHIRP_RETURN_IF_ERROR(ctx.store.users.scan_asc(ctx.txn, 0, [&](uint64_t, const UserRecord& u) {
    if (u.tweet_count != 0) counted.push_back(u);
    return true;
  }));
  for (UserRecord& u : counted) {
    u.tweet_count = 0;
    CHIRP_RETURN_IF_ERROR(ctx.store.users.put(ctx.txn, u.id, u));
  }
  return Status::Ok();
}

Status apply_one(WriteContext& ctx, uint32_t scope, const ChangeRecord& c) {
  bool changed = false;
  switch (c.kind) {
    case ChangeRecord::kUserCreated:
    case ChangeRecord::kUserUpdated:
      return (scope & kReplicaUsers) ? copy_user(ctx, c) : Status::Ok();
    case ChangeRecord::kUserDeleted:
      return (scope & kReplicaUsers) ? drop_user(ctx, c) : Status::Ok();
    case ChangeRecord::kFollowed:
    case ChangeRecord::kUnfollowed:
      return (scope & kReplicaFollows) ? copy_follow(ctx, c, c.kind == ChangeRecord::kFollowed) : Status::Ok();
    case ChangeRecord::kTweetPosted:
      if (scope & kReplicaTweets) return copy_tweet(ctx, c);
      return (scope & kReplicaTweetCounts) ? count_tweet(ctx, c.tweet.author_id, true) : Status::Ok();
    case ChangeRecord::kTweetDeleted:
      if (scope & kReplicaTweets) return drop_tweet(ctx, c);
      return (scope & kReplicaTweetCounts) ? count_tweet(ctx, c.user_id, false) : Status::Ok();
    case ChangeRecord::kLiked:
      if (!(scope & kReplicaLikes)) return Status::Ok();
      {
        Status s = add_like(ctx, c.user_id, c.target_id, &changed);
        return is_missing(s) ? Status::Ok() : s;
      }
    case ChangeRecord::kUnliked:
      return (scope & kReplicaLikes) ? remove_like(ctx, c.user_id, c.target_id, &changed) : Status::Ok();
    default:
      return Status::Ok();  // a kind this version does not know: nothing to derive
  }
}

}  // namespace

Status Engine::apply_replica(std::string_view log, uint32_t scope, const std::vector<ChangeRecord>& changes,
                             std::string_view log_id) {
  if (changes.empty()) {
    if (log_id.empty()) return Status::Ok();
    CHIRP_ASSIGN_OR_RETURN(const std::string stored, replica_log_id(log));
    if (stored == log_id) return Status::Ok();
  }
  const std::string key = position_key(log), id_key = log_id_key(log);
  return writer_->run([&](WriteContext& ctx) -> Status {
    uint64_t pos = 0;
    Status s = ctx.store.meta.get_u64(ctx.txn, key, &pos);
    if (!s.ok() && !is_missing(s)) return s;
    std::string stored_id;
    s = ctx.store.meta.get_str(ctx.txn, id_key, &stored_id);
    if (!s.ok() && !is_missing(s)) return s;
    // Another log under the same name: what was applied counts for nothing in it.
    const bool switched = !log_id.empty() && !stored_id.empty() && stored_id != log_id;
    if (switched) {
      spdlog::warn("{} log: the producer's change log is a new one ({} after {}): replaying it from the start",
                   log, log_id, stored_id);
      pos = 0;
      if (scope & kReplicaTweetCounts) CHIRP_RETURN_IF_ERROR(reset_tweet_counts(ctx));
    }
    uint64_t last = pos;
    for (const ChangeRecord& c : changes) {
      if (c.seq <= last) continue;  // applied already (a retried batch)
      CHIRP_RETURN_IF_ERROR(apply_one(ctx, scope, c));
      last = c.seq;
    }
    if (!log_id.empty() && stored_id != log_id) CHIRP_RETURN_IF_ERROR(ctx.store.meta.put_str(ctx.txn, id_key, log_id));
    return last == pos && !switched ? Status::Ok() : ctx.store.meta.put_u64(ctx.txn, key, last);
  });
}

Result<uint64_t> Engine::replica_position(std::string_view log) const {
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  uint64_t pos = 0;
  Status s = store_->meta.get_u64(txn.raw(), position_key(log), &pos);
  if (!s.ok() && !is_missing(s)) return s;
  return pos;
}

Result<std::string> Engine::replica_log_id(std::string_view log) const {
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  std::string id;
  Status s = store_->meta.get_str(txn.raw(), log_id_key(log), &id);
  if (!s.ok() && !is_missing(s)) return s;
  return id;
}

Status Engine::init_log_id() {
  {
    storage::ReadTxn txn(*store_->env);
    CHIRP_RETURN_IF_ERROR(txn.status());
    Status s = store_->meta.get_str(txn.raw(), kOwnLogIdKey, &log_id_);
    if (s.ok()) return Status::Ok();
    if (!is_missing(s)) return s;
  }
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  storage::WriteTxn txn(*store_->env);
  Status s = txn.status();
  // Another process may have created it meanwhile: the first one stays.
  if (s.ok()) {
    s = store_->meta.get_str(txn.raw(), kOwnLogIdKey, &log_id_);
    if (is_missing(s)) {
      log_id_ = hex;
      s = store_->meta.put_str(txn.raw(), kOwnLogIdKey, log_id_);
    }
    if (s.ok()) s = txn.commit();
  }
  if (!s.ok()) {
    // A folder that cannot take one small write (a full disk) still opens;
    // its consumers then compare only sequence numbers until it gets one.
    log_id_.clear();
    spdlog::warn("cannot record the change log's identity: {}", s.message());
  }
  return Status::Ok();
}

}  // namespace chirp::engine

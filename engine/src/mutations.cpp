#include "mutations.h"

#include "chirp/storage/codec.h"
#include "chirp/engine/engine.h"  // lowercase_ascii
#include "chirp/storage/keys.h"

namespace chirp::engine {

using storage::ChangeRecord;
using storage::TweetRecord;
using storage::UserRecord;

namespace {
constexpr size_t kAll = SIZE_MAX;

std::string author_value(uint64_t author_id) { return storage::key_u64(author_id); }

void decrement(uint64_t& counter) {
  if (counter > 0) --counter;
}
}  // namespace

Status load_user(WriteContext& ctx, uint64_t id, UserRecord* out) {
  Status s = ctx.store.users.get(ctx.txn, id, out);
  if (s.code() == Code::kNotFound) return Status::NotFound("no such user");
  return s;
}

Status add_follow(WriteContext& ctx, UserRecord& follower, UserRecord& followee, bool* changed) {
  const auto& st = ctx.store;
  *changed = false;
  if (st.following.contains(ctx.txn, follower.id, followee.id)) return Status::Ok();
  storage::FollowRecord rec{ctx.now_ms};
  const std::string value = storage::encode(rec);
  CHIRP_RETURN_IF_ERROR(st.following.add(ctx.txn, follower.id, followee.id, value));
  CHIRP_RETURN_IF_ERROR(st.followers.add(ctx.txn, followee.id, follower.id, value));
  ++follower.following_count;
  ++followee.follower_count;
  CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, follower.id, follower));
  CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, followee.id, followee));
  for (uint64_t tid : st.user_tweets.list_desc(ctx.txn, followee.id, 0, kFollowBackfill))
    CHIRP_RETURN_IF_ERROR(st.home.add(ctx.txn, follower.id, tid, author_value(followee.id)));
  *changed = true;
  return Status::Ok();
}

Status remove_follow(WriteContext& ctx, uint64_t follower_id, uint64_t followee_id,
                     bool* changed) {
  const auto& st = ctx.store;
  bool existed = false;
  CHIRP_RETURN_IF_ERROR(st.following.remove(ctx.txn, follower_id, followee_id, &existed));
  *changed = existed;
  if (!existed) return Status::Ok();
  CHIRP_RETURN_IF_ERROR(st.followers.remove(ctx.txn, followee_id, follower_id));
  UserRecord a, b;
  if (st.users.get(ctx.txn, follower_id, &a).ok()) {
    decrement(a.following_count);
    CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, a.id, a));
  }
  if (st.users.get(ctx.txn, followee_id, &b).ok()) {
    decrement(b.follower_count);
    CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, b.id, b));
  }
  // The followee's tweets leave the follower's home timeline.
  for (uint64_t tid : st.user_tweets.list_desc(ctx.txn, followee_id, 0, kAll))
    CHIRP_RETURN_IF_ERROR(st.home.remove(ctx.txn, follower_id, tid));
  return Status::Ok();
}

Status add_like(WriteContext& ctx, uint64_t user_id, uint64_t tweet_id, bool* changed) {
  const auto& st = ctx.store;
  *changed = false;
  TweetRecord t;
  Status s = st.tweets.get(ctx.txn, tweet_id, &t);
  if (s.code() == Code::kNotFound) return Status::NotFound("no such tweet");
  CHIRP_RETURN_IF_ERROR(s);
  if (st.likes.contains(ctx.txn, tweet_id, user_id)) return Status::Ok();
  CHIRP_RETURN_IF_ERROR(st.likes.add(ctx.txn, tweet_id, user_id));
  CHIRP_RETURN_IF_ERROR(st.user_likes.add(ctx.txn, user_id, tweet_id));
  ++t.like_count;
  CHIRP_RETURN_IF_ERROR(st.tweets.put(ctx.txn, t.id, t));
  *changed = true;
  return Status::Ok();
}

Status remove_like(WriteContext& ctx, uint64_t user_id, uint64_t tweet_id, bool* changed) {
  const auto& st = ctx.store;
  bool existed = false;
  CHIRP_RETURN_IF_ERROR(st.likes.remove(ctx.txn, tweet_id, user_id, &existed));
  CHIRP_RETURN_IF_ERROR(st.user_likes.remove(ctx.txn, user_id, tweet_id));
  *changed = existed;
  if (!existed) return Status::Ok();
  TweetRecord t;
  if (st.tweets.get(ctx.txn, tweet_id, &t).ok()) {
    decrement(t.like_count);
    CHIRP_RETURN_IF_ERROR(st.tweets.put(ctx.txn, t.id, t));
  }
  return Status::Ok();
}

Status remove_tweet_uncounted(WriteContext& ctx, const TweetRecord& tweet, std::string_view author_username) {
  const auto& st = ctx.store;
  CHIRP_RETURN_IF_ERROR(st.tweets.del(ctx.txn, tweet.id));
  CHIRP_RETURN_IF_ERROR(st.user_tweets.remove(ctx.txn, tweet.author_id, tweet.id));
  if (tweet.in_reply_to_id != 0) {
    CHIRP_RETURN_IF_ERROR(st.replies.remove(ctx.txn, tweet.in_reply_to_id, tweet.id));
    TweetRecord parent;
    if (st.tweets.get(ctx.txn, tweet.in_reply_to_id, &parent).ok()) {
      decrement(parent.reply_count);
      CHIRP_RETURN_IF_ERROR(st.tweets.put(ctx.txn, parent.id, parent));
    }
  }
  // Replies to it stay (their authors own them) but lose the thread index.
  CHIRP_RETURN_IF_ERROR(st.replies.remove_all(ctx.txn, tweet.id, nullptr));
  CHIRP_RETURN_IF_ERROR(st.likes.remove_all(ctx.txn, tweet.id, [&](uint64_t liker) {
    return st.user_likes.remove(ctx.txn, liker, tweet.id);
  }));
  // Fan-out removal mirrors the fan-out on post: the author and each follower.
  CHIRP_RETURN_IF_ERROR(st.home.remove(ctx.txn, tweet.author_id, tweet.id));
  for (uint64_t f : st.followers.list_asc(ctx.txn, tweet.author_id, 0, kAll))
    CHIRP_RETURN_IF_ERROR(st.home.remove(ctx.txn, f, tweet.id));

  ChangeRecord c;
  c.kind = ChangeRecord::kTweetDeleted;
  c.user_id = tweet.author_id;
  c.target_id = tweet.id;
  c.username = std::string(author_username);
  return ctx.append_change(c);
}

Status remove_tweet(WriteContext& ctx, const TweetRecord& tweet, const UserRecord& author) {
  UserRecord a = author;
  decrement(a.tweet_count);
  CHIRP_RETURN_IF_ERROR(ctx.store.users.put(ctx.txn, a.id, a));
  return remove_tweet_uncounted(ctx, tweet, author.username);
}

Status remove_account(WriteContext& ctx, const UserRecord& user) {
  const auto& st = ctx.store;
  for (uint64_t tid : st.user_tweets.list_desc(ctx.txn, user.id, 0, kAll)) {
    TweetRecord t;
    if (!st.tweets.get(ctx.txn, tid, &t).ok()) continue;
    CHIRP_RETURN_IF_ERROR(remove_tweet_uncounted(ctx, t, user.username));
  }
  bool changed = false;
  for (uint64_t tid : st.user_likes.list_asc(ctx.txn, user.id, 0, kAll))
    CHIRP_RETURN_IF_ERROR(remove_like(ctx, user.id, tid, &changed));
  for (uint64_t followee : st.following.list_asc(ctx.txn, user.id, 0, kAll))
    CHIRP_RETURN_IF_ERROR(remove_follow(ctx, user.id, followee, &changed));
  for (uint64_t follower : st.followers.list_asc(ctx.txn, user.id, 0, kAll))
    CHIRP_RETURN_IF_ERROR(remove_follow(ctx, follower, user.id, &changed));
  CHIRP_RETURN_IF_ERROR(st.home.remove_all(ctx.txn, user.id, nullptr));
  CHIRP_RETURN_IF_ERROR(st.sessions.remove_all_of_user(ctx.txn, user.id, {}));
  CHIRP_RETURN_IF_ERROR(st.idempotency.remove_all_of_user(ctx.txn, user.id));
  // A replica may already hold a newer account under the same name.
  const std::string lower = lowercase_ascii(user.username);
  uint64_t holder = 0;
  if (st.usernames.get(ctx.txn, lower, &holder).ok() && holder == user.id)
    CHIRP_RETURN_IF_ERROR(st.usernames.remove(ctx.txn, lower));
  return st.users.del(ctx.txn, user.id);
}

}  // namespace chirp::engine

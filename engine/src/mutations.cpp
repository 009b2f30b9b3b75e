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
  CHIRP_ASSIGN_OR_RETURN(const bool exists, st.following.contains(ctx.txn, follower.id, followee.id));
  if (exists) return Status::Ok();
  storage::FollowRecord rec{ctx.now_ms};
  const std::string value = storage::encode(rec);
  CHIRP_RETURN_IF_ERROR(st.following.add(ctx.txn, follower.id, followee.id, value));
  CHIRP_RETURN_IF_ERROR(st.followers.add(ctx.txn, followee.id, follower.id, value));
  ++follower.following_count;
  ++followee.follower_count;
  CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, follower.id, follower));
  CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, followee.id, followee));
  CHIRP_ASSIGN_OR_RETURN(const auto recent, st.user_tweets.list_desc(ctx.txn, followee.id, 0, kFollowBackfill));
  for (uint64_t tid : recent)
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
  bool have = false;
  CHIRP_RETURN_IF_ERROR(found(st.users.get(ctx.txn, follower_id, &a), &have));
  if (have) {
    decrement(a.following_count);
    CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, a.id, a));
  }
  CHIRP_RETURN_IF_ERROR(found(st.users.get(ctx.txn, followee_id, &b), &have));
  if (have) {
    decrement(b.follower_count);
    CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, b.id, b));
  }
  // The followee's tweets leave the follower's home timeline.
  CHIRP_ASSIGN_OR_RETURN(const auto tweets, st.user_tweets.list_desc(ctx.txn, followee_id, 0, kAll));
  for (uint64_t tid : tweets)
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
  CHIRP_ASSIGN_OR_RETURN(const bool liked, st.likes.contains(ctx.txn, tweet_id, user_id));
  if (liked) return Status::Ok();
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
  bool have = false;
  CHIRP_RETURN_IF_ERROR(found(st.tweets.get(ctx.txn, tweet_id, &t), &have));
  if (have) {
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
    bool have = false;
    CHIRP_RETURN_IF_ERROR(found(st.tweets.get(ctx.txn, tweet.in_reply_to_id, &parent), &have));
    if (have) {
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
  CHIRP_ASSIGN_OR_RETURN(const auto followers, st.followers.list_asc(ctx.txn, tweet.author_id, 0, kAll));
  for (uint64_t f : followers)
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
  CHIRP_ASSIGN_OR_RETURN(const auto tweets, st.user_tweets.list_desc(ctx.txn, user.id, 0, kAll));
  for (uint64_t tid : tweets) {
    TweetRecord t;
    bool have = false;
    CHIRP_RETURN_IF_ERROR(found(st.tweets.get(ctx.txn, tid, &t), &have));
    if (!have) continue;
    CHIRP_RETURN_IF_ERROR(remove_tweet_uncounted(ctx, t, user.username));
  }
  bool changed = false;
  CHIRP_ASSIGN_OR_RETURN(const auto liked, st.user_likes.list_asc(ctx.txn, user.id, 0, kAll));
  for (uint64_t tid : liked) CHIRP_RETURN_IF_ERROR(remove_like(ctx, user.id, tid, &changed));
  CHIRP_ASSIGN_OR_RETURN(const auto followees, st.following.list_asc(ctx.txn, user.id, 0, kAll));
  for (uint64_t followee : followees) CHIRP_RETURN_IF_ERROR(remove_follow(ctx, user.id, followee, &changed));
  CHIRP_ASSIGN_OR_RETURN(const auto followers, st.followers.list_asc(ctx.txn, user.id, 0, kAll));
  for (uint64_t follower : followers) CHIRP_RETURN_IF_ERROR(remove_follow(ctx, follower, user.id, &changed));
  CHIRP_RETURN_IF_ERROR(st.home.remove_all(ctx.txn, user.id, nullptr));
  CHIRP_RETURN_IF_ERROR(st.sessions.remove_all_of_user(ctx.txn, user.id, {}));
  CHIRP_RETURN_IF_ERROR(st.idempotency.remove_all_of_user(ctx.txn, user.id));
  // A replica may already hold a newer account under the same name.
  const std::string lower = lowercase_ascii(user.username);
  uint64_t holder = 0;
  bool named = false;
  CHIRP_RETURN_IF_ERROR(found(st.usernames.get(ctx.txn, lower, &holder), &named));
  if (named && holder == user.id)
    CHIRP_RETURN_IF_ERROR(st.usernames.remove(ctx.txn, lower));
  return st.users.del(ctx.txn, user.id);
}

}  // namespace chirp::engine

// Write steps shared by several operations (a tweet deleted by its author or
// with its account, a follow removed by unfollow or by account deletion).
// Each runs inside the caller's write transaction and keeps every index and
// counter consistent; none appends to the change log (the caller does).
#pragma once

#include "chirp/storage/tables.h"
#include "writer.h"

namespace chirp::engine {

// A lookup's answer: *present tells whether it found the record; only NotFound
// means absent, any other failure (a read error) is returned, never taken
// for absence.
inline Status found(const Status& s, bool* present) {
  *present = s.ok();
  return s.ok() || s.code() == Code::kNotFound ? Status::Ok() : s;
}

// Loads a user record for update; NotFound with `what` as message if absent.
Status load_user(WriteContext& ctx, uint64_t id, storage::UserRecord* out);

// Adds a follow (fan-in of the followee's recent tweets into the follower's home).
// Returns false in *changed when it already existed.
Status add_follow(WriteContext& ctx, storage::UserRecord& follower, storage::UserRecord& followee,
                  bool* changed);
Status remove_follow(WriteContext& ctx, uint64_t follower_id, uint64_t followee_id, bool* changed);

Status add_like(WriteContext& ctx, uint64_t user_id, uint64_t tweet_id, bool* changed);
Status remove_like(WriteContext& ctx, uint64_t user_id, uint64_t tweet_id, bool* changed);

// Removes a tweet and everything pointing at it (author index, parent's reply
// list and count, likes, homes), decrements the author's tweet count and
// appends a kTweetDeleted change.
Status remove_tweet(WriteContext& ctx, const storage::TweetRecord& tweet,
                    const storage::UserRecord& author);
// The same without touching the author's record: for an account being
// deleted (its record goes anyway) or an author a replica has no copy of.
Status remove_tweet_uncounted(WriteContext& ctx, const storage::TweetRecord& tweet,
                              std::string_view author_username);

// Removes a deleted account and everything it leaves: its tweets (each logs
// kTweetDeleted, so consumers drop them one by one), its likes, follows both
// ways, home timeline, sessions, idempotency keys, its username (if it still
// points at this account) and the record. The caller logs kUserDeleted.
Status remove_account(WriteContext& ctx, const storage::UserRecord& user);

// How many of a followee's newest tweets a new follow copies into the home timeline.
constexpr size_t kFollowBackfill = 800;

}  // namespace chirp::engine

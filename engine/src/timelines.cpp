// Engine: follows, follower lists and the timelines.
#include "chirp/engine/engine.h"
#include "chirp/storage/tables.h"
#include "cursor.h"
#include "mutations.h"
#include "views.h"
#include "writer.h"

namespace chirp::engine {

using storage::ChangeRecord;
using storage::UserRecord;

namespace {
// Resolves a username inside a write; NotFound if absent.
Status user_by_name(WriteContext& ctx, std::string_view username, UserRecord* out) {
  uint64_t id = 0;
  if (username.size() > 15) return Status::NotFound("no such user");
  Status s = ctx.store.usernames.get(ctx.txn, lowercase_ascii(username), &id);
  if (s.code() == Code::kNotFound) return Status::NotFound("no such user");
  CHIRP_RETURN_IF_ERROR(s);
  return load_user(ctx, id, out);
}

ChangeRecord follow_change(ChangeRecord::Kind kind, const UserRecord& a, const UserRecord& b) {
  ChangeRecord c;
  c.kind = kind;
  c.user_id = a.id;
  c.username = a.username;
  c.target_id = b.id;
  c.target_user_id = b.id;
  return c;
}

// Resolves a username in a read; NotFound if absent, a read error as itself.
Status user_id_by_name(const storage::Store& store, MDB_txn* txn, std::string_view username, uint64_t* id) {
  if (username.size() > 15) return Status::NotFound("no such user");
  Status s = store.usernames.get(txn, lowercase_ascii(username), id);
  if (s.code() == Code::kNotFound) return Status::NotFound("no such user");
  return s;
}

// A page of users from a relation list (ids ascending, cursor = last id).
Result<Page<User>> user_page(const storage::Store& store, const storage::PairIndex& index,
                             std::string_view username, const PageRequest& req) {
  uint64_t after = 0;
  CHIRP_RETURN_IF_ERROR(decode_cursor(req.cursor, &after));
  const size_t limit = clamp_limit(req.limit);
  storage::ReadTxn txn(*store.env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  uint64_t owner = 0;
  CHIRP_RETURN_IF_ERROR(user_id_by_name(store, txn.raw(), username, &owner));
  CHIRP_ASSIGN_OR_RETURN(const std::vector<uint64_t> ids, index.list_asc(txn.raw(), owner, after, limit + 1));
  Page<User> page;
  for (size_t i = 0; i < ids.size() && i < limit; ++i) {
    UserRecord r;
    bool have = false;
    CHIRP_RETURN_IF_ERROR(found(store.users.get(txn.raw(), ids[i], &r), &have));
    if (have) page.items.push_back(to_user(r));
  }
  if (ids.size() > limit) page.next_cursor = encode_cursor(ids[limit - 1]);
  return page;
}
}  // namespace

namespace {
// The writes of follow and unfollow: one builder each, for the waiting and
// the late-answered method alike (the name is copied: the late one returns
// before the operation runs).
GroupCommitWriter::Op follow_op(uint64_t follower_id, std::string_view username) {
  return [follower_id, username = std::string(username)](WriteContext& ctx) -> Status {
    UserRecord a, b;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, follower_id, &a));
    CHIRP_RETURN_IF_ERROR(user_by_name(ctx, username, &b));
    if (a.id == b.id) return Status::Unprocessable("you cannot follow yourself");
    bool changed = false;
    CHIRP_RETURN_IF_ERROR(add_follow(ctx, a, b, &changed));
    if (!changed) return Status::Ok();
    ChangeRecord c = follow_change(ChangeRecord::kFollowed, a, b);
    return ctx.append_change(c);
  };
}

GroupCommitWriter::Op unfollow_op(uint64_t follower_id, std::string_view username) {
  return [follower_id, username = std::string(username)](WriteContext& ctx) -> Status {
    UserRecord a, b;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, follower_id, &a));
    CHIRP_RETURN_IF_ERROR(user_by_name(ctx, username, &b));
    if (a.id == b.id) return Status::Unprocessable("you cannot unfollow yourself");
    bool changed = false;
    CHIRP_RETURN_IF_ERROR(remove_follow(ctx, a.id, b.id, &changed));
    if (!changed) return Status::Ok();
    ChangeRecord c = follow_change(ChangeRecord::kUnfollowed, a, b);
    return ctx.append_change(c);
  };
}
}  // namespace

Status Engine::follow(uint64_t follower_id, std::string_view username) {
  return writer_->run(follow_op(follower_id, username));
}
void Engine::follow_async(uint64_t follower_id, std::string_view username, WriteDone done) {
  writer_->submit(follow_op(follower_id, username), std::move(done));
}

Status Engine::unfollow(uint64_t follower_id, std::string_view username) {
  return writer_->run(unfollow_op(follower_id, username));
}
void Engine::unfollow_async(uint64_t follower_id, std::string_view username, WriteDone done) {
  writer_->submit(unfollow_op(follower_id, username), std::move(done));
}

Result<bool> Engine::is_following(uint64_t follower_id, uint64_t followee_id) const {
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  return store_->following.contains(txn.raw(), follower_id, followee_id);
}

Result<Page<User>> Engine::followers(std::string_view username, const PageRequest& page) const {
  return user_page(*store_, store_->followers, username, page);
}

Result<Page<User>> Engine::following(std::string_view username, const PageRequest& page) const {
  return user_page(*store_, store_->following, username, page);
}

Result<Page<Tweet>> Engine::all_tweets(const PageRequest& req) const {
  uint64_t before = 0;
  CHIRP_RETURN_IF_ERROR(decode_cursor(req.cursor, &before));
  const size_t limit = clamp_limit(req.limit);
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  CHIRP_ASSIGN_OR_RETURN(const std::vector<uint64_t> ids, store_->tweets.ids_desc(txn.raw(), before, limit + 1));
  return tweet_page(*store_, txn.raw(), ids, limit);
}

Result<Page<Tweet>> Engine::user_tweets(std::string_view username, const PageRequest& req) const {
  uint64_t before = 0;
  CHIRP_RETURN_IF_ERROR(decode_cursor(req.cursor, &before));
  const size_t limit = clamp_limit(req.limit);
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  uint64_t id = 0;
  CHIRP_RETURN_IF_ERROR(user_id_by_name(*store_, txn.raw(), username, &id));
  CHIRP_ASSIGN_OR_RETURN(const std::vector<uint64_t> ids,
                         store_->user_tweets.list_desc(txn.raw(), id, before, limit + 1));
  return tweet_page(*store_, txn.raw(), ids, limit);
}

Result<Page<Tweet>> Engine::home_timeline(uint64_t user_id, const PageRequest& req) const {
  uint64_t before = 0;
  CHIRP_RETURN_IF_ERROR(decode_cursor(req.cursor, &before));
  const size_t limit = clamp_limit(req.limit);
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  CHIRP_ASSIGN_OR_RETURN(const bool exists, store_->users.contains(txn.raw(), user_id));
  if (!exists) return Status::NotFound("no such user");
  CHIRP_ASSIGN_OR_RETURN(const std::vector<uint64_t> ids,
                         store_->home.list_desc(txn.raw(), user_id, before, limit + 1));
  return tweet_page(*store_, txn.raw(), ids, limit);
}

Result<Page<Tweet>> Engine::replies(uint64_t tweet_id, const PageRequest& req) const {
  uint64_t after = 0;
  CHIRP_RETURN_IF_ERROR(decode_cursor(req.cursor, &after));
  const size_t limit = clamp_limit(req.limit);
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  CHIRP_ASSIGN_OR_RETURN(const bool exists, store_->tweets.contains(txn.raw(), tweet_id));
  if (!exists) return Status::NotFound("no such tweet");
  CHIRP_ASSIGN_OR_RETURN(const std::vector<uint64_t> ids,
                         store_->replies.list_asc(txn.raw(), tweet_id, after, limit + 1));
  return tweet_page(*store_, txn.raw(), ids, limit);
}

}  // namespace chirp::engine

// Engine: posting, reading, deleting and liking tweets.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chirp/engine/engine.h"
#include "chirp/storage/keys.h"
#include "chirp/storage/tables.h"
#include "mutations.h"
#include "rules.h"
#include "views.h"
#include "writer.h"

namespace chirp::engine {

using storage::ChangeRecord;
using storage::TweetRecord;
using storage::UserRecord;

namespace {
constexpr size_t kMaxIdempotencyKey = 128;

// Checks the text against twitter-text's rules and extracts its entities.
Status check_tweet_text(std::string_view text, text::Entities* entities) {
  if (utf8_length(text) < 0) return Status::InvalidArgument("text is not valid UTF-8");
  if (is_blank(text)) return Status::Unprocessable("tweet text is empty");
  // C0 controls (other than newline and tab) and DEL have no place in a tweet
  // and confuse every client that renders one.
  for (char c : text)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
      return Status::Unprocessable("tweet text must not contain control characters");
  text::ParseResult parsed = text::parse_tweet(text);
  if (parsed.weighted_length > text::config_v3().max_weighted_tweet_length)
    return Status::Unprocessable("tweet text is over 280 characters (weighted length " +
                                 std::to_string(parsed.weighted_length) + ")");
  if (!parsed.valid) return Status::Unprocessable("tweet text contains invalid characters");
  *entities = text::extract_entities(text);
  return Status::Ok();
}

// Writes a new tweet and its indexes, fans it out to homes, logs it; the
// author's record (its tweet count) is the caller's to update. Conflict, with
// nothing written, if the id is taken.
Status insert_tweet_rows(WriteContext& ctx, const TweetRecord& t, const UserRecord& author,
                         const std::string& reply_username) {
  const auto& st = ctx.store;
  CHIRP_RETURN_IF_ERROR(st.tweets.insert_new(ctx.txn, t.id, t));
  CHIRP_RETURN_IF_ERROR(st.user_tweets.add(ctx.txn, author.id, t.id));
  if (t.in_reply_to_id != 0) CHIRP_RETURN_IF_ERROR(st.replies.add(ctx.txn, t.in_reply_to_id, t.id));
  const std::string author_key = storage::key_u64(author.id);
  CHIRP_RETURN_IF_ERROR(st.home.add(ctx.txn, author.id, t.id, author_key));
  CHIRP_ASSIGN_OR_RETURN(const auto followers,
                         st.followers.list_asc(ctx.txn, author.id, 0, SIZE_MAX));
  for (uint64_t f : followers) CHIRP_RETURN_IF_ERROR(st.home.add(ctx.txn, f, t.id, author_key));

  ChangeRecord c;
  c.kind = ChangeRecord::kTweetPosted;
  c.user_id = author.id;
  c.target_id = t.id;
  c.username = author.username;
  c.display_name = author.display_name;
  c.tweet = t;
  c.in_reply_to_username = reply_username;
  return ctx.append_change(c);
}

// insert_tweet_rows, and the author's tweet count.
Status insert_tweet(WriteContext& ctx, const TweetRecord& t, UserRecord& author,
                    const std::string& reply_username) {
  CHIRP_RETURN_IF_ERROR(insert_tweet_rows(ctx, t, author, reply_username));
  ++author.tweet_count;
  return ctx.store.users.put(ctx.txn, author.id, author);
}
}  // namespace

namespace {
// What a post needs once the caller's buffers are gone (the asynchronous path
// returns before the write runs).
struct PostInput {
  uint64_t author_id = 0;
  std::string text;
  std::optional<uint64_t> in_reply_to;
  std::string idempotency_key;
  std::vector<storage::EntityRecord> entities;
  uint64_t tweet_id = 0;  // set by the operation: the new tweet, or the first one for a retried key
};

// The write of a post. Pure in the transaction (it may run more than once);
// it only records the id it settled on in `in`.
GroupCommitWriter::Op post_op(const std::shared_ptr<PostInput>& in) {
  return [in](WriteContext& ctx) -> Status {
    const auto& st = ctx.store;
    const uint64_t author_id = in->author_id;
    UserRecord author;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, author_id, &author));
    if (!in->idempotency_key.empty()) {
      storage::IdempotencyRecord seen;
      bool have = false;
      CHIRP_RETURN_IF_ERROR(
          found(st.idempotency.get(ctx.txn, author_id, in->idempotency_key, &seen), &have));
      if (have) {
        CHIRP_ASSIGN_OR_RETURN(const bool exists, st.tweets.contains(ctx.txn, seen.tweet_id));
        if (exists) {
          in->tweet_id = seen.tweet_id;
          return Status::Ok();
        }
      }
    }
    TweetRecord t;
    t.id = ctx.new_id();
    t.author_id = author_id;
    t.text = in->text;
    t.created_at_ms = ctx.now_ms;
    t.entities = in->entities;
    std::string reply_username;
    if (in->in_reply_to) {
      TweetRecord parent;
      Status ps = st.tweets.get(ctx.txn, *in->in_reply_to, &parent);
      if (ps.code() == Code::kNotFound) return Status::Unprocessable("in_reply_to: no such tweet");
      CHIRP_RETURN_IF_ERROR(ps);
      t.in_reply_to_id = parent.id;
      t.in_reply_to_user_id = parent.author_id;
      ++parent.reply_count;
      CHIRP_RETURN_IF_ERROR(st.tweets.put(ctx.txn, parent.id, parent));
      UserRecord parent_author;
      bool have = false;
      CHIRP_RETURN_IF_ERROR(found(st.users.get(ctx.txn, parent.author_id, &parent_author), &have));
      if (have) reply_username = parent_author.username;
    }
    CHIRP_RETURN_IF_ERROR(insert_tweet(ctx, t, author, reply_username));
    if (!in->idempotency_key.empty())
      CHIRP_RETURN_IF_ERROR(st.idempotency.put(ctx.txn, author_id, in->idempotency_key,
                                               storage::IdempotencyRecord{t.id, ctx.now_ms}));
    in->tweet_id = t.id;
    return Status::Ok();
  };
}

// Checks what can be checked before the write; the input of post_op.
Result<std::shared_ptr<PostInput>> prepare_post(uint64_t author_id, std::string_view text,
                                                std::optional<uint64_t> in_reply_to,
                                                std::string_view idempotency_key) {
  if (idempotency_key.size() > kMaxIdempotencyKey)
    return Status::InvalidArgument("Idempotency-Key is longer than 128 bytes");
  text::Entities entities;
  CHIRP_RETURN_IF_ERROR(check_tweet_text(text, &entities));
  auto in = std::make_shared<PostInput>();
  in->author_id = author_id;
  in->text = std::string(text);
  in->in_reply_to = in_reply_to;
  in->idempotency_key = std::string(idempotency_key);
  in->entities = to_entity_records(entities);
  return in;
}
}  // namespace

Result<Tweet> Engine::post_tweet(uint64_t author_id, std::string_view text,
                                 std::optional<uint64_t> in_reply_to,
                                 std::string_view idempotency_key) {
  auto in = prepare_post(author_id, text, in_reply_to, idempotency_key);
  if (!in.ok()) return in.status();
  std::shared_ptr<PostInput> input = std::move(in.value());
  Status s = writer_->run(post_op(input));
  if (!s.ok()) return s;
  return get_tweet(input->tweet_id);
}

void Engine::post_tweet_async(uint64_t author_id, std::string_view text,
                              std::optional<uint64_t> in_reply_to, std::string_view idempotency_key,
                              PostDone done) {
  auto in = prepare_post(author_id, text, in_reply_to, idempotency_key);
  if (!in.ok()) return done(in.status());
  std::shared_ptr<PostInput> input = std::move(in.value());
  writer_->submit(post_op(input), [this, input, done = std::move(done)](Status s) {
    if (!s.ok()) return done(s);
    // Read back like post_tweet does (the author's name, counts), on the
    // completion thread: the writer is already on its next commit.
    done(get_tweet(input->tweet_id));
  });
}

Result<Tweet> Engine::get_tweet(uint64_t tweet_id) const {
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  return TweetHydrator(*store_, txn.raw()).load(tweet_id);
}

Result<Tweet> Engine::get_tweet_of(std::string_view username, uint64_t tweet_id) const {
  auto t = get_tweet(tweet_id);
  if (!t.ok()) return t;
  if (lowercase_ascii(t->username) != lowercase_ascii(username))
    return Status::NotFound("no such tweet");
  return t;
}

namespace {
// The writes of delete, like and unlike: one builder each, for the waiting
// and the late-answered method alike (ids by value: the late one returns
// before the operation runs).
GroupCommitWriter::Op delete_op(uint64_t user_id, uint64_t tweet_id) {
  return [user_id, tweet_id](WriteContext& ctx) -> Status {
    TweetRecord t;
    Status s = ctx.store.tweets.get(ctx.txn, tweet_id, &t);
    if (s.code() == Code::kNotFound) return Status::NotFound("no such tweet");
    CHIRP_RETURN_IF_ERROR(s);
    if (t.author_id != user_id) return Status::Forbidden("only the author may delete a tweet");
    UserRecord author;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, user_id, &author));
    return remove_tweet(ctx, t, author);
  };
}

GroupCommitWriter::Op like_op(uint64_t user_id, uint64_t tweet_id) {
  return [user_id, tweet_id](WriteContext& ctx) -> Status {
    UserRecord user;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, user_id, &user));
    bool changed = false;
    CHIRP_RETURN_IF_ERROR(add_like(ctx, user_id, tweet_id, &changed));
    if (!changed) return Status::Ok();
    TweetRecord t;
    CHIRP_RETURN_IF_ERROR(ctx.store.tweets.get(ctx.txn, tweet_id, &t));
    ChangeRecord c;
    c.kind = ChangeRecord::kLiked;
    c.user_id = user_id;
    c.username = user.username;
    c.target_id = tweet_id;
    c.target_user_id = t.author_id;
    return ctx.append_change(c);
  };
}

GroupCommitWriter::Op unlike_op(uint64_t user_id, uint64_t tweet_id) {
  return [user_id, tweet_id](WriteContext& ctx) -> Status {
    CHIRP_ASSIGN_OR_RETURN(const bool exists, ctx.store.tweets.contains(ctx.txn, tweet_id));
    if (!exists) return Status::NotFound("no such tweet");
    UserRecord user;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, user_id, &user));
    bool changed = false;
    CHIRP_RETURN_IF_ERROR(remove_like(ctx, user_id, tweet_id, &changed));
    if (!changed) return Status::Ok();
    ChangeRecord c;
    c.kind = ChangeRecord::kUnliked;
    c.user_id = user_id;
    c.username = user.username;
    c.target_id = tweet_id;
    return ctx.append_change(c);
  };
}
}  // namespace

Status Engine::delete_tweet(uint64_t user_id, uint64_t tweet_id) {
  return writer_->run(delete_op(user_id, tweet_id));
}
void Engine::delete_tweet_async(uint64_t user_id, uint64_t tweet_id, WriteDone done) {
  writer_->submit(delete_op(user_id, tweet_id), std::move(done));
}

Status Engine::like(uint64_t user_id, uint64_t tweet_id) {
  return writer_->run(like_op(user_id, tweet_id));
}
void Engine::like_async(uint64_t user_id, uint64_t tweet_id, WriteDone done) {
  writer_->submit(like_op(user_id, tweet_id), std::move(done));
}

Status Engine::unlike(uint64_t user_id, uint64_t tweet_id) {
  return writer_->run(unlike_op(user_id, tweet_id));
}
void Engine::unlike_async(uint64_t user_id, uint64_t tweet_id, WriteDone done) {
  writer_->submit(unlike_op(user_id, tweet_id), std::move(done));
}

Result<bool> Engine::has_liked(uint64_t user_id, uint64_t tweet_id) const {
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  return store_->likes.contains(txn.raw(), tweet_id, user_id);
}

// ---- bulk import -----------------------------------------------------------

Result<ImportStats> Engine::import_batch(const std::vector<ImportRecord>& records,
                                         const std::string& password_hash) {
  // Validate and extract outside the writer: that is the CPU-heavy part.
  struct Prepared {
    const ImportRecord* rec;
    std::vector<storage::EntityRecord> entities;
  };
  std::vector<Prepared> ready;
  ready.reserve(records.size());
  ImportStats stats;
  for (const ImportRecord& r : records) {
    text::Entities e;
    if (!validate_username(r.user).ok() || !check_tweet_text(r.text, &e).ok()) {
      ++stats.rejected;
      continue;
    }
    ready.push_back({&r, to_entity_records(e)});
  }
  ImportStats written;
  Status s = writer_->run([&](WriteContext& ctx) -> Status {
    const auto& st = ctx.store;
    written = ImportStats{};
    std::unordered_map<std::string, UserRecord> users;  // lower-cased name -> record
    for (const Prepared& p : ready) {
      const std::string lower = lowercase_ascii(p.rec->user);
      auto it = users.find(lower);
      if (it == users.end()) {
        UserRecord u;
        uint64_t id;
        bool have = false;
        CHIRP_RETURN_IF_ERROR(found(st.usernames.get(ctx.txn, lower, &id), &have));
        if (have) {
          CHIRP_RETURN_IF_ERROR(st.users.get(ctx.txn, id, &u));
        } else {
          u.id = ctx.new_id();
          u.username = p.rec->user;
          u.display_name = p.rec->user;
          u.password_hash = password_hash;
          u.created_at_ms = ctx.now_ms;
          CHIRP_RETURN_IF_ERROR(st.usernames.insert_new(ctx.txn, lower, u.id));
          CHIRP_RETURN_IF_ERROR(st.users.insert_new(ctx.txn, u.id, u));
          ChangeRecord c;
          c.kind = ChangeRecord::kUserCreated;
          c.user_id = u.id;
          c.username = u.username;
          c.display_name = u.display_name;
          CHIRP_RETURN_IF_ERROR(ctx.append_change(c));
          ++written.users_created;
        }
        it = users.emplace(lower, std::move(u)).first;
      }
      // The id carries the record's own time; the sequence bits resolve
      // collisions (the insert itself says whether an id is taken).
      TweetRecord t;
      const int64_t ms = p.rec->ts_seconds * 1000;
      t.author_id = it->second.id;
      t.text = p.rec->text;
      t.created_at_ms = ms;
      t.entities = p.entities;
      bool inserted = false;
      for (unsigned seq = 0; seq < 0xfff && !inserted; ++seq) {
        t.id = make_id(ms, options_.node_id, seq);
        const Status s = insert_tweet_rows(ctx, t, it->second, "");
        if (s.code() != Code::kConflict) {
          CHIRP_RETURN_IF_ERROR(s);
          inserted = true;
        }
      }
      if (!inserted) {
        ++written.rejected;
        continue;
      }
      ++it->second.tweet_count;
      ++written.tweets;
    }
    // Each author once, with its count after the batch, instead of a put of
    // its record for each of its tweets.
    for (const auto& [lower, u] : users) CHIRP_RETURN_IF_ERROR(st.users.put(ctx.txn, u.id, u));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  written.rejected += stats.rejected;
  return written;
}

}  // namespace chirp::engine

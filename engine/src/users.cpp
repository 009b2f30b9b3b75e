// Engine: accounts, sessions and profiles.
#include <sodium.h>

#include <algorithm>
#include <chrono>

#include "chirp/engine/engine.h"
#include "chirp/storage/tables.h"
#include "mutations.h"
#include "passwords.h"
#include "rules.h"
#include "views.h"
#include "writer.h"

namespace chirp::engine {

using storage::ChangeRecord;
using storage::UserRecord;

namespace {
int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

ChangeRecord user_change(ChangeRecord::Kind kind, const UserRecord& u) {
  ChangeRecord c;
  c.kind = kind;
  c.user_id = u.id;
  c.username = u.username;
  c.display_name = u.display_name;
  c.bio = u.bio;
  return c;
}
}  // namespace

Result<User> Engine::register_user(std::string_view username, std::string_view password,
                                   std::string_view display_name) {
  CHIRP_RETURN_IF_ERROR(validate_username(username));
  CHIRP_RETURN_IF_ERROR(validate_password(password));
  CHIRP_RETURN_IF_ERROR(validate_text_field(display_name, kMaxDisplayName, "display_name"));
  const std::string lower = lowercase_ascii(username);
  {  // Cheap early answer for a taken name, before paying for the hash.
    storage::ReadTxn txn(*store_->env);
    uint64_t id;
    if (txn.status().ok() && store_->usernames.get(txn.raw(), lower, &id).ok())
      return Status::Conflict("username is taken");
  }
  auto hash = hasher_->hash(password);
  if (!hash.ok()) return hash.status();

  UserRecord user;
  Status s = writer_->run([&](WriteContext& ctx) -> Status {
    user = UserRecord{};
    user.id = ctx.new_id();
    user.username = std::string(username);
    user.display_name = display_name.empty() ? std::string(username) : std::string(display_name);
    user.password_hash = *hash;
    user.created_at_ms = ctx.now_ms;
    CHIRP_RETURN_IF_ERROR(ctx.store.usernames.insert_new(ctx.txn, lower, user.id));
    CHIRP_RETURN_IF_ERROR(ctx.store.users.insert_new(ctx.txn, user.id, user));
    ChangeRecord c = user_change(ChangeRecord::kUserCreated, user);
    return ctx.append_change(c);
  });
  if (!s.ok()) return s;
  return to_user(user);
}

Result<Session> Engine::login(std::string_view username, std::string_view password) {
  const Status bad = Status::Unauthorized("invalid username or password");
  UserRecord user;
  {
    storage::ReadTxn txn(*store_->env);
    CHIRP_RETURN_IF_ERROR(txn.status());
    // Only NotFound means "no such user"; a failed read is an error (500),
    // never "wrong password".
    uint64_t id = 0;
    Status s = username.size() > 64 ? Status::NotFound("no such user")
                                    : store_->usernames.get(txn.raw(), lowercase_ascii(username), &id);
    if (s.ok()) s = store_->users.get(txn.raw(), id, &user);
    if (s.code() == Code::kNotFound) {
      user = UserRecord{};
    } else if (!s.ok()) {
      return s;
    }
  }
  // Verify even for an unknown user (against a dummy hash): same time either way.
  if (!hasher_->verify(user.password_hash, password)) return bad;

  Session session;
  session.token = new_token();
  const std::string hash = token_hash(session.token);
  Status s = writer_->run([&](WriteContext& ctx) -> Status {
    UserRecord fresh;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, user.id, &fresh));  // deleted meanwhile?
    storage::SessionRecord rec{user.id, ctx.now_ms, ctx.now_ms + options_.session_ttl_ms};
    session.expires_at_ms = rec.expires_at_ms;
    session.user = to_user(fresh);
    return ctx.store.sessions.put(ctx.txn, hash, rec);
  });
  if (s.code() == Code::kNotFound) return bad;
  if (!s.ok()) return s;
  return session;
}

Result<Principal> Engine::authenticate(std::string_view token) const {
  const Status bad = Status::Unauthorized("invalid or expired token");
  if (token.empty() || token.size() > 128) return bad;
  Principal p;
  p.token_hash = token_hash(token);
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  storage::SessionRecord rec;
  Status s = store_->sessions.get(txn.raw(), p.token_hash, &rec);
  if (s.code() == Code::kNotFound) return bad;
  CHIRP_RETURN_IF_ERROR(s);  // a failed read is not an invalid token
  if (rec.expires_at_ms <= now_ms()) return bad;
  p.user_id = rec.user_id;
  return p;
}

Status Engine::logout(const Principal& who) {
  return writer_->run([&](WriteContext& ctx) { return ctx.store.sessions.remove(ctx.txn, who.token_hash); });
}

Status Engine::revoke_all_sessions(uint64_t user_id) {
  return writer_->run([&](WriteContext& ctx) {
    return ctx.store.sessions.remove_all_of_user(ctx.txn, user_id, {});
  });
}

Status Engine::change_password(const Principal& who, std::string_view current_password,
                               std::string_view new_password) {
  CHIRP_RETURN_IF_ERROR(validate_password(new_password));
  std::string stored;
  {
    storage::ReadTxn txn(*store_->env);
    UserRecord r;
    CHIRP_RETURN_IF_ERROR(txn.status());
    Status s = store_->users.get(txn.raw(), who.user_id, &r);
    if (s.code() == Code::kNotFound) return Status::NotFound("no such user");
    CHIRP_RETURN_IF_ERROR(s);
    stored = r.password_hash;
  }
  if (!hasher_->verify(stored, current_password))
    return Status::Unauthorized("current password is wrong");
  auto hash = hasher_->hash(new_password);
  if (!hash.ok()) return hash.status();
  return writer_->run([&](WriteContext& ctx) -> Status {
    UserRecord r;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, who.user_id, &r));
    r.password_hash = *hash;
    CHIRP_RETURN_IF_ERROR(ctx.store.users.put(ctx.txn, r.id, r));
    return ctx.store.sessions.remove_all_of_user(ctx.txn, r.id, who.token_hash);
  });
}

Status Engine::delete_account(uint64_t user_id, std::string_view password) {
  std::string stored;
  {
    storage::ReadTxn txn(*store_->env);
    UserRecord r;
    Status s = store_->users.get(txn.raw(), user_id, &r);
    if (s.code() == Code::kNotFound) return Status::NotFound("no such user");
    CHIRP_RETURN_IF_ERROR(s);
    stored = r.password_hash;
  }
  if (!hasher_->verify(stored, password)) return Status::Unauthorized("password is wrong");
  return writer_->run([&](WriteContext& ctx) -> Status {
    UserRecord user;
    CHIRP_RETURN_IF_ERROR(load_user(ctx, user_id, &user));
    CHIRP_RETURN_IF_ERROR(remove_account(ctx, user));
    ChangeRecord c = user_change(ChangeRecord::kUserDeleted, user);
    return ctx.append_change(c);
  });
}

Result<User> Engine::get_user(uint64_t user_id) const {
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  UserRecord r;
  Status s = store_->users.get(txn.raw(), user_id, &r);
  if (s.code() == Code::kNotFound) return Status::NotFound("no such user");
  if (!s.ok()) return s;
  return to_user(r);
}

Result<User> Engine::find_user(std::string_view username) const {
  if (username.empty() || username.size() > 15) return Status::NotFound("no such user");
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  uint64_t id = 0;
  UserRecord r;
  Status s = store_->usernames.get(txn.raw(), lowercase_ascii(username), &id);
  if (s.ok()) s = store_->users.get(txn.raw(), id, &r);
  if (s.code() == Code::kNotFound) return Status::NotFound("no such user");
  if (!s.ok()) return s;
  return to_user(r);
}

Result<Engine::SweepStats> Engine::sweep_expired_sessions(size_t max_batches) {
  std::lock_guard<std::mutex> lock(sweep_mu_);
  const size_t batch = std::max<size_t>(1, options_.session_sweep_batch);
  SweepStats stats;
  for (size_t i = 0; i < max_batches; ++i) {
    // Look first, in a read transaction: a batch with nothing expired (the
    // usual case) costs no write transaction and no commit.
    storage::SessionTable::SweepStep step;
    {
      storage::ReadTxn txn(*store_->env);
      CHIRP_RETURN_IF_ERROR(txn.status());
      auto r = store_->sessions.scan_expired(txn.raw(), sweep_from_, now_ms(), batch);
      if (!r.ok()) return r.status();  // sweep_from_ stays: the next call retries this batch
      step = std::move(r).value();
    }
    if (!step.expired.empty()) {
      // One writer operation per batch, durable before the next starts: no
      // commit carries more than one bounded batch of the sweep.
      size_t removed = 0;
      Status s = writer_->run([&](WriteContext& ctx) -> Status {
        auto r = ctx.store.sessions.remove_expired(ctx.txn, step.expired, ctx.now_ms);
        if (!r.ok()) return r.status();
        removed = *r;
        return Status::Ok();
      });
      if (!s.ok()) return s;
      ++stats.writes;
      stats.removed += removed;
    }
    ++stats.batches;
    stats.scanned += step.scanned;
    sweep_from_ = std::move(step.next);
    if (sweep_from_.empty()) {
      stats.pass_done = true;
      break;
    }
  }
  return stats;
}

Result<User> Engine::update_profile(uint64_t user_id, const std::optional<std::string>& display_name,
                                    const std::optional<std::string>& bio) {
  if (display_name) {
    CHIRP_RETURN_IF_ERROR(validate_text_field(*display_name, kMaxDisplayName, "display_name"));
  }
  if (bio) CHIRP_RETURN_IF_ERROR(validate_text_field(*bio, kMaxBio, "bio"));
  UserRecord r;
  Status s = writer_->run([&](WriteContext& ctx) -> Status {
    CHIRP_RETURN_IF_ERROR(load_user(ctx, user_id, &r));
    if (display_name) r.display_name = display_name->empty() ? r.username : *display_name;
    if (bio) r.bio = *bio;
    CHIRP_RETURN_IF_ERROR(ctx.store.users.put(ctx.txn, r.id, r));
    ChangeRecord c = user_change(ChangeRecord::kUserUpdated, r);
    return ctx.append_change(c);
  });
  if (!s.ok()) return s;
  return to_user(r);
}

}  // namespace chirp::engine

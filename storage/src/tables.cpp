#include "chirp/storage/tables.h"

#include "chirp/storage/codec.h"
#include "chirp/storage/keys.h"

namespace chirp::storage {

// ---- RecordTable -----------------------------------------------------------

template <typename Record>
Status RecordTable<Record>::get(MDB_txn* txn, uint64_t id, Record* out) const {
  std::string_view v;
  CHIRP_RETURN_IF_ERROR(storage::get(txn, t_, key_u64(id), &v));
  return decode(v, out);
}

template <typename Record>
Status RecordTable<Record>::put(MDB_txn* txn, uint64_t id, const Record& r, bool append) const {
  return storage::put(txn, t_, key_u64(id), encode(r), append ? MDB_APPEND : 0);
}

template <typename Record>
Status RecordTable<Record>::insert_new(MDB_txn* txn, uint64_t id, const Record& r) const {
  return storage::put(txn, t_, key_u64(id), encode(r), MDB_NOOVERWRITE);
}

template <typename Record>
Status RecordTable<Record>::del(MDB_txn* txn, uint64_t id, bool* existed) const {
  return storage::del(txn, t_, key_u64(id), existed);
}

namespace {
// A lookup's answer as present / absent; any other failure is an error.
Result<bool> presence(const Status& s) {
  if (s.ok()) return true;
  if (s.code() == Code::kNotFound) return false;
  return s;
}
}  // namespace

template <typename Record>
Result<bool> RecordTable<Record>::contains(MDB_txn* txn, uint64_t id) const {
  std::string_view v;
  return presence(storage::get(txn, t_, key_u64(id), &v));
}

template <typename Record>
Result<uint64_t> RecordTable<Record>::last_id(MDB_txn* txn) const {
  Cursor c(txn, t_);
  const uint64_t id = c.last() ? read_u64(c.key()) : 0;
  CHIRP_RETURN_IF_ERROR(c.status());
  return id;
}

template <typename Record>
Result<std::vector<uint64_t>> RecordTable<Record>::ids_desc(MDB_txn* txn, uint64_t before,
                                                            size_t limit) const {
  std::vector<uint64_t> out;
  Cursor c(txn, t_);
  bool ok = before == 0 ? c.last() : (c.seek(key_u64(before)) ? c.prev() : c.last());
  for (; ok && out.size() < limit; ok = c.prev()) {
    uint64_t id = read_u64(c.key());
    if (before != 0 && id >= before) continue;
    out.push_back(id);
  }
  CHIRP_RETURN_IF_ERROR(c.status());
  return out;
}

template <typename Record>
Status RecordTable<Record>::scan_asc(MDB_txn* txn, uint64_t after,
                                     const std::function<bool(uint64_t, const Record&)>& fn) const {
  Cursor c(txn, t_);
  bool ok = c.seek(key_u64(after));
  if (ok && read_u64(c.key()) == after) ok = c.next();
  for (; ok; ok = c.next()) {
    Record r;
    CHIRP_RETURN_IF_ERROR(decode(c.value(), &r));
    if (!fn(read_u64(c.key()), r)) break;
  }
  return c.status();
}

template class RecordTable<UserRecord>;
template class RecordTable<TweetRecord>;
template class RecordTable<ChangeRecord>;

// ---- PairIndex -------------------------------------------------------------

Status PairIndex::add(MDB_txn* txn, uint64_t a, uint64_t b, std::string_view value) const {
  return storage::put(txn, t_, key_u64_u64(a, b), value);
}

Status PairIndex::remove(MDB_txn* txn, uint64_t a, uint64_t b, bool* existed) const {
  return storage::del(txn, t_, key_u64_u64(a, b), existed);
}

Result<bool> PairIndex::contains(MDB_txn* txn, uint64_t a, uint64_t b) const {
  std::string_view v;
  return presence(storage::get(txn, t_, key_u64_u64(a, b), &v));
}

Status PairIndex::get(MDB_txn* txn, uint64_t a, uint64_t b, std::string_view* value) const {
  return storage::get(txn, t_, key_u64_u64(a, b), value);
}

Result<std::vector<uint64_t>> PairIndex::list_desc(MDB_txn* txn, uint64_t a, uint64_t before_b,
                                                   size_t limit) const {
  std::vector<uint64_t> out;
  const std::string prefix = key_u64(a);
  Cursor c(txn, t_);
  bool ok = before_b == 0 ? c.seek_last_with_prefix(prefix)
                          : (c.seek(key_u64_u64(a, before_b)) ? c.prev() : c.last());
  for (; ok && out.size() < limit; ok = c.prev()) {
    std::string_view k = c.key();
    if (k.size() != 16 || !has_prefix(k, prefix)) break;
    uint64_t b = read_u64(k, 8);
    if (before_b != 0 && b >= before_b) continue;
    out.push_back(b);
  }
  CHIRP_RETURN_IF_ERROR(c.status());
  return out;
}

Result<std::vector<uint64_t>> PairIndex::list_asc(MDB_txn* txn, uint64_t a, uint64_t after_b,
                                                  size_t limit) const {
  std::vector<uint64_t> out;
  const std::string prefix = key_u64(a);
  Cursor c(txn, t_);
  bool ok = c.seek(key_u64_u64(a, after_b));
  for (; ok && out.size() < limit; ok = c.next()) {
    std::string_view k = c.key();
    if (k.size() != 16 || !has_prefix(k, prefix)) break;
    uint64_t b = read_u64(k, 8);
    if (b <= after_b && after_b != 0) continue;
    out.push_back(b);
  }
  CHIRP_RETURN_IF_ERROR(c.status());
  return out;
}

Status PairIndex::remove_all(MDB_txn* txn, uint64_t a,
                             const std::function<Status(uint64_t)>& fn) const {
  const std::string prefix = key_u64(a);
  // Collect first: the callback may write to other tables in the same txn.
  std::vector<uint64_t> bs;
  {
    Cursor c(txn, t_);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next())
      bs.push_back(read_u64(c.key(), 8));
    CHIRP_RETURN_IF_ERROR(c.status());
  }
  for (uint64_t b : bs) {
    if (fn) CHIRP_RETURN_IF_ERROR(fn(b));
    CHIRP_RETURN_IF_ERROR(remove(txn, a, b));
  }
  return Status::Ok();
}

// ---- UsernameIndex ---------------------------------------------------------

Status UsernameIndex::get(MDB_txn* txn, std::string_view lower, uint64_t* id) const {
  std::string_view v;
  CHIRP_RETURN_IF_ERROR(storage::get(txn, t_, lower, &v));
  if (v.size() != 8) return Status::Internal("corrupt usernames entry");
  *id = read_u64(v);
  return Status::Ok();
}

Status UsernameIndex::insert_new(MDB_txn* txn, std::string_view lower, uint64_t id) const {
  Status s = storage::put(txn, t_, lower, key_u64(id), MDB_NOOVERWRITE);
  if (s.code() == Code::kConflict) return Status::Conflict("username is taken");
  return s;
}

Status UsernameIndex::remove(MDB_txn* txn, std::string_view lower) const {
  return storage::del(txn, t_, lower);
}

// ---- SessionTable ----------------------------------------------------------

Status SessionTable::get(MDB_txn* txn, std::string_view hash, SessionRecord* out) const {
  std::string_view v;
  CHIRP_RETURN_IF_ERROR(storage::get(txn, by_hash_, hash, &v));
  return decode(v, out);
}

Status SessionTable::put(MDB_txn* txn, std::string_view hash, const SessionRecord& r) const {
  CHIRP_RETURN_IF_ERROR(storage::put(txn, by_hash_, hash, encode(r)));
  return storage::put(txn, by_user_, key_u64_bytes(r.user_id, hash), {});
}

Status SessionTable::remove(MDB_txn* txn, std::string_view hash) const {
  SessionRecord r;
  Status s = get(txn, hash, &r);
  if (s.code() == Code::kNotFound) return Status::Ok();
  CHIRP_RETURN_IF_ERROR(s);
  CHIRP_RETURN_IF_ERROR(storage::del(txn, by_hash_, hash));
  return storage::del(txn, by_user_, key_u64_bytes(r.user_id, hash));
}

Status SessionTable::remove_all_of_user(MDB_txn* txn, uint64_t user_id,
                                        std::string_view keep_hash) const {
  const std::string prefix = key_u64(user_id);
  std::vector<std::string> hashes;
  {
    Cursor c(txn, by_user_);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next())
      hashes.emplace_back(c.key().substr(8));
    CHIRP_RETURN_IF_ERROR(c.status());
  }
  for (const std::string& h : hashes) {
    if (h == keep_hash) continue;
    CHIRP_RETURN_IF_ERROR(storage::del(txn, by_hash_, h));
    CHIRP_RETURN_IF_ERROR(storage::del(txn, by_user_, key_u64_bytes(user_id, h)));
  }
  return Status::Ok();
}

Result<SessionTable::SweepStep> SessionTable::scan_expired(MDB_txn* txn, std::string_view from,
                                                           int64_t now_ms, size_t max_scan) const {
  SweepStep step;
  Cursor c(txn, by_hash_);
  bool ok = from.empty() ? c.first() : c.seek(from);
  for (; ok && step.scanned < max_scan; ok = c.next()) {
    ++step.scanned;
    SessionRecord r;
    CHIRP_RETURN_IF_ERROR(decode(c.value(), &r));
    if (r.expires_at_ms <= now_ms) step.expired.emplace_back(c.key());
  }
  CHIRP_RETURN_IF_ERROR(c.status());
  if (ok) step.next = std::string(c.key());  // the first key not looked at
  return step;
}

Result<size_t> SessionTable::remove_expired(MDB_txn* txn, const std::vector<std::string>& expired,
                                            int64_t now_ms) const {
  size_t removed = 0;
  for (const std::string& hash : expired) {
    // Looked at again in this transaction: the scan may have run in an older snapshot.
    SessionRecord r;
    Status s = get(txn, hash, &r);
    if (s.code() == Code::kNotFound) continue;  // gone meanwhile (logout, revocation)
    CHIRP_RETURN_IF_ERROR(s);
    if (r.expires_at_ms > now_ms) continue;
    CHIRP_RETURN_IF_ERROR(storage::del(txn, by_hash_, hash));
    CHIRP_RETURN_IF_ERROR(storage::del(txn, by_user_, key_u64_bytes(r.user_id, hash)));
    ++removed;
  }
  return removed;
}

// ---- IdempotencyTable ------------------------------------------------------

Status IdempotencyTable::get(MDB_txn* txn, uint64_t user_id, std::string_view key,
                             IdempotencyRecord* out) const {
  std::string_view v;
  CHIRP_RETURN_IF_ERROR(storage::get(txn, t_, key_u64_bytes(user_id, key), &v));
  return decode(v, out);
}

Status IdempotencyTable::put(MDB_txn* txn, uint64_t user_id, std::string_view key,
                             const IdempotencyRecord& r) const {
  return storage::put(txn, t_, key_u64_bytes(user_id, key), encode(r));
}

Status IdempotencyTable::remove_all_of_user(MDB_txn* txn, uint64_t user_id) const {
  const std::string prefix = key_u64(user_id);
  Cursor c(txn, t_);
  for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next())
    CHIRP_RETURN_IF_ERROR(c.del_current());
  return c.status();
}

// ---- MetaTable -------------------------------------------------------------

Status MetaTable::get_u64(MDB_txn* txn, std::string_view name, uint64_t* out) const {
  std::string_view v;
  CHIRP_RETURN_IF_ERROR(storage::get(txn, t_, name, &v));
  if (v.size() != 8) return Status::Internal("corrupt meta value");
  *out = read_u64(v);
  return Status::Ok();
}

Status MetaTable::put_u64(MDB_txn* txn, std::string_view name, uint64_t v) const {
  return storage::put(txn, t_, name, key_u64(v));
}

Status MetaTable::get_str(MDB_txn* txn, std::string_view name, std::string* out) const {
  std::string_view v;
  CHIRP_RETURN_IF_ERROR(storage::get(txn, t_, name, &v));
  out->assign(v);
  return Status::Ok();
}

Status MetaTable::put_str(MDB_txn* txn, std::string_view name, std::string_view v) const {
  return storage::put(txn, t_, name, v);
}

// ---- Store -----------------------------------------------------------------

Result<std::unique_ptr<Store>> Store::open(const EnvOptions& options) {
  auto env = Env::open(options);
  if (!env.ok()) return env.status();
  auto store = std::make_unique<Store>();
  store->env = std::move(env).value();
  Env& e = *store->env;
  auto table = [&](const char* name, Table* out) -> Status {
    auto t = e.open_table(name);
    if (!t.ok()) return t.status();
    *out = *t;
    return Status::Ok();
  };
  Table t, t2;
  CHIRP_RETURN_IF_ERROR(table("meta", &t));        store->meta = MetaTable(t);
  CHIRP_RETURN_IF_ERROR(table("users", &t));       store->users = RecordTable<UserRecord>(t);
  CHIRP_RETURN_IF_ERROR(table("usernames", &t));   store->usernames = UsernameIndex(t);
  CHIRP_RETURN_IF_ERROR(table("sessions", &t));
  CHIRP_RETURN_IF_ERROR(table("user_sessions", &t2)); store->sessions = SessionTable(t, t2);
  CHIRP_RETURN_IF_ERROR(table("tweets", &t));      store->tweets = RecordTable<TweetRecord>(t);
  CHIRP_RETURN_IF_ERROR(table("user_tweets", &t)); store->user_tweets = PairIndex(t);
  CHIRP_RETURN_IF_ERROR(table("replies", &t));     store->replies = PairIndex(t);
  CHIRP_RETURN_IF_ERROR(table("following", &t));   store->following = PairIndex(t);
  CHIRP_RETURN_IF_ERROR(table("followers", &t));   store->followers = PairIndex(t);
  CHIRP_RETURN_IF_ERROR(table("likes", &t));       store->likes = PairIndex(t);
  CHIRP_RETURN_IF_ERROR(table("user_likes", &t));  store->user_likes = PairIndex(t);
  CHIRP_RETURN_IF_ERROR(table("home", &t));        store->home = PairIndex(t);
  CHIRP_RETURN_IF_ERROR(table("idempotency", &t)); store->idempotency = IdempotencyTable(t);
  CHIRP_RETURN_IF_ERROR(table("changes", &t));     store->changes = RecordTable<ChangeRecord>(t);

  // Schema version: written on first open, checked afterwards.
  WriteTxn txn(e);
  CHIRP_RETURN_IF_ERROR(txn.status());
  uint64_t version = 0;
  Status s = store->meta.get_u64(txn.raw(), "schema_version", &version);
  if (s.code() == Code::kNotFound) {
    CHIRP_RETURN_IF_ERROR(store->meta.put_u64(txn.raw(), "schema_version", kSchemaVersion));
    CHIRP_RETURN_IF_ERROR(txn.commit());
  } else {
    CHIRP_RETURN_IF_ERROR(s);
    if (version > kSchemaVersion)
      return Status::Internal("data folder has schema version " + std::to_string(version) +
                              ", newer than this build's " + std::to_string(kSchemaVersion));
  }
  return store;
}

}  // namespace chirp::storage

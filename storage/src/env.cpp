#include "chirp/storage/env.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "chirp/storage/faults.h"

namespace chirp::storage {

Status lmdb_status(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string msg = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND: return Status::NotFound(msg);
    case MDB_KEYEXIST: return Status::Conflict(msg);
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT: return Status::StorageFull(msg);
    default: return Status::Internal(msg);
  }
}

namespace {

// An injected fault (faults.h) or the real LMDB call.
template <typename F>
int call(faults::Call c, F&& real) {
  if (int rc = faults::take(c)) return rc;
  return real();
}

// The Env of a transaction (set as the LMDB environment's user context).
Env* env_of(MDB_txn* txn) {
  return txn ? static_cast<Env*>(mdb_env_get_userctx(mdb_txn_env(txn))) : nullptr;
}

// lmdb_status, and a full map or disk remembered by the Env (grow(), write_health()).
Status txn_status(MDB_txn* txn, int rc, std::string_view what) {
  Status s = lmdb_status(rc, what);
  if (s.code() == Code::kStorageFull)
    if (Env* env = env_of(txn)) {
      if (rc == MDB_MAP_FULL) env->note_map_full();
      env->note_write(s);
    }
  return s;
}

}  // namespace

// ---- Env -------------------------------------------------------------------

Result<std::unique_ptr<Env>> Env::open(const EnvOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return Status::Internal("cannot create " + options.path + ": " + ec.message());

  std::unique_ptr<Env> env(new Env());
  env->options_ = options;
  int rc = mdb_env_create(&env->env_);
  if (rc) return lmdb_status(rc, "mdb_env_create");
  mdb_env_set_maxdbs(env->env_, options.max_dbs);
  mdb_env_set_maxreaders(env->env_, options.max_readers);
  rc = mdb_env_set_mapsize(env->env_, options.map_size);
  if (rc) return lmdb_status(rc, "mdb_env_set_mapsize");
  unsigned flags = MDB_NOSUBDIR * 0;  // a folder holding data.mdb + lock.mdb
  if (!options.durable) flags |= MDB_NOSYNC;
  rc = call(faults::Call::kEnvOpen, [&] { return mdb_env_open(env->env_, options.path.c_str(), flags, 0644); });
  if (rc) {
    Status s = lmdb_status(rc, "cannot open LMDB environment at " + options.path);
    mdb_env_close(env->env_);
    env->env_ = nullptr;
    return s;
  }
  // A data file written with a bigger map than we asked for keeps its size.
  MDB_envinfo info;
  mdb_env_info(env->env_, &info);
  env->map_size_ = info.me_mapsize;
  mdb_env_set_userctx(env->env_, env.get());
  int dead = 0;
  mdb_reader_check(env->env_, &dead);  // clear slots of crashed processes
  return env;
}

Env::~Env() {
  if (env_) mdb_env_close(env_);
}

Result<Table> Env::open_table(const char* name, unsigned flags) {
  WriteTxn txn(*this);
  if (!txn.status().ok()) return txn.status();
  MDB_dbi dbi;
  int rc = call(faults::Call::kTableOpen, [&] { return mdb_dbi_open(txn.raw(), name, flags | MDB_CREATE, &dbi); });
  if (rc) return txn_status(txn.raw(), rc, std::string("open table ") + name);
  CHIRP_RETURN_IF_ERROR(txn.commit());
  return Table{dbi, name};
}

bool Env::grow() {
  if (!map_full_seen_.exchange(false)) return false;  // the disk, not the map, is full
  return grow_now();
}

bool Env::grow_now() {
  if (map_size_ >= options_.max_map_size) return false;
  uint64_t next = std::min<uint64_t>(map_size_ * 2, options_.max_map_size);
  std::unique_lock<std::shared_mutex> lock(resize_gate_);
  if (mdb_env_set_mapsize(env_, next) != MDB_SUCCESS) return false;
  map_size_ = next;
  return true;
}

Status Env::write_health(std::chrono::steady_clock::time_point* since) const {
  std::lock_guard<std::mutex> lock(health_mu_);
  if (since) *since = write_failed_at_;
  return write_health_;
}

void Env::note_write(const Status& s) {
  std::lock_guard<std::mutex> lock(health_mu_);
  write_health_ = s;
  if (!s.ok()) write_failed_at_ = std::chrono::steady_clock::now();
}

Status Env::copy_to(const std::string& folder, bool compact) const {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return Status::Internal("cannot create " + folder + ": " + ec.message());
  if (!std::filesystem::is_empty(folder, ec))
    return Status::InvalidArgument("destination is not empty: " + folder);
  int rc = call(faults::Call::kCopy, [&] { return mdb_env_copy2(env_, folder.c_str(), compact ? MDB_CP_COMPACT : 0); });
  return lmdb_status(rc, "copy to " + folder);
}

// ---- transactions ----------------------------------------------------------

ReadTxn::ReadTxn(Env& env) : gate_(env.resize_gate()) {
  status_ = lmdb_status(
      call(faults::Call::kReadBegin, [&] { return mdb_txn_begin(env.raw(), nullptr, MDB_RDONLY, &txn_); }),
      "begin read");
  if (!status_.ok()) txn_ = nullptr;
}

ReadTxn::~ReadTxn() {
  if (txn_) mdb_txn_abort(txn_);
}

WriteTxn::WriteTxn(Env& env, WriteTxn* parent) : env_(env), top_level_(parent == nullptr) {
  status_ = lmdb_status(call(faults::Call::kWriteBegin,
                             [&] { return mdb_txn_begin(env.raw(), parent ? parent->raw() : nullptr, 0, &txn_); }),
                        "begin write");
  if (!status_.ok()) {
    txn_ = nullptr;
    if (top_level_) env_.note_write(status_);
  }
}

WriteTxn::~WriteTxn() { abort(); }

// LMDB reports a short write as EIO, and a full file system (tmpfs, ext4 near
// full) answers a large pwrite with a short count, so disk full reaches us as
// EIO. The commit wrote nothing (the meta page comes last), so when the file
// system has next to no room left the honest answer is StorageFull (507).
bool file_system_nearly_full(const char* path) {
  struct statvfs fs;
  if (path == nullptr || statvfs(path, &fs) != 0) return false;
  const unsigned long long free_bytes = static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize;
  return free_bytes < (4ull << 20);
}

Status WriteTxn::commit() {
  if (!txn_) return status_.ok() ? Status::Internal("commit of a finished transaction") : status_;
  MDB_env* env = mdb_txn_env(txn_);
  int rc = faults::take(faults::Call::kCommit);
  if (rc != 0)
    mdb_txn_abort(txn_);  // an injected failure ends the transaction as a real one does
  else
    rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // commit frees the handle, even when it fails
  if (rc == MDB_MAP_FULL) env_.note_map_full();
  Status s = lmdb_status(rc, "commit");
  if (rc == EIO) {
    const char* path = nullptr;
    if (mdb_env_get_path(env, &path) == MDB_SUCCESS && file_system_nearly_full(path))
      s = Status::StorageFull(std::string("commit: the disk is full (") + mdb_strerror(rc) + ")");
  }
  // A nested commit only moves changes into its parent: the disk answers at the top.
  if (top_level_ || s.code() == Code::kStorageFull) env_.note_write(s);
  return s;
}

void WriteTxn::abort() {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

// ---- helpers ---------------------------------------------------------------

Status get(MDB_txn* txn, const Table& t, std::string_view key, std::string_view* out) {
  MDB_val k = to_val(key), v;
  int rc = call(faults::Call::kGet, [&] { return mdb_get(txn, t.dbi, &k, &v); });
  if (rc == MDB_NOTFOUND) return Status::NotFound(t.name);
  if (rc) return lmdb_status(rc, t.name);
  *out = from_val(v);
  return Status::Ok();
}

Status put(MDB_txn* txn, const Table& t, std::string_view key, std::string_view value,
           unsigned flags) {
  MDB_val k = to_val(key), v = to_val(value);
  return txn_status(txn, call(faults::Call::kPut, [&] { return mdb_put(txn, t.dbi, &k, &v, flags); }), t.name);
}

Status del(MDB_txn* txn, const Table& t, std::string_view key, bool* existed) {
  MDB_val k = to_val(key);
  int rc = call(faults::Call::kDel, [&] { return mdb_del(txn, t.dbi, &k, nullptr); });
  if (existed) *existed = (rc == MDB_SUCCESS);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  return txn_status(txn, rc, t.name);
}

uint64_t entry_count(MDB_txn* txn, const Table& t) {
  MDB_stat st;
  if (mdb_stat(txn, t.dbi, &st) != MDB_SUCCESS) return 0;
  return st.ms_entries;
}

// ---- Cursor ----------------------------------------------------------------

Cursor::Cursor(MDB_txn* txn, const Table& t) {
  status_ = lmdb_status(call(faults::Call::kCursorOpen, [&] { return mdb_cursor_open(txn, t.dbi, &cur_); }), "cursor");
  if (!status_.ok()) cur_ = nullptr;
}

Cursor::~Cursor() {
  if (cur_) mdb_cursor_close(cur_);
}

bool Cursor::op(MDB_cursor_op o, std::string_view seek_key) {
  if (!cur_) return false;
  if (o == MDB_SET_RANGE) k_ = to_val(seek_key);
  int rc = call(faults::Call::kCursorGet, [&] { return mdb_cursor_get(cur_, &k_, &v_, o); });
  if (rc == MDB_NOTFOUND) return false;
  if (rc) {
    status_ = lmdb_status(rc, "cursor");
    return false;
  }
  return true;
}

bool Cursor::first() { return op(MDB_FIRST); }
bool Cursor::last() { return op(MDB_LAST); }
bool Cursor::next() { return op(MDB_NEXT); }
bool Cursor::prev() { return op(MDB_PREV); }
bool Cursor::seek(std::string_view key) { return op(MDB_SET_RANGE, key); }

bool Cursor::seek_last_at_or_before(std::string_view key) {
  if (!seek(key)) return last();
  if (this->key() == key) return true;
  return prev();
}

bool Cursor::seek_last_with_prefix(std::string_view prefix) {
  // The smallest key above every key with this prefix is the prefix "plus one".
  std::string upper(prefix);
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
  bool found;
  if (upper.empty()) {
    found = last();
  } else {
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    found = seek(upper) ? prev() : last();
  }
  return found && key().substr(0, prefix.size()) == prefix;
}

Status Cursor::del_current() {
  if (!cur_) return status_;
  return txn_status(mdb_cursor_txn(cur_), call(faults::Call::kCursorDel, [&] { return mdb_cursor_del(cur_, 0); }),
                    "cursor del");
}

}  // namespace chirp::storage

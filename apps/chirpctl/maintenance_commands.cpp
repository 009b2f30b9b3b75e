// chirpctl export, stats, backup, restore, compact.
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/writer.h>

#include <xapian.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "chirp/engine/data_dir_lock.h"
#include "chirp/engine/engine.h"
#include "chirp/storage/tables.h"
#include "commands.h"
#include "progress.h"

namespace chirp::ctl {

namespace fs = std::filesystem;

namespace {
std::string lmdb_dir(const std::string& data_dir) { return data_dir + "/lmdb"; }

int fail(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "chirpctl %s: %s\n", cmd, message.c_str());
  return 1;
}

// Opens the data folder's LMDB for reading alongside a running server (LMDB
// is multi-process safe); no lock, no writer thread.
Result<std::unique_ptr<storage::Store>> open_shared(const std::string& data_dir) {
  if (!fs::exists(lmdb_dir(data_dir) + "/data.mdb"))
    return Status::NotFound("no chirp data in " + data_dir);
  storage::EnvOptions opt;
  opt.path = lmdb_dir(data_dir);
  return storage::Store::open(opt);
}
}  // namespace

int run_stats(const Args& args) {
  auto store = open_shared(args.data_dir);
  if (!store.ok()) return fail("stats", store.status().message());
  storage::Store& s = **store;
  storage::ReadTxn txn(*s.env);
  MDB_txn* t = txn.raw();
  std::error_code ec;
  auto size = fs::file_size(lmdb_dir(args.data_dir) + "/data.mdb", ec);
  std::printf("users: %llu\n", (unsigned long long)s.users.count(t));
  std::printf("tweets: %llu\n", (unsigned long long)s.tweets.count(t));
  std::printf("follows: %llu\n", (unsigned long long)s.following.count(t));
  std::printf("likes: %llu\n", (unsigned long long)s.likes.count(t));
  std::printf("sessions: %llu\n", (unsigned long long)s.sessions.count(t));
  auto last_seq = s.changes.last_id(t);
  if (!last_seq.ok()) return fail("stats", last_seq.status().message());
  std::printf("change_seq: %llu\n", (unsigned long long)*last_seq);
  std::printf("changes: %llu\n", (unsigned long long)s.changes.count(t));
  // The index is read-only here: Xapian readers never block the server's writer.
  uint64_t index_docs = 0, index_seq = 0;
  try {
    Xapian::Database db(args.data_dir + "/search");
    index_docs = db.get_doccount();
    index_seq = std::strtoull(db.get_metadata("chirp.last_seq").c_str(), nullptr, 10);
  } catch (const Xapian::Error&) {
    // no index yet: 0
  }
  std::printf("index_docs: %llu\n", (unsigned long long)index_docs);
  std::printf("index_seq: %llu\n", (unsigned long long)index_seq);
  std::printf("lmdb_bytes: %llu\n", (unsigned long long)(ec ? 0 : size));
  std::printf("map_size: %llu\n", (unsigned long long)s.env->map_size());
  return 0;
}

int run_export(const Args& args) {
  auto store = open_shared(args.data_dir);
  if (!store.ok()) return fail("export", store.status().message());
  storage::Store& s = **store;
  std::ofstream out(args.positional[0], std::ios::binary | std::ios::trunc);
  if (!out) return fail("export", "cannot write " + args.positional[0]);
  rapidjson::OStreamWrapper os(out);
  storage::ReadTxn txn(*s.env);
  std::unordered_map<uint64_t, std::string> names;
  uint64_t n = 0;
  Status st = s.tweets.scan_asc(txn.raw(), 0, [&](uint64_t, const storage::TweetRecord& t) {
    auto it = names.find(t.author_id);
    if (it == names.end()) {
      storage::UserRecord u;
      if (!s.users.get(txn.raw(), t.author_id, &u).ok()) return true;
      it = names.emplace(t.author_id, u.username).first;
    }
    rapidjson::Writer<rapidjson::OStreamWrapper> w(os);
    w.StartObject();
    w.Key("user");
    w.String(it->second.c_str(), it->second.size());
    w.Key("text");
    w.String(t.text.c_str(), t.text.size());
    w.Key("ts");
    w.Int64(t.created_at_ms / 1000);
    w.EndObject();
    os.Put('\n');
    ++n;
    return true;
  });
  if (!st.ok()) return fail("export", st.message());
  out.flush();
  if (!out) return fail("export", "write failed");
  std::printf("exported: %llu\n", (unsigned long long)n);
  return 0;
}

int run_backup(const Args& args) {
  auto store = open_shared(args.data_dir);
  if (!store.ok()) return fail("backup", store.status().message());
  const std::string& dest = args.positional[0];
  std::error_code ec;
  if (fs::exists(dest) && !fs::is_empty(dest, ec)) return fail("backup", dest + " is not empty");
  // One read transaction copies a consistent snapshot, even while a server writes.
  Status s = (*store)->env->copy_to(lmdb_dir(dest), /*compact=*/false);
  if (!s.ok()) return fail("backup", s.message());
  std::printf("backup: %s (the search index is rebuilt from it on first start)\n", dest.c_str());
  return 0;
}

int run_restore(const Args& args) {
  const std::string& src = args.positional[0];
  if (!fs::exists(lmdb_dir(src) + "/data.mdb")) return fail("restore", "no backup in " + src);
  auto lock = engine::DataDirLock::acquire(args.data_dir);
  if (!lock.ok()) return fail("restore", lock.status().message());
  if (fs::exists(lmdb_dir(args.data_dir) + "/data.mdb"))
    return fail("restore", args.data_dir + " already holds data: restore needs an empty data folder");
  std::error_code ec;
  fs::create_directories(lmdb_dir(args.data_dir), ec);
  fs::copy_file(lmdb_dir(src) + "/data.mdb", lmdb_dir(args.data_dir) + "/data.mdb", ec);
  if (ec) return fail("restore", ec.message());
  auto store = open_shared(args.data_dir);  // proves the copy opens
  if (!store.ok()) return fail("restore", store.status().message());
  storage::ReadTxn txn(*(*store)->env);
  std::printf("restored: %llu users, %llu tweets\n",
              (unsigned long long)(*store)->users.count(txn.raw()),
              (unsigned long long)(*store)->tweets.count(txn.raw()));
  return 0;
}

int run_compact(const Args& args) {
  auto lock = engine::DataDirLock::acquire(args.data_dir);
  if (!lock.ok()) return fail("compact", lock.status().message());
  const std::string tmp = args.data_dir + "/lmdb.compact";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  uint64_t before = fs::file_size(lmdb_dir(args.data_dir) + "/data.mdb", ec);
  {
    auto store = open_shared(args.data_dir);
    if (!store.ok()) return fail("compact", store.status().message());
    Status s = (*store)->env->copy_to(tmp, /*compact=*/true);
    if (!s.ok()) return fail("compact", s.message());
  }
  // rename() replaces the file atomically: a crash leaves the old or the new one.
  fs::rename(tmp + "/data.mdb", lmdb_dir(args.data_dir) + "/data.mdb", ec);
  if (ec) return fail("compact", ec.message());
  fs::remove_all(tmp, ec);
  uint64_t after = fs::file_size(lmdb_dir(args.data_dir) + "/data.mdb", ec);
  std::printf("compacted: %llu -> %llu bytes\n", (unsigned long long)before,
              (unsigned long long)after);
  return 0;
}

}  // namespace chirp::ctl

namespace chirp::ctl {

int run_reindex(const Args& args) {
  engine::EngineOptions options;
  options.data_dir = args.data_dir;
  auto opened = engine::Engine::open(options);
  if (!opened.ok()) return fail("reindex", opened.status().message());
  engine::Engine& eng = **opened;
  const uint64_t total = eng.last_change_seq();
  Progress progress("reindexed (changes)", total);
  Status s = eng.reindex([&](uint64_t done, uint64_t) { progress.update(done, done); });
  if (!s.ok()) return fail("reindex", s.message());
  progress.finish(total);
  std::printf("index_docs: %llu\n", (unsigned long long)eng.index_docs());
  return 0;
}

}  // namespace chirp::ctl

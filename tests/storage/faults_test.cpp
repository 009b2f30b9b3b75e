// Storage error paths reached through the LMDB fault hook (chirp/storage/faults.h):
// each failing LMDB call becomes the right Status, a failed write leaves
// nothing half-written, the write health (GET /ready) follows the disk, the
// map grows only when the map (not the disk) is full, and everything works
// again once the fault is cleared. Real LMDB, real files.
#include "chirp/storage/faults.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

#include "chirp/storage/keys.h"
#include "chirp/storage/tables.h"
#include "temp_dir.h"

using namespace chirp;
using namespace chirp::storage;
namespace faults = chirp::storage::faults;
using faults::Call;

namespace {

std::unique_ptr<Store> open_store(const testing::TempDir& dir) {
  EnvOptions o{dir.sub("db")};
  o.map_size = 1ull << 20;
  o.max_map_size = 1ull << 22;
  o.durable = false;
  auto s = Store::open(o);
  REQUIRE(s.ok());
  return std::move(s).value();
}

UserRecord user(uint64_t id) {
  UserRecord u;
  u.id = id;
  u.username = "user" + std::to_string(id);
  u.display_name = "User";
  return u;
}

uint64_t users_in(Store& s) {
  ReadTxn txn(*s.env);
  REQUIRE(txn.status().ok());
  return s.users.count(txn.raw());
}

}  // namespace

TEST_CASE("an armed fault fires after `skip` calls, `times` times, then disarms", "[faults]") {
  faults::Scoped guard;
  CHECK(faults::take(Call::kPut) == 0);  // nothing armed
  faults::arm(Call::kPut, EIO, /*times=*/2, /*skip=*/1);
  CHECK(faults::take(Call::kGet) == 0);  // other calls untouched
  CHECK(faults::take(Call::kPut) == 0);  // skipped
  CHECK(faults::take(Call::kPut) == EIO);
  CHECK(faults::take(Call::kPut) == EIO);
  CHECK(faults::take(Call::kPut) == 0);  // used up
  CHECK(faults::fired(Call::kPut) == 2);
  faults::arm(Call::kDel, ENOSPC, -1);  // until cleared
  for (int i = 0; i < 5; ++i) CHECK(faults::take(Call::kDel) == ENOSPC);
  faults::clear(Call::kDel);
  CHECK(faults::take(Call::kDel) == 0);
}

TEST_CASE("each failing LMDB call becomes the right Status", "[faults]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-faults");
  auto s = open_store(dir);
  {
    WriteTxn txn(*s->env);
    REQUIRE(s->users.put(txn.raw(), 1, user(1)).ok());
    REQUIRE(s->user_tweets.add(txn.raw(), 1, 10).ok());
    REQUIRE(txn.commit().ok());
  }

  SECTION(
      "put: MDB_MAP_FULL, ENOSPC and EDQUOT are StorageFull; EIO is Internal; MDB_KEYEXIST "
      "Conflict") {
    WriteTxn txn(*s->env);
    faults::arm(Call::kPut, MDB_MAP_FULL);
    CHECK(s->users.put(txn.raw(), 2, user(2)).code() == Code::kStorageFull);
    faults::arm(Call::kPut, ENOSPC);
    CHECK(s->meta.put_u64(txn.raw(), "x", 1).code() == Code::kStorageFull);
    faults::arm(Call::kPut, EDQUOT);
    CHECK(s->user_tweets.add(txn.raw(), 2, 20).code() == Code::kStorageFull);
    faults::arm(Call::kPut, EIO);
    Status eio = s->usernames.insert_new(txn.raw(), "bob", 2);
    CHECK(eio.code() == Code::kInternal);
    CHECK(eio.message().find("usernames") != std::string::npos);  // names the table
    faults::arm(Call::kPut, MDB_KEYEXIST);
    CHECK(s->usernames.insert_new(txn.raw(), "carol", 3).code() == Code::kConflict);
  }
  SECTION("get: MDB_CORRUPTED is Internal, never NotFound; contains() too") {
    ReadTxn txn(*s->env);
    faults::arm(Call::kGet, MDB_CORRUPTED, 3);
    UserRecord u;
    CHECK(s->users.get(txn.raw(), 1, &u).code() == Code::kInternal);
    CHECK(s->users.contains(txn.raw(), 1).status().code() == Code::kInternal);
    uint64_t id = 0;
    CHECK(s->usernames.get(txn.raw(), "user1", &id).code() == Code::kInternal);
    CHECK(s->users.get(txn.raw(), 1, &u).ok());  // cleared after three
  }
  SECTION("del: EIO is Internal and `existed` is false") {
    WriteTxn txn(*s->env);
    faults::arm(Call::kDel, EIO);
    bool existed = true;
    CHECK(s->users.del(txn.raw(), 1, &existed).code() == Code::kInternal);
    CHECK_FALSE(existed);
    faults::arm(Call::kDel, MDB_MAP_FULL);
    CHECK(s->user_tweets.remove(txn.raw(), 1, 10).code() == Code::kStorageFull);
  }
  SECTION("read transactions: MDB_READERS_FULL is Internal and says so") {
    faults::arm(Call::kReadBegin, MDB_READERS_FULL);
    ReadTxn txn(*s->env);
    REQUIRE_FALSE(txn.status().ok());
    CHECK(txn.status().code() == Code::kInternal);
    CHECK(txn.status().message().find("MDB_READERS_FULL") != std::string::npos);
    CHECK(txn.raw() == nullptr);
  }
  SECTION("cursors: a failing open or step ends the scan with its error") {
    ReadTxn txn(*s->env);
    faults::arm(Call::kCursorOpen, EIO);
    CHECK(s->users.last_id(txn.raw()).status().code() == Code::kInternal);  // not "empty"
    CHECK(s->users.last_id(txn.raw()).value() == 1);
    faults::arm(Call::kCursorGet, EIO);
    Status scan = s->users.scan_asc(txn.raw(), 0, [](uint64_t, const UserRecord&) { return true; });
    CHECK(scan.code() == Code::kInternal);
    faults::arm(Call::kCursorGet, MDB_CORRUPTED, 1, /*skip=*/1);  // the step after the first key
    int seen = 0;
    scan =
        s->users.scan_asc(txn.raw(), 0, [&](uint64_t, const UserRecord&) { return ++seen, true; });
    CHECK(scan.code() == Code::kInternal);
    CHECK(seen == 1);
    faults::arm(Call::kCursorGet, EIO, -1);  // a failing cursor fails the list, never an empty one
    CHECK(s->user_tweets.list_desc(txn.raw(), 1, 0, 10).status().code() == Code::kInternal);
    CHECK(s->user_tweets.list_asc(txn.raw(), 1, 0, 10).status().code() == Code::kInternal);
    CHECK(s->users.ids_desc(txn.raw(), 0, 10).status().code() == Code::kInternal);
    faults::clear(Call::kCursorGet);
    // A step failing after the first entry: not a shorter list either.
    REQUIRE(s->user_tweets.list_asc(txn.raw(), 1, 0, 10).value().size() == 1);
    faults::arm(Call::kCursorGet, EIO, 1, /*skip=*/1);
    CHECK(s->user_tweets.list_asc(txn.raw(), 1, 0, 10).status().code() == Code::kInternal);
    faults::arm(Call::kCursorOpen, MDB_CORRUPTED);
    CHECK(s->user_tweets.list_desc(txn.raw(), 1, 0, 10).status().code() == Code::kInternal);
    CHECK(s->user_tweets.list_desc(txn.raw(), 1, 0, 10).value().size() == 1);
  }
  SECTION("relations: remove_all stops at the first failure") {
    WriteTxn txn(*s->env);
    faults::arm(Call::kCursorGet, EIO);
    CHECK(s->user_tweets.remove_all(txn.raw(), 1, nullptr).code() == Code::kInternal);
    faults::arm(Call::kDel, EIO);
    CHECK(s->user_tweets.remove_all(txn.raw(), 1, nullptr).code() == Code::kInternal);
    int called = 0;
    Status st = s->user_tweets.remove_all(txn.raw(), 1, [&](uint64_t) {
      ++called;
      return Status::Internal("callback refused");
    });
    CHECK(st.message() == "callback refused");
    CHECK(called == 1);
    CHECK(s->user_tweets.contains(txn.raw(), 1, 10).value());  // nothing removed
  }
  SECTION("copies: a failing mdb_env_copy2 is an error, not a half backup") {
    faults::arm(Call::kCopy, ENOSPC);
    CHECK(s->env->copy_to(dir.sub("backup"), false).code() == Code::kStorageFull);
    CHECK(s->env->copy_to(dir.sub("backup"), false)
              .ok());  // the folder is still empty: a retry works
  }
}

TEST_CASE("a failed commit leaves nothing half-written and write health follows it", "[faults]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-faults");
  auto s = open_store(dir);
  CHECK(s->env->write_health().ok());

  for (int rc : {EIO, ENOSPC, MDB_MAP_FULL, EROFS}) {
    CAPTURE(rc);
    WriteTxn txn(*s->env);
    for (uint64_t id = 1; id <= 20; ++id) REQUIRE(s->users.put(txn.raw(), id, user(id)).ok());
    REQUIRE(s->meta.put_u64(txn.raw(), "position", 99).ok());
    faults::arm(Call::kCommit, rc);
    Status st = txn.commit();
    CHECK_FALSE(st.ok());
    CHECK(st.code() == (rc == EIO || rc == EROFS ? Code::kInternal : Code::kStorageFull));
    CHECK(txn.raw() == nullptr);                    // the transaction is over
    CHECK(txn.commit().code() == Code::kInternal);  // and cannot be committed twice
    CHECK(users_in(*s) == 0);                       // none of the 21 writes is visible
    {
      ReadTxn r(*s->env);
      uint64_t v = 0;
      CHECK(s->meta.get_u64(r.raw(), "position", &v).code() == Code::kNotFound);
    }
    CHECK(s->env->write_health().code() == st.code());
  }
  // The fault clears: the same writes commit, and health is Ok again.
  {
    WriteTxn txn(*s->env);
    for (uint64_t id = 1; id <= 20; ++id) REQUIRE(s->users.put(txn.raw(), id, user(id)).ok());
    REQUIRE(txn.commit().ok());
  }
  CHECK(users_in(*s) == 20);
  CHECK(s->env->write_health().ok());
}

TEST_CASE("a failed nested commit undoes only the child", "[faults]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-faults");
  auto s = open_store(dir);
  WriteTxn parent(*s->env);
  REQUIRE(s->users.put(parent.raw(), 1, user(1)).ok());
  {
    WriteTxn child(*s->env, &parent);
    REQUIRE(child.status().ok());
    REQUIRE(s->users.put(child.raw(), 2, user(2)).ok());
    faults::arm(Call::kCommit, EIO);
    CHECK(child.commit().code() == Code::kInternal);
  }
  CHECK(s->env->write_health().ok());  // a child's own failure is not the disk's
  faults::arm(Call::kWriteBegin, MDB_TXN_FULL);
  WriteTxn refused(*s->env, &parent);
  CHECK(refused.status().code() == Code::kInternal);
  CHECK(refused.commit().code() == Code::kInternal);  // commit reports why it never began
  REQUIRE(parent.commit().ok());
  ReadTxn r(*s->env);
  CHECK(s->users.contains(r.raw(), 1).value());
  CHECK_FALSE(s->users.contains(r.raw(), 2).value());
}

TEST_CASE("a write transaction that cannot begin marks write health until a commit works",
          "[faults]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-faults");
  auto s = open_store(dir);
  faults::arm(Call::kWriteBegin, EROFS);
  {
    WriteTxn txn(*s->env);
    CHECK(txn.status().code() == Code::kInternal);
    CHECK(txn.raw() == nullptr);
  }
  CHECK(s->env->write_health().code() == Code::kInternal);
  CHECK(s->env->write_health().message().find("begin write") != std::string::npos);
  // A full disk seen by a put inside the transaction counts too.
  {
    WriteTxn txn(*s->env);
    faults::arm(Call::kPut, ENOSPC);
    CHECK(s->users.put(txn.raw(), 1, user(1)).code() == Code::kStorageFull);
  }
  CHECK(s->env->write_health().code() == Code::kStorageFull);
  {
    WriteTxn txn(*s->env);
    REQUIRE(s->users.put(txn.raw(), 1, user(1)).ok());
    REQUIRE(txn.commit().ok());
  }
  CHECK(s->env->write_health().ok());
}

TEST_CASE("the map grows for a full map, never for a full disk", "[faults]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-faults");
  auto s = open_store(dir);
  const uint64_t start = s->env->map_size();
  // A full disk (ENOSPC from a put, or from the commit): no growth.
  {
    WriteTxn txn(*s->env);
    faults::arm(Call::kPut, ENOSPC);
    CHECK(s->users.put(txn.raw(), 1, user(1)).code() == Code::kStorageFull);
  }
  CHECK_FALSE(s->env->grow());
  {
    WriteTxn txn(*s->env);
    REQUIRE(s->users.put(txn.raw(), 1, user(1)).ok());
    faults::arm(Call::kCommit, ENOSPC);
    CHECK(txn.commit().code() == Code::kStorageFull);
  }
  CHECK_FALSE(s->env->grow());
  CHECK(s->env->map_size() == start);
  // A full map (from a put, a delete or the commit): one growth each.
  {
    WriteTxn txn(*s->env);
    faults::arm(Call::kPut, MDB_MAP_FULL);
    CHECK(s->users.put(txn.raw(), 1, user(1)).code() == Code::kStorageFull);
  }
  CHECK(s->env->grow());
  CHECK(s->env->map_size() == 2 * start);
  CHECK_FALSE(s->env->grow());
  {
    WriteTxn txn(*s->env);
    REQUIRE(s->users.put(txn.raw(), 1, user(1)).ok());
    faults::arm(Call::kCommit, MDB_MAP_FULL);
    CHECK(txn.commit().code() == Code::kStorageFull);
  }
  CHECK(s->env->grow());
  CHECK(s->env->map_size() == 4 * start);  // max_map_size
  {
    WriteTxn txn(*s->env);
    faults::arm(Call::kCursorGet, MDB_MAP_FULL);  // a cursor read is not a write: no growth from it
    CHECK(s->user_tweets.remove_all(txn.raw(), 1, nullptr).code() == Code::kStorageFull);
  }
  CHECK_FALSE(s->env->grow());
  {
    WriteTxn txn(*s->env);
    faults::arm(Call::kDel, MDB_MAP_FULL);
    CHECK(s->users.del(txn.raw(), 1).code() == Code::kStorageFull);
  }
  CHECK_FALSE(s->env->grow());  // full map, but at the limit
  CHECK(s->env->map_size() == 4 * start);
}

TEST_CASE("Store::open reports each table, the schema read, write and commit failing", "[faults]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-faults");
  EnvOptions o{dir.sub("db")};
  o.durable = false;
  o.map_size = 1ull << 20;
  // Fifteen tables, each opened in its own write transaction.
  for (int skip = 0; skip < 15; ++skip) {
    CAPTURE(skip);
    faults::arm(Call::kTableOpen, MDB_DBS_FULL, 1, skip);
    auto s = Store::open(o);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().message().find("open table") != std::string::npos);
    faults::arm(Call::kCommit, ENOSPC, 1, skip);  // the table's commit
    auto c = Store::open(o);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kStorageFull);
  }
  faults::clear_all();
  faults::arm(Call::kWriteBegin, MDB_READERS_FULL, 1, 15);  // the schema transaction
  CHECK_FALSE(Store::open(o).ok());
  faults::arm(Call::kGet, EIO);  // the schema version read
  CHECK(Store::open(o).status().code() == Code::kInternal);
  faults::arm(Call::kPut, ENOSPC);  // the first open writes the version
  CHECK(Store::open(o).status().code() == Code::kStorageFull);
  faults::arm(Call::kCommit, EIO, 1, 15);
  CHECK(Store::open(o).status().code() == Code::kInternal);
  faults::arm(Call::kEnvOpen, EACCES);
  auto denied = Store::open(o);
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.status().message().find("cannot open LMDB environment") != std::string::npos);
  // Cleared: the folder opens and holds the schema version.
  faults::clear_all();
  auto s = Store::open(o);
  REQUIRE(s.ok());
  ReadTxn txn(*(*s)->env);
  uint64_t v = 0;
  REQUIRE((*s)->meta.get_u64(txn.raw(), "schema_version", &v).ok());
  CHECK(v == Store::kSchemaVersion);
}

TEST_CASE("sessions and idempotency keys: a failure part-way rolls back with the transaction",
          "[faults]") {
  faults::Scoped guard;
  testing::TempDir dir("chirp-faults");
  auto s = open_store(dir);
  const std::string h1(32, 'a'), h2(32, 'b'), h3(32, 'c');
  SessionRecord r;
  r.user_id = 7;
  {
    WriteTxn txn(*s->env);
    REQUIRE(s->sessions.put(txn.raw(), h1, r).ok());
    REQUIRE(s->sessions.put(txn.raw(), h2, r).ok());
    IdempotencyRecord ik;
    ik.tweet_id = 5;
    REQUIRE(s->idempotency.put(txn.raw(), 7, "k1", ik).ok());
    REQUIRE(s->idempotency.put(txn.raw(), 7, "k2", ik).ok());
    REQUIRE(txn.commit().ok());
  }
  {
    WriteTxn txn(*s->env);
    faults::arm(Call::kPut, ENOSPC, 1, /*skip=*/1);  // the by-user entry of a new session
    CHECK(s->sessions.put(txn.raw(), h3, r).code() == Code::kStorageFull);
    faults::arm(Call::kDel, EIO, 1, /*skip=*/1);  // the by-user entry of a removal
    CHECK(s->sessions.remove(txn.raw(), h1).code() == Code::kInternal);
    faults::arm(Call::kGet, EIO);
    CHECK(s->sessions.remove(txn.raw(), h2).code() == Code::kInternal);
    faults::arm(Call::kCursorGet, EIO);
    CHECK(s->sessions.remove_all_of_user(txn.raw(), 7, {}).code() == Code::kInternal);
    faults::arm(Call::kDel, EIO);
    CHECK(s->sessions.remove_all_of_user(txn.raw(), 7, h1).code() == Code::kInternal);
    faults::arm(Call::kDel, EIO, 1, /*skip=*/1);
    CHECK(s->sessions.remove_all_of_user(txn.raw(), 7, h1).code() == Code::kInternal);
    faults::arm(Call::kCursorDel, EIO);
    CHECK(s->idempotency.remove_all_of_user(txn.raw(), 7).code() == Code::kInternal);
    faults::arm(Call::kCursorGet, EIO, 1, /*skip=*/1);
    CHECK(s->idempotency.remove_all_of_user(txn.raw(), 7).code() == Code::kInternal);
    faults::arm(Call::kGet, EIO);
    IdempotencyRecord out;
    CHECK(s->idempotency.get(txn.raw(), 7, "k1", &out).code() == Code::kInternal);
    faults::arm(Call::kPut, MDB_MAP_FULL);
    CHECK(s->idempotency.put(txn.raw(), 7, "k3", out).code() == Code::kStorageFull);
    faults::arm(Call::kPut, EIO);
    CHECK(s->changes.insert_new(txn.raw(), 1, ChangeRecord{}).code() == Code::kInternal);
    faults::arm(Call::kDel, EIO);
    CHECK(s->usernames.remove(txn.raw(), "user1").code() == Code::kInternal);
    // Aborted: everything from before is intact.
  }
  ReadTxn txn(*s->env);
  SessionRecord got;
  CHECK(s->sessions.get(txn.raw(), h1, &got).ok());
  CHECK(s->sessions.get(txn.raw(), h2, &got).ok());
  CHECK(s->sessions.get(txn.raw(), h3, &got).code() == Code::kNotFound);
  IdempotencyRecord ik;
  CHECK(s->idempotency.get(txn.raw(), 7, "k1", &ik).ok());
  CHECK(s->idempotency.get(txn.raw(), 7, "k2", &ik).ok());
  CHECK(s->sessions.count(txn.raw()) == 2);
}

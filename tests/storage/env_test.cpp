#include <catch2/catch.hpp>

#include "chirp/storage/keys.h"
#include "chirp/storage/tables.h"
#include "temp_dir.h"

using namespace chirp;
using namespace chirp::storage;

TEST_CASE("a write transaction aborts unless committed", "[env]") {
  testing::TempDir dir;
  auto store = Store::open({dir.path()});
  REQUIRE(store.ok());
  Store& s = **store;
  {
    WriteTxn txn(*s.env);
    REQUIRE(s.meta.put_u64(txn.raw(), "x", 7).ok());
  }  // destroyed without commit
  {
    ReadTxn txn(*s.env);
    uint64_t v;
    CHECK(s.meta.get_u64(txn.raw(), "x", &v).code() == Code::kNotFound);
  }
  {
    WriteTxn txn(*s.env);
    REQUIRE(s.meta.put_u64(txn.raw(), "x", 7).ok());
    REQUIRE(txn.commit().ok());
  }
  ReadTxn txn(*s.env);
  uint64_t v = 0;
  REQUIRE(s.meta.get_u64(txn.raw(), "x", &v).ok());
  CHECK(v == 7);
}

TEST_CASE("an aborted child transaction leaves its parent's writes", "[env]") {
  testing::TempDir dir;
  auto store = Store::open({dir.path()});
  REQUIRE(store.ok());
  Store& s = **store;
  {
    WriteTxn parent(*s.env);
    REQUIRE(s.meta.put_u64(parent.raw(), "kept", 1).ok());
    {
      WriteTxn child(*s.env, &parent);
      REQUIRE(s.meta.put_u64(child.raw(), "dropped", 2).ok());
    }
    REQUIRE(parent.commit().ok());
  }
  ReadTxn txn(*s.env);
  uint64_t v;
  CHECK(s.meta.get_u64(txn.raw(), "kept", &v).ok());
  CHECK(s.meta.get_u64(txn.raw(), "dropped", &v).code() == Code::kNotFound);
}

TEST_CASE("a full map is a StorageFull error and the map can grow", "[env]") {
  testing::TempDir dir;
  EnvOptions opt{dir.path()};
  opt.map_size = 256 * 1024;
  opt.max_map_size = 256 * 1024;
  auto store = Store::open(opt);
  REQUIRE(store.ok());
  Store& s = **store;
  const std::string big(8000, 'x');
  Status st;
  {
    WriteTxn txn(*s.env);
    for (uint64_t i = 1; i < 1000 && st.ok(); ++i)
      st = put(txn.raw(), s.users.table(), key_u64(i), big);
  }
  CHECK(st.code() == Code::kStorageFull);
  CHECK_FALSE(s.env->grow());  // at the limit
}

TEST_CASE("growing the map lets a write that did not fit succeed", "[env]") {
  testing::TempDir dir;
  EnvOptions opt{dir.path()};
  opt.map_size = 256 * 1024;
  opt.max_map_size = 8 * 1024 * 1024;
  auto store = Store::open(opt);
  REQUIRE(store.ok());
  Store& s = **store;
  const std::string big(8000, 'x');
  auto write_all = [&] {
    WriteTxn txn(*s.env);
    for (uint64_t i = 1; i <= 200; ++i)
      CHIRP_RETURN_IF_ERROR(put(txn.raw(), s.users.table(), key_u64(i), big));
    return txn.commit();
  };
  CHECK_FALSE(s.env->grow());  // nothing full yet: no growth
  CHECK(write_all().code() == Code::kStorageFull);
  REQUIRE(s.env->grow());        // MDB_MAP_FULL was seen
  CHECK_FALSE(s.env->grow());    // once per full map
  REQUIRE(s.env->grow_now());
  REQUIRE(s.env->grow_now());
  CHECK(s.env->map_size() == 2 * 1024 * 1024);
  CHECK(write_all().ok());
  ReadTxn txn(*s.env);
  CHECK(entry_count(txn.raw(), s.users.table()) == 200);
}

TEST_CASE("backup copies a consistent environment that reopens", "[env]") {
  testing::TempDir dir;
  {
    auto store = Store::open({dir.sub("a")});
    REQUIRE(store.ok());
    WriteTxn txn(*(*store)->env);
    REQUIRE((*store)->meta.put_u64(txn.raw(), "answer", 42).ok());
    REQUIRE(txn.commit().ok());
    REQUIRE((*store)->env->copy_to(dir.sub("b"), /*compact=*/true).ok());
    CHECK((*store)->env->copy_to(dir.sub("b"), true).code() == Code::kInvalidArgument);
  }
  auto copy = Store::open({dir.sub("b")});
  REQUIRE(copy.ok());
  ReadTxn txn(*(*copy)->env);
  uint64_t v = 0;
  REQUIRE((*copy)->meta.get_u64(txn.raw(), "answer", &v).ok());
  CHECK(v == 42);
}

// Error paths of the storage layer (issue 8, coverage): how LMDB failures
// become Status codes, and what Env does with folders it cannot use, full
// table slots, map-size limits and finished transactions. Real LMDB, real
// files; no fault hooks needed for these.
#include <catch2/catch.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "chirp/status.h"
#include "chirp/storage/env.h"
#include "temp_dir.h"

using chirp::Code;
using chirp::storage::Env;
using chirp::storage::EnvOptions;
using chirp::storage::lmdb_status;
using chirp::storage::WriteTxn;
using chirp::testing::TempDir;

TEST_CASE("status codes have stable names for logs", "[errors]") {
  CHECK(std::string(chirp::code_name(chirp::Code::kNotFound)) == "not_found");
  CHECK(std::string(chirp::code_name(chirp::Code::kStorageFull)) == "storage_full");
  CHECK(std::string(chirp::code_name(chirp::Code::kOk)) == "ok");
}

TEST_CASE("lmdb_status maps LMDB and errno codes to domain codes", "[errors]") {
  CHECK(lmdb_status(MDB_SUCCESS, "x").ok());
  CHECK(lmdb_status(MDB_NOTFOUND, "get").code() == Code::kNotFound);
  CHECK(lmdb_status(MDB_KEYEXIST, "put").code() == Code::kConflict);
  CHECK(lmdb_status(MDB_MAP_FULL, "put").code() == Code::kStorageFull);
  CHECK(lmdb_status(ENOSPC, "commit").code() == Code::kStorageFull);
  CHECK(lmdb_status(EDQUOT, "commit").code() == Code::kStorageFull);
  const auto eio = lmdb_status(EIO, "commit");
  CHECK(eio.code() == Code::kInternal);
  CHECK(eio.message().rfind("commit: ", 0) == 0);  // says what failed
  CHECK(lmdb_status(MDB_CORRUPTED, "get").code() == Code::kInternal);
}

TEST_CASE("Env refuses a data folder it cannot create or open", "[errors]") {
  TempDir dir("chirp-storage-errors");
  const std::string file = dir.sub("a-file");
  std::ofstream(file) << "not a folder";

  EnvOptions under_file;
  under_file.path = file + "/data";  // a folder inside a regular file
  auto a = Env::open(under_file);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code() == Code::kInternal);
  CHECK(a.status().message().find("cannot create") != std::string::npos);

  EnvOptions is_file;
  is_file.path = file;  // the path exists but is not a folder
  auto b = Env::open(is_file);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() != Code::kOk);
}

TEST_CASE("Env: table slots, map growth and copies have clear limits", "[errors]") {
  TempDir dir("chirp-storage-errors");
  EnvOptions o;
  o.path = dir.sub("db");
  o.max_dbs = 2;
  o.map_size = 1ull << 20;
  o.max_map_size = 1ull << 21;
  o.durable = false;
  auto env = Env::open(o);
  REQUIRE(env.ok());
  Env& e = **env;

  REQUIRE(e.open_table("one").ok());
  REQUIRE(e.open_table("two").ok());
  auto third = e.open_table("three");  // MDB_DBS_FULL
  REQUIRE_FALSE(third.ok());
  CHECK(third.status().message().find("open table three") != std::string::npos);

  CHECK(e.grow_now());                  // 1 MiB -> 2 MiB, the limit
  CHECK(e.map_size() == (1ull << 21));
  CHECK_FALSE(e.grow_now());            // already at max_map_size

  // A copy needs an empty destination that can be a folder.
  const std::string full = dir.sub("full");
  std::filesystem::create_directories(full);
  std::ofstream(full + "/x") << "x";
  CHECK(e.copy_to(full, false).code() == Code::kInvalidArgument);
  const std::string file = dir.sub("file");
  std::ofstream(file) << "x";
  CHECK(e.copy_to(file + "/copy", false).code() == Code::kInternal);
  CHECK(e.copy_to(dir.sub("copy"), true).ok());
}

TEST_CASE("a finished write transaction cannot commit again", "[errors]") {
  TempDir dir("chirp-storage-errors");
  EnvOptions o;
  o.path = dir.sub("db");
  o.durable = false;
  auto env = Env::open(o);
  REQUIRE(env.ok());
  WriteTxn txn(**env);
  REQUIRE(txn.status().ok());
  CHECK(txn.commit().ok());
  auto again = txn.commit();
  CHECK(again.code() == Code::kInternal);
  CHECK(again.message().find("finished transaction") != std::string::npos);
  txn.abort();  // harmless after commit
}

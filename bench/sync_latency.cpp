// sync_latency: what one durable write costs on this disk, the floor under
// every group commit.
//
//   sync_latency [--dir DIR] [--n N]
//
// Prints p50/p90/p99 of (a) pwrite 4 KiB + fdatasync, (b) an LMDB commit of
// one small put with chirp's flags (syncs data, then the meta page), and
// (c) the same with MDB_NOMETASYNC (one sync; not durable, for comparison).
// With N callers each waiting for its own commit, posts/s <= N / (b).
#include <fcntl.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

void report(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  const size_t n = us.size();
  std::printf("| %s | %.2f | %.2f | %.2f |\n", what, us[n / 2] / 1000, us[n * 9 / 10] / 1000,
              us[std::min(n - 1, n * 99 / 100)] / 1000);
}

std::vector<double> fdatasync_loop(const std::string& dir, int n) {
  const std::string path = dir + "/sync_test.dat";
  int fd = open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
  if (fd < 0) { std::perror("open"); std::exit(1); }
  char buf[4096];
  std::memset(buf, 1, sizeof buf);
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto t = Clock::now();
    if (pwrite(fd, buf, sizeof buf, (i % 64) * 4096) != sizeof buf || fdatasync(fd) != 0) {
      std::perror("pwrite/fdatasync");
      std::exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  close(fd);
  unlink(path.c_str());
  return us;
}

std::vector<double> lmdb_loop(const std::string& dir, int n, unsigned flags) {
  const std::string path = dir + "/lmdb";
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, 1ull << 28);
  if (mdb_env_open(env, path.c_str(), flags, 0644) != 0) { std::fprintf(stderr, "mdb_env_open failed\n"); std::exit(1); }
  MDB_txn* txn = nullptr;
  MDB_dbi dbi;
  mdb_txn_begin(env, nullptr, 0, &txn);
  mdb_dbi_open(txn, nullptr, 0, &dbi);
  mdb_txn_commit(txn);
  std::string value(200, 'x');
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto t = Clock::now();
    mdb_txn_begin(env, nullptr, 0, &txn);
    uint64_t k = __builtin_bswap64(static_cast<uint64_t>(i));
    MDB_val kv{sizeof k, &k}, vv{value.size(), value.data()};
    mdb_put(txn, dbi, &kv, &vv, 0);
    if (mdb_txn_commit(txn) != 0) { std::fprintf(stderr, "commit failed\n"); std::exit(1); }
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  mdb_env_close(env);
  std::filesystem::remove_all(path);
  return us;
}
}  // namespace

int main(int argc, char** argv) {
  std::string dir = std::filesystem::temp_directory_path() / ("chirp-sync-" + std::to_string(getpid()));
  int n = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--n")) n = std::max(10, std::atoi(argv[i + 1]));
  }
  std::filesystem::create_directories(dir);
  std::printf("| durable write (%d each) | p50 ms | p90 ms | p99 ms |\n|---|---|---|---|\n", n);
  report("pwrite 4 KiB + fdatasync", fdatasync_loop(dir, n));
  report("LMDB commit, one put (chirp's flags)", lmdb_loop(dir, n, 0));
  report("LMDB commit, MDB_NOMETASYNC (not durable)", lmdb_loop(dir, n, MDB_NOMETASYNC));
  std::filesystem::remove_all(dir);
  return 0;
}

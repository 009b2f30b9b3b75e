// LMDB fault injection for tests (faults.h). Inert unless armed.
#include "chirp/storage/faults.h"

#include <lmdb.h>
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

namespace chirp::storage::faults {
namespace {

struct Armed {
  int rc = 0;
  int times = 0;  // < 0: until cleared
  int skip = 0;
  uint64_t fired = 0;
};

constexpr size_t kCalls = static_cast<size_t>(Call::kCount);
std::mutex mu;
std::array<Armed, kCalls> armed;  // guarded by mu
std::atomic<int> armed_count{0};  // the fast path: nothing armed

// CHIRP_FAULT_LMDB_COMMIT: the flag file for a running server (read once).
const char* commit_flag_file() {
  static const char* flag = [] {
    const char* v = std::getenv("CHIRP_FAULT_LMDB_COMMIT");
    return v != nullptr && *v != '\0' ? v : nullptr;
  }();
  return flag;
}

int flag_file_code(const char* path) {
  struct stat st;
  if (::stat(path, &st) != 0) return 0;  // no file: no fault
  std::ifstream in(path);
  std::string name;
  in >> name;
  if (name == "ENOSPC") return ENOSPC;
  if (name == "EROFS") return EROFS;
  if (name == "EDQUOT") return EDQUOT;
  if (name == "MDB_MAP_FULL") return MDB_MAP_FULL;
  return EIO;
}

void recount() {  // mu held
  int n = 0;
  for (const Armed& a : armed) n += a.times != 0 ? 1 : 0;
  armed_count.store(n, std::memory_order_relaxed);
}

}  // namespace

void arm(Call call, int rc, int times, int skip) {
  std::lock_guard<std::mutex> lock(mu);
  armed[static_cast<size_t>(call)] = Armed{rc, times, skip, 0};
  recount();
}

void clear(Call call) {
  std::lock_guard<std::mutex> lock(mu);
  Armed& a = armed[static_cast<size_t>(call)];
  a.times = 0;
  a.rc = 0;
  recount();
}

void clear_all() {
  std::lock_guard<std::mutex> lock(mu);
  for (Armed& a : armed) a = Armed{};
  recount();
}

uint64_t fired(Call call) {
  std::lock_guard<std::mutex> lock(mu);
  return armed[static_cast<size_t>(call)].fired;
}

int take(Call call) {
  if (call == Call::kCommit) {
    if (const char* flag = commit_flag_file())
      if (int rc = flag_file_code(flag)) return rc;
  }
  if (armed_count.load(std::memory_order_relaxed) == 0) return 0;
  std::lock_guard<std::mutex> lock(mu);
  Armed& a = armed[static_cast<size_t>(call)];
  if (a.times == 0) return 0;
  if (a.skip > 0) {
    --a.skip;
    return 0;
  }
  if (a.times > 0 && --a.times == 0) recount();
  ++a.fired;
  return a.rc;
}

}  // namespace chirp::storage::faults

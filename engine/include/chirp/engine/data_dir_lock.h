// DataDirLock: an exclusive advisory lock (flock) on DIR/LOCK, held for the
// object's lifetime, so that only one writing process uses a data folder.
// The kernel drops it when the process dies, so a crash never leaves it stale.
#pragma once

#include <memory>
#include <string>

#include "chirp/status.h"

namespace chirp::engine {

class DataDirLock {
 public:
  // Unavailable if another process holds it.
  static Result<std::unique_ptr<DataDirLock>> acquire(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace chirp::engine

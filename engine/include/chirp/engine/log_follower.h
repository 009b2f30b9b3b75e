// LogFollower: the thread that keeps a replica of another service's change
// log (split mode). It reads batches from a ChangeSource after the position
// stored in this data folder and hands them to Engine::apply_replica, which
// applies them and stores the new position in the same LMDB transaction: a
// crash or restart of either side resumes exactly where it stopped, nothing
// applied twice, nothing skipped.
//
// Thread-safety: start()/stop() from the owner; the rest from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "chirp/engine/change_source.h"
#include "chirp/status.h"

namespace chirp::engine {

class Engine;

class LogFollower {
 public:
  // `log` names the followed log ("users", "tweets"): the position's key.
  LogFollower(Engine& engine, std::string log, uint32_t scope, ChangeSource source, size_t batch = 1000);
  ~LogFollower();  // stops

  void start();
  void stop();
  // The last foreign sequence number applied here.
  uint64_t position() const { return position_.load(); }
  // Waits until position() >= seq; false on timeout.
  bool wait_position(uint64_t seq, std::chrono::milliseconds timeout) const;
  Status health() const;  // the last read or apply error (Ok when healthy)
  const std::string& log() const { return log_; }

 private:
  void loop();

  Engine& engine_;
  std::string log_;
  uint32_t scope_;
  ChangeSource source_;
  size_t batch_;
  std::atomic<uint64_t> position_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  Status health_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace chirp::engine

// LogFollower: the thread that keeps a replica of another service's change
// log (split mode). It reads batches from a ChangeSource after the position
// stored in this data folder and hands them to Engine::apply_replica, which
// applies them and stores the new position in the same LMDB transaction: a
// crash or restart of either side resumes exactly where it stopped, nothing
// applied twice, nothing skipped.
//
// Thread-safety: start()/stop() from the owner; the rest from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "chirp/engine/change_source.h"
#include "chirp/status.h"

namespace chirp::engine {

class Engine;
class ChangeFollower;

class LogFollower {
 public:
  // `log` names the followed log ("users", "tweets"): the position's key.
  LogFollower(Engine& engine, std::string log, uint32_t scope, ChangeSource source, size_t batch = 1000);
  ~LogFollower();  // stops
  LogFollower(const LogFollower&) = delete;  // the loop holds `this`
  LogFollower& operator=(const LogFollower&) = delete;

  void start();
  void stop();
  // The last foreign sequence number applied here.
  uint64_t position() const;
  // Waits until position() >= seq; false on timeout.
  bool wait_position(uint64_t seq, std::chrono::milliseconds timeout) const;
  Status health() const;  // the last read or apply error (Ok when healthy)
  const std::string& log() const { return log_; }

 private:
  Engine& engine_;
  std::string log_;
  std::unique_ptr<ChangeFollower> follower_;  // the shared read/apply/back-off loop
};

}  // namespace chirp::engine

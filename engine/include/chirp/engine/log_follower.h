// LogFollower: the thread that keeps a replica of another service's change
// log (split mode). It reads batches from a ChangeSource after the position
// stored in this data folder and hands them to Engine::apply_replica, which
// applies them and stores the new position in the same LMDB transaction: a
// crash or restart of either side resumes exactly where it stopped, nothing
// applied twice, nothing skipped.
//
// When the source marks its pages (ChangeSource::read_marked: the producer's
// log identity and last seq), every page is checked against the identity
// stored with the position: another identity (the producer's folder was wiped
// or replaced) is replayed from seq 0; the same identity ending before the
// stored position (the producer was restored from an older backup) is refused:
// nothing is applied, health() says why (GET /ready: <log>_log_reachable 0)
// and one error is logged; it stays refused while this process runs, also once
// the producer's log has grown past the position (its changes there are not
// the ones applied here).
//
// The stored position is read on the loop's thread before the first page; a
// failed read is retried with the loop's back-off and is health() meanwhile:
// nothing is read from the producer from a position this folder does not hold.
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
  // The source's read, with the identity checks above (on the loop's thread).
  Result<std::vector<storage::ChangeRecord>> read_checked(uint64_t after, size_t limit);
  // Reads the stored position and identity into the loop (on the loop's thread).
  Status load_position();

  Engine& engine_;
  std::string log_;
  uint32_t scope_;
  ChangeSource source_;
  // Touched only on the loop's thread (and by start() before it runs).
  std::string followed_id_;   // the identity stored with the position ("" before one was seen)
  std::string page_log_id_;   // the identity of the page being applied
  Status rewound_;  // not Ok once the followed log was found rewound
  bool position_loaded_ = false;  // the stored position was read (a failed read is retried)
  std::unique_ptr<ChangeFollower> follower_;  // the shared read/apply/back-off loop
};

}  // namespace chirp::engine

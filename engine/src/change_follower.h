// ChangeFollower: the one loop behind every consumer of a change log.
//
// It reads batches after its position from a ChangeSource, hands each batch to
// `apply` and advances only when apply succeeded: a failure keeps the position,
// so the same changes are read again after a back-off and nothing is skipped.
// Idle, it waits on the source (a condition variable locally, a short poll
// over HTTP), so it never spins. SearchFeeder (changes -> search index) and
// LogFollower (a foreign log -> this service's replica) are thin clients.
//
// Thread-safety: start()/stop() from the owner; the rest from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chirp/engine/change_source.h"
#include "chirp/status.h"
#include "chirp/storage/records.h"

namespace chirp::engine {

class ChangeFollower {
 public:
  using Apply = std::function<Status(const std::vector<storage::ChangeRecord>&)>;

  // `name` prefixes log lines ("search feeder", "tweets log").
  ChangeFollower(std::string name, ChangeSource source, size_t batch, Apply apply);
  ~ChangeFollower();  // stops

  ChangeFollower(const ChangeFollower&) = delete;
  ChangeFollower& operator=(const ChangeFollower&) = delete;

  // Follows from `after` (the consumer's stored position) until stop().
  void start(uint64_t after);
  void stop();
  // The last sequence number applied.
  uint64_t position() const { return position_.load(); }
  // Waits until position() >= seq or stop(); false on timeout or stop.
  bool wait_position(uint64_t seq, std::chrono::milliseconds timeout) const;
  // The last read or apply error; Ok when the last attempt succeeded.
  Status health() const;
  // Moves the position back to `seq` (a consumer that found its log replaced
  // and recorded that). Only from inside `read` or `apply`, on the loop's thread.
  void restart_from(uint64_t seq);

 private:
  void loop();
  void set_health(const Status& s);
  void sleep_unless_stopped(std::chrono::milliseconds d) const;

  const std::string name_;
  ChangeSource source_;
  const size_t batch_;
  Apply apply_;
  std::atomic<uint64_t> position_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  Status health_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace chirp::engine

#include "chirp/engine/log_follower.h"

#include <spdlog/spdlog.h>

#include "chirp/engine/engine.h"

namespace chirp::engine {

LogFollower::LogFollower(Engine& engine, std::string log, uint32_t scope, ChangeSource source, size_t batch)
    : engine_(engine), log_(std::move(log)), scope_(scope), source_(std::move(source)), batch_(batch) {}

LogFollower::~LogFollower() { stop(); }

void LogFollower::start() {
  stop_ = false;
  position_ = engine_.replica_position(log_);
  thread_ = std::thread([this] { loop(); });
}

void LogFollower::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  cv_.notify_all();
}

bool LogFollower::wait_position(uint64_t seq, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return position_.load() >= seq || stop_.load(); }) &&
         position_.load() >= seq;
}

Status LogFollower::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

void LogFollower::loop() {
  auto backoff = std::chrono::milliseconds(100);
  bool failing = false;
  while (!stop_) {
    const uint64_t after = position_.load();
    auto changes = source_.read(after, batch_);
    Status s = changes.ok() ? Status::Ok() : changes.status();
    if (s.ok() && changes->empty()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        health_ = Status::Ok();
      }
      if (failing) spdlog::info("{} log: reachable again at seq {}", log_, after);
      failing = false;
      backoff = std::chrono::milliseconds(100);
      source_.wait(after, std::chrono::milliseconds(200));
      continue;
    }
    if (s.ok()) s = engine_.apply_replica(log_, scope_, *changes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      health_ = s;
    }
    if (!s.ok()) {
      // Keep the position: the same changes are read again, nothing is skipped.
      if (!failing) spdlog::warn("{} log: {} (retrying)", log_, s.message());
      failing = true;
      for (auto slept = std::chrono::milliseconds(0); slept < backoff && !stop_; slept += std::chrono::milliseconds(50))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    if (failing) spdlog::info("{} log: reachable again at seq {}", log_, after);
    failing = false;
    backoff = std::chrono::milliseconds(100);
    {
      std::lock_guard<std::mutex> lock(mu_);
      position_ = changes->back().seq;
    }
    cv_.notify_all();
  }
}

}  // namespace chirp::engine

#include "change_follower.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace chirp::engine {

namespace {
constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);
constexpr auto kIdleWait = std::chrono::milliseconds(200);
constexpr auto kStopCheck = std::chrono::milliseconds(50);  // how soon a back-off notices stop()
}  // namespace

ChangeFollower::ChangeFollower(std::string name, ChangeSource source, size_t batch, Apply apply)
    : name_(std::move(name)), source_(std::move(source)), batch_(batch), apply_(std::move(apply)) {}

ChangeFollower::~ChangeFollower() { stop(); }

void ChangeFollower::start(uint64_t after) {
  stop_ = false;
  position_ = after;
  thread_ = std::thread([this] { loop(); });
}

void ChangeFollower::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  cv_.notify_all();
}

bool ChangeFollower::wait_position(uint64_t seq, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return position_.load() >= seq || stop_.load(); }) &&
         position_.load() >= seq;
}

Status ChangeFollower::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

void ChangeFollower::restart_from(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  position_ = seq;
}

void ChangeFollower::set_health(const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  health_ = s;
}

void ChangeFollower::sleep_unless_stopped(std::chrono::milliseconds d) const {
  for (auto slept = std::chrono::milliseconds(0); slept < d && !stop_; slept += kStopCheck)
    std::this_thread::sleep_for(std::min(kStopCheck, d - slept));
}

void ChangeFollower::loop() {
  auto backoff = kFirstBackoff;
  bool failing = false;
  while (!stop_) {
    const uint64_t after = position_.load();
    auto changes = source_.read(after, batch_);
    Status s = changes.ok() ? Status::Ok() : changes.status();
    const bool idle = s.ok() && changes->empty();
    if (s.ok() && !idle) s = apply_(*changes);
    set_health(s);
    if (!s.ok()) {
      if (!failing) spdlog::warn("{}: {} (retrying)", name_, s.message());
      failing = true;
      sleep_unless_stopped(backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    if (failing) spdlog::info("{}: working again at seq {}", name_, after);
    failing = false;
    backoff = kFirstBackoff;
    if (idle) {
      source_.wait(after, kIdleWait);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      position_ = changes->back().seq;
    }
    cv_.notify_all();
  }
}

}  // namespace chirp::engine

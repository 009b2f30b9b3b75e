#include "chirp/engine/log_follower.h"

#include "change_follower.h"
#include "chirp/engine/engine.h"

namespace chirp::engine {

LogFollower::LogFollower(Engine& engine, std::string log, uint32_t scope, ChangeSource source, size_t batch)
    : engine_(engine), log_(std::move(log)) {
  // apply_replica stores the new position in the same transaction as what it derives.
  follower_ = std::make_unique<ChangeFollower>(
      log_ + " log", std::move(source), batch,
      [this, scope](const std::vector<storage::ChangeRecord>& changes) {
        return engine_.apply_replica(log_, scope, changes);
      });
}

LogFollower::~LogFollower() { stop(); }

void LogFollower::start() { follower_->start(engine_.replica_position(log_)); }
void LogFollower::stop() { follower_->stop(); }
uint64_t LogFollower::position() const { return follower_->position(); }
bool LogFollower::wait_position(uint64_t seq, std::chrono::milliseconds timeout) const {
  return follower_->wait_position(seq, timeout);
}
Status LogFollower::health() const { return follower_->health(); }

}  // namespace chirp::engine

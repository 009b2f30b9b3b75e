#include "chirp/engine/log_follower.h"

#include <spdlog/spdlog.h>

#include "change_follower.h"
#include "chirp/engine/engine.h"

namespace chirp::engine {

LogFollower::LogFollower(Engine& engine, std::string log, uint32_t scope, ChangeSource source, size_t batch)
    : engine_(engine), log_(std::move(log)), scope_(scope), source_(std::move(source)) {
  ChangeSource checked{[this](uint64_t after, size_t limit) { return read_checked(after, limit); },
                       source_.wait, nullptr};
  // apply_replica stores the new position (and the log's identity) in the
  // same transaction as what it derives.
  follower_ = std::make_unique<ChangeFollower>(
      log_ + " log", std::move(checked), batch, [this](const std::vector<storage::ChangeRecord>& changes) {
        Status s = engine_.apply_replica(log_, scope_, changes, page_log_id_);
        if (s.ok() && !page_log_id_.empty()) followed_id_ = page_log_id_;
        return s;
      });
}

LogFollower::~LogFollower() { stop(); }

Status LogFollower::load_position() {
  auto id = engine_.replica_log_id(log_);
  if (!id.ok()) return id.status();
  auto pos = engine_.replica_position(log_);
  if (!pos.ok()) return pos.status();
  followed_id_ = std::move(id).value();
  position_loaded_ = true;
  follower_->restart_from(*pos);
  return Status::Ok();
}

Result<std::vector<storage::ChangeRecord>> LogFollower::read_checked(uint64_t after, size_t limit) {
  page_log_id_.clear();
  if (!position_loaded_) {
    // start() could not read where this replica stands: nothing is read from
    // the log until it can (a failed read is not position 0). The failure is
    // this follower's health meanwhile (GET /ready: <log>_log_reachable 0).
    CHIRP_RETURN_IF_ERROR(load_position());
    after = position();
  }
  if (!source_.read_marked) return source_.read(after, limit);
  LogMark mark;
  auto page = source_.read_marked(after, limit, &mark);
  if (!page.ok() || !mark.known) return page;
  if (!mark.log_id.empty() && !followed_id_.empty() && mark.log_id != followed_id_) {
    // Another log (the producer's folder was wiped or replaced): everything
    // applied so far counted in the old one. Replay this one from its start.
    if (after != 0) {
      const std::string seen = mark.log_id;
      page = source_.read_marked(0, limit, &mark);
      if (!page.ok()) return page;
      if (mark.log_id != seen) return Status::Unavailable(log_ + " log changed its identity while being read");
    }
    page_log_id_ = mark.log_id;
    if (page->empty()) {
      // Nothing to apply yet: record the switch now, so position 0 holds.
      CHIRP_RETURN_IF_ERROR(engine_.apply_replica(log_, scope_, {}, mark.log_id));
      followed_id_ = mark.log_id;
      follower_->restart_from(0);
    }
    rewound_ = Status::Ok();
    return page;
  }
  if (!rewound_.ok()) return rewound_;  // stays refused while this process runs, even once the log grew past
  if (mark.last_seq < after) {
    // The same log, shorter than what was applied: the producer was restored
    // to an older point and will reuse sequence numbers applied here already.
    // Following it would skip its new changes; stop and say so.
    const std::string why = log_ + " log was restored to an older point: the producer's log ends at seq " +
                            std::to_string(mark.last_seq) + ", this service applied up to seq " +
                            std::to_string(after) +
                            "; not following it (restore this service from a backup taken together with the "
                            "producer's, see docs/deploy.md \"Consistency across services\")";
    spdlog::error("{}", why);  // once: from now on the stored refusal answers
    rewound_ = Status::Conflict(why);
    return rewound_;
  }
  page_log_id_ = mark.log_id;  // the followed log, or the first identity seen: stored with the position
  return page;
}

void LogFollower::start() {
  position_loaded_ = false;
  uint64_t from = 0;
  auto id = engine_.replica_log_id(log_);
  auto pos = engine_.replica_position(log_);
  if (id.ok() && pos.ok()) {
    followed_id_ = std::move(id).value();
    from = *pos;
    position_loaded_ = true;
  }
  follower_->start(from);  // not loaded: the loop's reads try again first (read_checked)
}
void LogFollower::stop() { follower_->stop(); }
uint64_t LogFollower::position() const { return follower_->position(); }
bool LogFollower::wait_position(uint64_t seq, std::chrono::milliseconds timeout) const {
  return follower_->wait_position(seq, timeout);
}
Status LogFollower::health() const { return follower_->health(); }

}  // namespace chirp::engine

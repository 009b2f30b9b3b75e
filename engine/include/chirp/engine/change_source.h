// ChangeSource: where a consumer reads a change log from, and what a replica
// derives from another service's log (split mode, DESIGN.md "who owns what").
//
// The same consumer code follows the local LMDB log (all-in-one: the search
// feeder) or a remote service's log over HTTP (split mode: chirp_api builds
// that source with libcurl). A consumer stores its position with what it
// derives, so it resumes after a restart of either side, and replays from
// sequence 0 when what it derived is lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chirp/status.h"
#include "chirp/storage/records.h"

namespace chirp::engine {

// What a page says about the log it came from (GET /internal/v1/changes).
struct LogMark {
  bool known = false;   // false: the source says nothing (a local log, an older peer)
  std::string log_id;   // the producer's Engine::log_id ("" from a peer that has none)
  uint64_t last_seq = 0;  // the producer's last sequence number when it answered
};

struct ChangeSource {
  // Changes with seq > after, oldest first, at most limit.
  std::function<Result<std::vector<storage::ChangeRecord>>(uint64_t after, size_t limit)> read;
  // Blocks until a change after `after` may exist or the timeout passes.
  std::function<void(uint64_t after, std::chrono::milliseconds timeout)> wait;
  // Optional: `read` that also fills `mark`. LogFollower uses it to notice a
  // producer whose log was replaced (another identity: replay it from 0) or
  // rewound (same identity, shorter than what was applied: stop).
  std::function<Result<std::vector<storage::ChangeRecord>>(uint64_t after, size_t limit, LogMark* mark)>
      read_marked = nullptr;
};

// What a replica keeps from a foreign log (bit flags, Engine::apply_replica).
enum ReplicaScope : uint32_t {
  kReplicaUsers = 1,        // user created / updated / deleted: a public copy (no password);
                            // a deleted user's local tweets, likes and follows go too
  kReplicaFollows = 2,      // the follow graph (home timelines are fanned in on follow)
  kReplicaTweets = 4,       // tweets posted / deleted: a copy, logged locally (search feeds on it)
  kReplicaLikes = 8,        // likes on the copied tweets (their counts)
  kReplicaTweetCounts = 16, // only each author's tweet count
};

}  // namespace chirp::engine

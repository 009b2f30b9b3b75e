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
#include <vector>

#include "chirp/status.h"
#include "chirp/storage/records.h"

namespace chirp::engine {

struct ChangeSource {
  // Changes with seq > after, oldest first, at most limit.
  std::function<Result<std::vector<storage::ChangeRecord>>(uint64_t after, size_t limit)> read;
  // Blocks until a change after `after` may exist or the timeout passes.
  std::function<void(uint64_t after, std::chrono::milliseconds timeout)> wait;
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

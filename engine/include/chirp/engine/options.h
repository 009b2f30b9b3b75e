// EngineOptions: how to open a data folder.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace chirp::engine {

struct EngineOptions {
  std::string data_dir = "./data";
  // LMDB map: starts here and doubles on demand up to the maximum.
  uint64_t map_size = 1ull << 30;
  uint64_t max_map_size = 1ull << 40;
  // fsync every commit. Only bulk tools that verify their result may turn it off.
  bool durable = true;
  // Holds an exclusive lock on the data folder (a second writer fails fast).
  bool exclusive = true;
  // argon2id cost per hash (libsodium's "interactive" level: 64 MiB each), and
  // how many hashes may run at once (memory bound: max_concurrent_hashes * memlimit).
  unsigned long long pwhash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t pwhash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  unsigned max_concurrent_hashes = 2;
  int64_t session_ttl_ms = 30LL * 24 * 3600 * 1000;  // 30 days
  // Expired sessions (refused by authenticate from the moment they expire)
  // are removed from LMDB by a background sweep every interval, looking at no
  // more than `session_sweep_batch` sessions per batch and
  // `session_sweep_batches` batches per run; the next run resumes where the
  // last one stopped (Engine::sweep_expired_sessions; a batch writes only when
  // it found expired sessions). Off by default: only a process that serves
  // sessions turns it on (chirpd all-in-one and the users role), not tools
  // (chirpctl) nor roles that hold no sessions (tweets, search).
  bool session_sweeper = false;
  int64_t session_sweep_interval_ms = 60 * 1000;
  size_t session_sweep_batch = 256;
  size_t session_sweep_batches = 16;
  unsigned node_id = 0;
  // Keep a Xapian search index in DIR/search, fed from the change log.
  bool search = true;
  // How long the search index may hold applied changes before a disk commit.
  int search_commit_interval_ms = 1000;                              // 0..1023, the snowflake node bits
  // Test-friendly cheap hashing (libsodium's minimum cost): never in production.
  static EngineOptions for_tests(const std::string& dir) {
    EngineOptions o;
    o.data_dir = dir;
    o.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
    o.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
    o.map_size = 64ull << 20;
    return o;
  }
};

}  // namespace chirp::engine

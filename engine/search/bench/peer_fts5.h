// SQLite FTS5 peer: one fts5 table (porter + unicode61), bm25 ranking.
#pragma once

#include <memory>

#include "peer.h"

namespace chirp::search::bench {

std::unique_ptr<Peer> make_fts5_peer(const std::string& dir);

}  // namespace chirp::search::bench

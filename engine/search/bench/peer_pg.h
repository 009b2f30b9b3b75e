// PostgreSQL full-text peer: a private server (initdb + pg_ctl in a temporary
// folder, 127.0.0.1 on a free port; as root it runs as user postgres via
// runuser), one table with a stored tsvector + GIN index, ts_rank ranking.
// The destructor stops the server and removes its folder.
#pragma once

#include <memory>

#include "peer.h"

namespace chirp::search::bench {

std::unique_ptr<Peer> make_pg_peer(const std::string& dir);

}  // namespace chirp::search::bench

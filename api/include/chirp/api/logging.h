// Process-wide log set-up for chirpd: plain text, or one JSON object per line
// ({"time","level","logger","msg"}) with the message escaped by RapidJSON, so
// any text a log call carries still yields valid JSON lines.
// Call once at start-up, before server threads exist.
#pragma once

#include "chirp/api/server.h"

namespace chirp::api {

void configure_logging(LogFormat format);

}  // namespace chirp::api

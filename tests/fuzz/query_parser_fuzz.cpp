// Fuzz target: the search query language (engine/search/src/query_parser.cc).
// parse_query promises to be pure and never to throw: every malformed query is
// an InvalidArgument Status. An escaping exception (Xapian's or std's) is a
// finding, as is any sanitizer report. Accepted queries must describe
// themselves (Xapian::Query::get_description walks the whole tree) and respect
// the byte cap. parse_day gets the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "chirp/search/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view q(reinterpret_cast<const char*>(data), size);
  chirp::search::QueryLimits limits;
  auto parsed = chirp::search::parse_query(q, limits);
  if (parsed.ok()) {
    if (q.size() > limits.max_bytes) std::abort();  // over the byte cap yet accepted
    const auto& p = parsed.value();
    (void)p.query.get_description();
  } else if (parsed.status().code() != chirp::Code::kInvalidArgument) {
    std::abort();  // parse errors are the user's: InvalidArgument only
  }
  auto day = chirp::search::parse_day(q);
  if (day.ok() && q.size() != 10) std::abort();  // YYYY-MM-DD only
  return 0;
}

// Stable names of status codes, declared in chirp/status.h (namespace chirp).
#include "chirp/status.h"

namespace chirp {

const char* code_name(Code c) {
  switch (c) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kUnprocessable: return "unprocessable";
    case Code::kNotFound: return "not_found";
    case Code::kConflict: return "conflict";
    case Code::kUnauthorized: return "unauthorized";
    case Code::kForbidden: return "forbidden";
    case Code::kStorageFull: return "storage_full";
    case Code::kUnavailable: return "unavailable";
    case Code::kRateLimited: return "rate_limited";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace chirp

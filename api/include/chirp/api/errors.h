// The single map from chirp::Status to HTTP, and the JSON error shape
// {"error":{"code":"<code>","message":"<text>"}} of API.md.
//
// kInternal never shows its message to clients: the response says a generic
// sentence and the real message belongs in the log (the caller logs it).
#pragma once

#include <string_view>

#include "chirp/api/http.h"
#include "chirp/status.h"

namespace chirp::api {

struct HttpError {
  int status;
  const char* code;  // "bad_request", ...
};

// kOk is not an error; it maps to {200, "ok"}.
HttpError http_error_for(Code c);

// {"error":{"code","message"}} with the given status.
HttpResponse error_response(int status, std::string_view code, std::string_view message);

// Through http_error_for; kInternal gets a generic message.
HttpResponse error_response(const Status& s);

}  // namespace chirp::api

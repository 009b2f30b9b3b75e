// The single Status -> HTTP map and the JSON error body.
#include "chirp/api/errors.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace chirp::api {

HttpError http_error_for(Code c) {
  switch (c) {
    case Code::kOk: return {200, "ok"};
    case Code::kInvalidArgument: return {400, "bad_request"};
    case Code::kUnprocessable: return {422, "unprocessable"};
    case Code::kNotFound: return {404, "not_found"};
    case Code::kConflict: return {409, "conflict"};
    case Code::kUnauthorized: return {401, "unauthorized"};
    case Code::kForbidden: return {403, "forbidden"};
    case Code::kStorageFull: return {507, "insufficient_storage"};
    case Code::kUnavailable: return {503, "unavailable"};
    case Code::kRateLimited: return {429, "rate_limited"};
    case Code::kInternal: return {500, "internal"};
  }
  return {500, "internal"};
}

HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  w.EndObject();
  return HttpResponse::json(status, std::string(sb.GetString(), sb.GetSize()));
}

HttpResponse error_response(const Status& s) {
  HttpError e = http_error_for(s.code());
  if (s.code() == Code::kInternal) return error_response(e.status, e.code, "internal server error");
  return error_response(e.status, e.code, s.message());
}

}  // namespace chirp::api

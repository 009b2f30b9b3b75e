// Strict JSON body decoding against a BodySchema.
#include "chirp/api/json_body.h"

#include <string>

#include <rapidjson/error/en.h>

#include "chirp/api/errors.h"

namespace chirp::api {

namespace {

const char* type_word(FieldType t) {
  switch (t) {
    case FieldType::kString: return "a string";
    case FieldType::kInteger: return "an integer";
    case FieldType::kBoolean: return "a boolean";
    case FieldType::kNumber: return "a number";
  }
  return "a value";
}

bool has_type(const rapidjson::Value& v, FieldType t) {
  switch (t) {
    case FieldType::kString: return v.IsString();
    case FieldType::kInteger: return v.IsInt64();
    case FieldType::kBoolean: return v.IsBool();
    case FieldType::kNumber: return v.IsNumber();
  }
  return false;
}

HttpResponse bad(std::string message) { return error_response(400, "bad_request", message); }

}  // namespace

bool is_json_content_type(std::string_view ct) {
  // "application/json", optionally followed by parameters ("; charset=utf-8").
  while (!ct.empty() && ct.front() == ' ') ct.remove_prefix(1);
  size_t semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return iequals(type, "application/json");
}

std::optional<HttpResponse> decode_json_body(const HttpRequest& req, const BodySchema& schema,
                                             rapidjson::Document& out) {
  if (!is_json_content_type(req.header("Content-Type")))
    return error_response(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)");

  // Parse from a copy-free view; kParseStopWhenDoneFlag is not used so that
  // trailing garbage after the object is an error.
  // JSON is UTF-8 (RFC 8259): a body with invalid UTF-8 in any string (a
  // password, a display name) is malformed, 400, before any field is used.
  out.Parse<rapidjson::kParseValidateEncodingFlag>(req.body.data(), req.body.size());
  if (out.HasParseError())
    return bad(std::string("malformed JSON: ") + rapidjson::GetParseError_En(out.GetParseError()) + " at offset " +
               std::to_string(out.GetErrorOffset()));
  if (!out.IsObject()) return bad("the body must be a JSON object");

  for (auto it = out.MemberBegin(); it != out.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    const FieldSpec* spec = nullptr;
    for (const auto& f : schema.fields)
      if (f.name == name) spec = &f;
    if (spec == nullptr) return bad("unknown field '" + std::string(name) + "'");
    if (!has_type(it->value, spec->type))
      return bad("field '" + std::string(name) + "' must be " + type_word(spec->type));
    // Well-formed but too long breaks a rule (API.md: password length, over-long
    // text): 422, like the engine's own length checks below this cap.
    if (spec->type == FieldType::kString && spec->max_length > 0 && it->value.GetStringLength() > spec->max_length)
      return error_response(422, "unprocessable",
                            "field '" + std::string(name) + "' is longer than " + std::to_string(spec->max_length) +
                                " bytes");
  }
  for (const auto& f : schema.fields) {
    if (!f.required) continue;
    auto m = out.FindMember(rapidjson::Value(rapidjson::StringRef(f.name.data(), f.name.size())));
    if (m == out.MemberEnd()) return bad("missing field '" + std::string(f.name) + "'");
  }
  return std::nullopt;
}

}  // namespace chirp::api

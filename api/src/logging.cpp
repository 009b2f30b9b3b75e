// spdlog configuration, with a JSON-escaping message flag for JSON lines.
#include "chirp/api/logging.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

namespace chirp::api {

namespace {

// %* : the message as a JSON string literal (quotes included).
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.String(msg.payload.data(), static_cast<rapidjson::SizeType>(msg.payload.size()));
    dest.append(sb.GetString(), sb.GetString() + sb.GetSize());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

}  // namespace

void configure_logging(LogFormat format) {
  if (format != LogFormat::kJson) return;  // spdlog's default text pattern
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<JsonMessageFlag>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":%*})");
  spdlog::set_formatter(std::move(f));
}

}  // namespace chirp::api

// Input rules shared by the engine's operations.
#pragma once

#include <string_view>

#include "chirp/status.h"

namespace chirp::engine {

constexpr long kMaxDisplayName = 50;
constexpr long kMaxBio = 160;

long utf8_length(std::string_view s);  // code points, -1 if invalid UTF-8
Status validate_text_field(std::string_view value, long max_chars, const char* field);
bool is_blank(std::string_view text);

}  // namespace chirp::engine

// Code-point iteration over UTF-8 with ICU's U8_NEXT, so that ill-formed input
// is split into code points exactly as icu::UnicodeString::fromUTF8 does (the
// extractors run on that UnicodeString; both sides must agree on indices).
#include "chirp/text/utf8.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>

namespace chirp::text {
namespace {

// Calls f(byte_offset, code_point) for each code point; stops when f returns false.
template <typename F>
void for_each_code_point(std::string_view utf8, F&& f) {
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const int32_t length = static_cast<int32_t>(utf8.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (!f(start, c)) return;
  }
}

}  // namespace

int code_point_count(std::string_view utf8) {
  int n = 0;
  for_each_code_point(utf8, [&](int32_t, UChar32) { return ++n, true; });
  return n;
}

std::vector<int> byte_offsets_of_code_points(std::string_view utf8) {
  std::vector<int> offsets;
  offsets.reserve(utf8.size() + 1);
  for_each_code_point(utf8, [&](int32_t at, UChar32) {
    offsets.push_back(at);
    return true;
  });
  offsets.push_back(static_cast<int>(utf8.size()));
  return offsets;
}

std::size_t byte_offset_of_code_point(std::string_view utf8, int cp_index) {
  if (cp_index <= 0) return 0;
  std::size_t found = utf8.size();
  int n = 0;
  for_each_code_point(utf8, [&](int32_t at, UChar32) {
    if (n++ == cp_index) {
      found = static_cast<std::size_t>(at);
      return false;
    }
    return true;
  });
  return found;
}

int code_point_index_of_byte(std::string_view utf8, std::size_t byte_offset) {
  int index = 0;
  int result = -1;
  for_each_code_point(utf8, [&](int32_t at, UChar32) {
    if (static_cast<std::size_t>(at) > byte_offset) {
      result = index - 1;
      return false;
    }
    ++index;
    return true;
  });
  if (result >= 0) return result;
  // byte_offset lies in the last code point, or past the end.
  return byte_offset >= utf8.size() ? index : index - 1;
}

std::string_view substr_code_points(std::string_view utf8, int start, int end) {
  if (end <= start)
    return utf8.substr(std::min(byte_offset_of_code_point(utf8, start), utf8.size()), 0);
  const std::size_t from = byte_offset_of_code_point(utf8, start);
  const std::size_t to = byte_offset_of_code_point(utf8, end);
  return utf8.substr(from, to - from);
}

int utf16_length(std::string_view utf8) {
  int n = 0;
  for_each_code_point(utf8, [&](int32_t, UChar32 c) {
    n += (c > 0xFFFF) ? 2 : 1;
    return true;
  });
  return n;
}

int utf16_offset_of_code_point(std::string_view utf8, int cp_index) {
  int n = 0;
  int index = 0;
  for_each_code_point(utf8, [&](int32_t, UChar32 c) {
    if (index++ >= cp_index) return false;
    n += (c > 0xFFFF) ? 2 : 1;
    return true;
  });
  return n;
}

}  // namespace chirp::text

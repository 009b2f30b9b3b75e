// UTF-8 offset conversions.
#include "chirp/text/utf8.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace chirp::text;

TEST_CASE("byte offsets of code points", "[text][utf8]") {
  const std::string t = "a\xC3\xA9\xF0\x9F\x98\x80z";  // a é 😀 z
  CHECK(code_point_count(t) == 4);
  CHECK(byte_offsets_of_code_points(t) == std::vector<int>{0, 1, 3, 7, 8});
  CHECK(byte_offset_of_code_point(t, 2) == 3);
  CHECK(byte_offset_of_code_point(t, 9) == t.size());
  CHECK(code_point_index_of_byte(t, 4) == 2);  // inside the emoji
  CHECK(code_point_index_of_byte(t, 7) == 3);
  CHECK(code_point_index_of_byte(t, 100) == 4);
  CHECK(substr_code_points(t, 1, 3) == "\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(substr_code_points(t, 3, 1).empty());
  CHECK(utf16_length(t) == 5);
  CHECK(utf16_offset_of_code_point(t, 3) == 4);
}

TEST_CASE("empty and ill-formed input", "[text][utf8]") {
  CHECK(code_point_count("") == 0);
  CHECK(byte_offsets_of_code_points("") == std::vector<int>{0});
  const std::string bad = "\xE2\x82x\xFF";  // truncated sequence, 'x', stray byte
  CHECK(code_point_count(bad) == 3);
  CHECK(byte_offsets_of_code_points(bad) == std::vector<int>{0, 2, 3, 4});
}

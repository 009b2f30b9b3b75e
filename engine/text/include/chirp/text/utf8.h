// UTF-8 offset conversions for chirp's text layer.
//
// Entities carry code-point indices (twitter-text's convention); storage, JSON
// and Xapian work on UTF-8 bytes; browsers and twitter-text's own tools count
// UTF-16 code units. These functions translate between the three.
//
// Ill-formed UTF-8 is never rejected: each maximal ill-formed subsequence counts
// as ONE code point (U+FFFD), exactly as ICU decodes it, so indices agree with
// the extractors in twitter_text.h for any input.
//
// All functions are pure, allocate only their return value, and are thread-safe.
// Returned string_views point into the argument and live as long as it does.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace chirp::text {

// Number of code points in `utf8`.
int code_point_count(std::string_view utf8);

// Byte offset of every code point, plus one final entry equal to utf8.size():
// result.size() == code_point_count(utf8) + 1. Entity [start, end) spans bytes
// [result[start], result[end]).
std::vector<int> byte_offsets_of_code_points(std::string_view utf8);

// Byte offset where code point `cp_index` starts; utf8.size() if cp_index is at
// or past the end; 0 if negative.
std::size_t byte_offset_of_code_point(std::string_view utf8, int cp_index);

// Index of the code point containing byte `byte_offset` (a byte inside a
// multi-byte sequence maps to that sequence's code point); the code-point count
// if byte_offset >= utf8.size().
int code_point_index_of_byte(std::string_view utf8, std::size_t byte_offset);

// The bytes of code points [start, end), clamped to the text.
std::string_view substr_code_points(std::string_view utf8, int start, int end);

// Number of UTF-16 code units the text takes (astral code points count 2).
int utf16_length(std::string_view utf8);

// UTF-16 code-unit offset of code point `cp_index` (clamped to the text).
int utf16_offset_of_code_point(std::string_view utf8, int cp_index);

}  // namespace chirp::text

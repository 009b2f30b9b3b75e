// Internal: twitter-text's TLD lists (generated into tld_list.cpp).
#pragma once

#include <string_view>
#include <vector>

namespace chirp::text::detail {

// Country-code and generic TLDs, lower case, UTF-8, in twitter-text's order
// (a TLD precedes any shorter TLD that is its prefix). Static lifetime.
const std::vector<std::string_view>& country_tlds();
const std::vector<std::string_view>& generic_tlds();

}  // namespace chirp::text::detail

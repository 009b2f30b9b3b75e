#include "cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <string>

namespace chirp::api::detail {

namespace {

// Parses a numeric address into 16 bytes; v4 addresses in the first 4.
bool parse_addr(std::string_view text, bool& v6, std::array<unsigned char, 16>& out) {
  if (text.empty() || text.size() > 45) return false;
  std::string s(text);  // inet_pton needs a terminated string
  out.fill(0);
  if (::inet_pton(AF_INET, s.c_str(), out.data()) == 1) {
    v6 = false;
    return true;
  }
  if (::inet_pton(AF_INET6, s.c_str(), out.data()) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.data(), kMapped, sizeof kMapped) == 0) {  // ::ffff:a.b.c.d is IPv4
      std::memmove(out.data(), out.data() + 12, 4);
      std::memset(out.data() + 4, 0, 12);
      v6 = false;
    } else {
      v6 = true;
    }
    return true;
  }
  return false;
}

bool prefix_equal(const unsigned char* a, const unsigned char* b, int bits) {
  const int whole = bits / 8, rest = bits % 8;
  if (std::memcmp(a, b, static_cast<size_t>(whole)) != 0) return false;
  if (rest == 0) return true;
  const unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
  Cidr c;
  const size_t slash = text.find('/');
  if (!parse_addr(text.substr(0, slash), c.v6, c.net)) return std::nullopt;
  const int max_bits = c.v6 ? 128 : 32;
  c.bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view b = text.substr(slash + 1);
    int n = -1;
    auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), n);
    if (b.empty() || b.size() > 3 || ec != std::errc() || p != b.data() + b.size() || n < 0 || n > max_bits)
      return std::nullopt;
    c.bits = n;
  }
  // Host bits past the prefix: a typo more often than intent.
  std::array<unsigned char, 16> masked{};
  const int whole = c.bits / 8, rest = c.bits % 8;
  std::memcpy(masked.data(), c.net.data(), static_cast<size_t>(whole));
  if (rest != 0) masked[whole] = static_cast<unsigned char>(c.net[whole] & (0xff << (8 - rest)));
  if (masked != c.net) return std::nullopt;
  return c;
}

bool Cidr::contains(std::string_view ip) const {
  bool ip_v6 = false;
  std::array<unsigned char, 16> a{};
  if (!parse_addr(ip, ip_v6, a) || ip_v6 != v6) return false;
  return prefix_equal(a.data(), net.data(), bits);
}

}  // namespace chirp::api::detail

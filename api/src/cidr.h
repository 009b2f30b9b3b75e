// Address ranges for --trusted-proxy: "10.0.0.0/8", "fd00::/8", or a single
// address ("10.0.0.5" = /32, "::1" = /128). IPv4-mapped IPv6 peers
// ("::ffff:10.0.0.5") match IPv4 ranges. Parsed with inet_pton, so only
// numeric forms: no names, no wildcards.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace chirp::api::detail {

struct Cidr {
  bool v6 = false;
  std::array<unsigned char, 16> net{};  // v4 in the first 4 bytes
  int bits = 0;

  // nullopt for anything but ADDR or ADDR/BITS with BITS within 0..32 / 0..128
  // and no host bits set past BITS ("10.0.0.1/8" is refused: say 10.0.0.0/8).
  static std::optional<Cidr> parse(std::string_view text);
  // `ip` as Pistache reports a peer ("127.0.0.1", "::1"); false if unparsable.
  bool contains(std::string_view ip) const;
};

}  // namespace chirp::api::detail

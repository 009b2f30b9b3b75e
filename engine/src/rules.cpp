// The domain's input rules (../shared/API.md): usernames, passwords, profile fields.
#include <array>

#include "chirp/engine/engine.h"
#include "rules.h"

namespace chirp::engine {

namespace {
constexpr std::array<std::string_view, 24> kReserved = {
    "me",      "api",    "docs",     "health", "ready",    "metrics", "search", "login",
    "logout",  "signup", "settings", "admin",  "root",     "static",  "assets", "tweets",
    "users",   "timeline", "explore", "about", "help",     "internal", "chirp", "null"};
}  // namespace

std::string lowercase_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Status validate_username(std::string_view username) {
  if (username.empty() || username.size() > 15)
    return Status::Unprocessable("username must be 1 to 15 characters");
  for (char c : username) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return Status::Unprocessable("username may contain only letters, digits and _");
  }
  const std::string lower = lowercase_ascii(username);
  for (std::string_view r : kReserved)
    if (lower == r) return Status::Unprocessable("username '" + lower + "' is reserved");
  return Status::Ok();
}

Status validate_password(std::string_view password) {
  if (password.size() < 8 || password.size() > 128)
    return Status::Unprocessable("password must be 8 to 128 bytes");
  return Status::Ok();
}

// Counts code points of valid UTF-8; -1 if the bytes are not valid UTF-8.
long utf8_length(std::string_view s) {
  long n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) return -1;
    uint32_t cp = len == 1 ? c : c & (0xff >> (len + 1));
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return -1;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return -1;
    i += len;
    ++n;
  }
  return n;
}

Status validate_text_field(std::string_view value, long max_chars, const char* field) {
  long n = utf8_length(value);
  if (n < 0) return Status::InvalidArgument(std::string(field) + " is not valid UTF-8");
  if (n > max_chars)
    return Status::Unprocessable(std::string(field) + " must be at most " +
                                 std::to_string(max_chars) + " characters");
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t')
      return Status::Unprocessable(std::string(field) + " must not contain control characters");
  return Status::Ok();
}

bool is_blank(std::string_view text) {
  // ASCII white space plus the common Unicode spaces (NBSP, U+2000-U+200B,
  // U+3000, U+FEFF): a tweet of only these is empty to a reader.
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || (c >= '\t' && c <= '\r')) { ++i; continue; }
    auto at = [&](std::string_view seq) { return text.substr(i, seq.size()) == seq; };
    if (at("\xc2\xa0")) { i += 2; continue; }
    if (at("\xe3\x80\x80") || at("\xef\xbb\xbf")) { i += 3; continue; }
    if (text.size() >= i + 3 && c == 0xe2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) <= 0x8b) { i += 3; continue; }
    return false;
  }
  return true;
}

}  // namespace chirp::engine

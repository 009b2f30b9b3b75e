// Record codec: cereal's portable binary format, one archive per record.
//
// Every record type declares CEREAL_CLASS_VERSION, so the schema version is in
// every stored value and a reader can migrate old records in its serialize()
// (see docs/storage_format.md). decode() never throws: a corrupt value becomes
// Status::Internal.
//
// The bytes are exactly those of cereal::PortableBinaryOutputArchive (so the
// on-disk format is cereal's, see docs/storage_format.md), but reading and
// writing go through two small archives of our own instead of cereal's
// std::istream/std::ostream ones:
// - SpanReader reads straight from the LMDB map (a pointer pair; no stream, no
//   virtual streambuf calls, no per-archive hash maps). Every read is bounds
//   checked; a length prefix larger than the bytes left fails before anything
//   is allocated. Cereal's own archive cost ~2,400 instructions per tweet
//   record, this one a few hundred.
// - StringWriter appends to a std::string.
// Both follow cereal's rules: a leading one-byte endianness flag (1 = little),
// arithmetic values in that byte order, a u64 (cereal::size_type) length before
// strings and vectors, and a u32 class version the first time each versioned
// type occurs in a record. tests/storage/codec_test.cpp checks them byte for
// byte against cereal's archives for every record type, and fuzzes the reader.
//
// Supported member types: arithmetic and enum values, std::string, std::vector,
// cereal::NameValuePair, and classes with a member serialize(ar) or
// serialize(ar, version). Anything else fails to compile here: add it to both
// archives (and to the test) first.
#pragma once

#include <bit>
#include <cereal/cereal.hpp>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "chirp/status.h"

namespace chirp::storage {

namespace codec_detail {

inline constexpr bool kLittleEndian = std::endian::native == std::endian::little;

template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};

template <class T>
struct IsNvp : std::false_type {};
template <class T>
struct IsNvp<cereal::NameValuePair<T>> : std::true_type {};

template <class T>
inline constexpr char kTypeTag = 0;  // one address per type: identifies it in a record

template <class T, class Ar>
concept VersionedMember = requires(T& t, Ar& ar) { t.serialize(ar, std::uint32_t{}); };
template <class T, class Ar>
concept PlainMember = requires(T& t, Ar& ar) { t.serialize(ar); };

// Types whose version was already written/read in this record. Records nest a
// handful of types at most; a deeper one fails (reader) or throws (writer).
class SeenTypes {
 public:
  // Returns the slot of `tag`, or null if not seen yet.
  std::uint32_t* find(const void* tag) {
    for (int i = 0; i < n_; ++i)
      if (tags_[i] == tag) return &versions_[i];
    return nullptr;
  }
  bool add(const void* tag, std::uint32_t version) {
    if (n_ == kMax) return false;
    tags_[n_] = tag;
    versions_[n_++] = version;
    return true;
  }

 private:
  static constexpr int kMax = 16;
  const void* tags_[kMax];
  std::uint32_t versions_[kMax];
  int n_ = 0;
};

}  // namespace codec_detail

// Reads one record written by cereal::PortableBinaryOutputArchive from a byte
// range it does not own. Never reads outside [data, data + size); on malformed
// input it sets failed() and yields zeros/empties from then on.
class SpanReader {
 public:
  SpanReader(const void* data, size_t size)
      : p_(static_cast<const unsigned char*>(data)), end_(p_ + size) {
    std::uint8_t stream_little = 0;
    read_raw(&stream_little, 1);
    // cereal: convert = (our endianness is little) XOR (flag byte)
    swap_ = (static_cast<std::uint8_t>(codec_detail::kLittleEndian) ^ stream_little) != 0;
  }

  template <class... Ts>
  SpanReader& operator()(Ts&&... values) {
    (process(values), ...);
    return *this;
  }

  bool failed() const { return failed_; }

 private:
  template <class T>
  void process(T& v) {
    using namespace codec_detail;
    if constexpr (std::is_same_v<T, bool>) {
      std::uint8_t b = 0;
      read_value(b);
      v = b != 0;
    } else if constexpr (std::is_arithmetic_v<T>) {
      read_value(v);
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> u{};
      read_value(u);
      v = static_cast<T>(u);
    } else if constexpr (std::is_same_v<T, std::string>) {
      const size_t n = read_size(1);
      v.assign(reinterpret_cast<const char*>(p_), n);
      p_ += n;
    } else if constexpr (IsVector<T>::value) {
      using E = typename T::value_type;
      static_assert(!std::is_same_v<E, bool>, "codec: std::vector<bool> is not supported");
      if constexpr (std::is_arithmetic_v<E>) {
        const size_t n = read_size(sizeof(E));
        v.resize(n);
        read_raw(v.data(), n * sizeof(E));
        if (swap_)
          for (E& e : v) swap_value(e);
      } else {
        // Each element takes at least one byte: a bound that stops a corrupt
        // length from allocating before the data runs out.
        const size_t n = read_size(1);
        v.resize(n);
        for (E& e : v) {
          if (failed_) break;
          process(e);
        }
      }
    } else if constexpr (IsNvp<T>::value) {
      process(v.value);
    } else if constexpr (VersionedMember<T, SpanReader>) {
      std::uint32_t version = 0;
      if (std::uint32_t* seen = types_.find(&kTypeTag<T>)) {
        version = *seen;
      } else {
        read_value(version);
        if (!types_.add(&kTypeTag<T>, version)) fail();
      }
      if (!failed_) v.serialize(*this, version);
    } else if constexpr (PlainMember<T, SpanReader>) {
      v.serialize(*this);
    } else {
      static_assert(sizeof(T) == 0, "codec: unsupported member type (see codec.h)");
    }
  }

  template <class T>
  static void swap_value(T& v) {
    unsigned char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
    std::memcpy(&v, b, sizeof(T));
  }

  template <class T>
  void read_value(T& v) {
    read_raw(&v, sizeof(T));
    if (swap_) swap_value(v);
  }

  void read_raw(void* out, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) {
      fail();
      std::memset(out, 0, n);
      return;
    }
    if (n) std::memcpy(out, p_, n);
    p_ += n;
  }

  // A length prefix, checked against the bytes left (each item >= item_bytes).
  size_t read_size(size_t item_bytes) {
    cereal::size_type n = 0;
    read_value(n);
    if (n > static_cast<size_t>(end_ - p_) / item_bytes) {
      fail();
      return 0;
    }
    return static_cast<size_t>(n);
  }

  void fail() {
    failed_ = true;
    p_ = end_;
  }

  const unsigned char* p_;
  const unsigned char* end_;
  bool swap_ = false;
  bool failed_ = false;
  codec_detail::SeenTypes types_;
};

// Writes one record exactly as cereal::PortableBinaryOutputArchive (default
// options: this machine's byte order) would, appending to a string.
class StringWriter {
 public:
  explicit StringWriter(std::string& out) : out_(out) {
    out_.push_back(static_cast<char>(codec_detail::kLittleEndian ? 1 : 0));
  }

  template <class... Ts>
  StringWriter& operator()(Ts&&... values) {
    (process(values), ...);
    return *this;
  }

 private:
  template <class T>
  void process(const T& v) {
    using namespace codec_detail;
    if constexpr (std::is_same_v<T, bool>) {
      out_.push_back(static_cast<char>(v ? 1 : 0));
    } else if constexpr (std::is_arithmetic_v<T>) {
      write_raw(&v, sizeof(T));
    } else if constexpr (std::is_enum_v<T>) {
      const auto u = static_cast<std::underlying_type_t<T>>(v);
      write_raw(&u, sizeof(u));
    } else if constexpr (std::is_same_v<T, std::string>) {
      write_size(v.size());
      out_.append(v);
    } else if constexpr (IsVector<T>::value) {
      using E = typename T::value_type;
      static_assert(!std::is_same_v<E, bool>, "codec: std::vector<bool> is not supported");
      write_size(v.size());
      if constexpr (std::is_arithmetic_v<E>) {
        write_raw(v.data(), v.size() * sizeof(E));
      } else {
        for (const E& e : v) process(e);
      }
    } else if constexpr (IsNvp<T>::value) {
      process(v.value);
    } else if constexpr (VersionedMember<T, StringWriter>) {
      // cereal writes a type's version once per archive, the first time it occurs.
      const std::uint32_t version = cereal::detail::Version<T>::version;
      if (!types_.find(&kTypeTag<T>)) {
        if (!types_.add(&kTypeTag<T>, version))
          throw std::length_error("codec: too many versioned types in one record");
        write_raw(&version, sizeof(version));
      }
      const_cast<T&>(v).serialize(*this, version);
    } else if constexpr (PlainMember<T, StringWriter>) {
      const_cast<T&>(v).serialize(*this);
    } else {
      static_assert(sizeof(T) == 0, "codec: unsupported member type (see codec.h)");
    }
  }

  void write_size(size_t n) {
    const cereal::size_type s = n;
    write_raw(&s, sizeof(s));
  }
  void write_raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }

  std::string& out_;
  codec_detail::SeenTypes types_;
};

template <typename T>
std::string encode(const T& record) {
  std::string out;
  out.reserve(128);
  StringWriter ar(out);
  ar(record);
  return out;
}

template <typename T>
Status decode(std::string_view bytes, T* out) {
  try {
    SpanReader ar(bytes.data(), bytes.size());
    ar(*out);
    if (ar.failed()) return Status::Internal("corrupt record: truncated or malformed value");
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("corrupt record: ") + e.what());
  }
}

}  // namespace chirp::storage

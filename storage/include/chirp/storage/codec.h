// Record codec: cereal's portable binary archive, one archive per record.
//
// Every record type declares CEREAL_CLASS_VERSION, so the schema version is in
// every stored value and a reader can migrate old records in its serialize()
// (see docs/storage_format.md). decode() never throws: a corrupt value becomes
// Status::Internal.
#pragma once

#include <cereal/archives/portable_binary.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "chirp/status.h"

namespace chirp::storage {

template <typename T>
std::string encode(const T& record) {
  std::ostringstream os(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive ar(os);
    ar(record);
  }
  return std::move(os).str();
}

// A read-only streambuf over bytes we do not own: decoding straight from the
// LMDB map avoids copying each value into a std::string first.
class ViewStreamBuf : public std::streambuf {
 public:
  void reset(std::string_view s) {
    char* p = const_cast<char*>(s.data());
    setg(p, p, p + s.size());
  }
};

// One input stream per thread, re-pointed at each value: constructing a
// std::istream (its locale) per record cost more than decoding the record.
struct DecodeStream {
  ViewStreamBuf buf;
  std::istream is{&buf};
  std::istream& over(std::string_view bytes) {
    buf.reset(bytes);
    is.clear();
    return is;
  }
};

template <typename T>
Status decode(std::string_view bytes, T* out) {
  thread_local DecodeStream stream;
  try {
    cereal::PortableBinaryInputArchive ar(stream.over(bytes));
    ar(*out);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("corrupt record: ") + e.what());
  }
}

}  // namespace chirp::storage

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
  explicit ViewStreamBuf(std::string_view s) {
    char* p = const_cast<char*>(s.data());
    setg(p, p, p + s.size());
  }
};

template <typename T>
Status decode(std::string_view bytes, T* out) {
  try {
    ViewStreamBuf buf(bytes);
    std::istream is(&buf);
    cereal::PortableBinaryInputArchive ar(is);
    ar(*out);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::Internal(std::string("corrupt record: ") + e.what());
  }
}

}  // namespace chirp::storage

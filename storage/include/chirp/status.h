// Status and Result<T>: how every chirp layer reports expected failures.
//
// A Status is a domain code plus a message meant for a person. The codes are
// domain words, never HTTP numbers: api/ owns the single Status -> HTTP map.
// Status and Result are plain values, cheap to move, safe to copy across threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace chirp {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // malformed for anyone (bad cursor, bad query syntax)
  kUnprocessable,     // well-formed but against a domain rule (tweet too long, reserved name)
  kNotFound,          // no such user / tweet
  kConflict,          // already exists (username taken)
  kUnauthorized,      // bad credentials, bad / expired / revoked token
  kForbidden,         // authenticated but not allowed (delete someone else's tweet)
  kStorageFull,       // disk or LMDB map full; nothing was written
  kUnavailable,       // not ready, shutting down, an upstream down
  kRateLimited,       // too many requests
  kInternal,          // a bug or an I/O failure; message is for logs, not for clients
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
  static Status Unprocessable(std::string m) { return Status(Code::kUnprocessable, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }
  static Status Unauthorized(std::string m) { return Status(Code::kUnauthorized, std::move(m)); }
  static Status Forbidden(std::string m) { return Status(Code::kForbidden, std::move(m)); }
  static Status StorageFull(std::string m) { return Status(Code::kStorageFull, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status RateLimited(std::string m) { return Status(Code::kRateLimited, std::move(m)); }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool operator==(Code c) const { return code_ == c; }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

const char* code_name(Code c);  // "not_found", ... (stable, for logs and tests)

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}                   // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace chirp

// Early return on failure: CHIRP_RETURN_IF_ERROR(expr) where expr yields a Status.
#define CHIRP_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::chirp::Status chirp_status_ = (expr);   \
    if (!chirp_status_.ok()) return chirp_status_; \
  } while (0)

// Unwraps a Result into `lhs` or returns its error:
//   CHIRP_ASSIGN_OR_RETURN(std::vector<uint64_t> ids, index.list_asc(txn, a, 0, 10));
#define CHIRP_ASSIGN_OR_RETURN(lhs, expr) \
  CHIRP_ASSIGN_OR_RETURN_IMPL_(CHIRP_CONCAT_(chirp_result_, __LINE__), lhs, expr)
#define CHIRP_CONCAT_INNER_(a, b) a##b
#define CHIRP_CONCAT_(a, b) CHIRP_CONCAT_INNER_(a, b)
#define CHIRP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

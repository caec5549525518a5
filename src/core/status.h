// Errors as values. Every module boundary returns Status or Result<T>; bad input is an error
// naming the field path and the problem, never an exception or an assertion.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace exportctl {

enum class ErrorCode {
  kInvalidInput,  // the caller's data is wrong: field + message say how
  kNotFound,      // a named thing (chip, account, record) does not exist
  kConflict,      // e.g. an idempotency key reused with different content
  kDataError,     // a bundled data file is malformed
  kUnavailable,   // a backing store cannot be reached
  kInternal,      // our bug
};

const char* ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(ErrorCode code, std::string field, std::string message) {
    Status s;
    s.ok_ = false;
    s.code_ = code;
    s.field_ = std::move(field);
    s.message_ = std::move(message);
    return s;
  }
  static Status Invalid(std::string field, std::string message) {
    return Error(ErrorCode::kInvalidInput, std::move(field), std::move(message));
  }

  bool ok() const { return ok_; }
  ErrorCode code() const { return code_; }
  // Path of the offending field, e.g. "items[1].quantity"; empty when not about one field.
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }
  // "items[1].quantity: must be a positive integer"
  std::string ToString() const { return field_.empty() ? message_ : field_ + ": " + message_; }

  // Adds context as the error travels up: prefixes the field path.
  Status WithFieldPrefix(const std::string& prefix) const {
    Status s = *this;
    if (!ok_) s.field_ = field_.empty() ? prefix : (field_[0] == '[' ? prefix + field_ : prefix + "." + field_);
    return s;
  }

 private:
  bool ok_ = true;
  ErrorCode code_ = ErrorCode::kInternal;
  std::string field_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}   // NOLINT: implicit by design
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

inline const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return "invalid_input";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kDataError: return "data_error";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace exportctl

#define EXPORTCTL_RETURN_IF_ERROR(expr)        \
  do {                                         \
    ::exportctl::Status _st = (expr);          \
    if (!_st.ok()) return _st;                 \
  } while (0)

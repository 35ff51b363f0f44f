// Status and Result<T>: expected errors as values across module boundaries.
//
//   Result<int> parse(std::string_view s);
//   auto r = parse("12");
//   if (!r.ok()) return r.status();   // or SHAPESIM_RETURN_IF_ERROR(...)
//   use(*r);
//
// Both types are [[nodiscard]]: an ignored error is a compile warning (an error in CI).
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "reference/common/assert.h"

namespace shapesim {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed (maps to HTTP 400)
  kNotFound,            // a named thing does not exist (404)
  kAlreadyExists,       // a unique thing exists already (409/400)
  kFailedPrecondition,  // valid input, wrong state (e.g. update of a missing row)
  kUnavailable,         // try again later (503)
  kInternal,            // a bug or a storage failure (500)
};

const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
inline Status failed_precondition(std::string m) { return {ErrorCode::kFailedPrecondition, std::move(m)}; }
inline Status unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Status internal_error(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

// Holds a T or a non-ok Status. Accessing the value of an error is a bug (asserted).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(implicit)
  Result(Status status) : v_(std::move(status)) { SHAPESIM_ASSERT(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { SHAPESIM_ASSERT(ok()); return std::get<T>(v_); }
  const T& value() const& { SHAPESIM_ASSERT(ok()); return std::get<T>(v_); }
  T&& value() && { SHAPESIM_ASSERT(ok()); return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace shapesim

#define SHAPESIM_CONCAT_INNER(a, b) a##b
#define SHAPESIM_CONCAT(a, b) SHAPESIM_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` (a Status) is not ok.
#define SHAPESIM_RETURN_IF_ERROR(expr)                 \
  do {                                                 \
    ::shapesim::Status shapesim_status_ = (expr);      \
    if (!shapesim_status_.ok()) return shapesim_status_; \
  } while (0)

// Declares `lhs` from a Result, or returns its Status from the enclosing function.
#define SHAPESIM_ASSIGN_OR_RETURN(lhs, expr)                                   \
  auto SHAPESIM_CONCAT(shapesim_result_, __LINE__) = (expr);                   \
  if (!SHAPESIM_CONCAT(shapesim_result_, __LINE__).ok())                       \
    return SHAPESIM_CONCAT(shapesim_result_, __LINE__).status();               \
  lhs = std::move(SHAPESIM_CONCAT(shapesim_result_, __LINE__)).value()

#pragma once
// Errors as values. A function that can fail returns Result<T> (or Status when there is no value);
// the error travels to the edge (cli/) where it becomes one message and an exit code.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace outcheck {

// Few, closed kinds: each maps to one exit code at the edge.
enum class ErrorKind {
  invalid_input,  // malformed project.yaml, policy, CSV given to redact, bad arguments: exit 2
  not_found,      // a named file or folder does not exist: exit 2
  io,             // reading or writing failed: exit 2
  refused,        // a workflow action is not allowed: exit 1
  unavailable,    // a remote service failed after retries; running again resumes: exit 1
};

struct Error {
  ErrorKind kind = ErrorKind::invalid_input;
  // The whole user-facing text, starting with the file (and line:column) it concerns.
  std::string message;
};

inline Error invalid_input(std::string message) { return {ErrorKind::invalid_input, std::move(message)}; }
inline Error not_found(std::string message) { return {ErrorKind::not_found, std::move(message)}; }
inline Error io_error(std::string message) { return {ErrorKind::io, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { assert(ok()); return std::get<0>(v_); }
  const T& value() const { assert(ok()); return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}
  static Status OK() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace outcheck

// Returns early with the error of a failed Status or Result expression.
#define OUTCHECK_TRY(expr)                        \
  do {                                            \
    auto outcheck_try_ = (expr);                  \
    if (!outcheck_try_.ok()) return outcheck_try_.error(); \
  } while (0)

#define OUTCHECK_CONCAT_(a, b) a##b
#define OUTCHECK_CONCAT(a, b) OUTCHECK_CONCAT_(a, b)

// Declares `decl` holding the value of a Result expression, or returns early with its error:
//   OUTCHECK_ASSIGN_OR_RETURN(auto request, load_request(db, id));
//   if (request.state == ...)
// The expression may hold commas. Expands to statements, so it stands in a block of its own.
#define OUTCHECK_ASSIGN_OR_RETURN(decl, ...) \
  OUTCHECK_ASSIGN_OR_RETURN_(OUTCHECK_CONCAT(outcheck_result_, __LINE__), decl, __VA_ARGS__)
#define OUTCHECK_ASSIGN_OR_RETURN_(result, decl, ...) \
  auto result = (__VA_ARGS__);                        \
  if (!result.ok()) return result.error();            \
  decl = std::move(result.value())

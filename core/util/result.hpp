// Error values and Result<T>: the core reports failure as data, never by printing.
// ErrorKind values are the process exit codes documented in docs/exit-codes.md.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace eductl {

enum class ErrorKind : int {
  findings = 1,      // validation errors, some packages refused
  usage = 2,         // bad command line
  bad_input = 3,     // unreadable or corrupt input file
  network = 4,       // remote side failed
  locked = 5,        // another writer holds the lock
  internal = 70,     // a bug or an environment failure (disk full, permissions)
  interrupted = 130  // SIGINT / SIGTERM
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;  // what went wrong and, where known, what to do
  std::string file;     // the file concerned, if any

  std::string describe() const { return file.empty() ? message : file + ": " + message; }
};

// How serious an exit code is when several apply in one run (docs/exit-codes.md):
// 130 > 70 > 5 > 4 > 3 > 2 > 1 > 0. Every command combines its outcomes through worst_of.
inline int exit_rank(int code) {
  switch (code) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 3: return 3;
    case 4: return 4;
    case 5: return 5;
    case 70: return 6;
    case 130: return 7;
    default: return 6;  // an unknown code is treated as internal
  }
}
inline int worst_of(int a, int b) { return exit_rank(a) >= exit_rank(b) ? a : b; }
inline int worst_of(int a, ErrorKind b) { return worst_of(a, static_cast<int>(b)); }
inline int exit_code_of(ErrorKind k) { return static_cast<int>(k); }

inline Error make_error(ErrorKind kind, std::string message, std::string file = {}) {
  return Error{kind, std::move(message), std::move(file)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::move(value)) {}
  Result(Error error) : m_v(std::move(error)) {}

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(m_v); }

 private:
  std::variant<T, Error> m_v;
};

// Result of an operation that yields nothing but may fail.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace eductl

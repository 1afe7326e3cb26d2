#include "commands/password.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "core/util/cancel.hpp"

namespace eductl {

namespace {

constexpr std::size_t k_max_password = 1024;  // minisign's limit

class Tty {
 public:
  Tty() : m_fd(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {}
  ~Tty() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Tty(const Tty&) = delete;
  Tty& operator=(const Tty&) = delete;
  bool open() const { return m_fd >= 0; }

  void say(std::string_view s) const {
    while (!s.empty()) {
      const ssize_t n = ::write(m_fd, s.data(), s.size());
      if (n <= 0) return;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // One line with echo off; the terminal's settings come back on every path, Ctrl-C included.
  Result<std::string> read_hidden(std::string_view prompt) const {
    say(prompt);
    termios saved{};
    const bool have_termios = ::tcgetattr(m_fd, &saved) == 0;
    if (have_termios) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      quiet.c_lflag |= ECHONL;
      ::tcsetattr(m_fd, TCSANOW, &quiet);
    }
    std::string line;
    Result<std::string> result = make_error(ErrorKind::internal, "");
    for (;;) {
      char c = 0;
      const ssize_t n = ::read(m_fd, &c, 1);
      if (n < 0 && errno == EINTR && !interrupted()) continue;
      if (n < 0 && errno == EINTR) {
        result = make_error(ErrorKind::interrupted, "interrupted while reading the password");
        break;
      }
      if (n <= 0 || c == '\n') {
        result = n < 0 ? Result<std::string>(make_error(ErrorKind::usage, "cannot read the password from the terminal"))
                       : Result<std::string>(line);
        break;
      }
      if (line.size() >= k_max_password) {
        result = make_error(ErrorKind::usage, "the password is longer than " + std::to_string(k_max_password) + " bytes");
        break;
      }
      line += c;
    }
    if (!line.empty()) sodium_memzero(line.data(), line.size());
    if (have_termios) ::tcsetattr(m_fd, TCSANOW, &saved);
    if (!have_termios) say("\n");
    return result;
  }

 private:
  int m_fd;
};

}  // namespace

void wipe_secret(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
}

Result<std::string> obtain_password(std::string_view prompt, Confirm confirm, std::string_view how_else) {
  if (const char* env = std::getenv(k_password_env); env && *env) {
    if (std::string_view(env).size() > k_max_password)
      return make_error(ErrorKind::usage, "EDUCTL_KEY_PASSWORD is longer than minisign's limit of 1024 bytes");
    return std::string(env);
  }
  const Tty tty;
  if (!tty.open())
    return make_error(ErrorKind::usage, "no terminal to ask for the key password: set " + std::string(k_password_env) +
                                            " in the environment (e.g. from a secret manager)" +
                                            (how_else.empty() ? "" : ", " + std::string(how_else)));
  auto first = tty.read_hidden(prompt);
  if (!first) return first;
  if (first->empty()) return make_error(ErrorKind::usage, "empty password" + (how_else.empty() ? "" : std::string("; ") + std::string(how_else)));
  if (confirm == Confirm::twice) {
    auto again = tty.read_hidden("Password (again): ");
    if (!again) return again;
    const bool same = *again == *first;
    sodium_memzero(again->data(), again->size());
    if (!same) {
      sodium_memzero(first->data(), first->size());
      return make_error(ErrorKind::usage, "the two passwords differ");
    }
  }
  return first;
}

}  // namespace eductl

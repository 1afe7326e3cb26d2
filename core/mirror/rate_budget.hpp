// One bandwidth budget shared by every transfer of a sync (--limit-rate): a token
// bucket refilled at `rate` bytes per second, holding at most a tenth of a second's
// worth, so the average over all parallel transfers stays at the rate.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace eductl::mirror {

class RateBudget {
 public:
  using Clock = std::chrono::steady_clock;
  // 0: no limit.
  explicit RateBudget(std::uint64_t rate, Clock::time_point now = Clock::now()) : m_rate(rate), m_last(now) {}

  bool limited() const { return m_rate > 0; }
  std::uint64_t rate() const { return m_rate; }
  // Adds what the time since the last refill earned, up to the burst.
  void refill(Clock::time_point now = Clock::now()) {
    if (!limited()) return;
    const double earned = std::chrono::duration<double>(now - m_last).count() * static_cast<double>(m_rate);
    m_last = now;
    m_tokens = std::min(m_tokens + earned, burst());
  }
  // True when a transfer may take more bytes now.
  bool available() const { return !limited() || m_tokens > 0; }
  // Bytes taken (the budget may go below zero: a piece is taken whole, then waited for).
  void spend(std::uint64_t bytes) {
    if (limited()) m_tokens -= static_cast<double>(bytes);
  }
  // How long until the budget is positive again (0 when it is).
  std::chrono::milliseconds wait() const {
    if (!limited() || m_tokens > 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(static_cast<long>(-m_tokens * 1000.0 / static_cast<double>(m_rate)) + 1);
  }
  // The read size that keeps one piece small against the budget (curl's buffer).
  long piece_bytes() const {
    if (!limited()) return 256L * 1024;
    return static_cast<long>(std::clamp<std::uint64_t>(m_rate / 16, 1024, 256 * 1024));
  }

 private:
  double burst() const { return std::max(static_cast<double>(m_rate) / 10.0, 1024.0); }
  std::uint64_t m_rate = 0;
  double m_tokens = 0;
  Clock::time_point m_last;
};

}  // namespace eductl::mirror

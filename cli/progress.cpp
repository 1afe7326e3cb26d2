#include "cli/progress.hpp"

#include <cstdio>

#include "core/util/text.hpp"

namespace eductl {

ProgressLine::ProgressLine(bool enabled, std::string label, std::uint64_t total_items, std::uint64_t total_bytes)
    : m_enabled(enabled), m_label(std::move(label)), m_total_items(total_items), m_total_bytes(total_bytes),
      m_start(std::chrono::steady_clock::now()) {
  if (!m_enabled) return;
  m_thread = std::thread([this] {
    std::unique_lock lock(m_mu);
    while (!m_done) {
      m_cv.wait_for(lock, std::chrono::milliseconds(250));
      if (!m_done) draw(false);
    }
  });
}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::finish() {
  if (!m_enabled) return;
  {
    std::lock_guard lock(m_mu);
    if (m_done) return;
    m_done = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

void ProgressLine::draw(bool) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  const std::uint64_t bytes = m_bytes.load(std::memory_order_relaxed);
  const double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
  std::string eta = "--";
  if (rate > 0 && m_total_bytes > bytes) {
    long s = static_cast<long>(static_cast<double>(m_total_bytes - bytes) / rate);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    eta = buf;
  }
  std::fprintf(stderr, "\r\033[K%s %llu/%llu packages  %s  %s/s  ETA %s", m_label.c_str(),
               static_cast<unsigned long long>(m_items.load()), static_cast<unsigned long long>(m_total_items),
               human_bytes(bytes).c_str(), human_bytes(static_cast<std::uint64_t>(rate)).c_str(), eta.c_str());
  std::fflush(stderr);
}

}  // namespace eductl

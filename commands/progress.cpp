#include "commands/progress.hpp"

#include <cstdio>

#include "core/util/text.hpp"

namespace eductl {

ProgressLine::ProgressLine(const Context& ctx, ProgressSpec spec)
    : m_err(ctx.err), m_enabled(ctx.progress), m_spec(std::move(spec)), m_start(std::chrono::steady_clock::now()) {
  if (!m_enabled) return;
  m_thread = std::thread([this] {
    std::unique_lock lock(m_mu);
    while (!m_done) {
      m_cv.wait_for(lock, std::chrono::milliseconds(250));
      if (!m_done) draw();
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
  *m_err << "\r\033[K" << std::flush;
}

void ProgressLine::draw() {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  const std::uint64_t bytes = m_bytes.load(std::memory_order_relaxed);
  const double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
  std::string eta = "--";
  if (rate > 0 && m_spec.total_bytes > bytes) {
    long s = static_cast<long>(static_cast<double>(m_spec.total_bytes - bytes) / rate);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    eta = buf;
  }
  *m_err << "\r\033[K" << m_spec.label << ' ' << m_items.load() << '/' << m_spec.total_items << ' ' << m_spec.unit << "  "
         << human_bytes(bytes) << "  " << human_bytes(static_cast<std::uint64_t>(rate)) << "/s  ETA " << eta
         << std::flush;
}

}  // namespace eductl

// A progress line on stderr (packages, bytes, rate, ETA), redrawn a few times a second
// from its own thread; does nothing unless enabled (stderr is a TTY and not --quiet).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace eductl {

class ProgressLine {
 public:
  ProgressLine(bool enabled, std::string label, std::uint64_t total_items, std::uint64_t total_bytes);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void add_bytes(std::uint64_t n) { m_bytes.fetch_add(n, std::memory_order_relaxed); }
  void item_done() { m_items.fetch_add(1, std::memory_order_relaxed); }
  // Clears the line (before printing results, and at the end).
  void finish();

 private:
  void draw(bool final);
  bool m_enabled;
  std::string m_label;
  std::uint64_t m_total_items;
  std::uint64_t m_total_bytes;
  std::atomic<std::uint64_t> m_bytes{0};
  std::atomic<std::uint64_t> m_items{0};
  std::chrono::steady_clock::time_point m_start;
  std::mutex m_mu;
  std::condition_variable m_cv;
  bool m_done = false;
  std::thread m_thread;
};

}  // namespace eductl

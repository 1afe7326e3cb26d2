// A progress line on the context's error stream (items of a named unit, bytes, rate,
// ETA), redrawn a few times a second from its own thread; does nothing unless the
// context allows progress (stderr is a TTY and not --quiet).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "commands/context.hpp"

namespace eductl {

struct ProgressSpec {
  std::string label;           // what runs: "validate", "import", "verify"
  std::string unit;            // what the items are: "packages", "objects", "files", "lines"
  std::uint64_t total_items = 0;
  std::uint64_t total_bytes = 0;  // 0: unknown, no ETA
};

class ProgressLine {
 public:
  ProgressLine(const Context& ctx, ProgressSpec spec);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void add_bytes(std::uint64_t n) { m_bytes.fetch_add(n, std::memory_order_relaxed); }
  void item_done() { m_items.fetch_add(1, std::memory_order_relaxed); }
  // Clears the line (before printing results, and at the end).
  void finish();

 private:
  void draw();
  std::ostream* m_err;
  bool m_enabled;
  ProgressSpec m_spec;
  std::atomic<std::uint64_t> m_bytes{0};
  std::atomic<std::uint64_t> m_items{0};
  std::chrono::steady_clock::time_point m_start;
  std::mutex m_mu;
  std::condition_variable m_cv;
  bool m_done = false;
  std::thread m_thread;
};

}  // namespace eductl

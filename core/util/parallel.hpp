// Runs work(i) for i in [0, n) on up to `jobs` threads and hands each result to
// emit(i, result) on the calling thread in index order, as soon as it is ready. This is
// the "parallel read and hash, single ordered writer" shape validate and import share.
#pragma once
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace eductl {

template <class T, class Work, class Emit>
void parallel_ordered(std::size_t n, unsigned jobs, Work work, Emit emit) {
  if (n == 0) return;
  jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(n)));
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::size_t, T> ready;
  std::size_t next_task = 0;
  // Bounded look-ahead keeps memory flat on huge batches when emit is slow.
  const std::size_t window = static_cast<std::size_t>(jobs) * 4;
  std::size_t emitted = 0;
  bool stop = false;
  std::exception_ptr failure;
  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stop || next_task >= n || next_task < emitted + window; });
        if (stop || next_task >= n) return;
        i = next_task++;
      }
      // An exception in a worker must not terminate the process: it stops the run and
      // is rethrown on the calling thread.
      try {
        T result = work(i);
        std::lock_guard lock(mu);
        ready.emplace(i, std::move(result));
      } catch (...) {
        std::lock_guard lock(mu);
        if (!failure) failure = std::current_exception();
        stop = true;
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  try {
    while (emitted < n) {
      std::optional<T> item;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return ready.count(emitted) > 0 || failure; });
        if (failure) std::rethrow_exception(failure);
        auto node = ready.extract(emitted);
        item.emplace(std::move(node.mapped()));
      }
      emit(emitted, std::move(*item));
      {
        std::lock_guard lock(mu);
        ++emitted;
      }
      cv.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    cv.notify_all();
    for (auto& t : threads) t.join();
    throw;
  }
  for (auto& t : threads) t.join();
}

}  // namespace eductl

// Worker processes for campaigns (check --jobs): each runs a list of items (case numbers) in a
// forked child, reports through a pipe, and keeps a window in shared memory saying which item
// it is on, since when, and a record of that item (what the parent needs to write a finding if
// the child dies: a scenario and the decisions so far). A child that crashes, or spends longer
// than the timeout on one item (while shrinking too), is replaced by a new one on the items
// after it, and the parent is told so with the item's record. Workers die with the parent
// (PR_SET_PDEATHSIG), whatever kills it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace h2sim::live {

// The window a worker shares with the parent. `record` is the worker's to fill; the parent reads
// it only once the worker is dead (or killed), so the worker needs no locking beyond the sizes.
struct WorkerSlot {
  std::atomic<int64_t> item{-1};        // the item running now, or -1
  // When it last moved on (live::monotonic_ns): started, began an item or finished one. A
  // worker that does not move on within the timeout is hung, on an item or between two (stopped
  // with SIGSTOP, say), so that no worker can keep the pool waiting for ever.
  std::atomic<int64_t> started_ns{0};
  std::atomic<uint64_t> finished{0};    // items finished since the worker started
  std::atomic<uint32_t> record_bytes{0};
  static constexpr uint32_t record_max = 1u << 20;
  char record[record_max];

  // Marks `item` as the one running now and clears the record.
  void begin(int64_t item_now);
  // Marks the item finished.
  void end();
  // Replaces the record (truncated at record_max).
  void set_record(std::string_view bytes);
  // Adds to the record (what does not fit is dropped).
  void append_record(std::string_view bytes);
  std::string_view record_view() const { return {record, record_bytes.load()}; }
};

// What a worker sends the parent: typed messages, framed "<TYPE> <length>\n<payload>".
class WorkerChannel {
 public:
  explicit WorkerChannel(int fd) : fd_(fd) {}
  // False if the parent is gone (the worker should stop).
  bool send(std::string_view type, std::string_view payload);

 private:
  int fd_;
};

// What happened in the pool since the last poll.
struct WorkerEvent {
  enum class Kind : uint8_t { message, died, hung };
  Kind kind = Kind::message;
  uint32_t worker = 0;
  std::string type;     // message: its type
  std::string payload;  // message: its payload
  int64_t item = -1;    // died/hung: the item it was on (-1: between items)
  std::string record;   // died/hung: that item's record
  std::string what;     // died/hung: "crashed with signal 6", "hang: no answer within 10 s"
  uint64_t finished = 0;  // died/hung: items it had finished since it (re)started
};

// A counter in memory that forked workers share: each takes the next item left (take), so a
// worker that finishes a small item starts another rather than idle while a large share keeps the
// other busy. Made before the pool starts its workers.
class SharedCounter {
 public:
  SharedCounter();
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;
  bool ok() const { return next_ != nullptr; }  // false if the memory could not be mapped
  uint64_t take() { return next_->fetch_add(1); }

 private:
  std::atomic<uint64_t>* next_ = nullptr;
};

class WorkerPool {
 public:
  // Runs in the child: the items to do, its slot, its channel. When it returns the child exits 0.
  using Body = std::function<void(std::span<const uint64_t> items, WorkerSlot& slot, WorkerChannel& channel)>;

  WorkerPool();
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts one worker per list of items. False (and why) if shared memory, a pipe or a fork
  // fails; nothing is left running then.
  bool start(std::vector<std::vector<uint64_t>> items, Body body, std::string* error);
  // Starts `workers` workers that take their items from a SharedCounter rather than from a list
  // (their bodies ignore the items they are given). For pools that are not restarted.
  bool start_takers(uint32_t workers, Body body, std::string* error);
  // Waits up to `wait_ms` for something to happen. A worker whose item has run longer than
  // `item_timeout_s`, or that has not begun its next item within it, is killed (a hung event, on
  // its item or on none); a dead worker is restarted on the items after the
  // one it died on unless `restart` is false. False with `error` if a restart fails.
  bool poll(int wait_ms, double item_timeout_s, bool restart, std::vector<WorkerEvent>* events, std::string* error);
  bool running() const;
  // Polls until every worker has exited, handing each poll's events to `take`; once h2sim is
  // interrupted or `stop()` says so, asks the workers to stop after their item (interrupt). For
  // pools whose items have no time bound and whose dead workers are not restarted (explore's
  // subtrees, matrix cells). False, with `error`, if polling failed.
  bool run_to_end(const std::function<bool()>& stop, const std::function<void(const std::vector<WorkerEvent>&)>& take,
                  std::string* error);
  // Items finished by every worker there has been, the dead ones' included.
  uint64_t finished() const;
  // Asks every worker to stop after its current item (SIGINT); poll() then collects what they
  // report as they exit.
  void interrupt();
  // Kills the workers still running, after asking them (SIGINT) and waiting `grace_ms`.
  void stop(int grace_ms);

 private:
  struct Worker;
  bool launch(Worker& w, std::string* error);
  [[noreturn]] void run_child(Worker& w, const int fds[2]);
  void drain(Worker& w, std::vector<WorkerEvent>* events);
  void reap(Worker& w, int status, bool hung, double item_timeout_s, std::vector<WorkerEvent>* events);

  Body body_;
  std::vector<Worker> workers_;
  uint64_t finished_by_the_dead_ = 0;
};

}  // namespace h2sim::live

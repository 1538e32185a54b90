#include "live/net/workers.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "live/net/clock.h"
#include "live/net/interrupt.h"

namespace h2sim::live {

namespace {

// run_to_end: how often it looks at the workers, and the per-item bound it has none of.
constexpr int poll_interval_ms = 50;
constexpr double no_item_timeout_s = 1e9;

}  // namespace

void WorkerSlot::begin(int64_t item_now) {
  record_bytes.store(0);
  started_ns.store(monotonic_ns());
  item.store(item_now);
}

void WorkerSlot::end() {
  started_ns.store(monotonic_ns());
  item.store(-1);
  finished.fetch_add(1);
}

void WorkerSlot::set_record(std::string_view bytes) {
  uint32_t n = static_cast<uint32_t>(std::min<size_t>(bytes.size(), record_max));
  record_bytes.store(0);
  std::memcpy(record, bytes.data(), n);
  record_bytes.store(n);
}

void WorkerSlot::append_record(std::string_view bytes) {
  uint32_t at = record_bytes.load();
  uint32_t n = static_cast<uint32_t>(std::min<size_t>(bytes.size(), record_max - at));
  std::memcpy(record + at, bytes.data(), n);
  record_bytes.store(at + n);
}

SharedCounter::SharedCounter() {
  void* p = mmap(nullptr, sizeof(std::atomic<uint64_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p != MAP_FAILED) next_ = new (p) std::atomic<uint64_t>(0);
}

SharedCounter::~SharedCounter() {
  if (next_ != nullptr) munmap(next_, sizeof(std::atomic<uint64_t>));
}

bool WorkerChannel::send(std::string_view type, std::string_view payload) {
  std::string frame = std::string(type) + " " + std::to_string(payload.size()) + "\n";
  frame.append(payload);
  size_t at = 0;
  while (at < frame.size()) {
    ssize_t n = ::write(fd_, frame.data() + at, frame.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

struct WorkerPool::Worker {
  uint32_t index = 0;
  pid_t pid = -1;
  int fd = -1;
  WorkerSlot* slot = nullptr;
  std::vector<uint64_t> items;  // what it was given when it (re)started
  std::string inbox;
};

WorkerPool::WorkerPool() = default;

WorkerPool::~WorkerPool() {
  stop(0);
  for (Worker& w : workers_) {
    if (w.slot) munmap(w.slot, sizeof(WorkerSlot));
  }
}

bool WorkerPool::start(std::vector<std::vector<uint64_t>> items, Body body, std::string* error) {
  body_ = std::move(body);
  workers_.resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    Worker& w = workers_[i];
    w.index = static_cast<uint32_t>(i);
    w.items = std::move(items[i]);
    void* mem = mmap(nullptr, sizeof(WorkerSlot), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
      *error = std::string("cannot map a worker's shared memory: ") + std::strerror(errno);
      stop(0);
      return false;
    }
    w.slot = new (mem) WorkerSlot;
    if (!launch(w, error)) {
      stop(0);
      return false;
    }
  }
  return true;
}

bool WorkerPool::start_takers(uint32_t workers, Body body, std::string* error) {
  return start(std::vector<std::vector<uint64_t>>(workers, std::vector<uint64_t>{0}), std::move(body), error);
}

bool WorkerPool::launch(Worker& w, std::string* error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = std::string("cannot make a pipe for a worker: ") + std::strerror(errno);
    return false;
  }
  w.slot->item.store(-1);
  w.slot->started_ns.store(monotonic_ns());
  w.slot->finished.store(0);
  w.inbox.clear();
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("cannot fork a worker: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    // A worker dies with h2sim, however h2sim ends (a second Ctrl-C, SIGKILL): the kernel kills it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);  // h2sim ended before the line above
    run_child(w, fds);
  }
  close(fds[1]);
  if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
    *error = std::string("cannot make a worker's pipe non-blocking: ") + std::strerror(errno);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(fds[0]);
    return false;
  }
  w.pid = pid;
  w.fd = fds[0];
  return true;
}

// The child's whole life: it never returns into the parent's code, whatever the body does (an
// exception that escaped would otherwise make it a second parent running the campaign loop).
[[noreturn]] void WorkerPool::run_child(Worker& w, const int fds[2]) {
  close(fds[0]);
  install_interrupt_handler();
  WorkerChannel channel(fds[1]);
  try {
    body_(w.items, *w.slot, channel);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "h2sim: a worker stopped: %s\n", e.what());
    _exit(3);
  } catch (...) {
    _exit(3);
  }
  close(fds[1]);
  _exit(0);
}

// Reads whatever the worker wrote without blocking, and turns complete frames into events.
void WorkerPool::drain(Worker& w, std::vector<WorkerEvent>* events) {
  char buf[65536];
  for (ssize_t n; (n = read(w.fd, buf, sizeof buf)) > 0;) w.inbox.append(buf, static_cast<size_t>(n));
  for (;;) {
    size_t nl = w.inbox.find('\n');
    if (nl == std::string::npos) return;
    size_t space = w.inbox.find(' ');
    if (space == std::string::npos || space > nl) return;  // malformed: a worker of ours never sends it
    size_t length = std::strtoull(w.inbox.c_str() + space + 1, nullptr, 10);
    if (w.inbox.size() < nl + 1 + length) return;
    WorkerEvent e;
    e.worker = w.index;
    e.type = w.inbox.substr(0, space);
    e.payload = w.inbox.substr(nl + 1, length);
    w.inbox.erase(0, nl + 1 + length);
    events->push_back(std::move(e));
  }
}

// The worker is gone (exited, or killed as hung): what was left in its pipe, and an event if it
// died on an item.
void WorkerPool::reap(Worker& w, int status, bool hung, double item_timeout_s, std::vector<WorkerEvent>* events) {
  drain(w, events);
  close(w.fd);
  w.fd = -1;
  w.pid = -1;
  bool clean = !hung && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  int64_t item = w.slot->item.load();
  uint64_t finished = w.slot->finished.load();
  finished_by_the_dead_ += finished;
  w.slot->finished.store(0);
  if (clean) {
    w.items.clear();  // it returned: done, or told to stop (a failure, an interrupt)
    return;
  }
  WorkerEvent e;
  e.kind = hung ? WorkerEvent::Kind::hung : WorkerEvent::Kind::died;
  e.worker = w.index;
  e.item = item;
  e.record = std::string(w.slot->record_view());
  e.finished = finished;
  char what[96];
  if (hung) {
    std::snprintf(what, sizeof what, "hang: no answer within %.0f s", item_timeout_s);
  } else if (WIFSIGNALED(status)) {
    std::snprintf(what, sizeof what, "crashed with signal %d", WTERMSIG(status));
  } else {
    std::snprintf(what, sizeof what, "exited with status %d", WEXITSTATUS(status));
  }
  e.what = what;
  events->push_back(std::move(e));
  // The items after the one it died on are still to do.
  auto next = std::find(w.items.begin(), w.items.end(), static_cast<uint64_t>(std::max<int64_t>(item, 0)));
  if (item < 0 || next == w.items.end()) {
    w.items.erase(w.items.begin(), w.items.begin() + static_cast<ptrdiff_t>(std::min<size_t>(finished, w.items.size())));
  } else {
    w.items.erase(w.items.begin(), next + 1);
  }
}

bool WorkerPool::poll(int wait_ms, double item_timeout_s, bool restart, std::vector<WorkerEvent>* events,
                      std::string* error) {
  std::vector<pollfd> fds;
  for (const Worker& w : workers_) {
    if (w.pid > 0) fds.push_back({w.fd, POLLIN, 0});
  }
  if (!fds.empty() && ::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) {
    *error = std::string("cannot wait for the workers: ") + std::strerror(errno);
    return false;
  }
  for (Worker& w : workers_) {
    if (w.pid <= 0) continue;
    drain(w, events);
    int status = 0;
    pid_t done = waitpid(w.pid, &status, WNOHANG);
    bool hung = done == 0 && (monotonic_ns() - w.slot->started_ns.load()) / 1e9 > item_timeout_s;
    if (hung) {
      kill(w.pid, SIGKILL);
      waitpid(w.pid, &status, 0);
      done = w.pid;
    }
    if (done != w.pid) continue;
    reap(w, status, hung, item_timeout_s, events);
    if (restart && !w.items.empty() && !interrupted() && !launch(w, error)) return false;
  }
  return true;
}

bool WorkerPool::run_to_end(const std::function<bool()>& stop,
                            const std::function<void(const std::vector<WorkerEvent>&)>& take, std::string* error) {
  bool asked = false;
  while (running()) {
    if (!asked && (interrupted() || stop())) {
      interrupt();  // each stops at its next check and sends what it has
      asked = true;
    }
    std::vector<WorkerEvent> events;
    if (!poll(poll_interval_ms, no_item_timeout_s, false, &events, error)) return false;
    take(events);
  }
  return true;
}

bool WorkerPool::running() const {
  return std::any_of(workers_.begin(), workers_.end(), [](const Worker& w) { return w.pid > 0; });
}

uint64_t WorkerPool::finished() const {
  uint64_t n = finished_by_the_dead_;
  for (const Worker& w : workers_) n += w.pid > 0 ? w.slot->finished.load() : 0;
  return n;
}

void WorkerPool::interrupt() {
  for (Worker& w : workers_) {
    if (w.pid > 0) kill(w.pid, SIGINT);
  }
}

void WorkerPool::stop(int grace_ms) {
  for (Worker& w : workers_) {
    if (w.pid > 0) kill(w.pid, grace_ms > 0 ? SIGINT : SIGKILL);
  }
  for (int waited = 0; running() && waited <= grace_ms; waited += 10) {
    for (Worker& w : workers_) {
      int status = 0;
      if (w.pid > 0 && waitpid(w.pid, &status, WNOHANG) == w.pid) {
        close(w.fd);
        w.fd = -1;
        w.pid = -1;
      }
    }
    if (running()) usleep(10000);
  }
  for (Worker& w : workers_) {
    if (w.pid <= 0) continue;
    kill(w.pid, SIGKILL);
    waitpid(w.pid, nullptr, 0);
    close(w.fd);
    w.fd = -1;
    w.pid = -1;
  }
}

}  // namespace h2sim::live

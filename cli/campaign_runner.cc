#include "cli/campaign_runner.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

#include "cli/output.h"
#include "model/scenario/scenario_io.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string file_stem(std::string_view invariant) {
  std::string out;
  for (char c : invariant) out += (c == ' ' || c == '/' || c == ':') ? '-' : c;
  return out;
}

void draw_progress(uint64_t done, uint64_t total, uint64_t runs, double seconds, size_t findings) {
  std::fprintf(stderr, "\r  cases %llu/%llu  %6.0f runs/s  findings %zu   ",
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
               seconds > 0 ? runs / seconds : 0.0, findings);
  std::fflush(stderr);
}

// Writes a finding's replay file and human report into the output directory (claimed by
// run_check). A file that cannot be written leaves write_error set and no replay path, so that
// nobody is told to replay a file that is not there.
void write_finding(const CheckOptions& o, const Scenario& scenario, const Result& result,
                   const std::vector<Verdict>& verdicts, CheckFinding* f) {
  std::string stem = o.out_dir + "/case-" + std::to_string(f->case_index) + "-" + file_stem(f->invariant);
  CaseRun run{scenario, result, verdicts};
  std::string command = "h2sim check --seed " + std::to_string(o.seed) + " --cases " +
                        std::to_string(o.cases) + " (case " + std::to_string(f->case_index) + ")";
  f->report = format_run(scenario, result, verdicts, "minimal scenario:\n" + to_text(scenario) + "\n");
  if (!write_output_file(stem + ".replay.textproto", format_replay(make_replay(run, f->invariant, command)),
                         &f->write_error)) {
    return;
  }
  f->replay_path = stem + ".replay.textproto";
  f->report += "\nreplay: h2sim replay " + f->replay_path + "\n";
  write_output_file(stem + ".txt", f->report, &f->write_error);
}

// Shrinks a failing case, checks that its decisions replay to the same digest twice, and writes
// the finding.
CheckFinding handle_failure(const CheckOptions& o, const rc::Shrinkable<CaseRun>& failing,
                            uint64_t index, std::string_view invariant, CampaignStats* stats) {
  CheckFinding f;
  f.case_index = index;
  f.kind = "invariant";
  f.invariant = std::string(invariant);
  Clock::time_point start = Clock::now();
  Shrunk shrunk = shrink(failing, invariant, o.shrink_runs_max, [&](const Shrunk& s) {
    if (o.progress) {
      std::fprintf(stderr, "\r  shrinking: %u steps, %u runs   ", s.steps, s.runs);
      std::fflush(stderr);
    }
  });
  Shrunk simpler = simplify(
      shrunk.minimal, invariant, o.factory, o.shrink_runs_max, 64,
      [&](const Shrunk& s) {
        if (o.progress) {
          std::fprintf(stderr, "\r  simplifying: %u steps, %u runs   ", s.steps, s.runs);
          std::fflush(stderr);
        }
      },
      o.gen.extra_invariants);
  stats->runs += shrunk.runs + simpler.runs;
  shrunk.steps += simpler.steps;
  shrunk.minimal = std::move(simpler.minimal);
  f.shrink_steps = shrunk.steps;
  f.shrink_seconds = seconds_since(start);
  // Every failure is run twice more from its recorded decisions: a digest that moves is a
  // determinism bug of its own.
  const CaseRun& m = shrunk.minimal;
  std::string digests[2];
  for (std::string& digest : digests) {
    sim::RecordedChoices recorded(m.result.decisions);
    try {
      digest = run_case(m.scenario, recorded, o.factory).digest;
    } catch (const sim::ChoiceError& e) {
      digest = std::string("replay failed: ") + e.what();
    }
  }
  if (digests[0] != m.result.digest || digests[1] != m.result.digest) {
    f.kind = "determinism";
    f.invariant = "determinism: the same decisions gave digests " + m.result.digest + ", " +
                  digests[0] + ", " + digests[1];
  }
  write_finding(o, m.scenario, m.result, m.verdicts, &f);
  return f;
}

// --- serial ------------------------------------------------------------------------------

CheckResult run_serial(const CheckOptions& o, const std::vector<uint64_t>& indices) {
  CheckResult out;
  Clock::time_point start = Clock::now();
  Clock::time_point drawn = start;
  uint64_t done = 0;
  for (uint64_t i : indices) {
    rc::Shrinkable<CaseRun> sh = case_shrinkable(o.gen, o.seed, i, o.factory);
    CaseRun run = sh.value();
    out.stats.add(run);
    ++done;
    std::string_view broken = run.failed_invariant();
    if (!broken.empty()) {
      CheckFinding f = handle_failure(o, sh, i, broken, &out.stats);
      f.found_after_seconds = seconds_since(start);
      out.findings.push_back(std::move(f));
      if (o.stop_at_first_failure) break;
    }
    if (o.progress && std::chrono::duration<double>(Clock::now() - drawn).count() > 0.2) {
      drawn = Clock::now();
      draw_progress(done, indices.size(), out.stats.runs, seconds_since(start), out.findings.size());
    }
  }
  out.seconds = seconds_since(start);
  if (o.progress) std::fprintf(stderr, "\r%60s\r", "");
  return out;
}

// --- worker processes ------------------------------------------------------------------------

// One worker's window into shared memory: what it is running right now, so the parent can
// write a replay file when the worker dies or hangs in the middle of a case.
struct Slot {
  std::atomic<int64_t> case_index{-1};
  std::atomic<int64_t> started_ns{0};
  std::atomic<uint64_t> done{0};
  std::atomic<uint32_t> decision_count{0};
  uint32_t scenario_bytes = 0;
  static constexpr uint32_t decisions_max = 1 << 16;
  static constexpr uint32_t scenario_max = 1 << 16;
  sim::Decision decisions[decisions_max];
  char scenario[scenario_max];
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

class SlotRecorder final : public CaseRecorder {
 public:
  explicit SlotRecorder(Slot* slot) : slot_(slot) {}
  void begin(const Scenario& scenario) override {
    std::string text = to_text(scenario);
    slot_->scenario_bytes = static_cast<uint32_t>(std::min<size_t>(text.size(), Slot::scenario_max));
    std::memcpy(slot_->scenario, text.data(), slot_->scenario_bytes);
    slot_->decision_count.store(0);
  }
  void decision(const sim::Decision& d) override {
    uint32_t n = slot_->decision_count.load();
    if (n < Slot::decisions_max) {
      slot_->decisions[n] = d;
      slot_->decision_count.store(n + 1);
    }
  }

 private:
  Slot* slot_;
};

void write_all(int fd, const std::string& bytes) {
  size_t at = 0;
  while (at < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + at, bytes.size() - at);
    if (n <= 0) return;
    at += static_cast<size_t>(n);
  }
}

// Messages from a worker: "<TYPE> <length>\n<payload>".
void send(int fd, const std::string& type, const std::string& payload) {
  write_all(fd, type + " " + std::to_string(payload.size()) + "\n" + payload);
}

[[noreturn]] void worker_main(CheckOptions o, std::vector<uint64_t> indices, Slot* slot, int fd) {
  SlotRecorder recorder(slot);
  o.gen.recorder = &recorder;
  o.progress = false;
  CampaignStats stats;
  for (uint64_t i : indices) {
    slot->case_index.store(static_cast<int64_t>(i));
    slot->started_ns.store(now_ns());
    rc::Shrinkable<CaseRun> sh = case_shrinkable(o.gen, o.seed, i, o.factory);
    CaseRun run = sh.value();
    stats.add(run);
    slot->done.fetch_add(1);
    std::string_view broken = run.failed_invariant();
    if (!broken.empty()) {
      o.gen.recorder = nullptr;  // shrinking is not watched: a crash there is the same case's
      slot->case_index.store(-1);
      CheckFinding f = handle_failure(o, sh, i, broken, &stats);
      send(fd, "STATS", stats.serialize());
      send(fd, "FIND", std::to_string(i) + "\n" + f.kind + "\n" + f.invariant + "\n" + f.replay_path +
                           "\n" + std::to_string(f.shrink_steps) + "\n" + std::to_string(f.shrink_seconds) +
                           "\n" + f.write_error + "\n" + f.report);
      stats = {};
      o.gen.recorder = &recorder;
      if (o.stop_at_first_failure) break;
    }
    if (stats.cases >= 200) {
      send(fd, "STATS", stats.serialize());
      stats = {};
    }
  }
  slot->case_index.store(-1);
  send(fd, "STATS", stats.serialize());
  close(fd);
  _exit(0);
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  Slot* slot = nullptr;
  std::vector<uint64_t> indices;  // what it was given
  std::string inbox;
  uint64_t reported_cases = 0;  // cases its STATS messages covered, since it started
  bool running = false;
};

void start_worker(const CheckOptions& o, Worker& w) {
  int fds[2];
  if (pipe(fds) != 0) return;
  w.slot->case_index.store(-1);
  w.slot->done.store(0);
  w.inbox.clear();
  w.reported_cases = 0;
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    worker_main(o, w.indices, w.slot, fds[1]);
  }
  close(fds[1]);
  w.pid = pid;
  w.fd = fds[0];
  w.running = pid > 0;
}

// A worker died or hung in the middle of a case: its slot holds the case's scenario and the
// decisions taken so far, which is a replay file.
CheckFinding finding_from_slot(const CheckOptions& o, const Worker& w, const std::string& what) {
  CheckFinding f;
  f.case_index = static_cast<uint64_t>(w.slot->case_index.load());
  f.kind = what.rfind("hang", 0) == 0 ? "hang" : "crash";
  f.invariant = what;
  Scenario scenario;
  std::string error;
  parse_scenario(std::string(w.slot->scenario, w.slot->scenario_bytes), "<worker>", builtin_catalogue(), &scenario, &error);
  std::vector<sim::Decision> decisions(w.slot->decisions,
                                       w.slot->decisions + w.slot->decision_count.load());
  std::string path = o.out_dir + "/case-" + std::to_string(f.case_index) + "-" + f.kind + ".replay.textproto";
  Replay replay;
  replay.set_format_version(replay_format_version);
  replay.set_semantics_version(replay_semantics_version);
  replay.set_build("h2sim " H2SIM_VERSION);
  *replay.mutable_scenario() = scenario;
  set_decisions(decisions, &replay);
  replay.set_invariant(what);
  replay.set_command("h2sim check --jobs (worker " + what + ")");
  f.report = "case " + std::to_string(f.case_index) + ": the worker " + what + " after " +
             std::to_string(decisions.size()) + " decisions.\nscenario:\n" + to_text(scenario);
  if (write_output_file(path, format_replay(replay), &f.write_error)) {
    f.replay_path = path;
    f.report += "replay: h2sim replay " + f.replay_path + "\n";
  }
  return f;
}

// Reads whatever the worker wrote; handles complete messages.
void drain(Worker& w, CheckResult& out, bool* stop) {
  char buf[65536];
  ssize_t n;
  while ((n = read(w.fd, buf, sizeof buf)) > 0) w.inbox.append(buf, static_cast<size_t>(n));
  for (;;) {
    size_t nl = w.inbox.find('\n');
    if (nl == std::string::npos) return;
    std::string header = w.inbox.substr(0, nl);
    size_t space = header.find(' ');
    size_t length = std::stoull(header.substr(space + 1));
    if (w.inbox.size() < nl + 1 + length) return;
    std::string type = header.substr(0, space);
    std::string payload = w.inbox.substr(nl + 1, length);
    w.inbox.erase(0, nl + 1 + length);
    if (type == "STATS") {
      CampaignStats s;
      s.deserialize(payload);
      w.reported_cases += s.cases;
      out.stats.merge(s);
    } else if (type == "FIND") {
      CheckFinding f;
      std::vector<std::string> lines;
      size_t at = 0;
      for (int k = 0; k < 7; ++k) {
        size_t e = payload.find('\n', at);
        lines.push_back(payload.substr(at, e - at));
        at = e + 1;
      }
      f.case_index = std::stoull(lines[0]);
      f.kind = lines[1];
      f.invariant = lines[2];
      f.replay_path = lines[3];
      f.shrink_steps = static_cast<uint32_t>(std::stoul(lines[4]));
      f.shrink_seconds = std::stod(lines[5]);
      f.write_error = lines[6];
      f.report = payload.substr(at);
      out.findings.push_back(std::move(f));
      *stop = true;
    }
  }
}

CheckResult run_workers(const CheckOptions& o, const std::vector<uint64_t>& indices) {
  CheckResult out;
  Clock::time_point start = Clock::now();
  uint32_t jobs = std::max<uint32_t>(1, std::min<uint64_t>(o.jobs, indices.size()));
  std::vector<Worker> workers(jobs);
  for (uint32_t j = 0; j < jobs; ++j) {
    void* mem = mmap(nullptr, sizeof(Slot), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    workers[j].slot = new (mem) Slot;
    for (size_t k = j; k < indices.size(); k += jobs) workers[j].indices.push_back(indices[k]);
    start_worker(o, workers[j]);
  }
  bool stop = false;
  uint64_t finished_cases = 0;  // of workers that were replaced
  Clock::time_point drawn = start;
  while (std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.running; })) {
    std::vector<pollfd> fds;
    for (const Worker& w : workers) {
      if (w.running) fds.push_back({w.fd, POLLIN, 0});
    }
    poll(fds.data(), fds.size(), 100);
    for (Worker& w : workers) {
      if (!w.running) continue;
      drain(w, out, &stop);
      int status = 0;
      pid_t done = waitpid(w.pid, &status, WNOHANG);
      int64_t case_now = w.slot->case_index.load();
      bool hung = done == 0 && case_now >= 0 &&
                  (now_ns() - w.slot->started_ns.load()) / 1e9 > o.case_timeout_s;
      if (hung) {
        kill(w.pid, SIGKILL);
        waitpid(w.pid, &status, 0);
        done = w.pid;
      }
      if (done != w.pid) continue;
      drain(w, out, &stop);
      close(w.fd);
      w.running = false;
      bool died = hung || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
      if (!died || case_now < 0) continue;
      std::string what = hung ? "hang: no answer within " + std::to_string(o.case_timeout_s) + " s"
                              : WIFSIGNALED(status) ? "crashed with signal " + std::to_string(WTERMSIG(status))
                                                    : "exited with status " + std::to_string(WEXITSTATUS(status));
      CheckFinding f = finding_from_slot(o, w, what);
      f.found_after_seconds = seconds_since(start);
      out.findings.push_back(std::move(f));
      // The campaign goes on: a new worker takes the cases after the one that died. The cases it
      // finished but had not reported yet count without their details, and so does this one.
      auto next = std::find(w.indices.begin(), w.indices.end(), static_cast<uint64_t>(case_now));
      uint64_t unreported = w.slot->done.load() - std::min(w.slot->done.load(), w.reported_cases) + 1;
      finished_cases += w.slot->done.load() + 1;
      out.stats.cases += unreported;
      out.stats.runs += unreported;
      w.indices.assign(next == w.indices.end() ? next : next + 1, w.indices.end());
      if (!w.indices.empty() && !stop) start_worker(o, w);
    }
    if (stop && o.stop_at_first_failure) {
      for (Worker& w : workers) {
        if (w.running) kill(w.pid, SIGTERM);
      }
    }
    if (o.progress && std::chrono::duration<double>(Clock::now() - drawn).count() > 0.2) {
      drawn = Clock::now();
      uint64_t done_now = finished_cases;
      for (const Worker& w : workers) done_now += w.running ? w.slot->done.load() : 0;
      draw_progress(std::max(done_now, out.stats.cases), indices.size(), out.stats.runs,
                    seconds_since(start), out.findings.size());
    }
  }
  for (Worker& w : workers) munmap(w.slot, sizeof(Slot));
  out.seconds = seconds_since(start);
  if (o.progress) std::fprintf(stderr, "\r%60s\r", "");
  return out;
}

}  // namespace

std::vector<uint64_t> shard_indices(uint64_t cases, uint32_t index, uint32_t count) {
  std::vector<uint64_t> out;
  for (uint64_t i = index; i < cases; i += count) out.push_back(i);
  return out;
}

CheckResult run_check(const CheckOptions& o) {
  // Claimed here, before any worker starts: workers write findings into it from their own
  // processes, and a folder claimed (emptied) later could lose what one of them wrote.
  CheckResult refused;
  if (!claim_output_folder(o.out_dir, "--out", "h2sim check --out", &refused.error)) return refused;
  std::vector<uint64_t> indices = shard_indices(o.cases, o.shard_index, o.shard_count);
  return o.jobs <= 1 ? run_serial(o, indices) : run_workers(o, indices);
}

}  // namespace h2sim::cli

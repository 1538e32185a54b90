// The command-line target: any bytes become an argument vector and a few files, and h2sim::cli_main
// runs them in a scratch folder. Commands write files, start workers and real proxies, and can be
// asked for hours of work; the harness keeps all of that inside the folder and quick, by rewriting
// the arguments before the call (never by asking h2sim to behave differently):
//   - no argument holds '/' or "..": every path the fuzzer writes names an entry of the scratch
//     folder (the working directory), or the scratch folder itself; "@NAME" is the only way to an
//     absolute path, and it leads into the scratch folder too;
//   - --proxy-plugin goes: loading a shared object is running code, not reading input;
//   - flags that scale the work (--cases, --max-executions, --repeat, --jobs, --time-limit, ...)
//     are cut to small values, and given small defaults when absent;
//   - live gets a proxy and peer binary that do not exist, and PATH names no folder, so nothing
//     real (a proxy, Graphviz's dot) is started.
// After the call: the exit code is one h2sim documents, exit 2 came with a message, no child
// process is left, and nothing was written outside the scratch folder.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <h2sim/cli.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.h"
#include "sim/assert.h"

namespace h2sim::fuzz {

namespace {

namespace fs = std::filesystem;

constexpr size_t arguments_max = 32;
constexpr size_t argument_bytes_max = 512;
constexpr size_t files_max = 4;
constexpr size_t file_name_bytes_max = 40;

struct Invocation {
  std::vector<std::string> args;                            // after the program name
  std::vector<std::pair<std::string, std::string>> files;  // name, contents
};

// A file name the fuzzer may use: letters, digits, '.', '-' and '_' only; "_" otherwise.
std::string file_name(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, file_name_bytes_max)) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += plain || c == '.' ? c : '_';
  }
  if (out.empty() || out.find("..") != std::string::npos || out == ".") return "_";
  return out;
}

// An argument kept inside the scratch folder: '/' becomes '_' and ".." becomes "._", and "@NAME"
// (alone, or as an option's inline "=@NAME") becomes the path of the scratch file NAME.
std::string contained(std::string_view arg, const std::string& scratch) {
  std::string out;
  for (size_t i = 0; i < arg.size(); ++i) {
    char c = arg[i];
    if (c == '/') c = '_';
    if (c == '.' && i + 1 < arg.size() && arg[i + 1] == '.') {
      out += "._";
      ++i;
      continue;
    }
    out += c;
  }
  size_t at = out.starts_with("@") ? 0 : out.starts_with("--") ? out.find("=@") : std::string::npos;
  if (at == std::string::npos) return out;
  if (at > 0) ++at;  // past the '='
  std::string name = out.substr(at + 1);
  return out.substr(0, at) + (name.empty() ? scratch : scratch + "/" + file_name(name));
}

// The lines of the input: arguments, then "=== NAME" file sections.
Invocation split(std::string_view bytes, const std::string& scratch) {
  Invocation in;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.starts_with("=== ")) {
      if (in.files.size() < files_max) in.files.push_back({file_name(line.substr(4)), ""});
      continue;
    }
    if (!in.files.empty()) {
      in.files.back().second.append(line).append("\n");
    } else if (in.args.size() < arguments_max) {
      in.args.push_back(contained(line.substr(0, argument_bytes_max), scratch));
    }
  }
  return in;
}

// Drops --proxy-plugin (with its value) wherever it stands.
void drop_plugins(std::vector<std::string>* args) {
  std::vector<std::string> kept;
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& a = (*args)[i];
    if (a == "--proxy-plugin") {
      ++i;
      continue;
    }
    if (!a.starts_with("--proxy-plugin=")) kept.push_back(a);
  }
  *args = std::move(kept);
}

// A flag that scales the work: its largest value here, whether 0 means "no bound", and the value
// added when the command would otherwise use a large default.
struct Bound {
  std::string_view command;  // "" for every command
  std::string_view flag;
  uint64_t max;
  bool zero_unbounded;
  std::string_view absent;  // "" for none
  std::string_view only_with = "";  // add `absent` only if this flag is given
};
constexpr Bound bounds[] = {
    {"check", "--cases", 3, false, "3"},
    {"check", "--jobs", 2, false, ""},
    {"check", "--case-timeout", 5, false, ""},
    {"matrix", "--cases", 1, false, "1"},
    {"explore", "--max-executions", 30, false, "30"},
    {"explore", "--time-limit", 5, true, "5"},
    {"live", "--cases", 1, false, "1", "--differential"},
    {"live", "--repeat", 1, false, "1"},
    {"live", "--timeout-ms", 200, false, "200"},
};

// A flag that is not a number but scales the work, and the value given when the input names none.
struct Narrowing {
  std::string_view command;
  std::string_view flag;
  std::string_view absent;
};
constexpr Narrowing narrowings[] = {
    // The whole grid (every preset x every personality) took 18 s a call under the fuzzer's
    // instrumentation once grpc-core's END_STREAM became a choice: one preset unless one is named.
    {"matrix", "--proxy", "haproxy-2.6"},
};

void cut(std::string* value, const Bound& b) {
  uint64_t n = 0;
  auto r = std::from_chars(value->data(), value->data() + value->size(), n);
  if (r.ec != std::errc() || r.ptr != value->data() + value->size()) return;  // h2sim refuses it
  if (n > b.max || (b.zero_unbounded && n == 0)) *value = std::to_string(b.max);
}

bool given(const std::vector<std::string>& args, std::string_view flag) {
  for (const std::string& a : args) {
    if (a == flag || (a.starts_with(flag) && a.size() > flag.size() && a[flag.size()] == '=')) return true;
  }
  return false;
}

void bound_work(std::vector<std::string>* args) {
  if (args->empty()) return;
  std::string command = (*args)[0];
  for (const Bound& b : bounds) {
    if (b.command != command) continue;
    for (size_t i = 1; i < args->size(); ++i) {
      std::string& a = (*args)[i];
      if (a == b.flag && i + 1 < args->size()) cut(&(*args)[i + 1], b);
      if (a.starts_with(std::string(b.flag) + "=")) {
        std::string value = a.substr(b.flag.size() + 1);
        cut(&value, b);
        a = std::string(b.flag) + "=" + value;
      }
    }
    if (!b.absent.empty() && !given(*args, b.flag) && (b.only_with.empty() || given(*args, b.only_with))) {
      args->push_back(std::string(b.flag));
      args->push_back(std::string(b.absent));
    }
  }
  for (const Narrowing& n : narrowings) {
    if (n.command != command || given(*args, n.flag)) continue;
    args->push_back(std::string(n.flag));
    args->push_back(std::string(n.absent));
  }
  if (command != "live") return;
  for (const char* flag : {"--binary", "--peer-binary"}) {
    if (!given(*args, flag)) args->insert(args->end(), {flag, "absent-program"});
  }
}

// The scratch folder, two levels inside a root of this process's own (H2SIM_FUZZ_SCRATCH, or one
// under the temporary folder), so that even a path naming the folder above the scratch folder
// would stay in the root. The root is emptied before each call and removed at exit; it holds
// the last call's standard error, where a crash's messages are.
fs::path scratch_root() {
  const char* given = std::getenv("H2SIM_FUZZ_SCRATCH");
  if (given != nullptr && *given != '\0') return given;
  return fs::temp_directory_path() / ("h2sim-fuzz-cli-" + std::to_string(getpid()));
}
struct Scratch {
  fs::path root = scratch_root();
  fs::path dir = root / "outer" / "scratch";
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};
Scratch& scratch() {
  static Scratch s;
  return s;
}

Invocation prepare(std::string_view bytes) {
  Invocation in = split(bytes, scratch().dir.string());
  drop_plugins(&in.args);
  bound_work(&in.args);
  return in;
}

// For the length of one call: standard output to /dev/null, standard error to a file (read after
// the call; a crash's own message is there too), the scratch folder as the working directory and
// as TMPDIR's parent, and an environment that names no plug-in, campaign parameters or programs.
class Surroundings {
 public:
  explicit Surroundings(const Scratch& s) {
    std::fflush(stdout);
    std::fflush(stderr);
    saved_out_ = fcntl(1, F_DUPFD_CLOEXEC, 3);
    saved_err_ = fcntl(2, F_DUPFD_CLOEXEC, 3);
    H2SIM_ASSERT(saved_out_ >= 0 && saved_err_ >= 0);
    redirect(1, "/dev/null");
    redirect(2, (s.root / "stderr.txt").c_str());
    saved_cwd_ = fs::current_path();
    fs::current_path(s.dir);
    const char* path = std::getenv("PATH");
    saved_path_ = path ? path : "";
    setenv("PATH", "/nonexistent", 1);
    setenv("TMPDIR", (s.root / "tmp").c_str(), 1);
    for (const char* name : {"H2SIM_PLUGINS", "RC_PARAMS", "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"}) unsetenv(name);
  }
  ~Surroundings() {
    std::fflush(stdout);
    std::fflush(stderr);
    dup2(saved_out_, 1);
    dup2(saved_err_, 2);
    close(saved_out_);
    close(saved_err_);
    std::clearerr(stdout);
    std::clearerr(stderr);
    fs::current_path(saved_cwd_);
    setenv("PATH", saved_path_.c_str(), 1);
    unsetenv("TMPDIR");
  }
  Surroundings(const Surroundings&) = delete;
  Surroundings& operator=(const Surroundings&) = delete;

 private:
  static void redirect(int fd, const char* path) {
    int to = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    H2SIM_ASSERT(to >= 0 && dup2(to, fd) == fd);
    close(to);
    std::clearerr(fd == 1 ? stdout : stderr);
  }
  int saved_out_ = -1;
  int saved_err_ = -1;
  fs::path saved_cwd_;
  std::string saved_path_;
};

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The names directly in `dir`, sorted.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// This process's children, running or zombies, as "pid (name)": from /proc, since waitpid would
// reap them, and libFuzzer keeps a child of its own (llvm-symbolizer) between inputs.
std::set<std::string> children() {
  std::set<std::string> out;
  std::string self = std::to_string(getpid());
  for (const std::string& pid : entries("/proc")) {
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_all("/proc/" + pid + "/stat");
    size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos) continue;
    std::istringstream fields(stat.substr(name_end + 1));
    std::string state, parent;
    if (fields >> state >> parent && parent == self) out.insert(stat.substr(0, name_end + 1));
  }
  return out;
}

// What must hold after any command line.
void check_after(int code, const Scratch& s, const std::set<std::string>& children_before) {
  H2SIM_ASSERT(code == 0 || code == 1 || code == 2 || code == 3);
  if (code == 2) H2SIM_ASSERT(read_all(s.root / "stderr.txt").find("error") != std::string::npos ||
                              read_all(s.root / "stderr.txt").find("usage") != std::string::npos);
  for (const std::string& child : children()) {
    if (children_before.count(child) == 0) {
      std::fprintf(stderr, "a child process was left: %s\n", child.c_str());
      std::abort();
    }
  }
  H2SIM_ASSERT(entries(s.root) == (std::vector<std::string>{"outer", "stderr.txt", "tmp"}));
  H2SIM_ASSERT(entries(s.root / "outer") == std::vector<std::string>{"scratch"});
  H2SIM_ASSERT(entries(s.root / "tmp").empty());  // no temporary file or folder left behind
}

}  // namespace

void cli_target(std::string_view bytes) {
  static const ProxyRegistry proxies = builtin_proxies();
  Scratch& s = scratch();
  Invocation in = prepare(bytes);
  std::error_code ec;
  fs::remove_all(s.root, ec);
  fs::create_directories(s.dir);
  fs::create_directories(s.root / "tmp");
  for (const auto& [name, contents] : in.files) std::ofstream(s.dir / name, std::ios::binary) << contents;
  std::string program = "h2sim";
  std::vector<char*> argv{program.data()};
  for (std::string& a : in.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::set<std::string> children_before = children();
  int code = 2;
  {
    Surroundings around(s);
    code = cli_main(static_cast<int>(argv.size() - 1), argv.data(), proxies);
  }
  check_after(code, s, children_before);
}

std::string cli_arguments(std::string_view bytes) {
  std::string out;
  for (const std::string& a : prepare(bytes).args) {
    std::string shown = a;
    std::string dir = scratch().dir.string();
    for (size_t at; (at = shown.find(dir)) != std::string::npos;) shown.replace(at, dir.size(), "@");
    out += (out.empty() ? "" : " ") + shown;
  }
  return out;
}

}  // namespace h2sim::fuzz

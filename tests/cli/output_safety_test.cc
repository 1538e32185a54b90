// Where h2sim writes (cli/output.h): every command's output paths against every kind of thing
// that can already stand there. A folder of someone else's files, '.', a regular file, a device,
// a fifo, or a path under a file is refused with exit 2 and one line naming the path, and nothing
// in the scratch folder changes; a new path, an empty folder or an earlier h2sim output is
// written. Then: standard output that cannot be written, folders that cannot be read, and
// explore's one file per outcome.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using h2sim::testing::file_text;

using Output = h2sim::testing::CommandOutput;

std::string source(const std::string& name) { return std::string(H2SIM_SOURCE_DIR) + "/scenarios/" + name; }

void write(const fs::path& path, const std::string& contents) { std::ofstream(path, std::ios::binary) << contents; }

// Everything under `dir`, links not followed: each entry's type, and a regular file's bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    fs::file_status s = it->symlink_status();
    std::string entry = std::to_string(static_cast<int>(s.type()));
    if (s.type() == fs::file_type::regular) entry += ":" + file_text(it->path());
    out[fs::relative(it->path(), dir).string()] = entry;
  }
  return out;
}

// What a command writes at the path under test: a folder (--out, --report) or a file.
enum class Writes { folder, file };

struct CommandRow {
  std::string name;    // for the test's name
  std::string option;  // the flag that takes the path
  std::string args;    // "{}": the path under test; "{case}": the row's scratch folder
  Writes writes;
};

// What stands at the path before the command runs.
enum class Kind { foreign, dot, regular_file, dev_null, dev_full, fifo, under_file, missing_parent, earlier_output,
                  empty_folder };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::foreign: return "ForeignFolder";
    case Kind::dot: return "DotInAForeignFolder";
    case Kind::regular_file: return "RegularFile";
    case Kind::dev_null: return "DevNull";
    case Kind::dev_full: return "DevFull";
    case Kind::fifo: return "Fifo";
    case Kind::under_file: return "PathUnderAFile";
    case Kind::missing_parent: return "MissingParent";
    case Kind::earlier_output: return "EarlierH2simOutput";
    case Kind::empty_folder: return "EmptyFolder";
  }
  return "?";
}

// Which kinds a command may write over: folders are made with their parents, files need their
// folder; a folder is never replaced by a file nor a file by a folder.
bool allowed(Kind k, Writes w) {
  if (k == Kind::earlier_output) return true;
  if (w == Writes::folder) return k == Kind::missing_parent || k == Kind::empty_folder;
  return k == Kind::regular_file;
}

const std::vector<CommandRow>& commands() {
  static const std::string scenario = source("founding-case.textproto");
  static const std::vector<CommandRow> rows = {
      {"RunReport", "--report", "run " + scenario + " --plain --quiet --report {}", Writes::folder},
      {"RunSaveChoices", "--save-choices", "run " + scenario + " --plain --quiet --save-choices {}", Writes::file},
      {"ReplayReport", "--report", "replay {replay} --quiet --report {}", Writes::folder},
      {"ExploreOut", "--out", "explore " + scenario + " --out {}", Writes::folder},
      {"ExploreReport", "--report", "explore " + scenario + " --out {case}/explore-out --report {}", Writes::folder},
      {"ReportOut", "--out", "report " + scenario + " --plain --out {}", Writes::folder},
      {"CheckOut", "--out", "check --proxy haproxy-2.6 --client grpc-core --cases 20 --out {}", Writes::folder},
      {"CheckReport", "--report",
       "check --proxy haproxy-2.6 --client grpc-core --cases 20 --out {case}/check-out --report {}", Writes::folder},
      {"MatrixOut", "--out", "matrix --proxy haproxy-2.6 --client grpc-core --cases 20 --out {}", Writes::folder},
      {"LiveDifferentialOut", "--out", "live --differential --proxy haproxy --binary /nonexistent --cases 1 --out {}",
       Writes::folder},
  };
  return rows;
}

class OutputPath : public ::testing::TestWithParam<Kind> {
 public:
  // ctest runs each test in its own process, in parallel: one folder per process.
  static void SetUpTestSuite() {
    base_ = fs::temp_directory_path() / ("h2sim-output-safety-" + std::to_string(getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_);
  }
  static void TearDownTestSuite() { fs::remove_all(base_); }

 protected:
  // A replay file for replay's rows, from a campaign of the row's own (only those rows pay for it).
  static void make_replay() {
    Output o = h2sim::testing::run_h2sim("check --proxy haproxy-2.6 --client grpc-core --cases 20 --out " +
                                         (base_ / "campaign").string());
    ASSERT_EQ(o.code, 1) << o.text;
    for (const auto& entry : fs::directory_iterator(base_ / "campaign")) {
      if (entry.path().string().ends_with(".replay.textproto")) replay_ = entry.path().string();
    }
    ASSERT_FALSE(replay_.empty());
  }

  // The row's scratch folder and the path under test in it; `cwd` is where the command runs.
  void prepare(Kind kind, const CommandRow& c, fs::path* path, fs::path* cwd) {
    scratch_ = base_ / c.name;
    fs::create_directories(scratch_);
    *cwd = scratch_;
    fs::create_directories(scratch_ / "foreign" / "sub");
    write(scratch_ / "foreign" / "notes.txt", "a user's notes\n");
    write(scratch_ / "foreign" / "sub" / "deep.bin", std::string("\0\1\2 binary", 10));
    write(scratch_ / "file.txt", "a user's file\n");
    switch (kind) {
      case Kind::foreign: *path = scratch_ / "foreign"; break;
      case Kind::dot:
        *path = ".";
        *cwd = scratch_ / "foreign";
        break;
      case Kind::regular_file: *path = scratch_ / "file.txt"; break;
      case Kind::dev_null: *path = "/dev/null"; break;
      case Kind::dev_full: *path = "/dev/full"; break;
      case Kind::fifo:
        *path = scratch_ / "fifo";
        ASSERT_EQ(mkfifo(path->c_str(), 0644), 0);
        break;
      case Kind::under_file: *path = scratch_ / "file.txt" / "sub"; break;
      case Kind::missing_parent: *path = scratch_ / "missing" / "deeper" / "out"; break;
      case Kind::earlier_output: *path = scratch_ / "earlier"; break;
      case Kind::empty_folder:
        *path = scratch_ / "empty";
        fs::create_directories(*path);
        break;
    }
  }

  Output run(const CommandRow& c, const fs::path& path, const fs::path& cwd) {
    std::string args = c.args;
    auto substitute = [&](const std::string& from, const std::string& to) {
      for (size_t at; (at = args.find(from)) != std::string::npos;) args.replace(at, from.size(), to);
    };
    substitute("{case}", scratch_.string());
    substitute("{replay}", replay_);
    substitute("{}", path.string());
    // Without Graphviz on the PATH: drawing is not what these rows test, and it was most of their time.
    return h2sim::testing::run_command("cd " + cwd.string() + " && PATH=/nonexistent " + H2SIM_BINARY + " " + args);
  }

  void check_row(Kind kind, const CommandRow& c);

  static fs::path base_;
  static std::string replay_;
  fs::path scratch_;
};
fs::path OutputPath::base_;
std::string OutputPath::replay_;

// No file h2sim writes through a temporary name is left behind, and none but the manifest
// carries h2sim's temporary marker.
void expect_no_temporaries(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    EXPECT_TRUE(name == ".h2sim-output" || name.find(".h2sim-") == std::string::npos) << it->path();
  }
}

// One row: the command run at the path `kind` prepares, and what must hold afterwards.
void OutputPath::check_row(Kind kind, const CommandRow& c) {
  fs::path path, cwd;
  ASSERT_NO_FATAL_FAILURE(prepare(kind, c, &path, &cwd));
  if (c.args.find("{replay}") != std::string::npos) {
    ASSERT_NO_FATAL_FAILURE(make_replay());
  }
  if (kind == Kind::earlier_output) {
    Output first = run(c, path, cwd);
    ASSERT_TRUE(first.code == 0 || first.code == 1) << first.text;
    if (c.writes == Writes::folder) write(path / "stale.txt", "from the earlier run\n");
  }
  std::map<std::string, std::string> before = snapshot(scratch_);
  Output o = run(c, path, cwd);
  EXPECT_EQ(o.text.find("Aborted"), std::string::npos) << o.text;
  if (!allowed(kind, c.writes)) {
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find(c.option + " " + path.string()), std::string::npos) << o.text;
    EXPECT_EQ(std::count(o.text.begin(), o.text.end(), '\n'), 1) << "one line:\n" << o.text;
    EXPECT_EQ(snapshot(scratch_), before) << o.text;  // byte for byte, and nothing added
    if (kind == Kind::dev_null || kind == Kind::dev_full) {
      EXPECT_TRUE(fs::is_character_file(path));
    }
    return;
  }
  EXPECT_TRUE(o.code == 0 || o.code == 1) << o.text;
  std::map<std::string, std::string> after = snapshot(scratch_);
  for (const char* name : {"foreign", "foreign/notes.txt", "foreign/sub", "foreign/sub/deep.bin", "file.txt"}) {
    if (scratch_ / name != path) {
      EXPECT_EQ(after[name], before[name]) << name;
    }
  }
  expect_no_temporaries(scratch_);
  if (c.writes == Writes::file) {
    EXPECT_TRUE(fs::is_regular_file(path));
    EXPECT_NE(file_text(path).find("/"), std::string::npos) << "decisions as 'label value/n' lines";
    return;
  }
  EXPECT_TRUE(fs::is_regular_file(path / ".h2sim-output")) << o.text;
  EXPECT_NE(file_text(path / ".h2sim-output").find("written by: h2sim " + c.args.substr(0, c.args.find(' '))),
            std::string::npos);
  EXPECT_FALSE(fs::exists(path / "stale.txt")) << "an earlier h2sim output is replaced";
}

// One test per kind of path (one process under ctest), each command a row of it.
TEST_P(OutputPath, IsRefusedOrWrittenAndNothingElseChanges) {
  for (const CommandRow& c : commands()) {
    // No proxy binary here: live's rows check only refusals, which come before the proxy starts.
    if (c.name == "LiveDifferentialOut" && allowed(GetParam(), c.writes)) continue;
    SCOPED_TRACE(c.name + ": h2sim " + c.args);
    check_row(GetParam(), c);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryCommand, OutputPath,
                         ::testing::Values(Kind::foreign, Kind::dot, Kind::regular_file, Kind::dev_null,
                                           Kind::dev_full, Kind::fifo, Kind::under_file, Kind::missing_parent,
                                           Kind::earlier_output, Kind::empty_folder),
                         [](const ::testing::TestParamInfo<Kind>& info) { return std::string(kind_name(info.param)); });

TEST(StandardOutput, RunIntoAFullDeviceExitsTwo) {
  // Standard output to /dev/full, standard error to the test.
  Output o = h2sim::testing::run_command("{ " + std::string(H2SIM_BINARY) + " run " +
                                         source("founding-case-haproxy-3.2.textproto") + " --plain >/dev/full; }");
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_NE(o.text.find("h2sim run: error: cannot write to standard output: No space left on device"),
            std::string::npos)
      << o.text;
  Output help = h2sim::testing::run_command("{ " + std::string(H2SIM_BINARY) + " presets >/dev/full; }");
  EXPECT_EQ(help.code, 2) << help.text;
}

// Permission checks bind only non-root users: as root, the commands run as nobody.
std::string as_unprivileged() {
  if (geteuid() != 0) return "";
  return "setpriv --reuid=65534 --regid=65534 --clear-groups ";
}

TEST(ReadErrors, AFolderThatCannotBeReadIsOneLineAndExitTwo) {
  if (geteuid() == 0 && std::system("command -v setpriv >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "running as root without setpriv: root reads every folder";
  }
  fs::path dir = fs::temp_directory_path() / ("h2sim-unreadable-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "locked");
  fs::copy_file(source("founding-case.textproto"), dir / "locked" / "case.replay.textproto");
  fs::permissions(dir, fs::perms::all);
  fs::permissions(dir / "locked", fs::perms::none);
  std::string h2sim = as_unprivileged() + H2SIM_BINARY;
  Output listing = h2sim::testing::run_command(h2sim + " report " + (dir / "locked").string() + " --out " +
                                               (dir / "report").string());
  EXPECT_EQ(listing.code, 2) << listing.text;
  EXPECT_NE(listing.text.find((dir / "locked").string() + ": cannot list it: Permission denied"), std::string::npos)
      << listing.text;
  Output inside = h2sim::testing::run_command(h2sim + " report " + (dir / "locked" / "case.replay.textproto").string() +
                                              " --out " + (dir / "report").string());
  EXPECT_EQ(inside.code, 2) << inside.text;
  EXPECT_NE(inside.text.find("Permission denied"), std::string::npos) << inside.text;
  Output run = h2sim::testing::run_command(h2sim + " run " + (dir / "locked" / "case.replay.textproto").string());
  EXPECT_EQ(run.code, 2) << run.text;
  EXPECT_NE(run.text.find("Permission denied"), std::string::npos) << run.text;
  for (const Output& o : {listing, inside, run}) {
    EXPECT_EQ(std::count(o.text.begin(), o.text.end(), '\n'), 1) << "one line:\n" << o.text;
  }
  EXPECT_FALSE(fs::exists(dir / "report"));
  fs::permissions(dir / "locked", fs::perms::all);
  fs::remove_all(dir);
}

TEST(ReadErrors, TheRealReasonIsGivenNotNoSuchFile) {
  fs::path dir = fs::temp_directory_path() / ("h2sim-read-reasons-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::create_symlink("loop", dir / "loop");
  write(dir / "file.txt", "not a folder\n");
  Output loop = h2sim::testing::run_h2sim("run " + (dir / "loop").string());
  EXPECT_EQ(loop.code, 2) << loop.text;
  EXPECT_NE(loop.text.find("Too many levels of symbolic links"), std::string::npos) << loop.text;
  Output under = h2sim::testing::run_h2sim("run " + (dir / "file.txt" / "x.textproto").string());
  EXPECT_EQ(under.code, 2) << under.text;
  EXPECT_NE(under.text.find("Not a directory"), std::string::npos) << under.text;
  Output report = h2sim::testing::run_h2sim("report " + (dir / "loop").string() + " --out " + (dir / "r").string());
  EXPECT_EQ(report.code, 2) << report.text;
  EXPECT_NE(report.text.find("Too many levels of symbolic links"), std::string::npos) << report.text;
  fs::remove_all(dir);
}

TEST(Explore, WritesOneFilePerDistinctOutcome) {
  fs::path dir = fs::temp_directory_path() / ("h2sim-explore-outcomes-" + std::to_string(getpid()));
  fs::remove_all(dir);
  Output o = h2sim::testing::run_h2sim("explore " + source("founding-case.textproto") + " --out " + dir.string());
  EXPECT_EQ(o.code, 1) << o.text;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("call-0-")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 2u) << o.text;
  EXPECT_EQ(files[0].filename(), "call-0-cancelled-received-rst-stream-with-error-code-8.replay.textproto");
  EXPECT_EQ(files[1].filename(), "call-0-permission-denied-details-sent-by-the-server.replay.textproto");
  EXPECT_NE(file_text(files[0]), file_text(files[1]));
  for (const fs::path& f : files) EXPECT_NE(o.text.find("h2sim replay " + f.string()), std::string::npos) << o.text;
  fs::remove_all(dir);
}

}  // namespace

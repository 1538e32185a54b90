// Bad input of every kind to every command: exit 2 with a message that names the problem, or,
// for input that only looks bad (a zero latency, a newline in a status message, a replay file
// whose recording was cut), a legitimate 0 or 1. No row crashes, hangs, writes anything but its
// own --out, or changes a file that was there before it. Each row is one mistake a user can make.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;

using Output = h2sim::testing::CommandOutput;

Output h2sim(const std::string& args) { return h2sim::testing::run_h2sim(args); }

// One row: arguments ("@name" stands for a scratch file; a leading "AS_NOBODY" runs it as an
// unprivileged user; a trailing ">/dev/full" sends standard output there), a text the output
// must contain, and the exit codes that are right for it.
struct Row {
  std::string args;
  std::string needle;
  std::vector<int> codes = {2};
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.args; }

// A scratch directory with the files the rows refer to.
class BadInput : public ::testing::TestWithParam<Row> {
 public:
  static void SetUpTestSuite() {
    // ctest runs each test in its own process, in parallel: one directory per process.
    dir_ = fs::temp_directory_path() / ("h2sim-bad-input-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "a-directory.textproto");
    write("empty.textproto", "");
    static constexpr char garbage[] = "\x00\x01\xff\xfe binary \x7f";
    write("garbage.textproto", std::string(garbage, sizeof garbage - 1));
    write("syntax.textproto", "calls { kind: BIDI_STREAMING \n");
    write("unknown-field.textproto", "calls {}\ncolour: \"blue\"\n");
    write("unknown-enum.textproto", "calls { kind: SIDEWAYS }\n");
    write("no-calls.textproto", "name: \"x\"\n");
    write("too-many-calls.textproto", "calls { repeat: 10001 }\ncalls { repeat: 10000 }\n");
    write("preset.textproto", "proxy { preset: \"haproxy-1.0\" }\ncalls {}\n");
    write("client.textproto", "client: \"grpc-cobol\"\ncalls {}\n");
    write("server.textproto", "server: \"grpc-fortran\"\ncalls {}\n");
    write("messages.textproto", "calls { client { messages: 1001 } }\n");
    write("message-bytes.textproto", "calls { server { message_bytes: 2000000 } }\n");
    write("status.textproto", "calls { server { status { code: 17 } } }\n");
    write("reset-code.textproto", "calls { server { action: RESET reset_code: 14 } }\n");
    write("gap-alone.textproto", "calls { client { messages: 1 headers_gap_ns: 5 } }\n");
    write("gap-never.textproto",
          "calls { client { messages: 1 write_per_frame: true half_close: NEVER end_stream_gap_ns: 5 } }\n");
    write("gap-no-message.textproto", "calls { client { write_per_frame: true headers_gap_ns: 5 } }\n");
    write("gap-huge.textproto",
          "calls { client { messages: 1 write_per_frame: true headers_gap_ns: 18446744073709551000 } }\n");
    write("buffering-envoy.textproto", "calls {}\nproxy { preset: \"envoy-2024\" request_buffering: true }\n");
    write("latency.textproto", "calls {}\nnetwork { latency_ns_min: 500 latency_ns_max: 100 }\n");
    write("steps.textproto", "calls {}\nnetwork { latency_steps: 0 }\n");
    write("segments-zero.textproto", "calls {}\nnetwork { segments_max: 0 }\n");
    write("segments-many.textproto", "calls {}\nnetwork { segments_max: 65 }\n");
    write("segment-bytes.textproto", "calls {}\nnetwork { segment_bytes_max: 0 }\n");
    write("events.textproto", "calls {}\nlimits { events_max: 0 }\n");
    write("time.textproto", "calls {}\nlimits { time_ns_max: 0 }\n");
    write("bytes.textproto", "calls {}\nlimits { bytes_max: 0 }\n");
    write("hostile-count.textproto", "calls {}\nhostile { kind: PING_FLOOD count: 5000 }\n");
    write("hostile-param.textproto", "calls {}\nhostile { kind: OVERSIZED_HEADERS param: 5000 }\n");
    write("window.textproto", "proxy { preset: \"nginx\" downstream_window_bytes: 4294967295 }\ncalls {}\n");
    write("streams.textproto", "proxy { preset: \"nginx\" downstream_max_concurrent_streams: 0 }\ncalls {}\n");
    write("good.textproto", "calls { client { messages: 1 } }\n");
    // Issue 18: values near 2^64 that once wrapped virtual time, and enum numbers the schema
    // does not name (proto3's open enums keep them).
    write("huge-start.textproto", "calls { start_ns: 18446744073709551000 }\n");
    write("huge-interval.textproto", "calls { client { messages: 2 interval_ns: 18446744073709551000 } }\n");
    write("huge-deadline.textproto", "calls { client { deadline_ns: 18446744073709551000 } }\n");
    write("huge-cancel.textproto", "calls { client { cancel_after_ns: 9223372036854775808 } }\n");
    write("huge-delay.textproto", "calls { server { delay_ns: 18446744073709551615 } }\n");
    write("huge-idle.textproto", "proxy { preset: \"nginx\" idle_timeout_ns: 18446744073709551615 }\ncalls {}\n");
    write("huge-hostile-start.textproto", "calls {}\nhostile { kind: PING_FLOOD start_ns: 18446744073709551615 }\n");
    write("huge-latency.textproto", "calls {}\nnetwork { latency_ns_min: 9223372036854775808 }\n");
    write("huge-time.textproto", "calls {}\nlimits { time_ns_max: 18446744073709551615 }\n");
    write("kind-7.textproto", "calls { kind: 7 }\n");
    write("half-close-9.textproto", "calls { client { half_close: 9 } }\n");
    write("action-8.textproto", "calls { server { action: 8 } }\n");
    write("hostile-99.textproto", "calls {}\nhostile { kind: 99 }\n");
    write("too-much-work.textproto",
          "calls { kind: BIDI_STREAMING client { messages: 1000 message_bytes: 1048576 } }\n");
    write("label.replay", "format_version: 1\nsemantics_version: 1\nscenario { calls {} }\n"
                          "decisions { label: 99 value: 0 n: 2 }\n");
    write("kind.replay", "format_version: 1\nsemantics_version: 1\nscenario { calls { kind: 7 } }\n");
    write("choices-garbage", "split one/two\n");
    write("choices-label", "shuffle 1/2\n");
    write("choices-range", "split 2/2\n");
    write("choices-wrong", "latency 1/3\n");
    write("choices-extra", "split 1/2\n");
    write("semantics.replay", "format_version: 1\nsemantics_version: 9\nscenario { calls {} }\n");
    write("format.replay", "format_version: 7\nsemantics_version: 1\nscenario { calls {} }\n");
    write("decision.replay",
          "format_version: 1\nsemantics_version: 1\nscenario { calls {} }\ndecisions { label: TIE value: 3 n: 2 }\n");
    write("preset.replay",
          "format_version: 1\nsemantics_version: 1\nscenario { proxy { preset: \"squid\" } calls {} }\n");
    write("misfit.replay",
          "format_version: 1\nsemantics_version: 1\nscenario { calls { client { messages: 1 } } }\n"
          "decisions { label: LATENCY value: 1 n: 5 }\n");
    std::ofstream huge(dir_ / "huge.textproto", std::ios::binary);
    huge << std::string(17 << 20, '#');
    write_issue_repros();
    write_unreachable();
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

 private:
  static void write(const std::string& name, const std::string& contents) {
    std::ofstream(dir_ / name, std::ios::binary) << contents;
  }
  // The repros of issue 'Reliability' that other rows do not cover, and files for the commands
  // beyond run.
  static void write_issue_repros() {
    write("latency-zero.textproto", "calls { client { messages: 1 } }\nnetwork { latency_ns_min: 0 }\n");
    write("newline.textproto",
          "calls { server { action: ABORT_AT_ONCE status { code: 7 message: \"line one\\nline two\\r\\n\" } } }\n");
    std::string sixteen;
    for (int i = 0; i < 16; ++i) {
      sixteen += "calls { kind: BIDI_STREAMING client { messages: 1000 message_bytes: 1048576 } "
                 "server { messages: 1000 message_bytes: 1048576 } }\n";
    }
    write("sixteen-bidi.textproto", sixteen);
    const std::string founding_case =
        "proxy { preset: \"haproxy-2.6\" } calls { kind: BIDI_STREAMING client { messages: 3 "
        "message_bytes: 16 interval_ns: 10000000 } server { action: ABORT_AT_ONCE status { code: 7 } } }\n";
    const std::string founding = "scenario { " + founding_case + "}\n";
    write("cut.replay.textproto", "format_version: 2\nsemantics_version: 1\n" + founding +
                                      "decisions { label: WRITE n: 2 }\ndecisions_cut: true\ninvariant: \"crashed with signal 9\"\n");
    write("short.replay.textproto", "format_version: 2\nsemantics_version: 1\n" + founding + "decisions { label: WRITE n: 2 }\n");
    write("half-close.replay", "format_version: 2\nsemantics_version: 1\nscenario { calls { client { half_close: 9 } } }\n");
    write("hostile.replay", "format_version: 2\nsemantics_version: 1\nscenario { calls {} hostile { kind: 99 } }\n");
    write("duration.replay",
          "format_version: 2\nsemantics_version: 1\nscenario { calls { start_ns: 18446744073709551615 } }\n");
    write("founding.textproto", founding_case);
    write("file.txt", "not a folder\n");
    // Corpus folders (check --corpus) holding a file that is not a replay, and one from a build
    // with other semantics.
    fs::create_directories(dir_ / "corpus-garbage");
    write("corpus-garbage/seed-0-case-1.replay.textproto", "scenario { calls { kind: SIDEWAYS } }\n");
    fs::create_directories(dir_ / "corpus-other-build");
    write("corpus-other-build/seed-0-case-2.replay.textproto",
          "format_version: 2\nsemantics_version: 9\nscenario { calls {} }\n");
    fs::create_symlink("loop", dir_ / "loop");
  }
  // What an unprivileged user may not reach (the AS_NOBODY rows): a read-only folder, a file
  // nobody may read.
  static void write_unreachable() {
    fs::create_directories(dir_ / "read-only");
    fs::permissions(dir_ / "read-only", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                            fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    write("unreadable.textproto", "calls {}\n");
    fs::permissions(dir_ / "unreadable.textproto", fs::perms::none);
  }
  static fs::path dir_;
};
fs::path BadInput::dir_;

// The row's arguments with "@name" expanded.
std::string expand(const std::string& args) {
  std::string out;
  size_t i = 0;
  while (i < args.size()) {
    if (args[i] == '@') {
      size_t end = args.find(' ', i);
      if (end == std::string::npos) end = args.size();
      out += BadInput::path(args.substr(i + 1, end - i - 1));
      i = end;
    } else {
      out += args[i++];
    }
  }
  return out;
}

// Permission checks bind only non-root users: as root, AS_NOBODY rows run as nobody through
// setpriv (empty if they cannot, and the row is skipped).
bool as_unprivileged(std::string* prefix) {
  if (geteuid() != 0) return true;
  if (std::system("command -v setpriv >/dev/null 2>&1") != 0) return false;
  *prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  return true;
}

// The command line of a row: in the scratch folder (so that a default output folder would show
// up there), environment assignments first, and under `timeout` so that a hang fails the row.
std::string command_of(const Row& row, const std::string& dir, bool* skip) {
  std::string args = row.args, prefix, env;
  if (args.starts_with("AS_NOBODY ")) {
    *skip = !as_unprivileged(&prefix);
    args = args.substr(10);
  }
  while (!args.empty() && std::isupper(static_cast<unsigned char>(args[0])) && args.find('=') < args.find(' ')) {
    size_t space = args.find(' ');
    env += args.substr(0, space) + " ";
    args = space == std::string::npos ? "" : args.substr(space + 1);
  }
  return "cd " + dir + " && { " + env + "timeout -k 5 120 " + prefix + H2SIM_BINARY + " " + expand(args) + "; }";
}

// Everything in the scratch folder, links not followed: each entry's type, permissions, and a
// regular file's bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    fs::file_status s = it->symlink_status();
    std::string entry = std::to_string(static_cast<int>(s.type())) + "/" + std::to_string(static_cast<int>(s.permissions()));
    if (s.type() == fs::file_type::regular) {
      std::ifstream in(it->path(), std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      entry += ":" + bytes.str();
    }
    out[it->path().lexically_relative(dir).string()] = entry;
  }
  return out;
}

TEST_P(BadInput, ExitsTwoNamingTheProblemOrRunsAndChangesNothing) {
  const Row& row = GetParam();
  bool skip = false;
  std::string dir = path("");
  std::string command = command_of(row, dir, &skip);
  if (skip) GTEST_SKIP() << "running as root without setpriv";
  std::map<std::string, std::string> before = snapshot(dir);
  Output o = h2sim::testing::run_command(command);
  EXPECT_NE(std::find(row.codes.begin(), row.codes.end(), o.code), row.codes.end())
      << "exit " << o.code << ": " << row.args << "\n" << o.text;
  EXPECT_NE(o.text.find(row.needle), std::string::npos) << row.args << "\n" << o.text;
  for (const char* crash : {"Aborted", "assertion failed", "runtime error", "Sanitizer", "terminate called"}) {
    EXPECT_EQ(o.text.find(crash), std::string::npos) << o.text;
  }
  std::map<std::string, std::string> after = snapshot(dir);
  for (const auto& [name, entry] : before) {
    if (name.starts_with("out-")) continue;  // an earlier row's output, when rows share a process
    EXPECT_EQ(after[name], entry) << name << " changed: " << row.args;
  }
  for (const auto& [name, entry] : after) {
    EXPECT_TRUE(before.count(name) || name.starts_with("out-")) << name << " left behind by: " << row.args;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Run, BadInput,
    ::testing::Values(
        Row{"run @empty.textproto", "no calls"},
        Row{"run @garbage.textproto", "garbage.textproto:1:"},
        Row{"run @huge.textproto", "larger than 16 MiB"},
        Row{"run @a-directory.textproto", "not a regular file"},
        Row{"run @missing.textproto", "no such file"},
        Row{"run @syntax.textproto", "syntax.textproto:2:"},
        Row{"run @unknown-field.textproto", "colour"},
        Row{"run @unknown-enum.textproto", "SIDEWAYS"},
        Row{"run @no-calls.textproto", "no calls"},
        Row{"run @too-many-calls.textproto", "20001 calls (repeats counted); at most 20000"},
        Row{"run @preset.textproto", "known: passthrough"},
        Row{"run @client.textproto", "grpc-core, grpc-core-sync, grpcio, grpc-java"},
        Row{"run @server.textproto", "grpc-fortran"},
        Row{"run @messages.textproto", "calls[0].client.messages: 1001 is outside 0..1000"},
        Row{"run @message-bytes.textproto", "calls[0].server.message_bytes: 2000000 is outside"},
        Row{"run @status.textproto", "calls[0].server.status.code: 17 is outside 0..16 (a gRPC status code)"},
        Row{"run @reset-code.textproto", "calls[0].server.reset_code: 14 is outside 0..13"},
        Row{"run @gap-alone.textproto", "calls[0].client.headers_gap_ns needs write_per_frame: true"},
        Row{"run @gap-never.textproto", "calls[0].client.end_stream_gap_ns needs half_close: AFTER_MESSAGES"},
        Row{"run @gap-no-message.textproto", "calls[0].client.headers_gap_ns needs a request message"},
        Row{"run @gap-huge.textproto", "calls[0].client.headers_gap_ns: 18446744073709551000 is outside"},
        Row{"run @buffering-envoy.textproto", "proxy.request_buffering: proxy 'envoy-2024' does not take this setting"},
        Row{"run @latency.textproto", "latency_ns_max is below latency_ns_min"},
        Row{"run @steps.textproto", "latency_steps"},
        Row{"run @segments-zero.textproto", "segments_max"},
        Row{"run @segments-many.textproto", "segments_max"},
        Row{"run @segment-bytes.textproto", "segment_bytes_max"},
        Row{"run @events.textproto", "events_max"},
        Row{"run @time.textproto", "time_ns_max"},
        Row{"run @bytes.textproto", "bytes_max"},
        Row{"run @hostile-count.textproto", "hostile.count: 5000 is outside"},
        Row{"run @hostile-param.textproto", "hostile.param: 5000 is outside"},
        Row{"run @window.textproto", "downstream_window_bytes"},
        Row{"run @huge-start.textproto", "calls[0].start_ns: 18446744073709551000 is outside"},
        Row{"run @huge-interval.textproto", "calls[0].client.interval_ns"},
        Row{"run @huge-deadline.textproto", "calls[0].client.deadline_ns"},
        Row{"run @huge-cancel.textproto", "calls[0].client.cancel_after_ns"},
        Row{"run @huge-delay.textproto", "calls[0].server.delay_ns"},
        Row{"run @huge-idle.textproto", "proxy.idle_timeout_ns"},
        Row{"run @huge-hostile-start.textproto", "hostile.start_ns"},
        Row{"run @huge-latency.textproto", "network.latency_ns_min"},
        Row{"run @huge-time.textproto", "limits.time_ns_max"},
        Row{"run @kind-7.textproto", "calls[0].kind: 7 is not a CallKind"},
        Row{"run @half-close-9.textproto", "calls[0].client.half_close: 9 is not a HalfClose"},
        Row{"run @action-8.textproto", "calls[0].server.action: 8 is not a ServerAction"},
        Row{"run @hostile-99.textproto", "hostile.kind: 99 is not a HostileKind"},
        Row{"run @too-much-work.textproto", "raise limits { bytes_max }"},
        Row{"run @streams.textproto", "downstream_max_concurrent_streams"},
        Row{"run @good.textproto --seed twelve", "--seed takes a whole number"},
        Row{"run @good.textproto --seed -1", "--seed takes a whole number"},
        Row{"run @good.textproto --seed 18446744073709551616", "--seed takes a whole number"},
        Row{"run @good.textproto --seed 1 --seed 2", "more than once"},
        Row{"run @good.textproto --seed 1 --plain", "exclude each other"},
        Row{"run @good.textproto --choices @missing-choices", "no such file"},
        Row{"run @good.textproto --choices @choices-garbage", "decision 1"},
        Row{"run @good.textproto --choices @choices-label", "unknown label 'shuffle'"},
        Row{"run @good.textproto --choices @choices-range", "value/n"},
        Row{"run @good.textproto --choices @choices-wrong", "recorded decision 1"},
        Row{"run @good.textproto --plain --save-choices /nonexistent/dir/x", "does not exist"},
        Row{"run @good.textproto --frobnicate", "unknown option '--frobnicate'"},
        Row{"run @good.textproto --seed", "needs a value"},
        Row{"run @good.textproto @good.textproto", "expected one scenario file"},
        Row{"run", "expected one scenario file"},
        Row{"frobnicate", "unknown command 'frobnicate'"},
        Row{"presets extra", "takes no arguments"},
        Row{"presets --verbose", "unknown option"},
        Row{"run @good.textproto --seed=", "--seed takes a whole number"},
        Row{"run @good.textproto --plain=1", "option '--plain' takes no value"},
        Row{"run @good.textproto --save-choices /dev/null", "--save-choices /dev/null is a character device"},
        Row{"run @good.textproto --save-choices @a-directory.textproto", "is a folder, not a regular file"},
        Row{"AS_NOBODY run @good.textproto --save-choices @read-only/choices", "cannot write in folder"},
        Row{"run @good.textproto --report @good.textproto", "which writing there would replace"},
        Row{"run @good.textproto --report /dev/full", "--report /dev/full is a character device, not a folder"},
        Row{"run @good.textproto --quiet >/dev/full", "cannot write to standard output: No space left on device"},
        Row{"run --help >/dev/full", "cannot write to standard output"},
        // Issue 'Reliability': the real reason a file cannot be read, not "no such file".
        Row{"run @loop", "Too many levels of symbolic links"},
        Row{"run @file.txt/x.textproto", "Not a directory"},
        Row{"AS_NOBODY run @unreadable.textproto", "Permission denied"},
        Row{"AS_NOBODY run @read-only/missing.textproto", "no such file"},
        // 16 bidi calls x 1,000 messages x 1 MB both ways: refused before the run, naming the
        // limit and how to raise it.
        Row{"run @sixteen-bidi.textproto",
            "more than limits.bytes_max (268435456): send fewer or smaller messages, or raise limits { bytes_max }"},
        // Input that only looks bad: a zero latency runs; a grpc-message with a newline and a
        // carriage return is printed escaped, on the outcome's one line.
        Row{"run @latency-zero.textproto --quiet", "status preserved: PASS", {0}},
        Row{"run @newline.textproto --quiet", "client saw PERMISSION_DENIED: line one\\nline two\\x0d\\n at", {0, 1}}));

INSTANTIATE_TEST_SUITE_P(
    Check, BadInput,
    ::testing::Values(
        Row{"check --proxy squid", "unknown proxy 'squid' (known: none, passthrough"},
        Row{"check --client grpc-cobol", "grpc-core, grpc-core-sync, grpcio, grpc-java, grpc-go, grpc-js"},
        Row{"check --server grpc-fortran", "grpc-core, grpcio, grpc-go, grpc-java"},
        Row{"check --shape spiral", "unknown shape 'spiral' (known: many-calls, many-connections"},
        Row{"shapes extra", "takes no arguments"},
        // Issue 13: invariants by name, on every command that judges runs.
        Row{"check --invariant servd", "unknown invariant 'servd' (known: status preserved, no hang"},
        Row{"check --no-invariant 'no leak'", "unknown invariant 'no leak'"},
        Row{"check --invariant", "needs a value"},
        Row{"check --live --proxy haproxy --preset haproxy-2.6 --invariant no-such-thing", "no-such-thing"},
        Row{"run @good.textproto --invariant bogus", "unknown invariant 'bogus'"},
        Row{"explore @good.textproto --no-invariant bogus", "unknown invariant 'bogus'"},
        Row{"matrix --invariant bogus", "unknown invariant 'bogus'"},
        Row{"live @good.textproto --proxy haproxy --invariant bogus", "unknown invariant 'bogus'"},
        Row{"invariants extra", "takes no arguments"},
        Row{"check --cases 0", "--cases takes a whole number"},
        Row{"check --cases many", "--cases takes a whole number"},
        Row{"check --jobs 0", "--jobs takes a whole number"},
        Row{"check --jobs 1000", "--jobs takes a whole number"},
        Row{"check --shard 3/2", "--shard takes I/N"},
        Row{"check --shard half", "--shard takes I/N"},
        Row{"check --case-timeout 0", "--case-timeout"},
        Row{"check stray", "no positional arguments"},
        Row{"check --cases", "needs a value"},
        Row{"check --hostile=yes", "option '--hostile' takes no value"},
        Row{"check --shard 0/0", "--shard takes I/N"},
        Row{"check --seed 18446744073709551616", "--seed takes a whole number"},
        Row{"check --case-timeout 3601", "--case-timeout takes a whole number from 1 to 3600"},
        Row{"check --out @good.textproto", "is a regular file, not a folder"},
        Row{"check --out /dev/null", "--out /dev/null is a character device, not a folder"},
        Row{"check --cases 1 --corpus @good.textproto --out @out-corpus", "is a regular file, not a folder"},
        Row{"check --cases 1 --corpus @corpus-garbage --out @out-corpus", "corpus-garbage/seed-0-case-1.replay.textproto"},
        Row{"check --cases 1 --corpus @corpus-other-build --out @out-corpus", "corpus-other-build/seed-0-case-2.replay.textproto"},
        Row{"check --no-feedback --corpus @corpus-garbage", "does not go with --no-feedback"},
        Row{"check --feedback --no-feedback", "contradict each other"},
        Row{"check --live --proxy haproxy --feedback", "go with a simulated check, not --live"},
        Row{"check --corpus @out-check/corpus --out @out-check", "which writing there would replace"},
        Row{"check --out @out-check --report @out-check", "which writing there would replace"},
        Row{"AS_NOBODY check --cases 1 --out @read-only/new", "cannot write in folder"},
        Row{"AS_NOBODY check --cases 1 --out @read-only", "cannot write in it: Permission denied"},
        Row{"RC_PARAMS=frob=1 check --cases 1 --out @out-rc", "RC_PARAMS: unknown key 'frob'"},
        // max_success is RapidCheck's, not h2sim's: --cases sets the count (it once overrode it).
        Row{"RC_PARAMS=max_success=zero check --out @out-rc", "200 cases", {0, 1}},
        Row{"GTEST_SHARD_INDEX=3 GTEST_TOTAL_SHARDS=2 check --out @out-shard", "GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS"},
        Row{"check --proxy passthrough --cases 5 --out @out-check >/dev/full", "cannot write to standard output"},
        Row{"check --jobs 2 --case-timeout 1 --proxy passthrough --cases 20 --out @out-jobs",
            "every case held every invariant", {0}}));

INSTANTIATE_TEST_SUITE_P(
    Replay, BadInput,
    ::testing::Values(
        Row{"replay", "expected one replay file"},
        Row{"replay @missing.replay", "no such file"},
        Row{"replay @empty.textproto", "replay format version 0"},
        Row{"replay @garbage.textproto", "garbage.textproto:1:"},
        Row{"replay @good.textproto", "good.textproto:1:"},
        Row{"replay @semantics.replay", "decisions mean something else"},
        Row{"replay @format.replay", "replay format version 7"},
        Row{"replay @decision.replay", "decision 1 has value 3 of n 2"},
        Row{"replay @preset.replay", "unknown proxy 'squid'"},
        Row{"replay @misfit.replay", "do not fit this scenario"},
        Row{"replay @label.replay", "label 99, which is not a DecisionLabel"},
        Row{"replay @kind.replay", "calls[0].kind: 7 is not a CallKind"},
        Row{"replay @huge.textproto", "larger than 16 MiB"},
        Row{"replay @a-directory.textproto", "not a regular file"},
        Row{"replay @half-close.replay", "calls[0].client.half_close: 9 is not a HalfClose"},
        Row{"replay @hostile.replay", "hostile.kind: 99 is not a HostileKind"},
        Row{"replay @duration.replay", "calls[0].start_ns: 18446744073709551615 is outside"},
        Row{"replay @short.replay.textproto", "the recorded choices ran out at decision 2"},
        Row{"replay @loop", "Too many levels of symbolic links"},
        Row{"AS_NOBODY replay @unreadable.textproto", "Permission denied"},
        Row{"replay @cut.replay.textproto --report @cut.replay.textproto", "which writing there would replace"},
        Row{"replay @cut.replay.textproto --quiet >/dev/full", "cannot write to standard output"},
        // A check worker's crash file: its recording stops where the worker died, and replays.
        Row{"replay @cut.replay.textproto --quiet", "the recording ends after 1 decisions", {0, 1}}));

INSTANTIATE_TEST_SUITE_P(
    Explore, BadInput,
    ::testing::Values(
        Row{"explore", "expected one scenario file"},
        Row{"explore @missing.textproto", "no such file"},
        Row{"explore @loop", "Too many levels of symbolic links"},
        Row{"explore @kind-7.textproto", "calls[0].kind: 7 is not a CallKind"},
        Row{"explore @sixteen-bidi.textproto", "raise limits { bytes_max }"},
        Row{"explore @good.textproto --max-executions 0", "--max-executions takes a whole number"},
        Row{"explore @good.textproto --max-depth 0", "--max-depth takes a whole number"},
        Row{"explore @good.textproto --time-limit soon", "--time-limit takes a whole number"},
        Row{"explore @good.textproto --jobs 0", "--jobs takes a whole number"},
        Row{"explore @good.textproto --jobs abc", "--jobs takes a whole number"},
        Row{"explore @good.textproto --jobs 1000", "--jobs takes a whole number"},
        Row{"explore @good.textproto --subtrees 0", "--subtrees takes a whole number"},
        Row{"explore @good.textproto --no-por=1", "option '--no-por' takes no value"},
        Row{"explore @good.textproto --jobs 2 --report @out-report", "--report draws the search in one process"},
        Row{"explore @good.textproto --out @good.textproto", "which writing there would replace"},
        Row{"explore @good.textproto --out /dev/null", "--out /dev/null is a character device, not a folder"},
        Row{"explore @good.textproto --out @out-explore --report @out-explore", "which writing there would replace"},
        Row{"AS_NOBODY explore @good.textproto --out @read-only/new", "cannot write in folder"},
        Row{"explore @good.textproto --out @out-explore >/dev/full", "cannot write to standard output"},
        // Paths longer than --max-depth count against --max-executions: the search ends.
        Row{"explore @founding.textproto --max-executions 300 --max-depth 3 --out @out-explore",
            "search cut short at max depth", {3}},
        Row{"explore @founding.textproto --max-executions 5 --out @out-explore", "search cut short at max executions",
            {1, 3}}));

INSTANTIATE_TEST_SUITE_P(
    Report, BadInput,
    ::testing::Values(
        Row{"report @good.textproto", "--out DIR is required"},
        Row{"report --out @out-report", "expected one input"},
        Row{"report @missing.textproto --out @out-report", "no such file"},
        Row{"report @a-directory.textproto --out @out-report", "no .replay.textproto files and no campaign-stats.txt"},
        Row{"report @loop --out @out-report", "Too many levels of symbolic links"},
        Row{"report @kind-7.textproto --out @out-report", "calls[0].kind: 7 is not a CallKind"},
        Row{"report @short.replay.textproto --out @out-report", "the recorded choices ran out at decision 2"},
        Row{"report @good.textproto --seed x --out @out-report", "--seed takes a whole number"},
        Row{"report @good.textproto --out @good.textproto", "which writing there would replace"},
        Row{"report @good.textproto --plain --out /dev/null", "--out /dev/null is a character device, not a folder"},
        Row{"report @cut.replay.textproto --out @out-report", "report: ", {0, 1}}));

INSTANTIATE_TEST_SUITE_P(
    Matrix, BadInput,
    ::testing::Values(
        Row{"matrix --proxy squid", "unknown proxy 'squid'"},
        Row{"matrix --client grpc-cobol", "unknown client personality 'grpc-cobol'"},
        Row{"matrix --cases 0", "--cases takes a whole number"},
        Row{"matrix --seed -1", "--seed takes a whole number"},
        Row{"matrix stray", "takes no positional arguments"},
        Row{"matrix --out /dev/null", "--out /dev/null is a character device, not a folder"},
        Row{"matrix --out @good.textproto", "is a regular file, not a folder"},
        Row{"AS_NOBODY matrix --cases 1 --proxy passthrough --client grpc-core --out @read-only/new",
            "cannot write in folder"},
        Row{"matrix --cases 2 --proxy passthrough --client grpc-core --out @out-matrix >/dev/full",
            "cannot write to standard output"},
        Row{"matrix --cases 2 --proxy passthrough --client grpc-core --out @out-matrix", "keeps the status", {0}}));

INSTANTIATE_TEST_SUITE_P(
    Live, BadInput,
    ::testing::Values(
        Row{"live @good.textproto", "say which real proxy: --proxy haproxy, nginx, nghttpx, caddy, apache2, or --proxy-cmd"},
        Row{"live --proxy squid @good.textproto", "--proxy takes haproxy, nginx, nghttpx, caddy, apache2 (or --proxy-cmd"},
        Row{"live --proxy haproxy", "expected one scenario file"},
        Row{"live --proxy haproxy @good.textproto --cases 3", "--cases goes with --differential"},
        Row{"live --proxy haproxy --differential @good.textproto", "give no FILE"},
        Row{"live --proxy haproxy @good.textproto --repeat 0", "--repeat takes a whole number"},
        Row{"live --proxy haproxy @good.textproto --max-executions 10", "--max-executions goes with --compare"},
        Row{"live --proxy haproxy @good.textproto --compare --max-executions 0", "--max-executions takes a whole number"},
        Row{"live --proxy haproxy --differential --max-executions 10", "--max-executions goes with --compare, not --differential"},
        Row{"live --differential --matrix --max-executions 10", "--max-executions does not go with --differential --matrix"},
        Row{"live --proxy haproxy @good.textproto --timeout-ms 5", "--timeout-ms takes a whole number"},
        Row{"live --proxy haproxy @good.textproto --client grpc-cobol", "--client takes grpc++"},
        Row{"live --proxy haproxy @missing.textproto", "no such file"},
        Row{"live --proxy haproxy @kind-7.textproto", "calls[0].kind: 7 is not a CallKind"},
        Row{"live --proxy haproxy --differential --out /dev/null", "--out /dev/null is a character device"},
        Row{"live --proxy haproxy @good.textproto --repeat 1 --binary @missing-proxy", "cannot run"},
        Row{"live --differential --matrix --client grpc-cobol", "--client grpc-cobol: unknown; with --matrix it takes h2sim"},
        Row{"live --differential --matrix --server grpc++-sync", "--server grpc++-sync: unknown; with --matrix it takes h2sim"},
        Row{"live --differential --matrix --proxy squid", "--proxy squid: unknown; with --matrix it takes haproxy"},
        Row{"live --differential --matrix --proxy nginx --proxy nginx", "--proxy nginx given twice"},
        Row{"live --differential --proxy haproxy --table x.md", "--table goes with --differential --matrix"},
        Row{"live --differential --proxy haproxy --one-peer", "--one-peer goes with --differential --matrix"},
        Row{"live --matrix --proxy haproxy", "--matrix goes with --differential"},
        Row{"live --differential --proxy haproxy --proxy nginx", "--proxy given more than once: only --differential --matrix"},
        Row{"live --differential --matrix --proxy-cmd x", "--proxy-cmd goes with one proxy"},
        Row{"live --differential --matrix @good.textproto", "give no FILE"},
        Row{"live --differential --matrix --cases 0", "--cases takes a whole number"},
        Row{"live --differential --matrix --table /dev/null", "--table /dev/null is a character device"}));

INSTANTIATE_TEST_SUITE_P(
    Everywhere, BadInput,
    ::testing::Values(
        Row{"", "usage: h2sim", {0}},
        Row{"help", "usage: h2sim", {0}},
        Row{"presets >/dev/full", "cannot write to standard output"},
        Row{"--proxy-plugin", "option '--proxy-plugin' needs a value"},
        Row{"--proxy-plugin @missing.so presets", "cannot load it"},
        Row{"--proxy-plugin @good.textproto presets", "cannot load it"},
        Row{"H2SIM_PLUGINS=/nonexistent/plugin.so presets", "/nonexistent/plugin.so: cannot load it"}));

INSTANTIATE_TEST_SUITE_P(
    MachineOutput, BadInput,
    ::testing::Values(
        Row{"run @good.textproto --json @a-directory.textproto", "is a folder, not a regular file"},
        Row{"check --cases 1 --junit /dev/null", "--junit /dev/null is a character device"},
        Row{"matrix --cases 1 --junit /dev/null --out @out-matrix", "--junit /dev/null is a character device"},
        Row{"matrix --cases 1 --json @a-directory.textproto --out @out-matrix", "is a folder, not a regular file"},
        Row{"explore @good.textproto --json /nonexistent/x.json", "folder /nonexistent does not exist"},
        Row{"check --shard 1/4 --shards 4", "--shard and --shards exclude each other"},
        Row{"check --shards 0", "--shard"},
        Row{"merge --out @out-merge", "expected the shards' folders"},
        Row{"merge @a-directory.textproto", "--out DIR is required"},
        Row{"merge @a-directory.textproto --out @out-merge", "is not a shard of a campaign"}));

TEST_F(BadInput, ExtraRecordedDecisionsAreRefused) {
  std::string saved = path("saved-choices");
  ASSERT_EQ(h2sim("run " + path("good.textproto") + " --seed 7 --save-choices " + saved).code, 0);
  std::ofstream(saved, std::ios::app) << "split 1/2\n";
  Output o = h2sim("run " + path("good.textproto") + " --choices " + saved);
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_NE(o.text.find("not this run's"), std::string::npos) << o.text;
}

TEST_F(BadInput, ARefusedRunWritesNothing) {
  std::string target = path("never-written");
  Output o = h2sim("run " + path("preset.textproto") + " --save-choices " + target);
  EXPECT_EQ(o.code, 2);
  EXPECT_FALSE(fs::exists(target));
  EXPECT_FALSE(fs::exists(target + ".partial"));
}

}  // namespace

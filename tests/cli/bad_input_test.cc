// Bad input of every kind to every command: exit 2 with a message that names the problem, and
// nothing written. Each row is one mistake a user can make.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;

using Output = h2sim::testing::CommandOutput;

Output h2sim(const std::string& args) { return h2sim::testing::run_h2sim(args); }

// A scratch directory with the files the rows refer to.
class BadInput : public ::testing::TestWithParam<std::pair<std::string, std::string>> {
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
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

 private:
  static void write(const std::string& name, const std::string& contents) {
    std::ofstream(dir_ / name, std::ios::binary) << contents;
  }
  static fs::path dir_;
};
fs::path BadInput::dir_;

// Rows: arguments ("@name" stands for a scratch file), and a word the message must contain.
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

TEST_P(BadInput, ExitsTwoNamingTheProblem) {
  auto [args, needle] = GetParam();
  Output o = h2sim(expand(args));
  EXPECT_EQ(o.code, 2) << args << "\n" << o.text;
  EXPECT_NE(o.text.find(needle), std::string::npos) << args << "\n" << o.text;
  EXPECT_EQ(o.text.find("Aborted"), std::string::npos) << o.text;
}

INSTANTIATE_TEST_SUITE_P(
    Run, BadInput,
    ::testing::Values(
        std::pair{"run @empty.textproto", "no calls"},
        std::pair{"run @garbage.textproto", "garbage.textproto:1:"},
        std::pair{"run @huge.textproto", "larger than 16 MiB"},
        std::pair{"run @a-directory.textproto", "not a regular file"},
        std::pair{"run @missing.textproto", "no such file"},
        std::pair{"run @syntax.textproto", "syntax.textproto:2:"},
        std::pair{"run @unknown-field.textproto", "colour"},
        std::pair{"run @unknown-enum.textproto", "SIDEWAYS"},
        std::pair{"run @no-calls.textproto", "no calls"},
        std::pair{"run @too-many-calls.textproto", "20001 calls (repeats counted); at most 20000"},
        std::pair{"run @preset.textproto", "known: passthrough"},
        std::pair{"run @client.textproto", "grpc-core, grpc-core-sync, grpc-java"},
        std::pair{"run @server.textproto", "grpc-fortran"},
        std::pair{"run @messages.textproto", "calls[0].client.messages: 1001 is outside 0..1000"},
        std::pair{"run @message-bytes.textproto", "calls[0].server.message_bytes: 2000000 is outside"},
        std::pair{"run @status.textproto", "calls[0].server.status.code: 17 is outside 0..16 (a gRPC status code)"},
        std::pair{"run @reset-code.textproto", "calls[0].server.reset_code: 14 is outside 0..13"},
        std::pair{"run @latency.textproto", "latency_ns_max is below latency_ns_min"},
        std::pair{"run @steps.textproto", "latency_steps"},
        std::pair{"run @segments-zero.textproto", "segments_max"},
        std::pair{"run @segments-many.textproto", "segments_max"},
        std::pair{"run @segment-bytes.textproto", "segment_bytes_max"},
        std::pair{"run @events.textproto", "events_max"},
        std::pair{"run @time.textproto", "time_ns_max"},
        std::pair{"run @bytes.textproto", "bytes_max"},
        std::pair{"run @hostile-count.textproto", "hostile.count: 5000 is outside"},
        std::pair{"run @hostile-param.textproto", "hostile.param: 5000 is outside"},
        std::pair{"run @window.textproto", "downstream_window_bytes"},
        std::pair{"run @huge-start.textproto", "calls[0].start_ns: 18446744073709551000 is outside"},
        std::pair{"run @huge-interval.textproto", "calls[0].client.interval_ns"},
        std::pair{"run @huge-deadline.textproto", "calls[0].client.deadline_ns"},
        std::pair{"run @huge-cancel.textproto", "calls[0].client.cancel_after_ns"},
        std::pair{"run @huge-delay.textproto", "calls[0].server.delay_ns"},
        std::pair{"run @huge-idle.textproto", "proxy.idle_timeout_ns"},
        std::pair{"run @huge-hostile-start.textproto", "hostile.start_ns"},
        std::pair{"run @huge-latency.textproto", "network.latency_ns_min"},
        std::pair{"run @huge-time.textproto", "limits.time_ns_max"},
        std::pair{"run @kind-7.textproto", "calls[0].kind: 7 is not a CallKind"},
        std::pair{"run @half-close-9.textproto", "calls[0].client.half_close: 9 is not a HalfClose"},
        std::pair{"run @action-8.textproto", "calls[0].server.action: 8 is not a ServerAction"},
        std::pair{"run @hostile-99.textproto", "hostile.kind: 99 is not a HostileKind"},
        std::pair{"run @too-much-work.textproto", "raise limits { bytes_max }"},
        std::pair{"run @streams.textproto", "downstream_max_concurrent_streams"},
        std::pair{"run @good.textproto --seed twelve", "--seed takes a whole number"},
        std::pair{"run @good.textproto --seed -1", "--seed takes a whole number"},
        std::pair{"run @good.textproto --seed 18446744073709551616", "--seed takes a whole number"},
        std::pair{"run @good.textproto --seed 1 --seed 2", "more than once"},
        std::pair{"run @good.textproto --seed 1 --plain", "exclude each other"},
        std::pair{"run @good.textproto --choices @missing-choices", "no such file"},
        std::pair{"run @good.textproto --choices @choices-garbage", "decision 1"},
        std::pair{"run @good.textproto --choices @choices-label", "unknown label 'shuffle'"},
        std::pair{"run @good.textproto --choices @choices-range", "value/n"},
        std::pair{"run @good.textproto --choices @choices-wrong", "recorded decision 1"},
        std::pair{"run @good.textproto --plain --save-choices /nonexistent/dir/x", "does not exist"},
        std::pair{"run @good.textproto --frobnicate", "unknown option '--frobnicate'"},
        std::pair{"run @good.textproto --seed", "needs a value"},
        std::pair{"run @good.textproto @good.textproto", "expected one scenario file"},
        std::pair{"run", "expected one scenario file"},
        std::pair{"frobnicate", "unknown command 'frobnicate'"},
        std::pair{"presets extra", "takes no arguments"},
        std::pair{"presets --verbose", "unknown option"}));

INSTANTIATE_TEST_SUITE_P(
    Check, BadInput,
    ::testing::Values(
        std::pair{"check --proxy squid", "unknown proxy 'squid' (known: none, passthrough"},
        std::pair{"check --client grpc-cobol", "grpc-core, grpc-core-sync, grpc-java, grpc-go, grpc-js"},
        std::pair{"check --server grpc-fortran", "grpc-core, grpc-go, grpc-java"},
        std::pair{"check --cases 0", "--cases takes a whole number"},
        std::pair{"check --cases many", "--cases takes a whole number"},
        std::pair{"check --jobs 0", "--jobs takes a whole number"},
        std::pair{"check --jobs 1000", "--jobs takes a whole number"},
        std::pair{"check --shard 3/2", "--shard takes I/N"},
        std::pair{"check --shard half", "--shard takes I/N"},
        std::pair{"check --case-timeout 0", "--case-timeout"},
        std::pair{"check stray", "no positional arguments"},
        std::pair{"check --cases", "needs a value"}));

INSTANTIATE_TEST_SUITE_P(
    Replay, BadInput,
    ::testing::Values(
        std::pair{"replay", "expected one replay file"},
        std::pair{"replay @missing.replay", "no such file"},
        std::pair{"replay @empty.textproto", "replay format version 0"},
        std::pair{"replay @garbage.textproto", "garbage.textproto:1:"},
        std::pair{"replay @good.textproto", "good.textproto:1:"},
        std::pair{"replay @semantics.replay", "decisions mean something else"},
        std::pair{"replay @format.replay", "replay format version 7"},
        std::pair{"replay @decision.replay", "decision 1 has value 3 of n 2"},
        std::pair{"replay @preset.replay", "unknown proxy 'squid'"},
        std::pair{"replay @misfit.replay", "do not fit this scenario"},
        std::pair{"replay @label.replay", "label 99, which is not a DecisionLabel"},
        std::pair{"replay @kind.replay", "calls[0].kind: 7 is not a CallKind"},
        std::pair{"replay @huge.textproto", "larger than 16 MiB"},
        std::pair{"replay @a-directory.textproto", "not a regular file"}));

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

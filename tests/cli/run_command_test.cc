// h2sim run from the outside: exit codes and messages.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_support.h"

namespace {

using Output = h2sim::testing::CommandOutput;

Output h2sim(const std::string& args) { return h2sim::testing::run_h2sim(args); }

std::string scenario(const std::string& name) {
  return std::string(H2SIM_SOURCE_DIR) + "/scenarios/" + name;
}

std::string temp_file(const std::string& name, const std::string& contents) {
  auto path = std::filesystem::temp_directory_path() / ("h2sim-test-" + name);
  std::ofstream(path) << contents;
  return path.string();
}

TEST(RunCommand, FoundingCaseFailsWithCancelledOnThePlainSchedule) {
  Output o = h2sim("run " + scenario("founding-case.textproto") + " --plain");
  EXPECT_EQ(o.code, 1) << o.text;
  EXPECT_NE(o.text.find("client saw CANCELLED"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("RST_STREAM    s=1 CANCEL"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("status preserved: FAIL"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("trace digest "), std::string::npos) << o.text;
}

TEST(RunCommand, VariantsPassAndDigestsRepeat) {
  Output a = h2sim("run " + scenario("founding-case-haproxy-3.2.textproto") + " --seed 3");
  Output b = h2sim("run " + scenario("founding-case-haproxy-3.2.textproto") + " --seed 3");
  EXPECT_EQ(a.code, 0) << a.text;
  EXPECT_EQ(a.text, b.text);
}

TEST(RunCommand, SavedChoicesReplayTheSameRun) {
  std::string saved = (std::filesystem::temp_directory_path() / "h2sim-test-choices").string();
  Output a = h2sim("run " + scenario("founding-case.textproto") + " --seed 4 --save-choices " + saved);
  Output b = h2sim("run " + scenario("founding-case.textproto") + " --choices " + saved);
  EXPECT_EQ(a.text, b.text);
  std::ofstream(saved, std::ios::app) << "split 1/2\n";
  Output c = h2sim("run " + scenario("founding-case.textproto") + " --choices " + saved);
  EXPECT_EQ(c.code, 2) << c.text;
  EXPECT_NE(c.text.find("not this run's"), std::string::npos) << c.text;
}

TEST(RunCommand, MalformedTextprotoNamesFileLineAndColumn) {
  std::string path = temp_file("bad.textproto", "name: \"x\"\ncalls {\n  client { messages: -3 }\n}\n");
  Output o = h2sim("run " + path);
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_NE(o.text.find(path + ":3:22: "), std::string::npos) << o.text;
  std::string enum_path = temp_file("enum.textproto", "calls {\n  kind: SIDEWAYS\n}\n");
  Output e = h2sim("run " + enum_path);
  EXPECT_EQ(e.code, 2) << e.text;
  EXPECT_NE(e.text.find("SIDEWAYS"), std::string::npos) << e.text;
}

TEST(RunCommand, UnknownPresetListsTheKnownOnes) {
  std::string path = temp_file("preset.textproto", "proxy { preset: \"haproxy-1.0\" }\ncalls {}\n");
  Output o = h2sim("run " + path);
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_NE(o.text.find("unknown proxy 'haproxy-1.0'"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("haproxy-2.6"), std::string::npos) << o.text;
}

TEST(RunCommand, UnknownPersonalityListsTheKnownOnes) {
  std::string path = temp_file("client.textproto", "client: \"grpc-cobol\"\ncalls {}\n");
  Output o = h2sim("run " + path);
  EXPECT_EQ(o.code, 2) << o.text;
  EXPECT_NE(o.text.find("grpc-core, grpc-core-sync, grpcio, grpc-java"), std::string::npos) << o.text;
}

TEST(RunCommand, MissingFileAndBadFlagsExitTwo) {
  EXPECT_EQ(h2sim("run /nonexistent/x.textproto").code, 2);
  EXPECT_EQ(h2sim("run " + scenario("founding-case.textproto") + " --seed minus-one").code, 2);
  EXPECT_EQ(h2sim("run " + scenario("founding-case.textproto") + " --bogus").code, 2);
  EXPECT_EQ(h2sim("run").code, 2);
  EXPECT_EQ(h2sim("frobnicate").code, 2);
  Output help = h2sim("run --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.text.find("usage: h2sim run"), std::string::npos);
}

TEST(PresetsCommand, ListsEveryPresetAndPersonality) {
  Output o = h2sim("presets");
  EXPECT_EQ(o.code, 0);
  for (const char* name : {"passthrough", "haproxy-2.6", "haproxy-3.2", "grpc-core", "grpc-java"}) {
    EXPECT_NE(o.text.find(name), std::string::npos) << name;
  }
  // Each personality says what it sends as its connection opens.
  EXPECT_NE(o.text.find("opens: SETTINGS ENABLE_PUSH=0 MAX_CONCURRENT_STREAMS=0 INITIAL_WINDOW_SIZE=1048576 "
                        "MAX_HEADER_LIST_SIZE=8192; connection window 1048576; first stream 3"),
            std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("opens: SETTINGS (empty)"), std::string::npos) << o.text;
  // And what the clients that enforce their MAX_HEADER_LIST_SIZE do past it.
  EXPECT_NE(o.text.find("a response header block past 8192 bytes: RESOURCE_EXHAUSTED, RST_STREAM(ENHANCE_YOUR_CALM)"),
            std::string::npos)
      << o.text;
  EXPECT_NE(o.text.find("a response header block past 8192 bytes: INTERNAL, RST_STREAM(PROTOCOL_ERROR); past 10240, GOAWAY"),
            std::string::npos)
      << o.text;
}

}  // namespace

// h2sim matrix (issue 6): who loses the status on the founding family.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_support.h"

namespace {

std::string run(const std::string& args, int* code) {
  h2sim::testing::CommandOutput out = h2sim::testing::run_h2sim(args);
  *code = out.code;
  return out.text;
}

std::string line_of(const std::string& text, const std::string& start) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(start, 0) == 0) return line;
  }
  return "";
}

TEST(MatrixCommand, MarksHaproxy26ButNotNginxOrHaproxy32AsLosingTheStatus) {
  std::string dir = ::testing::TempDir() + "/h2sim-matrix-" + std::to_string(getpid());
  int code = 0;
  std::string out = run("matrix --proxy haproxy-2.6 --proxy nginx --proxy haproxy-3.2 --client grpc-core "
                        "--client grpc-java --cases 200 --out " + dir, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(line_of(out, "haproxy-2.6    grpc-core").find("LOSES: bidi"), std::string::npos) << out;
  EXPECT_NE(line_of(out, "haproxy-2.6    grpc-core").find("-> CANCELLED"), std::string::npos) << out;
  EXPECT_NE(line_of(out, "haproxy-2.6    grpc-java").find("keeps the status"), std::string::npos) << out;
  EXPECT_NE(line_of(out, "nginx          grpc-core").find("keeps the status"), std::string::npos) << out;
  EXPECT_NE(line_of(out, "haproxy-3.2    grpc-core").find("keeps the status"), std::string::npos) << out;
  std::ifstream md(dir + "/matrix.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("| haproxy-2.6 | **loses it**"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(".replay.textproto"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// matrix --jobs (issue 17): workers take cells as they free up, and the parent prints them in row
// order, so the output, the page and the replay files are those of one process.
TEST(MatrixCommand, TwoWorkersPrintAndWriteWhatOneProcessDoes) {
  std::string base = ::testing::TempDir() + "/h2sim-matrix-jobs-" + std::to_string(getpid());
  std::string args = "matrix --proxy haproxy-2.6 --proxy nginx --proxy envoy-2024 --client grpc-core --client grpc-js "
                     "--client grpc-go --cases 100 --out ";
  int one_code = 0, two_code = 0;
  std::string one = run(args + base + "-1 --jobs 1", &one_code);
  std::string two = run(args + base + "-2 --jobs 2", &two_code);
  EXPECT_EQ(one_code, 1) << one;
  EXPECT_EQ(two_code, one_code) << two;
  auto without_dir = [&](std::string text, const std::string& dir) {
    for (size_t at; (at = text.find(dir)) != std::string::npos;) text.replace(at, dir.size(), "DIR");
    return text;
  };
  EXPECT_EQ(without_dir(two, base + "-2"), without_dir(one, base + "-1"));
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  EXPECT_EQ(without_dir(read(base + "-2/matrix.md"), base + "-2"), without_dir(read(base + "-1/matrix.md"), base + "-1"));
  std::filesystem::remove_all(base + "-1");
  std::filesystem::remove_all(base + "-2");
  // A folder name may hold any byte: a worker's cell still reaches the parent whole.
  std::string odd = base + "-new\nline";
  std::string odd_out = run("matrix --proxy haproxy-2.6 --client grpc-core --client grpc-js --cases 20 --jobs 2 --out '" +
                            odd + "'", &one_code);
  EXPECT_EQ(one_code, 1) << odd_out;
  EXPECT_NE(odd_out.find("LOSES"), std::string::npos) << odd_out;
  EXPECT_TRUE(std::filesystem::is_regular_file(odd + "/matrix.md")) << odd_out;
  std::filesystem::remove_all(odd);
  int code = 0;
  std::string out = run("matrix --jobs 0", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("--jobs"), std::string::npos) << out;
}

TEST(MatrixCommand, UnknownNamesExitTwoWithTheKnownOnes) {
  int code = 0;
  std::string out = run("matrix --proxy squid", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("known: passthrough"), std::string::npos) << out;
  out = run("matrix --client grpc-cobol", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("grpc-core, grpc-core-sync, grpcio, grpc-java, grpc-go, grpc-js"), std::string::npos) << out;
}

}  // namespace

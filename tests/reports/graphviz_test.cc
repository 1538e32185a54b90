// render_svg runs Graphviz's dot through live/net/filter.h: a syntax error is a message with
// dot's own complaint, and an input larger than a pipe's buffer neither blocks nor is cut.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "live/net/filter.h"
#include "reports/graphviz.h"

namespace h2sim {
namespace {

bool have_dot() { return !live::find_program("dot").empty(); }

TEST(RenderSvg, ADotSyntaxErrorIsOneMessageWithDotsComplaint) {
  if (!have_dot()) GTEST_SKIP() << "Graphviz's dot is not installed";
  std::string svg, error;
  EXPECT_FALSE(render_svg("digraph { a -> ", &svg, &error));
  EXPECT_NE(error.find("exited with status"), std::string::npos) << error;
  EXPECT_NE(error.find("syntax error"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(RenderSvg, AGraphLargerThanAPipeBufferIsRenderedWhole) {
  if (!have_dot()) GTEST_SKIP() << "Graphviz's dot is not installed";
  std::string dot = "digraph {\n";
  for (int i = 0; i < 3000; ++i) dot += "  \"node number " + std::to_string(i) + " with a long name\";\n";
  dot += "}\n";
  ASSERT_GT(dot.size(), 65536u);
  std::string svg, error;
  ASSERT_TRUE(render_svg(dot, &svg, &error)) << error;
  EXPECT_NE(svg.find("node number 2999 with a long name"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(RunFilter, AProgramThatCannotBeRunNamesTheFailedCall) {
  std::string output, error;
  EXPECT_FALSE(live::run_filter({"/nonexistent/program"}, "input", &output, &error));
  EXPECT_NE(error.find("cannot run /nonexistent/program: exec: No such file or directory"), std::string::npos)
      << error;
}

TEST(RunFilter, AFilterThatStopsReadingEarlyDoesNotEndTheCaller) {
  // head reads one line and exits: the rest of the input meets a closed pipe (EPIPE, no SIGPIPE).
  std::string head = live::find_program("head");
  if (head.empty()) GTEST_SKIP() << "no head";
  std::string input = "first line\n" + std::string(1 << 20, 'x');
  std::string output, error;
  EXPECT_TRUE(live::run_filter({head, "-n", "1"}, input, &output, &error)) << error;
  EXPECT_EQ(output, "first line\n");
}

TEST(FindProgram, IsEmptyForAProgramOnNoPathFolder) {
  EXPECT_EQ(live::find_program("h2sim-no-such-program"), "");
}

}  // namespace
}  // namespace h2sim

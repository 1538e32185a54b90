// The matrix page (reports/matrix_page.h): the same cells as Markdown and as a page a browser
// renders, names escaped.
#include <gtest/gtest.h>

#include <filesystem>

#include "reports/browser_support.h"
#include "reports/matrix_page.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;

Matrix two_cells() {
  return {300, 7, {"grpc-core", "<grpc-js>"},
          {{"haproxy-2.6", {{true, 5, "bidi, server aborts at once -> CANCELLED", "out/a.replay.textproto"},
                            {false, 300, "", ""}}}}};
}

TEST(MatrixPage, MarkdownHasOneRowPerProxyAndOneCellPerClient) {
  std::string md = matrix_markdown(two_cells());
  EXPECT_NE(md.find("300 generated cases per cell, seed 7."), std::string::npos) << md;
  EXPECT_NE(md.find("| proxy | grpc-core | <grpc-js> |\n|---|---|---|\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| haproxy-2.6 | **loses it**: bidi, server aborts at once -> CANCELLED "
                    "(`out/a.replay.textproto`) | keeps it (300 cases) |"),
            std::string::npos)
      << md;
}

TEST(MatrixPage, HtmlEscapesNamesAndMarksLostAndKeptCells) {
  std::string html = matrix_html(two_cells());
  EXPECT_NE(html.find("<th>&lt;grpc-js&gt;</th>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"lost\"><b>loses it</b>: bidi, server aborts at once -&gt; CANCELLED"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"kept\">keeps it (300 cases)</td>"), std::string::npos);
}

TEST(MatrixPage, AHeadlessBrowserRendersAMatrixWithoutConsoleErrors) {
  if (testing::chromium().empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  std::string dir = (fs::temp_directory_path() / ("h2sim-matrix-page-" + std::to_string(getpid()))).string();
  testing::CommandOutput out =
      testing::run_h2sim("matrix --proxy haproxy-2.6 --proxy nginx --client grpc-core --cases 60 --out " + dir);
  ASSERT_EQ(out.code, 1) << out.text;
  testing::BrowserRun run = testing::screenshot(dir + "/matrix.html", dir + "-page.png", "1000,600");
  EXPECT_EQ(run.code, 0) << run.log;
  EXPECT_EQ(run.log.find("CONSOLE"), std::string::npos) << run.log;
  EXPECT_TRUE(fs::exists(dir + "-page.png"));
  fs::remove_all(dir);
  fs::remove(dir + "-page.png");
}

}  // namespace
}  // namespace h2sim

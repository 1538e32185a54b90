// The README's commands, run as a user would copy them: every `$ build/cli/h2sim ...` line in a
// code block runs (in a scratch folder, with the repository's scenarios), and every line shown
// under it must appear in its output, in order. Shown lines may leave parts out with "...", and
// wall-clock figures ("0.06 s", "1965 runs/s") match any number; everything else is compared
// as written (runs of spaces as one). `live` commands need real proxies and stay out.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;

struct Example {
  size_t line = 0;  // in README.md, 1-based
  std::string command;
  std::vector<std::string> shown;
};

std::string squeeze(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Code blocks: fenced, or indented by four spaces. A `$ ` line starts an example; the lines after
// it, to the next `$ ` or the block's end, are its output.
std::vector<Example> examples(const std::string& readme) {
  std::vector<Example> out;
  std::istringstream in(readme);
  std::string line;
  bool fenced = false, in_example = false;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.starts_with("```")) {
      fenced = !fenced;
      in_example = false;
      continue;
    }
    bool indented = line.starts_with("    ");
    if (!fenced && !indented && !line.empty()) in_example = false;
    if (!fenced && !indented) continue;
    std::string text = fenced ? line : line.substr(4);
    if (text.starts_with("$ ")) {
      in_example = text.starts_with("$ build/cli/h2sim ");
      if (in_example) out.push_back({n, text.substr(2), {}});
    } else if (in_example && !squeeze(text).empty() && squeeze(text) != "...") {
      out.back().shown.push_back(squeeze(text));
    }
  }
  return out;
}

// A shown line as a pattern: "..." is anything, wall-clock figures any number.
std::regex pattern_of(const std::string& shown) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  std::string p;
  for (size_t at = 0; at < shown.size();) {
    if (shown.compare(at, 3, "...") == 0) {
      p += ".*";
      at += 3;
    } else {
      p += std::regex_replace(std::string(1, shown[at]), special, R"(\$&)");
      ++at;
    }
  }
  p = std::regex_replace(p, std::regex(R"([0-9]+\\\.[0-9]+ s)"), "[0-9.]+ s");
  p = std::regex_replace(p, std::regex(R"(\\\([0-9]+ runs/s\\\))"), R"(\([0-9]+ runs/s\))");
  return std::regex(p);
}

TEST(Readme, EveryCommandItShowsPrintsWhatItShows) {
  std::ifstream file(std::string(H2SIM_SOURCE_DIR) + "/README.md");
  std::stringstream readme;
  readme << file.rdbuf();
  std::vector<Example> all = examples(readme.str());
  ASSERT_GE(all.size(), 3u) << "the README's examples were not found";
  fs::path dir = fs::temp_directory_path() / ("h2sim-readme-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::create_symlink(std::string(H2SIM_SOURCE_DIR) + "/scenarios", dir / "scenarios");
  fs::create_directories(dir / "build/cli");
  fs::create_symlink(H2SIM_BINARY, dir / "build/cli/h2sim");
  size_t ran = 0;
  for (const Example& e : all) {
    if (e.command.find(" live ") != std::string::npos) continue;
    ++ran;
    auto o = h2sim::testing::run_command("cd " + dir.string() + " && " + e.command + " 2>&1");
    EXPECT_TRUE(o.code == 0 || o.code == 1) << "README.md:" << e.line << ": " << e.command << "\n" << o.text;
    std::vector<std::string> actual;
    std::istringstream lines(o.text);
    for (std::string l; std::getline(lines, l);) actual.push_back(squeeze(l));
    size_t next = 0;
    for (const std::string& shown : e.shown) {
      std::regex p = pattern_of(shown);
      size_t at = next;
      while (at < actual.size() && !std::regex_match(actual[at], p)) ++at;
      EXPECT_LT(at, actual.size()) << "README.md:" << e.line << ": " << e.command << "\nshows a line its output does "
                                   << "not have (after the lines matched so far):\n  " << shown << "\noutput:\n" << o.text;
      if (at == actual.size()) break;
      next = at + 1;
    }
  }
  EXPECT_GE(ran, 3u);
  fs::remove_all(dir);
}

}  // namespace

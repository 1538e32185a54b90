// The sequence diagram (reports/sequence_diagram.h) reads: no two texts overlap (checked on the
// SVG itself, each <text> measured from its x, y, anchor and font size), housekeeping is folded,
// the frames' full headers are on hover, each call has its colour, the read batch that breaks an
// invariant is marked, and a gap in virtual time is drawn as a break.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/sequence_diagram.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

// A <text> of the SVG as a browser would lay it out in DejaVu Sans Mono (advance 0.602 em,
// ascent 0.76 em, descent 0.24 em): measured independently of the layout's own estimate.
struct Box {
  std::string text;
  std::string fill;
  double left = 0, right = 0, top = 0, bottom = 0;
};

std::string unescape(std::string s) {
  for (auto [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, strlen(from), to);
  }
  return s;
}

// Without std::regex over the element: libstdc++'s executor recurses once per character, and a
// tooltip that holds a 12 KB header block (scenarios/response-header-list-past-client-limit)
// overflowed the stack under ASan.
std::string without_titles(std::string text) {
  for (size_t at = text.find("<title>"); at != std::string::npos; at = text.find("<title>", at)) {
    size_t end = text.find("</title>", at);
    if (end == std::string::npos) break;
    text.erase(at, end + std::strlen("</title>") - at);
  }
  return text;
}

std::vector<Box> text_boxes(const std::string& svg) {
  std::vector<Box> boxes;
  for (size_t at = svg.find("<text "); at != std::string::npos; at = svg.find("<text ", at)) {
    size_t open_end = svg.find('>', at);
    size_t close = svg.find("</text>", open_end);
    if (open_end == std::string::npos || close == std::string::npos) break;
    std::string attributes = svg.substr(at + std::strlen("<text "), open_end - at - std::strlen("<text "));
    std::string inner = svg.substr(open_end + 1, close - open_end - 1);
    at = close;
    auto attribute = [&](const std::string& name) {
      std::smatch m;
      return std::regex_search(attributes, m, std::regex("(^| )" + name + "=\"([^\"]*)\"")) ? m[2].str() : "";
    };
    Box box;
    box.text = unescape(without_titles(inner));
    box.fill = attribute("fill");
    double x = std::stod(attribute("x")), y = std::stod(attribute("y")), size = std::stod(attribute("font-size"));
    size_t chars = 0;
    for (char c : box.text) chars += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
    double width = 0.602 * size * static_cast<double>(chars);
    std::string anchor = attribute("text-anchor");
    box.left = anchor == "middle" ? x - width / 2 : anchor == "end" ? x - width : x;
    box.right = box.left + width;
    box.top = y - 0.76 * size;
    box.bottom = y + 0.24 * size;
    boxes.push_back(box);
  }
  return boxes;
}

// Every pair of texts that overlap, as "A | B".
std::vector<std::string> overlaps(const std::vector<Box>& boxes) {
  std::vector<std::string> out;
  for (size_t i = 0; i < boxes.size(); ++i) {
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      const Box &a = boxes[i], &b = boxes[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        out.push_back(a.text + " | " + b.text);
      }
    }
  }
  return out;
}

std::string drawing(const Scenario& scenario, sim::ChoiceSource& choices) {
  Result result = run_case(scenario, choices);
  return sequence_svg(scenario, result, check_all(result, scenario));
}

std::string plain_drawing(const std::string& file) {
  sim::PlainChoices choices;
  return drawing(testing::scenario_from_file(file), choices);
}

TEST(SequenceDiagram, NoTwoTextsOverlapInAnyScenarioOnPlainAndSeededSchedules) {
  size_t drawings = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(H2SIM_SOURCE_DIR) + "/scenarios")) {
    // scenarios/large/ holds production-sized runs, drawn by no test (tests/model/scale_test.cc).
    if (entry.path().extension() != ".textproto") continue;
    Scenario scenario = testing::scenario_from_file(entry.path().filename().string());
    for (uint64_t seed = 0; seed < 4; ++seed) {
      sim::PlainChoices plain;
      sim::SeededChoices seeded(seed);
      std::string svg = drawing(scenario, seed == 0 ? static_cast<sim::ChoiceSource&>(plain) : seeded);
      std::vector<Box> boxes = text_boxes(svg);
      EXPECT_GE(boxes.size(), 10u) << entry.path();
      std::vector<std::string> found = overlaps(boxes);
      EXPECT_TRUE(found.empty()) << entry.path() << " seed " << seed << ": " << found.size() << " overlaps, first: "
                                 << found.front();
      ++drawings;
    }
  }
  EXPECT_GE(drawings, 40u);
}

TEST(SequenceDiagram, TheOverlapCheckFindsTextsThatOverlap) {
  // The test above is only as good as its measure: two texts on one baseline, the second
  // starting inside the first, must be found, and two on neighbouring rows must not.
  std::string svg = "<text x=\"10\" y=\"20\" font-size=\"11\" text-anchor=\"start\">RST_STREAM CANCEL</text>"
                    "<text x=\"100\" y=\"24\" font-size=\"11\" text-anchor=\"end\">s=1<title>x\ny</title></text>"
                    "<text x=\"10\" y=\"38\" font-size=\"11\" text-anchor=\"start\">HEADERS</text>";
  std::vector<Box> boxes = text_boxes(svg);
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_EQ(overlaps(boxes), std::vector<std::string>{"RST_STREAM CANCEL | s=1"});
}

TEST(SequenceDiagram, HousekeepingIsFoldedIntoGreyRowsWithEveryFrameOnHover) {
  std::string svg = plain_drawing("founding-case.textproto");
  size_t folds = 0;
  for (const Box& box : text_boxes(svg)) {
    EXPECT_FALSE(box.text.starts_with("SETTINGS") || box.text.starts_with("WINDOW_UPDATE")) << box.text;
    folds += box.text.starts_with("◆") ? 1 : 0;
  }
  EXPECT_GE(folds, 3u);
  EXPECT_NE(svg.find("<title>    0.000ms  down   client &gt; SETTINGS"), std::string::npos);
}

TEST(SequenceDiagram, EachFramesFullHeadersAreOnHover) {
  std::string svg = plain_drawing("founding-case.textproto");
  EXPECT_NE(svg.find(":path=/h2sim.test.Echo/BidiStream :authority=h2sim.test"), std::string::npos);
  EXPECT_NE(svg.find("grpc-status=7 grpc-message=Details sent by the server  (flush 1)"), std::string::npos);
}

TEST(SequenceDiagram, TheReadBatchThatBreaksAnInvariantIsMarked) {
  std::string svg = plain_drawing("founding-case.textproto");
  EXPECT_NE(svg.find(">▲ client read 2 (2 frames in one batch) breaks status preserved</text>"), std::string::npos);
  EXPECT_NE(svg.find("stroke=\"#c00\" stroke-width=\"1.5\" rx=\"3\"><title>read 2 breaks status preserved"),
            std::string::npos);
  EXPECT_NE(svg.find(">call 0 ends at the client: CANCELLED (the server sent PERMISSION_DENIED)</text>"),
            std::string::npos);
}

TEST(SequenceDiagram, EachCallHasAColourOfItsOwn) {
  std::string svg = plain_drawing("explore-three-calls.textproto");
  std::set<std::string> colours;
  for (const Box& box : text_boxes(svg)) {
    if (box.text.starts_with("HEADERS s=")) colours.insert(box.fill);
  }
  EXPECT_EQ(colours.size(), 3u);
}

TEST(SequenceDiagram, AGapInVirtualTimeIsDrawnAsABreak) {
  Scenario scenario = testing::scenario_from_text(R"(
    name: "slow-server"
    calls {
      kind: UNARY
      client { messages: 1 message_bytes: 8 }
      server { action: RESPOND messages: 1 message_bytes: 8 delay_ns: 5000000 status { code: 0 } }
    }
  )");
  sim::PlainChoices choices;
  std::string svg = drawing(scenario, choices);
  // The server's think time: nothing happens between its read at 0.2 ms and its answer at 5.1 ms.
  bool found = false;
  for (const Box& box : text_boxes(svg)) found = found || box.text == "≈ +4.900 ms";
  EXPECT_TRUE(found) << svg;
}

}  // namespace
}  // namespace h2sim

// Helpers shared by the tests: scenarios from text, scripted choice sources, frame queries.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/explore.h"
#include "sim/choice.h"

namespace h2sim::testing {

// Parses a textproto (or a file under scenarios/) and fails the test on error.
Scenario scenario_from_text(const std::string& text);
Scenario scenario_from_file(const std::string& name);  // e.g. "founding-case.textproto"

// Runs the scenario on the plain schedule: no cuts, whole reads, the first of every tie.
Result run_plain(const Scenario& scenario);

// Answers each decision with a function of (index among decisions of that label, n, label).
class ScriptedChoices final : public sim::ChoiceSource {
 public:
  using Rule = std::function<uint32_t(uint32_t index, uint32_t n, sim::Label label)>;
  explicit ScriptedChoices(Rule rule) : rule_(std::move(rule)) {}

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override;

 private:
  Rule rule_;
  uint32_t counts_[sim::label_count] = {};
};

// The frames sent by the endpoint on `leg` whose client_side matches, in order, as
// "TYPE[ES](CODE)" strings: e.g. {"HEADERS[ES]", "RST_STREAM(CANCEL)"} for one stream.
std::vector<std::string> sent_on_stream(const Result& r, h2::Leg leg, bool client_side,
                                        h2::StreamId stream);

// What an endpoint said as its connection opened: the entries of its first SETTINGS frame, in
// order, and the increment of a WINDOW_UPDATE on the connection in the same flush (0: none).
struct Opening {
  std::vector<std::pair<uint16_t, uint32_t>> settings;
  uint32_t window_update = 0;
  bool operator==(const Opening&) const = default;
  // The value the SETTINGS gave `id`; empty when it was left out.
  std::optional<uint32_t> setting(uint16_t id) const;
};
std::string text(const Opening& o);  // "4=65535 WINDOW_UPDATE 0"
// Read from the bytes on the wire: the first flush of one direction of `connection`.
Opening opening_sent(const Result& r, uint32_t connection, bool from_connecting_end);

// The client outcomes an explore reached for call `call` ("CANCELLED: ...").
std::set<std::string> reachable_outcomes(const ExploreReport& report, size_t call);

// The bytes of a file, or "" if it cannot be read.
std::string file_text(const std::filesystem::path& path);

// Runs a shell command, stdout and stderr together.
struct CommandOutput {
  int code = -1;     // exit status, or 128 + signal
  std::string text;
};
CommandOutput run_command(const std::string& command);
// Runs the h2sim binary under test with `args`.
CommandOutput run_h2sim(const std::string& args);

}  // namespace h2sim::testing

// Reading scenarios and replay files from text format, with errors that name file:line:column.
#pragma once

#include <string>

#include "model/scenario/replay.pb.h"
#include "model/scenario/scenario.pb.h"
#include "model/scenario/validate.h"
#include "sim/choice.h"

namespace h2sim {

// Reads a whole file; false with `error` set if it cannot (missing, a directory, over 16 MiB).
bool read_file(const std::string& path, std::string* contents, std::string* error);

// Parses a Scenario textproto and validates it against the catalogue's names. Errors are
// "path:line:column: message" or "path: field: message".
bool parse_scenario(const std::string& text, const std::string& path, const Catalogue& catalogue,
                    Scenario* scenario, std::string* error);
bool load_scenario(const std::string& path, const Catalogue& catalogue, Scenario* scenario,
                   std::string* error);

// Replay files: the semantics version must match this build's; the format version may be older.
// Format 2 traces frames as the wire carries them (model/h2/wire_trace.h): a format 1 file's
// decisions still replay, but its trace and digest were made another way and are not compared.
inline constexpr uint32_t replay_format_version = 2;
inline constexpr uint32_t replay_format_version_min = 1;
// Bump whenever the meaning of a decision changes (what choose() is asked, in which order).
inline constexpr uint32_t replay_semantics_version = 1;
bool parse_replay(const std::string& text, const std::string& path, const Catalogue& catalogue,
                  Replay* replay, std::string* error);
bool load_replay(const std::string& path, const Catalogue& catalogue, Replay* replay,
                 std::string* error);
std::string format_replay(const Replay& replay);

std::vector<sim::Decision> decisions_of(const Replay& replay);

// The choices that replay a file: its decisions, each checked against what the run asks
// (sim::RecordedChoices); past their end, a file whose recording was cut (decisions_cut) answers
// 0, and any other raises sim::ChoiceError.
class ReplayChoices final : public sim::ChoiceSource {
 public:
  explicit ReplayChoices(const Replay& replay) : recorded_(decisions_of(replay)), cut_(replay.decisions_cut()) {}
  bool reads_state() const override { return false; }
  bool exhausted() const { return recorded_.exhausted(); }
  size_t consumed() const { return recorded_.consumed(); }
  // Decisions answered with 0 after a cut recording ended.
  size_t beyond_cut() const { return beyond_cut_; }

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override;

 private:
  sim::RecordedChoices recorded_;
  bool cut_;
  size_t beyond_cut_ = 0;
};
void set_decisions(const std::vector<sim::Decision>& decisions, Replay* replay);

// Text form of a message, as the textproto files are written.
std::string to_text(const google::protobuf::Message& message);

}  // namespace h2sim

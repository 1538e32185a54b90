#include "support/test_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <span>
#include <sstream>

#include "model/h2/codec.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"

namespace h2sim::testing {

Scenario scenario_from_text(const std::string& text) {
  Scenario s;
  std::string error;
  EXPECT_TRUE(parse_scenario(text, "<test>", builtin_catalogue(), &s, &error)) << error;
  return s;
}

Scenario scenario_from_file(const std::string& name) {
  Scenario s;
  std::string error;
  EXPECT_TRUE(load_scenario(std::string(H2SIM_SOURCE_DIR) + "/scenarios/" + name, builtin_catalogue(), &s, &error))
      << error;
  return s;
}

uint32_t ScriptedChoices::pick(uint32_t n, sim::Label label) {
  uint32_t index = counts_[static_cast<int>(label)]++;
  uint32_t v = rule_(index, n, label);
  return v < n ? v : n - 1;
}

std::vector<std::string> sent_on_stream(const Result& r, h2::Leg leg, bool client_side,
                                        h2::StreamId stream) {
  std::vector<std::string> out;
  for (const h2::FrameRecord& f : r.frames) {
    if (!f.sent || f.endpoint.leg != leg || f.endpoint.client_side != client_side ||
        f.stream_id != stream) {
      continue;
    }
    std::string s(h2::frame_type_name(f.type));
    if (f.end_stream()) s += "[ES]";
    if (f.type == h2::FrameType::rst_stream) s += "(" + std::string(h2::error_code_name(f.error_code)) + ")";
    out.push_back(s);
  }
  return out;
}

std::optional<uint32_t> Opening::setting(uint16_t id) const {
  for (auto [entry, value] : settings) {
    if (entry == id) return value;
  }
  return std::nullopt;
}

std::string text(const Opening& o) {
  std::string out;
  for (auto [id, value] : o.settings) out += std::to_string(id) + "=" + std::to_string(value) + " ";
  return out + "WINDOW_UPDATE " + std::to_string(o.window_update);
}

// Read from the bytes on the wire: the first flush of one direction of `connection`.
Opening opening_sent(const Result& r, uint32_t connection, bool from_connecting_end) {
  std::vector<uint8_t> bytes;
  for (const sim::SegmentRecord& s : r.segments) {
    if (s.connection == connection && s.from_connecting_end == from_connecting_end && s.flush == 0) {
      bytes.insert(bytes.end(), s.bytes.begin(), s.bytes.end());
    }
  }
  std::span<const uint8_t> rest(bytes);
  if (from_connecting_end) rest = rest.subspan(h2::connection_preface.size());
  Opening o;
  bool settings_seen = false;
  while (rest.size() >= h2::frame_header_bytes) {
    h2::FrameHeader h = h2::read_frame_header(rest);
    std::span<const uint8_t> payload = rest.subspan(h2::frame_header_bytes, h.length);
    if (h.type == static_cast<uint8_t>(h2::FrameType::settings) && !settings_seen) {
      settings_seen = true;
      for (size_t at = 0; at + 6 <= payload.size(); at += 6) {
        o.settings.emplace_back(static_cast<uint16_t>((payload[at] << 8) | payload[at + 1]), h2::read_u32(&payload[at + 2]));
      }
    } else if (h.type == static_cast<uint8_t>(h2::FrameType::window_update) && h.stream.value == 0) {
      o.window_update = h2::read_u32(payload.data()) & 0x7fffffff;
    }
    rest = rest.subspan(h2::frame_header_bytes + h.length);
  }
  return o;
}

std::set<std::string> reachable_outcomes(const ExploreReport& report, size_t call) {
  std::set<std::string> reached;
  for (const auto& [outcome, decisions] : report.outcomes.at(call)) reached.insert(outcome);
  return reached;
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandOutput run_command(const std::string& command) {
  CommandOutput out;
  FILE* pipe = popen((command + " 2>&1 </dev/null").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.text.append(buf, n);
  int status = pclose(pipe);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

CommandOutput run_h2sim(const std::string& args) { return run_command(std::string(H2SIM_BINARY) + " " + args); }

Result run_plain(const Scenario& scenario) {
  sim::PlainChoices choices;
  return run_case(scenario, choices);
}

}  // namespace h2sim::testing

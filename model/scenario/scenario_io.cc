#include "model/scenario/scenario_io.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>


namespace h2sim {

namespace {

constexpr uintmax_t file_bytes_max = 16u << 20;

class Collector final : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(std::string path) : path_(std::move(path)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first_.empty()) {
      first_ = path_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
               message;
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string path_;
  std::string first_;
};

bool parse_text(const std::string& text, const std::string& path,
                google::protobuf::Message* message, std::string* error) {
  google::protobuf::TextFormat::Parser parser;
  Collector collector(path);
  parser.RecordErrorsTo(&collector);
  if (!parser.ParseFromString(text, message)) {
    *error = collector.first().empty() ? path + ": not a valid text-format " +
                                             message->GetDescriptor()->name()
                                       : collector.first();
    return false;
  }
  return true;
}

}  // namespace

bool read_file(const std::string& path, std::string* contents, std::string* error) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found && ec != std::errc::not_a_directory) {
    *error = path + ": no such file";
    return false;
  }
  // The real reason otherwise: a folder we may not search, a loop of symbolic links, a name too long.
  if (ec) {
    *error = path + ": " + ec.message();
    return false;
  }
  if (!std::filesystem::is_regular_file(status)) {
    *error = path + ": not a regular file";
    return false;
  }
  uintmax_t bytes = std::filesystem::file_size(path, ec);
  if (ec) {
    *error = path + ": " + ec.message();
    return false;
  }
  if (bytes > file_bytes_max) {
    *error = path + ": larger than 16 MiB, not a scenario or replay file";
    return false;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot be read: " + std::generic_category().message(errno != 0 ? errno : EIO);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *contents = buffer.str();
  return true;
}

bool parse_scenario(const std::string& text, const std::string& path, const Catalogue& catalogue,
                    Scenario* scenario, std::string* error) {
  if (!parse_text(text, path, scenario, error)) return false;
  std::string invalid = validate(*scenario, catalogue);
  if (!invalid.empty()) {
    *error = path + ": " + invalid;
    return false;
  }
  return true;
}

bool load_scenario(const std::string& path, const Catalogue& catalogue, Scenario* scenario,
                   std::string* error) {
  std::string text;
  return read_file(path, &text, error) && parse_scenario(text, path, catalogue, scenario, error);
}

bool parse_replay(const std::string& text, const std::string& path, const Catalogue& catalogue,
                  Replay* replay, std::string* error) {
  if (!parse_text(text, path, replay, error)) return false;
  if (replay->format_version() < replay_format_version_min || replay->format_version() > replay_format_version) {
    *error = path + ": replay format version " + std::to_string(replay->format_version()) +
             ", this h2sim reads version " + std::to_string(replay_format_version);
    return false;
  }
  if (replay->semantics_version() != replay_semantics_version) {
    *error = path + ": written by an h2sim whose decisions mean something else (semantics " +
             std::to_string(replay->semantics_version()) + ", this build " +
             std::to_string(replay_semantics_version) + "; build '" + replay->build() + "')";
    return false;
  }
  for (int i = 0; i < replay->decisions_size(); ++i) {
    const Decision& d = replay->decisions(i);
    if (!DecisionLabel_IsValid(d.label())) {
      *error = path + ": decision " + std::to_string(i + 1) + " has label " + std::to_string(d.label()) +
               ", which is not a DecisionLabel";
      return false;
    }
    if (d.n() < 2 || d.value() >= d.n()) {
      *error = path + ": decision " + std::to_string(i + 1) + " has value " +
               std::to_string(d.value()) + " of n " + std::to_string(d.n()) +
               " (need n >= 2 and value < n)";
      return false;
    }
  }
  std::string invalid = validate(replay->scenario(), catalogue);
  if (!invalid.empty()) {
    const Scenario& s = replay->scenario();
    bool missing = s.has_proxy() && catalogue.proxies && catalogue.proxies->find(s.proxy().preset()) == nullptr;
    if (missing && !replay->proxy_plugin().empty()) {
      *error = path + ": its proxy '" + s.proxy().preset() + "' came from the plug-in " + replay->proxy_plugin() +
               ", which is not loaded: run h2sim --proxy-plugin " + replay->proxy_plugin() + " replay " + path;
    } else {
      *error = path + ": scenario: " + invalid;
    }
    return false;
  }
  if (replay->format_version() < replay_format_version) {
    replay->clear_trace_digest();  // made from another trace: see replay_format_version
    replay->clear_trace();
  }
  return true;
}

bool load_replay(const std::string& path, const Catalogue& catalogue, Replay* replay,
                 std::string* error) {
  std::string text;
  return read_file(path, &text, error) && parse_replay(text, path, catalogue, replay, error);
}

std::string to_text(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(message, &out);
  return out;
}

std::string format_replay(const Replay& replay) {
  std::string head = "# h2sim replay file: h2sim replay FILE runs it again and checks the digest.\n";
  if (!replay.finding().empty()) head += "# " + replay.finding() + "\n";
  return head + to_text(replay);
}

std::vector<sim::Decision> decisions_of(const Replay& replay) {
  std::vector<sim::Decision> out;
  out.reserve(replay.decisions_size());
  for (const Decision& d : replay.decisions()) {
    out.push_back({d.n(), d.value(), static_cast<sim::Label>(d.label())});
  }
  return out;
}

uint32_t ReplayChoices::pick(uint32_t n, sim::Label label) {
  if (!cut_ || !recorded_.exhausted()) return recorded_.choose(n, label);
  ++beyond_cut_;
  return 0;
}

void set_decisions(const std::vector<sim::Decision>& decisions, Replay* replay) {
  replay->clear_decisions();
  for (const sim::Decision& d : decisions) {
    Decision* out = replay->add_decisions();
    out->set_label(static_cast<DecisionLabel>(d.label));
    out->set_value(d.value);
    out->set_n(d.n);
  }
}

}  // namespace h2sim

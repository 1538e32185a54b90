#include "reports/trace_text.h"

#include <cstdio>

namespace h2sim {

namespace {

std::string milliseconds(sim::Time t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%9.3fms", static_cast<double>(t.ns) / 1e6);
  return buf;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

const char* kind_name(CallKind kind) {
  switch (kind) {
    case UNARY: return "unary";
    case CLIENT_STREAMING: return "client-streaming";
    case SERVER_STREAMING: return "server-streaming";
    default: return "bidi";
  }
}

}  // namespace

std::string endpoint_name(const h2::EndpointTag& tag) {
  if (tag.hostile) return "hostile";
  switch (tag.leg) {
    case h2::Leg::downstream: return tag.client_side ? "client" : "proxy";
    case h2::Leg::upstream: return tag.client_side ? "proxy" : "server";
    case h2::Leg::direct: return tag.client_side ? "client" : "server";
  }
  return "?";
}

std::string format_frame(const h2::FrameRecord& f) {
  std::string line = milliseconds(f.at) + "  " + pad(std::string(h2::leg_name(f.endpoint.leg)), 6) +
                     " " + pad(endpoint_name(f.endpoint), 6) + (f.sent ? " > " : " < ") +
                     pad(std::string(h2::frame_type_name(f.type)), 13) + " s=" +
                     std::to_string(f.stream_id);
  std::string flags = h2::frame_flags_text(f.type, f.flags);
  if (!flags.empty()) line += " [" + flags + "]";
  if (f.type == h2::FrameType::rst_stream || f.type == h2::FrameType::goaway) {
    line += " " + std::string(h2::error_code_name(f.error_code));
  }
  if (f.type == h2::FrameType::goaway) line += " last=" + std::to_string(f.last_stream_id);
  if (f.type == h2::FrameType::data || f.type == h2::FrameType::window_update ||
      f.type == h2::FrameType::settings) {
    line += " len=" + std::to_string(f.length);
  }
  for (const h2::Header& h : f.headers) line += " " + h.first + "=" + h.second;
  line += f.sent ? "  (flush " : "  (read ";
  line += std::to_string(f.batch) + ")";
  return line;
}

std::string format_trace(const Result& r) {
  std::string out;
  for (const h2::FrameRecord& f : r.frames) out += format_frame(f) + "\n";
  return out;
}

std::string format_outcomes(const Scenario& scenario, const Result& r) {
  std::string out;
  for (const grpc::CallOutcome& c : r.calls) {
    out += "call " + std::to_string(c.call) + " (" + kind_name(scenario.calls(c.call).kind()) +
           ", stream " + std::to_string(c.client_stream) + "): server sent " +
           (c.server_sent ? grpc::status_text(*c.server_sent) : std::string("no status")) +
           "; client saw " +
           (c.client_saw ? grpc::status_text(*c.client_saw) : std::string("nothing"));
    if (c.client_saw) out += " at " + milliseconds(c.client_status_at).substr(0);
    if (c.client_cancelled) out += " (the client cancelled)";
    out += "\n";
  }
  return out;
}

std::string format_verdicts(const Result& r, const std::vector<Verdict>& verdicts) {
  std::string out;
  for (const Verdict& v : verdicts) {
    out += pad(std::string(v.name) + ":", 18) + (v.holds ? "PASS" : "FAIL");
    if (!v.holds) {
      out += "  " + v.detail + "\n";
      for (size_t i : v.frames) out += "    breaking frame: " + format_frame(r.frames[i]) + "\n";
    } else {
      out += "\n";
    }
  }
  return out;
}

std::string format_run(const Scenario& scenario, const Result& r,
                       const std::vector<Verdict>& verdicts) {
  std::string out = "# " + (scenario.name().empty() ? std::string("scenario") : scenario.name());
  out += scenario.has_proxy() ? " via " + scenario.proxy().preset() : std::string(" without a proxy");
  out += ", client " + (scenario.client().empty() ? std::string("grpc-core") : scenario.client());
  out += ", server " + (scenario.server().empty() ? std::string("grpc-core") : scenario.server());
  out += "\n" + format_trace(r) + "\n" + format_outcomes(scenario, r) + "\n" +
         format_verdicts(r, verdicts);
  out += "\nrun ended " + std::string(sim::run_end_name(r.end)) + " at " +
         milliseconds(r.end_time) + " after " + std::to_string(r.events) + " events, " +
         std::to_string(r.decisions.size()) + " decisions\n";
  out += "trace digest " + r.digest + "\n";
  return out;
}

}  // namespace h2sim

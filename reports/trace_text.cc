#include "reports/trace_text.h"

#include <cstdio>

#include "model/scenario/validate.h"
#include "reports/headline.h"

namespace h2sim {

namespace {

// A terminal's width, less a margin: the headline is wrapped to it.
constexpr size_t text_columns = 100;

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

std::string format_trace(const Result& r) {
  std::string out;
  for (const h2::FrameRecord& f : r.frames) out += h2::format_frame(f) + "\n";
  return out;
}

std::string format_outcomes(const Scenario& scenario, const Result& r) {
  std::string out;
  for (const grpc::CallOutcome& c : r.calls) {
    out += "call " + std::to_string(c.call) + " (" + kind_name(scenario.calls(call_copy(scenario, c.call).entry).kind()) +
           ", stream " + std::to_string(c.client_stream.value) + "): server sent " +
           (c.server_sent ? grpc::status_text(*c.server_sent) : std::string("no status")) +
           "; client saw " +
           (c.client_saw ? grpc::status_text(*c.client_saw) : std::string("nothing"));
    if (c.client_saw) out += " at " + h2::format_time(c.client_status_at);
    if (c.client_cancelled) out += " (the client cancelled)";
    out += "\n";
  }
  return out;
}

std::string format_verdicts(const Result& r, const std::vector<Verdict>& verdicts) {
  std::string out;
  for (const Verdict& v : verdicts) {
    out += pad(std::string(v.name) + ": ", 18) + (v.holds ? "PASS" : "FAIL");
    if (!v.holds) {
      out += "  " + v.detail + "\n";
      for (size_t i : v.frames) out += "    breaking frame: " + h2::format_frame(r.frames[i]) + "\n";
    } else {
      out += "\n";
    }
  }
  return out;
}

std::string format_run(const Scenario& scenario, const Result& r,
                       const std::vector<Verdict>& verdicts, std::string_view preamble) {
  // The headline first: the one thing to read before the trace.
  std::string out = wrap_text(headline(scenario, r, verdicts), text_columns) + "\n\n" + std::string(preamble);
  out += "# " + (scenario.name().empty() ? std::string("scenario") : scenario.name());
  out += scenario.has_proxy() ? " via " + scenario.proxy().preset() : std::string(" without a proxy");
  out += ", client " + (scenario.client().empty() ? std::string("grpc-core") : scenario.client());
  out += ", server " + (scenario.server().empty() ? std::string("grpc-core") : scenario.server());
  out += "\n" + format_trace(r) + "\n" + format_outcomes(scenario, r) + "\n" +
         format_verdicts(r, verdicts);
  out += "\nrun ended " + std::string(sim::run_end_name(r.end)) + " at " +
         h2::format_time(r.end_time) + " after " + std::to_string(r.events) + " events, " +
         std::to_string(r.decisions.size()) + " decisions\n";
  out += "trace digest " + r.digest + "\n";
  return out;
}

}  // namespace h2sim

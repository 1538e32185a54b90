#include "reports/run_facts.h"

#include <algorithm>
#include <cstdlib>

namespace h2sim {

namespace {

// Where a call's frames travel: the client's connection and stream, and the server's.
struct CallStreams {
  bool client_found = false, server_found = false;
  uint32_t client_connection = 0, server_connection = 0;
  h2::StreamId client_stream{}, server_stream{};
};

bool request_of_call(const h2::FrameRecord& f, uint32_t call) {
  if (f.type != h2::FrameType::headers) return false;
  const std::string* value = h2::find_header(f.headers, "x-h2sim-call");
  return value != nullptr && *value == std::to_string(call);
}

CallStreams streams_of(const Result& r, uint32_t call) {
  CallStreams s;
  for (const h2::FrameRecord& f : r.frames) {
    if (!request_of_call(f, call)) continue;
    if (!s.client_found && f.endpoint.peer == h2::Peer::client && f.sent) {
      s.client_found = true;
      s.client_connection = f.endpoint.connection;
      s.client_stream = f.stream_id;
    }
    if (!s.server_found && f.endpoint.peer == h2::Peer::server && !f.sent) {
      s.server_found = true;
      s.server_connection = f.endpoint.connection;
      s.server_stream = f.stream_id;
    }
  }
  return s;
}

std::string name_or(const std::string& name, const char* fallback) { return name.empty() ? fallback : name; }

}  // namespace

Cast cast_of(const Scenario& scenario) {
  return {scenario.has_proxy() ? scenario.proxy().preset() : std::string(), name_or(scenario.client(), "grpc-core"),
          name_or(scenario.server(), "grpc-core")};
}

std::string cast_text(const Cast& cast) {
  std::string ends = "a " + cast.client + " client and a " + cast.server + " server";
  return cast.proxy.empty() ? ends + " without a proxy" : cast.proxy + " between " + ends;
}

CallFrames call_frames(const Result& r, uint32_t call) {
  CallStreams s = streams_of(r, call);
  CallFrames out;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    bool on_client_stream = s.client_found && f.endpoint.connection == s.client_connection &&
                            f.stream_id == s.client_stream;
    bool on_server_stream = s.server_found && f.endpoint.connection == s.server_connection &&
                            f.stream_id == s.server_stream;
    switch (f.endpoint.peer) {
      case h2::Peer::client:
        if (on_client_stream) (f.sent ? out.client_sent : out.client_read).push_back(i);
        break;
      case h2::Peer::server:
        if (on_server_stream) (f.sent ? out.server_sent : out.server_read).push_back(i);
        break;
      case h2::Peer::proxy:
        if (on_client_stream) (f.sent ? out.proxy_to_client : out.proxy_from_client).push_back(i);
        if (on_server_stream) (f.sent ? out.proxy_to_server : out.proxy_from_server).push_back(i);
        break;
      case h2::Peer::hostile:
        break;
    }
  }
  return out;
}

int call_of_frame(const Result& r, size_t frame) {
  if (r.frames[frame].stream_id == h2::connection_stream_id || r.frames[frame].endpoint.peer == h2::Peer::hostile) return -1;
  for (const grpc::CallOutcome& c : r.calls) {
    CallFrames f = call_frames(r, c.call);
    for (const std::vector<size_t>* list : {&f.client_sent, &f.client_read, &f.proxy_to_client, &f.proxy_from_client,
                                            &f.proxy_to_server, &f.proxy_from_server, &f.server_sent, &f.server_read}) {
      if (std::binary_search(list->begin(), list->end(), frame)) return static_cast<int>(c.call);
    }
  }
  return -1;
}

bool status_lost(const grpc::CallOutcome& c) {
  if (!c.server_sent || c.client_cancelled) return false;
  if (!c.client_saw) return true;
  // An OK status's message means nothing (invariants.cc, status_preserved): only the code counts.
  bool ok_both = c.client_saw->code == grpc::Code::ok && c.server_sent->code == grpc::Code::ok;
  return !ok_both && !(*c.client_saw == *c.server_sent);
}

const grpc::CallOutcome* call_at_issue(const Result& r, const std::vector<Verdict>& verdicts) {
  for (const grpc::CallOutcome& c : r.calls) {
    if (status_lost(c)) return &c;
  }
  for (size_t i : breaking_frames(verdicts)) {
    int call = call_of_frame(r, i);
    for (const grpc::CallOutcome& c : r.calls) {
      if (static_cast<int>(c.call) == call) return &c;
    }
  }
  return r.calls.empty() ? nullptr : &r.calls.front();
}

std::vector<size_t> breaking_frames(const std::vector<Verdict>& verdicts) {
  std::vector<size_t> out;
  for (const Verdict& v : verdicts) {
    if (!v.holds) out.insert(out.end(), v.frames.begin(), v.frames.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const Verdict* first_failure(const std::vector<Verdict>& verdicts) {
  for (const Verdict& v : verdicts) {
    if (!v.holds) return &v;
  }
  return nullptr;
}

bool housekeeping(const h2::FrameRecord& f) {
  return f.type == h2::FrameType::settings || f.type == h2::FrameType::window_update ||
         f.type == h2::FrameType::ping;
}

int grpc_status_of(const h2::FrameRecord& f) {
  const std::string* status = h2::find_header(f.headers, "grpc-status");
  return status == nullptr ? -1 : std::atoi(status->c_str());
}

std::string frame_phrase(const h2::FrameRecord& f) {
  std::string type(h2::frame_type_name(f.type));
  switch (f.type) {
    case h2::FrameType::headers: {
      const std::string* http_status = h2::find_header(f.headers, ":status");
      int grpc_status = grpc_status_of(f);
      if (grpc_status >= 0) {
        return std::string(http_status ? "trailers-only " : "trailers ") + type + "(grpc-status " +
               std::to_string(grpc_status) + ")";
      }
      if (http_status) return "response " + type + "(:status " + *http_status + (f.end_stream() ? ", END_STREAM)" : ")");
      if (h2::find_header(f.headers, ":method")) return "request " + type;
      return type + (f.end_stream() ? "(END_STREAM, no grpc-status)" : "");
    }
    case h2::FrameType::data:
      if (!f.end_stream()) return type;
      return (f.length == 0 ? "empty " : "") + type + "(END_STREAM)";
    case h2::FrameType::rst_stream:
    case h2::FrameType::goaway:
      return type + "(" + std::string(h2::error_code_name(f.error_code)) + ")";
    case h2::FrameType::settings:
      return (f.flags & h2::flag_ack) ? "SETTINGS ACK" : type;
    default:
      return type;
  }
}

}  // namespace h2sim

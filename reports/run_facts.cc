#include "reports/run_facts.h"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace h2sim {

namespace {

// Where a call's frames travel: the client's connection and stream, and the server's.
struct CallStreams {
  bool client_found = false, server_found = false;
  uint32_t client_connection = 0, server_connection = 0;
  h2::StreamId client_stream{}, server_stream{};
};

// The call a request HEADERS names in its x-h2sim-call header, or -1.
int64_t call_named(const h2::FrameRecord& f) {
  if (f.type != h2::FrameType::headers) return -1;
  std::optional<uint32_t> call = h2::tagged_call(f.headers);
  return call ? static_cast<int64_t>(*call) : -1;
}

// Every call's streams, in one pass over the log: the first request HEADERS the client sent
// naming the call, and the first such HEADERS the server read.
std::map<uint32_t, CallStreams> all_call_streams(const Result& r) {
  std::map<uint32_t, CallStreams> out;
  for (const h2::FrameRecord& f : r.frames) {
    bool client_sent = f.endpoint.peer == h2::Peer::client && f.sent;
    bool server_read = f.endpoint.peer == h2::Peer::server && !f.sent;
    if (!client_sent && !server_read) continue;
    int64_t call = call_named(f);
    if (call < 0) continue;
    CallStreams& s = out[static_cast<uint32_t>(call)];
    if (client_sent && !s.client_found) {
      s.client_found = true;
      s.client_connection = f.endpoint.connection;
      s.client_stream = f.stream_id;
    }
    if (server_read && !s.server_found) {
      s.server_found = true;
      s.server_connection = f.endpoint.connection;
      s.server_stream = f.stream_id;
    }
  }
  return out;
}

CallStreams streams_of(const Result& r, uint32_t call) {
  std::map<uint32_t, CallStreams> all = all_call_streams(r);
  auto it = all.find(call);
  return it == all.end() ? CallStreams{} : it->second;
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

std::vector<int> frame_calls(const Result& r) {
  using StreamKey = std::pair<uint32_t, int32_t>;  // connection, stream id
  std::map<StreamKey, int> client_streams, server_streams;
  std::map<uint32_t, CallStreams> streams = all_call_streams(r);
  for (const grpc::CallOutcome& c : r.calls) {
    auto it = streams.find(c.call);
    if (it == streams.end()) continue;
    const CallStreams& s = it->second;
    if (s.client_found) client_streams.emplace(StreamKey{s.client_connection, s.client_stream.value}, static_cast<int>(c.call));
    if (s.server_found) server_streams.emplace(StreamKey{s.server_connection, s.server_stream.value}, static_cast<int>(c.call));
  }
  auto find = [](const std::map<StreamKey, int>& streams, const h2::FrameRecord& f) {
    auto it = streams.find({f.endpoint.connection, f.stream_id.value});
    return it == streams.end() ? -1 : it->second;
  };
  std::vector<int> out(r.frames.size(), -1);
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    if (f.stream_id == h2::connection_stream_id) continue;
    switch (f.endpoint.peer) {
      case h2::Peer::client: out[i] = find(client_streams, f); break;
      case h2::Peer::server: out[i] = find(server_streams, f); break;
      case h2::Peer::proxy: {
        int on_client = find(client_streams, f);
        out[i] = on_client >= 0 ? on_client : find(server_streams, f);
        break;
      }
      case h2::Peer::hostile: break;
    }
  }
  return out;
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
  std::vector<size_t> breaking = breaking_frames(verdicts);
  if (!breaking.empty()) {
    std::vector<int> calls = frame_calls(r);
    for (size_t i : breaking) {
      for (const grpc::CallOutcome& c : r.calls) {
        if (static_cast<int>(c.call) == calls[i]) return &c;
      }
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

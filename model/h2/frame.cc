#include "model/h2/frame.h"

#include <cstdio>
#include <cstdlib>

namespace h2sim::h2 {

std::string_view frame_type_name(FrameType type) {
  switch (type) {
    case FrameType::data: return "DATA";
    case FrameType::headers: return "HEADERS";
    case FrameType::priority: return "PRIORITY";
    case FrameType::rst_stream: return "RST_STREAM";
    case FrameType::settings: return "SETTINGS";
    case FrameType::push_promise: return "PUSH_PROMISE";
    case FrameType::ping: return "PING";
    case FrameType::goaway: return "GOAWAY";
    case FrameType::window_update: return "WINDOW_UPDATE";
    case FrameType::continuation: return "CONTINUATION";
  }
  return "UNKNOWN";
}

namespace {
constexpr std::string_view error_code_names[] = {
    "NO_ERROR",       "PROTOCOL_ERROR",  "INTERNAL_ERROR",    "FLOW_CONTROL_ERROR",
    "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR",  "REFUSED_STREAM",
    "CANCEL",         "COMPRESSION_ERROR", "CONNECT_ERROR",   "ENHANCE_YOUR_CALM",
    "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
};
}  // namespace

std::string_view error_code_name(ErrorCode code) {
  auto i = static_cast<uint32_t>(code);
  return i < std::size(error_code_names) ? error_code_names[i] : "UNKNOWN_ERROR";
}

bool parse_error_code(std::string_view name, ErrorCode* code) {
  for (uint32_t i = 0; i < std::size(error_code_names); ++i) {
    if (error_code_names[i] == name) {
      *code = static_cast<ErrorCode>(i);
      return true;
    }
  }
  return false;
}

const std::string* find_header(std::span<const Header> headers, std::string_view name) {
  for (const Header& h : headers) {
    if (h.first == name) return &h.second;
  }
  return nullptr;
}

std::optional<uint32_t> tagged_call(std::span<const Header> headers) {
  const std::string* value = find_header(headers, call_tag_header);
  if (value == nullptr || value->empty()) return std::nullopt;
  char* end = nullptr;
  unsigned long call = std::strtoul(value->c_str(), &end, 10);
  if (*end != '\0' || std::to_string(call) != *value || call > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(call);
}

std::string_view leg_name(Leg leg) {
  switch (leg) {
    case Leg::downstream: return "down";
    case Leg::upstream: return "up";
    case Leg::direct: return "direct";
  }
  return "?";
}

std::string frame_flags_text(FrameType type, uint8_t flags) {
  std::string out;
  auto add = [&](std::string_view name) {
    if (!out.empty()) out += '|';
    out += name;
  };
  switch (type) {
    case FrameType::data:
      if (flags & flag_end_stream) add("END_STREAM");
      if (flags & flag_padded) add("PADDED");
      break;
    case FrameType::headers:
      if (flags & flag_end_stream) add("END_STREAM");
      if (flags & flag_end_headers) add("END_HEADERS");
      if (flags & flag_padded) add("PADDED");
      if (flags & flag_priority) add("PRIORITY");
      break;
    case FrameType::settings:
    case FrameType::ping:
      if (flags & flag_ack) add("ACK");
      break;
    case FrameType::push_promise:
    case FrameType::continuation:
      if (flags & flag_end_headers) add("END_HEADERS");
      break;
    default:
      break;
  }
  return out;
}

namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string format_time(sim::Time t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%9.3fms", static_cast<double>(t.ns) / 1e6);
  return buf;
}

std::string_view peer_name(Peer peer) {
  switch (peer) {
    case Peer::client: return "client";
    case Peer::proxy: return "proxy";
    case Peer::server: return "server";
    case Peer::hostile: return "hostile";
  }
  return "?";
}

std::string format_frame(const FrameRecord& f) {
  std::string line = format_time(f.at) + "  " + pad(std::string(leg_name(f.endpoint.leg)), 6) +
                     " " + pad(std::string(endpoint_name(f.endpoint)), 6) + (f.sent ? " > " : " < ") +
                     pad(std::string(frame_type_name(f.type)), 13) + " s=" +
                     std::to_string(f.stream_id.value);
  std::string flags = frame_flags_text(f.type, f.flags);
  if (!flags.empty()) line += " [" + flags + "]";
  if (f.type == FrameType::rst_stream || f.type == FrameType::goaway) {
    line += " " + std::string(error_code_name(f.error_code));
  }
  if (f.type == FrameType::goaway) line += " last=" + std::to_string(f.last_stream_id.value);
  if (f.type == FrameType::data || f.type == FrameType::window_update ||
      f.type == FrameType::settings) {
    line += " len=" + std::to_string(f.length);
  }
  for (const Header& h : f.headers) line += " " + h.first + "=" + h.second;
  line += f.sent ? "  (flush " : "  (read ";
  line += std::to_string(f.batch) + ")";
  return line;
}

}  // namespace h2sim::h2

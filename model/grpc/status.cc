#include "model/grpc/status.h"

#include <cstdio>

#include <charconv>

namespace h2sim::grpc {

namespace {
constexpr std::string_view code_names[] = {
    "OK",        "CANCELLED",         "UNKNOWN",   "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
    "UNAVAILABLE", "DATA_LOSS",       "UNAUTHENTICATED",
};
}  // namespace

std::string_view code_name(Code code) {
  auto i = static_cast<uint32_t>(code);
  return i < std::size(code_names) ? code_names[i] : "UNKNOWN_CODE";
}

bool parse_code_name(std::string_view name, Code* code) {
  for (uint32_t i = 0; i < std::size(code_names); ++i) {
    if (code_names[i] == name) {
      *code = static_cast<Code>(i);
      return true;
    }
  }
  return false;
}

std::string status_text(const Status& status) {
  std::string out(code_name(status.code));
  if (status.message.empty()) return out;
  out += ": ";
  // Control characters are escaped so that an outcome stays on one line of output.
  for (char c : status.message) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\\') out += "\\\\";
    else if (u < 0x20 || u == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else out += c;
  }
  return out;
}

Code code_for_reset(h2::ErrorCode reset) {
  using h2::ErrorCode;
  switch (reset) {
    case ErrorCode::refused_stream: return Code::unavailable;
    case ErrorCode::cancel: return Code::cancelled;
    case ErrorCode::enhance_your_calm: return Code::resource_exhausted;
    case ErrorCode::inadequate_security: return Code::permission_denied;
    default: return Code::internal;  // NO_ERROR and the rest: INTERNAL
  }
}

namespace {

Status grpc_go_reset(h2::ErrorCode reset) {
  using h2::ErrorCode;
  Code code = Code::internal;
  switch (reset) {
    case ErrorCode::flow_control_error: case ErrorCode::enhance_your_calm: code = Code::resource_exhausted; break;
    case ErrorCode::refused_stream: code = Code::unavailable; break;
    case ErrorCode::cancel: code = Code::cancelled; break;
    case ErrorCode::inadequate_security: code = Code::permission_denied; break;
    default: code = static_cast<uint32_t>(reset) > 0xd ? Code::unknown : Code::internal;
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%x", static_cast<uint32_t>(reset));
  std::string name = static_cast<uint32_t>(reset) > 0xd ? std::string("unknown error code ") + hex
                                                         : std::string(h2::error_code_name(reset));
  return {code, "stream terminated by RST_STREAM with error code: " + name};
}

Status grpc_java_reset(h2::ErrorCode reset) {
  using h2::ErrorCode;
  uint32_t n = static_cast<uint32_t>(reset);
  if (n > 0xd) return {Code::internal, "RST_STREAM closed stream. Unrecognized HTTP/2 error code: " + std::to_string(n)};
  Code code = Code::internal;
  std::string own;  // the Status's own description, if the table gives one
  switch (reset) {
    case ErrorCode::no_error: case ErrorCode::refused_stream: code = Code::unavailable; break;
    case ErrorCode::cancel: code = Code::cancelled; break;
    case ErrorCode::enhance_your_calm:
      code = Code::resource_exhausted;
      own = "Bandwidth exhausted";
      break;
    case ErrorCode::inadequate_security:
      code = Code::permission_denied;
      own = "Permission denied as protocol is not secure enough to call";
      break;
    case ErrorCode::http_1_1_required: code = Code::unknown; break;
    default: break;
  }
  std::string words = "RST_STREAM closed stream. HTTP/2 error code: " + std::string(h2::error_code_name(reset));
  return {code, own.empty() ? words : words + " (" + own + ")"};
}

Status grpc_js_reset(h2::ErrorCode reset) {
  using h2::ErrorCode;
  std::string n = std::to_string(static_cast<uint32_t>(reset));
  switch (reset) {
    case ErrorCode::refused_stream: return {Code::unavailable, "Stream refused by server"};
    case ErrorCode::cancel: return {Code::cancelled, "Call cancelled"};
    case ErrorCode::enhance_your_calm: return {Code::resource_exhausted, "Bandwidth exhausted or memory limit exceeded"};
    case ErrorCode::inadequate_security: return {Code::permission_denied, "Protocol not secure enough"};
    case ErrorCode::internal_error: return {Code::internal, "Received RST_STREAM with code " + n + " (Internal server error)"};
    case ErrorCode::no_error: return {Code::internal, "Received RST_STREAM with code 0 (Call ended without gRPC status)"};
    default: return {Code::internal, "Received RST_STREAM with code " + n};
  }
}

}  // namespace

Status status_for_reset(ResetWords words, h2::ErrorCode reset) {
  switch (words) {
    case ResetWords::grpc_go: return grpc_go_reset(reset);
    case ResetWords::grpc_java: return grpc_java_reset(reset);
    case ResetWords::grpc_js: return grpc_js_reset(reset);
    case ResetWords::grpc_core: break;
  }
  return {code_for_reset(reset), "Received RST_STREAM with error code " + std::to_string(static_cast<uint32_t>(reset))};
}

Code code_for_http_status(int http_status) {
  switch (http_status) {
    case 400: return Code::internal;
    case 401: return Code::unauthenticated;
    case 403: return Code::permission_denied;
    case 404: return Code::unimplemented;
    case 429: case 502: case 503: case 504: return Code::unavailable;
    case 431: return Code::internal;
    default: return Code::unknown;
  }
}

namespace {

// Go's net/http StatusText for the statuses proxies answer with; "" for others, as Go's.
std::string_view reason_phrase(int http_status) {
  switch (http_status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace

std::string grpc_go_http_status_words(int http_status, std::string_view content_type) {
  std::string words = std::string(reason_phrase(http_status)) + ": HTTP status code " + std::to_string(http_status);
  // Measured live: nginx's text/html 502 page, and Caddy's 502 with no content-type at all.
  if (content_type.empty()) {
    words += "; transport: missing content-type field";
  } else if (!content_type.starts_with("application/grpc")) {
    words += "; transport: received the unexpected content-type \"" + std::string(content_type) + "\"";
  }
  return words;
}

std::string grpc_java_http_status_words(int http_status, std::string_view content_type) {
  std::string words = "HTTP status code " + std::to_string(http_status);
  if (!content_type.starts_with("application/grpc")) {
    words += "\ninvalid content-type: " + (content_type.empty() ? std::string("null") : std::string(content_type));
  }
  return words;
}

std::string percent_encode(std::string_view message) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : message) {
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

std::string percent_decode(std::string_view encoded) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size()) {
      int hi = nibble(encoded[i + 1]), lo = nibble(encoded[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += encoded[i];  // the spec says to keep undecodable sequences as they are
  }
  return out;
}

Status status_from_trailers(std::span<const h2::Header> trailers, int http_status) {
  if (const std::string* s = h2::find_header(trailers, ":status")) {
    std::from_chars(s->data(), s->data() + s->size(), http_status);
  }
  const std::string* grpc_status = h2::find_header(trailers, "grpc-status");
  if (!grpc_status) {
    Code code = http_status == 200 ? Code::unknown : code_for_http_status(http_status);
    return {code, "no grpc-status in trailers (HTTP status " + std::to_string(http_status) + ")"};
  }
  uint32_t value = 0;
  auto r = std::from_chars(grpc_status->data(), grpc_status->data() + grpc_status->size(), value);
  if (r.ec != std::errc() || r.ptr != grpc_status->data() + grpc_status->size() || value > 16) {
    return {Code::unknown, "malformed grpc-status '" + *grpc_status + "'"};
  }
  Status status{static_cast<Code>(value), {}};
  if (const std::string* m = h2::find_header(trailers, "grpc-message")) {
    status.message = percent_decode(*m);
  }
  return status;
}

}  // namespace h2sim::grpc

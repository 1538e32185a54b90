#include "reports/headline.h"

#include <cctype>
#include <optional>
#include <string_view>

#include "reports/run_facts.h"

namespace h2sim {

namespace {

constexpr size_t none = static_cast<size_t>(-1);

// What a headline is made of: the run, who took part, the call it is about and that call's
// frames.
struct Story {
  const Result& r;
  Cast cast;
  const grpc::CallOutcome& call;
  CallFrames frames;

  const h2::FrameRecord& at(size_t i) const { return r.frames[i]; }
  std::string client() const { return "the " + cast.client + " client"; }
  std::string server() const { return "the " + cast.server + " server"; }
};

bool ends(const h2::FrameRecord& f) { return f.end_stream() || f.type == h2::FrameType::rst_stream; }
bool is_reset(const h2::FrameRecord& f) { return f.type == h2::FrameType::rst_stream; }
bool has_status(const h2::FrameRecord& f) { return grpc_status_of(f) >= 0; }

// The last frame of `list` before index `before` (a frame index) that `test` accepts, or none.
template <typename Test>
size_t last_of(const Story& s, const std::vector<size_t>& list, Test test, size_t before = none) {
  size_t found = none;
  for (size_t i : list) {
    if (i < before && test(s.at(i))) found = i;
  }
  return found;
}

std::string read_text(const h2::FrameRecord& f) { return "read " + std::to_string(f.batch); }

std::string code_text(const std::optional<grpc::Status>& status) {
  return status ? std::string(grpc::code_name(status->code)) : std::string("no status");
}

// "an empty DATA(END_STREAM)", "a trailers-only HEADERS(...)"; a bare frame type reads as a name.
std::string with_article(const std::string& phrase) {
  if (phrase.starts_with("empty ")) return "an " + phrase;
  if (phrase.starts_with("trailers") || phrase.starts_with("response ") || phrase.starts_with("request ")) {
    return "a " + phrase;
  }
  return phrase;
}

// ": CANCELLED instead of PERMISSION_DENIED", or the messages when only they differ.
std::string loss_text(const grpc::CallOutcome& c) {
  if (c.client_saw && c.server_sent && c.client_saw->code == c.server_sent->code) {
    return ": " + code_text(c.client_saw) + " with the message \"" + c.client_saw->message + "\" instead of \"" +
           c.server_sent->message + "\"";
  }
  return ": " + code_text(c.client_saw) + " instead of " + code_text(c.server_sent);
}

// "forwarded the server's trailers-only HEADERS(grpc-status 7)" when the proxy's frame carries
// the status the server's did, else "sent the client <its frame>".
std::string passed_on(const Story& s, size_t proxy_frame) {
  size_t server_end = last_of(s, s.frames.server_sent, has_status);
  const h2::FrameRecord& f = s.at(proxy_frame);
  if (server_end != none && has_status(f) && grpc_status_of(f) == grpc_status_of(s.at(server_end))) {
    return "forwarded the server's " + frame_phrase(s.at(server_end));
  }
  return "sent the client " + frame_phrase(f);
}

// --- what the proxy did, keyed by its marks -------------------------------------------------

// docs/behaviours.md §1: the response is complete, the client still uploads, the proxy resets.
std::optional<std::string> reset_after_response(const Story& s, size_t reset) {
  if (reset == none) return std::nullopt;
  size_t end = last_of(s, s.frames.proxy_to_client, [](const h2::FrameRecord& f) { return f.end_stream(); }, reset);
  if (end == none) return std::nullopt;
  bool uploading = last_of(s, s.frames.client_sent, [](const h2::FrameRecord& f) { return f.end_stream(); }, reset) == none;
  uint32_t flushes = s.at(reset).batch - s.at(end).batch;
  std::string when = flushes == 0 ? " in the same flush" : flushes == 1 ? " in its next flush"
                                                                        : " " + std::to_string(flushes) + " flushes later";
  return s.cast.proxy + " " + passed_on(s, end) + " and reset the " + (uploading ? "still-uploading " : "") +
         "client with " + frame_phrase(s.at(reset)) + when;
}
std::optional<std::string> reset_after_response(const Story& s) {
  return reset_after_response(s, last_of(s, s.frames.proxy_to_client, is_reset));
}

// Go's x/net server (docs/fidelity.md item 23): DATA the client sent before it saw the proxy's
// reset is answered with a second one.
std::optional<std::string> reset_again(const Story& s) {
  size_t first = none;
  size_t second = none;
  for (size_t i : s.frames.proxy_to_client) {
    if (!is_reset(s.at(i))) continue;
    if (first == none) {
      first = i;
    } else if (second == none) {
      second = i;
    }
  }
  if (second == none) return std::nullopt;
  std::optional<std::string> before = reset_after_response(s, first);
  if (!before) return std::nullopt;
  return *before + ", then answered the client's DATA sent before that reset with " + frame_phrase(s.at(second));
}

std::optional<std::string> trailers_dropped(const Story& s) {
  size_t trailers = last_of(s, s.frames.server_sent, has_status);
  if (trailers == none || last_of(s, s.frames.proxy_to_client, has_status) != none) return std::nullopt;
  size_t end = last_of(s, s.frames.proxy_to_client, ends);
  return s.cast.proxy + " dropped the server's " + frame_phrase(s.at(trailers)) +
         (end == none ? " and never ended the client's stream" : " and ended the client's stream with " + with_article(frame_phrase(s.at(end))));
}

std::optional<std::string> status_rewritten(const Story& s) {
  size_t theirs = last_of(s, s.frames.server_sent, has_status);
  size_t ours = last_of(s, s.frames.proxy_to_client, has_status);
  if (theirs == none || ours == none || grpc_status_of(s.at(theirs)) == grpc_status_of(s.at(ours))) return std::nullopt;
  return s.cast.proxy + " passed the server's " + frame_phrase(s.at(theirs)) + " on as " + with_article(frame_phrase(s.at(ours)));
}

std::optional<std::string> reframed(const Story& s) {
  size_t trailers = last_of(s, s.frames.server_sent, has_status);
  size_t data = last_of(s, s.frames.proxy_to_client,
                        [](const h2::FrameRecord& f) { return f.type == h2::FrameType::data && f.end_stream(); });
  if (trailers == none || data == none) return std::nullopt;
  return s.cast.proxy + " re-framed the server's " + frame_phrase(s.at(trailers)) + " as response HEADERS and an " +
         frame_phrase(s.at(data)) + ", without grpc-status";
}

std::optional<std::string> own_error_response(const Story& s) {
  size_t response = last_of(s, s.frames.proxy_to_client, [](const h2::FrameRecord& f) {
    const std::string* status = h2::find_header(f.headers, ":status");
    return status != nullptr && *status != "200";
  });
  if (response == none) return std::nullopt;
  return s.cast.proxy + " answered the client with its own " + frame_phrase(s.at(response)) +
         " instead of the server's response";
}

// The server reset the stream and the proxy reset the client's: passed on, or with another code.
std::optional<std::string> upstream_reset(const Story& s) {
  size_t theirs = last_of(s, s.frames.server_sent, is_reset);
  size_t ours = last_of(s, s.frames.proxy_to_client, is_reset);
  if (theirs == none) return std::nullopt;
  if (ours == none) {
    size_t end = last_of(s, s.frames.proxy_to_client, ends);
    if (end == none) return std::nullopt;
    return s.cast.proxy + " ended the client's stream with " + with_article(frame_phrase(s.at(end))) + " when the server's " +
           frame_phrase(s.at(theirs)) + " came";
  }
  // The status the server sent before its reset, if the proxy never passed it on.
  size_t status = last_of(s, s.frames.server_sent, has_status);
  bool dropped = status != none && last_of(s, s.frames.proxy_to_client, has_status) == none;
  std::string text = s.cast.proxy + (dropped ? " dropped the server's " + frame_phrase(s.at(status)) + " and" : "");
  std::string whose = dropped ? " its " : " the server's ";
  if (s.at(theirs).error_code == s.at(ours).error_code) {
    return text + " passed" + whose + frame_phrase(s.at(theirs)) + " on to the client";
  }
  return text + " turned" + whose + frame_phrase(s.at(theirs)) + " into " + frame_phrase(s.at(ours)) + " to the client";
}

std::optional<std::string> connection_closed(const Story& s) {
  for (const h2::FrameRecord& f : s.r.frames) {
    if (f.endpoint.peer == h2::Peer::proxy && f.sent && f.type == h2::FrameType::goaway) {
      return s.cast.proxy + " closed a connection with " + frame_phrase(f) + " (" +
             std::string(h2::leg_name(f.endpoint.leg)) + " leg)";
    }
  }
  return std::nullopt;
}

// --- what the client did, keyed by its personality's marks ----------------------------------

// grpc-core (docs/behaviours.md §2.2): trailers are held until the read batch ends, and a reset
// parsed in the same batch replaces them.
std::optional<std::string> held_status_replaced(const Story& s) {
  size_t reset = last_of(s, s.frames.client_read, is_reset);
  if (reset == none) return std::nullopt;
  size_t end = last_of(s, s.frames.client_read, [](const h2::FrameRecord& f) { return f.end_stream(); }, reset);
  if (end == none || s.at(end).batch != s.at(reset).batch) return std::nullopt;
  bool trailers = has_status(s.at(end));
  return s.client() + " read " + (trailers ? std::string("the trailers") : "the " + frame_phrase(s.at(end))) +
         " and the " + frame_phrase(s.at(reset)) + " in one read batch (" + read_text(s.at(reset)) +
         "), and the reset replaced the " + (trailers ? "trailers" : "status") + " it held";
}

// grpc-js (docs/behaviours.md §2.3): a reset after an OK status replaces it, unless its code is
// NO_ERROR.
std::optional<std::string> ok_replaced(const Story& s) {
  size_t trailers = last_of(s, s.frames.client_read, [](const h2::FrameRecord& f) { return grpc_status_of(f) == 0; });
  if (trailers == none) return std::nullopt;
  size_t reset = none;
  for (size_t i : s.frames.client_read) {
    if (i > trailers && is_reset(s.at(i)) && s.at(i).error_code != h2::ErrorCode::no_error && reset == none) reset = i;
  }
  if (reset == none) return std::nullopt;
  bool same = s.at(trailers).batch == s.at(reset).batch;
  return s.client() + " took grpc-status 0 from the trailers and let the " + frame_phrase(s.at(reset)) + " " +
         (same ? "in the same read batch (" + read_text(s.at(reset)) + ")" : "of " + read_text(s.at(reset))) +
         " replace it";
}

std::optional<std::string> held_status_kept(const Story& s) {
  size_t reset = last_of(s, s.frames.client_read, is_reset);
  if (reset == none) return std::nullopt;
  return s.client() + " kept the trailers it held when the " + frame_phrase(s.at(reset)) + " came (" +
         read_text(s.at(reset)) + ")";
}

std::optional<std::string> unary_without_message(const Story& s) {
  return s.client() + " turned an OK without a response message into UNIMPLEMENTED";
}

using Clause = std::optional<std::string> (*)(const Story&);
struct KeyedClause {
  std::string_view mark;
  Clause build;
};

// Most specific first: the first whose mark the run has and whose frames are there is used.
constexpr KeyedClause proxy_clauses[] = {
    {"proxy: RST(STREAM_CLOSED) for DATA after its reset", reset_again},
    {"proxy: RST(CANCEL) after a complete response to an uploading client", reset_after_response},
    {"proxy: RST(NO_ERROR) after a complete response to an uploading client", reset_after_response},
    {"proxy: HTTP error response instead of the server's", own_error_response},
    {"proxy: status laundered to OK", status_rewritten},
    {"proxy: trailers-only re-framed as HEADERS + empty DATA(END_STREAM)", reframed},
    {"proxy: trailers dropped", trailers_dropped},
    {"proxy: reset code rewritten", upstream_reset},
    {"proxy: abort ends the response with an empty DATA(END_STREAM), no trailers", upstream_reset},
    {"proxy: abort ends the response with an empty DATA(END_STREAM), then resets the uploading client", upstream_reset},
    {"proxy: response tail discarded by the reset", upstream_reset},
    {"proxy: upstream reset aborts the call", upstream_reset},
    {"proxy: idle timeout", connection_closed},
    {"proxy: connection error closes the session", connection_closed},
    {"proxy: abrupt GOAWAY after max requests", connection_closed},
};
constexpr KeyedClause client_clauses[] = {
    {"grpc-core: reset in the same read batch replaces held trailers", held_status_replaced},
    {"grpc-js: reset replaces an OK status", ok_replaced},
    {"grpc-core-sync: reset after held trailers, no status op pending: kept", held_status_kept},
    {"grpc++ sync unary: OK without a message is UNIMPLEMENTED", unary_without_message},
};

template <size_t n>
std::optional<std::string> first_clause(const Story& s, const KeyedClause (&clauses)[n]) {
  for (const KeyedClause& c : clauses) {
    if (s.r.marks.count(c.mark) == 0) continue;
    if (std::optional<std::string> text = c.build(s)) return text;
  }
  return std::nullopt;
}

// "X (read 2) and Y (read 2)", or "X and Y, both in read 2" when one batch delivered them all.
std::string frames_text(const Story& s, const std::vector<size_t>& frames, bool sent) {
  std::string out;
  bool one_batch = true;
  for (size_t i : frames) one_batch = one_batch && s.at(i).batch == s.at(frames.front()).batch;
  for (size_t k = 0; k < frames.size(); ++k) {
    out += (k == 0 ? "" : k + 1 == frames.size() ? " and " : ", ") + with_article(frame_phrase(s.at(frames[k])));
    if (!one_batch) out += " (" + std::string(sent ? "flush " : "read ") + std::to_string(s.at(frames[k]).batch) + ")";
  }
  if (frames.empty()) return "nothing that ends the call";
  if (one_batch) {
    std::string where = (sent ? "flush " : "read ") + std::to_string(s.at(frames.front()).batch);
    out += frames.size() > 1 ? (sent ? " in one flush (" : " in one read batch (") + where + ")" : " (" + where + ")";
  }
  return out;
}

std::vector<size_t> ending(const Story& s, const std::vector<size_t>& list) {
  std::vector<size_t> out;
  for (size_t i : list) {
    if (ends(s.at(i))) out.push_back(i);
  }
  return out;
}

// A sentence starts with a capital, but a name keeps its own spelling ("haproxy-2.6").
std::string capitalised(std::string text) {
  if (text.starts_with("the ") || text.starts_with("call ")) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

// The lost status: the keyed clauses where they apply, the frames where they do not.
std::string lost_status_headline(const Story& s) {
  std::optional<std::string> proxy = s.cast.proxy.empty() ? std::nullopt : first_clause(s, proxy_clauses);
  std::optional<std::string> client = first_clause(s, client_clauses);
  std::string call = "call " + std::to_string(s.call.call);
  if (!proxy && !client) {
    return capitalised(call + ": " + s.server() + " sent " + code_text(s.call.server_sent) + ", " + s.client() +
                       " saw " + code_text(s.call.client_saw) +
                       (s.cast.proxy.empty() ? "" : " through " + s.cast.proxy) + "; the client's last frames: " +
                       frames_text(s, ending(s, s.frames.client_read), false) + ".");
  }
  std::string text = proxy ? *proxy : s.server() + " ended " + call + " with " + frames_text(s, ending(s, s.frames.server_sent), true);
  if (!proxy && !s.cast.proxy.empty()) {
    text += ", and " + s.cast.proxy + " sent the client " + frames_text(s, ending(s, s.frames.proxy_to_client), true);
  }
  text += "; " + (client ? *client : s.client() + " read " + frames_text(s, ending(s, s.frames.client_read), false));
  return capitalised(text + loss_text(s.call) + ".");
}

std::string frame_where(const Result& r, size_t i) {
  const h2::FrameRecord& f = r.frames[i];
  return "the " + std::string(h2::peer_name(f.endpoint.peer)) + (f.sent ? " sent " : " read ") + frame_phrase(f) +
         (f.stream_id != h2::connection_stream_id ? " on stream " + std::to_string(f.stream_id.value) : "") + " (" + std::string(h2::leg_name(f.endpoint.leg)) +
         ", " + (f.sent ? "flush " : "read ") + std::to_string(f.batch) + ")";
}

// Any other broken invariant: its detail, and the frames that break it.
std::string broken_invariant_headline(const Result& r, const Verdict& v, const Cast& cast) {
  std::string text = "The invariant \"" + std::string(v.name) + "\" fails" +
                     (cast.proxy.empty() ? "" : " through " + cast.proxy) + ": " + v.detail + ".";
  if (v.frames.empty()) return text;
  text += v.frames.size() == 1 ? " The breaking frame: " : " The breaking frames: ";
  for (size_t k = 0; k < v.frames.size() && k < 3; ++k) text += (k ? "; " : "") + frame_where(r, v.frames[k]);
  if (v.frames.size() > 3) text += "; and " + std::to_string(v.frames.size() - 3) + " more";
  return text + ".";
}

std::string holding_headline(const Scenario& scenario, const Result& r, const Cast& cast) {
  std::string through = cast.proxy.empty() ? "" : ", through " + cast.proxy;
  std::string text = "Every invariant holds: ";
  if (r.calls.size() == 1) {
    const grpc::CallOutcome& c = r.calls.front();
    std::string ended = "call 0 ended at the " + cast.client + " client with " + code_text(c.client_saw);
    if (c.client_cancelled) text += "call 0 was cancelled by the " + cast.client + " client" + through;
    else if (c.server_sent) text += ended + ", as the " + cast.server + " server sent it" + through;
    else text += ended + through + "; the " + cast.server + " server sent no status";
  } else {
    text += "each of the " + std::to_string(r.calls.size()) + " calls ended at the " + cast.client +
            " client with its server's status or the client's own cancel" + through;
  }
  text += ".";
  // A behaviour that could have lost the status and did not is worth its own sentence.
  if (!r.calls.empty()) {
    Story s{r, cast, r.calls.front(), call_frames(r, r.calls.front().call)};
    std::optional<std::string> client = first_clause(s, client_clauses);
    if (client && scenario.calls_size() == 1) text += " " + capitalised(*client) + ".";
  }
  return text;
}

}  // namespace

std::string headline(const Scenario& scenario, const Result& r, const std::vector<Verdict>& verdicts) {
  Cast cast = cast_of(scenario);
  const Verdict* failure = first_failure(verdicts);
  if (failure == nullptr) return holding_headline(scenario, r, cast);
  const grpc::CallOutcome* call = call_at_issue(r, verdicts);
  if (call != nullptr && status_lost(*call)) {
    return lost_status_headline(Story{r, cast, *call, call_frames(r, call->call)});
  }
  return broken_invariant_headline(r, *failure, cast);
}

std::string wrap_text(const std::string& text, size_t columns) {
  std::string out, line;
  size_t start = 0;
  while (start <= text.size()) {
    size_t space = text.find(' ', start);
    std::string word = text.substr(start, space == std::string::npos ? std::string::npos : space - start);
    if (!line.empty() && line.size() + 1 + word.size() > columns) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return out + line;
}

}  // namespace h2sim

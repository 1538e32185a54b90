#include "reports/page_view.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "reports/run_facts.h"

namespace h2sim {

namespace {

// The stream-0 frames of `connections` that were sent and read between `first` and `last`, and
// those sent then and never read. Whole pairs only: the sequence diagram pairs a direction's
// k-th sent frame with its k-th read frame, so a read without its send would shift every pair.
std::vector<size_t> connection_frames(const Result& r, const std::set<uint32_t>& connections, sim::Time first,
                                      sim::Time last) {
  using Direction = std::pair<uint32_t, bool>;  // connection, sent by the connecting end
  std::map<Direction, std::vector<size_t>> sent, read;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    if (f.stream_id != h2::connection_stream_id || !connections.count(f.endpoint.connection)) continue;
    if (f.sent) {
      sent[{f.endpoint.connection, f.endpoint.client_side}].push_back(i);
    } else {
      read[{f.endpoint.connection, !f.endpoint.client_side}].push_back(i);
    }
  }
  auto within = [&](size_t i) { return r.frames[i].at >= first && r.frames[i].at <= last; };
  std::vector<size_t> out;
  for (const auto& [direction, sends] : sent) {
    const std::vector<size_t>& reads = read[direction];
    for (size_t k = 0; k < sends.size(); ++k) {
      bool read_too = k < reads.size();
      if (!within(sends[k]) || (read_too && !within(reads[k]))) continue;
      out.push_back(sends[k]);
      if (read_too) out.push_back(reads[k]);
    }
  }
  return out;
}

std::string why_this_call(const Result& r, const std::vector<Verdict>& verdicts, const grpc::CallOutcome& call,
                          const std::vector<int>& calls) {
  if (status_lost(call)) return "the first call whose status was lost";
  for (size_t i : breaking_frames(verdicts)) {
    if (calls[i] == static_cast<int>(call.call)) return "the call of the first frame that breaks an invariant";
  }
  return r.calls.empty() || &call == &r.calls.front() ? "the first call" : "the call at issue";
}

// Marks in `keep` the frames of `call` and the connection frames of its connections while it
// ran; returns how many frames the call has.
size_t keep_call(const Result& r, const std::vector<int>& calls, uint32_t call, std::vector<bool>* keep) {
  std::set<uint32_t> connections;
  sim::Time first{INT64_MAX}, last{INT64_MIN};
  size_t kept = 0;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    if (calls[i] != static_cast<int>(call)) continue;
    (*keep)[i] = true;
    ++kept;
    connections.insert(r.frames[i].endpoint.connection);
    first = std::min(first, r.frames[i].at);
    last = std::max(last, r.frames[i].at);
  }
  for (size_t i : connection_frames(r, connections, first, last)) (*keep)[i] = true;
  return kept;
}

}  // namespace

void page_view(const Result& r, const std::vector<Verdict>& verdicts, PageView* view) {
  view->run = &r;
  view->run_verdicts = &verdicts;
  view->whole = r.frames.size() <= page_frames_max;
  if (view->whole) {
    view->note.clear();
    view->caption.clear();
    return;
  }
  std::vector<bool> keep(r.frames.size(), false);
  std::vector<int> calls = frame_calls(r);
  const grpc::CallOutcome* focus = call_at_issue(r, verdicts);
  size_t kept = focus == nullptr ? 0 : keep_call(r, calls, focus->call, &keep);
  std::string shown_text, caption_text;
  if (kept == 0) {
    // No call, or one that never reached the wire: the first frames (a frame sent near the end of
    // them and read after it is drawn as never read).
    std::fill(keep.begin(), keep.begin() + static_cast<ptrdiff_t>(page_frames_max), true);
    shown_text = "its first " + std::to_string(page_frames_max) + " frames";
    caption_text = "the run's first frames";
  } else {
    caption_text = "call " + std::to_string(focus->call) + "'s frames and its connections' frames while it ran";
    shown_text = "the frames of call " + std::to_string(focus->call) + " (" + why_this_call(r, verdicts, *focus, calls) +
                 ") on both legs, and the connection frames of its connections sent and read while it ran";
  }
  // The shown Result: the kept frames in log order, the focus call's outcome, the run's facts.
  Result& s = view->part;
  s = Result{};
  s.has_proxy = r.has_proxy;
  // A hostile client's frames are never kept (they belong to no call and to none of the call's
  // connections): a part that said "its connection (0 frames) is not drawn" would mislead.
  s.has_hostile = false;
  s.hostile_connection = r.hostile_connection;
  s.hostile_peer_closed = r.hostile_peer_closed;
  s.end = r.end;
  s.end_time = r.end_time;
  s.digest = r.digest;
  if (kept > 0) s.calls.push_back(*focus);
  std::vector<size_t> index_in_shown(r.frames.size(), SIZE_MAX);
  for (size_t i = 0; i < r.frames.size(); ++i) {
    if (!keep[i]) continue;
    index_in_shown[i] = s.frames.size();
    s.frames.push_back(r.frames[i]);
  }
  view->part_verdicts = verdicts;
  for (Verdict& v : view->part_verdicts) {
    std::vector<size_t> moved;
    for (size_t i : v.frames) {
      if (i < index_in_shown.size() && index_in_shown[i] != SIZE_MAX) moved.push_back(index_in_shown[i]);
    }
    v.frames = std::move(moved);
  }
  view->note = "This run logged " + std::to_string(r.frames.size()) + " frames over " + std::to_string(r.calls.size()) +
               " calls, more than a page can draw (" + std::to_string(page_frames_max) +
               "): the sequence diagram and the trace show " + shown_text + ", " + std::to_string(s.frames.size()) +
               " frames. trace.txt, trace.pcap and trace.pcapng hold every frame.";
  view->caption = "Part of the run: " + caption_text + " (" + std::to_string(s.frames.size()) + " of " +
                  std::to_string(r.frames.size()) + " frames); trace.txt and the pcaps hold every frame.";
}

std::vector<size_t> listed_calls(const Result& r) {
  std::vector<size_t> out;
  if (r.calls.size() <= page_calls_max) {
    for (size_t i = 0; i < r.calls.size(); ++i) out.push_back(i);
    return out;
  }
  for (size_t i = 0; i < r.calls.size() && out.size() < page_calls_max; ++i) {
    if (status_lost(r.calls[i])) out.push_back(i);
  }
  for (size_t i = 0; i < r.calls.size() && out.size() < page_calls_max; ++i) {
    if (!status_lost(r.calls[i])) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace h2sim

// The World owns one run's physics: the event queue, the simulated TCP connections between
// hosts, timers, and the one ChoiceSource. It runs until quiescent or until a limit is hit
// (a hang is a verdict, not a loop).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sim/choice.h"
#include "sim/digest.h"
#include "sim/event_queue.h"
#include "sim/host.h"
#include "sim/marks.h"
#include "sim/time.h"

namespace h2sim::sim {

// How the network treats every connection of a run.
struct LinkConfig {
  Duration latency_min = Duration::microseconds(100);
  Duration latency_max = Duration::microseconds(100);
  // Latencies are drawn from this many evenly spaced values in [min, max] (Label::latency).
  uint32_t latency_steps = 1;
  // At most this many segments per flush from chosen cuts (Label::split); 1 means never cut.
  uint32_t segments_max = 2;
  // Flushes longer than this are always cut (like an MSS); not a choice.
  uint32_t segment_bytes_max = 65536;
  // Bytes a second each direction carries: a segment leaves once the ones before it have, after
  // its own serialization time. 0: no cap (a segment leaves at once).
  uint64_t bandwidth_bytes_per_s = 0;
};

// What the network may do to a run beyond cutting and delaying writes (scenario.proto: Faults).
// The moment of each fault is a choice (Label::fault) among the first `moments` segment
// arrivals, 0 being never; the fault acts on the connection that segment arrived on.
enum class FaultKind : uint8_t {
  reset,    // both ends get a TCP RST; data in flight and unread is lost
  close,    // both ends get a FIN after the data in flight (a middlebox closing the connection)
  stall,    // the receiving end's host stops reading the connection for `read_stall`
  restart,  // every connection of the restarting host is reset; it refuses connects for `restart`
};
inline constexpr int fault_kind_count = 4;
const char* fault_kind_name(FaultKind kind);

struct FaultPlan {
  uint32_t counts[fault_kind_count] = {};  // how many of each kind may fire
  Duration read_stall;
  Duration restart;
  uint32_t moments = 16;
  Address restarting_host;  // the host a restart acts on (the server)
  bool any() const {
    for (uint32_t c : counts) {
      if (c > 0) return true;
    }
    return false;
  }
};

// A fault that fired: what, where and when.
struct FaultRecord {
  FaultKind kind = FaultKind::reset;
  uint32_t connection = 0;
  Time at;
};

struct Limits {
  uint64_t events_max = 100000;
  Duration time_max = Duration::milliseconds(60 * 1000);
  // Bytes all hosts may write in one run: bounds the memory a run can take.
  uint64_t bytes_max = uint64_t{256} << 20;
};

enum class RunEnd : uint8_t {
  quiescent,     // no event left: every host is waiting for something that will never come
  limit_events,  // events_max reached: a livelock
  limit_time,    // the next event is past time_max
  limit_bytes,   // the hosts wrote more than bytes_max
};
const char* run_end_name(RunEnd end);

// What the World observes of one connection end, for reports (pcap, sequence diagrams).
struct SegmentRecord {
  uint32_t connection = 0;
  bool from_connecting_end = true;  // direction: connecting end -> accepting end
  Time sent_at;
  Time arrived_at;
  uint32_t flush = 0;               // index of the flush this segment was cut from, per direction
  std::vector<uint8_t> bytes;       // empty with fin/rst set for control segments
  bool fin = false;
  bool rst = false;
};

struct ReadRecord {
  uint32_t connection = 0;
  bool by_accepting_end = true;  // which end read
  Time at;
  uint32_t bytes = 0;
  uint32_t batch = 0;             // per end, counting from 0
};

class World final : public StateProbe {
 public:
  World(ChoiceSource& choices, LinkConfig link, Limits limits);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Adds a host (not owned); returns the address where it listens. Hosts start in `run`.
  Address add_host(Host& host, std::string name, Address next_hop);
  // Shows every write and read batch to `observer` (not owned), from the start of the run.
  void set_wire_observer(WireObserver* observer) { observer_ = observer; }
  // The faults the run may inject (before run()). Their moments are chosen when the run starts.
  void set_faults(const FaultPlan& plan);

  RunEnd run();

  Time now() const { return now_; }
  uint64_t events_run() const { return events_run_; }
  // Room for this many segment and read records (before run()), so that a long run's records do
  // not grow by copying.
  void reserve_records(size_t segments, size_t reads) {
    segments_.reserve(segments);
    reads_.reserve(reads);
  }
  // Records of segments still in flight or unread carry no bytes until take_segments().
  const std::vector<SegmentRecord>& segments() const { return segments_; }
  const std::vector<ReadRecord>& reads() const { return reads_; }
  // Moves the records out at the end of a run (they can be large).
  std::vector<SegmentRecord> take_segments();
  std::vector<ReadRecord> take_reads() { return std::move(reads_); }
  // The coverage marks the hosts recorded through Net::mark.
  Marks take_marks() { return std::move(marks_); }
  // The faults that fired, in order.
  std::vector<FaultRecord> take_faults() { return std::move(faults_fired_); }
  const std::string& host_name(Address a) const;
  // Which hosts the two ends of connection k belong to.
  Address connecting_host(uint32_t connection) const;
  Address accepting_host(uint32_t connection) const;
  size_t connection_count() const { return connections_.size(); }

  // The identity of the world's state, which explore prunes on. See world.cc for why it is sound.
  Hash128 state_digest() const override;
  bool tie_candidates(std::vector<EventInfo>* out) const override;

 private:
  struct Port;
  struct Segment;
  struct Direction;
  struct Connection;
  struct HostSlot;

  Direction& direction_into(ConnId receiving_end);
  Address host_of(ConnId end) const;
  void send(ConnId from, Flush flush);
  void send_control(ConnId from, bool fin, bool rst);
  void enqueue_segment(ConnId from, Segment segment, Duration latency);
  void choose_fault_moments();
  void fire_faults(ConnId to);
  void fire_fault(FaultKind kind, uint32_t connection);
  void inject_reset(uint32_t connection);
  void inject_close(uint32_t connection);
  void refuse(ConnId connecting_end);
  void accept(ConnId accepting_end);
  void arrive(ConnId to);
  void read(ConnId end);
  void fire_timer(Address host, TimerId timer);
  Duration draw_latency();
  void note_input(Address host, uint64_t kind, uint64_t what, std::span<const uint8_t> bytes = {});
  void add_sending(StateHash& d) const;
  EventInfo describe(uint64_t tag, Address host) const;
  void check_quiescent() const;
  static void check_boundaries(const Flush& flush);

  // A write the World is cutting into segments or enqueuing when it asks for a split or latency
  // choice. Its segments are in no direction yet, so state_digest reads them from here (and
  // the cuts chosen so far from cut_scratch_).
  struct Sending {
    bool active = false;
    bool cutting = false;  // still choosing cuts: the flush's boundaries are still open
    ConnId from;
    const Flush* flush = nullptr;  // null for a FIN or RST
    size_t next_cut = 0;  // segments cut_scratch_[next_cut..] are not enqueued yet
    uint32_t start = 0;   // offset in the flush of the first segment not enqueued yet
    bool fin = false;
    bool rst = false;
  };
  // Why a timer's event is still in the queue or not; cancelled timers keep their event (the
  // queue's ties must not change when a host cancels), so the state says which will do nothing.
  enum class TimerState : uint8_t { armed, cancelled, done };

  ChoiceSource& choices_;
  const bool track_inputs_;  // choices_ may read state_digest(), which needs the input digests
  const bool host_states_;   // and may name hosts by their own state (Host::add_state)
  // The host whose handler is running, if any: it is named by its inputs (mid-event, its own
  // state is half-updated).
  uint32_t running_ = UINT32_MAX;
  // Runs one of host `host`'s handlers.
  template <typename F>
  void dispatch(Address host, F&& handler);
  void add_host_state(StateHash& d, uint32_t host) const;
  const bool watch_events_;  // choices_ wants to see every event before it runs (on_event)
  LinkConfig link_;
  Limits limits_;
  EventQueue queue_;
  Time now_;
  uint64_t events_run_ = 0;
  uint64_t bytes_written_ = 0;
  bool started_ = false;  // run() has started the hosts
  std::vector<HostSlot> hosts_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<TimerState> timer_state_;  // indexed by TimerId
  std::vector<Address> timer_owner_;
  std::vector<SegmentRecord> segments_;
  std::vector<ReadRecord> reads_;
  std::vector<uint32_t> cut_scratch_;  // reused by send(): no allocation per flush
  std::vector<Segment> read_scratch_;  // reused by read()
  std::vector<uint8_t> join_scratch_;  // reused by read() for a batch of several segments
  Sending sending_;
  mutable std::vector<std::pair<uint64_t, Address>> tie_scratch_;  // reused by tie_candidates
  WireObserver* observer_ = nullptr;
  Marks marks_;
  // Faults: the plan, each pending fault's moment (an arrival count; 0: never), the data-segment
  // arrivals so far, and until when the restarting host refuses connections.
  FaultPlan faults_;
  struct PendingFault {
    FaultKind kind;
    uint64_t moment;
  };
  std::vector<PendingFault> pending_faults_;
  uint64_t arrivals_ = 0;
  Time refusing_until_;
  bool refusing_ = false;
  std::vector<FaultRecord> faults_fired_;
};

}  // namespace h2sim::sim

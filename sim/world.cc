#include "sim/world.h"

#include <algorithm>

#include "sim/assert.h"
#include "sim/digest.h"

namespace h2sim::sim {

const char* fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::reset: return "reset";
    case FaultKind::close: return "close";
    case FaultKind::stall: return "stall";
    case FaultKind::restart: return "restart";
  }
  return "?";
}

const char* run_end_name(RunEnd end) {
  switch (end) {
    case RunEnd::quiescent: return "quiescent";
    case RunEnd::limit_events: return "limit_events";
    case RunEnd::limit_time: return "limit_time";
    case RunEnd::limit_bytes: return "limit_bytes";
  }
  return "?";
}

// A first-in first-out queue over a vector: std::deque allocates two blocks as soon as it is
// constructed, four deques per connection, and most directions carry a handful of segments.
template <typename T>
class Fifo {
 public:
  bool empty() const { return head_ == items_.size(); }
  size_t size() const { return items_.size() - head_; }
  T& front() { return items_[head_]; }
  const T& operator[](size_t i) const { return items_[head_ + i]; }
  T& operator[](size_t i) { return items_[head_ + i]; }
  void push_back(T item) {
    // Most directions carry a handful of segments: one allocation rather than growing 1, 2, 4.
    if (items_.capacity() == 0) items_.reserve(4);
    items_.push_back(std::move(item));
  }
  void pop_front() {
    if (++head_ == items_.size()) clear();
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }
  auto begin() const { return items_.begin() + head_; }
  auto end() const { return items_.end(); }

 private:
  std::vector<T> items_;
  size_t head_ = 0;
};

// A segment in flight or arrived but unread.
struct World::Segment {
  uint64_t id = 0;
  std::vector<uint8_t> bytes;
  bool fin = false;
  bool rst = false;
  bool dropped = false;  // lost to a reset the network injected: it never reaches the receiver
  Time arrived_at;
};

// One direction of a connection: what is in flight towards the receiving end, what has arrived
// there unread, and whether a read is already scheduled.
struct World::Direction {
  Fifo<Segment> in_flight;
  Fifo<Segment> arrived;
  Time last_arrival;          // segments arrive in order: never before the previous one
  bool arrival_scheduled = false;  // one arrival event at a time, for the front segment
  bool read_scheduled = false;
  bool closed = false;        // sender sent FIN or RST: later writes are dropped
  uint32_t flushes = 0;
  uint32_t batches = 0;
  Time link_free;     // with a bandwidth cap: when the last segment sent has left
  Time stalled_until;  // a read stall: the receiver reads nothing before then
};

struct World::Connection {
  Address connecting;
  Address accepting;
  Direction to_accepting;
  Direction to_connecting;
  bool reset = false;
  // The accepting host has been told of the connection. Its accept event is due at the instant
  // the connection opens, but with zero latency the first bytes can be due then too, and events
  // of one host at one instant are a tie: whichever runs first delivers the accept.
  bool accepted = false;
  bool refused = false;  // its host was restarting: the connecting end gets an RST, nobody accepts
};

// What one host sees: a Net bound to that host.
struct World::Port final : Net {
  World* world = nullptr;
  Address self;

  Time now() const override { return world->now_; }
  ConnId connect(Address to) override;
  // A host acts on its own connection ends and timers only.
  void write(ConnId end, Flush flush) override {
    H2SIM_ASSERT(world->host_of(end) == self);
    world->send(end, std::move(flush));
  }
  void shutdown(ConnId end) override {
    H2SIM_ASSERT(world->host_of(end) == self);
    world->send_control(end, true, false);
  }
  void reset(ConnId end) override {
    H2SIM_ASSERT(world->host_of(end) == self);
    world->send_control(end, false, true);
  }
  TimerId set_timer(Duration after) override;
  void cancel_timer(TimerId timer) override {
    H2SIM_ASSERT(timer.value < world->timer_state_.size() && world->timer_owner_[timer.value] == self);
    TimerState& state = world->timer_state_[timer.value];
    if (state == TimerState::armed) state = TimerState::cancelled;
  }
  void mark(std::string_view name) override { world->marks_.hit(name); }
  uint32_t choose(uint32_t n, Label label) override;
  bool asks_state() const override { return world->host_states_; }
};

struct World::HostSlot {
  Host* host = nullptr;
  std::string name;
  Address next_hop;
  // Held in place: hosts keep a reference from start() on, and hosts_ does not grow after that
  // (add_host asserts it).
  Port port;
  StateHash inputs;  // everything this host was given, and when (note_input), for state_digest
};

World::World(ChoiceSource& choices, LinkConfig link, Limits limits)
    : choices_(choices),
      track_inputs_(choices.reads_state()),
      host_states_(track_inputs_ && choices.names_hosts_by_state()),
      watch_events_(choices.watches_events()),
      link_(link), limits_(limits) {
  H2SIM_ASSERT(link_.latency_min <= link_.latency_max);
  H2SIM_ASSERT(link_.latency_steps >= 1 && link_.segments_max >= 1);
  H2SIM_ASSERT(link_.segment_bytes_max >= 1);
  // draw_latency multiplies the span by a step number: the product must fit.
  H2SIM_ASSERT((link_.latency_max - link_.latency_min).ns <= INT64_MAX / link_.latency_steps);
  segments_.reserve(64);
  // 32 reads (768 bytes) cover a founding-case run's dozen; glibc serves requests over 1 KiB on
  // its slow path.
  reads_.reserve(32);
  hosts_.reserve(4);        // client, proxy, server and a hostile client
  connections_.reserve(4);
  choices_.attach(this);
}

World::~World() { choices_.attach(nullptr); }

namespace {

// Event tags for state identities: the kind of event and what it acts on.
uint64_t tag(uint64_t kind, uint64_t a, uint64_t b = 0) { return (kind << 56) ^ (a << 28) ^ b; }
constexpr uint64_t tag_accept = 1, tag_timer = 2, tag_arrive = 3, tag_read = 4;
// Kinds of host input, for the hosts' input digests.
constexpr uint64_t input_accept = 1, input_timer = 2, input_read = 3, input_fin = 4, input_rst = 5, input_choice = 6;

}  // namespace

template <typename F>
void World::dispatch(Address host, F&& handler) {
  running_ = host.value;
  handler(*hosts_[host.value].host);
  running_ = UINT32_MAX;
}

Address World::add_host(Host& host, std::string name, Address next_hop) {
  H2SIM_ASSERT(!started_);  // ports are held in hosts_, which must not move once hosts run
  HostSlot slot;
  slot.host = &host;
  slot.name = std::move(name);
  slot.next_hop = next_hop;
  slot.port.world = this;
  slot.port.self = Address{static_cast<uint32_t>(hosts_.size())};
  hosts_.push_back(std::move(slot));
  return hosts_.back().port.self;
}

const std::string& World::host_name(Address a) const {
  H2SIM_ASSERT(a.value < hosts_.size());
  return hosts_[a.value].name;
}

Address World::connecting_host(uint32_t connection) const {
  return connections_[connection]->connecting;
}
Address World::accepting_host(uint32_t connection) const {
  return connections_[connection]->accepting;
}

ConnId World::Port::connect(Address to) {
  H2SIM_ASSERT(to.value < world->hosts_.size());
  H2SIM_ASSERT(world->connections_.size() < connections_max);
  auto connection = std::make_unique<Connection>();
  connection->connecting = self;
  connection->accepting = to;
  ConnId end = connecting_end(static_cast<uint32_t>(world->connections_.size()));
  world->connections_.push_back(std::move(connection));
  if (world->observer_) world->observer_->on_connect(connection_index(end), self, to);
  if (world->refusing_ && to == world->faults_.restarting_host && world->now_ < world->refusing_until_) {
    world->refuse(end);
    return end;
  }
  // The handshake is not modelled as segments: the peer learns of the connection at once.
  // (Reports synthesize SYN/SYN-ACK for pcap.)
  World* w = world;
  w->queue_.schedule(w->now_, [w, end] { w->accept(peer_of(end)); }, tag(tag_accept, to.value, end.value),
                     to);
  return end;
}

// Tells the accepting host of its connection, once: from the accept event, or from the first
// delivery on the connection if that event lost the tie (with zero latency both are due at the
// instant the connection opened).
void World::accept(ConnId accepting_end) {
  Connection& c = *connections_[connection_index(accepting_end)];
  if (c.accepted) return;
  c.accepted = true;
  note_input(c.accepting, input_accept, peer_of(accepting_end).value);
  dispatch(c.accepting, [&](Host& h) { h.on_accept(accepting_end); });
}

TimerId World::Port::set_timer(Duration after) {
  H2SIM_ASSERT(after.ns >= 0);
  TimerId id{world->timer_state_.size()};
  world->timer_state_.push_back(TimerState::armed);
  world->timer_owner_.push_back(self);
  World* w = world;
  // Two words of capture fit std::function's inline buffer: no allocation per timer.
  w->queue_.schedule(w->now_ + after, [w, id] { w->fire_timer(w->timer_owner_[id.value], id); },
                     tag(tag_timer, self.value, id.value), self);
  return id;
}

uint32_t World::Port::choose(uint32_t n, Label label) {
  uint32_t value = world->choices_.choose(n, label);
  world->note_input(self, input_choice, value);
  return value;
}

void World::fire_timer(Address host, TimerId timer) {
  H2SIM_ASSERT(timer_state_[timer.value] != TimerState::done);  // one event per timer
  bool armed = timer_state_[timer.value] == TimerState::armed;
  timer_state_[timer.value] = TimerState::done;
  if (!armed) return;
  note_input(host, input_timer, timer.value);
  dispatch(host, [&](Host& h) { h.on_timer(timer); });
}

// Hosts read now() (deadlines, frame times), so when an input came is part of what it was; a
// read's input is its batch of bytes too.
void World::note_input(Address host, uint64_t kind, uint64_t what,
                       std::span<const uint8_t> bytes) {
  if (!track_inputs_) return;
  StateHash& inputs = hosts_[host.value].inputs;
  inputs.add_u64(kind);
  inputs.add_u64(what);
  inputs.add_u64(static_cast<uint64_t>(now_.ns));
  if (kind == input_read) {
    inputs.add(bytes);
  }
}

Address World::host_of(ConnId end) const {
  H2SIM_ASSERT(connection_index(end) < connections_.size());
  const Connection& c = *connections_[connection_index(end)];
  return is_accepting_end(end) ? c.accepting : c.connecting;
}

World::Direction& World::direction_into(ConnId receiving_end) {
  H2SIM_ASSERT(connection_index(receiving_end) < connections_.size());
  Connection& c = *connections_[connection_index(receiving_end)];
  // The accepting end (odd) receives what the connecting end sent.
  return is_accepting_end(receiving_end) ? c.to_accepting : c.to_connecting;
}

Duration World::draw_latency() {
  if (link_.latency_steps == 1 || link_.latency_min == link_.latency_max) return link_.latency_min;
  uint32_t step = choices_.choose(link_.latency_steps, Label::latency);
  Duration span = link_.latency_max - link_.latency_min;
  return link_.latency_min + Duration{span.ns * step / (link_.latency_steps - 1)};
}

void World::send(ConnId from, Flush flush) {
  Direction& d = direction_into(peer_of(from));
  if (d.closed || connections_[connection_index(from)]->reset || flush.bytes.empty()) return;
  // Offsets in a flush (boundaries, cuts, records) are 32-bit: a larger write cannot be cut right.
  H2SIM_ASSERT(flush.bytes.size() <= UINT32_MAX);
  check_boundaries(flush);
  bytes_written_ += flush.bytes.size();
  if (bytes_written_ > limits_.bytes_max) return;  // run() ends the run as limit_bytes
  if (observer_) observer_->on_write(from, flush.bytes, now_);
  // Cut points: the chosen writer boundaries (each cut a choice among the boundaries left) and
  // the segment size limit.
  std::vector<uint32_t>& cuts = cut_scratch_;
  cuts.clear();
  uint32_t start = 0;
  uint32_t chosen = 0;
  size_t first_candidate = 0;
  sending_ = {.active = true, .cutting = true, .from = from, .flush = &flush};
  auto cut_at = [&](uint32_t cut) {
    while (cut - start > link_.segment_bytes_max) {
      start += link_.segment_bytes_max;
      cuts.push_back(start);
    }
    cuts.push_back(cut);
    start = cut;
  };
  while (chosen + 1 < link_.segments_max && first_candidate < flush.boundaries.size()) {
    uint32_t candidates = static_cast<uint32_t>(flush.boundaries.size() - first_candidate);
    uint32_t pick = choices_.choose(candidates + 1, Label::split);
    if (pick == 0) break;
    first_candidate += pick;  // boundary index first_candidate + pick - 1
    cut_at(flush.boundaries[first_candidate - 1]);
    ++chosen;
  }
  cut_at(static_cast<uint32_t>(flush.bytes.size()));
  H2SIM_ASSERT(cuts.back() == flush.bytes.size());
  for (size_t i = 1; i < cuts.size(); ++i) H2SIM_ASSERT(cuts[i - 1] < cuts[i]);  // no empty segment
  uint32_t flush_index = d.flushes++;
  sending_.cutting = false;
  start = 0;
  for (size_t i = 0; i < cuts.size(); ++i) {
    sending_.next_cut = i;
    sending_.start = start;
    Duration latency = draw_latency();
    uint32_t cut = cuts[i];
    Segment s;
    if (i + 1 == cuts.size()) {
      // The last segment takes the flush's buffer (no choice reads the flush after its latency
      // was drawn): one allocation fewer per cut flush.
      flush.bytes.erase(flush.bytes.begin(), flush.bytes.begin() + start);
      s.bytes = std::move(flush.bytes);
    } else {
      s.bytes.assign(flush.bytes.begin() + start, flush.bytes.begin() + cut);
    }
    start = cut;
    segments_.push_back({connection_index(from), !is_accepting_end(from), now_, {}, flush_index,
                         {}, false, false});
    enqueue_segment(from, std::move(s), latency);
  }
  sending_ = {};
}

void World::send_control(ConnId from, bool fin, bool rst) {
  Connection& c = *connections_[connection_index(from)];
  Direction& d = direction_into(peer_of(from));
  if (d.closed || c.reset) return;
  d.closed = true;
  if (rst) {
    c.reset = true;
    direction_into(from).closed = true;
  }
  sending_ = {.active = true, .from = from, .fin = fin, .rst = rst};
  Duration latency = draw_latency();
  sending_ = {};
  Segment s;
  s.fin = fin;
  s.rst = rst;
  segments_.push_back({connection_index(from), !is_accepting_end(from), now_, {}, d.flushes, {}, fin, rst});
  enqueue_segment(from, std::move(s), latency);
}

// The latency is drawn by the caller before the segment exists, so that at that decision the
// segment is still described by sending_ (and state_digest sees it).
void World::enqueue_segment(ConnId from, Segment segment, Duration latency) {
  Direction& d = direction_into(peer_of(from));
  // A closed direction gets no new segment: the FIN or RST that closed it is its last.
  bool control = segment.fin || segment.rst;
  H2SIM_ASSERT(control ? d.closed : !d.closed && !segment.bytes.empty());
  H2SIM_ASSERT(latency.ns >= 0);
  segment.id = segments_.size() - 1;  // index of its SegmentRecord
  // With a bandwidth cap a segment leaves once the link has sent the ones before it, after its
  // own serialization time (bounded: bytes_max bytes at 1 kB/s fit in int64 nanoseconds).
  Time departure = now_;
  if (link_.bandwidth_bytes_per_s > 0) {
    departure = std::max(now_, d.link_free);
    uint64_t serialization_ns = segment.bytes.size() * uint64_t{1'000'000'000} / link_.bandwidth_bytes_per_s;
    departure = departure + Duration{static_cast<int64_t>(serialization_ns)};
    d.link_free = departure;
  }
  // Segments of a direction arrive in the order they were sent, never in the past.
  Time arrival = std::max(departure + latency, d.last_arrival);
  H2SIM_ASSERT(arrival >= now_ && arrival >= d.last_arrival);
  d.last_arrival = arrival;
  segment.arrived_at = arrival;
  segments_.back().arrived_at = arrival;
  // The bytes stay with the segment until it is read; then they move into its record.
  d.in_flight.push_back(std::move(segment));
  if (!d.arrival_scheduled) {
    d.arrival_scheduled = true;
    ConnId to = peer_of(from);
    queue_.schedule(arrival, [this, to] { arrive(to); }, tag(tag_arrive, to.value), host_of(to));
  }
}

void World::arrive(ConnId to) {
  Direction& d = direction_into(to);
  H2SIM_ASSERT(!d.in_flight.empty() && d.in_flight.front().arrived_at == now_);
  Segment s = std::move(d.in_flight.front());
  d.in_flight.pop_front();
  // A FIN or RST is its direction's last, unless an injected reset dropped it and follows it.
  H2SIM_ASSERT(!(s.fin || s.rst) || s.dropped || d.in_flight.empty());
  d.arrival_scheduled = !d.in_flight.empty();
  if (d.arrival_scheduled) {
    // Segments of one direction arrive in order, so only the front one needs an event.
    queue_.schedule(d.in_flight.front().arrived_at, [this, to] { arrive(to); },
                    tag(tag_arrive, to.value), host_of(to));
  }
  Address host = host_of(to);
  if (s.dropped) {
    segments_[s.id].bytes = std::move(s.bytes);  // what was lost, for reports
    return;  // lost to an injected reset: its RST follows
  }
  if (s.rst) {
    // A reset discards what the receiver had not read yet.
    d.arrived.clear();
    if (is_accepting_end(to)) accept(to);
    note_input(host, input_rst, to.value);
    dispatch(host, [&](Host& h) { h.on_peer_closed(to, true); });
    return;
  }
  bool data = !s.fin;
  d.arrived.push_back(std::move(s));
  if (!d.read_scheduled) {
    d.read_scheduled = true;
    queue_.schedule(std::max(now_, d.stalled_until), [this, to] { read(to); }, tag(tag_read, to.value),
                    host_of(to));
  }
  if (data && !pending_faults_.empty()) fire_faults(to);
}

void World::read(ConnId end) {
  Direction& d = direction_into(end);
  if (d.stalled_until > now_ && !d.arrived.empty()) {
    // A read stall began after this read was scheduled: the receiver reads once it is over.
    queue_.schedule(d.stalled_until, [this, end] { read(end); }, tag(tag_read, end.value), host_of(end));
    return;
  }
  d.read_scheduled = false;
  if (d.arrived.empty()) return;
  Address host = host_of(end);
  if (is_accepting_end(end)) accept(end);
  // Data segments ahead of a FIN can be read in one batch; the FIN itself is seen after them.
  uint32_t data_segments = 0;
  while (data_segments < d.arrived.size() && !d.arrived[data_segments].fin) ++data_segments;
  if (data_segments == 0) {
    d.arrived.pop_front();
    note_input(host, input_fin, end.value);
    dispatch(host, [&](Host& h) { h.on_peer_closed(end, false); });
  } else {
    uint32_t take = data_segments - choices_.choose(data_segments, Label::read);
    H2SIM_ASSERT(take >= 1 && take <= data_segments);
    // One segment is handed over as it is; several are joined. Either way the bytes then move
    // into the segments' records, so a run copies each byte once.
    std::vector<Segment>& taken = read_scratch_;
    taken.clear();
    for (uint32_t i = 0; i < take; ++i) {
      taken.push_back(std::move(d.arrived.front()));
      d.arrived.pop_front();
    }
    std::vector<uint8_t>& joined = join_scratch_;
    joined.clear();
    std::span<const uint8_t> batch = taken[0].bytes;
    if (take > 1) {
      for (const Segment& s : taken) joined.insert(joined.end(), s.bytes.begin(), s.bytes.end());
      batch = joined;
    }
    // Whatever the host writes ahead of the read is traced before it.
    dispatch(host, [&](Host& h) { h.before_read(end); });
    // Read batches count up, in time order; a batch holds whole, non-empty segments.
    H2SIM_ASSERT(!batch.empty() && batch.size() <= UINT32_MAX);
    H2SIM_ASSERT(reads_.empty() || reads_.back().at <= now_);
    reads_.push_back({connection_index(end), is_accepting_end(end), now_,
                      static_cast<uint32_t>(batch.size()), d.batches++});
    note_input(host, input_read, end.value, batch);
    if (observer_) observer_->on_read(end, batch, now_);
    dispatch(host, [&](Host& h) { h.on_bytes(end, batch); });
    for (Segment& s : taken) segments_[s.id].bytes = std::move(s.bytes);
    taken.clear();
  }
  if (!d.arrived.empty() && !d.read_scheduled) {
    d.read_scheduled = true;
    queue_.schedule(now_, [this, end] { read(end); }, tag(tag_read, end.value), host_of(end));
  }
}

RunEnd World::run() {
  started_ = true;
  choose_fault_moments();
  for (HostSlot& slot : hosts_) dispatch(slot.port.self, [&](Host& h) { h.start(slot.port, slot.next_hop); });
  while (!queue_.empty()) {
    if (events_run_ >= limits_.events_max) return RunEnd::limit_events;
    if (queue_.next_time() > Time{} + limits_.time_max) return RunEnd::limit_time;
    if (bytes_written_ > limits_.bytes_max) return RunEnd::limit_bytes;
    Time at;
    std::pair<uint64_t, Address> popped;
    EventQueue::Action action = queue_.pop(choices_, &at, watch_events_ ? &popped : nullptr);
    H2SIM_ASSERT(at >= now_);
    now_ = at;
    ++events_run_;
    if (watch_events_) choices_.on_event(describe(popped.first, popped.second));
    action();
  }
  // The last event may have written past the limit too: its writes were dropped, so the run
  // did not end quiescent.
  if (bytes_written_ > limits_.bytes_max) return RunEnd::limit_bytes;
  check_quiescent();
  return RunEnd::quiescent;
}

void World::set_faults(const FaultPlan& plan) {
  H2SIM_ASSERT(!started_ && plan.moments >= 1);
  faults_ = plan;
}

// One choice per fault the plan allows, before any host starts: the arrival it fires at, 0 being
// never (the plainest run has no fault).
void World::choose_fault_moments() {
  for (int k = 0; k < fault_kind_count; ++k) {
    for (uint32_t i = 0; i < faults_.counts[k]; ++i) {
      uint32_t moment = choices_.choose(faults_.moments + 1, Label::fault);
      if (moment > 0) pending_faults_.push_back({static_cast<FaultKind>(k), moment});
    }
  }
}

// The faults due at this arrival (the segment just arrived at `to`), in the plan's order.
void World::fire_faults(ConnId to) {
  ++arrivals_;
  for (size_t i = 0; i < pending_faults_.size();) {
    if (pending_faults_[i].moment != arrivals_) {
      ++i;
      continue;
    }
    FaultKind kind = pending_faults_[i].kind;
    pending_faults_.erase(pending_faults_.begin() + static_cast<std::ptrdiff_t>(i));
    fire_fault(kind, connection_index(to));
    if (kind == FaultKind::stall) direction_into(to).stalled_until = now_ + faults_.read_stall;
  }
}

void World::fire_fault(FaultKind kind, uint32_t connection) {
  faults_fired_.push_back({kind, connection, now_});
  marks_.hit(std::string("world: fault ") + fault_kind_name(kind));
  switch (kind) {
    case FaultKind::reset: inject_reset(connection); break;
    case FaultKind::close: inject_close(connection); break;
    case FaultKind::stall: break;  // fire_faults stalls the direction the segment arrived in
    case FaultKind::restart:
      refusing_ = true;
      refusing_until_ = now_ + faults_.restart;
      for (uint32_t k = 0; k < connections_.size(); ++k) {
        const Connection& c = *connections_[k];
        if (c.accepting == faults_.restarting_host || c.connecting == faults_.restarting_host) inject_reset(k);
      }
      break;
  }
}

// A reset from the network: what is in flight is lost, and each end gets an RST after the
// fastest latency (no choice: the network, not a host, decided).
void World::inject_reset(uint32_t connection) {
  Connection& c = *connections_[connection];
  if (c.reset) return;
  c.reset = true;
  for (ConnId from : {connecting_end(connection), accepting_end(connection)}) {
    Direction& d = direction_into(peer_of(from));
    for (size_t i = 0; i < d.in_flight.size(); ++i) d.in_flight[i].dropped = true;
    d.closed = true;
    Segment rst;
    rst.rst = true;
    segments_.push_back({connection, !is_accepting_end(from), now_, {}, d.flushes, {}, false, true});
    enqueue_segment(from, std::move(rst), link_.latency_min);
  }
}

// A FIN both ways, after the data in flight: as if each end had shut down its side.
void World::inject_close(uint32_t connection) {
  for (ConnId from : {connecting_end(connection), accepting_end(connection)}) send_control(from, true, false);
}

// A connect to a restarting host: the connecting end gets an RST, the host never hears of it.
void World::refuse(ConnId connecting) {
  Connection& c = *connections_[connection_index(connecting)];
  c.refused = true;
  c.reset = true;
  c.to_accepting.closed = true;
  c.to_connecting.closed = true;
  marks_.hit("world: connect refused by a restarting host");
  Segment rst;
  rst.rst = true;
  segments_.push_back({connection_index(connecting), false, now_, {}, 0, {}, false, true});
  enqueue_segment(accepting_end(connection_index(connecting)), std::move(rst), link_.latency_min);
}

// No event left means nothing left to happen: every segment arrived and was read (an unread one
// has its read event), and every timer's event has run.
void World::check_quiescent() const {
  H2SIM_ASSERT(queue_.empty() && !sending_.active);
  for (const auto& c : connections_) {
    for (const Direction* dir : {&c->to_accepting, &c->to_connecting}) {
      H2SIM_ASSERT(dir->in_flight.empty() && dir->arrived.empty());
      H2SIM_ASSERT(!dir->arrival_scheduled && !dir->read_scheduled);
    }
  }
  for (TimerState state : timer_state_) H2SIM_ASSERT(state == TimerState::done);
}

// A writer's boundaries (host.h, Flush): strictly increasing, each inside the flush.
void World::check_boundaries(const Flush& flush) {
  uint32_t previous = 0;
  for (uint32_t b : flush.boundaries) {
    H2SIM_ASSERT(b > previous && b < flush.bytes.size());
    previous = b;
  }
}

std::vector<SegmentRecord> World::take_segments() {
  for (auto& c : connections_) {
    for (Direction* dir : {&c->to_accepting, &c->to_connecting}) {
      for (Fifo<Segment>* q : {&dir->in_flight, &dir->arrived}) {
        for (size_t i = 0; i < q->size(); ++i) segments_[(*q)[i].id].bytes = std::move((*q)[i].bytes);
      }
    }
  }
  return std::move(segments_);
}

// An event as explore's partial-order reduction sees it (sim/choice.h, EventInfo), from its tag
// (see tag() above) and the state now. Only what is certain is called quiet: an arrival of a data
// or FIN segment (no host is called; it joins its direction's unread queue and schedules the
// direction's read) and a cancelled timer's event (it only retires the timer). With faults in the
// plan nothing is: an arrival may fire one, and a fault may touch any connection.
EventInfo World::describe(uint64_t tag_value, Address host) const {
  EventInfo e;
  e.tag = tag_value;
  e.host = host.value;
  if (faults_.any()) return e;
  constexpr uint64_t field = (uint64_t{1} << 28) - 1;
  uint64_t kind = tag_value >> 56;
  uint64_t a = (tag_value >> 28) & field, b = tag_value & field;
  // Decoded only where encoding it back gives the tag: anything else stays a host event.
  if ((kind == tag_arrive || kind == tag_read) && tag(kind, a) == tag_value && a < connections_.size() * 2) {
    ConnId end{static_cast<uint32_t>(a)};
    e.direction = a + 1;
    if (kind == tag_read) return e;  // a read hands its host bytes, a FIN or an accept
    const Connection& c = *connections_[connection_index(end)];
    const Direction& d = is_accepting_end(end) ? c.to_accepting : c.to_connecting;
    if (d.in_flight.empty() || d.in_flight[0].rst || d.in_flight[0].dropped) return e;
    // Free even with a read of this direction pending: that read, run first, takes some of the
    // segments already arrived, which the read run after the arrival can take too (its size is a
    // choice that includes every smaller batch), and the same segment arrives either way.
    e.quiet = e.free = true;
  } else if (kind == tag_timer && tag(kind, a, b) == tag_value && a == host.value && b < timer_state_.size() &&
             timer_owner_[b] == host) {
    e.quiet = e.free = timer_state_[b] == TimerState::cancelled;
  }
  return e;
}

bool World::tie_candidates(std::vector<EventInfo>* out) const {
  out->clear();
  if (faults_.any()) return false;
  queue_.tie_candidates(&tie_scratch_);
  for (const auto& [t, host] : tie_scratch_) out->push_back(describe(t, host));
  return true;
}

// Why equal digests mean equal futures (the argument explore's pruning rests on):
//
// 1. Every host is a deterministic function of what the World gave it: accepts, read batches
//    (their bytes and boundaries), timer firings, FINs and RSTs, each at a virtual time. Its
//    input digest covers all of them in order, with now() folded in below; equal input digests
//    mean equal host states, and equal behaviour from here on. A host that can name its state
//    itself (Host::add_state) is named by that instead, between events: equal states behave
//    equally by the host's own account (the built-in client, server and relay, and each of
//    their HTTP/2 endpoints: model/h2/endpoint.cc). Mid-event, the running host is named by its
//    inputs.
// 2. What will happen next is the pending work: segments in flight (bytes, FIN/RST, time until
//    arrival), segments arrived but unread, whether an arrival or a read is already scheduled,
//    which directions are closed, every queued event (kind, target, time until due) and which
//    queued timers were cancelled, and the write being cut or enqueued if the choice is asked
//    in the middle of one (add_sending).
// 3. What the hosts do depends on absolute time only through now() (deadlines, timestamps), and
//    now is in the digest, so no two states at different times are merged.
// 4. The choice source has no state of its own here: explore answers from a path, not a PRNG.
//
// So two executions whose digests are equal at a decision point have the same set of
// continuations, and a search may explore that set once. The digest is XXH3-128
// (sim/state_hash.h): the one way left for two different states to be merged is a collision,
// about n^2 / 2^129 for n states, which is negligible at any size a search can reach. Pruning is checked against the full
// search in tests/properties/explore_test.cc (equal outcome sets with and without it).
Hash128 World::state_digest() const {
  H2SIM_ASSERT(track_inputs_);
  StateHash d;
  d.add_u64(static_cast<uint64_t>(now_.ns));
  for (uint32_t host = 0; host < hosts_.size(); ++host) add_host_state(d, host);
  for (const auto& c : connections_) {
    d.add_u64(c->reset);
    for (const Direction* dir : {&c->to_accepting, &c->to_connecting}) {
      d.add_u64((dir->closed << 2) | (dir->arrival_scheduled << 1) | dir->read_scheduled);
      d.add_u64(dir->in_flight.size());
      for (const Segment& s : dir->in_flight) {
        d.add_u64(static_cast<uint64_t>((s.arrived_at - now_).ns));
        d.add(s.bytes);
        d.add_u64(s.dropped * 4 + s.fin * 2 + s.rst);
      }
      // A stall or a busy link delays what comes next: how long is part of the state.
      if (dir->stalled_until > now_) d.add_u64(0x57a11 ^ static_cast<uint64_t>((dir->stalled_until - now_).ns));
      if (dir->link_free > now_) d.add_u64(0x11b4 ^ static_cast<uint64_t>((dir->link_free - now_).ns));
      d.add_u64(dir->arrived.size());
      for (const Segment& s : dir->arrived) {
        d.add(s.bytes);
        d.add_u64(s.fin);
      }
    }
  }
  for (const auto& [due, event] : queue_.pending(now_)) {
    d.add_u64(static_cast<uint64_t>(due));
    d.add_u64(event);
  }
  // A cancelled timer's event is still queued but will do nothing.
  for (uint64_t t = 0; t < timer_state_.size(); ++t) {
    if (timer_state_[t] == TimerState::cancelled) d.add_u64(t);
  }
  add_sending(d);
  // Faults still to come (how many arrivals away) and a restart's refusals.
  for (const PendingFault& f : pending_faults_) {
    d.add_u64((uint64_t{static_cast<uint8_t>(f.kind)} << 56) ^ (f.moment - arrivals_));
  }
  if (refusing_ && refusing_until_ > now_) d.add_u64(0x4ef5 ^ static_cast<uint64_t>((refusing_until_ - now_).ns));
  return d.value();
}

// A host by its own state where it can say it (Host::add_state) and is not in the middle of an
// event; otherwise by its inputs. Either identifies what the host will do (point 1 above).
void World::add_host_state(StateHash& d, uint32_t host) const {
  const HostSlot& slot = hosts_[host];
  if (host_states_ && host != running_) {
    StateHash own;
    if (slot.host->add_state(own)) {
      d.add_u64(1);
      d.add(own.value());
      return;
    }
  }
  d.add_u64(0);
  d.add(slot.inputs.value());
}

// The write being cut or enqueued when the World asks for a split or latency choice: its
// remaining segments are in no direction yet.
void World::add_sending(StateHash& d) const {
  if (!sending_.active) return;
  d.add_u64(sending_.from.value);
  d.add_u64(sending_.cutting * 4 + sending_.fin * 2 + sending_.rst);
  if (sending_.flush == nullptr) return;
  const std::vector<uint8_t>& bytes = sending_.flush->bytes;
  if (sending_.cutting) {
    d.add(bytes);
    for (uint32_t b : sending_.flush->boundaries) d.add_u64(b);
    d.add_u64(~uint64_t{0});
    for (uint32_t c : cut_scratch_) d.add_u64(c);
    return;
  }
  d.add(std::string_view(reinterpret_cast<const char*>(bytes.data()) + sending_.start, bytes.size() - sending_.start));
  for (size_t i = sending_.next_cut; i < cut_scratch_.size(); ++i) d.add_u64(cut_scratch_[i] - sending_.start);
}

}  // namespace h2sim::sim

#include "live/net/live_world.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "live/net/interrupt.h"
#include "sim/assert.h"

namespace h2sim::live {

struct LiveWorld::Socket {
  int fd = -1;
  sim::ConnId end;
  sim::Address host;
  std::vector<uint8_t> out;  // written by the host, not yet accepted by the kernel
  bool connecting = false;
  bool fin_after_flush = false;
  bool closed = false;
};

struct LiveWorld::Port final : sim::Net {
  LiveWorld* world = nullptr;
  sim::Address self;
  sim::Time now() const override { return sim::Time{world->now_ns()}; }
  sim::ConnId connect(sim::Address to) override { return world->connect(self, to); }
  void write(sim::ConnId end, sim::Flush flush) override {
    auto it = world->fd_of_.find(end);
    if (it == world->fd_of_.end()) return;
    if (world->observer_) world->observer_->on_write(end, flush.bytes, now());
    Socket& s = *world->sockets_[it->second];
    s.out.insert(s.out.end(), flush.bytes.begin(), flush.bytes.end());
    world->flush(s);
  }
  void shutdown(sim::ConnId end) override {
    auto it = world->fd_of_.find(end);
    if (it == world->fd_of_.end()) return;
    Socket& s = *world->sockets_[it->second];
    s.fin_after_flush = true;
    world->flush(s);
  }
  void reset(sim::ConnId end) override {
    auto it = world->fd_of_.find(end);
    if (it == world->fd_of_.end()) return;
    linger l{1, 0};  // RST on close
    setsockopt(it->second, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    world->close_socket(it->second);
  }
  sim::TimerId set_timer(sim::Duration after) override {
    sim::TimerId id{world->timers_set_++};
    world->timers_.push_back({world->now_ns() + after.ns, id, self});
    return id;
  }
  void cancel_timer(sim::TimerId timer) override {
    std::erase_if(world->timers_, [timer](const Timer& t) { return t.id == timer; });
  }
  void mark(std::string_view name) override { world->marks_.hit(name); }
  // A live run has no ChoiceSource: our hosts take the plainest answer (their writes as a
  // scenario's default schedule has them) and the real network and proxy do the rest.
  uint32_t choose(uint32_t, sim::Label) override { return 0; }
};

LiveWorld::LiveWorld() : epoll_(epoll_create1(EPOLL_CLOEXEC)), start_(std::chrono::steady_clock::now()) {}

LiveWorld::~LiveWorld() {
  for (auto& [fd, s] : sockets_) ::close(fd);
  ::close(epoll_);  // adopted listeners belong to the caller
}

int64_t LiveWorld::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
}

sim::Address LiveWorld::add_host(sim::Host& host, sim::Address next_hop) {
  HostSlot slot;
  slot.host = &host;
  slot.next_hop = next_hop;
  slot.net = std::make_unique<Port>();
  slot.net->world = this;
  slot.net->self = sim::Address{static_cast<uint32_t>(hosts_.size())};
  hosts_.push_back(std::move(slot));
  return hosts_.back().net->self;
}

sim::Address LiveWorld::add_external(uint16_t port) {
  HostSlot slot;
  slot.port = port;
  hosts_.push_back(std::move(slot));
  return sim::Address{static_cast<uint32_t>(hosts_.size() - 1)};
}

void LiveWorld::adopt_listener(sim::Address host, int fd, sim::Address from) {
  listeners_[fd] = {host, from};
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (hosts_[host.value].port == 0 && getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    hosts_[host.value].port = ntohs(addr.sin_port);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
}

sim::ConnId LiveWorld::connect(sim::Address from, sim::Address to) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(hosts_[to.value].port);
  int rv = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (observer_) observer_->on_connect(next_connection_, from, to);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  if (hosts_[to.value].host != nullptr && getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
    internal_[ntohs(local.sin_port)] = next_connection_;
  }
  Socket& s = watch(fd, sim::connecting_end(next_connection_++), from);
  s.connecting = rv != 0 && errno == EINPROGRESS;
  return s.end;
}

// Takes a connected (or connecting) socket into the loop, as the end `end` (sim/id.h numbers
// a connection's two ends).
LiveWorld::Socket& LiveWorld::watch(int fd, sim::ConnId end, sim::Address host) {
  auto s = std::make_unique<Socket>();
  s->fd = fd;
  s->end = end;
  s->host = host;
  fd_of_[end] = fd;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  return *(sockets_[fd] = std::move(s));
}

// The accepting end of a new connection: the other end of one a host of ours opened, or a new
// connection from `from`.
sim::ConnId LiveWorld::accepted_end(uint16_t peer_port, sim::Address from, sim::Address host) {
  if (auto it = internal_.find(peer_port); it != internal_.end()) {
    uint32_t connection = it->second;
    internal_.erase(it);
    return sim::accepting_end(connection);
  }
  if (observer_) observer_->on_connect(next_connection_, from, host);
  return sim::accepting_end(next_connection_++);
}

void LiveWorld::flush(Socket& s) {
  if (s.closed || s.connecting) return;
  while (!s.out.empty()) {
    ssize_t n = send(s.fd, s.out.data(), s.out.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    s.out.erase(s.out.begin(), s.out.begin() + n);
  }
  if (s.out.empty() && s.fin_after_flush) {
    ::shutdown(s.fd, SHUT_WR);
    s.fin_after_flush = false;
  }
}

void LiveWorld::close_socket(int fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return;
  epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  it->second->closed = true;
  fd_of_.erase(it->second->end);
  sockets_.erase(it);
}

void LiveWorld::loop_once(int timeout_ms) {
  epoll_event events[16];
  int n = epoll_wait(epoll_, events, 16, timeout_ms);
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (auto l = listeners_.find(fd); l != listeners_.end()) {
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      int c = accept4(fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) continue;
      int one = 1;
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      sim::Address host = l->second.host;
      hosts_[host.value].host->on_accept(watch(c, accepted_end(ntohs(peer.sin_port), l->second.from, host), host).end);
      continue;
    }
    auto it = sockets_.find(fd);
    if (it == sockets_.end()) continue;
    Socket& s = *it->second;
    if (events[i].events & EPOLLOUT) {
      s.connecting = false;
      flush(s);
    }
    if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      // One recv is one read batch, as a gRPC transport reads.
      uint8_t buf[65536];
      ssize_t got = recv(fd, buf, sizeof buf, 0);
      sim::Host* host = hosts_[s.host.value].host;
      sim::ConnId end = s.end;
      if (got > 0) {
        std::span<const uint8_t> batch(buf, static_cast<size_t>(got));
        host->before_read(end);
        if (observer_) observer_->on_read(end, batch, sim::Time{now_ns()});
        host->on_bytes(end, batch);
      } else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        bool reset = got < 0;
        close_socket(fd);
        host->on_peer_closed(end, reset);
      }
    }
  }
}

bool LiveWorld::run(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  // Hosts start on the first run; a later one (the taps' last deliveries) goes on from there.
  for (HostSlot& slot : hosts_) {
    if (slot.host && !started_) slot.host->start(*slot.net, slot.next_hop);
  }
  started_ = true;
  int64_t deadline = now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(limit).count();
  while (!done()) {
    int64_t now = now_ns();
    if (now >= deadline || interrupted()) return false;
    // Timers due now fire first, in the order they are due.
    std::sort(timers_.begin(), timers_.end(), [](const Timer& a, const Timer& b) { return a.due_ns < b.due_ns; });
    if (!timers_.empty() && timers_.front().due_ns <= now) {
      Timer t = timers_.front();
      timers_.erase(timers_.begin());
      hosts_[t.host.value].host->on_timer(t.id);
      continue;
    }
    int64_t wait_ns = std::min(deadline, timers_.empty() ? deadline : timers_.front().due_ns) - now;
    loop_once(static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(wait_ns / 1000000 + 1, 50))));
  }
  return true;
}

void LiveWorld::drain(std::chrono::milliseconds limit) {
  for (auto& [fd, listener] : listeners_) {
    // Accepted only to be closed below: no host hears of them.
    for (int c; (c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
      watch(c, sim::accepting_end(next_connection_++), listener.host);
    }
    epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  }
  listeners_.clear();
  for (auto& [fd, s] : sockets_) {
    ::shutdown(fd, SHUT_WR);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;  // no longer writable-interest: nothing more to send
    ev.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
  }
  int64_t deadline = now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(limit).count();
  while (!sockets_.empty() && now_ns() < deadline) {
    epoll_event events[16];
    int n = epoll_wait(epoll_, events, 16, 10);
    for (int i = 0; i < n; ++i) {
      uint8_t buf[4096];
      ssize_t got = recv(events[i].data.fd, buf, sizeof buf, 0);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) close_socket(events[i].data.fd);
    }
  }
}

}  // namespace h2sim::live

#include "model/grpc/personality.h"

namespace h2sim::grpc {

namespace {

constexpr ClientPersonality clients[] = {
    {
        .name = "grpc-core",
        .source = "behaviours.md §2.2: chttp2 read batches, last-chance replacement",
        .status_rule = StatusRule::publish_when_both_closed,
        .rst_after_trailers = RstAfterTrailers::no_error_at_batch_end,
        .cancel_past_deadline_is_deadline_exceeded = true,
    },
    {
        .name = "grpc-java",
        .source = "behaviours.md §2.3: NettyClientStream, first status wins, RST(CANCEL)",
        .status_rule = StatusRule::first_status_wins,
        .rst_after_trailers = RstAfterTrailers::cancel,
        .cancel_past_deadline_is_deadline_exceeded = false,
    },
};

constexpr ServerPersonality servers[] = {
    {
        .name = "grpc-core",
        .source = "behaviours.md §2.1: close_from_api, writing.cc SentLastFrame",
        .trailers_only_on_early_abort = true,
        .rst_after_trailers_only = true,
        .rst_after_status = ServerRstAfterStatus::no_error_if_client_open,
    },
};

template <typename T>
std::string names(std::span<const T> all) {
  std::string out;
  for (const T& p : all) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

}  // namespace

std::span<const ClientPersonality> client_personalities() { return clients; }
std::span<const ServerPersonality> server_personalities() { return servers; }

const ClientPersonality* find_client_personality(std::string_view name) {
  for (const ClientPersonality& p : clients) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const ServerPersonality* find_server_personality(std::string_view name) {
  for (const ServerPersonality& p : servers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string known_client_personalities() { return names(client_personalities()); }
std::string known_server_personalities() { return names(server_personalities()); }

}  // namespace h2sim::grpc

// Ids as distinct types. A connection end, a host's address, a timer and (in model/h2) a stream
// are all small integers, and were once all aliases of one: a timer could be passed where a
// connection was wanted and nothing said so. Each is now its own type, with its number in
// `value` for the few places that print, hash or index with it, and nothing else (no
// arithmetic, no conversion). The one id with arithmetic, a connection end, keeps it here.
#pragma once

#include <compare>
#include <cstdint>

namespace h2sim::sim {

// A number that means one kind of thing: `Tag` makes each kind a type of its own, `Rep` is how
// it is stored. Zero-cost: the same size and layout as `Rep`, every operation constexpr.
template <typename Tag, typename Rep>
struct Id {
  Rep value = 0;

  constexpr Id() = default;
  constexpr explicit Id(Rep v) : value(v) {}
  constexpr auto operator<=>(const Id&) const = default;
};

// One end of a connection. The World numbers connections from 0 as they open; the connecting end
// of connection k is 2k and the accepting end 2k + 1, so an end names its connection and its
// side at once, and the helpers below are the only places that know it.
using ConnId = Id<struct ConnIdTag, uint32_t>;
// Where a host listens. Assigned by the World in the order hosts are added, from 0.
using Address = Id<struct AddressTag, uint32_t>;
// A timer a host set. Assigned by the World in the order timers are set, from 0.
using TimerId = Id<struct TimerIdTag, uint64_t>;

// Connections a run may open: their ends must fit in a ConnId.
inline constexpr uint32_t connections_max = uint32_t{1} << 31;

constexpr ConnId connecting_end(uint32_t connection) { return ConnId{connection * 2}; }
constexpr ConnId accepting_end(uint32_t connection) { return ConnId{connection * 2 + 1}; }
constexpr uint32_t connection_index(ConnId end) { return end.value / 2; }
constexpr bool is_accepting_end(ConnId end) { return (end.value & 1u) != 0; }
// The other end of the same connection.
constexpr ConnId peer_of(ConnId end) { return ConnId{end.value ^ 1u}; }

static_assert(sizeof(ConnId) == sizeof(uint32_t) && sizeof(TimerId) == sizeof(uint64_t));
static_assert(peer_of(connecting_end(3)) == accepting_end(3));
static_assert(connection_index(accepting_end(3)) == 3 && is_accepting_end(accepting_end(3)));

}  // namespace h2sim::sim

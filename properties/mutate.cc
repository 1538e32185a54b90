#include "properties/mutate.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <limits>

#include "model/run/run.h"
#include "properties/shapes.h"

namespace h2sim {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// A scalar field a mutation may change: where it is and what it is called ("server.delay_ns").
struct Slot {
  Message* message;
  const FieldDescriptor* field;
  std::string path;
};

bool scalar(const FieldDescriptor* f) {
  if (f->is_repeated()) return false;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_BOOL:
    case FieldDescriptor::CPPTYPE_ENUM:
      return true;
    default:
      return false;
  }
}

// Every scalar field of `m` (`all`), or only those it sets: a call's scripts and the network are
// behaviour, so fields the generator leaves unset are fair game there; elsewhere (the proxy's
// configuration, faults, the hostile client) only what the case already uses.
void slots_of(Message* m, const std::string& at, bool all, std::vector<Slot>* out) {
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (!scalar(f) || f->name() == "kind" || f->name() == "connection") continue;  // own edits, or wiring
    if (all || m->GetReflection()->HasField(*m, f)) out->push_back({m, f, at + f->name()});
  }
}

std::vector<Slot> slots(Scenario& s) {
  std::vector<Slot> out;
  for (int k = 0; k < s.calls_size(); ++k) {
    Call* c = s.mutable_calls(k);
    std::string at = "calls[" + std::to_string(k) + "].";
    slots_of(c, at, true, &out);
    slots_of(c->mutable_client(), at + "client.", true, &out);
    slots_of(c->mutable_server(), at + "server.", true, &out);
    slots_of(c->mutable_server()->mutable_status(), at + "server.status.", true, &out);
  }
  slots_of(s.mutable_network(), "network.", true, &out);
  if (s.has_proxy()) slots_of(s.mutable_proxy(), "proxy.", false, &out);
  if (s.has_hostile()) slots_of(s.mutable_hostile(), "hostile.", true, &out);
  if (s.has_faults()) slots_of(s.mutable_faults(), "faults.", false, &out);
  return out;
}

// A nearby or a differently scaled value: 0, one more or less, twice or half, or 1 or 3 times a
// power of ten (what times in ns, sizes and counts are made of). Validation refuses what is out
// of range.
uint64_t new_number(uint64_t v, uint64_t max, sim::SplitMix64& rng) {
  uint64_t out = 0;
  switch (rng.below(6)) {
    case 0: out = 0; break;
    case 1: out = v + 1; break;
    case 2: out = v == 0 ? 1 : v - 1; break;
    case 3: out = v > max / 2 ? max : v * 2; break;
    case 4: out = v / 2; break;
    default: {
      out = rng.below(2) == 0 ? 1 : 3;
      for (uint32_t k = rng.below(10); k > 0; --k) out *= 10;
    }
  }
  return std::min(out, max);
}

void change(const Slot& slot, sim::SplitMix64& rng) {
  Message* m = slot.message;
  const google::protobuf::Reflection* r = m->GetReflection();
  const FieldDescriptor* f = slot.field;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL: r->SetBool(m, f, !r->GetBool(*m, f)); break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumDescriptor* e = f->enum_type();
      r->SetEnum(m, f, e->value(static_cast<int>(rng.below(static_cast<uint32_t>(e->value_count())))));
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32:
      r->SetUInt32(m, f, static_cast<uint32_t>(new_number(r->GetUInt32(*m, f), UINT32_MAX, rng)));
      break;
    case FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(m, f, new_number(r->GetUInt64(*m, f), UINT64_MAX, rng)); break;
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = r->GetInt32(*m, f);
      r->SetInt32(m, f, static_cast<int32_t>(new_number(static_cast<uint64_t>(std::max(v, 0)), INT32_MAX, rng)));
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = r->GetInt64(*m, f);
      r->SetInt64(m, f, static_cast<int64_t>(new_number(static_cast<uint64_t>(std::max<int64_t>(v, 0)), INT64_MAX, rng)));
      break;
    }
    default: break;
  }
}

template <typename T>
const T& drawn(const std::vector<T>& from, sim::SplitMix64& rng) {
  return from[rng.below(static_cast<uint32_t>(from.size()))];
}

void change_kind(Call* c, sim::SplitMix64& rng) {
  c->set_kind(static_cast<CallKind>(rng.below(4)));
  ClientScript& client = *c->mutable_client();
  if (c->kind() == UNARY || c->kind() == SERVER_STREAMING) {
    client.set_messages(1);  // the generator's rule for a one-message call
    client.set_half_close(AFTER_MESSAGES);
  } else if (rng.below(2) == 0) {
    client.set_messages(1 + rng.below(3));
    client.set_half_close(static_cast<HalfClose>(rng.below(3)));
  }
}

// One edit, without the checks; its name in `what`.
void edit(Scenario& s, const Scenario& donor, const GenOptions& options, sim::SplitMix64& rng, std::string* what) {
  switch (rng.below(10)) {
    case 0: {
      *what = "call kind";
      change_kind(s.mutable_calls(static_cast<int>(rng.below(static_cast<uint32_t>(s.calls_size())))), rng);
      return;
    }
    case 1: {
      *what = "call added";
      Call* c = s.add_calls();
      *c = donor.calls(static_cast<int>(rng.below(static_cast<uint32_t>(donor.calls_size()))));
      c->set_start_ns(drawn<uint64_t>({0, 100000, 1000000}, rng));
      return;
    }
    case 2: {
      *what = "call removed";
      if (s.calls_size() > 1) s.mutable_calls()->DeleteSubrange(static_cast<int>(rng.below(static_cast<uint32_t>(s.calls_size()))), 1);
      return;
    }
    case 3: {
      *what = "splice";
      int keep = static_cast<int>(rng.below(static_cast<uint32_t>(s.calls_size())) + 1);
      int from = static_cast<int>(rng.below(static_cast<uint32_t>(donor.calls_size())));
      s.mutable_calls()->DeleteSubrange(keep, s.calls_size() - keep);
      for (int k = from; k < donor.calls_size(); ++k) *s.add_calls() = donor.calls(k);
      return;
    }
    case 4: {
      *what = "personality or proxy";
      uint32_t which = rng.below(3);
      if (which == 1) {
        s.set_client(drawn(options.clients, rng));
      } else if (which == 2) {
        s.set_server(drawn(options.servers, rng));
      } else if (std::string preset = drawn(options.presets, rng); preset.empty()) {
        s.clear_proxy();
      } else {
        s.mutable_proxy()->set_preset(preset);
      }
      return;
    }
    default: {
      std::vector<Slot> all = slots(s);
      const Slot& slot = drawn(all, rng);
      *what = "field " + slot.path;
      change(slot, rng);
      return;
    }
  }
}

}  // namespace

Scenario mutate_scenario(const Scenario& parent, const Scenario& donor, const GenOptions& options, sim::SplitMix64& rng,
                         std::string* what) {
  Catalogue catalogue = catalogue_of(*options.proxies);
  std::string before = parent.SerializeAsString();
  for (int attempt = 0; attempt < 8; ++attempt) {
    Scenario s = parent;
    edit(s, donor.calls_size() > 0 ? donor : parent, options, rng, what);
    make_well_formed(s);
    if (validate(s, catalogue).empty() && s.SerializeAsString() != before) return s;
  }
  *what = "schedule only";
  return parent;
}

uint32_t MutantChoices::pick(uint32_t n, sim::Label label) {
  size_t j = next_++;
  bool matches = j < guide_.size() && guide_[j].n == n && guide_[j].label == label;
  if (!matches) in_step_ = false;  // the run asks something else from here: no longer the parent's
  bool follow = in_step_ && !std::binary_search(redraw_.begin(), redraw_.end(), j);
  uint32_t value = follow ? guide_[j].value : *uniform_below(n);
  if (recorder_) recorder_->decision({n, value, label});
  return value;
}

}  // namespace h2sim

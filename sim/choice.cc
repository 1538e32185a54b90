#include "sim/choice.h"

#include <charconv>
#include <sstream>

#include "sim/assert.h"

namespace h2sim::sim {

std::string_view label_name(Label label) {
  switch (label) {
    case Label::split: return "split";
    case Label::read: return "read";
    case Label::tie: return "tie";
    case Label::latency: return "latency";
    case Label::fault: return "fault";
    case Label::write: return "write";
  }
  return "?";
}

bool parse_label(std::string_view name, Label* label) {
  for (int i = 0; i < label_count; ++i) {
    if (label_name(static_cast<Label>(i)) == name) {
      *label = static_cast<Label>(i);
      return true;
    }
  }
  return false;
}

uint32_t ChoiceSource::choose(uint32_t n, Label label) {
  H2SIM_ASSERT(n >= 1);
  if (n == 1) return 0;
  uint32_t value = pick(n, label);
  H2SIM_ASSERT(value < n);
  decisions_.push_back({n, value, label});
  return value;
}

uint64_t SplitMix64::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint32_t SplitMix64::below(uint32_t n) {
  H2SIM_ASSERT(n >= 1);
  // Reject the top partial bucket so every value is equally likely.
  uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x;
  do {
    x = next();
  } while (x >= limit);
  return static_cast<uint32_t>(x % n);
}

uint32_t SeededChoices::pick(uint32_t n, Label) { return rng_.below(n); }

uint32_t SparseChoices::pick(uint32_t n, Label) {
  if (rng_.below(one_in_) != 0) return 0;
  return rng_.below(n);
}

uint32_t RecordedChoices::pick(uint32_t n, Label label) {
  if (next_ >= record_.size()) {
    throw ChoiceError("the recorded choices ran out at decision " + std::to_string(next_ + 1) +
                      " (" + std::string(label_name(label)) + " of " + std::to_string(n) + ")");
  }
  const Decision& d = record_[next_];
  if (d.n != n || d.label != label || d.value >= n) {
    throw ChoiceError("recorded decision " + std::to_string(next_ + 1) + " is " +
                      std::string(label_name(d.label)) + " " + std::to_string(d.value) + "/" +
                      std::to_string(d.n) + " but the run asks for " +
                      std::string(label_name(label)) + " of " + std::to_string(n));
  }
  ++next_;
  return d.value;
}

std::string format_decisions(const std::vector<Decision>& decisions) {
  std::string out;
  for (const Decision& d : decisions) {
    out += label_name(d.label);
    out += ' ';
    out += std::to_string(d.value) + "/" + std::to_string(d.n) + "\n";
  }
  return out;
}

bool parse_decisions(std::string_view text, std::vector<Decision>* out, std::string* error) {
  std::istringstream in{std::string(text)};
  std::string name, fraction;
  int index = 0;
  while (in >> name) {
    ++index;
    Decision d;
    if (!parse_label(name, &d.label)) {
      *error = "decision " + std::to_string(index) + ": unknown label '" + name +
               "' (known: split, read, tie, latency, fault)";
      return false;
    }
    if (!(in >> fraction)) {
      *error = "decision " + std::to_string(index) + ": missing value/n after '" + name + "'";
      return false;
    }
    size_t slash = fraction.find('/');
    const char* begin = fraction.data();
    const char* end = begin + fraction.size();
    bool ok = slash != std::string::npos;
    if (ok) {
      auto r1 = std::from_chars(begin, begin + slash, d.value);
      auto r2 = std::from_chars(begin + slash + 1, end, d.n);
      ok = r1.ec == std::errc() && r1.ptr == begin + slash && r2.ec == std::errc() &&
           r2.ptr == end && d.n >= 2 && d.value < d.n;
    }
    if (!ok) {
      *error = "decision " + std::to_string(index) + ": '" + fraction +
               "' is not value/n with 0 <= value < n and n >= 2";
      return false;
    }
    out->push_back(d);
  }
  return true;
}

}  // namespace h2sim::sim

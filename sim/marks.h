// Coverage marks: a branch that exists to model a documented behaviour records a named mark when
// it is taken; tests assert the mark was hit and campaigns report the counts. Marks belong to one
// run (no globals) and are ordered by name so reports are stable.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace h2sim::sim {

class Marks {
 public:
  // A mark already hit costs a lookup, no allocation (the name is compared as a view).
  void hit(std::string_view name) {
    if (auto it = counts_.find(name); it != counts_.end()) {
      ++it->second;
      return;
    }
    counts_.emplace(name, 1);
  }
  uint32_t count(std::string_view name) const {
    auto it = counts_.find(name);
    return it == counts_.end() ? 0 : it->second;
  }
  const std::map<std::string, uint32_t, std::less<>>& counts() const { return counts_; }

 private:
  std::map<std::string, uint32_t, std::less<>> counts_;
};

}  // namespace h2sim::sim

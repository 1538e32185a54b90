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
  void hit(std::string_view name) { ++counts_[std::string(name)]; }
  uint32_t count(std::string_view name) const {
    auto it = counts_.find(std::string(name));
    return it == counts_.end() ? 0 : it->second;
  }
  const std::map<std::string, uint32_t>& counts() const { return counts_; }

 private:
  std::map<std::string, uint32_t> counts_;
};

}  // namespace h2sim::sim

// A campaign split across machines: each shard's output folder holds a manifest naming the
// campaign, the seed, the case count and which shard it is; merge_shards joins the folders of
// one campaign into one, which reads as the unsharded campaign's folder would (its findings are
// the same files, its statistics the same numbers), and names shards missing or given twice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace h2sim {

inline constexpr std::string_view shard_manifest_file = "shard.txt";

struct ShardManifest {
  std::string campaign;  // what must be equal across shards: the generator flags, --keep-going
  uint64_t seed = 0;
  uint64_t cases = 0;
  uint32_t index = 0;
  uint32_t count = 1;
  bool interrupted = false;
  std::vector<uint32_t> merged;  // for a merged folder: the shards it holds (empty: none merged)

  std::string serialize() const;
  // False with `error` on anything but what serialize writes.
  bool parse(const std::string& text, std::string* error);
};

struct MergeResult {
  std::vector<uint32_t> missing;  // shard indices no folder held
  size_t findings = 0;            // replay files copied
  ShardManifest manifest;         // the merged folder's
};

// Merges the shard folders `dirs` into `out` (claimed as an output folder, so `out` must be new,
// empty or h2sim's): their replay files and finding texts, their statistics
// (campaign-stats.txt) and a manifest. False with `error` if a folder is not a shard, two shards
// are of different campaigns, a shard is given twice, or, unless `partial`, one is missing
// (MergeResult::missing names them either way).
bool merge_shards(const std::vector<std::string>& dirs, const std::string& out, bool partial, MergeResult* result,
                  std::string* error);

}  // namespace h2sim

#include "properties/shards.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "live/net/files.h"
#include "model/scenario/scenario_io.h"
#include "properties/campaign.h"

namespace h2sim {

namespace {

constexpr std::string_view manifest_header = "h2sim shard manifest 1";

// A finding of the campaign `seed` (properties/campaign.h: finding_stem): a file of another seed
// that found its way into the folder is not this campaign's and stays out of the merge.
bool is_finding_file(const std::string& name, uint64_t seed) {
  return name.starts_with("seed-" + std::to_string(seed) + "-case-") &&
         (name.ends_with(".replay.textproto") || name.ends_with(".txt"));
}

bool read_manifest(const std::string& dir, ShardManifest* m, std::string* error) {
  std::string text;
  std::string path = dir + "/" + std::string(shard_manifest_file);
  if (!read_file(path, &text, error)) {
    *error = dir + " is not a shard of a campaign (no " + std::string(shard_manifest_file) + ": " + *error + ")";
    return false;
  }
  if (!m->parse(text, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

// The shards' statistics, added up. A shard interrupted before its first case wrote none.
bool merge_statistics(const std::vector<std::string>& dirs, CampaignStats* stats, std::string* error) {
  for (const std::string& dir : dirs) {
    std::string path = dir + "/" + std::string(campaign_stats_file), text;
    if (!std::filesystem::exists(path)) continue;
    CampaignStats shard;
    if (!read_file(path, &text, error)) return false;
    if (!shard.deserialize(text)) {
      *error = path + ": not the statistics of a campaign";
      return false;
    }
    stats->merge(shard);
  }
  return true;
}

bool copy_findings(const std::string& dir, uint64_t seed, const std::string& out, size_t* count,
                   std::string* error) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !is_finding_file(name, seed)) continue;
    std::string text;
    if (!read_file(entry.path().string(), &text, error) || !live::write_output_file(out + "/" + name, text, error)) {
      return false;
    }
    if (name.ends_with(".replay.textproto")) ++*count;
  }
  if (ec) *error = dir + ": " + ec.message();
  return !ec;
}

// The manifests of one campaign, each shard once; `missing` gets the indices none holds.
bool check_manifests(const std::vector<std::string>& dirs, const std::vector<ShardManifest>& shards,
                     std::vector<uint32_t>* missing, std::string* error) {
  std::map<uint32_t, std::string> seen;
  for (size_t i = 0; i < shards.size(); ++i) {
    const ShardManifest& s = shards[i];
    if (s.campaign != shards[0].campaign || s.seed != shards[0].seed || s.cases != shards[0].cases ||
        s.count != shards[0].count) {
      *error = dirs[i] + " is a shard of another campaign than " + dirs[0] + " (seed, cases, shard count or flags differ)";
      return false;
    }
    std::vector<uint32_t> held = s.merged.empty() ? std::vector<uint32_t>{s.index} : s.merged;
    for (uint32_t index : held) {
      auto [it, fresh] = seen.emplace(index, dirs[i]);
      if (!fresh) {
        *error = "shard " + std::to_string(index) + " of " + std::to_string(s.count) + " is in both " + it->second +
                 " and " + dirs[i];
        return false;
      }
    }
  }
  for (uint32_t index = 0; index < shards[0].count; ++index) {
    if (!seen.count(index)) missing->push_back(index);
  }
  return true;
}

}  // namespace

std::string ShardManifest::serialize() const {
  std::ostringstream s;
  s << manifest_header << "\ncampaign " << campaign << "\nseed " << seed << "\ncases " << cases << "\nshard " << index
    << "/" << count << "\ninterrupted " << (interrupted ? 1 : 0) << "\nmerged";
  for (uint32_t m : merged) s << " " << m;
  s << "\n";
  return s.str();
}

bool ShardManifest::parse(const std::string& text, std::string* error) {
  std::istringstream in(text);
  std::string line, key;
  if (!std::getline(in, line) || line != manifest_header) {
    *error = "not a shard manifest of this h2sim (its first line is not '" + std::string(manifest_header) + "')";
    return false;
  }
  char slash = 0;
  int flag = 0;
  bool ok = std::getline(in, line) && line.starts_with("campaign ");
  if (ok) campaign = line.substr(9);
  ok = ok && (in >> key >> seed) && key == "seed" && (in >> key >> cases) && key == "cases" &&
       (in >> key >> index >> slash >> count) && key == "shard" && slash == '/' && index < count &&
       (in >> key >> flag) && key == "interrupted" && (in >> key) && key == "merged";
  interrupted = flag != 0;
  merged.clear();
  for (uint32_t m = 0; ok && in >> m;) merged.push_back(m);
  if (!ok || !in.eof()) *error = "a shard manifest, but not one this h2sim wrote";
  return ok && in.eof();
}

bool merge_shards(const std::vector<std::string>& dirs, const std::string& out, bool partial, MergeResult* result,
                  std::string* error) {
  std::vector<ShardManifest> shards(dirs.size());
  for (size_t i = 0; i < dirs.size(); ++i) {
    if (!read_manifest(dirs[i], &shards[i], error)) return false;
  }
  if (!check_manifests(dirs, shards, &result->missing, error)) return false;
  if (!result->missing.empty() && !partial) {
    *error = "missing shards of " + std::to_string(shards[0].count) + ":";
    for (uint32_t m : result->missing) *error += " " + std::to_string(m);
    *error += " (--partial merges the others)";
    return false;
  }
  CampaignStats stats;
  if (!merge_statistics(dirs, &stats, error)) return false;
  if (!live::claim_output_folder(out, "--out", "h2sim merge --out", error)) return false;
  for (const std::string& dir : dirs) {
    if (!copy_findings(dir, shards[0].seed, out, &result->findings, error)) return false;
  }
  ShardManifest& m = result->manifest;
  m = shards[0];
  m.index = 0;
  m.interrupted = std::any_of(shards.begin(), shards.end(), [](const ShardManifest& s) { return s.interrupted; });
  m.merged.clear();
  for (const ShardManifest& s : shards) {
    if (s.merged.empty()) m.merged.push_back(s.index);
    m.merged.insert(m.merged.end(), s.merged.begin(), s.merged.end());
  }
  std::sort(m.merged.begin(), m.merged.end());
  return live::write_output_file(out + "/" + std::string(campaign_stats_file), stats.serialize(), error) &&
         live::write_output_file(out + "/" + std::string(shard_manifest_file), m.serialize(), error);
}

}  // namespace h2sim

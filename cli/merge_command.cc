// h2sim merge: the shard folders of one campaign (check --shard I/N, --shards N) into one folder
// that reads as the unsharded campaign's (properties/shards.h).
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "properties/campaign.h"
#include "properties/shards.h"
#include "model/scenario/scenario_io.h"
#include "reports/campaign_page.h"

namespace h2sim::cli {

namespace {

constexpr std::string_view usage = "h2sim merge DIR... --out DIR [--partial]";
constexpr std::string_view description =
    "Merges the output folders of a campaign's shards (h2sim check --shard I/N) into one:\nthe findings' replay "
    "files, the statistics and a manifest, as the unsharded\ncampaign would have written them. Names shards that "
    "are missing or given twice.\nExit 0 if the merged campaign has no findings, 1 if it has, 2 on bad input\n(a "
    "missing shard, unless --partial).";

constexpr Option options[] = {
    {"--out", "DIR", "the merged folder (new, empty, or one h2sim wrote)"},
    {"--partial", "", "merge even if shards are missing (they are named)"},
};

void print_summary(const Context& ctx, const std::string& out, const MergeResult& m) {
  std::string text, error;
  CampaignStats stats;
  if (read_file(out + "/" + std::string(campaign_stats_file), &text, &error) && stats.deserialize(text)) {
    std::printf("%s", stats.format(0).c_str());
  }
  std::printf("\nmerged %zu shard%s of %u into %s: %zu finding%s\n", m.manifest.merged.size(),
              m.manifest.merged.size() == 1 ? "" : "s", m.manifest.count, out.c_str(), m.findings,
              m.findings == 1 ? "" : "s");
  if (!m.missing.empty()) {
    std::printf("missing shards:");
    for (uint32_t index : m.missing) std::printf(" %u", index);
    std::printf("\n");
  }
  if (m.manifest.interrupted) std::printf("a shard was interrupted: its cases are not all here\n");
  if (m.findings > 0) std::printf("its page: %s report %s --out DIR\n", ctx.program.c_str(), out.c_str());
}

}  // namespace

int merge_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("merge", error);
  if (p.help) return print_help(usage, description, options);
  if (p.positional.empty()) return usage_error("merge", "expected the shards' folders");
  if (!p.has("--out")) return usage_error("merge", "--out DIR is required");
  for (const std::string& dir : p.positional) {
    if (std::string e = check_apart(p.value("--out"), dir, "--out"); !e.empty()) return output_error("merge", e);
  }
  MergeResult m;
  if (!merge_shards(p.positional, p.value("--out"), p.has("--partial"), &m, &error)) return output_error("merge", error);
  print_summary(ctx, p.value("--out"), m);
  return m.findings > 0 ? 1 : 0;
}

}  // namespace h2sim::cli

#include "cli/check_findings.h"

#include <cstdio>

#include "cli/output.h"
#include "model/scenario/scenario_io.h"
#include "reports/findings.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr size_t others_listed = 10;  // a group's other cases named one per line, then a count

// A finding for a person: what broke, the minimal case and its trace.
std::string finding_text(const CheckFinding& f) {
  std::string text = "==== FAILED (" + f.kind + "): " + f.invariant + "\ncase " + std::to_string(f.case_index);
  char found[64];
  std::snprintf(found, sizeof found, ", found after %.2f s", f.found_after_seconds);
  text += found;
  if (f.minimal) {
    char shrunk[96];
    std::snprintf(shrunk, sizeof shrunk, ", shrunk in %u steps (%.2f s)%s", f.shrink_steps, f.shrink_seconds,
                  f.shrink_cut_short ? ", shrinking cut short by the interrupt" : "");
    text += shrunk;
    text += "\n\n" + format_run(f.minimal->scenario, f.minimal->result, f.minimal->verdicts,
                                "minimal scenario:\n" + to_text(f.minimal->scenario) + "\n");
  } else if (f.replay.scenario().calls_size() == 0) {
    text += "\n\nthe worker " + f.invariant + " before the case's scenario was made: there is no replay file\n";
  } else {
    text += "\n\nthe worker " + f.invariant + " after " + std::to_string(f.replay.decisions_size()) +
            " decisions of this scenario:\n" + to_text(f.replay.scenario());
  }
  return text;
}

std::string replay_line(const Context& ctx, const CheckFinding& f) {
  if (!f.replay_path.empty()) return replay_command(ctx, f.replay_path);
  return f.write_error.empty() ? "no replay file" : "its replay file could not be written: " + f.write_error;
}

// The finding's text beside its replay file (seed-S-case-N-....txt).
bool write_text(const Context& ctx, const CheckFinding& f) {
  if (f.replay_path.empty()) return f.write_error.empty();
  std::string error;
  std::string txt = f.replay_path.substr(0, f.replay_path.size() - std::string(".replay.textproto").size()) + ".txt";
  if (write_output_file(txt, finding_text(f) + "\nreplay: " + replay_command(ctx, f.replay_path) + "\n", &error)) {
    return true;
  }
  output_error("check", error);
  return false;
}

void print_group(const Context& ctx, const CheckResult& r, const FindingGroup& g) {
  const CheckFinding& first = r.findings[g.members[0]];
  std::printf("\n%s\n%s\n", finding_text(first).c_str(),
              first.replay_path.empty() ? replay_line(ctx, first).c_str()
                                        : ("replay it with:\n  " + replay_line(ctx, first)).c_str());
  if (g.members.size() == 1) return;
  std::printf("the same finding in %zu more case%s:\n", g.members.size() - 1, g.members.size() == 2 ? "" : "s");
  for (size_t i = 1; i < g.members.size() && i <= others_listed; ++i) {
    const CheckFinding& f = r.findings[g.members[i]];
    std::printf("  case %llu: %s\n", static_cast<unsigned long long>(f.case_index), replay_line(ctx, f).c_str());
  }
  if (g.members.size() > others_listed + 1) {
    std::printf("  and %zu more (their files are beside the first's)\n", g.members.size() - others_listed - 1);
  }
}

}  // namespace

bool print_findings(const Context& ctx, const CheckResult& r) {
  bool written = true;
  for (const CheckFinding& f : r.findings) written = write_text(ctx, f) && written;
  std::vector<FindingGroup> groups = group_findings(r.findings);
  if (groups.size() > 1 || (groups.size() == 1 && groups[0].members.size() > 1)) {
    std::printf("\n%zu finding%s of %zu kind%s:\n", r.findings.size(), r.findings.size() == 1 ? "" : "s", groups.size(),
                groups.size() == 1 ? "" : "s");
    for (const FindingGroup& g : groups) std::printf("  %4zu x %s\n", g.members.size(), signature_line(g.signature).c_str());
  }
  for (const FindingGroup& g : groups) print_group(ctx, r, g);
  return written;
}

std::vector<JunitCase> junit_cases(const Context& ctx, const CheckResult& r) {
  std::vector<JunitCase> cases;
  for (const FindingGroup& g : group_findings(r.findings)) {
    const CheckFinding& first = r.findings[g.members[0]];
    JunitCase c;
    c.name = signature_line(g.signature);
    c.classname = "h2sim.check." + g.signature.proxy;
    c.failed = true;
    c.seconds = first.shrink_seconds;
    c.message = std::to_string(g.members.size()) + " case" + (g.members.size() == 1 ? "" : "s") + ": " + first.invariant;
    c.text = finding_text(first) + "\nreplay: " + replay_line(ctx, first) + "\n";
    for (size_t i = 1; i < g.members.size(); ++i) {
      const CheckFinding& f = r.findings[g.members[i]];
      c.text += "also case " + std::to_string(f.case_index) + ": " + replay_line(ctx, f) + "\n";
    }
    cases.push_back(std::move(c));
  }
  for (const auto& [name, counts] : r.stats.verdicts) {
    if (counts.second > 0) continue;
    JunitCase c;
    c.name = name;
    c.classname = "h2sim.check.invariants";
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace h2sim::cli

#include "reports/browser_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "support/test_support.h"

namespace h2sim::testing {

namespace {

bool have(const std::string& tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

std::string flags(const std::string& profile) {
  return " --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
         "--disable-component-update --disable-sync --disable-quic --hide-scrollbars --user-data-dir=" +
         profile + " --enable-logging=stderr --v=0 ";
}

std::string fresh_profile() {
  static int count = 0;
  return (std::filesystem::temp_directory_path() /
          ("h2sim-chromium-" + std::to_string(getpid()) + "-" + std::to_string(count++)))
      .string();
}

}  // namespace

std::string chromium() {
  if (have("chromium")) return "chromium";
  if (have("chromium-browser")) return "chromium-browser";
  return "";
}

BrowserRun screenshot(const std::string& page, const std::string& png, const std::string& window) {
  std::string profile = fresh_profile();
  std::string command = "timeout 120 " + chromium() + flags(profile) + "--window-size=" + window +
                        " --screenshot=" + png + " file://" + page;
  CommandOutput out = run_command(command);
  if (out.code != 0) out = run_command(command);
  std::filesystem::remove_all(profile);
  return {out.code, out.text};
}

std::string dump_dom(const std::string& page) {
  std::string profile = fresh_profile();
  CommandOutput out = run_command("timeout 120 " + chromium() + flags(profile) + "--dump-dom file://" + page);
  std::filesystem::remove_all(profile);
  return out.text;
}

}  // namespace h2sim::testing

// Headless Chromium for the report tests: a page is loaded as a person would open it, with its
// console messages in the log (an error there fails the test) and a screenshot to look at.
#pragma once

#include <string>

namespace h2sim::testing {

// "chromium" or "chromium-browser", whichever is installed, or empty.
std::string chromium();

struct BrowserRun {
  int code = -1;
  std::string log;  // the browser's stderr: CONSOLE lines are the page's console messages
};

// Screenshots file://`page` into `png` at `window` ("width,height"), with a fresh profile; one
// retry, because under heavy load Chromium has been seen to exit before rendering.
BrowserRun screenshot(const std::string& page, const std::string& png, const std::string& window = "1300,2000");
// The page's DOM after it loaded.
std::string dump_dom(const std::string& page);

}  // namespace h2sim::testing

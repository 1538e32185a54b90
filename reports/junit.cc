#include "reports/junit.h"

#include <cstdio>

#include "reports/markup.h"

namespace h2sim {

namespace {

// XML 1.0 has no place for most control characters, which a grpc-message may hold.
std::string xml_text(std::string_view text) {
  std::string clean(text);
  for (char& c : clean) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') c = '?';
  }
  return escape_xml(clean);
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  return text;
}

}  // namespace

std::string junit_xml(const std::string& suite, const std::vector<JunitCase>& cases, double seconds) {
  size_t failures = 0;
  for (const JunitCase& c : cases) failures += c.failed;
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::string counts = " tests=\"" + std::to_string(cases.size()) + "\" failures=\"" + std::to_string(failures) +
                       "\" errors=\"0\" time=\"" + seconds_text(seconds) + "\"";
  xml += "<testsuites name=\"h2sim\"" + counts + ">\n";
  xml += "  <testsuite name=\"" + xml_text(suite) + "\"" + counts + " skipped=\"0\">\n";
  for (const JunitCase& c : cases) {
    xml += "    <testcase name=\"" + xml_text(c.name) + "\" classname=\"" + xml_text(c.classname) +
           "\" time=\"" + seconds_text(c.seconds) + "\"";
    if (!c.failed) {
      xml += "/>\n";
      continue;
    }
    xml += ">\n      <failure message=\"" + xml_text(c.message) + "\" type=\"finding\">" + xml_text(c.text) +
           "</failure>\n    </testcase>\n";
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

}  // namespace h2sim

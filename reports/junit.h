// --junit FILE: a campaign as JUnit XML, so a CI system lists each finding signature as a
// failing test case (and each invariant that held as a passing one).
#pragma once

#include <string>
#include <vector>

namespace h2sim {

struct JunitCase {
  std::string name;
  std::string classname;  // the suite's grouping: "h2sim.check.haproxy-2.6"
  double seconds = 0;
  bool failed = false;
  std::string message;  // a failure's one line
  std::string text;     // a failure's body: the representative case and how to replay it
};

// One <testsuites> with one <testsuite> named `suite` holding `cases`.
std::string junit_xml(const std::string& suite, const std::vector<JunitCase>& cases, double seconds);

}  // namespace h2sim

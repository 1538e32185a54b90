// The fuzz targets as plain functions: any bytes in, and the only way out is returning. A crash,
// an assertion, a sanitizer report or a hang is a bug of h2sim's (or of the harness's checks
// below), never of the input. libFuzzer drives them (tests/fuzz/fuzzer_main.cc, built with
// -DH2SIM_FUZZ=ON under clang); a plain gtest feeds them the committed regression corpus
// (tests/fuzz/regressions/), so every crash once found stays fixed in the default suite.
#pragma once

#include <string>
#include <string_view>

namespace h2sim::fuzz {

// Scenario text as `h2sim run` reads it: parsed and validated; if accepted, run with choices
// seeded by the input, its verdicts and text made; a quarter of the inputs are replayed from
// their decisions (which must give the same digest), another quarter run through another
// registered proxy too.
void scenario_target(std::string_view bytes);

// A replay file as `h2sim replay` reads it: parsed and validated; if accepted, run with its
// recorded decisions (a decision that does not fit is a refusal, not a crash).
void replay_target(std::string_view bytes);

// A command line driven through h2sim::cli_main, with files of its own, in a scratch folder it
// cannot write outside of. The bytes are lines: one argument per line up to the first line
// "=== NAME"; each such line starts a file NAME holding the lines after it. "@NAME" in an
// argument is that file's path. What keeps it inside the folder and quick: see cli_target.cc.
void cli_target(std::string_view bytes);

// The argument vector cli_target passes for these bytes (for the regression test's messages and
// for a person reading a crash): the arguments after the program name, scratch paths as "@".
std::string cli_arguments(std::string_view bytes);

}  // namespace h2sim::fuzz

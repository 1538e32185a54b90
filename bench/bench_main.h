// The main of every benchmark program: the process keeps its memory as h2sim does
// (cli/process_memory.h), so a benchmark measures runs as the h2sim command runs them.
#pragma once

#include <benchmark/benchmark.h>

#include "cli/process_memory.h"

#define H2SIM_BENCHMARK_MAIN()                                  \
  int main(int argc, char** argv) {                             \
    h2sim::cli::keep_freed_memory();                            \
    benchmark::Initialize(&argc, argv);                         \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1; \
    benchmark::RunSpecifiedBenchmarks();                        \
    benchmark::Shutdown();                                      \
    return 0;                                                   \
  }

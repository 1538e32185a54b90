// h2sim's assertion macro: on in every build type, for cheap checks of what we believe.
// Assertions catch programmer errors; bad user input is reported as an error, never asserted.
#pragma once

#include <cstdio>
#include <cstdlib>

#define H2SIM_ASSERT(condition)                                                          \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

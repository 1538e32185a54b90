// The libFuzzer entry point of one target (tests/fuzz/fuzz_targets.h), chosen when it is built:
// H2SIM_FUZZ_TARGET names the function.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  h2sim::fuzz::H2SIM_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

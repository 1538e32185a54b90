// What every endpoint of one run writes into: the frame log and the coverage marks. The run owns
// it; the client, the server and the proxy under test each hold a reference.
#pragma once

#include "model/h2/frame.h"
#include "sim/marks.h"

namespace h2sim::h2 {

struct Recorder {
  FrameLog frames;
  sim::Marks marks;
};

}  // namespace h2sim::h2

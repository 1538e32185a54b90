// A Scenario's calls in the terms of the gRPC hosts (model/grpc/script.h). Validation has
// checked every value, so the translation cannot fail.
#pragma once

#include <vector>

#include "model/grpc/script.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim {

grpc::CallScript call_script(const Call& call);
std::vector<grpc::CallScript> call_scripts(const Scenario& scenario);

}  // namespace h2sim

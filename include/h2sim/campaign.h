// Running h2sim from code: one run, a campaign, an exhaustive exploration, a replay, with your
// proxies in the registry. The h2sim command line is built on exactly these (cli/).
#pragma once

#include <h2sim/proxy.h>

#include "model/run/run.h"
#include "model/scenario/scenario_io.h"
#include "properties/check.h"
#include "properties/explore.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "properties/replay.h"

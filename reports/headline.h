// A headline for a run: one or two sentences that say what happened, for the top of a run page,
// of `h2sim run` and `replay` output and of a check finding. Built from the run's data: its
// coverage marks pick a sentence builder, the call's frames fill it in (and a builder whose
// frames are not there does not apply), the outcomes end it. Without a builder that applies it
// falls back to the generic "call 0: server sent X, client saw Y; the client's last frames: ...".
#pragma once

#include <string>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"

namespace h2sim {

// E.g. "haproxy-2.6 forwarded the server's trailers-only HEADERS(grpc-status 7) and reset the
// still-uploading client with RST_STREAM(CANCEL) in the same flush; the grpc-core client read
// the trailers and the RST_STREAM(CANCEL) in one read batch (read 2), and the reset replaced
// the trailers it held: CANCELLED instead of PERMISSION_DENIED." One line, no trailing newline.
std::string headline(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts);

// `text` broken into lines of at most `columns` characters at spaces, for a terminal.
std::string wrap_text(const std::string& text, size_t columns);

}  // namespace h2sim

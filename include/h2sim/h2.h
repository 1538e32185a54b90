// h2sim's HTTP/2 building blocks, for proxies of your own: a sans-I/O nghttp2 endpoint (bytes
// in through receive(), a flush out through take_output(), typed events; never calls back into
// nghttp2 from its callbacks) and the frame codec. A proxy core with its own HTTP/2 stack needs
// neither: sim::Host's bytes are all there is.
//
//   h2sim::h2::Endpoint down(h2sim::h2::Role::server);    // one per accepted connection
//   h2sim::h2::Endpoint up(h2sim::h2::Role::client);      // one per upstream connection
//   down.receive(batch);
//   for (const h2sim::h2::Event& e : down.take_events()) { ... up.submit_request(...) ... }
//   net.write(up_conn, up.take_output());
#pragma once

#include <h2sim/proxy.h>

#include "model/h2/codec.h"
#include "model/h2/endpoint.h"
#include "model/h2/frame.h"

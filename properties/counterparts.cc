#include "properties/counterparts.h"

namespace h2sim {

namespace {

constexpr std::string_view never_packaged = "never: no binary of this version in Debian 12";

constexpr Counterpart counterparts[] = {
    {"proxy", "passthrough", "none: RFC 9113 done right, the reference the others are judged against",
     "not applicable"},
    {"proxy", "haproxy-2.6", "Debian 12 haproxy 2.6.12-1+deb12u4",
     "2026-12-08: 29 of 29 cells with h2sim's own peers after its connection windows began to open "
     "with its first WINDOW_UPDATE; its `timeout server` (written from a scenario's idle timeout) "
     "before and after the response headers, 2 scenarios, 2 runs each, both legs as simulated once "
     "its 92-byte 504 page and its abort after the headers were modelled; "
     "2026-12-07, after its SETTINGS to clients and servers became every entry the real one sends (strace): 29 of 29 cells with h2sim's own peers (20 scenarios x 2 runs), and a hostile 16,385-byte frame answered with GOAWAY(FRAME_SIZE_ERROR) as by haproxy (raw frames); " "2026-12-07: another backend connection at the server's stream limit (modelled that day), 3 "
     "runs, both legs as simulated, and a burst of twelve calls past a two-stream server, 3 runs, "
     "every call OK as predicted; 917 of 918 cells with the grpc-js, grpcio and grpc-java clients "
     "after its client connections' window opened as haproxy's; 2026-12-04: 200 scenarios x 5 runs "
     "a triple over 12 triples "
     "(docs/fidelity-matrix-200x5.md), each at 100% at its latest run: 3,431 of 3,431 cells (the "
     "grpc++ sync client 290 of 297, then 295 of 299, first: docs/fidelity.md items 19 and 20); "
     "2026-12-03 matrix, 30 x 3 over 12 triples (docs/fidelity-matrix.md): 498 of 498; "
     "2026-12-06, after its reset for DATA that crossed its reset: 897 of 897 with the grpc-js, "
     "grpc-java and grpc++ clients; 2026-12-07: 327 of 327 with h2sim's own peers after its client "
     "connections' window opened as haproxy's"},
    {"proxy", "haproxy-3.2", "haproxy 3.2.0 (e87397bc7)", never_packaged},
    {"proxy", "nginx", "Debian 12 nginx 1.22.1-9+deb12u11",
     "2026-12-08: its grpc_read_timeout (written from a scenario's idle timeout) before and after "
     "the response headers, 2 scenarios, 2 runs each, both legs as simulated once its backend "
     "connection's close and its RST_STREAM(INTERNAL_ERROR) after the headers were modelled; "
     "2026-12-07, after its SETTINGS to clients and servers became every entry the real one sends (strace): 29 of 29 cells with h2sim's own peers (20 scenarios x 2 runs), and a hostile 16,385-byte frame taken as by nginx (raw frames); " "2026-12-07: with a scenario's keepalive pool written into its configuration, 2 scenarios, "
     "both legs as simulated after the pool became a connection per call, idle ones reused; "
     "2026-12-04: 200 scenarios x 5 runs a triple over 12 triples "
     "(docs/fidelity-matrix-200x5.md), each at 100% at its latest run: 3,372 of 3,372 cells (the "
     "grpc-go client 290 of 294 first, docs/fidelity.md item 17); 2026-12-03 matrix, 30 x 3 over "
     "12 triples (docs/fidelity-matrix.md): 491 of 491; since, from its rarer runs: the response "
     "read with a reset dropped, a reset queued while another call is relayed (docs/fidelity.md); "
     "2026-12-07: 325 of 325 with h2sim's own peers after each call got a backend connection of "
     "its own, both legs of its two scenarios as simulated; 294 of 294 with the grpc-java client "
     "and 294 of 294 with the grpc-go client after it; 324 of 324 with h2sim's own peers after its "
     "client connections opened as nginx's (128 streams, the 2^31 - 1 window)"},
    {"proxy", "nginx-1.18", "nginx before 1.19.5", "never: Debian 12 ships 1.22"},
    {"proxy", "nghttpx", "Debian 12 nghttpx 1.52.0-1+deb12u3",
     "2026-12-07, after its SETTINGS to clients and servers became every entry the real one sends (strace): 29 of 29 cells with h2sim's own peers (20 scenarios x 2 runs), and HEADERS on a stream its client reset ignored as by nghttpx (raw frames: scenarios/hostile-headers-on-closed-stream-through-nghttpx.textproto); " "2026-12-04: 200 scenarios x 5 runs a triple over 12 triples "
     "(docs/fidelity-matrix-200x5.md), each at 100% at its latest run: 3,372 of 3,372 cells (the "
     "grpc-go client 291 of 294 first: what nghttpx reads with a server's reset is dropped, "
     "docs/fidelity.md item 18); 2026-12-03 matrix, 30 x 3 over 12 triples "
     "(docs/fidelity-matrix.md): 491 of 491; 2026-12-06: 324 of 324 with h2sim's own peers after "
     "its backend connection became shared; 2026-12-07: 324 of 324 after a client's reset reached "
     "the server as INTERNAL_ERROR, and 248 of 248 with the grpc-go server"},
    {"proxy", "envoy-2024", "Envoy before PR #44749", never_packaged},
    {"proxy", "go-proxy", "golang.org/x/net/http2's transport (Traefik v2+, Caddy v2)", "never compared live"},
    {"proxy", "caddy-2.6", "Debian 12 caddy 2.6.2-5 (golang.org/x/net 0.7.0, go 1.19.8)",
     "2026-12-07, after its SETTINGS to clients and servers became every entry the real one sends (strace): 29 of 29 cells with h2sim's own peers (20 scenarios x 2 runs), and a hostile 16,385-byte frame taken as by Caddy (raw frames); " "2026-12-07: 324 of 324 cells with h2sim's own peers after its backend connections were "
     "pooled as x/net's (one pool for every client connection, another connection at the "
     "server's stream limit: 2 scenarios, both legs as simulated), and 294 of 294 each with the "
     "grpc-java and grpc-go clients; 324 of 324 after its backend "
     "connections opened as "
     "Caddy's (stream 3 first): upstream legs compared past frame 0 for the first time; 271 of "
     "271 with the grpc++ server after it; 324 of 324 after its client connections opened as "
     "Caddy's (250 streams, 1 MiB windows); "
     "2026-12-06: the grpc-java client, 200 scenarios x 5 runs: 294 of 294 cells; "
     "2026-12-05: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): our own client and server "
     "324 of 324 cells; the grpc++, grpcio, grpc-js and grpc-go servers 1,036 of 1,038, rerun 1,036 "
     "of 1,037 (Caddy's second reset, docs/fidelity.md item 23, modelled after); the grpc-java server 248 "
     "of 248; the grpc++, grpc++ "
     "sync, grpcio, grpc-js and grpc-go clients 1,480 of 1,485 (grpc-go 294 of 299, item 24, rerun "
     "294 of 294); 2026-12-05 matrix, 30 x 3 over 12 triples (docs/fidelity-matrix.md): "
     "491 of 491, after the trailers-only 502's words (docs/fidelity.md); 2026-12-05: the END_STREAM frame of its own after "
     "an abort, 3 scenarios x 10 runs with grpc-java, 1 cell of 3 off, modelled after (docs/fidelity.md item 22); 2026-12-01: "
     "9 of 9 cells, 20 runs each (founding case and 8 neighbours); docs/live-agreement.md"},
    {"proxy", "apache-2.4", "Debian 12 apache2 2.4.71-1~deb12u1 (mod_http2 2.0.42, mod_proxy_http2)",
     "2026-12-07, after its SETTINGS to clients and servers became every entry the real one sends (strace): 29 of 29 cells with h2sim's own peers (20 scenarios x 2 runs); " "2026-12-07: 325 of 325 with h2sim's own peers after its client connections' window opened "
     "as Apache's; "
     "2026-12-06: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): the grpc-java client 298 of "
     "300 (its words for an empty 200, docs/fidelity.md item 30, modelled after: both scenarios "
     "rerun agree); the grpc++, grpcio and grpc-go servers 788 of 788; after a backend connection "
     "per request (item 29), the grpc++ sync, grpc++ and grpcio clients 888 of 888, the grpc-js "
     "and grpc-go clients 589 of 589; "
     "2026-12-05: 200 scenarios x 5 runs with our own client and server, 324 of 324 cells "
     "(docs/fidelity-matrix-200x5.md); the grpc++, grpc++ sync, grpcio, grpc-js and grpc-go clients "
     "1,455 of 1,474 (the window to servers, the tail dropped with a reset and grpc-core's abort, "
     "docs/fidelity.md items 27 and 28, modelled after: the 7 scenarios rerun agree but 2 cells); the grpc-js "
     "and grpc-java servers 496 of 496; 2026-12-05 matrix, 30 x 3 over 12 triples (docs/fidelity-matrix.md): "
     "491 of 492, the one cell grpc-java's words for its END_STREAM, modelled after (docs/fidelity.md item 21); 2026-12-01: 9 of 9 cells, 20 runs each (founding case and 8 "
     "neighbours); docs/live-agreement.md"},
    {"proxy", "h2o-2.2", "h2o 2.2 (before 4630405fd)", never_packaged},
    {"proxy", "hyper-h2-old", "hyper before h2#922", never_packaged},
    {"proxy", "traefik-oxy", "Traefik 1.x (oxy forwarder)", never_packaged},
    {"proxy", "citrix-adc", "Citrix ADC (grpc/grpc-dotnet#2062)", "never: proprietary"},
    {"client", "grpc-core", "grpc-core 1.51 (grpc++ callback API)",
     "2026-12-03/04: 200 scenarios x 5 runs with the grpc++ client and our server "
     "(docs/fidelity-matrix-200x5.md): 308 of 308 cells through haproxy (307 of 307 after item 16), "
     "294 of 294 through nginx, 294 of 294 through nghttpx; 2026-12-05: 289 of 295 through Apache "
     "(it aborts on trailers without grpc-status, docs/fidelity.md item 28, modelled after); "
     "2026-12-06: 297 of 297 through Apache, and 306 of 306 through haproxy with grpc-core's own "
     "SETTINGS (docs/fidelity.md \"What each stack says as a connection opens\"); 2026-12-07: its "
     "header-list refusal failing every call on the connection and closing it, 3 of 3 both legs "
     "as simulated"},
    {"client", "grpcio", "grpcio 1.51 for Python (grpc-core underneath)",
     "2026-12-04: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 320 of 320 cells "
     "through haproxy (317 of 319 before docs/fidelity.md item 16), 294 of 294 through nginx, "
     "294 of 294 through nghttpx; 2026-12-06: 295 of 295 through Apache, 321 of 321 through "
     "haproxy after its first message may cross the status; 2026-12-07: its header-list refusal "
     "failing every call on the connection and closing it, 3 of 3 both legs as simulated; 326 of "
     "326 through haproxy after the proxies' client-side openings"},
    {"client", "grpc-core-sync", "grpc++ 1.51 sync API",
     "2026-12-04: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 297 of 297 cells through "
     "haproxy (290 of 297 and 295 of 299 before docs/fidelity.md items 19 and 20), 294 of 294 "
     "through nginx and nghttpx each; 2026-12-03 matrix, 30 scenarios x 3 runs a triple: 130 of 130 cells "
     "with the grpc++ sync client through haproxy, nginx and nghttpx; 129 of 129 rerun after its "
     "headers-alone choice (docs/fidelity.md item 12); 2026-12-06: 296 of 296 through Apache "
     "(288 of 294 on 2026-12-05, before docs/fidelity.md items 28 and 29)"},
    {"client", "grpc-java", "grpc-java 1.41.3 (Netty)",
     "2026-12-04/06: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 294 of 294 cells "
     "through haproxy, nginx, nghttpx and Caddy each, 298 of 300 through Apache (its words for an "
     "empty 200, docs/fidelity.md item 30, modelled after); 2026-12-06: 294 of 294 through haproxy "
     "with its SETTINGS, stream 3 and its headers alone, and again after its late reset and header "
     "list limit; 2026-12-07: 294 of 294 through nginx with a backend connection for each call, "
     "294 of 294 through haproxy after the proxies' client-side openings; "
     "2026-12-03 matrix, 30 x 3 "
     "(docs/fidelity-matrix.md): 129 of 129 through haproxy, nginx and nghttpx"},
    {"client", "grpc-go", "grpc-go 1.33.3",
     "2026-12-04: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 294 of 294 cells "
     "through haproxy, nginx and nghttpx each (290 of 294 through nginx and 291 of 294 through "
     "nghttpx before docs/fidelity.md items 17 and 18: \"unexpected EOF\" for a message cut "
     "short); 2026-12-06: 295 of 295 through Apache; 294 of 294 through nginx and nghttpx each "
     "after its late reset; 2026-12-07: 294 of 294 through nginx with a backend connection for "
     "each call"},
    {"client", "grpc-js", "@grpc/grpc-js 1.14.7",
     "2026-12-04: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 296 of 296 cells "
     "through haproxy (287 of 294 before docs/fidelity.md item 16), 294 of 294 through nginx, "
     "294 of 294 through nghttpx; 2026-12-06: 294 of 294 through Apache; 2026-12-07: 297 of 298 "
     "through haproxy after the proxies' client-side openings (a message gap of 2.9 ms on a loaded "
     "machine, not modelled)"},
    {"server", "grpc-core", "grpc-core 1.51 (grpc++'s sync handlers)",
     "2026-12-03/04: 200 scenarios x 5 runs with the grpc++ server and our client "
     "(docs/fidelity-matrix-200x5.md): 275 of 275 cells through haproxy, 270 of 270 through nginx, "
     "270 of 270 through nghttpx, handlers' cancels drawn; 2026-12-06: 270 of 270 through Apache; "
     "2026-12-07: 271 of 271 through Caddy after its backend connections opened as Caddy's"},
    {"server", "grpcio", "grpcio 1.51 for Python (grpc-core underneath)",
     "2026-12-04: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 274 of 274 cells "
     "through haproxy, 270 of 270 through nginx, 270 of 270 through nghttpx; 2026-12-06: 270 of "
     "270 through Apache"},
    {"server", "grpc-go", "grpc-go 1.33.3",
     "2026-12-04: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 253 of 253 cells "
     "through haproxy, 248 of 248 through nginx, 248 of 248 through nghttpx; 2026-12-06: 248 of "
     "248 through Apache; 2026-12-07: 248 of 248 through nghttpx after a client's reset reached "
     "the server as INTERNAL_ERROR"},
    {"server", "grpc-js", "@grpc/grpc-js 1.14.7",
     "2026-12-04: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 248 of 248 cells "
     "through haproxy, nginx and nghttpx each"},
    {"server", "grpc-java", "grpc-java 1.41.3",
     "2026-12-06: 200 scenarios x 5 runs (docs/fidelity-matrix-200x5.md): 248 of 248 cells "
     "through haproxy, nginx and nghttpx each, after its header list limit (3 of 3 runs of "
     "scenarios/request-header-list-past-server-limit.textproto as simulated); 2026-12-03 matrix, 30 x 3 (docs/fidelity-matrix.md): 105 of 105 through haproxy, "
     "nginx and nghttpx"},
};

}  // namespace

const Counterpart* counterpart_of(std::string_view kind, std::string_view name) {
  for (const Counterpart& c : counterparts) {
    if (c.kind == kind && c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace h2sim

#include "properties/counterparts.h"

namespace h2sim {

namespace {

constexpr std::string_view never_packaged = "never: no binary of this version in Debian 12";

constexpr Counterpart counterparts[] = {
    {"proxy", "passthrough", "none: RFC 9113 done right, the reference the others are judged against",
     "not applicable"},
    {"proxy", "haproxy-2.6", "Debian 12 haproxy 2.6.12-1+deb12u4",
     "2026-11-30: differential 104 of 104 cells (our hosts), 33 of 34 (grpc++); docs/live-agreement.md"},
    {"proxy", "haproxy-3.2", "haproxy 3.2.0 (e87397bc7)", never_packaged},
    {"proxy", "nginx", "Debian 12 nginx 1.22.1-9+deb12u11",
     "2026-11-30: differential 104 of 104 cells (our hosts), 33 of 33 (grpc++); docs/live-agreement.md"},
    {"proxy", "nginx-1.18", "nginx before 1.19.5", "never: Debian 12 ships 1.22"},
    {"proxy", "nghttpx", "Debian 12 nghttpx 1.52.0-1+deb12u3",
     "2026-11-30: differential 104 of 104 cells (our hosts), 33 of 33 (grpc++); docs/live-agreement.md"},
    {"proxy", "envoy-2024", "Envoy before PR #44749", never_packaged},
    {"proxy", "go-proxy", "golang.org/x/net/http2's transport (Traefik v2+, Caddy v2)", "never compared live"},
    {"proxy", "caddy-2.6", "Debian 12 caddy 2.6.2-5 (golang.org/x/net 0.7.0, go 1.19.8)",
     "2026-12-01: 9 of 9 cells, 20 runs each (founding case and 8 neighbours); differential 104 of 104 cells; "
     "docs/live-agreement.md"},
    {"proxy", "apache-2.4", "Debian 12 apache2 2.4.71-1~deb12u1 (mod_http2 2.0.42, mod_proxy_http2)",
     "2026-12-01: 9 of 9 cells, 20 runs each (founding case and 8 neighbours); differential 104 of 106 cells "
     "(Apache's own 503 under concurrent calls is not modelled); docs/live-agreement.md"},
    {"proxy", "h2o-2.2", "h2o 2.2 (before 4630405fd)", never_packaged},
    {"proxy", "hyper-h2-old", "hyper before h2#922", never_packaged},
    {"proxy", "traefik-oxy", "Traefik 1.x (oxy forwarder)", never_packaged},
    {"proxy", "citrix-adc", "Citrix ADC (grpc/grpc-dotnet#2062)", "never: proprietary"},
    {"client", "grpc-core", "grpc-core 1.51 (grpc++ callback API)",
     "2026-12-01: 17 of 18 cells (3 scenarios x 3 proxies x 2 libraries, 20 runs each); docs/fidelity.md"},
    {"client", "grpcio", "grpcio 1.51 for Python (grpc-core underneath)",
     "2026-12-02: an OK status's message, through nginx: kept, as the personality says since; before, with "
     "grpc-core's: 9 of 9 founding-case cells (20 runs each); docs/fidelity.md"},
    {"client", "grpc-core-sync", "grpc++ 1.51 sync API",
     "2026-11-30: founding case through haproxy, 20 of 20 kept the status; docs/live-agreement.md"},
    {"client", "grpc-java", "grpc-java 1.41.3 (Netty)",
     "2026-12-02: the matrix (10 generated scenarios x 2 runs through haproxy, nginx and nghttpx): 42 of 42 "
     "cells, nginx's 502 words included since they are compared up to grpc-java's echo; docs/fidelity.md"},
    {"client", "grpc-go", "grpc-go 1.33.3",
     "2026-12-01: 9 of 9 cells since its words were fixed (3 scenarios x 3 proxies); docs/fidelity.md"},
    {"client", "grpc-js", "@grpc/grpc-js 1.14.7",
     "2026-12-02: the matrix (10 generated scenarios x 2 runs through haproxy, nginx and nghttpx): 42 of 42 "
     "cells; docs/fidelity-matrix.md"},
    {"server", "grpc-core", "grpc-core 1.51 (grpc++'s sync handlers)",
     "2026-12-02: the matrix with the grpc++ server (10 generated scenarios x 2 runs, 3 proxies): 37 of 37 "
     "cells; a handler's cancel (CANCELLED status, then RST(NO_ERROR)) through nginx and haproxy: agreed; "
     "docs/fidelity.md"},
    {"server", "grpcio", "grpcio 1.51 for Python (grpc-core underneath)",
     "2026-12-02: the matrix with the grpcio server (10 generated scenarios x 2 runs, 3 proxies): 36 of 36 "
     "cells; a handler's cancel (\"CANCELLED\") through nginx and haproxy: agreed; docs/fidelity.md"},
    {"server", "grpc-go", "grpc-go 1.33.3",
     "2026-12-02: an OK status's message and an END_STREAM on the request headers, through nginx: as the "
     "personality says since; 2026-12-01: founding case through 3 proxies, 20 runs each: every cell; docs/fidelity.md"},
    {"server", "grpc-js", "@grpc/grpc-js 1.14.7",
     "2026-12-02: an OK status's message (\"OK\" on every kind) and an END_STREAM on the request headers "
     "(answered), through nginx: as the personality says; before it, as grpc-java, the matrix agreed on 8 of 12 "
     "cells per proxy (its \"OK\" missed); docs/fidelity.md"},
    {"server", "grpc-java", "grpc-java 1.41.3",
     "2026-12-02: an OK status's message and an END_STREAM on the request headers, through nginx: as the "
     "personality says since; 2026-12-01: founding case through 3 proxies, 20 runs each: every cell; docs/fidelity.md"},
};

}  // namespace

const Counterpart* counterpart_of(std::string_view kind, std::string_view name) {
  for (const Counterpart& c : counterparts) {
    if (c.kind == kind && c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace h2sim

// The stock h2sim binary: the command line with the built-in presets (and any plug-ins).
#include <h2sim/cli.h>

int main(int argc, char** argv) { return h2sim::cli_main(argc, argv, h2sim::builtin_proxies()); }

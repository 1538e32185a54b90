# What `cmake --graphviz` draws for docs/architecture.md (the architecture-graph target): h2sim's
# own libraries and the h2sim binary, and how they link, without tests, benchmarks, peers and
# external libraries.
set(GRAPHVIZ_GRAPH_NAME "h2sim")
set(GRAPHVIZ_EXTERNAL_LIBS FALSE)
set(GRAPHVIZ_INTERFACE_LIBS FALSE)
set(GRAPHVIZ_GENERATE_PER_TARGET FALSE)
set(GRAPHVIZ_GENERATE_DEPENDERS FALSE)
set(GRAPHVIZ_IGNORE_TARGETS "^test_" "^bench_" "^h2sim_test_plugin" "^h2sim_planted" "peer$" "^h2sim_all$" "^h2sim_plugin$")

# `cmake --build build --target docs`: the API reference of the public headers (Doxygen, with
# Graphviz include and class graphs) into build/docs/api/, and the drawing of the libraries and
# how they link (CMake's own target graph rendered by Graphviz) into build/docs/architecture.svg,
# made from the build itself so that it cannot go stale. With H2SIM_WERROR, Doxygen's warnings
# are errors.
find_package(Doxygen COMPONENTS dot)
find_program(H2SIM_DOT dot)
set(H2SIM_DOCS_OUT ${PROJECT_BINARY_DIR}/docs)

add_custom_target(architecture-graph
  COMMAND ${CMAKE_COMMAND} -E make_directory ${H2SIM_DOCS_OUT}/graph
  COMMAND ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR} -B ${PROJECT_BINARY_DIR} --graphviz=${H2SIM_DOCS_OUT}/graph/targets.dot
  COMMAND ${CMAKE_COMMAND} -DDOT=${H2SIM_DOT} -DIN=${H2SIM_DOCS_OUT}/graph/targets.dot
          -DOUT=${H2SIM_DOCS_OUT}/architecture.svg -P ${PROJECT_SOURCE_DIR}/cmake/render_targets.cmake
  COMMENT "the libraries and their links: ${H2SIM_DOCS_OUT}/architecture.svg"
  VERBATIM)

if(DOXYGEN_FOUND)
  set(DOXYGEN_PROJECT_NAME h2sim)
  set(DOXYGEN_PROJECT_NUMBER ${PROJECT_VERSION})
  set(DOXYGEN_PROJECT_BRIEF "gRPC status through HTTP/2 proxies, simulated")
  set(DOXYGEN_OUTPUT_DIRECTORY ${H2SIM_DOCS_OUT}/api)
  set(DOXYGEN_GENERATE_LATEX NO)
  set(DOXYGEN_EXTRACT_ALL YES)
  set(DOXYGEN_HAVE_DOT YES)
  set(DOXYGEN_INCLUDE_GRAPH YES)
  set(DOXYGEN_INCLUDED_BY_GRAPH YES)
  set(DOXYGEN_CLASS_GRAPH YES)
  set(DOXYGEN_QUIET YES)
  set(DOXYGEN_STRIP_FROM_PATH ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/include)
  set(DOXYGEN_STRIP_FROM_INC_PATH ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
  set(DOXYGEN_USE_MDFILE_AS_MAINPAGE ${PROJECT_SOURCE_DIR}/docs/own-proxy.md)
  set(DOXYGEN_EXCLUDE_SYMBOLS "h2sim::*::detail*")
  if(H2SIM_WERROR)
    set(DOXYGEN_WARN_AS_ERROR YES)
  endif()
  doxygen_add_docs(docs
    ${PROJECT_SOURCE_DIR}/include/h2sim ${PROJECT_SOURCE_DIR}/sim/host.h ${PROJECT_SOURCE_DIR}/sim/time.h
    ${PROJECT_SOURCE_DIR}/sim/id.h ${PROJECT_SOURCE_DIR}/docs/own-proxy.md
    COMMENT "API reference: ${H2SIM_DOCS_OUT}/api/html/index.html")
  add_dependencies(docs architecture-graph)
else()
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E echo "Doxygen is not installed (apt-get install doxygen graphviz)" && false
    DEPENDS architecture-graph)
endif()

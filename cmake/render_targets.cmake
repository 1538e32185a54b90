# Renders CMake's target graph (cmake --graphviz) to SVG: h2sim's libraries and how they link,
# which is the layering docs/architecture.md describes. Without dot, the DOT file stays.
if(NOT DOT)
  message(STATUS "dot not found: ${IN} left as DOT")
  return()
endif()
execute_process(COMMAND ${DOT} -Tsvg ${IN} -o ${OUT} RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "dot could not render ${IN}")
endif()

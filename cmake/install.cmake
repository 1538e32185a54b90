# Installing h2sim: the h2sim binary (and h2sim-grpcpp-peer when grpc++ was there), the static
# libraries, the public headers <h2sim/...> with the project headers they include (under
# include/h2sim/, at their source paths, so "sim/host.h" resolves there), the generated protobuf
# headers, and a CMake package: find_package(h2sim CONFIG REQUIRED) gives
#   h2sim::h2sim   everything: link it into a binary of your own that calls h2sim::cli_main
#   h2sim::plugin  what a plug-in needs: the headers, and h2sim's HTTP/2 endpoint (no protobuf)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(H2SIM_LIBRARIES h2sim_sim h2sim_h2 h2sim_proto h2sim_scenario h2sim_grpc h2sim_run h2sim_proxy h2sim_live_net
                    h2sim_live h2sim_properties h2sim_reports h2sim_cli)
set(H2SIM_INCLUDE_INSTALL ${CMAKE_INSTALL_INCLUDEDIR}/h2sim)

# Inside the build the libraries find headers at the source root and in gen/; installed, at
# include/ (for <h2sim/...>) and include/h2sim/ (for the project paths those headers use).
foreach(lib ${H2SIM_LIBRARIES})
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}> $<INSTALL_INTERFACE:${H2SIM_INCLUDE_INSTALL}>)
endforeach()

add_library(h2sim_all INTERFACE)
target_link_libraries(h2sim_all INTERFACE h2sim_cli)
set_target_properties(h2sim_all PROPERTIES EXPORT_NAME h2sim)
add_library(h2sim_plugin INTERFACE)
target_link_libraries(h2sim_plugin INTERFACE h2sim_h2)
set_target_properties(h2sim_plugin PROPERTIES EXPORT_NAME plugin)
add_library(h2sim::h2sim ALIAS h2sim_all)
add_library(h2sim::plugin ALIAS h2sim_plugin)

install(TARGETS h2sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET h2sim-grpcpp-peer)
  install(TARGETS h2sim-grpcpp-peer RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(TARGETS ${H2SIM_LIBRARIES} h2sim_all h2sim_plugin EXPORT h2simTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

# Headers at their source paths: the public ones under include/h2sim/ as <h2sim/...>, the
# project's under include/h2sim/<folder>/.
install(DIRECTORY include/h2sim/ DESTINATION ${H2SIM_INCLUDE_INSTALL} FILES_MATCHING PATTERN "*.h")
foreach(folder sim model proxy_under_test properties reports live cli)
  install(DIRECTORY ${folder}/ DESTINATION ${H2SIM_INCLUDE_INSTALL}/${folder} FILES_MATCHING PATTERN "*.h"
          PATTERN "peers" EXCLUDE PATTERN "grpcpp" EXCLUDE)
endforeach()
install(DIRECTORY ${PROJECT_BINARY_DIR}/gen/model/ DESTINATION ${H2SIM_INCLUDE_INSTALL}/model
        FILES_MATCHING PATTERN "*.pb.h")

install(EXPORT h2simTargets NAMESPACE h2sim:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/h2sim)
configure_package_config_file(cmake/h2simConfig.cmake.in ${PROJECT_BINARY_DIR}/h2simConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/h2sim)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/h2simConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/h2simConfig.cmake ${PROJECT_BINARY_DIR}/h2simConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/h2sim)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")

# `cpack` in the build folder: a .deb of the same.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME h2sim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "h2sim developers <h2sim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "finds, replays and explains how a gRPC client loses the server's status behind an HTTP/2 proxy")
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libnghttp2-dev (>= 1.52), libprotobuf-dev, protobuf-compiler, librapidcheck-dev, cmake, pkg-config")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "graphviz")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)

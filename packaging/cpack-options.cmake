# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE): what only the .deb or only the
# .rpm holds (packaging/CMakeLists.txt's components "deb" and "rpm").
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_COMPONENTS_ALL Unspecified deb)
elseif(CPACK_GENERATOR STREQUAL "RPM")
  set(CPACK_COMPONENTS_ALL Unspecified rpm)
endif()

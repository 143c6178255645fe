# Scenario features (included from tests/loader/CMakeLists.txt).  Their
# plans come from YAML: they link the profile module too.
loadgate_unit_test(test_scenario loader test_scenario.c fx_plan.c)
target_link_libraries(test_scenario PRIVATE profile)
target_include_directories(test_scenario PRIVATE
  ${CMAKE_SOURCE_DIR}/profile/src)
loadgate_unit_test(test_scenario_run loader test_scenario_run.c fx_plan.c
                   fx_reply.c)
target_link_libraries(test_scenario_run PRIVATE profile PkgConfig::MHD PkgConfig::JANSSON Threads::Threads m)
set_tests_properties(test_scenario_run PROPERTIES LABELS "integration;loader")

# Scenario features (included from tests/loader/CMakeLists.txt).
loadgate_unit_test(test_scenario loader test_scenario.c)
loadgate_unit_test(test_scenario_run loader test_scenario_run.c)
target_link_libraries(test_scenario_run PRIVATE PkgConfig::MHD PkgConfig::JANSSON Threads::Threads m)
set_tests_properties(test_scenario_run PROPERTIES LABELS "integration;loader")

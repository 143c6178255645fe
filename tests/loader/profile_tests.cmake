# The profile parser's tests (included from tests/loader/CMakeLists.txt).
loadgate_unit_test(test_profile loader test_profile.c)
loadgate_unit_test(test_profile_errors loader test_profile_errors.c)
loadgate_unit_test(test_profile_values loader test_profile_values.c)

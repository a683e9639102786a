# tests.cmake - registers harness/python/test_gilrun.py, the tests of the
# CPython side of real runs (harness/python/gilrun.py), with CTest.
# Included by a CMakeLists.txt that has called include(CTest) / enable_testing().
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  add_test(NAME harness_python COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_gilrun.py)
else()
  add_test(NAME harness_python COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/test_gilrun.py)
endif()
set_tests_properties(harness_python PROPERTIES TIMEOUT 120)

# Golden-output tests: each shipped scenario, run with a fixed seed, must
# print exactly tests/golden/<name>.txt.  After an intended change of the
# model, regenerate them with tests/update-golden.sh and review the diff.
set(GS_GOLDEN_SCENARIOS primes countdown sleep custom download convoy asyncio download-empirical)
foreach(name ${GS_GOLDEN_SCENARIOS})
  if(EXISTS ${PROJECT_SOURCE_DIR}/scenarios/${name}.cfg AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/golden/${name}.txt)
    add_test(NAME golden_${name}
      COMMAND ${CMAKE_COMMAND}
        -DGILSIM=$<TARGET_FILE:gilsim>
        -DSCENARIO=scenarios/${name}.cfg
        -DEXPECTED=${CMAKE_CURRENT_SOURCE_DIR}/golden/${name}.txt
        -DOUT=${CMAKE_CURRENT_BINARY_DIR}/golden_${name}.out
        -P ${CMAKE_CURRENT_SOURCE_DIR}/golden_check.cmake
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  endif()
endforeach()

# Determinism: the same scenario and seed give byte-identical JSON twice,
# and another seed gives a different run where the scenario draws variates.
add_test(NAME determinism_custom_same_seed
  COMMAND sh -c "\"$1\" run scenarios/custom.cfg --seed 7 --format json > \"$2/det_a.json\" && \"$1\" run scenarios/custom.cfg --seed 7 --format json > \"$2/det_b.json\" && cmp \"$2/det_a.json\" \"$2/det_b.json\" && \"$1\" run scenarios/custom.cfg --seed 8 --format json > \"$2/det_c.json\" && ! cmp -s \"$2/det_a.json\" \"$2/det_c.json\""
    sh $<TARGET_FILE:gilsim> ${CMAKE_CURRENT_BINARY_DIR}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

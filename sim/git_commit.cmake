# git_commit.cmake — run at every build (sim/CMakeLists.txt, target
# f3sim_commit): writes OUT, a C file defining f3sim_git_commit, the short
# commit of the sources at SOURCE_DIR with "-dirty" when tracked files
# differ from it, "unknown" outside a git checkout.  The file is rewritten
# only when the text changes, so an unchanged tree relinks nothing.
#   cmake -DSOURCE_DIR=DIR -DOUT=FILE -P git_commit.cmake
set(commit "unknown")
find_program(F3SIM_GIT git)
if(F3SIM_GIT)
  execute_process(COMMAND ${F3SIM_GIT} rev-parse --short HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND out MATCHES "^[0-9a-f]+$")
    set(commit "${out}")
    execute_process(COMMAND ${F3SIM_GIT} status --porcelain --untracked-files=no WORKING_DIRECTORY ${SOURCE_DIR}
                    OUTPUT_VARIABLE st RESULT_VARIABLE rc2 ERROR_QUIET)
    if(rc2 EQUAL 0 AND NOT st STREQUAL "")
      set(commit "${commit}-dirty")
    endif()
  endif()
endif()
set(text "/* generated at build time by sim/git_commit.cmake */\nconst char f3sim_git_commit[] = \"${commit}\";\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()

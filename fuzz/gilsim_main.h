/*
 * gilsim_main.h - the gilsim tool's main(), as fuzz_cli links it.
 *
 * fuzz/CMakeLists.txt compiles tool/main.c with -Dmain=gilsim_main and
 * this header forced in, so that the renamed function has its prototype.
 */
#ifndef GS_FUZZ_GILSIM_MAIN_H
#define GS_FUZZ_GILSIM_MAIN_H

int gilsim_main(int argc, char **argv);

#endif

/*
 * mem.h - large arrays on huge pages (see mem.c).
 */
#ifndef GS_MEM_H
#define GS_MEM_H

#include <stddef.h>

/* Like malloc (the memory is not zeroed; free() releases it), but an
 * array of 2 MiB or more starts on a 2 MiB boundary and is advised onto
 * transparent huge pages. */
void *gs__huge_alloc(size_t bytes);
/* Like realloc from old_bytes to new_bytes (> old_bytes), the result
 * placed as gs__huge_alloc places it. */
void *gs__huge_realloc(void *p, size_t old_bytes, size_t new_bytes);

#endif

/*
 * output.h - the files a command writes for the user (--csv, --plot,
 * --trace, calibrate -o).
 *
 * Checked before any long work, so that a destination that cannot be
 * written is a usage error (exit 2) found at once, not after minutes of
 * measurement; written through a temporary file beside the destination
 * ("FILE.tmp.XXXXXX"), renamed over it only when complete and removed if a
 * fatal signal ends the tool (guard.h), so that the file the user named is
 * afterwards either the new one, whole, or exactly as it was.  A name that
 * is a symbolic link is written through it: the temporary goes beside the
 * file the chain of links leads to and is renamed over that file (created
 * if the link dangles), so the link stays a link.
 */
#ifndef GS_OUTPUT_H
#define GS_OUTPUT_H

#include <stddef.h>

/* The old contents are read and kept (measure --csv appends a row). */
#define CLI_OUT_APPEND 1u

/*
 * 0 if path can be written as above, else EXIT_USAGE after
 * "gilsim: cannot write 'PATH': why" on stderr.  Refused: an empty
 * name or one ending in '/'; an existing directory; an existing file that
 * is not a regular file (a device, a pipe or a socket, which the rename
 * would replace); a folder that does not exist, is not a folder, or in
 * which this process may not create files; with CLI_OUT_APPEND, an existing
 * file this process may not read.  Creates nothing.
 */
int cli_output_check(const char *path, unsigned flags);

/* The file writing to path writes: path, or where the chain of symbolic
 * links from it leads (relative links resolved from the link's folder; a
 * loop, or a link that cannot be read, ends the chain there).  Allocated;
 * NULL when memory runs out. */
char *cli_output_target(const char *path);

/* Create the temporary for path (its name into tmp, n bytes), with the
 * mode of path when it exists, else the mode a new file gets (0666 less the
 * umask), and guard it.  The open descriptor, or -1 with errno. */
int cli_output_temp(const char *path, char *tmp, size_t n);

/* Rename tmp over path and stop guarding it: 0, or -1 with errno, the
 * temporary removed. */
int cli_output_commit(const char *tmp, const char *path);

/* Remove tmp and stop guarding it (a failed write). */
void cli_output_discard(const char *tmp);

#endif

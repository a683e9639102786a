/*
 * model.h - the concurrency models: the programs the simulated threads run.
 */
#ifndef GS_MODEL_H
#define GS_MODEL_H

#include "kernel.h"

/* Create the model's state and the main process and thread of the run.
 * Returns a gs_err. */
int gsM_start(gsK_sim *s);
void gsM_free(gsK_sim *s);

#endif

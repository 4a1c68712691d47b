/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * assign.h: the steps of an assign up to the guest's answer (assign.c).
 */
#ifndef DDAD_ASSIGN_H
#define DDAD_ASSIGN_H

struct job;

/* The first step of an assign: the guest prepares. */
void assign_query(struct job *job);

/* An assign's step did not get its answer in time. */
void assign_timeout(struct job *job);

#endif /* DDAD_ASSIGN_H */

/*-------------------------------------------------------------------------
 *
 * unit.h
 *	  A minimal TAP producer for the C unit tests of the pure cores.
 *
 * Each CHECK prints "ok N - what" or "not ok N - what"; unit_done() prints
 * the plan and returns the exit status.  test/run.sh counts the lines.
 *
 *-------------------------------------------------------------------------
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"

static int	unit_count = 0;
static int	unit_failed = 0;

/* Records one check; prints its TAP line */
#define CHECK(cond, ...) \
	do { \
		int			unit_ok_ = (cond) ? 1 : 0; \
		unit_count++; \
		if (!unit_ok_) \
			unit_failed++; \
		printf("%s %d - ", unit_ok_ ? "ok" : "not ok", unit_count); \
		printf(__VA_ARGS__); \
		printf("\n"); \
		if (!unit_ok_) \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} while (0)

/* Prints the plan; the return value is the process exit status */
static inline int
unit_done(void)
{
	printf("1..%d\n", unit_count);
	return unit_failed == 0 ? 0 : 1;
}

/* A fallible allocator that fails once "budget" allocations have been made */
typedef struct UnitBudget
{
	int			budget;
	int			live;			/* allocated and not yet freed */
} UnitBudget;

/* malloc while the budget lasts, NULL after */
static inline void *
unit_budget_alloc(void *ctx, size_t size)
{
	UnitBudget *b = ctx;

	if (b->budget == 0)
		return NULL;
	b->budget--;
	b->live++;
	return malloc(size);
}

/* free, counting */
static inline void
unit_budget_free(void *ctx, void *ptr)
{
	((UnitBudget *) ctx)->live--;
	free(ptr);
}

/* An allocator on a budget */
static inline PiAllocator
unit_budget_allocator(UnitBudget *b)
{
	PiAllocator a = {unit_budget_alloc, unit_budget_free, b};

	return a;
}

#endif							/* UNIT_H */

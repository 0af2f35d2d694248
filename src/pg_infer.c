/*-------------------------------------------------------------------------
 *
 * pg_infer.c
 *	  Module entry point: initialises each part of pg_infer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "aws/aws.h"
#include "fdw/fdw.h"
#include "infer/infer.h"
#include "pg_infer.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Sets up every part of the extension when the library is loaded */
void
_PG_init(void)
{
	RcfInit();
	RcfPlanInit();
	AwsInit();
	InferInit();
	InferStatsInit();
	InferScanInit();
	InferPlanInit();
	MysqlInit();
	MarkGUCPrefixReserved("pg_infer");
}

/*--- Allocators for the pure cores (base/base.h) ---------------------------*/

/* Allocates from the memory context of the allocator; ERROR when out */
static void *
ContextAlloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE);
}

/* Allocates from the memory context of the allocator; NULL when out */
static void *
ContextAllocOrNull(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

/* Frees memory from either of the above */
static void
ContextFree(void *ctx, void *ptr)
{
	pfree(ptr);
}

/* An allocator that pallocs in the given context (out of memory: ERROR) */
PiAllocator
PgInferAllocator(MemoryContext context)
{
	PiAllocator allocator = {ContextAlloc, ContextFree, context};

	return allocator;
}

/*
 * A fallible allocator that pallocs in the given context: NULL when memory
 * runs out, for cores that must free what a library holds before the
 * caller raises the error.
 */
PiAllocator
PgInferFallibleAllocator(MemoryContext context)
{
	PiAllocator allocator = {ContextAllocOrNull, ContextFree, context};

	return allocator;
}

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
#include "infer/infer.h"
#include "pg_infer.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Sets up every part of the extension when the library is loaded */
void
_PG_init(void)
{
	RcfInit();
	AwsInit();
	InferInit();
	InferStatsInit();
	InferScanInit();
	InferPlanInit();
	MarkGUCPrefixReserved("pg_infer");
}

/* Allocates from the memory context an RcfAllocator was made for */
static void *
ContextAlloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE);
}

/* Frees memory from ContextAlloc */
static void
ContextFree(void *ctx, void *ptr)
{
	pfree(ptr);
}

/* An allocator for the pure cores that pallocs in the given context */
RcfAllocator
PgInferAllocator(MemoryContext context)
{
	RcfAllocator allocator = {ContextAlloc, ContextFree, context};

	return allocator;
}

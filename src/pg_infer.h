/*-------------------------------------------------------------------------
 *
 * pg_infer.h
 *	  Declarations shared by every part of pg_infer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_INFER_H
#define PG_INFER_H

#include "base/base.h"
#include "utils/memutils.h"

/* in pg_infer.c */
extern PiAllocator PgInferAllocator(MemoryContext context);
extern PiAllocator PgInferFallibleAllocator(MemoryContext context);

/* in rcf/rcf_type.c */
extern void RcfInit(void);

/* in rcf/rcf_plan.c */
extern void RcfPlanInit(void);

#endif							/* PG_INFER_H */

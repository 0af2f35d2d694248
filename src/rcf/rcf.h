/*-------------------------------------------------------------------------
 *
 * rcf.h
 *	  Private declarations of the SQL glue around the Random Cut Forest core.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RCF_H
#define RCF_H

#include "fmgr.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "rcf/rcf_forest.h"

/* The rcf_model type is a varlena holding the core's model bytes. */
#define RcfModelBytes(m)		((const uint8_t *) VARDATA_ANY(m))
#define RcfModelLength(m)		VARSIZE_ANY_EXHDR(m)

/* Options of rcf_train and rcf_stream_score, with what was set */
typedef struct RcfOptions
{
	RcfParams	params;			/* trees, sample size, decay, seed */
	int32		shingle_size;	/* streaming: points per shingle */
	int64		warmup;			/* streaming: shingles scored NULL first */
} RcfOptions;

/* Which options a caller accepts */
typedef enum RcfOptionSet
{
	RCF_OPTIONS_TRAIN,
	RCF_OPTIONS_STREAM
} RcfOptionSet;

/* in rcf_detect.c */
extern void RcfLearnThreshold(bytea *model);

/* in rcf_input.c */
extern int	RcfArrayLength(ArrayType *array, const char *what);
extern void RcfReadPoint(ArrayType *array, int dims, double *point,
						 const char *what);
extern void RcfParseOptions(Jsonb *options, RcfOptionSet set,
							RcfOptions *result);
extern Jsonb *RcfCopyOptions(MemoryContext context, Jsonb *options);
extern bool RcfSameOptions(Jsonb *a, Jsonb *b);
extern void RcfCheckParams(const RcfParams *params);

/* in rcf_score.c */
extern Datum RcfFloat8Array(const double *values, int n);
extern void RcfScoreBatch(FmgrInfo *flinfo, int nrows, int nargs, Datum *args,
						  bool *nulls, Datum *results, bool *result_nulls);
extern void RcfAttributionBatch(FmgrInfo *flinfo, int nrows, int nargs,
								Datum *args, bool *nulls, Datum *results,
								bool *result_nulls);

/* in rcf_train.c */
extern MemoryContext RcfAggregateContext(FunctionCallInfo fcinfo,
										 const char *name);

/* in rcf_type.c */
extern RcfForest *RcfCachedForest(FunctionCallInfo fcinfo, int argno);
extern RcfForest *RcfCachedForestOf(FmgrInfo *flinfo, Datum value);
extern bool RcfSameModel(Datum a, Datum b);

#endif							/* RCF_H */

/*-------------------------------------------------------------------------
 *
 * infer.h
 *	  Private declarations of SageMaker inference from SQL: settings,
 *	  endpoint functions, batched invocation, and the planner hook with its
 *	  batching custom scan.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_INFER_INFER_H
#define PG_INFER_INFER_H

#include "fmgr.h"
#include "nodes/plannodes.h"

#include "infer/codec.h"
#include "infer/infer_stats.h"

/*--- in infer_config.c -----------------------------------------------------*/

extern int	infer_batch_size;			/* pg_infer.batch_size */
extern int	infer_max_payload;			/* pg_infer.max_payload_bytes */
extern bool infer_batching;				/* pg_infer.batching */
extern bool infer_local_batch_jit;		/* pg_infer.local_batch_jit */
extern int	infer_content_type;			/* pg_infer.content_type (CodecFormat) */
extern int	infer_accept;				/* pg_infer.accept (CodecFormat) */
extern char *infer_json_field;			/* pg_infer.json_field */
extern char *infer_custom_attributes;	/* pg_infer.custom_attributes */
extern char *infer_target_variant;		/* pg_infer.target_variant */
extern char *infer_target_model;		/* pg_infer.target_model */
extern char *infer_endpoint_url;		/* pg_infer.sagemaker_endpoint_url */
extern bool infer_sign_requests;		/* pg_infer.sign_requests */

extern void InferInit(void);

/*--- in infer_function.c ---------------------------------------------------*/

/* How to encode one argument */
typedef struct InferArg
{
	Oid			type;
	int16		typlen;
	bool		typbyval;
	char		category;		/* pg_type.typcategory */
	FmgrInfo	output;			/* output function of the type or element */
	Oid			element;		/* element type of an array, else InvalidOid */
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
} InferArg;

/* Everything needed to call one endpoint with rows of arguments */
typedef struct InferFunction
{
	char	   *endpoint;		/* endpoint name */
	char	   *url;			/* where requests go */
	bool		sign;			/* SigV4-sign requests */
	bool		strict;			/* rows with a NULL argument are not sent */
	int			batch_size;
	int			max_in_flight;	/* requests on the wire at once */
	int			max_payload;
	CodecFormat content_type;
	CodecFormat accept;
	char	   *json_field;		/* NULL: each row's value as it is */
	char	   *custom_attributes;
	char	   *target_variant;
	char	   *target_model;
	int			nargs;
	InferArg   *args;
	Oid			result_type;	/* declared result; JSONBOID for sagemaker_infer */
	int32		result_typmod;
	void	   *result_private; /* conversion state, see infer_batch.c */
} InferFunction;

extern Oid	InferLanguageOid(void);
/* What a function is to inference */
typedef enum InferCallKind
{
	INFER_CALL_NONE,			/* not an endpoint function */
	INFER_CALL_FUNCTION,		/* LANGUAGE sagemaker */
	INFER_CALL_ADHOC,			/* sagemaker_infer(endpoint, ...) */
	INFER_CALL_LOCAL			/* a local model's function with a batch form */
} InferCallKind;

extern InferCallKind InferCallKindOf(Oid funcid, Oid language);

/*
 * The batch form of a C function of pg_infer that evaluates a local model
 * (rcf_score): the results the function gives row by row, for nrows rows
 * of nargs arguments (args[row * nargs + i], nulls alike) at once, into
 * results/result_nulls.  flinfo is the function's, kept for the scan, so
 * that fn_extra caches what the rows share (the decoded model).
 */
typedef void (*InferLocalBatch) (FmgrInfo *flinfo, int nrows, int nargs,
								 Datum *args, bool *nulls, Datum *results,
								 bool *result_nulls);

extern void InferRegisterLocalBatch(const char *symbol, InferLocalBatch batch);
extern InferLocalBatch InferLocalBatchOf(Oid funcid);
extern InferFunction *InferFunctionForCall(FuncExpr *call, MemoryContext mcxt);
extern InferFunction *InferFunctionForFcinfo(FunctionCallInfo fcinfo);

/*--- in infer_batch.c ------------------------------------------------------*/

typedef struct InferPending InferPending;
typedef struct AwsHttpBatch AwsHttpBatch;

/*
 * Calls the endpoint for nrows rows: args[row * nargs + i] with nulls alike.
 * Results go to results[row] / result_nulls[row]; counters add what was
 * spent.  InferInvoke waits; InferStart only starts the requests, in an
 * HTTP batch of the caller's, and InferFinish completes them; InferAbandon
 * records the cost of calls that will never be finished.
 */
extern void InferInvoke(InferFunction *fn, int nrows, Datum *args,
						bool *nulls, Datum *results, bool *result_nulls,
						InferCounters *counters);
extern InferPending *InferStart(InferFunction *fn, int nrows, Datum *args,
								bool *nulls, Datum *results,
								bool *result_nulls, AwsHttpBatch *http);
extern void InferFinish(InferPending *pending, InferCounters *counters);
extern void InferAbandon(InferPending *pending);

/*--- in infer_plan.c -------------------------------------------------------*/

extern void InferPlanInit(void);

/*--- in infer_scan.c -------------------------------------------------------*/

#define INFER_SCAN_NAME "SageMaker Batch"
#define LOCAL_SCAN_NAME "Local Batch"

extern void InferScanInit(void);
extern Plan *InferMakeBatchScan(Plan *child, List *calls, List *tlist,
								List *quals);
extern bool InferIsBatchScan(Plan *plan);
extern void InferBoundBatchScan(Plan *plan, int64 rows);

#endif							/* PG_INFER_INFER_H */

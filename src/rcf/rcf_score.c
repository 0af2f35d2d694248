/*-------------------------------------------------------------------------
 *
 * rcf_score.c
 *	  Scoring points against a stored model: rcf_score and rcf_attribution,
 *	  row by row, and their batch forms, which the plan's batch node (see
 *	  src/infer/infer_scan.c) calls for a chunk of rows at once: the rows of
 *	  one model go through the forest tree by tree (rcf_forest_score_many),
 *	  with the very results of the row-by-row functions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "rcf/rcf.h"

/* Points up to this many dimensions are read into a buffer on the stack */
#define STACK_DIMS 64

PG_FUNCTION_INFO_V1(rcf_score);
PG_FUNCTION_INFO_V1(rcf_attribution);

/* rcf_score(model, point): the anomaly score of one point */
Datum
rcf_score(PG_FUNCTION_ARGS)
{
	RcfForest  *forest = RcfCachedForest(fcinfo, 0);
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(1);
	int			dims = rcf_forest_params(forest)->dims;
	double		stack[STACK_DIMS];
	double	   *point = dims <= STACK_DIMS ? stack : palloc(sizeof(double) * dims);

	RcfReadPoint(array, dims, point, "point");
	PG_RETURN_FLOAT8(rcf_forest_score(forest, point));
}

/* The rows of a batch against one model, scored together */
typedef struct BatchRun
{
	RcfForest  *forest;
	int			dims;
	int			count;			/* rows in the run */
	int		   *rows;			/* their row numbers in the batch */
	double	   *points;			/* count * dims values */
} BatchRun;

/* What a batch form makes of a run: results[rows[i]] for each row of it */
typedef void (*BatchFlush) (BatchRun *run, Datum *results, void *arg);

/* rcf_score of a run's rows */
static void
FlushScores(BatchRun *run, Datum *results, void *arg)
{
	double	   *scores = palloc(sizeof(double) * run->count);

	rcf_forest_score_many(run->forest, run->count, run->points, scores);
	for (int i = 0; i < run->count; i++)
		results[run->rows[i]] = Float8GetDatum(scores[i]);
	pfree(scores);
}

/* Models a batch groups its rows by; rows of further models go one by one */
#define BATCH_MODELS 8

/*
 * Reads the points of the rows not done yet whose model is the same value
 * as row first's into a run, marking them done
 */
static void
CollectRun(BatchRun *run, int first, int nrows, Datum *args, bool *done,
		   bool grouped)
{
	run->count = 0;
	for (int row = first; row < nrows && (grouped || row == first); row++)
	{
		if (done[row] || !RcfSameModel(args[2 * first], args[2 * row]))
			continue;
		RcfReadPoint(DatumGetArrayTypeP(args[2 * row + 1]), run->dims,
					 run->points + (size_t) run->count * run->dims, "point");
		run->rows[run->count++] = row;
		done[row] = true;
	}
}

/*
 * Calls "flush" for the rows of each model (args: model, point per row):
 * the rows of the first BATCH_MODELS models in the batch together, per
 * model; rows of further models one at a time.  Rows with a NULL argument
 * give NULL (the functions are STRICT).
 */
static void
BatchByModel(FmgrInfo *flinfo, int nrows, Datum *args, bool *nulls,
			 Datum *results, bool *result_nulls, BatchFlush flush, void *arg)
{
	BatchRun	run = {0};
	bool	   *done = palloc(sizeof(bool) * nrows);
	int			models = 0;

	run.rows = palloc(sizeof(int) * nrows);
	for (int row = 0; row < nrows; row++)
	{
		results[row] = (Datum) 0;
		result_nulls[row] = done[row] = nulls[2 * row] || nulls[2 * row + 1];
	}
	for (int first = 0; first < nrows; first++)
	{
		if (done[first])
			continue;
		run.forest = RcfCachedForestOf(flinfo, args[2 * first]);
		run.dims = rcf_forest_params(run.forest)->dims;
		run.points = run.points == NULL ?
			palloc(sizeof(double) * run.dims * (nrows - first)) :
			repalloc(run.points, sizeof(double) * run.dims * (nrows - first));
		CollectRun(&run, first, nrows, args, done, models++ < BATCH_MODELS);
		flush(&run, results, arg);
	}
}

/* The batch form of rcf_score (InferLocalBatch): the same scores, faster */
void
RcfScoreBatch(FmgrInfo *flinfo, int nrows, int nargs, Datum *args,
			  bool *nulls, Datum *results, bool *result_nulls)
{
	Assert(nargs == 2);
	BatchByModel(flinfo, nrows, args, nulls, results, result_nulls,
				 FlushScores, NULL);
}

/* The (high, low) record of one point's attribution */
static Datum
AttributionRecord(TupleDesc tupdesc, const double *high, const double *low,
				  int dims)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = RcfFloat8Array(high, dims);
	values[1] = RcfFloat8Array(low, dims);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* rcf_attribution of a run's rows (arg: the blessed result descriptor) */
static void
FlushAttributions(BatchRun *run, Datum *results, void *arg)
{
	size_t		n = (size_t) run->count * run->dims;
	double	   *high = palloc(sizeof(double) * n);
	double	   *low = palloc(sizeof(double) * n);

	rcf_forest_attribution_many(run->forest, run->count, run->points, high, low);
	for (int i = 0; i < run->count; i++)
		results[run->rows[i]] = AttributionRecord((TupleDesc) arg,
												  high + (size_t) i * run->dims,
												  low + (size_t) i * run->dims,
												  run->dims);
	pfree(low);
	pfree(high);
}

/* The batch form of rcf_attribution (InferLocalBatch) */
void
RcfAttributionBatch(FmgrInfo *flinfo, int nrows, int nargs, Datum *args,
					bool *nulls, Datum *results, bool *result_nulls)
{
	TupleDesc	tupdesc;

	Assert(nargs == 2);
	if (get_func_result_type(flinfo->fn_oid, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rcf_attribution must return a record");
	BatchByModel(flinfo, nrows, args, nulls, results, result_nulls,
				 FlushAttributions, BlessTupleDesc(tupdesc));
}

/* A float8[] of n values */
Datum
RcfFloat8Array(const double *values, int n)
{
	Datum	   *datums = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		datums[i] = Float8GetDatum(values[i]);
	return PointerGetDatum(construct_array(datums, n, FLOAT8OID, sizeof(float8),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * rcf_attribution(model, point): the score split per dimension into the
 * part due to the point lying above the data (high) and below it (low).
 */
Datum
rcf_attribution(PG_FUNCTION_ARGS)
{
	RcfForest  *forest = RcfCachedForest(fcinfo, 0);
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(1);
	int			dims = rcf_forest_params(forest)->dims;
	double	   *point = palloc(sizeof(double) * dims);
	double	   *high = palloc(sizeof(double) * dims);
	double	   *low = palloc(sizeof(double) * dims);
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rcf_attribution must return a record");
	RcfReadPoint(array, dims, point, "point");
	rcf_forest_attribution(forest, point, high, low);
	PG_RETURN_DATUM(AttributionRecord(BlessTupleDesc(tupdesc), high, low, dims));
}

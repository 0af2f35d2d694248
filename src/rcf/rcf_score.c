/*-------------------------------------------------------------------------
 *
 * rcf_score.c
 *	  Scoring points against a stored model: rcf_score and rcf_attribution.
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
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rcf_attribution must return a record");
	RcfReadPoint(array, dims, point, "point");
	rcf_forest_attribution(forest, point, high, low);
	values[0] = RcfFloat8Array(high, dims);
	values[1] = RcfFloat8Array(low, dims);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

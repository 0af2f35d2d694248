/*-------------------------------------------------------------------------
 *
 * rcf_stream.c
 *	  rcf_stream_score: a window function that scores an ordered series
 *	  point by point and then learns the point, with shingling and time
 *	  decay, like the RANDOM_CUT_FOREST function of Kinesis Data Analytics.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "windowapi.h"

#include "pg_infer.h"
#include "rcf/rcf.h"

/* The forest of one window partition, in the partition-local memory */
typedef struct RcfStream
{
	MemoryContext context;		/* holds everything below; NULL at start */
	RcfForest  *forest;
	int			input_dims;		/* values per row */
	int			shingle_size;	/* rows per shingle */
	int64		warmup;			/* shingles scored NULL at first */
	Jsonb	   *options;		/* as given with the first row, or NULL */
	int64		rows;			/* rows seen */
	double	   *ring;			/* the last shingle_size rows */
	double	   *point;			/* the shingle, oldest row first */
} RcfStream;

PG_FUNCTION_INFO_V1(rcf_stream_score);

/*
 * Sets up the forest of a new partition from its first row.  The previous
 * partition's memory, remembered in fn_extra, goes first.
 */
static void
StartStream(FunctionCallInfo fcinfo, RcfStream *stream, int input_dims,
			Jsonb *options)
{
	RcfOptions	parsed;
	RcfAllocator allocator;
	int			dims;

	if (fcinfo->flinfo->fn_extra != NULL)
		MemoryContextDelete((MemoryContext) fcinfo->flinfo->fn_extra);
	fcinfo->flinfo->fn_extra = NULL;

	RcfParseOptions(options, RCF_OPTIONS_STREAM, &parsed);
	parsed.params.dims = input_dims * parsed.shingle_size;
	RcfCheckParams(&parsed.params);
	dims = parsed.params.dims;

	stream->context = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt,
											"rcf_stream_score",
											ALLOCSET_DEFAULT_SIZES);
	fcinfo->flinfo->fn_extra = stream->context;
	allocator = PgInferAllocator(stream->context);
	stream->forest = rcf_forest_create(&parsed.params, &allocator);
	stream->input_dims = input_dims;
	stream->shingle_size = parsed.shingle_size;
	stream->warmup = parsed.warmup;
	stream->options = RcfCopyOptions(stream->context, options);
	stream->ring = MemoryContextAlloc(stream->context, sizeof(double) * dims);
	stream->point = MemoryContextAlloc(stream->context, sizeof(double) * dims);
}

/* Reads the current row's value (float8 or float8[]) into the ring */
static void
ReadRow(RcfStream *stream, Datum value, bool is_array)
{
	double	   *slot = stream->ring +
		(stream->rows % stream->shingle_size) * stream->input_dims;

	if (is_array)
	{
		ArrayType  *array = DatumGetArrayTypeP(value);
		int			length = RcfArrayLength(array, "series value");

		if (length != stream->input_dims)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg_plural("series value has %d value, but the first row of its partition had %d",
								   "series value has %d values, but the first row of its partition had %d",
								   length, length, stream->input_dims),
					 errdetail("The first row of a partition sets how many values every row has.")));
		RcfReadPoint(array, length, slot, "series value");
	}
	else
	{
		*slot = DatumGetFloat8(value);
		if (!isfinite(*slot))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("series value must be finite")));
	}
	stream->rows++;
}

/* Lays the shingle out oldest row first; false while it is not yet full */
static bool
BuildShingle(RcfStream *stream)
{
	int			width = stream->input_dims;
	int			size = stream->shingle_size;

	if (stream->rows < size)
		return false;
	for (int i = 0; i < size; i++)
	{
		int64		slot = (stream->rows + i) % size;

		memcpy(stream->point + i * width, stream->ring + slot * width,
			   sizeof(double) * width);
	}
	return true;
}

/* The options of the current row, or NULL */
static Jsonb *
RowOptions(WindowObject winobj)
{
	bool		isnull;
	Datum		options = WinGetFuncArgCurrent(winobj, 1, &isnull);

	return isnull ? NULL : DatumGetJsonbP(options);
}

/*
 * rcf_stream_score(value, options) OVER (ORDER BY ...): the score of the
 * current row's shingle against the forest of the rows before it, after
 * which the forest learns it.  NULL for NULL rows (which are skipped), until
 * the first shingle is full, and for the first "warmup" shingles.
 */
Datum
rcf_stream_score(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	RcfStream  *stream = WinGetPartitionLocalMemory(winobj, sizeof(RcfStream));
	bool		is_array = get_fn_expr_argtype(fcinfo->flinfo, 0) != FLOAT8OID;
	bool		isnull;
	Datum		value = WinGetFuncArgCurrent(winobj, 0, &isnull);
	double		score;
	Jsonb	   *options;

	if (isnull)
		PG_RETURN_NULL();
	options = RowOptions(winobj);
	if (stream->context == NULL)
	{
		int			input_dims = is_array ?
			RcfArrayLength(DatumGetArrayTypeP(value), "series value") : 1;

		StartStream(fcinfo, stream, input_dims, options);
	}
	else if (!RcfSameOptions(stream->options, options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_stream_score options must be the same for every row of a partition")));

	ReadRow(stream, value, is_array);
	if (!BuildShingle(stream))
		PG_RETURN_NULL();
	score = rcf_forest_score(stream->forest, stream->point);
	rcf_forest_update(stream->forest, stream->point);
	if (stream->rows - stream->shingle_size < stream->warmup)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(score);
}

/*-------------------------------------------------------------------------
 *
 * rcf_type.c
 *	  The rcf_model type: text and binary input/output, casts, rcf_info,
 *	  and the per-query cache of decoded forests.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "infer/infer.h"
#include "pg_infer.h"
#include "rcf/rcf.h"

/* A forest decoded once per query, and the stored value it came from */
typedef struct RcfForestCache
{
	struct varlena *key;		/* the argument as stored: toast pointer or bytes */
	RcfForest  *forest;
} RcfForestCache;

PG_FUNCTION_INFO_V1(rcf_model_in);
PG_FUNCTION_INFO_V1(rcf_model_out);
PG_FUNCTION_INFO_V1(rcf_model_recv);
PG_FUNCTION_INFO_V1(rcf_model_send);
PG_FUNCTION_INFO_V1(rcf_model_from_bytea);
PG_FUNCTION_INFO_V1(rcf_info);

/*
 * Registers the batch forms of rcf_score and rcf_attribution, which the
 * plan's batch node calls for a chunk of rows at once
 */
void
RcfInit(void)
{
	InferRegisterLocalBatch("rcf_score", RcfScoreBatch);
	InferRegisterLocalBatch("rcf_attribution", RcfAttributionBatch);
}

/* Raises a clear error for model bytes the core rejects */
static void
CheckModelBytes(const uint8_t *bytes, size_t length, RcfModelInfo *info)
{
	const char *problem = rcf_model_info(bytes, length, info);

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid rcf_model value: %s at byte %zu",
						problem, info->error_offset)));
}

/* Wraps validated model bytes in a new varlena */
static bytea *
ModelFromBytes(const uint8_t *bytes, size_t length)
{
	RcfModelInfo info;
	bytea	   *model;

	CheckModelBytes(bytes, length, &info);
	model = palloc(VARHDRSZ + length);
	SET_VARSIZE(model, VARHDRSZ + length);
	memcpy(VARDATA(model), bytes, length);
	return model;
}

/* rcf_model_in: the JSON text form to a model */
Datum
rcf_model_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	RcfAllocator allocator = PgInferAllocator(CurrentMemoryContext);
	const char *problem = NULL;
	size_t		length;
	uint8_t    *bytes = rcf_model_from_json(text, &length, &allocator, &problem);

	if (bytes == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type rcf_model: %s", problem)));
	PG_RETURN_BYTEA_P(ModelFromBytes(bytes, length));
}

/* rcf_model_out: a model to its JSON text form */
Datum
rcf_model_out(PG_FUNCTION_ARGS)
{
	bytea	   *model = PG_GETARG_BYTEA_PP(0);
	RcfAllocator allocator = PgInferAllocator(CurrentMemoryContext);
	RcfModelInfo info;

	CheckModelBytes(RcfModelBytes(model), RcfModelLength(model), &info);
	PG_RETURN_CSTRING(rcf_model_to_json(RcfModelBytes(model),
										RcfModelLength(model), &allocator));
}

/* rcf_model_recv: the binary form, checked as it arrives */
Datum
rcf_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			length = buf->len - buf->cursor;
	const char *bytes = pq_getmsgbytes(buf, length);

	PG_RETURN_BYTEA_P(ModelFromBytes((const uint8_t *) bytes, length));
}

/* rcf_model_send: the binary form is the model bytes */
Datum
rcf_model_send(PG_FUNCTION_ARGS)
{
	bytea	   *model = PG_GETARG_BYTEA_P(0);

	PG_RETURN_BYTEA_P(model);
}

/* bytea::rcf_model, validating the bytes */
Datum
rcf_model_from_bytea(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_BYTEA_P(ModelFromBytes((const uint8_t *) VARDATA_ANY(raw),
									 VARSIZE_ANY_EXHDR(raw)));
}

/*
 * A seed as rcf_info's column type has it: numeric since 0.4, every 64-bit
 * seed as it is; bigint in an extension not yet updated from 0.3, where
 * seeds above 2^63 - 1 wrap to negative numbers
 */
static Datum
SeedDatum(uint64 seed, Oid type)
{
	if (type == INT8OID)
		return Int64GetDatum((int64) seed);
	return DirectFunctionCall3(numeric_in,
							   CStringGetDatum(psprintf(UINT64_FORMAT, seed)),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* rcf_info: the shape and size of a model, as a record */
Datum
rcf_info(PG_FUNCTION_ARGS)
{
	bytea	   *model = PG_GETARG_BYTEA_PP(0);
	RcfModelInfo info;
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rcf_info must return a record");
	CheckModelBytes(RcfModelBytes(model), RcfModelLength(model), &info);

	values[0] = Int32GetDatum(info.params.num_trees);
	values[1] = Int32GetDatum(info.params.sample_size);
	values[2] = Int32GetDatum(info.params.dims);
	values[3] = Int64GetDatum(info.samples);
	values[4] = Int64GetDatum(info.points_seen);
	values[5] = Float8GetDatum(info.params.time_decay);
	values[6] = SeedDatum(info.params.seed, TupleDescAttr(tupdesc, 6)->atttypid);
	values[7] = Int32GetDatum((int32) RcfModelLength(model));
	values[8] = Int32GetDatum((int32) info.version);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

/*
 * The bytes that identify a stored model cheaply: a value still out of line
 * in a TOAST table is named by its TOAST pointer (TOAST values never change
 * in place); anything else by its own bytes.
 */
static struct varlena *
ModelKey(struct varlena *raw)
{
	if (VARATT_IS_EXTERNAL_ONDISK(raw))
		return raw;
	return (struct varlena *) PG_DETOAST_DATUM_PACKED(PointerGetDatum(raw));
}

/* Whether two keys from ModelKey are the same bytes */
static bool
SameKey(struct varlena *a, struct varlena *b)
{
	return VARSIZE_ANY(a) == VARSIZE_ANY(b) &&
		memcmp(a, b, VARSIZE_ANY(a)) == 0;
}

/* The decoded forest of the model in argument "argno" (RcfCachedForestOf) */
RcfForest *
RcfCachedForest(FunctionCallInfo fcinfo, int argno)
{
	return RcfCachedForestOf(fcinfo->flinfo, PG_GETARG_DATUM(argno));
}

/* Whether two model values are the same model (as the forest cache tells) */
bool
RcfSameModel(Datum a, Datum b)
{
	return a == b ||
		SameKey(ModelKey((struct varlena *) DatumGetPointer(a)),
				ModelKey((struct varlena *) DatumGetPointer(b)));
}

/*
 * The decoded forest of a model value, decoded once per query: it is
 * cached in the fn_extra of flinfo with the key of the value it came from,
 * so a million rows scored against one stored model decode it once.
 */
RcfForest *
RcfCachedForestOf(FmgrInfo *flinfo, Datum value)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(value);
	struct varlena *key = ModelKey(raw);
	RcfForestCache *cache = flinfo->fn_extra;
	MemoryContext mcxt = flinfo->fn_mcxt;
	RcfAllocator allocator = PgInferAllocator(mcxt);
	bytea	   *model;
	RcfForest  *forest;
	struct varlena *key_copy;
	const char *problem = NULL;

	if (cache != NULL && SameKey(cache->key, key))
		return cache->forest;

	model = (bytea *) PG_DETOAST_DATUM_PACKED(PointerGetDatum(raw));
	forest = rcf_forest_decode(RcfModelBytes(model), RcfModelLength(model),
							   &allocator, &problem);
	if (forest == NULL)
	{
		RcfModelInfo info;

		/* raises the error with the offset of the fault */
		CheckModelBytes(RcfModelBytes(model), RcfModelLength(model), &info);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid rcf_model value: %s", problem)));
	}
	key_copy = MemoryContextAlloc(mcxt, VARSIZE_ANY(key));
	memcpy(key_copy, key, VARSIZE_ANY(key));

	if (cache == NULL)
		cache = flinfo->fn_extra =
			MemoryContextAllocZero(mcxt, sizeof(RcfForestCache));
	else
	{
		pfree(cache->key);
		rcf_forest_free(cache->forest);
	}
	cache->key = key_copy;
	cache->forest = forest;
	return forest;
}

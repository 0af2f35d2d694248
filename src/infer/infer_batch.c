/*-------------------------------------------------------------------------
 *
 * infer_batch.c
 *	  Calling an endpoint for many rows at once: rows are encoded into
 *	  request bodies of at most batch_size rows and max_payload bytes, the
 *	  requests run several at a time, and each reply is decoded and
 *	  converted to the function's result type row by row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "aws/aws.h"
#include "infer/infer.h"
#include "pg_infer.h"

/* Converts decoded text to one type */
typedef struct TypeInput
{
	Oid			type;
	FmgrInfo	input;
	Oid			ioparam;
	int32		typmod;
} TypeInput;

/* How replies become the result type (InferFunction.result_private) */
typedef struct ResultConverter
{
	char		kind;			/* 's'calar, 'a'rray, 'c'omposite, 'j'sonb */
	TypeInput	scalar;			/* scalar, or the element of an array */
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	TupleDesc	tupdesc;		/* composite */
	TypeInput  *attrs;
} ResultConverter;

/* One request: a slice of the rows sent, and its body */
typedef struct InferRequest
{
	AwsHttpRequest http;
	int			first;			/* index into the rows sent */
	int			count;
	PiBuf		body;			/* palloc'd */
} InferRequest;

/* Where an error converting a result happened, for errcontext */
typedef struct ResultPosition
{
	const char *endpoint;
	int			row;
} ResultPosition;

/* Looks up the input function of a type */
static void
InitTypeInput(TypeInput *input, Oid type, int32 typmod)
{
	Oid			func;

	input->type = type;
	input->typmod = typmod;
	getTypeInputInfo(type, &func, &input->ioparam);
	fmgr_info(func, &input->input);
}

/*
 * Builds the converter of a function's result type, once, in the memory
 * context of the function (it outlives the batch or row being converted)
 */
static ResultConverter *
Converter(InferFunction *fn)
{
	ResultConverter *conv = fn->result_private;
	Oid			element;
	MemoryContext old;

	if (conv != NULL)
		return conv;
	old = MemoryContextSwitchTo(GetMemoryChunkContext(fn));
	conv = palloc0(sizeof(ResultConverter));
	element = get_element_type(fn->result_type);
	if (fn->result_type == JSONBOID)
		conv->kind = 'j';
	else if (OidIsValid(element))
	{
		conv->kind = 'a';
		InitTypeInput(&conv->scalar, element, -1);
		get_typlenbyvalalign(element, &conv->elmlen, &conv->elmbyval,
							 &conv->elmalign);
	}
	else if (type_is_rowtype(fn->result_type))
	{
		conv->kind = 'c';
		conv->tupdesc = lookup_rowtype_tupdesc_copy(fn->result_type, -1);
		conv->attrs = palloc0(sizeof(TypeInput) * conv->tupdesc->natts);
		for (int i = 0; i < conv->tupdesc->natts; i++)
			InitTypeInput(&conv->attrs[i], TupleDescAttr(conv->tupdesc, i)->atttypid,
						  TupleDescAttr(conv->tupdesc, i)->atttypmod);
	}
	else
	{
		conv->kind = 's';
		InitTypeInput(&conv->scalar, fn->result_type, fn->result_typmod);
	}
	fn->result_private = conv;
	MemoryContextSwitchTo(old);
	return conv;
}

/*--- Encoding ---------------------------------------------------------------*/

/* Whether text is a number JSON accepts (NaN and Infinity are not) */
static bool
IsJsonNumber(const char *text)
{
	const char *p = text;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char) *p))
		return false;
	while (*p && (isdigit((unsigned char) *p) || *p == '.' || *p == 'e' ||
				  *p == 'E' || *p == '+' || *p == '-'))
		p++;
	return *p == '\0';
}

/* One field from a scalar value of an argument */
static CodecField
ScalarField(InferArg *arg, Datum value)
{
	CodecField	field;
	char	   *text = OutputFunctionCall(&arg->output, value);

	field.kind = CODEC_FIELD_STRING;
	if (arg->category == TYPCATEGORY_NUMERIC && IsJsonNumber(text))
		field.kind = CODEC_FIELD_NUMBER;
	else if (arg->category == TYPCATEGORY_BOOLEAN)
	{
		field.kind = CODEC_FIELD_BOOL;
		text = DatumGetBool(value) ? "true" : "false";
	}
	field.text = text;
	field.len = strlen(text);
	return field;
}

/* Appends the fields of one argument (arrays flatten) to fields[] */
static int
ArgFields(InferArg *arg, Datum value, bool isnull, CodecField **fields,
		  int *nfields, int *capacity)
{
	Datum	   *elems;
	bool	   *elem_nulls;
	int			nelems = 1;

	if (isnull || !OidIsValid(arg->element))
		elems = &value, elem_nulls = &isnull;
	else
		deconstruct_array(DatumGetArrayTypeP(value), arg->element,
						  arg->elmlen, arg->elmbyval, arg->elmalign,
						  &elems, &elem_nulls, &nelems);
	if (*nfields + nelems > *capacity)
	{
		*capacity = (*nfields + nelems) * 2;
		*fields = repalloc(*fields, sizeof(CodecField) * *capacity);
	}
	for (int i = 0; i < nelems; i++)
	{
		CodecField *field = &(*fields)[(*nfields)++];

		if (elem_nulls[i])
			field->kind = CODEC_FIELD_NULL, field->text = "", field->len = 0;
		else
			*field = ScalarField(arg, elems[i]);
	}
	return nelems;
}

/* Encodes one row's arguments into request fields */
static CodecField *
RowFields(InferFunction *fn, Datum *args, bool *nulls, int *nfields)
{
	int			capacity = Max(fn->nargs, 4);
	CodecField *fields = palloc(sizeof(CodecField) * capacity);

	*nfields = 0;
	for (int i = 0; i < fn->nargs; i++)
		ArgFields(&fn->args[i], args[i], nulls[i], &fields, nfields, &capacity);
	return fields;
}

/* Closes a request body and sets the URL, headers, service and signing context */
static void
PrepareHttp(InferFunction *fn, InferRequest *req)
{
	AwsHttpRequest *http = &req->http;

	codec_end(fn->content_type, &req->body);
	http->body = req->body.data;
	http->body_len = req->body.len;
	http->url = fn->url;
	http->method = "POST";
	http->service = &aws_service_sagemaker_runtime;
	if (fn->sign)
	{
		http->credentials = AwsGetCredentials();
		http->region = AwsGetRegion();
	}
	http->headers = list_make2(psprintf("Content-Type: %s",
										codec_mime_type(fn->content_type)),
							   psprintf("Accept: %s",
										codec_mime_type(fn->accept)));
	if (fn->custom_attributes)
		http->headers = lappend(http->headers,
								psprintf("X-Amzn-SageMaker-Custom-Attributes: %s",
										 fn->custom_attributes));
	if (fn->target_variant)
		http->headers = lappend(http->headers,
								psprintf("X-Amzn-SageMaker-Target-Variant: %s",
										 fn->target_variant));
	if (fn->target_model)
		http->headers = lappend(http->headers,
								psprintf("X-Amzn-SageMaker-Target-Model: %s",
										 fn->target_model));
}

/* Starts a new, empty request at row index "first" */
static InferRequest *
NewRequest(InferFunction *fn, int first)
{
	InferRequest *req = palloc0(sizeof(InferRequest));
	PiAllocator allocator = PgInferAllocator(CurrentMemoryContext);

	req->first = first;
	pi_buf_init(&req->body, &allocator);
	codec_begin(fn->content_type, &req->body);
	return req;
}

/*
 * Appends a row to the request, unless that would take the body past the
 * payload limit; returns whether it was added.  A row that alone exceeds
 * the limit is an error.
 */
static bool
AddRow(InferFunction *fn, InferRequest *req, CodecField *fields, int nfields,
	   int row)
{
	size_t		before = req->body.len;
	size_t		end = codec_end_size(fn->content_type);

	codec_add_row(fn->content_type, &req->body, req->count, fields, nfields);
	if (req->body.len + end <= (size_t) fn->max_payload)
	{
		req->count++;
		return true;
	}
	req->body.len = before;
	req->body.data[before] = '\0';
	if (req->count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("row %d for sagemaker endpoint \"%s\" is larger than the request limit of %d bytes",
						row + 1, fn->endpoint, fn->max_payload),
				 errhint("Raise pg_infer.max_payload_bytes (at most 5MB) or send less data per row.")));
	return false;
}

/*
 * Makes values print the same whatever the session's display settings
 * (dates in ISO, intervals as postgres, floats exact), as postgres_fdw
 * does; returns the GUC nest level to pass to AtEOXact_GUC.
 */
static int
SetTransmissionModes(void)
{
	int			nestlevel = NewGUCNestLevel();

	if (DateStyle != USE_ISO_DATES)
		(void) set_config_option("datestyle", "ISO", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
								 false);
	if (IntervalStyle != INTSTYLE_POSTGRES)
		(void) set_config_option("intervalstyle", "postgres", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
								 false);
	if (extra_float_digits < 3)
		(void) set_config_option("extra_float_digits", "3", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
								 false);
	return nestlevel;
}

/*
 * Encodes the rows sent into requests of bounded rows and bytes, appended
 * to *requests as they are made (so that the caller can free their bodies
 * if encoding fails half-way), then seals each one.
 */
static void
EncodeRequests(InferFunction *fn, int nsent, const int *sent, Datum *args,
			   bool *nulls, List **requests)
{
	InferRequest *req = NULL;
	int			nestlevel = SetTransmissionModes();
	ListCell   *lc;

	for (int i = 0; i < nsent; i++)
	{
		int			row = sent[i];
		int			nfields;
		CodecField *fields = RowFields(fn, args + row * fn->nargs,
									   nulls + row * fn->nargs, &nfields);

		if (req != NULL && req->count >= fn->batch_size)
			req = NULL;
		if (req != NULL && !AddRow(fn, req, fields, nfields, row))
			req = NULL;
		if (req == NULL)
		{
			req = NewRequest(fn, i);
			*requests = lappend(*requests, req);
			AddRow(fn, req, fields, nfields, row);
		}
		pfree(fields);
	}
	AtEOXact_GUC(true, nestlevel);
	foreach(lc, *requests)
		PrepareHttp(fn, lfirst(lc));
}

/*--- Decoding ---------------------------------------------------------------*/

/* Adds the position of a result being converted to an error */
static void
ResultErrorContext(void *arg)
{
	ResultPosition *pos = arg;

	errcontext("result row %d of sagemaker endpoint \"%s\"", pos->row + 1,
			   pos->endpoint);
}

/* The value a scalar is read from: an object or array of one member is unwrapped */
static CodecValue *
Unwrap(CodecValue *value)
{
	while ((value->kind == CODEC_VALUE_OBJECT || value->kind == CODEC_VALUE_ARRAY) &&
		   value->nitems == 1)
		value = &value->items[0];
	return value;
}

/*
 * Remote text in the server's encoding: replies are UTF-8 (checked by
 * CheckRowText), converted when the database uses another encoding
 */
static char *
ServerText(char *utf8)
{
	return pg_any_to_server(utf8, strlen(utf8), PG_UTF8);
}

/* Converts a decoded scalar with an input function; NULL stays NULL */
static Datum
ReadScalar(TypeInput *input, CodecValue *value, bool *isnull)
{
	value = Unwrap(value);
	*isnull = value->kind == CODEC_VALUE_NULL;
	if (*isnull)
		return (Datum) 0;
	if (value->kind != CODEC_VALUE_SCALAR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("expected a single value of type %s, got %.200s",
						format_type_be(input->type), value->json)));
	return InputFunctionCall(&input->input, ServerText(value->text),
							 input->ioparam, input->typmod);
}

/* Converts a decoded array (or scalar) to an array of the element type */
static Datum
ReadArray(ResultConverter *conv, CodecValue *value)
{
	int			n = value->kind == CODEC_VALUE_SCALAR ? 1 : value->nitems;
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
		elems[i] = ReadScalar(&conv->scalar,
							  value->kind == CODEC_VALUE_SCALAR ? value : &value->items[i],
							  &nulls[i]);
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  conv->scalar.type, conv->elmlen,
											  conv->elmbyval, conv->elmalign));
}

/* The member of an object for an attribute: by name, else NULL */
static CodecValue *
Member(CodecValue *object, const char *name)
{
	for (int i = 0; i < object->nitems; i++)
		if (strcmp(object->names[i], name) == 0)
			return &object->items[i];
	return NULL;
}

/* Converts a decoded object (by name) or array (by position) to a row */
static Datum
ReadComposite(ResultConverter *conv, CodecValue *value)
{
	int			natts = conv->tupdesc->natts;
	Datum	   *values = palloc(sizeof(Datum) * natts);
	bool	   *nulls = palloc(sizeof(bool) * natts);

	if (value->kind != CODEC_VALUE_OBJECT &&
		!(value->kind == CODEC_VALUE_ARRAY && value->nitems == natts))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("expected %d values for type %s, got %.200s",
						natts, format_type_be(conv->tupdesc->tdtypeid),
						value->json)));
	for (int i = 0; i < natts; i++)
	{
		CodecValue *item = value->kind == CODEC_VALUE_ARRAY ? &value->items[i] :
			Member(value, NameStr(TupleDescAttr(conv->tupdesc, i)->attname));

		if (item == NULL)
			nulls[i] = true;
		else
			values[i] = ReadScalar(&conv->attrs[i], item, &nulls[i]);
	}
	return HeapTupleGetDatum(heap_form_tuple(conv->tupdesc, values, nulls));
}

/* Converts one decoded result row to the function's result type */
static Datum
ReadResult(InferFunction *fn, CodecValue *value, bool *isnull)
{
	ResultConverter *conv = Converter(fn);

	*isnull = value->kind == CODEC_VALUE_NULL;
	if (*isnull)
		return (Datum) 0;
	switch (conv->kind)
	{
		case 'j':
			return DirectFunctionCall1(jsonb_in,
									   CStringGetDatum(ServerText(value->json)));
		case 'a':
			return ReadArray(conv, value);
		case 'c':
			return ReadComposite(conv, value);
		default:
			return ReadScalar(&conv->scalar, value, isnull);
	}
}

/* Byte offset of the first invalid UTF-8 in a string, or -1 */
static int
InvalidUtf8At(const char *text)
{
	int			len;
	int			valid;

	if (text == NULL)
		return -1;
	len = strlen(text);
	valid = pg_encoding_verifymbstr(PG_UTF8, text, len);
	return valid < len ? valid : -1;
}

/*
 * Fails unless every text of a decoded result row (its JSON form, scalar
 * texts and member names) is valid UTF-8: remote bytes are checked before
 * any becomes a PostgreSQL value, which could not be dumped and restored.
 */
static void
CheckRowText(InferFunction *fn, int row, CodecValue *value)
{
	int			at = InvalidUtf8At(value->json);

	if (at < 0)
		at = InvalidUtf8At(value->text);
	for (int i = 0; at < 0 && value->names && i < value->nitems; i++)
		at = InvalidUtf8At(value->names[i]);
	if (at >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("result row %d of sagemaker endpoint \"%s\" is not valid UTF-8",
						row + 1, fn->endpoint),
				 errdetail("An invalid byte sequence starts at byte %d of the row's value.",
						   at + 1)));
	for (int i = 0; i < value->nitems; i++)
		CheckRowText(fn, row, &value->items[i]);
}

/* Decodes a reply and stores its results for the rows of the request */
static void
StoreResults(InferFunction *fn, InferRequest *req, const int *sent,
			 CodecResult *decoded, Datum *results, bool *result_nulls)
{
	ResultPosition pos = {fn->endpoint, 0};
	ErrorContextCallback callback = {error_context_stack, ResultErrorContext, &pos};

	if (decoded->nrows != req->count)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("sagemaker endpoint \"%s\" returned %d results for %d rows",
						fn->endpoint, decoded->nrows, req->count)));
	error_context_stack = &callback;
	for (int i = 0; i < req->count; i++)
	{
		int			row = sent[req->first + i];

		pos.row = row;
		CheckRowText(fn, row, &decoded->rows[i]);
		results[row] = ReadResult(fn, &decoded->rows[i], &result_nulls[row]);
	}
	error_context_stack = callback.previous;
}

/* Decodes one successful reply; the codec's memory is freed on any path */
static void
DecodeReply(InferFunction *fn, InferRequest *req, const int *sent,
			Datum *results, bool *result_nulls)
{
	AwsHttpRequest *http = &req->http;
	int			format = http->content_type ?
		codec_format_from_mime(http->content_type) : -1;
	char		errbuf[256];
	PiAllocator allocator = PgInferFallibleAllocator(CurrentMemoryContext);
	CodecResult *decoded;
	CodecStatus status;

	status = codec_decode(format < 0 ? fn->accept : (CodecFormat) format,
						  http->response.data, http->response.len,
						  fn->json_field, &allocator, &decoded,
						  errbuf, sizeof(errbuf));
	if (status == CODEC_NO_MEMORY)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Decoding a reply of sagemaker endpoint \"%s\" failed.",
						   fn->endpoint)));
	if (status != CODEC_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("sagemaker endpoint \"%s\" returned a malformed reply: %s",
						fn->endpoint, errbuf)));
	PG_TRY();
	{
		StoreResults(fn, req, sent, decoded, results, result_nulls);
	}
	PG_FINALLY();
	{
		codec_result_free(decoded);
	}
	PG_END_TRY();
}

/*--- Invocation -------------------------------------------------------------*/

/* Calls of one endpoint for a set of rows, under way (see InferStart) */
struct InferPending
{
	InferFunction *fn;
	List	   *requests;		/* InferRequest */
	int		   *sent;			/* rows sent, by index */
	Datum	   *results;
	bool	   *result_nulls;
	AwsHttpBatch *http;
	instr_time	started;
	bool		recorded;		/* its cost is in the statistics */
};

/* Adds a finished request to the counters */
static void
CountRequest(InferRequest *req, InferCounters *delta)
{
	delta->calls += req->http.attempts;
	delta->retries += Max(req->http.attempts - 1, 0);
	delta->errors += req->http.status == 200 ? 0 : 1;
	delta->rows += req->count;
	delta->bytes_sent += req->http.bytes_sent;
	delta->bytes_received += req->http.bytes_received;
}

/* Encodes the rows sent into sealed requests */
static List *
BuildRequests(InferFunction *fn, int nsent, const int *sent, Datum *args,
			  bool *nulls)
{
	List	   *requests = NIL;

	EncodeRequests(fn, nsent, sent, args, nulls, &requests);
	return requests;
}

/*
 * Starts the calls of the endpoint for nrows rows: args[row * nargs + i],
 * nulls alike; the requests go into "http" and are under way when this
 * returns.  Rows of a strict function with a NULL argument get a NULL
 * result and are not sent.  InferFinish completes the results.
 */
InferPending *
InferStart(InferFunction *fn, int nrows, Datum *args, bool *nulls,
		   Datum *results, bool *result_nulls, AwsHttpBatch *http)
{
	InferPending *pending = palloc0(sizeof(InferPending));
	int			nsent = 0;
	ListCell   *lc;

	pending->fn = fn;
	pending->http = http;
	pending->results = results;
	pending->result_nulls = result_nulls;
	pending->sent = palloc(sizeof(int) * Max(nrows, 1));
	for (int row = 0; row < nrows; row++)
	{
		bool		skip = false;

		for (int i = 0; fn->strict && i < fn->nargs; i++)
			skip |= nulls[row * fn->nargs + i];
		result_nulls[row] = true;
		results[row] = (Datum) 0;
		if (!skip)
			pending->sent[nsent++] = row;
	}
	pending->requests = BuildRequests(fn, nsent, pending->sent, args, nulls);
	INSTR_TIME_SET_CURRENT(pending->started);
	foreach(lc, pending->requests)
		AwsHttpAdd(http, &((InferRequest *) lfirst(lc))->http);
	return pending;
}

/*
 * Adds what the requests of a pending call cost so far (the attempts
 * started, bytes moved, time since they started) to the statistics and
 * to counters (when not NULL), once.
 */
static void
RecordCost(InferPending *pending, InferCounters *counters)
{
	InferCounters delta = {0};
	instr_time	elapsed;
	ListCell   *lc;

	if (pending->recorded)
		return;
	pending->recorded = true;
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, pending->started);
	delta.time_ms = INSTR_TIME_GET_MILLISEC(elapsed);
	foreach(lc, pending->requests)
		CountRequest(lfirst(lc), &delta);
	InferStatsRecord(pending->fn->endpoint, &delta);
	if (counters)
		InferCountersAdd(counters, &delta);
}

/*
 * Records the cost of calls that will not be finished: the query stopped
 * (a LIMIT, a rescan) or failed (a cancel, a statement timeout, another
 * request's error) while they were under way.  Never raises an ERROR.
 */
void
InferAbandon(InferPending *pending)
{
	if (pending != NULL)
		RecordCost(pending, NULL);
}

/*
 * Waits for the requests of InferStart (others in the same HTTP batch go
 * on meanwhile), records what they cost, and stores the results; a failed
 * request raises its ERROR.  Requests stopped by a cancel are recorded too.
 */
void
InferFinish(InferPending *pending, InferCounters *counters)
{
	InferFunction *fn = pending->fn;
	ListCell   *lc;

	PG_TRY();
	{
		foreach(lc, pending->requests)
			AwsHttpWait(pending->http, &((InferRequest *) lfirst(lc))->http);
	}
	PG_CATCH();
	{
		RecordCost(pending, counters);
		PG_RE_THROW();
	}
	PG_END_TRY();
	RecordCost(pending, counters);

	foreach(lc, pending->requests)
	{
		InferRequest *req = lfirst(lc);

		if (req->http.status != 200)
			AwsHttpReportFailure(&req->http,
								 psprintf("sagemaker endpoint \"%s\"", fn->endpoint));
		DecodeReply(fn, req, pending->sent, pending->results,
					pending->result_nulls);
	}
}

/* Calls the endpoint for nrows rows and waits for the results (see infer.h) */
void
InferInvoke(InferFunction *fn, int nrows, Datum *args, bool *nulls,
			Datum *results, bool *result_nulls, InferCounters *counters)
{
	AwsHttpBatch *http = AwsHttpBegin(fn->max_in_flight);

	InferFinish(InferStart(fn, nrows, args, nulls, results, result_nulls, http),
				counters);
	AwsHttpEnd(http);
}

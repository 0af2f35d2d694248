/*-------------------------------------------------------------------------
 *
 * s3_jsonl.c
 *	  JSON Lines rows for federated_s3: one JSON object per line, parsed
 *	  with json-c, each column filled from the member of the same name.
 *
 * A column takes the member whose name equals the column's, else the one
 * whose name differs only in ASCII case; a missing member or JSON null is
 * SQL NULL.  Strings give their text, numbers and booleans their JSON
 * spelling, objects and arrays their JSON text (for json/jsonb columns);
 * the column type's input function does the rest.  Lines must be valid
 * UTF-8 and are converted to the database encoding; blank lines are
 * skipped.  Errors name the line (and column) through an error context.
 * The json-c objects are released by a memory-context callback, so an
 * ERROR leaks nothing.
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_jsonl.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fdw/s3/s3_fdw.h"
#include "fdw/s3/s3_infer.h"

/* Bytes asked of the stream at a time */
#define READ_CHUNK		(64 * 1024)

/* One column the reader fills */
typedef struct JsonColumn
{
	AttrNumber	attnum;
	const char *name;
	FmgrInfo	input;
	Oid			typioparam;
	int32		typmod;
} JsonColumn;

/* The reader of one object */
struct S3JsonLines
{
	S3Stream   *stream;
	JsonColumn *columns;
	int			ncolumns;
	int			natts;			/* of the table */
	int			current_column; /* for the error context; -1 if none */

	char	   *chunk;			/* bytes read from the stream */
	size_t		chunk_len;
	size_t		chunk_pos;
	bool		eof;
	StringInfoData line;
	int64		lineno;

	json_tokener *tokener;
	json_object *row;			/* the parsed line, released at the next */
	MemoryContextCallback cleanup;
};

/* Releases json-c's memory when the reader's context goes */
static void
ReleaseJson(void *arg)
{
	S3JsonLines *reader = (S3JsonLines *) arg;

	if (reader->row)
		json_object_put(reader->row);
	reader->row = NULL;
	if (reader->tokener)
		json_tokener_free(reader->tokener);
	reader->tokener = NULL;
}

/* An error context line: the line and column being read */
static void
JsonLinesErrorContext(void *arg)
{
	S3JsonLines *reader = (S3JsonLines *) arg;

	if (reader->current_column >= 0)
		errcontext("JSON Lines line " INT64_FORMAT ", column %s", reader->lineno,
				   reader->columns[reader->current_column].name);
	else
		errcontext("JSON Lines line " INT64_FORMAT, reader->lineno);
}

/*
 * Starts reading an object's rows into the columns attnums of rel (rel
 * NULL, attnums NIL: for S3JsonLinesNextMembers); lives in the current
 * memory context
 */
S3JsonLines *
S3JsonLinesBegin(Relation rel, List *attnums, S3Stream *stream)
{
	S3JsonLines *reader = palloc0(sizeof(S3JsonLines));
	ListCell   *lc;

	reader->stream = stream;
	reader->natts = rel ? RelationGetDescr(rel)->natts : 0;
	reader->columns = palloc0(sizeof(JsonColumn) * Max(list_length(attnums), 1));
	foreach(lc, attnums)
	{
		Form_pg_attribute attr = TupleDescAttr(RelationGetDescr(rel), lfirst_int(lc) - 1);
		JsonColumn *col = &reader->columns[reader->ncolumns++];
		Oid			typinput;

		col->attnum = attr->attnum;
		col->name = pstrdup(NameStr(attr->attname));
		getTypeInputInfo(attr->atttypid, &typinput, &col->typioparam);
		fmgr_info(typinput, &col->input);
		col->typmod = attr->atttypmod;
	}
	reader->current_column = -1;
	reader->chunk = palloc(READ_CHUNK);
	initStringInfo(&reader->line);
	reader->cleanup.func = ReleaseJson;
	reader->cleanup.arg = reader;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &reader->cleanup);
	reader->tokener = json_tokener_new();
	if (reader->tokener == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return reader;
}

/* Reads the next line into reader->line; false at the end of the object */
static bool
ReadLine(S3JsonLines *reader)
{
	resetStringInfo(&reader->line);
	for (;;)
	{
		char	   *start = reader->chunk + reader->chunk_pos;
		size_t		avail = reader->chunk_len - reader->chunk_pos;
		char	   *newline = memchr(start, '\n', avail);

		if (newline)
		{
			appendBinaryStringInfo(&reader->line, start, newline - start);
			reader->chunk_pos += newline - start + 1;
			reader->lineno++;
			return true;
		}
		appendBinaryStringInfo(&reader->line, start, avail);
		reader->chunk_pos = reader->chunk_len = 0;
		if (!reader->eof)
			reader->chunk_len = S3StreamRead(reader->stream, reader->chunk, 1, READ_CHUNK);
		if (reader->chunk_len == 0)
		{
			reader->eof = true;
			reader->lineno++;
			return reader->line.len > 0;
		}
	}
}

/* True when a line holds only blanks (and perhaps a CR) */
static bool
BlankLine(const StringInfo line)
{
	for (int i = 0; i < line->len; i++)
		if (!strchr(" \t\r", line->data[i]))
			return false;
	return true;
}

/* Parses the current line into reader->row, which must be an object */
static void
ParseLine(S3JsonLines *reader)
{
	enum json_tokener_error err;
	const char *rest;

	if (!pg_verify_mbstr(PG_UTF8, reader->line.data, reader->line.len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("invalid UTF-8 in JSON Lines data")));
	json_tokener_reset(reader->tokener);
	reader->row = json_tokener_parse_ex(reader->tokener, reader->line.data,
										reader->line.len);
	err = json_tokener_get_error(reader->tokener);
	if (err == json_tokener_continue)
		err = json_tokener_error_parse_eof;
	rest = reader->line.data + json_tokener_get_parse_end(reader->tokener);
	while (err == json_tokener_success && *rest && strchr(" \t\r", *rest))
		rest++;
	if (err != json_tokener_success || *rest != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("malformed JSON in JSON Lines data"),
				 errdetail("%s at byte %d.",
						   err != json_tokener_success ? json_tokener_error_desc(err) :
						   "Unexpected text after the JSON value",
						   (int) json_tokener_get_parse_end(reader->tokener) + 1)));
	if (!json_object_is_type(reader->row, json_type_object))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("JSON Lines line is not a JSON object"),
				 errdetail("Each line must hold one object whose members are the columns.")));
}

/* The member for a column: same name, else same name but for ASCII case */
static json_object *
Member(json_object *row, const char *name)
{
	json_object *value = NULL;
	struct json_object_iterator it;
	struct json_object_iterator end;

	if (json_object_object_get_ex(row, name, &value))
		return value;
	it = json_object_iter_begin(row);
	end = json_object_iter_end(row);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		if (pg_strcasecmp(json_object_iter_peek_name(&it), name) == 0)
			return json_object_iter_peek_value(&it);
	return NULL;
}

/*
 * Fails on an integer json-c could not hold: it clamps integers beyond
 * 64 bits to 18446744073709551615 or -9223372036854775808 without a word,
 * so either value may stand for a different number and is refused rather
 * than read wrong.
 */
static void
CheckIntegerInRange(json_object *value)
{
	int64		signed_value = json_object_get_int64(value);

	if ((signed_value >= 0 && json_object_get_uint64(value) == UINT64_MAX) ||
		signed_value == PG_INT64_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("JSON integer too large to read exactly"),
				 errdetail("Integers from -9223372036854775807 to 18446744073709551614 are read exactly; the JSON parser clamps others to those limits."),
				 errhint("Write larger numbers with a decimal point or an exponent (1e20), or as strings.")));
}

/*
 * Fails on an integer json-c could not hold anywhere in value: the members
 * of an object and the elements of an array read into a json or jsonb
 * column are checked as a top-level number is
 */
static void
CheckIntegersInRange(json_object *value)
{
	check_stack_depth();
	if (json_object_is_type(value, json_type_int))
		CheckIntegerInRange(value);
	else if (json_object_is_type(value, json_type_array))
	{
		size_t		n = json_object_array_length(value);

		for (size_t i = 0; i < n; i++)
			CheckIntegersInRange(json_object_array_get_idx(value, i));
	}
	else if (json_object_is_type(value, json_type_object))
	{
		struct json_object_iterator it = json_object_iter_begin(value);
		struct json_object_iterator end = json_object_iter_end(value);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			CheckIntegersInRange(json_object_iter_peek_value(&it));
	}
}

/* The text a JSON value gives a column, in the database encoding */
static char *
ValueText(json_object *value)
{
	const char *text;
	size_t		len;

	if (json_object_is_type(value, json_type_string))
	{
		text = json_object_get_string(value);
		len = json_object_get_string_len(value);
		if (memchr(text, '\0', len) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
					 errmsg("JSON string holds a NUL character (\\u0000)")));
	}
	else
	{
		CheckIntegersInRange(value);
		text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
		len = strlen(text);
	}
	return pg_any_to_server(text, (int) len, PG_UTF8);
}

/* Converts the parsed line's members into the columns' values */
static void
FillColumns(S3JsonLines *reader, Datum *values, bool *nulls)
{
	for (int i = 0; i < reader->ncolumns; i++)
	{
		JsonColumn *col = &reader->columns[i];
		json_object *value = Member(reader->row, col->name);
		int			at = col->attnum - 1;

		reader->current_column = i;
		nulls[at] = (value == NULL || json_object_is_type(value, json_type_null));
		values[at] = nulls[at] ? (Datum) 0 :
			InputFunctionCall(&col->input, ValueText(value), col->typioparam,
							  col->typmod);
	}
	reader->current_column = -1;
}

/* Parses the next line that is not blank into reader->row; false at the end */
static bool
NextObject(S3JsonLines *reader)
{
	while (ReadLine(reader))
	{
		if (BlankLine(&reader->line))
			continue;
		if (reader->row)
			json_object_put(reader->row);
		reader->row = NULL;
		ParseLine(reader);
		return true;
	}
	return false;
}

/*
 * Reads the next row: columns the reader fills get their values, the
 * others are NULL.  False at the end of the object.
 */
bool
S3JsonLinesNext(S3JsonLines *reader, Datum *values, bool *nulls)
{
	ErrorContextCallback errcallback;
	bool		found;

	errcallback.callback = JsonLinesErrorContext;
	errcallback.arg = reader;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	found = NextObject(reader);
	if (found)
	{
		memset(nulls, true, sizeof(bool) * reader->natts);
		FillColumns(reader, values, nulls);
	}
	error_context_stack = errcallback.previous;
	return found;
}

/* The type a JSON value's text would be inferred as (none for null) */
static S3InferType
InferredType(json_object *value)
{
	const char *text;

	switch (json_object_get_type(value))
	{
		case json_type_null:
			return S3_INFER_NONE;
		case json_type_object:
		case json_type_array:
			return S3_INFER_JSONB;
		case json_type_string:
			return s3_infer_value(json_object_get_string(value),
								  json_object_get_string_len(value));
		default:
			text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
			return s3_infer_value(text, strlen(text));
	}
}

/*
 * Reads the next row for IMPORT FOREIGN SCHEMA: calls member() with each
 * member's name (in the database encoding) and the type its value fits,
 * in the line's order.  False at the end of the object.
 */
bool
S3JsonLinesNextMembers(S3JsonLines *reader, S3JsonMemberFn member, void *arg)
{
	ErrorContextCallback errcallback;
	bool		found;

	errcallback.callback = JsonLinesErrorContext;
	errcallback.arg = reader;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	found = NextObject(reader);
	if (found)
	{
		json_object_object_foreach(reader->row, key, value)
		{
			char	   *name = pg_any_to_server(key, strlen(key), PG_UTF8);

			member(arg, name == key ? pstrdup(key) : name, InferredType(value));
		}
	}
	error_context_stack = errcallback.previous;
	return found;
}

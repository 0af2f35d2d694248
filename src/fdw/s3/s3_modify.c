/*-------------------------------------------------------------------------
 *
 * s3_modify.c
 *	  INSERT into a federated_s3 table: the rows become one new object
 *	  under the table's prefix (CSV, text or JSON Lines, compressed if the
 *	  table says so), written when the statement ends.
 *
 * Rows are encoded as COPY TO would write them (CSV quoting, text
 * escapes, the table's null string, header and encoding) or as one JSON
 * object per line, then compressed into the current part.  While the
 * object is small it is written with one PUT ("If-None-Match: *": an
 * existing key is never overwritten); once a part reaches part_size a
 * multipart upload starts and each full part is sent at once, so memory
 * stays at about one part.  The object appears only when the upload is
 * completed at the end of the statement; if the statement fails or is
 * cancelled before that, a memory-context callback on the writer aborts
 * the upload, which leaves no object (its failure is only a WARNING: an
 * abort path must not raise an ERROR).
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_modify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fdw/s3/s3_fdw.h"

/* The most parts of one upload S3 accepts */
#define MAX_PARTS		10000

/* The state of one INSERT into a table */
typedef struct S3Writer
{
	MemoryContext context;		/* the writer; its reset aborts an upload */
	MemoryContext row_context;	/* reset for each row */
	S3Table    *table;
	char	   *key;
	TupleDesc	desc;
	int			natts;			/* columns not dropped */
	FmgrInfo   *out_functions;
	int			encoding;		/* of the object */

	/* COPY's options, for csv and text */
	char		delimiter;
	char		quote;
	char		escape;
	const char *null_print;
	bool		header;

	StringInfoData line;		/* the row being encoded */
	StringInfoData part;		/* compressed bytes of the current part */
	size_t		part_size;
	S3Compression compression;
	z_stream	zs;
	bool		zs_ready;
	ZSTD_CStream *zstd;

	char	   *upload_id;		/* once a multipart upload started */
	List	   *etags;
	int64		rows;
	S3Counters	counters;
	MemoryContextCallback cleanup;
} S3Writer;


/*--- Encoding rows ---*/

/* Appends a CSV field, quoted when it must be */
static void
AppendCsvField(S3Writer *w, const char *value)
{
	/* as COPY TO: the null string, and "\." alone (COPY's end marker) */
	bool		quote = value[0] == '\0' || strcmp(value, w->null_print) == 0 ||
		(w->natts == 1 && strcmp(value, "\\.") == 0);

	for (const char *p = value; *p && !quote; p++)
		if (*p == w->delimiter || *p == w->quote || *p == '\n' || *p == '\r')
			quote = true;
	if (!quote)
	{
		appendStringInfoString(&w->line, value);
		return;
	}
	appendStringInfoChar(&w->line, w->quote);
	for (const char *p = value; *p; p++)
	{
		if (*p == w->quote || *p == w->escape)
			appendStringInfoChar(&w->line, w->escape);
		appendStringInfoChar(&w->line, *p);
	}
	appendStringInfoChar(&w->line, w->quote);
}

/* Appends a text-format field with COPY's backslash escapes */
static void
AppendTextField(S3Writer *w, const char *value)
{
	for (const char *p = value; *p; p++)
	{
		if (*p == '\\' || *p == w->delimiter)
			appendStringInfoChar(&w->line, '\\');
		if (*p == '\n')
			appendStringInfoString(&w->line, "\\n");
		else if (*p == '\r')
			appendStringInfoString(&w->line, "\\r");
		else if (*p == '\t' && w->delimiter != '\t')
			appendStringInfoString(&w->line, "\\t");
		else
			appendStringInfoChar(&w->line, *p);
	}
}

/* True when a type's output is JSON as it stands (numbers, json, jsonb) */
static bool
JsonAsItStands(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID ||
		type == FLOAT4OID || type == FLOAT8OID || type == NUMERICOID ||
		type == JSONOID || type == JSONBOID;
}

/*
 * True when a number's text would not read back exactly as a JSON number:
 * NaN and infinities, and integers (no '.' nor exponent) outside what the
 * reader's JSON parser holds exactly, -9223372036854775807 to
 * 9223372036854775807 (it clamps beyond; see s3_jsonl.c)
 */
static bool
NumberNeedsString(const char *value)
{
	const char *digits = value[0] == '-' ? value + 1 : value;
	size_t		ndigits = strspn(digits, "0123456789");

	if (ndigits == 0 || digits[ndigits] != '\0')
		return strpbrk(value, "0123456789") == NULL;	/* NaN, Infinity */
	if (ndigits != 19)
		return ndigits > 19;
	return strcmp(digits, "9223372036854775807") > 0;
}

/* Appends a JSON value for one column */
static void
AppendJsonValue(S3Writer *w, Oid type, const char *value)
{
	if (type == BOOLOID)
		appendStringInfoString(&w->line, value[0] == 't' ? "true" : "false");
	else if ((type == JSONOID || type == JSONBOID) && value[0] == '"')
	{
		/* the reader unquotes a JSON string: quote it twice to keep it one */
		escape_json(&w->line, value);
	}
	else if (JsonAsItStands(type) &&
			 (type == JSONOID || type == JSONBOID || !NumberNeedsString(value)))
		appendStringInfoString(&w->line, value);
	else
		escape_json(&w->line, value);
}

/* Encodes one row (or, with slot NULL, the header) into w->line */
static void
EncodeRow(S3Writer *w, TupleTableSlot *slot)
{
	bool		first = true;

	resetStringInfo(&w->line);
	if (w->table->format == S3_FORMAT_JSONL)
		appendStringInfoChar(&w->line, '{');
	for (int i = 0; i < w->desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(w->desc, i);
		bool		isnull = slot ? slot->tts_isnull[i] : false;
		char	   *value;

		if (attr->attisdropped)
			continue;
		if (!first)
			appendStringInfoChar(&w->line, w->table->format == S3_FORMAT_JSONL ? ',' : w->delimiter);
		first = false;
		value = slot == NULL ? NameStr(attr->attname) : isnull ? NULL :
			OutputFunctionCall(&w->out_functions[i], slot->tts_values[i]);
		if (w->table->format == S3_FORMAT_JSONL)
		{
			escape_json(&w->line, NameStr(attr->attname));
			appendStringInfoChar(&w->line, ':');
			if (value == NULL)
				appendStringInfoString(&w->line, "null");
			else
				AppendJsonValue(w, attr->atttypid, value);
		}
		else if (value == NULL)
			appendStringInfoString(&w->line, w->null_print);
		else if (w->table->format == S3_FORMAT_CSV)
			AppendCsvField(w, value);
		else
			AppendTextField(w, value);
	}
	if (w->table->format == S3_FORMAT_JSONL)
		appendStringInfoChar(&w->line, '}');
	appendStringInfoChar(&w->line, '\n');
}

/*--- Compressing into parts ---*/

/* Compresses (or copies) bytes into the current part; finish ends the stream */
static void
Compress(S3Writer *w, const char *data, size_t len, bool finish)
{
	if (w->compression == S3_COMPRESSION_NONE)
	{
		appendBinaryStringInfo(&w->part, data, len);
		return;
	}
	for (;;)
	{
		size_t		room;
		bool		done;

		enlargeStringInfo(&w->part, 64 * 1024);
		room = w->part.maxlen - w->part.len - 1;
		if (w->compression == S3_COMPRESSION_GZIP)
		{
			int			rc;

			w->zs.next_in = (Bytef *) data;
			w->zs.avail_in = (uInt) len;
			w->zs.next_out = (Bytef *) w->part.data + w->part.len;
			w->zs.avail_out = (uInt) room;
			rc = deflate(&w->zs, finish ? Z_FINISH : Z_NO_FLUSH);
			if (rc == Z_STREAM_ERROR)
				ereport(ERROR,
						(errcode(ERRCODE_INTERNAL_ERROR),
						 errmsg("zlib could not compress the object")));
			w->part.len += (int) (room - w->zs.avail_out);
			data = (const char *) w->zs.next_in;
			len = w->zs.avail_in;
			done = finish ? rc == Z_STREAM_END : (len == 0 && w->zs.avail_out > 0);
		}
		else
		{
			ZSTD_inBuffer in = {data, len, 0};
			ZSTD_outBuffer out = {w->part.data + w->part.len, room, 0};
			size_t		rc = finish ? ZSTD_compressStream2(w->zstd, &out, &in, ZSTD_e_end) :
				ZSTD_compressStream(w->zstd, &out, &in);

			if (ZSTD_isError(rc))
				ereport(ERROR,
						(errcode(ERRCODE_INTERNAL_ERROR),
						 errmsg("zstd could not compress the object: %s",
								ZSTD_getErrorName(rc))));
			w->part.len += (int) out.pos;
			data += in.pos;
			len -= in.pos;
			done = finish ? rc == 0 : (len == 0 && out.pos < room);
		}
		w->part.data[w->part.len] = '\0';
		if (done)
			return;
	}
}

/* Sends the current part of a multipart upload, starting the upload if needed */
static void
SendPart(S3Writer *w)
{
	char	   *etag;
	MemoryContext old;

	if (list_length(w->etags) == MAX_PARTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("object %s would need more than %d parts",
						S3DisplayName(w->table->bucket, w->key), MAX_PARTS),
				 errdetail("S3 takes at most %d parts in one upload.", MAX_PARTS),
				 errhint("Raise the table's part_size option, or insert fewer rows per statement.")));
	if (w->upload_id == NULL)
	{
		char	   *id = S3CreateUpload(&w->table->endpoint, w->table->bucket,
										w->key, &w->counters);

		w->upload_id = MemoryContextStrdup(w->context, id);
	}
	etag = S3UploadPart(&w->table->endpoint, w->table->bucket, w->key,
						w->upload_id, list_length(w->etags) + 1,
						w->part.data, w->part.len, &w->counters);
	old = MemoryContextSwitchTo(w->context);
	w->etags = lappend(w->etags, makeString(pstrdup(etag)));
	MemoryContextSwitchTo(old);
	resetStringInfo(&w->part);
}

/* Adds the encoded line to the object, sending a part when one is full */
static void
WriteLine(S3Writer *w)
{
	const char *data = w->line.data;
	int			len = w->line.len;

	if (w->encoding != GetDatabaseEncoding())
	{
		data = pg_server_to_any(data, len, w->encoding);
		len = strlen(data);
	}
	Compress(w, data, len, false);
	if (w->part.len >= w->part_size)
		SendPart(w);
}

/*--- The writer ---*/

/* Aborts a multipart upload left unfinished (an ERROR or a cancel) */
static void
AbortUnfinished(void *arg)
{
	S3Writer   *w = (S3Writer *) arg;

	if (w->zs_ready)
		deflateEnd(&w->zs);
	w->zs_ready = false;
	if (w->zstd)
		ZSTD_freeCStream(w->zstd);
	w->zstd = NULL;
	if (w->upload_id)
	{
		char	   *why = S3AbortUpload(&w->table->endpoint, w->table->bucket,
										w->key, w->upload_id);

		if (why)
			ereport(WARNING,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("could not abort the unfinished upload of %s",
							S3DisplayName(w->table->bucket, w->key)),
					 errdetail_internal("%s Its parts stay in the bucket until a lifecycle rule removes them.",
										why)));
	}
	w->upload_id = NULL;
}

/*
 * A new key under the table's prefix: "part-", the UTC time to the
 * microsecond (keys sort by time), 64 random bits, the extension
 */
static char *
NewKey(const S3Table *table, S3Compression compression)
{
	struct timeval tv;
	struct tm	tm;
	char		stamp[32];
	uint64		random;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	if (!pg_strong_random(&random, sizeof(random)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random object name")));
	return psprintf("%spart-%s.%06dZ-%016" INT64_MODIFIER "x%s%s", table->pattern,
					stamp, (int) tv.tv_usec, random,
					table->format == S3_FORMAT_JSONL ? ".jsonl" :
					table->format == S3_FORMAT_CSV ? ".csv" : ".txt",
					compression == S3_COMPRESSION_GZIP ? ".gz" :
					compression == S3_COMPRESSION_ZSTD ? ".zst" : "");
}

/* A one-byte COPY option of the table, or its default */
static char
CopyChar(const S3Table *table, const char *name, char dflt)
{
	ListCell   *lc;

	foreach(lc, table->copy_options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, name) == 0)
			return defGetString(lfirst(lc))[0];
	return dflt;
}

/* A COPY option of the table as a string, or its default */
static const char *
CopyString(const S3Table *table, const char *name, const char *dflt)
{
	ListCell   *lc;

	foreach(lc, table->copy_options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, name) == 0)
			return defGetString(lfirst(lc));
	return dflt;
}

/* Readies the compressor the table asks for */
static void
StartCompressor(S3Writer *w)
{
	if (w->compression == S3_COMPRESSION_GZIP)
	{
		/* 15 + 16: a gzip header and trailer */
		if (deflateInit2(&w->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
						 Z_DEFAULT_STRATEGY) != Z_OK)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not initialize zlib")));
		w->zs_ready = true;
	}
	else if (w->compression == S3_COMPRESSION_ZSTD)
	{
		w->zstd = ZSTD_createCStream();
		if (w->zstd == NULL || ZSTD_isError(ZSTD_initCStream(w->zstd, 3)))
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not initialize zstd")));
	}
}

/* True when the table's header option asks for a header line */
static bool
WantsHeader(const S3Table *table)
{
	bool		value;

	/* COPY's spellings of a boolean, and "match" (a header then too) */
	if (parse_bool(CopyString(table, "header", "false"), &value))
		return value;
	return true;
}

/* Looks up the output function of every column */
static void
PrepareOutput(S3Writer *w)
{
	w->out_functions = palloc0(sizeof(FmgrInfo) * w->desc->natts);
	for (int i = 0; i < w->desc->natts; i++)
	{
		Oid			func;
		bool		varlena;

		if (TupleDescAttr(w->desc, i)->attisdropped)
			continue;
		w->natts++;
		getTypeOutputInfo(TupleDescAttr(w->desc, i)->atttypid, &func, &varlena);
		fmgr_info(func, &w->out_functions[i]);
	}
}

/*
 * Sets, for the current GUC nest level, the styles under which values are
 * written whatever the session's: ISO dates, postgres intervals, floats
 * exact (as postgres_fdw sends values to a remote server)
 */
static void
SetOutputStyles(void)
{
	if (DateStyle != USE_ISO_DATES)
		(void) set_config_option("datestyle", "ISO", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	if (IntervalStyle != INTSTYLE_POSTGRES)
		(void) set_config_option("intervalstyle", "postgres", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (extra_float_digits < 1)
		(void) set_config_option("extra_float_digits", "1", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/* Opens a writer for the rows of one statement into rel */
static S3Writer *
WriterBegin(Relation rel)
{
	MemoryContext context = AllocSetContextCreate(CurrentMemoryContext,
												  "federated_s3 insert",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(context);
	S3Writer   *w = palloc0(sizeof(S3Writer));
	S3Table    *table = S3GetTable(RelationGetRelid(rel), GetUserId());
	bool		csv = table->format == S3_FORMAT_CSV;

	if (!table->is_prefix)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("cannot insert into foreign table \"%s\"", RelationGetRelationName(rel)),
				 errdetail("INSERT writes a new object under a prefix; the uri option \"%s\" is not one.",
						   table->uri),
				 errhint("Use a uri ending in '/'.")));
	w->context = context;
	w->table = table;
	w->desc = RelationGetDescr(rel);
	w->compression = table->compression == S3_COMPRESSION_AUTO ?
		S3_COMPRESSION_NONE : table->compression;
	w->key = NewKey(table, w->compression);
	w->part_size = table->part_size;
	w->delimiter = CopyChar(table, "delimiter", csv ? ',' : '\t');
	w->quote = CopyChar(table, "quote", '"');
	w->escape = CopyChar(table, "escape", w->quote);
	w->null_print = CopyString(table, "null", csv ? "" : "\\N");
	w->header = table->format != S3_FORMAT_JSONL && WantsHeader(table);
	w->encoding = table->format == S3_FORMAT_JSONL ? PG_UTF8 :
		pg_char_to_encoding(CopyString(table, "encoding", "UTF8"));
	PrepareOutput(w);
	w->row_context = AllocSetContextCreate(context, "federated_s3 insert row",
										   ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&w->line);
	initStringInfo(&w->part);
	w->cleanup.func = AbortUnfinished;
	w->cleanup.arg = w;
	MemoryContextRegisterResetCallback(context, &w->cleanup);
	StartCompressor(w);
	MemoryContextSwitchTo(old);
	return w;
}

/* Adds one row to the object */
static void
WriterAdd(S3Writer *w, TupleTableSlot *slot)
{
	MemoryContext old = MemoryContextSwitchTo(w->row_context);
	bool		set_styles = DateStyle != USE_ISO_DATES ||
		IntervalStyle != INTSTYLE_POSTGRES || extra_float_digits < 1;
	int			nest_level = set_styles ? NewGUCNestLevel() : 0;

	MemoryContextReset(w->row_context);
	if (set_styles)
		SetOutputStyles();
	slot_getallattrs(slot);
	if (w->rows == 0 && w->header)
	{
		EncodeRow(w, NULL);
		WriteLine(w);
	}
	EncodeRow(w, slot);
	WriteLine(w);
	w->rows++;
	if (set_styles)
		AtEOXact_GUC(true, nest_level);
	MemoryContextSwitchTo(old);
}

/* Writes what is left and makes the object appear; frees the writer */
static void
WriterEnd(S3Writer *w)
{
	MemoryContext old = MemoryContextSwitchTo(w->context);

	if (w->rows > 0)
	{
		Compress(w, "", 0, true);
		if (w->upload_id == NULL)
			S3PutObject(&w->table->endpoint, w->table->bucket, w->key,
						w->part.data, w->part.len, &w->counters);
		else
		{
			SendPart(w);
			S3CompleteUpload(&w->table->endpoint, w->table->bucket, w->key,
							 w->upload_id, w->etags, &w->counters);
			w->upload_id = NULL;
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(w->context);
}

/*--- The executor's callbacks ---*/

/* Only INSERT */
int
S3IsForeignRelUpdatable(Relation rel)
{
	return 1 << CMD_INSERT;
}

/* Opens the writer of an INSERT (nothing for EXPLAIN alone) */
void
S3BeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					 List *fdw_private, int subplan_index, int eflags)
{
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	rinfo->ri_FdwState = WriterBegin(rinfo->ri_RelationDesc);
}

/* Adds a row; it is returned as given (for RETURNING) */
TupleTableSlot *
S3ExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
					TupleTableSlot *slot, TupleTableSlot *plan_slot)
{
	WriterAdd(rinfo->ri_FdwState, slot);
	return slot;
}

/* Writes the object */
void
S3EndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	if (rinfo->ri_FdwState)
		WriterEnd(rinfo->ri_FdwState);
	rinfo->ri_FdwState = NULL;
}

/* COPY FROM into the table, and tuple routing: the same writer */
void
S3BeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	rinfo->ri_FdwState = WriterBegin(rinfo->ri_RelationDesc);
}

/* Writes the object of a COPY FROM or routed INSERT */
void
S3EndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	S3EndForeignModify(estate, rinfo);
}

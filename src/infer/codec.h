/*-------------------------------------------------------------------------
 *
 * codec.h
 *	  Request and response bodies of SageMaker-style inference: CSV, JSON
 *	  and JSON Lines.
 *
 * This header and the codec files include no PostgreSQL header, so the C
 * unit tests and fuzz targets link them directly.  Encoding appends rows to
 * a PiBuf (base/base.h); decoding turns a response body into one CodecValue
 * per row.  All memory comes from the caller's allocator: the buffer's for
 * encoding, the one passed to codec_decode for a result.
 *
 * The files, one concern each:
 *	codec_encode.c	MIME types, request bodies, JSON string quoting
 *	codec_decode.c	the result, its arena and values, the entry points
 *	codec_json.c	JSON and JSON Lines replies (through json-c)
 *	codec_csv.c		CSV replies
 *
 * Request layouts:
 *	 text/csv				one line per row, fields separated by ','; strings
 *							quoted when they hold ',', '"', CR, LF or edge
 *							blanks; NULL is an empty field; booleans 1/0
 *	 application/json		{"instances":[{"features":[f1,f2,...]},...]}
 *							(the SageMaker built-in algorithms' format)
 *	 application/jsonlines	one {"features":[f1,f2,...]} per line
 *
 * Response layouts understood (by the reply's Content-Type):
 *	 text/csv				one line per row: one field is a scalar, several
 *							fields an array of scalars
 *	 application/json		a top-level array (one element per row), or an
 *							object with one array member (e.g. "scores",
 *							"predictions"), or, with several members, the
 *							member named "predictions", "scores", "outputs"
 *							or "results" (first found)
 *	 application/jsonlines	one JSON value per line
 * With a field name (e.g. "score"), each row's value must be an object and
 * the row's result is that member.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_INFER_CODEC_H
#define PG_INFER_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"

typedef enum CodecFormat
{
	CODEC_CSV,
	CODEC_JSON,
	CODEC_JSONLINES
} CodecFormat;

/* The MIME type of a format, and the format of a MIME type (-1: unknown) */
extern const char *codec_mime_type(CodecFormat format);
extern int	codec_format_from_mime(const char *mime);

/* Kinds of request field */
typedef enum CodecFieldKind
{
	CODEC_FIELD_NULL,
	CODEC_FIELD_NUMBER,			/* text is a valid JSON number */
	CODEC_FIELD_BOOL,			/* text is "true" or "false" */
	CODEC_FIELD_STRING			/* any UTF-8 text */
} CodecFieldKind;

/* One field of a request row; text need not be NUL-terminated */
typedef struct CodecField
{
	CodecFieldKind kind;
	const char *text;
	size_t		len;
} CodecField;

/*
 * Building a request body: codec_begin, then codec_add_row for each row
 * (rows after the first get their separator), then codec_end.  The bytes
 * codec_end will add are codec_end_size(format), so a caller can keep the
 * body under a limit.  With a fallible allocator, check buf->failed after.
 */
extern void codec_begin(CodecFormat format, PiBuf *buf);
extern void codec_add_row(CodecFormat format, PiBuf *buf, int row_index,
						  const CodecField *fields, int nfields);
extern void codec_end(CodecFormat format, PiBuf *buf);
extern size_t codec_end_size(CodecFormat format);

/* A decoded value */
typedef enum CodecValueKind
{
	CODEC_VALUE_NULL,
	CODEC_VALUE_SCALAR,			/* number, string or boolean */
	CODEC_VALUE_ARRAY,
	CODEC_VALUE_OBJECT
} CodecValueKind;

typedef struct CodecValue
{
	CodecValueKind kind;
	char	   *text;			/* SCALAR: its text (numbers as written,
								 * strings unescaped, booleans true/false) */
	bool		is_string;		/* SCALAR: a JSON string or CSV field */
	char	   *json;			/* the value as JSON text */
	int			nitems;			/* ARRAY, OBJECT: members */
	struct CodecValue *items;
	char	  **names;			/* OBJECT: member names */
} CodecValue;

/* The rows of a decoded response */
typedef struct CodecResult
{
	int			nrows;
	CodecValue *rows;
} CodecResult;

/* How a decoding went */
typedef enum CodecStatus
{
	CODEC_OK,
	CODEC_MALFORMED,			/* the body is not what its format says */
	CODEC_NO_MEMORY				/* the (fallible) allocator ran out */
} CodecStatus;

/*
 * Decodes a response body of the given format into rows (*result); field,
 * when not NULL or empty, selects a member of each row's object.  On
 * failure *result is NULL, everything allocated is freed again, and errbuf
 * holds a message with the location (line, byte offset, row).  The
 * allocator may be fallible; with one that raises an error instead, memory
 * json-c holds while parsing would not be freed, so the backend passes a
 * fallible one.
 */
extern CodecStatus codec_decode(CodecFormat format, const char *body,
								size_t len, const char *field,
								const PiAllocator *allocator,
								CodecResult **result,
								char *errbuf, size_t errlen);
extern void codec_result_free(CodecResult *result);

#endif							/* PG_INFER_CODEC_H */

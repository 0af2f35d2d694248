/*-------------------------------------------------------------------------
 *
 * codec.h
 *	  Request and response bodies of SageMaker-style inference: CSV, JSON
 *	  and JSON Lines.
 *
 * This header and codec.c include no PostgreSQL header, so the C unit
 * tests link them directly.  Encoding appends rows to a growable buffer;
 * decoding turns a response body into one CodecValue per row.  Memory is
 * plain malloc: a failed allocation aborts in codec_buf_* (buffers) and is
 * reported as an error by codec_decode.
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

typedef enum CodecFormat
{
	CODEC_CSV,
	CODEC_JSON,
	CODEC_JSONLINES
} CodecFormat;

/* A growable byte buffer, always NUL-terminated */
typedef struct CodecBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} CodecBuf;

extern void codec_buf_init(CodecBuf *buf);
extern void codec_buf_reset(CodecBuf *buf);
extern void codec_buf_free(CodecBuf *buf);

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
 * body under a limit.
 */
extern void codec_begin(CodecFormat format, CodecBuf *buf);
extern void codec_add_row(CodecFormat format, CodecBuf *buf, int row_index,
						  const CodecField *fields, int nfields);
extern void codec_end(CodecFormat format, CodecBuf *buf);
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

/*
 * Decodes a response body of the given format into rows; field, when not
 * NULL or empty, selects a member of each row's object.  Returns NULL on
 * malformed input and writes a message with the location (line, byte
 * offset, row) into errbuf.
 */
extern CodecResult *codec_decode(CodecFormat format, const char *body,
								 size_t len, const char *field,
								 char *errbuf, size_t errlen);
extern void codec_result_free(CodecResult *result);

#endif							/* PG_INFER_CODEC_H */

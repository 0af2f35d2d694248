/*-------------------------------------------------------------------------
 *
 * codec.c
 *	  Request and response bodies of SageMaker-style inference: CSV, JSON
 *	  and JSON Lines.
 *
 * Encoding writes straight into a CodecBuf.  Decoding parses JSON with
 * json-c (strict mode, UTF-8 validated, depth limited) and CSV by hand
 * (RFC 4180), and copies every decoded value into an arena owned by the
 * result: codec_result_free releases it in one go, and an error part way
 * through releases everything decoded so far the same way.  Each json-c
 * tree is put before the function that parsed it returns.
 *
 * Pure C: no PostgreSQL header.  Characters are classified by hand (ASCII
 * only), never through <ctype.h>, so the backend's locale cannot change a
 * body.
 *
 * IDENTIFICATION
 *	  src/infer/codec.c
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "infer/codec.h"

/* Deepest nesting of arrays and objects accepted in a JSON reply */
#define CODEC_MAX_DEPTH		64

/* Size of an arena chunk; larger requests get a chunk of their own */
#define ARENA_CHUNK_SIZE	65536
#define ARENA_ALIGN			16

/*--- Byte buffers ---*/

/* Stops the process when memory runs out (the contract of codec_buf_*) */
static void
buf_out_of_memory(void)
{
	fprintf(stderr, "pg_infer codec: out of memory\n");
	abort();
}

/* Makes room for extra more bytes and the terminator */
static void
buf_reserve(CodecBuf *buf, size_t extra)
{
	size_t		need;
	size_t		cap;
	char	   *data;

	if (extra > SIZE_MAX - buf->len - 1)
		buf_out_of_memory();
	need = buf->len + extra + 1;
	if (need <= buf->cap && buf->data != NULL)
		return;
	cap = buf->cap > 0 ? buf->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	data = realloc(buf->data, cap);
	if (data == NULL)
		buf_out_of_memory();
	buf->data = data;
	buf->cap = cap;
}

/* Appends n bytes */
static void
buf_append(CodecBuf *buf, const char *s, size_t n)
{
	buf_reserve(buf, n);
	if (n > 0)
		memcpy(buf->data + buf->len, s, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
}

/* Appends a NUL-terminated string */
static void
buf_append_str(CodecBuf *buf, const char *s)
{
	buf_append(buf, s, strlen(s));
}

/* Appends one byte */
static void
buf_append_char(CodecBuf *buf, char c)
{
	buf_append(buf, &c, 1);
}

/* Sets up an empty buffer */
void
codec_buf_init(CodecBuf *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf_reserve(buf, 0);
	buf->data[0] = '\0';
}

/* Empties a buffer, keeping its memory */
void
codec_buf_reset(CodecBuf *buf)
{
	buf->len = 0;
	buf_reserve(buf, 0);
	buf->data[0] = '\0';
}

/* Releases a buffer's memory; codec_buf_init makes it usable again */
void
codec_buf_free(CodecBuf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

/*--- MIME types ---*/

/* The MIME type of a format (NULL for a value outside the enum) */
const char *
codec_mime_type(CodecFormat format)
{
	switch (format)
	{
		case CODEC_CSV:
			return "text/csv";
		case CODEC_JSON:
			return "application/json";
		case CODEC_JSONLINES:
			return "application/jsonlines";
	}
	return NULL;
}

/* ASCII lower case of c */
static char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* Whether s[0..n) equals the lower-case word, ignoring ASCII case */
static bool
equals_ignore_case(const char *s, size_t n, const char *word)
{
	size_t		i;

	if (strlen(word) != n)
		return false;
	for (i = 0; i < n; i++)
	{
		if (ascii_lower(s[i]) != word[i])
			return false;
	}
	return true;
}

/* The format of a Content-Type value, or -1 */
int
codec_format_from_mime(const char *mime)
{
	const char *start;
	const char *end;

	if (mime == NULL)
		return -1;
	start = mime;
	while (*start == ' ' || *start == '\t')
		start++;
	end = start;
	while (*end != '\0' && *end != ';')
		end++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (equals_ignore_case(start, end - start, "text/csv"))
		return CODEC_CSV;
	if (equals_ignore_case(start, end - start, "application/json"))
		return CODEC_JSON;
	if (equals_ignore_case(start, end - start, "application/jsonlines") ||
		equals_ignore_case(start, end - start, "application/jsonl") ||
		equals_ignore_case(start, end - start, "application/x-jsonlines"))
		return CODEC_JSONLINES;
	return -1;
}

/*--- Text helpers shared by encoding and decoding ---*/

/* Length of the JSON string literal of text, quotes included */
static size_t
json_quoted_len(const char *text, size_t len)
{
	size_t		n = 2;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (c == '"' || c == '\\')
			n += 2;
		else if (c < 0x20)
			n += 6;
		else
			n += 1;
	}
	return n;
}

/* Writes the JSON string literal of text (json_quoted_len bytes) to dst */
static void
json_quote_into(char *dst, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		i;

	*dst++ = '"';
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (c == '"' || c == '\\')
		{
			*dst++ = '\\';
			*dst++ = (char) c;
		}
		else if (c < 0x20)
		{
			memcpy(dst, "\\u00", 4);
			dst[4] = hex[c >> 4];
			dst[5] = hex[c & 0x0f];
			dst += 6;
		}
		else
			*dst++ = (char) c;
	}
	*dst = '"';
}

/* Skips the digits at s[*i..n); returns how many there were */
static size_t
skip_digits(const char *s, size_t n, size_t *i)
{
	size_t		start = *i;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i - start;
}

/* Whether s[0..n) is a number by the JSON grammar (RFC 8259, section 6) */
static bool
is_json_number(const char *s, size_t n)
{
	size_t		i = 0;
	size_t		digits;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (skip_digits(s, n, &i) == 0)
		return false;
	if (i < n && s[i] == '.')
	{
		i++;
		if (skip_digits(s, n, &i) == 0)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E'))
	{
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		digits = skip_digits(s, n, &i);
		if (digits == 0)
			return false;
	}
	return i == n;
}

/*--- Encoding ---*/

/* Whether a BOOL field is true ("true", and PostgreSQL's "t", or "1") */
static bool
field_is_true(const CodecField *field)
{
	return field->len > 0 &&
		(field->text[0] == 't' || field->text[0] == 'T' || field->text[0] == '1');
}

/* Whether a CSV field must be quoted */
static bool
csv_needs_quotes(const char *text, size_t len)
{
	size_t		i;

	if (len == 0)
		return false;
	if (text[0] == ' ' || text[0] == '\t' ||
		text[len - 1] == ' ' || text[len - 1] == '\t')
		return true;
	for (i = 0; i < len; i++)
	{
		if (text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n')
			return true;
	}
	return false;
}

/* Appends a string as one CSV field, quoted when it needs to be */
static void
csv_append_string(CodecBuf *buf, const char *text, size_t len)
{
	size_t		i;

	if (!csv_needs_quotes(text, len))
	{
		buf_append(buf, text, len);
		return;
	}
	buf_append_char(buf, '"');
	for (i = 0; i < len; i++)
	{
		if (text[i] == '"')
			buf_append_char(buf, '"');
		buf_append_char(buf, text[i]);
	}
	buf_append_char(buf, '"');
}

/* Appends one field as CSV */
static void
csv_append_field(CodecBuf *buf, const CodecField *field)
{
	switch (field->kind)
	{
		case CODEC_FIELD_NULL:
			break;
		case CODEC_FIELD_NUMBER:
			buf_append(buf, field->text, field->len);
			break;
		case CODEC_FIELD_BOOL:
			buf_append_char(buf, field_is_true(field) ? '1' : '0');
			break;
		case CODEC_FIELD_STRING:
			csv_append_string(buf, field->text, field->len);
			break;
	}
}

/* Appends one field as a JSON value */
static void
json_append_field(CodecBuf *buf, const CodecField *field)
{
	size_t		n;

	switch (field->kind)
	{
		case CODEC_FIELD_NULL:
			buf_append_str(buf, "null");
			break;
		case CODEC_FIELD_NUMBER:
			buf_append(buf, field->text, field->len);
			break;
		case CODEC_FIELD_BOOL:
			buf_append_str(buf, field_is_true(field) ? "true" : "false");
			break;
		case CODEC_FIELD_STRING:
			n = json_quoted_len(field->text, field->len);
			buf_reserve(buf, n);
			json_quote_into(buf->data + buf->len, field->text, field->len);
			buf->len += n;
			buf->data[buf->len] = '\0';
			break;
	}
}

/* Appends {"features":[f1,f2,...]} */
static void
json_append_features(CodecBuf *buf, const CodecField *fields, int nfields)
{
	int			i;

	buf_append_str(buf, "{\"features\":[");
	for (i = 0; i < nfields; i++)
	{
		if (i > 0)
			buf_append_char(buf, ',');
		json_append_field(buf, &fields[i]);
	}
	buf_append_str(buf, "]}");
}

/* Empties buf and writes the opening of a request body */
void
codec_begin(CodecFormat format, CodecBuf *buf)
{
	codec_buf_reset(buf);
	if (format == CODEC_JSON)
		buf_append_str(buf, "{\"instances\":[");
}

/* Appends one row; row_index 0 is the first row of the body */
void
codec_add_row(CodecFormat format, CodecBuf *buf, int row_index,
			  const CodecField *fields, int nfields)
{
	int			i;

	switch (format)
	{
		case CODEC_CSV:
			for (i = 0; i < nfields; i++)
			{
				if (i > 0)
					buf_append_char(buf, ',');
				csv_append_field(buf, &fields[i]);
			}
			buf_append_char(buf, '\n');
			break;
		case CODEC_JSON:
			if (row_index > 0)
				buf_append_char(buf, ',');
			json_append_features(buf, fields, nfields);
			break;
		case CODEC_JSONLINES:
			json_append_features(buf, fields, nfields);
			buf_append_char(buf, '\n');
			break;
	}
}

/* Writes the closing of a request body (codec_end_size bytes) */
void
codec_end(CodecFormat format, CodecBuf *buf)
{
	if (format == CODEC_JSON)
		buf_append_str(buf, "]}");
}

/* The number of bytes codec_end appends */
size_t
codec_end_size(CodecFormat format)
{
	return format == CODEC_JSON ? 2 : 0;
}

/*--- Decoded values: the result and its arena ---*/

/* A block of arena memory; the allocations follow the header */
typedef struct ArenaChunk
{
	struct ArenaChunk *next;
	size_t		size;			/* bytes usable after the header */
	size_t		used;
} ArenaChunk;

#define ARENA_HEADER \
	((sizeof(ArenaChunk) + ARENA_ALIGN - 1) & ~((size_t) ARENA_ALIGN - 1))

/* A result with what it owns; pub comes first so the two convert */
typedef struct ResultImpl
{
	CodecResult pub;
	int			rows_cap;		/* entries allocated in pub.rows */
	ArenaChunk *chunks;			/* current chunk first */
} ResultImpl;

/* The state of one codec_decode call */
typedef struct Decoder
{
	ResultImpl *res;
	const char *field;			/* member to select, or NULL */
	char	   *errbuf;
	size_t		errlen;
	struct json_tokener *tok;	/* created on first use */
	CodecValue *fields;			/* CSV: the fields of the current record */
	int			nfields;
	int			fields_cap;
} Decoder;

/* Writes an error message into errbuf; always returns false */
static bool
decode_error(Decoder *d, const char *fmt,...)
__attribute__((format(printf, 2, 3)));

static bool
decode_error(Decoder *d, const char *fmt,...)
{
	va_list		ap;

	if (d->errbuf != NULL && d->errlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(d->errbuf, d->errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* Allocates size bytes from the result's arena; NULL (and an error) on OOM */
static void *
arena_alloc(Decoder *d, size_t size)
{
	ArenaChunk *chunk = d->res->chunks;
	bool		dedicated;
	void	   *p;

	if (size > SIZE_MAX - ARENA_HEADER - ARENA_ALIGN)
	{
		decode_error(d, "out of memory");
		return NULL;
	}
	size = (size + ARENA_ALIGN - 1) & ~((size_t) ARENA_ALIGN - 1);
	if (chunk == NULL || chunk->size - chunk->used < size)
	{
		dedicated = size > ARENA_CHUNK_SIZE / 4;
		chunk = malloc(ARENA_HEADER + (dedicated ? size : ARENA_CHUNK_SIZE));
		if (chunk == NULL)
		{
			decode_error(d, "out of memory");
			return NULL;
		}
		chunk->size = dedicated ? size : ARENA_CHUNK_SIZE;
		chunk->used = 0;
		/* a dedicated chunk goes behind the current one, which has room */
		if (dedicated && d->res->chunks != NULL)
		{
			chunk->next = d->res->chunks->next;
			d->res->chunks->next = chunk;
		}
		else
		{
			chunk->next = d->res->chunks;
			d->res->chunks = chunk;
		}
	}
	p = (char *) chunk + ARENA_HEADER + chunk->used;
	chunk->used += size;
	return p;
}

/* Copies s[0..n) into the arena as a NUL-terminated string */
static char *
arena_strndup(Decoder *d, const char *s, size_t n)
{
	char	   *copy = arena_alloc(d, n + 1);

	if (copy == NULL)
		return NULL;
	if (n > 0)
		memcpy(copy, s, n);
	copy[n] = '\0';
	return copy;
}

/* The JSON string literal of text, in the arena */
static char *
arena_json_quote(Decoder *d, const char *text, size_t len)
{
	size_t		n = json_quoted_len(text, len);
	char	   *json = arena_alloc(d, n + 1);

	if (json == NULL)
		return NULL;
	json_quote_into(json, text, len);
	json[n] = '\0';
	return json;
}

/* Appends an empty row to the result and returns it; NULL on error */
static CodecValue *
push_row(Decoder *d)
{
	CodecResult *pub = &d->res->pub;
	CodecValue *rows;
	int			cap;

	if (pub->nrows == d->res->rows_cap)
	{
		if (d->res->rows_cap >= INT_MAX / 2)
		{
			decode_error(d, "too many rows in the reply");
			return NULL;
		}
		cap = d->res->rows_cap > 0 ? d->res->rows_cap * 2 : 64;
		rows = realloc(pub->rows, (size_t) cap * sizeof(CodecValue));
		if (rows == NULL)
		{
			decode_error(d, "out of memory");
			return NULL;
		}
		pub->rows = rows;
		d->res->rows_cap = cap;
	}
	memset(&pub->rows[pub->nrows], 0, sizeof(CodecValue));
	return &pub->rows[pub->nrows++];
}

/* Makes out the NULL value */
static bool
set_null(Decoder *d, CodecValue *out)
{
	out->kind = CODEC_VALUE_NULL;
	out->json = arena_strndup(d, "null", 4);
	return out->json != NULL;
}

/* Makes out a scalar whose JSON text is its text (numbers, booleans) */
static bool
set_literal(Decoder *d, CodecValue *out, const char *text, size_t len)
{
	out->kind = CODEC_VALUE_SCALAR;
	out->is_string = false;
	out->text = arena_strndup(d, text, len);
	out->json = out->text;
	return out->text != NULL;
}

/* Makes out a string scalar, with its JSON text given or quoted here */
static bool
set_string(Decoder *d, CodecValue *out, const char *text, size_t len,
		   bool json_as_number)
{
	out->kind = CODEC_VALUE_SCALAR;
	out->is_string = true;
	out->text = arena_strndup(d, text, len);
	if (out->text == NULL)
		return false;
	out->json = json_as_number ? out->text : arena_json_quote(d, text, len);
	return out->json != NULL;
}

/* Builds "[j1,j2,...]" from the items' JSON texts */
static bool
set_array_json(Decoder *d, CodecValue *out)
{
	size_t		n = 2;
	char	   *p;
	int			i;

	for (i = 0; i < out->nitems; i++)
		n += strlen(out->items[i].json) + (i > 0);
	p = out->json = arena_alloc(d, n + 1);
	if (p == NULL)
		return false;
	*p++ = '[';
	for (i = 0; i < out->nitems; i++)
	{
		if (i > 0)
			*p++ = ',';
		n = strlen(out->items[i].json);
		memcpy(p, out->items[i].json, n);
		p += n;
	}
	*p++ = ']';
	*p = '\0';
	return true;
}

/* Builds "{"n1":j1,...}" from the names and the members' JSON texts */
static bool
set_object_json(Decoder *d, CodecValue *out)
{
	size_t		n = 2;
	size_t		len;
	char	   *p;
	int			i;

	for (i = 0; i < out->nitems; i++)
		n += json_quoted_len(out->names[i], strlen(out->names[i])) + 1 +
			strlen(out->items[i].json) + (i > 0);
	p = out->json = arena_alloc(d, n + 1);
	if (p == NULL)
		return false;
	*p++ = '{';
	for (i = 0; i < out->nitems; i++)
	{
		if (i > 0)
			*p++ = ',';
		len = strlen(out->names[i]);
		json_quote_into(p, out->names[i], len);
		p += json_quoted_len(out->names[i], len);
		*p++ = ':';
		len = strlen(out->items[i].json);
		memcpy(p, out->items[i].json, len);
		p += len;
	}
	*p++ = '}';
	*p = '\0';
	return true;
}

/*--- Decoding: json-c values to CodecValues ---*/

static bool value_from_json(Decoder *d, struct json_object *obj,
							CodecValue *out, int rowno, int depth);

/* A word for the type of a JSON value, for messages */
static const char *
json_kind_name(struct json_object *obj)
{
	switch (json_object_get_type(obj))
	{
		case json_type_null:
			return "null";
		case json_type_boolean:
			return "a boolean";
		case json_type_double:
		case json_type_int:
			return "a number";
		case json_type_string:
			return "a string";
		case json_type_array:
			return "an array";
		case json_type_object:
			return "an object";
	}
	return "a value of unknown type";
}

/*
 * Converts a number, keeping the text it was written with.  json-c keeps
 * the text of non-integers; integers it holds in 64 bits, clamping larger
 * ones, so a value at a clamp bound is refused rather than changed.
 */
static bool
number_from_json(Decoder *d, struct json_object *obj, CodecValue *out,
				 int rowno)
{
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	size_t		len;

	if (text == NULL)
		return decode_error(d, "out of memory");
	len = strlen(text);
	if (json_object_is_type(obj, json_type_int) &&
		(strcmp(text, "18446744073709551615") == 0 ||
		 strcmp(text, "-9223372036854775808") == 0))
		return decode_error(d, "integer out of range in row %d (beyond 64 bits)",
							rowno);
	if (!is_json_number(text, len))
		return decode_error(d, "malformed JSON: invalid number \"%s\" in row %d",
							text, rowno);
	return set_literal(d, out, text, len);
}

/* Converts a string; text cannot hold NUL, so \u0000 is refused */
static bool
string_from_json(Decoder *d, struct json_object *obj, CodecValue *out,
				 int rowno)
{
	const char *text = json_object_get_string(obj);
	size_t		len = (size_t) json_object_get_string_len(obj);

	if (memchr(text, '\0', len) != NULL)
		return decode_error(d, "string with a NUL character (\\u0000) in row %d",
							rowno);
	return set_string(d, out, text, len, false);
}

/* Converts an array and its elements */
static bool
array_from_json(Decoder *d, struct json_object *obj, CodecValue *out,
				int rowno, int depth)
{
	size_t		n = json_object_array_length(obj);
	size_t		i;

	if (n > INT_MAX)
		return decode_error(d, "array with too many elements in row %d", rowno);
	out->kind = CODEC_VALUE_ARRAY;
	out->nitems = (int) n;
	out->items = arena_alloc(d, n * sizeof(CodecValue) + 1);
	if (out->items == NULL)
		return false;
	for (i = 0; i < n; i++)
	{
		if (!value_from_json(d, json_object_array_get_idx(obj, i),
							 &out->items[i], rowno, depth + 1))
			return false;
	}
	return set_array_json(d, out);
}

/* Converts an object and its members, in the order they were written */
static bool
object_from_json(Decoder *d, struct json_object *obj, CodecValue *out,
				 int rowno, int depth)
{
	int			n = json_object_object_length(obj);
	int			i = 0;

	out->kind = CODEC_VALUE_OBJECT;
	out->nitems = n;
	out->items = arena_alloc(d, (size_t) n * sizeof(CodecValue) + 1);
	out->names = arena_alloc(d, (size_t) n * sizeof(char *) + 1);
	if (out->items == NULL || out->names == NULL)
		return false;
	{
		json_object_object_foreach(obj, key, val)
		{
			out->names[i] = arena_strndup(d, key, strlen(key));
			if (out->names[i] == NULL ||
				!value_from_json(d, val, &out->items[i], rowno, depth + 1))
				return false;
			i++;
		}
	}
	return set_object_json(d, out);
}

/* Converts any JSON value (json-c's NULL pointer is JSON null) */
static bool
value_from_json(Decoder *d, struct json_object *obj, CodecValue *out,
				int rowno, int depth)
{
	memset(out, 0, sizeof(CodecValue));
	if (depth > CODEC_MAX_DEPTH)
		return decode_error(d, "row %d is nested more than %d levels deep",
							rowno, CODEC_MAX_DEPTH);
	switch (json_object_get_type(obj))
	{
		case json_type_null:
			return set_null(d, out);
		case json_type_boolean:
			return json_object_get_boolean(obj) ?
				set_literal(d, out, "true", 4) :
				set_literal(d, out, "false", 5);
		case json_type_double:
		case json_type_int:
			return number_from_json(d, obj, out, rowno);
		case json_type_string:
			return string_from_json(d, obj, out, rowno);
		case json_type_array:
			return array_from_json(d, obj, out, rowno, depth);
		case json_type_object:
			return object_from_json(d, obj, out, rowno, depth);
	}
	return decode_error(d, "JSON value of unknown type in row %d", rowno);
}

/* Appends one row: the value, or its member d->field */
static bool
add_json_row(Decoder *d, struct json_object *row, int rowno)
{
	struct json_object *val = row;
	CodecValue *slot;

	if (d->field != NULL)
	{
		if (!json_object_is_type(row, json_type_object))
			return decode_error(d, "row %d has no field \"%s\": the row is %s, not an object",
								rowno, d->field, json_kind_name(row));
		if (!json_object_object_get_ex(row, d->field, &val))
			return decode_error(d, "row %d has no field \"%s\"", rowno, d->field);
	}
	slot = push_row(d);
	if (slot == NULL)
		return false;
	return value_from_json(d, val, slot, rowno, 0);
}

/*--- Decoding: JSON and JSON Lines ---*/

/* Whether s[0..n) is only JSON whitespace */
static bool
is_blank(const char *s, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	}
	return true;
}

/* Writes a parse error at byte offset of the body (line 0: plain JSON) */
static bool
json_parse_error(Decoder *d, int lineno, size_t offset, const char *what)
{
	if (lineno > 0)
		return decode_error(d, "malformed JSON on line %d at byte %zu: %s",
							lineno, offset, what);
	return decode_error(d, "malformed JSON at byte %zu: %s", offset, what);
}

/* Gets the tokener, reset for a new text; NULL (and an error) on OOM */
static struct json_tokener *
get_tokener(Decoder *d)
{
	if (d->tok == NULL)
	{
		d->tok = json_tokener_new_ex(CODEC_MAX_DEPTH);
		if (d->tok == NULL)
		{
			decode_error(d, "out of memory");
			return NULL;
		}
		json_tokener_set_flags(d->tok,
							   JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	}
	json_tokener_reset(d->tok);
	return d->tok;
}

/*
 * Parses body[start..end) as exactly one JSON value into *out.  The text
 * need not be NUL-terminated: a value still open at the end (a bare
 * number, say) is finished by feeding json-c a terminator.
 */
static bool
parse_json(Decoder *d, const char *body, size_t start, size_t end,
		   int lineno, struct json_object **out)
{
	struct json_tokener *tok;
	const char *nul = memchr(body + start, '\0', end - start);
	enum json_tokener_error err;
	size_t		stop;

	*out = NULL;
	if (nul != NULL)
		return json_parse_error(d, lineno, nul - body, "NUL byte");
	if (end - start > INT_MAX - 1)
		return json_parse_error(d, lineno, start, "text too large for the JSON parser");
	tok = get_tokener(d);
	if (tok == NULL)
		return false;
	*out = json_tokener_parse_ex(tok, body + start, (int) (end - start));
	err = json_tokener_get_error(tok);
	stop = start + json_tokener_get_parse_end(tok);
	if (err == json_tokener_continue)
	{
		*out = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
		stop = end;
	}
	if (err != json_tokener_success)
	{
		json_object_put(*out);
		*out = NULL;
		return json_parse_error(d, lineno, stop, json_tokener_error_desc(err));
	}
	if (stop < end && !is_blank(body + stop, end - stop))
	{
		json_object_put(*out);
		*out = NULL;
		return json_parse_error(d, lineno, stop, "unexpected data after the value");
	}
	return true;
}

/* The array member of an object that holds the rows, or NULL */
static struct json_object *
rows_member(struct json_object *root)
{
	static const char *const preferred[] = {"predictions", "scores", "outputs", "results"};
	struct json_object *found = NULL;
	struct json_object *val;
	int			narrays = 0;
	size_t		i;

	{
		json_object_object_foreach(root, key, member)
		{
			(void) key;
			if (json_object_is_type(member, json_type_array))
			{
				found = member;
				narrays++;
			}
		}
	}
	if (narrays == 1)
		return found;
	for (i = 0; i < sizeof(preferred) / sizeof(preferred[0]); i++)
	{
		if (json_object_object_get_ex(root, preferred[i], &val) &&
			json_object_is_type(val, json_type_array))
			return val;
	}
	return NULL;
}

/* Appends every element of the rows array */
static bool
add_json_rows(Decoder *d, struct json_object *rows)
{
	size_t		n = json_object_array_length(rows);
	size_t		i;

	if (n > INT_MAX / 2)
		return decode_error(d, "too many rows in the reply");
	for (i = 0; i < n; i++)
	{
		if (!add_json_row(d, json_object_array_get_idx(rows, i), (int) i + 1))
			return false;
	}
	return true;
}

/* Decodes an application/json body */
static bool
decode_json(Decoder *d, const char *body, size_t len)
{
	struct json_object *root;
	struct json_object *rows = NULL;
	bool		ok;

	if (!parse_json(d, body, 0, len, 0, &root))
		return false;
	if (json_object_is_type(root, json_type_array))
		rows = root;
	else if (json_object_is_type(root, json_type_object))
		rows = rows_member(root);
	if (rows != NULL)
		ok = add_json_rows(d, rows);
	else if (json_object_is_type(root, json_type_object))
		ok = decode_error(d, "JSON reply has no array of rows: expected one array member, or one named \"predictions\", \"scores\", \"outputs\" or \"results\"");
	else
		ok = decode_error(d, "JSON reply is %s, not an array of rows or an object holding one",
						  json_kind_name(root));
	json_object_put(root);
	return ok;
}

/* Decodes an application/jsonlines body: one value per non-blank line */
static bool
decode_jsonlines(Decoder *d, const char *body, size_t len)
{
	struct json_object *obj;
	size_t		pos = 0;
	size_t		end;
	const char *nl;
	int			lineno = 0;
	int			rowno = 0;
	bool		ok;

	while (pos < len)
	{
		nl = memchr(body + pos, '\n', len - pos);
		end = nl != NULL ? (size_t) (nl - body) : len;
		if (lineno == INT_MAX)
			return decode_error(d, "too many lines in the reply");
		lineno++;
		if (!is_blank(body + pos, end - pos))
		{
			if (!parse_json(d, body, pos, end, lineno, &obj))
				return false;
			ok = add_json_row(d, obj, ++rowno);
			json_object_put(obj);
			if (!ok)
				return false;
		}
		pos = nl != NULL ? end + 1 : len;
	}
	return true;
}

/*--- Decoding: CSV ---*/

/* A position in a CSV body */
typedef struct CsvReader
{
	const char *body;
	size_t		len;
	size_t		pos;
	int			line;			/* 1-based line of pos */
} CsvReader;

/* Writes a CSV error at the reader's position */
static bool
csv_error(Decoder *d, const CsvReader *r, const char *what)
{
	return decode_error(d, "malformed CSV on line %d at byte %zu: %s",
						r->line, r->pos, what);
}

/* Length of the line end at pos (LF or CR LF), or 0 when there is none */
static size_t
csv_line_end_len(const CsvReader *r)
{
	if (r->pos < r->len && r->body[r->pos] == '\n')
		return 1;
	if (r->pos + 1 < r->len && r->body[r->pos] == '\r' && r->body[r->pos + 1] == '\n')
		return 2;
	return 0;
}

/* Whether only line ends remain from pos on */
static bool
csv_rest_is_blank_lines(const CsvReader *r)
{
	size_t		i;

	for (i = r->pos; i < r->len; i++)
	{
		if (r->body[i] == '\r' && i + 1 < r->len && r->body[i + 1] == '\n')
			continue;
		if (r->body[i] != '\n')
			return false;
	}
	return true;
}

/* Makes room for one more field of the current record */
static CodecValue *
csv_next_field(Decoder *d)
{
	CodecValue *fields;
	int			cap;

	if (d->nfields == d->fields_cap)
	{
		if (d->fields_cap >= INT_MAX / 2)
		{
			decode_error(d, "too many fields in a CSV line");
			return NULL;
		}
		cap = d->fields_cap > 0 ? d->fields_cap * 2 : 16;
		fields = realloc(d->fields, (size_t) cap * sizeof(CodecValue));
		if (fields == NULL)
		{
			decode_error(d, "out of memory");
			return NULL;
		}
		d->fields = fields;
		d->fields_cap = cap;
	}
	memset(&d->fields[d->nfields], 0, sizeof(CodecValue));
	return &d->fields[d->nfields++];
}

/* Stores a field's text: empty and unquoted is NULL, the rest strings */
static bool
csv_set_field(Decoder *d, CodecValue *out, const char *text, size_t len,
			  bool quoted)
{
	if (len == 0 && !quoted)
		return set_null(d, out);
	return set_string(d, out, text, len, is_json_number(text, len));
}

/* Reads an unquoted field, up to a comma, a line end or the end */
static bool
csv_read_plain(Decoder *d, CsvReader *r, CodecValue *out)
{
	size_t		start = r->pos;
	char		c;

	while (r->pos < r->len)
	{
		c = r->body[r->pos];
		if (c == ',' || c == '\n')
			break;
		if (c == '\r')
		{
			if (csv_line_end_len(r) == 2)
				break;
			return csv_error(d, r, "carriage return without a line feed");
		}
		if (c == '"')
			return csv_error(d, r, "quote inside an unquoted field");
		if (c == '\0')
			return csv_error(d, r, "NUL byte");
		r->pos++;
	}
	return csv_set_field(d, out, r->body + start, r->pos - start, false);
}

/* Copies a quoted field's content body[start..stop), undoubling quotes */
static bool
csv_unquote(Decoder *d, const char *body, size_t start, size_t stop,
			size_t n, CodecValue *out)
{
	char	   *text = arena_alloc(d, n + 1);
	size_t		i;
	size_t		j = 0;

	if (text == NULL)
		return false;
	for (i = start; i < stop; i++)
	{
		text[j++] = body[i];
		if (body[i] == '"')
			i++;				/* the second of a doubled quote */
	}
	text[j] = '\0';
	out->kind = CODEC_VALUE_SCALAR;
	out->is_string = true;
	out->text = text;
	out->json = is_json_number(text, n) ? text : arena_json_quote(d, text, n);
	return out->json != NULL;
}

/* Reads a quoted field; r->pos is on the opening quote */
static bool
csv_read_quoted(Decoder *d, CsvReader *r, CodecValue *out)
{
	CsvReader	open = *r;
	size_t		start = r->pos + 1;
	size_t		n = 0;

	r->pos = start;
	for (;;)
	{
		if (r->pos >= r->len)
			return csv_error(d, &open, "unterminated quoted field");
		if (r->body[r->pos] == '"')
		{
			if (r->pos + 1 < r->len && r->body[r->pos + 1] == '"')
				r->pos++;
			else
				break;
		}
		else if (r->body[r->pos] == '\0')
			return csv_error(d, r, "NUL byte");
		else if (r->body[r->pos] == '\n')
			r->line++;
		n++;
		r->pos++;
	}
	if (!csv_unquote(d, r->body, start, r->pos, n, out))
		return false;
	r->pos++;					/* the closing quote */
	if (r->pos < r->len && r->body[r->pos] != ',' && csv_line_end_len(r) == 0)
		return csv_error(d, r, "unexpected character after a closing quote");
	return true;
}

/* Reads one record into d->fields and consumes its line end */
static bool
csv_read_record(Decoder *d, CsvReader *r)
{
	CodecValue *field;
	size_t		eol;

	d->nfields = 0;
	for (;;)
	{
		field = csv_next_field(d);
		if (field == NULL)
			return false;
		if (r->pos < r->len && r->body[r->pos] == '"')
		{
			if (!csv_read_quoted(d, r, field))
				return false;
		}
		else if (!csv_read_plain(d, r, field))
			return false;
		if (r->pos >= r->len)
			return true;
		if (r->body[r->pos] == ',')
		{
			r->pos++;
			continue;
		}
		eol = csv_line_end_len(r);
		r->pos += eol;
		r->line++;
		return true;
	}
}

/* Appends the current record: one field a scalar, several an array */
static bool
csv_add_row(Decoder *d)
{
	CodecValue *row = push_row(d);

	if (row == NULL)
		return false;
	if (d->nfields == 1)
	{
		*row = d->fields[0];
		return true;
	}
	row->kind = CODEC_VALUE_ARRAY;
	row->nitems = d->nfields;
	row->items = arena_alloc(d, (size_t) d->nfields * sizeof(CodecValue));
	if (row->items == NULL)
		return false;
	memcpy(row->items, d->fields, (size_t) d->nfields * sizeof(CodecValue));
	return set_array_json(d, row);
}

/* Decodes a text/csv body */
static bool
decode_csv(Decoder *d, const char *body, size_t len)
{
	CsvReader	r = {body, len, 0, 1};
	int			rowno = 0;

	while (r.pos < len)
	{
		if (csv_line_end_len(&r) > 0)
		{
			if (csv_rest_is_blank_lines(&r))
				break;
			return decode_error(d, "malformed CSV: empty line %d (byte %zu)",
								r.line, r.pos);
		}
		if (rowno == INT_MAX / 2)
			return decode_error(d, "too many rows in the reply");
		rowno++;
		if (d->field != NULL)
			return decode_error(d, "row %d has no field \"%s\": CSV rows have no named fields",
								rowno, d->field);
		if (!csv_read_record(d, &r) || !csv_add_row(d))
			return false;
	}
	return true;
}

/*--- Decoding: entry points ---*/

/* Decodes a response body into rows; NULL and a message on error */
CodecResult *
codec_decode(CodecFormat format, const char *body, size_t len,
			 const char *field, char *errbuf, size_t errlen)
{
	Decoder		d;
	bool		ok;

	memset(&d, 0, sizeof(d));
	d.errbuf = errbuf;
	d.errlen = errlen;
	d.field = (field != NULL && field[0] != '\0') ? field : NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (body == NULL && len > 0)
	{
		decode_error(&d, "no body");
		return NULL;
	}
	if (body == NULL)
		body = "";
	d.res = calloc(1, sizeof(ResultImpl));
	if (d.res == NULL)
	{
		decode_error(&d, "out of memory");
		return NULL;
	}
	if (format == CODEC_CSV)
		ok = decode_csv(&d, body, len);
	else if (format == CODEC_JSON)
		ok = decode_json(&d, body, len);
	else if (format == CODEC_JSONLINES)
		ok = decode_jsonlines(&d, body, len);
	else
		ok = decode_error(&d, "unknown body format %d", (int) format);
	if (d.tok != NULL)
		json_tokener_free(d.tok);
	free(d.fields);
	if (ok)
		return &d.res->pub;
	codec_result_free(&d.res->pub);
	return NULL;
}

/* Frees a result and everything its values point to */
void
codec_result_free(CodecResult *result)
{
	ResultImpl *res = (ResultImpl *) result;
	ArenaChunk *chunk;
	ArenaChunk *next;

	if (res == NULL)
		return;
	for (chunk = res->chunks; chunk != NULL; chunk = next)
	{
		next = chunk->next;
		free(chunk);
	}
	free(res->pub.rows);
	free(res);
}

/*-------------------------------------------------------------------------
 *
 * codec_csv.c
 *	  CSV replies of SageMaker-style inference (RFC 4180, parsed by hand).
 *
 * One record per row: a single field is the row's scalar, several an
 * array.  Fields are copied into the result's values (codec_decode.c).
 *
 * Pure C: no PostgreSQL header; see codec.h.
 *
 * IDENTIFICATION
 *	  src/infer/codec_csv.c
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <string.h>

#include "infer/codec_int.h"

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
	return codec_error(d, "malformed CSV on line %d at byte %zu: %s",
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
			codec_error(d, "too many fields in a CSV line");
			return NULL;
		}
		cap = d->fields_cap > 0 ? d->fields_cap * 2 : 16;
		fields = pi_grow(d->allocator, d->fields,
						 (size_t) d->nfields * sizeof(CodecValue),
						 (size_t) cap * sizeof(CodecValue));
		if (fields == NULL)
		{
			codec_no_memory(d);
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
		return codec_set_null(d, out);
	return codec_set_string(d, out, text, len, pi_is_json_number(text, len));
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
	char	   *text = codec_alloc(d, n + 1);
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
	out->json = pi_is_json_number(text, n) ? text : codec_json_string(d, text, n);
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
	CodecValue *row = codec_push_row(d);

	if (row == NULL)
		return false;
	if (d->nfields == 1)
	{
		*row = d->fields[0];
		return true;
	}
	row->kind = CODEC_VALUE_ARRAY;
	row->nitems = d->nfields;
	row->items = codec_alloc(d, (size_t) d->nfields * sizeof(CodecValue));
	if (row->items == NULL)
		return false;
	memcpy(row->items, d->fields, (size_t) d->nfields * sizeof(CodecValue));
	return codec_set_array_json(d, row);
}

/* Decodes a text/csv body */
bool
codec_decode_csv(Decoder *d, const char *body, size_t len)
{
	CsvReader	r = {body, len, 0, 1};
	int			rowno = 0;

	while (r.pos < len)
	{
		if (csv_line_end_len(&r) > 0)
		{
			if (csv_rest_is_blank_lines(&r))
				break;
			return codec_error(d, "malformed CSV: empty line %d (byte %zu)",
								r.line, r.pos);
		}
		if (rowno == INT_MAX / 2)
			return codec_error(d, "too many rows in the reply");
		rowno++;
		if (d->field != NULL)
			return codec_error(d, "row %d has no field \"%s\": CSV rows have no named fields",
								rowno, d->field);
		if (!csv_read_record(d, &r) || !csv_add_row(d))
			return false;
	}
	return true;
}

/* Frees the field array of a decoding */
void
codec_csv_cleanup(Decoder *d)
{
	pi_free(d->allocator, d->fields);
	d->fields = NULL;
	d->fields_cap = 0;
}

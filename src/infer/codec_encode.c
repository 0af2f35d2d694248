/*-------------------------------------------------------------------------
 *
 * codec_encode.c
 *	  Request bodies of SageMaker-style inference (CSV, JSON, JSON Lines),
 *	  the MIME types of the formats, and JSON string quoting.
 *
 * Rows are appended to a PiBuf on the caller's allocator.  Pure C: no
 * PostgreSQL header; see codec.h.
 *
 * IDENTIFICATION
 *	  src/infer/codec_encode.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "infer/codec_int.h"

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
	if (pi_ascii_caseeq_n(start, end - start, "text/csv"))
		return CODEC_CSV;
	if (pi_ascii_caseeq_n(start, end - start, "application/json"))
		return CODEC_JSON;
	if (pi_ascii_caseeq_n(start, end - start, "application/jsonlines") ||
		pi_ascii_caseeq_n(start, end - start, "application/jsonl") ||
		pi_ascii_caseeq_n(start, end - start, "application/x-jsonlines"))
		return CODEC_JSONLINES;
	return -1;
}

/*--- Text helpers shared by encoding and decoding ---*/

/* Length of the JSON string literal of text, quotes included */
size_t
codec_json_quoted_len(const char *text, size_t len)
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

/* Writes the JSON string literal of text (codec_json_quoted_len bytes) to dst */
void
codec_json_quote_into(char *dst, const char *text, size_t len)
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
csv_append_string(PiBuf *buf, const char *text, size_t len)
{
	size_t		i;

	if (!csv_needs_quotes(text, len))
	{
		pi_buf_append(buf, text, len);
		return;
	}
	pi_buf_append_char(buf, '"');
	for (i = 0; i < len; i++)
	{
		if (text[i] == '"')
			pi_buf_append_char(buf, '"');
		pi_buf_append_char(buf, text[i]);
	}
	pi_buf_append_char(buf, '"');
}

/* Appends one field as CSV */
static void
csv_append_field(PiBuf *buf, const CodecField *field)
{
	switch (field->kind)
	{
		case CODEC_FIELD_NULL:
			break;
		case CODEC_FIELD_NUMBER:
			pi_buf_append(buf, field->text, field->len);
			break;
		case CODEC_FIELD_BOOL:
			pi_buf_append_char(buf, field_is_true(field) ? '1' : '0');
			break;
		case CODEC_FIELD_STRING:
			csv_append_string(buf, field->text, field->len);
			break;
	}
}

/* Appends one field as a JSON value */
static void
json_append_field(PiBuf *buf, const CodecField *field)
{
	size_t		n;

	switch (field->kind)
	{
		case CODEC_FIELD_NULL:
			pi_buf_append_str(buf, "null");
			break;
		case CODEC_FIELD_NUMBER:
			pi_buf_append(buf, field->text, field->len);
			break;
		case CODEC_FIELD_BOOL:
			pi_buf_append_str(buf, field_is_true(field) ? "true" : "false");
			break;
		case CODEC_FIELD_STRING:
			n = codec_json_quoted_len(field->text, field->len);
			if (!pi_buf_reserve(buf, n))
				break;
			codec_json_quote_into(buf->data + buf->len, field->text, field->len);
			buf->len += n;
			buf->data[buf->len] = '\0';
			break;
	}
}

/* Appends {"features":[f1,f2,...]} */
static void
json_append_features(PiBuf *buf, const CodecField *fields, int nfields)
{
	int			i;

	pi_buf_append_str(buf, "{\"features\":[");
	for (i = 0; i < nfields; i++)
	{
		if (i > 0)
			pi_buf_append_char(buf, ',');
		json_append_field(buf, &fields[i]);
	}
	pi_buf_append_str(buf, "]}");
}

/* Empties buf and writes the opening of a request body */
void
codec_begin(CodecFormat format, PiBuf *buf)
{
	pi_buf_reset(buf);
	if (format == CODEC_JSON)
		pi_buf_append_str(buf, "{\"instances\":[");
}

/* Appends one row; row_index 0 is the first row of the body */
void
codec_add_row(CodecFormat format, PiBuf *buf, int row_index,
			  const CodecField *fields, int nfields)
{
	int			i;

	switch (format)
	{
		case CODEC_CSV:
			for (i = 0; i < nfields; i++)
			{
				if (i > 0)
					pi_buf_append_char(buf, ',');
				csv_append_field(buf, &fields[i]);
			}
			pi_buf_append_char(buf, '\n');
			break;
		case CODEC_JSON:
			if (row_index > 0)
				pi_buf_append_char(buf, ',');
			json_append_features(buf, fields, nfields);
			break;
		case CODEC_JSONLINES:
			json_append_features(buf, fields, nfields);
			pi_buf_append_char(buf, '\n');
			break;
	}
}

/* Writes the closing of a request body (codec_end_size bytes) */
void
codec_end(CodecFormat format, PiBuf *buf)
{
	if (format == CODEC_JSON)
		pi_buf_append_str(buf, "]}");
}

/* The number of bytes codec_end appends */
size_t
codec_end_size(CodecFormat format)
{
	return format == CODEC_JSON ? 2 : 0;
}

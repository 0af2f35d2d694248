/*-------------------------------------------------------------------------
 *
 * codec_json.c
 *	  JSON and JSON Lines replies of SageMaker-style inference.
 *
 * Parsed with json-c (strict mode, UTF-8 validated, depth limited), then
 * copied into the result's values (codec_decode.c).  Each json-c tree is
 * put before the function that parsed it returns, and the tokener by
 * codec_json_cleanup, so json-c's own memory never outlives a decoding.
 *
 * Pure C: no PostgreSQL header; see codec.h.
 *
 * IDENTIFICATION
 *	  src/infer/codec_json.c
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <string.h>

#include <json-c/json.h>

#include "infer/codec_int.h"

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
		return codec_no_memory(d);
	len = strlen(text);
	if (json_object_is_type(obj, json_type_int) &&
		(strcmp(text, "18446744073709551615") == 0 ||
		 strcmp(text, "-9223372036854775808") == 0))
		return codec_error(d, "integer out of range in row %d (beyond 64 bits)",
							rowno);
	if (!pi_is_json_number(text, len))
		return codec_error(d, "malformed JSON: invalid number \"%s\" in row %d",
							text, rowno);
	return codec_set_literal(d, out, text, len);
}

/* Converts a string; text cannot hold NUL, so \u0000 is refused */
static bool
string_from_json(Decoder *d, struct json_object *obj, CodecValue *out,
				 int rowno)
{
	const char *text = json_object_get_string(obj);
	size_t		len = (size_t) json_object_get_string_len(obj);

	if (memchr(text, '\0', len) != NULL)
		return codec_error(d, "string with a NUL character (\\u0000) in row %d",
							rowno);
	return codec_set_string(d, out, text, len, false);
}

/* Converts an array and its elements */
static bool
array_from_json(Decoder *d, struct json_object *obj, CodecValue *out,
				int rowno, int depth)
{
	size_t		n = json_object_array_length(obj);
	size_t		i;

	if (n > INT_MAX)
		return codec_error(d, "array with too many elements in row %d", rowno);
	out->kind = CODEC_VALUE_ARRAY;
	out->nitems = (int) n;
	out->items = codec_alloc(d, n * sizeof(CodecValue) + 1);
	if (out->items == NULL)
		return false;
	for (i = 0; i < n; i++)
	{
		if (!value_from_json(d, json_object_array_get_idx(obj, i),
							 &out->items[i], rowno, depth + 1))
			return false;
	}
	return codec_set_array_json(d, out);
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
	out->items = codec_alloc(d, (size_t) n * sizeof(CodecValue) + 1);
	out->names = codec_alloc(d, (size_t) n * sizeof(char *) + 1);
	if (out->items == NULL || out->names == NULL)
		return false;
	{
		json_object_object_foreach(obj, key, val)
		{
			out->names[i] = codec_strndup(d, key, strlen(key));
			if (out->names[i] == NULL ||
				!value_from_json(d, val, &out->items[i], rowno, depth + 1))
				return false;
			i++;
		}
	}
	return codec_set_object_json(d, out);
}

/* Converts any JSON value (json-c's NULL pointer is JSON null) */
static bool
value_from_json(Decoder *d, struct json_object *obj, CodecValue *out,
				int rowno, int depth)
{
	memset(out, 0, sizeof(CodecValue));
	if (depth > CODEC_MAX_DEPTH)
		return codec_error(d, "row %d is nested more than %d levels deep",
							rowno, CODEC_MAX_DEPTH);
	switch (json_object_get_type(obj))
	{
		case json_type_null:
			return codec_set_null(d, out);
		case json_type_boolean:
			return json_object_get_boolean(obj) ?
				codec_set_literal(d, out, "true", 4) :
				codec_set_literal(d, out, "false", 5);
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
	return codec_error(d, "JSON value of unknown type in row %d", rowno);
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
			return codec_error(d, "row %d has no field \"%s\": the row is %s, not an object",
								rowno, d->field, json_kind_name(row));
		if (!json_object_object_get_ex(row, d->field, &val))
			return codec_error(d, "row %d has no field \"%s\"", rowno, d->field);
	}
	slot = codec_push_row(d);
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
		return codec_error(d, "malformed JSON on line %d at byte %zu: %s",
							lineno, offset, what);
	return codec_error(d, "malformed JSON at byte %zu: %s", offset, what);
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
			codec_no_memory(d);
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
		return codec_error(d, "too many rows in the reply");
	for (i = 0; i < n; i++)
	{
		if (!add_json_row(d, json_object_array_get_idx(rows, i), (int) i + 1))
			return false;
	}
	return true;
}

/* Decodes an application/json body */
bool
codec_decode_json(Decoder *d, const char *body, size_t len)
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
		ok = codec_error(d, "JSON reply has no array of rows: expected one array member, or one named \"predictions\", \"scores\", \"outputs\" or \"results\"");
	else
		ok = codec_error(d, "JSON reply is %s, not an array of rows or an object holding one",
						  json_kind_name(root));
	json_object_put(root);
	return ok;
}

/* Decodes an application/jsonlines body: one value per non-blank line */
bool
codec_decode_jsonlines(Decoder *d, const char *body, size_t len)
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
			return codec_error(d, "too many lines in the reply");
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

/* Frees the tokener of a decoding, if it made one */
void
codec_json_cleanup(Decoder *d)
{
	if (d->tok != NULL)
		json_tokener_free(d->tok);
	d->tok = NULL;
}

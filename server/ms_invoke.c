/*-------------------------------------------------------------------------
 *
 * ms_invoke.c
 *	  One POST /invocations of the model server: the request body decoded
 *	  into points, each point scored, the scores encoded as the reply.
 *
 * Formats are SageMaker's Random Cut Forest ones:
 *	 request (Content-Type)
 *	   text/csv					one point per line: "1.5,16,14,23"
 *	   application/json			{"instances":[{"features":[1.5,16,14,23]},...]}
 *	   application/jsonlines	one {"features":[1.5,16,14,23]} per line
 *	 reply (Accept; application/json when absent or a wildcard)
 *	   text/csv					one score per line
 *	   application/json			{"scores":[{"score":0.98},...]}
 *	   application/jsonlines	one {"score":0.98} per line
 * The bodies are decoded by the project's codec (src/infer/codec.h), which
 * also gives each error its line and byte offset.  Every value must be a
 * finite number and every point must have the model's dimensions; anything
 * else is a 400 naming the row and value.  Scores are written in the
 * shortest form that reads back as the same double, so a client gets
 * exactly what rcf_score computes in the database.
 *
 * IDENTIFICATION
 *	  server/ms_invoke.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "model_server.h"

/* Characters of a value quoted in a message, at most */
#define QUOTE_MAX	40

/*--- Replies ----------------------------------------------------------------*/

/*
 * The length of the well-formed UTF-8 sequence at s (shortest form, no
 * surrogate, at most U+10FFFF), or 0 when there is none
 */
static int
utf8_sequence_length(const unsigned char *s)
{
	int			n = s[0] < 0x80 ? 1 : s[0] < 0xC2 ? 0 :
		s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF5 ? 4 : 0;
	unsigned char lo = 0x80,
				hi = 0xBF;

	/* the second byte's range rules out overlong forms, surrogates, > U+10FFFF */
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (int i = 1; i < n; i++)
	{
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return n;
}

/*
 * Replaces each byte that is not part of well-formed UTF-8 with '?', so a
 * message quoting request bytes (a field, a header, cut at any byte) is
 * valid JSON text
 */
static void
utf8_scrub(char *text)
{
	unsigned char *s = (unsigned char *) text;

	while (*s)
	{
		int			n = utf8_sequence_length(s);

		if (n == 0)
			*s++ = '?';
		else
			s += n;
	}
}

/* Fills reply with an error status and {"message": ...} */
void
ms_reply_error(MsReply *reply, int status, const char *fmt,...)
{
	char		message[MS_MESSAGE_SIZE];
	struct json_object *obj = json_object_new_object();
	const char *text;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	utf8_scrub(message);
	json_object_object_add(obj, "message", json_object_new_string(message));
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	reply->status = status;
	reply->content_type = "application/json";
	reply->len = strlen(text) + 1;
	reply->body = malloc(reply->len + 1);
	if (reply->body == NULL)
		abort();
	memcpy(reply->body, text, reply->len - 1);
	memcpy(reply->body + reply->len - 1, "\n", 2);
	json_object_put(obj);
}

/* Releases a reply's body */
void
ms_reply_free(MsReply *reply)
{
	free(reply->body);
	reply->body = NULL;
	reply->len = 0;
}

/*--- Content negotiation ----------------------------------------------------*/

/* The quality (q parameter, 1 when absent) of an Accept entry's parameters */
static double
entry_quality(const char *params, const char *end)
{
	const char *p = params;

	while (p < end)
	{
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return strtod(p + 2, NULL);
		while (p < end && *p != ';')
			p++;
	}
	return 1.0;
}

/* The format one Accept media range stands for, or -1 */
static int
range_format(const char *type, size_t n)
{
	char		mime[64];

	if (pi_ascii_caseeq_n(type, n, "*/*") || pi_ascii_caseeq_n(type, n, "application/*"))
		return CODEC_JSON;
	if (pi_ascii_caseeq_n(type, n, "text/*"))
		return CODEC_CSV;
	if (n >= sizeof(mime))
		return -1;
	memcpy(mime, type, n);
	mime[n] = '\0';
	return codec_format_from_mime(mime);
}

/*
 * The reply format for an Accept header: of the media ranges offered, the
 * one of highest quality that names a format we write (earliest on ties);
 * application/json when no header is sent; -1 when none is acceptable.
 */
int
ms_accept_format(const char *accept)
{
	const char *p = accept;
	int			best = -1;
	double		best_q = 0.0;

	if (accept == NULL || accept[0] == '\0')
		return CODEC_JSON;
	while (*p != '\0')
	{
		const char *entry_end = strchr(p, ',');
		const char *type_end;
		int			format;
		double		q;

		if (entry_end == NULL)
			entry_end = p + strlen(p);
		while (p < entry_end && (*p == ' ' || *p == '\t'))
			p++;
		type_end = p;
		while (type_end < entry_end && *type_end != ';' && *type_end != ' ')
			type_end++;
		format = range_format(p, type_end - p);
		q = entry_quality(type_end, entry_end);
		if (format >= 0 && q > best_q)
		{
			best = format;
			best_q = q;
		}
		p = *entry_end == ',' ? entry_end + 1 : entry_end;
	}
	return best;
}

/*--- Points -----------------------------------------------------------------*/

/* Whether text is made only of the characters of a decimal number */
static bool
decimal_chars(const char *text)
{
	return text[0] != '\0' && strspn(text, "0123456789+-.eE") == strlen(text);
}

/*
 * Reads one value of a point; NULL when it is a finite number, else why
 * not (a phrase completing "value N ...").  JSON values must be numbers;
 * CSV fields are text, so a field counts when its text is a number.
 */
static const char *
read_value(CodecFormat format, const CodecValue *v, double *out)
{
	char	   *end;

	if (v->kind == CODEC_VALUE_NULL)
		return format == CODEC_CSV ? "is empty" : "is null";
	if (v->kind != CODEC_VALUE_SCALAR)
		return v->kind == CODEC_VALUE_ARRAY ? "is an array" : "is an object";
	if (format != CODEC_CSV && v->is_string)
		return "is a string, not a number";
	errno = 0;
	*out = strtod(v->text, &end);
	if (*end != '\0' || end == v->text)
		return "is not a number";
	if (!decimal_chars(v->text))	/* nan, inf, hexadecimal */
		return isfinite(*out) ? "is not a decimal number" : "is not finite";
	if (errno == ERANGE && !isfinite(*out))
		return "is out of range for a double";
	if (!isfinite(*out))
		return "is not finite";
	return NULL;
}

/* The values of a row: a CSV scalar is a one-value row */
static void
row_values(const CodecValue *row, const CodecValue **values, int *n)
{
	if (row->kind == CODEC_VALUE_ARRAY)
	{
		*values = row->items;
		*n = row->nitems;
	}
	else
	{
		*values = row;
		*n = 1;
	}
}

/*
 * Reads row i (0-based) into point; false with a 400 in reply when its
 * shape or a value is bad.
 */
static bool
read_point(CodecFormat format, const CodecValue *row, int i, int dims,
		   double *point, MsReply *reply)
{
	const CodecValue *values;
	const char *why;
	int			n,
				d;

	if (format != CODEC_CSV && row->kind != CODEC_VALUE_ARRAY)
	{
		ms_reply_error(reply, 400, "row %d: \"features\" must be an array of %d numbers",
					   i + 1, dims);
		return false;
	}
	row_values(row, &values, &n);
	if (n != dims)
	{
		ms_reply_error(reply, 400, "row %d has %d values, but the model takes points of %d dimensions",
					   i + 1, n, dims);
		return false;
	}
	for (d = 0; d < dims; d++)
	{
		why = read_value(format, &values[d], &point[d]);
		if (why != NULL && values[d].kind == CODEC_VALUE_NULL)
			ms_reply_error(reply, 400, "row %d, value %d %s", i + 1, d + 1, why);
		else if (why != NULL)
			ms_reply_error(reply, 400, "row %d, value %d (%.*s%s) %s", i + 1, d + 1,
						   QUOTE_MAX, values[d].json,
						   strlen(values[d].json) > QUOTE_MAX ? "..." : "", why);
		if (why != NULL)
			return false;
	}
	return true;
}

/*--- Scores -----------------------------------------------------------------*/

/* Writes v in the shortest %g form that reads back as the same double */
static void
format_score(char *buf, size_t size, double v)
{
	int			digits;

	for (digits = 15; digits < 17; digits++)
	{
		snprintf(buf, size, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, size, "%.17g", v);
}

/* Encodes n scores in a format into a new reply body */
static void
encode_scores(CodecFormat format, const double *scores, int n, MsReply *reply)
{
	char		num[32];
	PiBuf		out;
	int			i;

	pi_buf_init(&out, &pi_malloc_allocator);
	if (format == CODEC_JSON)
		pi_buf_append_str(&out, "{\"scores\":[");
	for (i = 0; i < n; i++)
	{
		format_score(num, sizeof(num), scores[i]);
		if (format == CODEC_CSV)
			pi_buf_printf(&out, "%s\n", num);
		else if (format == CODEC_JSON)
			pi_buf_printf(&out, "%s{\"score\":%s}", i > 0 ? "," : "", num);
		else
			pi_buf_printf(&out, "{\"score\":%s}\n", num);
	}
	if (format == CODEC_JSON)
		pi_buf_append_str(&out, "]}");
	reply->len = out.len;
	reply->body = pi_buf_steal(&out);
}

/*--- The request ------------------------------------------------------------*/

/*
 * Scores the decoded rows into reply: 200 with the scores, or a 400 for
 * the first bad row.
 */
static void
score_rows(const RcfForest *forest, CodecFormat in, CodecFormat out,
		   const CodecResult *rows, MsReply *reply)
{
	int			dims = rcf_forest_params(forest)->dims;
	double	   *point = malloc(sizeof(double) * dims);
	double	   *scores = malloc(sizeof(double) * rows->nrows);
	int			i;

	if (point == NULL || scores == NULL)
		abort();
	for (i = 0; i < rows->nrows; i++)
	{
		if (!read_point(in, &rows->rows[i], i, dims, point, reply))
			break;
		scores[i] = rcf_forest_score(forest, point);
	}
	if (i == rows->nrows)
	{
		reply->status = 200;
		reply->content_type = codec_mime_type(out);
		encode_scores(out, scores, rows->nrows, reply);
	}
	free(point);
	free(scores);
}

/*
 * Checks a request's Content-Type and Accept before its body is read;
 * false with a 415 or 406 in reply when either is unusable.
 */
bool
ms_check_headers(const char *content_type, const char *accept, MsReply *reply)
{
	if (codec_format_from_mime(content_type) < 0)
	{
		ms_reply_error(reply, 415, "unsupported Content-Type \"%.64s\": send text/csv, application/json or application/jsonlines",
					   content_type ? content_type : "");
		return false;
	}
	if (ms_accept_format(accept) < 0)
	{
		ms_reply_error(reply, 406, "no acceptable reply format in Accept \"%.64s\": the server writes text/csv, application/json and application/jsonlines",
					   accept);
		return false;
	}
	return true;
}

/* Answers one POST /invocations (see model_server.h) */
void
ms_invoke(const RcfForest *forest, const char *content_type,
		  const char *accept, const char *body, size_t len, MsReply *reply)
{
	CodecFormat in;
	CodecStatus status;
	char		err[MS_MESSAGE_SIZE];
	CodecResult *rows = NULL;

	memset(reply, 0, sizeof(MsReply));
	if (!ms_check_headers(content_type, accept, reply))
		return;
	in = (CodecFormat) codec_format_from_mime(content_type);
	status = codec_decode(in, body, len, in == CODEC_CSV ? NULL : "features",
						  &pi_malloc_fallible, &rows, err, sizeof(err));
	if (status == CODEC_NO_MEMORY)
		ms_reply_error(reply, 503, "out of memory while decoding the %s body: try fewer rows per request",
					   codec_mime_type(in));
	else if (status != CODEC_OK)
		ms_reply_error(reply, 400, "%s body: %s", codec_mime_type(in), err);
	else if (rows->nrows == 0)
		ms_reply_error(reply, 400, "the request body holds no rows: send at least one point");
	else
		score_rows(forest, in, (CodecFormat) ms_accept_format(accept), rows, reply);
	codec_result_free(rows);
}

/*-------------------------------------------------------------------------
 *
 * fuzz_model_server.c
 *	  libFuzzer target: the model server's /invocations handling (request
 *	  decoders for CSV, JSON and JSON Lines bodies, Content-Type and Accept
 *	  negotiation, scoring, reply encoders), server/ms_invoke.c.
 *
 * Links: server/ms_invoke.c server/ms_model.c
 *
 * The first byte picks the request's Content-Type and Accept from a list;
 * with its high bit set, the input is "Content-Type\nAccept\nbody" instead,
 * so the header parsers are fuzzed too.  The rest is the body, not
 * NUL-terminated.  Whatever comes in, the reply must be well formed: a
 * known status; an error is a JSON object with a "message" string, valid
 * UTF-8; a 200 holds one finite, non-negative score per row decoded, in the
 * format Accept asked for.
 *
 *-------------------------------------------------------------------------
 */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_server.h"

#define DIMS 3

static const char *const content_types[] = {
	"text/csv", "application/json", "application/jsonlines; charset=utf-8", "text/plain"
};
static const char *const accepts[] = {
	NULL, "application/json", "application/jsonlines", "text/csv"
};

/* A small forest trained on a fixed cloud, made once */
static RcfForest *
forest_once(void)
{
	static RcfForest *forest;
	RcfParams	params = {10, 32, DIMS, 0.0, 7};
	RcfSampler *sampler;
	double		point[DIMS];
	uint8_t    *bytes;
	size_t		len;
	const char *err = NULL;

	if (forest != NULL)
		return forest;
	sampler = rcf_sampler_create(&params, 0, &pi_malloc_allocator);
	for (int i = 0; i < 200; i++)
	{
		for (int d = 0; d < DIMS; d++)
			point[d] = sin(i * (d + 1) * 0.37);
		rcf_sampler_add(sampler, point);
	}
	len = rcf_model_size(sampler);
	bytes = malloc(len);
	rcf_model_write(sampler, bytes);
	rcf_sampler_free(sampler);
	forest = rcf_forest_decode(bytes, len, &pi_malloc_allocator, &err);
	free(bytes);
	if (forest == NULL)
		abort();
	return forest;
}

/* A copy of n bytes as a C string, or NULL when they hold a NUL */
static char *
header_copy(const uint8_t *p, size_t n)
{
	char	   *s;

	if (memchr(p, '\0', n) != NULL)
		return NULL;
	s = malloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Parses a JSON text strictly, UTF-8 checked; NULL when it is not JSON */
static struct json_object *
parse_strict(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int) len);
	if (obj != NULL && json_tokener_get_parse_end(tok) != len)
	{
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* Checks an error reply: {"message": "..."} and a line end */
static void
check_error(const MsReply *reply)
{
	struct json_object *obj,
			   *message;

	if (strcmp(reply->content_type, "application/json") != 0 ||
		reply->len < 2 || reply->body[reply->len - 1] != '\n')
		abort();
	obj = parse_strict(reply->body, reply->len - 1);
	if (obj == NULL || !json_object_object_get_ex(obj, "message", &message) ||
		!json_object_is_type(message, json_type_string) ||
		json_object_get_string_len(message) == 0)
		abort();
	json_object_put(obj);
}

/* Checks one score's text: a finite number >= 0, nothing after it */
static void
check_score_text(const char *text)
{
	char	   *end;
	double		v = strtod(text, &end);

	if (end == text || *end != '\0' || !isfinite(v) || v < 0)
		abort();
}

/* Checks one JSON score value */
static void
check_score_json(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		abort();
	if (!isfinite(json_object_get_double(v)) || json_object_get_double(v) < 0)
		abort();
}

/* Checks each line of a CSV or JSON Lines reply; returns the line count */
static int
check_lines(const MsReply *reply, bool jsonl)
{
	char	   *copy = header_copy((const uint8_t *) reply->body, reply->len);
	char	   *line,
			   *next;
	int			n = 0;

	if (copy == NULL || reply->len == 0 || copy[reply->len - 1] != '\n')
		abort();
	for (line = copy; *line; line = next + 1, n++)
	{
		struct json_object *obj,
				   *score;

		next = strchr(line, '\n');
		*next = '\0';
		if (!jsonl)
		{
			check_score_text(line);
			continue;
		}
		obj = parse_strict(line, strlen(line));
		if (obj == NULL || !json_object_object_get_ex(obj, "score", &score))
			abort();
		check_score_json(score);
		json_object_put(obj);
	}
	free(copy);
	return n;
}

/* Checks a JSON reply {"scores":[{"score":x},...]}; returns the count */
static int
check_json(const MsReply *reply)
{
	struct json_object *obj = parse_strict(reply->body, reply->len),
			   *scores,
			   *score;
	int			n;

	if (obj == NULL || !json_object_object_get_ex(obj, "scores", &scores) ||
		!json_object_is_type(scores, json_type_array))
		abort();
	n = (int) json_object_array_length(scores);
	for (int i = 0; i < n; i++)
	{
		if (!json_object_object_get_ex(json_object_array_get_idx(scores, i), "score", &score))
			abort();
		check_score_json(score);
	}
	json_object_put(obj);
	return n;
}

/* Checks a 200: one score per row the request's body holds */
static void
check_scores(const MsReply *reply, const char *content_type, const char *accept,
			 const char *body, size_t len)
{
	CodecFormat in = (CodecFormat) codec_format_from_mime(content_type);
	CodecFormat out = (CodecFormat) ms_accept_format(accept);
	CodecResult *rows = NULL;
	char		err[256];
	int			n;

	if (strcmp(reply->content_type, codec_mime_type(out)) != 0)
		abort();
	if (out == CODEC_JSON)
		n = check_json(reply);
	else
		n = check_lines(reply, out == CODEC_JSONLINES);
	if (codec_decode(in, body, len, in == CODEC_CSV ? NULL : "features",
					 &pi_malloc_allocator, &rows, err, sizeof(err)) != CODEC_OK ||
		rows->nrows != n || n == 0)
		abort();
	codec_result_free(rows);
}

/*
 * Splits an input of the "own headers" kind, "Content-Type\nAccept\nbody",
 * into malloc'd headers; returns where the body starts, or NULL when the
 * input is not of that shape
 */
static const uint8_t *
split_headers(const uint8_t *p, const uint8_t *end, char **content_type, char **accept)
{
	const uint8_t *nl1 = memchr(p, '\n', end - p);
	const uint8_t *nl2 = nl1 ? memchr(nl1 + 1, '\n', end - nl1 - 1) : NULL;

	if (nl2 == NULL)
		return NULL;
	*content_type = header_copy(p, nl1 - p);
	*accept = header_copy(nl1 + 1, nl2 - nl1 - 1);
	if (*content_type == NULL || *accept == NULL)
	{
		free(*content_type);
		free(*accept);
		return NULL;
	}
	return nl2 + 1;
}

/* Checks one input; aborts (a crash libFuzzer reports) on a broken rule */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *own_type = NULL,
			   *own_accept = NULL,
			   *body;
	const char *content_type,
			   *accept;
	const uint8_t *p = data + 1,
			   *end = data + size;
	size_t		len;
	MsReply		reply;

	if (size < 1)
		return 0;
	if (data[0] & 0x80)
	{
		p = split_headers(p, end, &own_type, &own_accept);
		if (p == NULL)
			return 0;
		content_type = own_type;
		accept = own_accept;
	}
	else
	{
		content_type = content_types[data[0] & 3];
		accept = accepts[(data[0] >> 2) & 3];
	}
	/* a copy of exactly the body's size, so that reading past it is caught */
	len = end - p;
	body = malloc(len);
	memcpy(body, p, len);
	ms_invoke(forest_once(), content_type, accept, body, len, &reply);
	if (reply.body == NULL || reply.content_type == NULL)
		abort();
	if (reply.status == 200)
		check_scores(&reply, content_type, accept, body, len);
	else if (reply.status == 400 || reply.status == 406 || reply.status == 415 ||
			 reply.status == 503)
		check_error(&reply);
	else
		abort();
	ms_reply_free(&reply);
	free(body);
	free(own_type);
	free(own_accept);
	return 0;
}

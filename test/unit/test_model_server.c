/*-------------------------------------------------------------------------
 *
 * test_model_server.c
 *	  Unit tests of the model server's HTTP-free parts (server/ms_model.c,
 *	  server/ms_invoke.c).
 *
 * A model is trained with the RCF core and written in the three export
 * forms; each must load into a forest that scores exactly as the core's
 * own decode of the bytes, and damaged files must be refused with their
 * reason.  Requests in each format and Accept are answered with those
 * exact scores; each kind of bad input gets its status and message.
 * Several threads answering requests on one forest at once must get the
 * answers of a single thread.
 *
 * IDENTIFICATION
 *	  test/unit/test_model_server.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model_server.h"
#include "unit.h"

#define DIMS		3
#define THREADS		4
#define ROUNDS		50

/* The points asked about in every test */
static const double probes[4][DIMS] = {
	{0.1, 0.2, 0.3}, {5.0, -5.0, 5.0}, {0.5, 0.5, 0.5}, {-1.25, 0.75, 2.0}
};

/* Model bytes of a forest trained on a deterministic cloud of points */
static uint8_t *
train_model(int dims, size_t *len)
{
	RcfParams	params = {50, 64, dims, 0.0, 7};
	RcfSampler *sampler = rcf_sampler_create(&params, 0, &pi_malloc_allocator);
	double		point[DIMS];
	uint8_t    *bytes;
	int			i,
				d;

	for (i = 0; i < 2000; i++)
	{
		for (d = 0; d < dims; d++)
			point[d] = sin(i * (d + 1) * 0.37) + 0.001 * i;
		rcf_sampler_add(sampler, point);
	}
	*len = rcf_model_size(sampler);
	bytes = malloc(*len + 1);
	rcf_model_write(sampler, bytes);
	bytes[*len] = 0;
	rcf_sampler_free(sampler);
	return bytes;
}

/* The bytea hex text psql prints for the bytes, with a line end */
static char *
hex_text(const uint8_t *bytes, size_t len)
{
	char	   *text = malloc(2 * len + 4);
	size_t		i;

	strcpy(text, "\\x");
	for (i = 0; i < len; i++)
		sprintf(text + 2 + 2 * i, "%02x", bytes[i]);
	strcat(text, "\n");
	return text;
}

/* Whether a forest scores the probes exactly as the reference does */
static bool
scores_equal(const RcfForest *forest, const RcfForest *ref)
{
	int			i;

	for (i = 0; i < 4; i++)
		if (rcf_forest_score(forest, probes[i]) != rcf_forest_score(ref, probes[i]))
			return false;
	return true;
}

/* Loads text through ms_model_decode and compares it with the reference */
static void
check_form(const char *form, const char *text, size_t len, const RcfForest *ref)
{
	char		err[MS_MESSAGE_SIZE] = "";
	RcfForest  *forest = ms_model_decode(text, len, err, sizeof(err));

	CHECK(forest != NULL, "the %s form loads (%s)", form, err);
	if (forest != NULL)
	{
		CHECK(scores_equal(forest, ref), "the %s form scores as the core's decode", form);
		rcf_forest_free(forest);
	}
}

/* Loads text that must be refused, with a message holding want */
static void
check_refused(const char *what, const char *text, size_t len, const char *want)
{
	char		err[MS_MESSAGE_SIZE] = "";
	RcfForest  *forest = ms_model_decode(text, len, err, sizeof(err));

	CHECK(forest == NULL && strstr(err, want) != NULL,
		  "%s is refused: \"%s\"", what, err);
	if (forest != NULL)
		rcf_forest_free(forest);
}

/* The export forms, and damaged files */
static void
test_model_files(const uint8_t *bytes, size_t len, const RcfForest *ref)
{
	char	   *hex = hex_text(bytes, len);
	char	   *json = rcf_model_to_json(bytes, len, &pi_malloc_allocator);
	char		err[MS_MESSAGE_SIZE] = "";
	char	   *copy;

	check_form("binary", (const char *) bytes, len, ref);
	check_form("hex", hex, strlen(hex), ref);
	check_form("JSON", json, strlen(json), ref);
	copy = malloc(strlen(hex) + 2);
	sprintf(copy, "\\%s", hex);
	check_form("COPY text (\\\\x)", copy, strlen(copy), ref);
	free(copy);

	check_refused("a truncated binary file", (const char *) bytes, len - 7, "truncated rcf model");
	check_refused("a binary file with trailing bytes", (const char *) bytes, len + 1, "trailing bytes");
	hex[strlen(hex) - 2] = '\0';	/* drops a digit and the line end */
	check_refused("a hex file missing a digit", hex, strlen(hex), "odd number of digits");
	hex[20] = 'g';
	check_refused("a hex file with a bad digit", hex, strlen(hex) - 1, "not a hex digit at byte 20");
	copy = hex_text(bytes, len / 2);
	check_refused("a truncated hex file", copy, strlen(copy), "truncated rcf model");
	free(copy);
	copy = strdup(json);
	copy[strlen(copy) / 2] = '\0';
	check_refused("a truncated JSON file", copy, strlen(copy), "byte");
	free(copy);
	check_refused("an empty file", " \n", 2, "the file is empty");
	check_refused("another file", "hello\n", 6, "not an exported rcf_model");
	check_refused("bytes that are not a model", "\\x00010203", 10, "not an rcf model");
	CHECK(ms_model_load("/nonexistent/model.rcf", err, sizeof(err)) == NULL &&
		  strstr(err, "cannot open it") != NULL, "a missing file is refused: \"%s\"", err);
	free(hex);
	free(json);
}

/* Answers one request; the reply's body as a string */
static int
invoke(const RcfForest *forest, const char *type, const char *accept,
	   const char *body, MsReply *reply)
{
	ms_invoke(forest, type, accept, body, strlen(body), reply);
	return reply->status;
}

/* The probes' scores in a reply format, as the server writes them */
static bool
reply_has_scores(const MsReply *reply, const RcfForest *ref, int n,
				 const char *prefix, const char *sep, const char *suffix)
{
	const char *p = reply->body;
	char	   *end;
	int			i;

	if (strncmp(p, prefix, strlen(prefix)) != 0)
		return false;
	p += strlen(prefix);
	for (i = 0; i < n; i++)
	{
		if (strtod(p, &end) != rcf_forest_score(ref, probes[i]))
			return false;
		p = end;
		if (strncmp(p, i < n - 1 ? sep : suffix, strlen(i < n - 1 ? sep : suffix)) != 0)
			return false;
		p += strlen(i < n - 1 ? sep : suffix);
	}
	return *p == '\0';
}

/* The request formats and the reply formats */
static void
test_formats(const RcfForest *forest)
{
	const char *csv = "0.1,0.2,0.3\n5,-5,5\n0.5,0.5,0.5\n-1.25,0.75,2\n";
	const char *json = "{\"instances\":[{\"features\":[0.1,0.2,0.3]},{\"features\":[5,-5,5]},"
		"{\"features\":[0.5,0.5,0.5]},{\"features\":[-1.25,0.75,2.0]}]}";
	const char *jsonl = "{\"features\":[0.1,0.2,0.3]}\n{\"features\":[5,-5,5]}\n"
		"{\"features\":[0.5,0.5,0.5]}\r\n{\"features\":[-1.25,0.75,2e0]}";
	MsReply		r;

	invoke(forest, "text/csv", "text/csv", csv, &r);
	CHECK(r.status == 200 && strcmp(r.content_type, "text/csv") == 0 &&
		  reply_has_scores(&r, forest, 4, "", "\n", "\n"),
		  "text/csv in and out: one exact score per line");
	ms_reply_free(&r);
	invoke(forest, "text/csv; charset=utf-8", NULL, csv, &r);
	CHECK(r.status == 200 && strcmp(r.content_type, "application/json") == 0 &&
		  reply_has_scores(&r, forest, 4, "{\"scores\":[{\"score\":", "},{\"score\":", "}]}"),
		  "no Accept: {\"scores\":[{\"score\":...}]}");
	ms_reply_free(&r);
	invoke(forest, "application/json", "application/json", json, &r);
	CHECK(r.status == 200 && reply_has_scores(&r, forest, 4, "{\"scores\":[{\"score\":", "},{\"score\":", "}]}"),
		  "application/json in and out");
	ms_reply_free(&r);
	invoke(forest, "application/jsonlines", "application/jsonlines", jsonl, &r);
	CHECK(r.status == 200 && strcmp(r.content_type, "application/jsonlines") == 0 &&
		  reply_has_scores(&r, forest, 4, "{\"score\":", "}\n{\"score\":", "}\n"),
		  "application/jsonlines in and out");
	ms_reply_free(&r);
	invoke(forest, "application/json", "text/csv", json, &r);
	CHECK(r.status == 200 && reply_has_scores(&r, forest, 4, "", "\n", "\n"),
		  "application/json in, text/csv out");
	ms_reply_free(&r);
}

/* Accept headers and the reply format they pick */
static void
test_accept(void)
{
	CHECK(ms_accept_format(NULL) == CODEC_JSON, "no Accept: JSON");
	CHECK(ms_accept_format("*/*") == CODEC_JSON, "*/*: JSON");
	CHECK(ms_accept_format("text/*") == CODEC_CSV, "text/*: CSV");
	CHECK(ms_accept_format("image/png, application/jsonlines") == CODEC_JSONLINES,
		  "the first format the server writes");
	CHECK(ms_accept_format("text/csv;q=0.5, application/jsonlines") == CODEC_JSONLINES,
		  "the highest quality wins");
	CHECK(ms_accept_format("application/json; q=0, TEXT/CSV") == CODEC_CSV,
		  "q=0 is refused, case is ignored");
	CHECK(ms_accept_format("image/png") == -1, "nothing acceptable: -1");
}

/* Sends a bad request; checks its status and that the message holds want */
static void
check_bad(const RcfForest *forest, const char *type, const char *accept,
		  const char *body, int status, const char *want)
{
	MsReply		r;

	invoke(forest, type, accept, body, &r);
	CHECK(r.status == status && strstr(r.body, want) != NULL &&
		  strcmp(r.content_type, "application/json") == 0,
		  "%d for %s", status, want);
	if (r.status != status || strstr(r.body, want) == NULL)
		printf("#   got %d %s", r.status, r.body);
	ms_reply_free(&r);
}

/* Bad requests */
static void
test_bad_requests(const RcfForest *forest)
{
	check_bad(forest, "text/csv", NULL, "1,2\n", 400,
			  "row 1 has 2 values, but the model takes points of 3 dimensions");
	check_bad(forest, "text/csv", NULL, "1,2,3\n1,2,3,4\n", 400, "row 2 has 4 values");
	check_bad(forest, "text/csv", NULL, "1,2,3\n1,abc,3\n", 400,
			  "row 2, value 2 (\\\"abc\\\") is not a number");
	check_bad(forest, "text/csv", NULL, "1,NaN,3\n", 400, "value 2 (\\\"NaN\\\") is not finite");
	check_bad(forest, "text/csv", NULL, "1,-inf,3\n", 400, "is not finite");
	check_bad(forest, "text/csv", NULL, "1,0x10,3\n", 400, "is not a decimal number");
	check_bad(forest, "text/csv", NULL, "1,1e999,3\n", 400, "out of range for a double");
	check_bad(forest, "text/csv", NULL, "1,,3\n", 400, "row 1, value 2 is empty");
	check_bad(forest, "text/csv", NULL, "1,\"2,3\n", 400, "unterminated quoted field");
	check_bad(forest, "text/csv", NULL, "", 400, "holds no rows");
	check_bad(forest, "text/csv", NULL, "\n\n", 400, "holds no rows");
	check_bad(forest, "application/json", NULL, "", 400, "application/json body: malformed JSON");
	check_bad(forest, "application/json", NULL, "{\"instances\":[{\"features\":[1,2,3]},", 400,
			  "malformed JSON at byte");
	check_bad(forest, "application/json", NULL, "{\"instances\":[{\"features\":[1,\"2\",3]}]}", 400,
			  "value 2 (\\\"2\\\") is a string, not a number");
	check_bad(forest, "application/json", NULL, "{\"instances\":[{\"features\":[1,null,3]}]}", 400,
			  "row 1, value 2 is null");
	check_bad(forest, "application/json", NULL, "{\"instances\":[{\"features\":[1,true,3]}]}", 400,
			  "value 2 (true) is not a number");
	check_bad(forest, "application/json", NULL, "{\"instances\":[{\"features\":1}]}", 400,
			  "row 1: \\\"features\\\" must be an array of 3 numbers");
	check_bad(forest, "application/json", NULL, "{\"instances\":[{\"data\":[1,2,3]}]}", 400,
			  "row 1 has no field \\\"features\\\"");
	check_bad(forest, "application/jsonlines", NULL, "{\"features\":[1,2,3]}\n{\"features\":[1,2,[3]]}\n", 400,
			  "row 2, value 3 ([3]) is an array");
	check_bad(forest, "text/plain", NULL, "1,2,3\n", 415, "unsupported Content-Type \\\"text/plain\\\"");
	check_bad(forest, NULL, NULL, "1,2,3\n", 415, "unsupported Content-Type");
	check_bad(forest, "text/csv", "image/png", "1,2,3\n", 406, "no acceptable reply format");
	/* bytes that are not UTF-8, quoted in a message, become '?' */
	check_bad(forest, "text/\x92" "csv", NULL, "1,2,3\n", 415, "\\\"text/?csv\\\"");
	check_bad(forest, "text/csv", NULL, "1,\xff\xc3\xa9\xe2\x82,3\n", 400,
			  "value 2 (\\\"?\xc3\xa9??\\\") is not a number");
	check_bad(forest, "text/csv", NULL, "1,\xed\xa0\x80\xc0\xaf,3\n", 400,
			  "value 2 (\\\"?????\\\")");
}

/* A one-dimensional model: a CSV line of one field is a point */
static void
test_one_dimension(void)
{
	size_t		len;
	uint8_t    *bytes = train_model(1, &len);
	char		err[MS_MESSAGE_SIZE] = "";
	RcfForest  *forest = ms_model_decode((const char *) bytes, len, err, sizeof(err));
	double		x = 0.25;
	MsReply		r;

	invoke(forest, "text/csv", "text/csv", "0.25\n", &r);
	CHECK(r.status == 200 && strtod(r.body, NULL) == rcf_forest_score(forest, &x),
		  "one dimension: a one-field CSV line is scored");
	ms_reply_free(&r);
	rcf_forest_free(forest);
	free(bytes);
}

/* What the threads share: the forest, the request and the expected reply */
typedef struct ThreadCase
{
	const RcfForest *forest;
	const char *body;
	const char *expected;
	int			mismatches;
} ThreadCase;

/* A thread's work: answers the request ROUNDS times, counting mismatches */
static void *
thread_main(void *arg)
{
	ThreadCase *tc = arg;
	MsReply		r;
	int			i;

	for (i = 0; i < ROUNDS; i++)
	{
		invoke(tc->forest, "text/csv", "text/csv", tc->body, &r);
		if (r.status != 200 || strcmp(r.body, tc->expected) != 0)
			tc->mismatches++;
		ms_reply_free(&r);
	}
	return NULL;
}

/* Several threads scoring on one forest get what one thread gets */
static void
test_threads(const RcfForest *forest)
{
	char	   *body = malloc(500 * 40);
	pthread_t	threads[THREADS];
	ThreadCase	cases[THREADS];
	MsReply		ref;
	int			i,
				bad = 0;

	body[0] = '\0';
	for (i = 0; i < 500; i++)
		sprintf(body + strlen(body), "%g,%g,%g\n", sin(i), cos(i * 0.5), i * 0.01);
	invoke(forest, "text/csv", "text/csv", body, &ref);
	for (i = 0; i < THREADS; i++)
	{
		cases[i] = (ThreadCase) {forest, body, ref.body, 0};
		pthread_create(&threads[i], NULL, thread_main, &cases[i]);
	}
	for (i = 0; i < THREADS; i++)
	{
		pthread_join(threads[i], NULL);
		bad += cases[i].mismatches;
	}
	CHECK(ref.status == 200 && bad == 0,
		  "%d threads x %d requests of 500 rows on one forest: %d replies differ from one thread's",
		  THREADS, ROUNDS, bad);
	ms_reply_free(&ref);
	free(body);
}

int
main(void)
{
	size_t		len;
	uint8_t    *bytes = train_model(DIMS, &len);
	const char *err = NULL;
	RcfForest  *ref = rcf_forest_decode(bytes, len, &pi_malloc_allocator, &err);

	printf("# model server\n");
	test_model_files(bytes, len, ref);
	test_formats(ref);
	test_accept();
	test_bad_requests(ref);
	test_one_dimension();
	test_threads(ref);
	rcf_forest_free(ref);
	free(bytes);
	return unit_done();
}

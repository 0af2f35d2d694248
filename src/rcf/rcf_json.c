/*-------------------------------------------------------------------------
 *
 * rcf_json.c
 *	  Readable JSON form of a Random Cut Forest model: the writer, and a
 *	  strict parser that gives back the exact model bytes.
 *
 * rcf_model_from_json's message names a byte offset, so it is allocated
 * with the allocator rather than static (*len also gets the offset).
 *
 * No PostgreSQL header is included here; see rcf_forest.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*--- JSON form --------------------------------------------------------------*/

/* writes the "samples" array of trees of points */
static void
json_put_samples(PiBuf *o, RcfReader *r, const RcfModelInfo *info,
				 const int16_t *exps, float *pts)
{
	int32_t		dims = info->params.dims;
	int32_t		t,
				i,
				d,
				n;

	pi_buf_printf(o, "\"samples\":[");
	for (t = 0; t < info->params.num_trees; t++)
	{
		(void) rcf_model_read_tree(r, info, exps, &n, pts);
		pi_buf_printf(o, t ? ",[" : "[");
		for (i = 0; i < n; i++)
		{
			pi_buf_printf(o, i ? ",[" : "[");
			for (d = 0; d < dims; d++)
				pi_buf_printf(o, d ? ",%.9g" : "%.9g", (double) pts[(size_t) i * dims + d]);
			pi_buf_printf(o, "]");
		}
		pi_buf_printf(o, "]");
	}
	pi_buf_printf(o, "]}");
}

/* Readable JSON form of a model; NULL if the bytes are not a valid model */
char *
rcf_model_to_json(const uint8_t *buf, size_t len, const RcfAllocator *allocator)
{
	RcfModelInfo info;
	int16_t		exps[RCF_MAX_DIMS];
	RcfReader	r = {buf, len, true, NULL};
	PiBuf		o;
	float	   *pts;

	if (buf == NULL || rcf_model_parse(buf, len, &info, exps) != NULL)
		return NULL;
	pi_buf_init(&o, allocator);
	/* room for the usual length, so that the buffer seldom grows */
	pi_buf_reserve(&o, 512 + 4 * (size_t) info.params.num_trees +
				   (size_t) info.samples * (3 + 17 * (size_t) info.params.dims));
	pts = pi_alloc(allocator, sizeof(float) * info.params.sample_size *
					(size_t) info.params.dims);
	pi_buf_printf(&o, "{\"version\":%u,\"trees\":%d,\"sample_size\":%d,\"dims\":%d,"
			 "\"time_decay\":%.17g,\"seed\":%" PRIu64 ",\"points_seen\":%" PRId64 ",",
			 (unsigned) info.version, info.params.num_trees,
			 info.params.sample_size, info.params.dims,
			 info.params.time_decay, info.params.seed, info.points_seen);
	if (info.version >= 2)
		pi_buf_printf(&o, "\"score_count\":%d,\"score_mean\":%.17g,"
					  "\"score_sd\":%.17g,", info.scores.count,
					  info.scores.mean, info.scores.sd);
	(void) rcf_model_read_header(&r, &info, exps);
	json_put_samples(&o, &r, &info, exps, pts);
	pi_free(allocator, pts);
	return pi_buf_steal(&o);
}

/* keys of the JSON form */
enum
{
	/* trees to time_decay in RcfParamField order */
	JK_VERSION, JK_TREES, JK_SAMPLE_SIZE, JK_DIMS, JK_TIME_DECAY, JK_SEED,
	JK_POINTS_SEEN, JK_SAMPLES,
	/* version 2 only */
	JK_SCORE_COUNT, JK_SCORE_MEAN, JK_SCORE_SD, JK_COUNT
};

static const char *const json_keys[JK_COUNT] = {
	"version", "trees", "sample_size", "dims", "time_decay", "seed",
	"points_seen", "samples", "score_count", "score_mean", "score_sd"
};

/* state of the strict JSON parser */
typedef struct JsonParser
{
	const char *s;
	size_t		len;			/* of s */
	size_t		pos;
	const char *err;			/* first error, at err_pos */
	size_t		err_pos;
	const RcfAllocator *a;
	bool		have[JK_COUNT];
	size_t		key_pos[JK_COUNT];	/* where each key's value starts */
	int64_t		ints[JK_COUNT];
	uint64_t	seed;
	double		time_decay;
	RcfScoreStats scores;
	PiBuf		values;			/* all points of all trees, as floats */
	int32_t		tree_count[RCF_MAX_TREES];
	int32_t		tree_start[RCF_MAX_TREES];	/* in points */
	int32_t		ntrees;
	int32_t		npoints;
	int32_t		point_len;		/* values per point, -1 until known */
} JsonParser;

/* records the first error at the current position; false for chaining */
static bool
json_fail(JsonParser *jp, const char *what)
{
	if (jp->err == NULL)
	{
		jp->err = what;
		jp->err_pos = jp->pos;
	}
	return false;
}

/* skips JSON white space */
static void
json_ws(JsonParser *jp)
{
	while (jp->s[jp->pos] == ' ' || jp->s[jp->pos] == '\t' ||
		   jp->s[jp->pos] == '\n' || jp->s[jp->pos] == '\r')
		jp->pos++;
}

/* consumes character c (after white space) or fails */
static bool
json_expect(JsonParser *jp, char c)
{
	json_ws(jp);
	if (jp->s[jp->pos] != c)
		return json_fail(jp, "unexpected character");
	jp->pos++;
	return true;
}

/* scans a JSON number; *integral tells whether it has no fraction/exponent */
static bool
json_scan_number(JsonParser *jp, bool *integral)
{
	size_t		n = pi_json_number_len(jp->s + jp->pos, jp->len - jp->pos,
									   integral);

	if (n == 0)
		return json_fail(jp, "invalid number");
	jp->pos += n;
	return true;
}

/* parses a number as a double */
static bool
json_double(JsonParser *jp, double *v)
{
	size_t		start;
	bool		integral;
	char	   *end;

	json_ws(jp);
	start = jp->pos;
	if (!json_scan_number(jp, &integral))
		return false;
	*v = strtod(jp->s + start, &end);
	if (end != jp->s + jp->pos)
	{
		jp->pos = start;
		return json_fail(jp, "invalid number");
	}
	return true;
}

/* parses a non-negative integer that fits in a uint64 */
static bool
json_uint(JsonParser *jp, uint64_t *v)
{
	size_t		start;

	json_ws(jp);
	start = jp->pos;
	*v = 0;
	if (jp->s[jp->pos] < '0' || jp->s[jp->pos] > '9')
		return json_fail(jp, "expected a non-negative integer");
	while (jp->s[jp->pos] >= '0' && jp->s[jp->pos] <= '9')
	{
		uint64_t	digit = (uint64_t) (jp->s[jp->pos] - '0');

		if (*v > (UINT64_MAX - digit) / 10 ||
			(jp->pos > start && *v == 0))
		{
			jp->pos = start;
			return json_fail(jp, (*v == 0) ? "invalid number" : "number out of range");
		}
		*v = *v * 10 + digit;
		jp->pos++;
	}
	if (strchr(".eE", jp->s[jp->pos]) != NULL && jp->s[jp->pos] != '\0')
		return json_fail(jp, "expected an integer");
	return true;
}

/* parses one point: an array of numbers, all points of the same length */
static bool
json_point(JsonParser *jp)
{
	int32_t		n = 0;
	double		v;
	size_t		start;

	if (!json_expect(jp, '['))
		return false;
	start = jp->pos - 1;
	do
	{
		if (!json_double(jp, &v))
			return false;
		/* the writer's %.9g of a float near FLT_MAX reads back a bit above */
		if (!isfinite((float) v))
			return json_fail(jp, "value out of range");
		if (++n > RCF_MAX_DIMS)
			return json_fail(jp, "too many values in a point");
		{
			float		f = (float) v;

			pi_buf_append(&jp->values, &f, sizeof(f));
		}
		json_ws(jp);
	} while (jp->s[jp->pos] == ',' && ++jp->pos);
	if (!json_expect(jp, ']'))
		return false;
	if (jp->point_len >= 0 && n != jp->point_len)
	{
		jp->pos = start;
		return json_fail(jp, "points of different lengths");
	}
	jp->point_len = n;
	jp->npoints++;
	return true;
}

/* parses one tree: an array of points */
static bool
json_tree(JsonParser *jp)
{
	int32_t		t = jp->ntrees;

	if (t >= RCF_MAX_TREES)
		return json_fail(jp, "too many trees");
	if (!json_expect(jp, '['))
		return false;
	jp->tree_start[t] = jp->npoints;
	jp->tree_count[t] = 0;
	jp->ntrees++;
	json_ws(jp);
	if (jp->s[jp->pos] == ']')
		return json_expect(jp, ']');
	do
	{
		if (jp->tree_count[t] >= RCF_MAX_SAMPLE_SIZE)
			return json_fail(jp, "too many points in a tree");
		if (!json_point(jp))
			return false;
		jp->tree_count[t]++;
		json_ws(jp);
	} while (jp->s[jp->pos] == ',' && ++jp->pos);
	return json_expect(jp, ']');
}

/* parses the "samples" value: an array of trees */
static bool
json_samples(JsonParser *jp)
{
	if (!json_expect(jp, '['))
		return false;
	json_ws(jp);
	if (jp->s[jp->pos] == ']')
		return json_expect(jp, ']');
	do
	{
		if (!json_tree(jp))
			return false;
		json_ws(jp);
	} while (jp->s[jp->pos] == ',' && ++jp->pos);
	return json_expect(jp, ']');
}

/* parses a key string; returns its index or -1 */
static int
json_key(JsonParser *jp)
{
	size_t		start;
	int			k;

	if (!json_expect(jp, '"'))
		return -1;
	start = jp->pos;
	while ((jp->s[jp->pos] >= 'a' && jp->s[jp->pos] <= 'z') ||
		   jp->s[jp->pos] == '_')
		jp->pos++;
	for (k = 0; k < JK_COUNT; k++)
		if (strlen(json_keys[k]) == jp->pos - start &&
			memcmp(json_keys[k], jp->s + start, jp->pos - start) == 0)
			break;
	if (jp->s[jp->pos] != '"')
		return json_fail(jp, "unexpected character"), -1;
	jp->pos = start - 1;
	if (k == JK_COUNT)
		return json_fail(jp, "unknown key"), -1;
	if (jp->have[k])
		return json_fail(jp, "duplicate key"), -1;
	jp->pos = start + strlen(json_keys[k]) + 1;
	jp->have[k] = true;
	jp->key_pos[k] = start - 1;
	return k;
}

/* parses the value of key k */
static bool
json_value(JsonParser *jp, int k)
{
	uint64_t	u;

	jp->ints[k] = 0;
	if (k == JK_SAMPLES)
		return json_samples(jp);
	if (k == JK_TIME_DECAY)
		return json_double(jp, &jp->time_decay);
	if (k == JK_SCORE_MEAN)
		return json_double(jp, &jp->scores.mean);
	if (k == JK_SCORE_SD)
		return json_double(jp, &jp->scores.sd);
	if (!json_uint(jp, &u))
		return false;
	if (k == JK_SEED)
		jp->seed = u;
	else if (u > (uint64_t) INT64_MAX ||
			 (k != JK_POINTS_SEEN && u > (uint64_t) INT32_MAX))
		return json_fail(jp, "number out of range");
	jp->ints[k] = (int64_t) u;
	return true;
}

/* parses the whole object: the fixed keys in any order, each once */
static bool
json_object(JsonParser *jp)
{
	int			k;

	if (!json_expect(jp, '{'))
		return false;
	do
	{
		if ((k = json_key(jp)) < 0 || !json_expect(jp, ':') ||
			!json_value(jp, k))
			return false;
		json_ws(jp);
	} while (jp->s[jp->pos] == ',' && ++jp->pos);
	if (!json_expect(jp, '}'))
		return false;
	json_ws(jp);
	if (jp->s[jp->pos] != '\0')
		return json_fail(jp, "unexpected character");
	for (k = 0; k < JK_SCORE_COUNT; k++)
		if (!jp->have[k])
			return json_fail(jp, "missing key");
	return true;
}

/* point count of a parsed tree */
static int32_t
json_count(const void *ctx, int32_t t)
{
	return ((const JsonParser *) ctx)->tree_count[t];
}

/* i-th point of a parsed tree */
static const float *
json_point_at(const void *ctx, int32_t t, int32_t i)
{
	const JsonParser *jp = ctx;

	return (const float *) jp->values.data +
		((size_t) jp->tree_start[t] + i) * jp->point_len;
}

/*
 * checks the score statistics: all three in version 2, none in version 1;
 * NULL when right
 */
static const char *
json_check_scores(JsonParser *jp, const RcfParams *params, int *key)
{
	bool		v2 = jp->ints[JK_VERSION] >= 2;
	int			k;

	for (k = JK_SCORE_COUNT; k < JK_COUNT; k++)
	{
		*key = k;
		if (jp->have[k] && !v2)
			return "score statistics need version 2";
		if (!jp->have[k] && v2)
		{
			*key = JK_VERSION;
			return "version 2 needs score_count, score_mean and score_sd";
		}
	}
	jp->scores.count = (int32_t) jp->ints[JK_SCORE_COUNT];
	*key = JK_SCORE_COUNT;
	if (jp->ints[JK_SCORE_COUNT] >
		(int64_t) params->num_trees * params->sample_size)
		return "score count out of range";
	*key = JK_SCORE_MEAN;
	if (!isfinite(jp->scores.mean))
		return "score mean out of range";
	*key = JK_SCORE_SD;
	if (!isfinite(jp->scores.sd) || jp->scores.sd < 0)
		return "score sd out of range";
	return NULL;
}

/* checks the parsed values against each other; NULL when consistent */
static const char *
json_check(JsonParser *jp, RcfParams *params, int *key)
{
	const char *err;
	int32_t		t;

	params->num_trees = (int32_t) jp->ints[JK_TREES];
	params->sample_size = (int32_t) jp->ints[JK_SAMPLE_SIZE];
	params->dims = (int32_t) jp->ints[JK_DIMS];
	params->time_decay = jp->time_decay;
	params->seed = jp->seed;
	*key = JK_VERSION;
	if (jp->ints[JK_VERSION] != RCF_MODEL_VERSION &&
		jp->ints[JK_VERSION] != RCF_MODEL_VERSION_1)
		return "unsupported rcf model version";
	if ((err = rcf_params_check(params)) != NULL)
	{
		*key = JK_TREES + rcf_params_bad_field(params);
		return err;
	}
	if ((err = json_check_scores(jp, params, key)) != NULL)
		return err;
	*key = JK_SAMPLES;
	if (jp->ntrees != params->num_trees)
		return "number of sample arrays differs from \"trees\"";
	if (jp->npoints > 0 && jp->point_len != params->dims)
		return "point length differs from \"dims\"";
	for (t = 0; t < jp->ntrees; t++)
		if (jp->tree_count[t] > params->sample_size ||
			jp->tree_count[t] > jp->ints[JK_POINTS_SEEN])
			return "too many points in a tree";
	return NULL;
}

/* formats "what at byte N" with the allocator */
static const char *
json_error(const RcfAllocator *a, const char *what, size_t pos)
{
	size_t		len = strlen(what) + 40;
	char	   *msg = pi_alloc(a, len);

	snprintf(msg, len, "%s at byte %zu", what, pos);
	return msg;
}

/*
 * Model bytes from the JSON form.  On error returns NULL and sets *err to a
 * message naming the byte offset; that message is allocated with the
 * allocator (a palloc'd string in the backend), and *len is set to the
 * offset.
 */
uint8_t *
rcf_model_from_json(const char *json, size_t *len,
					const RcfAllocator *allocator, const char **err)
{
	JsonParser *jp = pi_alloc(allocator, sizeof(JsonParser));
	RcfParams	params;
	RcfSource	src = {jp, json_count, json_point_at};
	uint8_t    *buf = NULL;
	const char *what;
	int			key;

	memset(jp, 0, sizeof(JsonParser));
	jp->s = json;
	jp->len = strlen(json);
	jp->a = allocator;
	pi_buf_init(&jp->values, allocator);
	jp->point_len = -1;
	*err = NULL;
	if (!json_object(jp))
		*err = json_error(allocator, jp->err, *len = jp->err_pos);
	else if ((what = json_check(jp, &params, &key)) != NULL)
		*err = json_error(allocator, what, *len = jp->key_pos[key]);
	else
	{
		RcfModelInfo head = {.params = params,
			.version = (uint32_t) jp->ints[JK_VERSION],
		.points_seen = jp->ints[JK_POINTS_SEEN], .scores = jp->scores};

		*len = rcf_model_bytes(head.version, params.num_trees, params.dims,
							   jp->npoints);
		buf = pi_alloc(allocator, *len);
		rcf_model_encode(&head, &src, buf);
	}
	pi_buf_free(&jp->values);
	pi_free(allocator, jp);
	return buf;
}

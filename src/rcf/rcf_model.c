/*-------------------------------------------------------------------------
 *
 * rcf_model.c
 *	  The serialised model of the Random Cut Forest core: half-float
 *	  encoding with a per-dimension scale, writing, validation and reading.
 *
 * Model bytes.  "RCFM", uint16 version, uint16 flags (0), the parameters,
 * points seen, in version 2 the score statistics of the training sample
 * (uint32 count, float64 mean, float64 sd), one int16 scale exponent e[d]
 * per dimension, then per tree a uint16 point count and its points as IEEE
 * binary16 values of x / 2^e[d].  All integers are little-endian.  Version
 * 1 (no score statistics) is read as before and never written.  Trees are always built from the decoded
 * (half-rounded) points, in stored order, with a per-tree random stream, so
 * that decoding the same bytes twice gives identical trees.
 *
 * No PostgreSQL header is included here; see rcf_forest.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define MODEL_MAGIC		"RCFM"
#define MODEL_HEADER	(8 + PARAMS_BYTES + 8)
#define SCORES_BYTES	20		/* version 2: count, mean, sd */
#define HALF_MAX		65504.0
/* the least value a binary16 rounds to infinity (65504 + half its ulp) */
#define HALF_ROUND_UP	65520.0
#define EXP_LIMIT		200
/* the largest scale exponent whose halves are all finite floats: 65504 *
 * 2^112 = 2^128 - 2^117 <= FLT_MAX = 2^128 - 2^104 */
#define TOP_EXP			(FLT_MAX_EXP - 16)

/*--- Half floats and the per-dimension scale ---------------------------------*/

/* nearest binary16 of v (ties to even); |v| must stay below 65520 */
uint16_t
rcf_half_from_double(double v)
{
	uint16_t	sign = signbit(v) ? 0x8000 : 0;
	double		a = fabs(v);
	double		mant;
	int			e;

	if (a < 0x1p-14)
		return sign | (uint16_t) nearbyint(a * 0x1p24);
	mant = nearbyint(frexp(a, &e) * 2048.0);	/* 1024..2048 */
	if (mant >= 2048.0)
	{
		mant = 1024.0;
		e++;
	}
	if (e + 14 >= 31)
		return sign | 0x7c00;
	return sign | (uint16_t) ((e + 14) << 10) | (uint16_t) (mant - 1024.0);
}

/* value of a binary16 that is not Inf or NaN */
double
rcf_half_to_double(uint16_t h)
{
	int			e = (h >> 10) & 0x1f;
	double		v;

	if (e == 0)
		v = ldexp((double) (h & 0x3ff), -24);
	else
		v = ldexp((double) ((h & 0x3ff) | 0x400), e - 25);
	return (h & 0x8000) ? -v : v;
}

/*
 * The half standing for x at scale exponent e: x / 2^e to nearest, held
 * within the finite halves (it only goes beyond them at TOP_EXP, for x
 * above 65504 * 2^TOP_EXP).
 */
uint16_t
rcf_half_encode(double x, int e)
{
	return rcf_half_from_double(fmax(-HALF_MAX, fmin(ldexp(x, -e), HALF_MAX)));
}

/*
 * The scale exponent for the largest |x| m: the finest at which m is held
 * to a finite half, but no more than TOP_EXP.  Without that cap, x near
 * FLT_MAX (3.402e38) took exponent 113, where it rounded up to the half
 * 32768, which decodes to 2^128: a non-finite float the reader refused.
 *
 * m / 2^e up to HALF_ROUND_UP is held at 65504; choosing the coarser
 * exponent there instead (as a bound of 65504 would) made the encoding
 * not idempotent: m decoded to 65504 * 2^e, whose own exponent is the
 * finer one, so a model written as JSON and read back changed its bytes.
 */
static int
scale_exponent(double m)
{
	int			k;
	int			e;

	if (!(m > 0))
		return 0;
	(void) frexp(m, &k);
	e = ldexp(m, 16 - k) < HALF_ROUND_UP ? k - 16 : k - 15;
	return e < TOP_EXP ? e : TOP_EXP;
}

/*--- Model bytes ------------------------------------------------------------*/

/* Bytes a model of n trees with "points" points over "dims" takes */
size_t
rcf_model_bytes(uint32_t version, int32_t num_trees, int32_t dims,
				int64_t points)
{
	return MODEL_HEADER + (version >= 2 ? SCORES_BYTES : 0) +
		2 * (size_t) dims + 2 * (size_t) num_trees +
		2 * (size_t) dims * (size_t) points;
}

/* writes the score statistics of a version 2 header and advances */
static void
put_scores(uint8_t **p, const RcfScoreStats *scores)
{
	put_u32(p, (uint32_t) scores->count);
	put_f64(p, scores->mean);
	put_f64(p, scores->sd);
}

/* Writes score statistics into the header of version 2 model bytes */
void
rcf_model_put_scores(uint8_t *buf, const RcfScoreStats *scores)
{
	uint8_t    *p = buf + MODEL_HEADER;

	put_scores(&p, scores);
}

/* the scale exponent of each dimension: from the largest |x| stored */
static void
model_exponents(const RcfParams *p, const RcfSource *src, int16_t *exps)
{
	double		m[RCF_MAX_DIMS];
	int32_t		t,
				i,
				d;

	for (d = 0; d < p->dims; d++)
		m[d] = 0.0;
	for (t = 0; t < p->num_trees; t++)
	{
		int32_t		n = src->count(src->ctx, t);

		for (i = 0; i < n; i++)
		{
			const float *pt = src->point(src->ctx, t, i);

			for (d = 0; d < p->dims; d++)
				m[d] = fmax(m[d], fabs((double) pt[d]));
		}
	}
	for (d = 0; d < p->dims; d++)
		exps[d] = (int16_t) scale_exponent(m[d]);
}

/*
 * writes a model of head's version, parameters, points seen and (version 2)
 * score statistics: header, exponents, then each tree's points as halves
 */
void
rcf_model_encode(const RcfModelInfo *head, const RcfSource *src, uint8_t *buf)
{
	const RcfParams *p = &head->params;
	int16_t		exps[RCF_MAX_DIMS];
	int32_t		t,
				i,
				d;

	model_exponents(p, src, exps);
	memcpy(buf, MODEL_MAGIC, 4);
	buf += 4;
	put_u16(&buf, (uint16_t) head->version);
	put_u16(&buf, 0);
	rcf_params_put(&buf, p);
	put_u64(&buf, (uint64_t) head->points_seen);
	if (head->version >= 2)
		put_scores(&buf, &head->scores);
	for (d = 0; d < p->dims; d++)
		put_u16(&buf, (uint16_t) exps[d]);
	for (t = 0; t < p->num_trees; t++)
	{
		int32_t		n = src->count(src->ctx, t);

		put_u16(&buf, (uint16_t) n);
		for (i = 0; i < n; i++)
		{
			const float *pt = src->point(src->ctx, t, i);

			for (d = 0; d < p->dims; d++)
				put_u16(&buf, rcf_half_encode(pt[d], exps[d]));
		}
	}
}

/* point count of a sampler's tree */
static int32_t
sampler_count(const void *ctx, int32_t t)
{
	return ((const RcfSampler *) ctx)->res[t].heap.count;
}

/* i-th point of a sampler's tree, in heap order */
static const float *
sampler_point(const void *ctx, int32_t t, int32_t i)
{
	const RcfSampler *s = ctx;
	const RcfReservoir *res = &s->res[t];

	return res->points + (size_t) res->heap.slot[i] * s->params.dims;
}

/* Bytes the model of this sampler takes */
size_t
rcf_model_size(const RcfSampler *sampler)
{
	int64_t		points = 0;
	int32_t		t;

	for (t = 0; t < sampler->params.num_trees; t++)
		points += sampler->res[t].heap.count;
	return rcf_model_bytes(RCF_MODEL_VERSION, sampler->params.num_trees,
						   sampler->params.dims, points);
}

/*
 * Writes the model of this sampler into buf (rcf_model_size bytes), with no
 * score statistics yet (rcf_detect_learn adds them)
 */
void
rcf_model_write(const RcfSampler *sampler, uint8_t *buf)
{
	RcfSource	src = {sampler, sampler_count, sampler_point};

	rcf_model_encode(&(RcfModelInfo) {.params = sampler->params,
					 .version = RCF_MODEL_VERSION, .points_seen = sampler->seen},
					 &src, buf);
}

/* marks the item at "at" as the fault; returns why */
static const char *
fault_at(RcfReader *r, const uint8_t *at, const char *why)
{
	r->fault = at;
	return why;
}

/*
 * reads the score statistics of a version 2 header (none in version 1);
 * NULL when valid or truncated (the caller sees the reader failed)
 */
static const char *
read_scores(RcfReader *r, RcfModelInfo *info)
{
	const uint8_t *at = r->p;
	RcfScoreStats *s = &info->scores;

	memset(s, 0, sizeof(*s));
	if (info->version < 2)
		return NULL;
	s->count = (int32_t) get_u32(r);
	s->mean = get_f64(r);
	s->sd = get_f64(r);
	if (!r->ok)
		return NULL;
	if (s->count < 0 ||
		(int64_t) s->count > (int64_t) info->params.num_trees * info->params.sample_size)
		return fault_at(r, at, "corrupt rcf model: score count out of range");
	if (!isfinite(s->mean))
		return fault_at(r, at + 4, "corrupt rcf model: invalid score mean");
	if (!isfinite(s->sd) || s->sd < 0)
		return fault_at(r, at + 12, "corrupt rcf model: invalid score sd");
	return NULL;
}

/* reads the model header and exponents; NULL when valid, else why not */
const char *
rcf_model_read_header(RcfReader *r, RcfModelInfo *info, int16_t *exps)
{
	const uint8_t *magic = get_bytes(r, 4);
	const uint8_t *at = r->p;
	const uint8_t *exps_at;
	const char *err;
	int32_t		d;

	if (magic == NULL)
		return "truncated rcf model";
	if (memcmp(magic, MODEL_MAGIC, 4) != 0)
		return fault_at(r, magic, "not an rcf model");
	info->version = get_u16(r);
	if (r->ok && info->version != RCF_MODEL_VERSION &&
		info->version != RCF_MODEL_VERSION_1)
		return fault_at(r, at, "unsupported rcf model version");
	at = r->p;
	if (get_u16(r) != 0)
		return fault_at(r, r->ok ? at : NULL, "corrupt rcf model: unknown flags");
	at = r->p;
	if ((err = rcf_params_get(r, &info->params)) != NULL)
		return fault_at(r, r->ok ? at + 4 * rcf_params_bad_field(&info->params) :
						NULL, err);
	at = r->p;
	info->points_seen = (int64_t) get_u64(r);
	if ((err = read_scores(r, info)) != NULL)
		return err;
	exps_at = r->p;
	for (d = 0; d < info->params.dims; d++)
		exps[d] = (int16_t) get_u16(r);
	if (!r->ok)
		return "truncated rcf model";
	if (info->points_seen < 0)
		return fault_at(r, at, "corrupt rcf model: negative points seen");
	for (d = 0; d < info->params.dims; d++)
		if (exps[d] < -EXP_LIMIT || exps[d] > EXP_LIMIT)
			return fault_at(r, exps_at + 2 * d,
							"corrupt rcf model: scale exponent out of range");
	return NULL;
}

/* checks one tree's points (and decodes them into out when not NULL) */
const char *
rcf_model_read_tree(RcfReader *r, const RcfModelInfo *info,
					const int16_t *exps, int32_t *count, float *out)
{
	int32_t		dims = info->params.dims;
	const uint8_t *at = r->p;
	int32_t		n = get_u16(r);
	int32_t		i,
				d;

	if (!r->ok)
		return "truncated rcf model";
	if (n > info->params.sample_size || n > info->points_seen)
		return fault_at(r, at, "corrupt rcf model: too many points in a tree");
	if (r->left / (2 * (size_t) dims) < (size_t) n)
		return "truncated rcf model";
	for (i = 0; i < n; i++)
		for (d = 0; d < dims; d++)
		{
			float		v = half_decode(get_u16(r), exps[d]);

			if (!isfinite(v))
				return fault_at(r, r->p - 2, "corrupt rcf model: non-finite value");
			if (out != NULL)
				out[(size_t) i * dims + d] = v;
		}
	*count = n;
	return NULL;
}

/*
 * Validates model bytes fully and fills *info; NULL on success, else why
 * not, with info->error_offset at the fault.
 */
const char *
rcf_model_parse(const uint8_t *buf, size_t len, RcfModelInfo *info,
				int16_t *exps)
{
	RcfReader	r = {buf, len, true, NULL};
	const char *err = rcf_model_read_header(&r, info, exps);
	int32_t		t,
				n;

	info->samples = 0;
	for (t = 0; err == NULL && t < info->params.num_trees; t++)
	{
		err = rcf_model_read_tree(&r, info, exps, &n, NULL);
		info->samples += n;
	}
	if (err == NULL && r.left != 0)
		err = "corrupt rcf model: trailing bytes";
	info->error_offset = err == NULL ? 0 :
		(size_t) ((r.fault != NULL ? r.fault : r.p) - buf);
	return err;
}

/* Validates the bytes fully and fills *info; NULL on success, else why not */
const char *
rcf_model_info(const uint8_t *buf, size_t len, RcfModelInfo *info)
{
	int16_t		exps[RCF_MAX_DIMS];

	if (buf == NULL)
	{
		info->error_offset = 0;
		return "truncated rcf model";
	}
	return rcf_model_parse(buf, len, info, exps);
}

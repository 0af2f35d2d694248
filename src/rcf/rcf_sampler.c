/*-------------------------------------------------------------------------
 *
 * rcf_sampler.c
 *	  Training sampler of the Random Cut Forest core: one time-decayed
 *	  weighted reservoir per tree, merging of samplers (parallel workers)
 *	  and their serialised state.
 *
 * Sampler state bytes.  "RCFS", uint16 version, uint16 flags (0), the
 * parameters, the random state, points seen, then per tree a uint32 count
 * and its points, each as a double weight and dims floats.  All integers
 * are little-endian.
 *
 * No PostgreSQL header is included here; see rcf_forest.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"

#include <math.h>
#include <string.h>

#define SAMPLER_MAGIC	"RCFS"
#define SAMPLER_VERSION 1
#define SAMPLER_HEADER	(8 + PARAMS_BYTES + 32 + 8)

/*--- Sampler ----------------------------------------------------------------*/

/* sets the acceptance threshold on u of a full reservoir (time_decay 0) */
static void
reservoir_refresh(RcfReservoir *res, int32_t sample_size)
{
	if (res->heap.count < sample_size)
		res->threshold = 0.0;
	else
		res->threshold = exp(-exp(res->heap.weight[0]));
}

/* allocates one tree's empty reservoir in a single block */
static void
reservoir_init(RcfReservoir *res, const RcfParams *params,
			   const RcfAllocator *a)
{
	size_t		n = (size_t) params->sample_size;
	size_t		wbytes = align8(n * sizeof(double));
	size_t		sbytes = align8(n * sizeof(int32_t));
	char	   *block = pi_alloc(a, wbytes + sbytes + n * params->dims * sizeof(float));

	res->heap.count = 0;
	res->heap.weight = (double *) block;
	res->heap.slot = (int32_t *) (block + wbytes);
	res->points = (float *) (block + wbytes + sbytes);
	res->threshold = 0.0;
}

/* Creates an empty sampler with its own random stream */
RcfSampler *
rcf_sampler_create(const RcfParams *params, uint64_t stream,
				   const RcfAllocator *allocator)
{
	RcfSampler *s = pi_alloc(allocator, sizeof(RcfSampler));
	int32_t		t;

	s->params = *params;
	s->allocator = *allocator;
	s->seen = 0;
	rcf_rng_seed(&s->rng, params->seed, SALT_SAMPLER, stream);
	s->res = pi_alloc(allocator, sizeof(RcfReservoir) * params->num_trees);
	for (t = 0; t < params->num_trees; t++)
		reservoir_init(&s->res[t], params, allocator);
	return s;
}

/* Frees a sampler and its reservoirs */
void
rcf_sampler_free(RcfSampler *sampler)
{
	RcfAllocator a;
	int32_t		t;

	if (sampler == NULL)
		return;
	a = sampler->allocator;
	for (t = 0; t < sampler->params.num_trees; t++)
		pi_free(&a, sampler->res[t].heap.weight);
	pi_free(&a, sampler->res);
	pi_free(&a, sampler);
}

/* The parameters of a sampler */
const RcfParams *
rcf_sampler_params(const RcfSampler *sampler)
{
	return &sampler->params;
}

/* Points offered to a sampler so far (merged samplers add up) */
int64_t
rcf_sampler_seen(const RcfSampler *sampler)
{
	return sampler->seen;
}

/* offers a weighted float point to one reservoir; true if kept */
static bool
reservoir_offer(RcfReservoir *res, int32_t sample_size, int32_t dims,
				double w, const float *point)
{
	int32_t		slot;

	if (res->heap.count < sample_size)
	{
		slot = res->heap.count;
		heap_push(&res->heap, w, slot);
	}
	else if (w < res->heap.weight[0])
	{
		slot = res->heap.slot[0];
		heap_replace_top(&res->heap, w, slot);
	}
	else
		return false;
	memcpy(res->points + (size_t) slot * dims, point, sizeof(float) * dims);
	return true;
}

/* Offers one point to every tree's reservoir */
void
rcf_sampler_add(RcfSampler *sampler, const double *point)
{
	const RcfParams *p = &sampler->params;
	float		fp[RCF_MAX_DIMS];
	int64_t		seq = sampler->seen++;
	int32_t		t,
				d;

	for (d = 0; d < p->dims; d++)
		fp[d] = to_float(point[d]);
	for (t = 0; t < p->num_trees; t++)
	{
		RcfReservoir *res = &sampler->res[t];
		double		u = rng_open(&sampler->rng);

		/* fast rejection: log(-log u) < max  <=>  u > exp(-exp(max)) */
		if (p->time_decay == 0 && res->heap.count == p->sample_size &&
			u <= res->threshold)
			continue;
		if (reservoir_offer(res, p->sample_size, p->dims,
							sample_weight(u, p->time_decay, seq), fp) &&
			p->time_decay == 0)
			reservoir_refresh(res, p->sample_size);
	}
}

/* Merges "from" into "into": each tree keeps the smallest weights of both */
void
rcf_sampler_merge(RcfSampler *into, const RcfSampler *from)
{
	const RcfParams *p = &into->params;
	int32_t		t,
				i;

	for (t = 0; t < p->num_trees; t++)
	{
		const RcfReservoir *src = &from->res[t];
		RcfReservoir *dst = &into->res[t];

		for (i = 0; i < src->heap.count; i++)
			reservoir_offer(dst, p->sample_size, p->dims, src->heap.weight[i],
							src->points + (size_t) src->heap.slot[i] * p->dims);
		reservoir_refresh(dst, p->sample_size);
	}
	into->seen += from->seen;
}

/* Bytes of the serialised sampler */
size_t
rcf_sampler_serialized_size(const RcfSampler *sampler)
{
	const RcfParams *p = &sampler->params;
	size_t		size = SAMPLER_HEADER;
	int32_t		t;

	for (t = 0; t < p->num_trees; t++)
		size += 4 + (size_t) sampler->res[t].heap.count *
			(8 + 4 * (size_t) p->dims);
	return size;
}

/* Writes the sampler state: header, random state, then weights and points */
void
rcf_sampler_serialize(const RcfSampler *sampler, uint8_t *buf)
{
	const RcfParams *p = &sampler->params;
	int32_t		t,
				i,
				d;

	memcpy(buf, SAMPLER_MAGIC, 4);
	buf += 4;
	put_u16(&buf, SAMPLER_VERSION);
	put_u16(&buf, 0);
	rcf_params_put(&buf, p);
	for (i = 0; i < 4; i++)
		put_u64(&buf, sampler->rng.s[i]);
	put_u64(&buf, (uint64_t) sampler->seen);
	for (t = 0; t < p->num_trees; t++)
	{
		const RcfReservoir *res = &sampler->res[t];

		put_u32(&buf, (uint32_t) res->heap.count);
		for (i = 0; i < res->heap.count; i++)
		{
			const float *pt = res->points + (size_t) res->heap.slot[i] * p->dims;

			put_f64(&buf, res->heap.weight[i]);
			for (d = 0; d < p->dims; d++)
				put_f32(&buf, pt[d]);
		}
	}
}

/* reads the sampler header into s; NULL when valid, else why not */
static const char *
sampler_read_header(RcfReader *r, RcfSampler *s)
{
	const uint8_t *magic = get_bytes(r, 4);
	const char *err;
	int			i;

	if (magic == NULL)
		return "truncated sampler state";
	if (memcmp(magic, SAMPLER_MAGIC, 4) != 0)
		return "not an rcf sampler state";
	if (get_u16(r) != SAMPLER_VERSION || get_u16(r) != 0)
		return r->ok ? "unsupported sampler state version" : "truncated sampler state";
	if ((err = rcf_params_get(r, &s->params)) != NULL)
		return err;
	for (i = 0; i < 4; i++)
		s->rng.s[i] = get_u64(r);
	s->seen = (int64_t) get_u64(r);
	if (!r->ok)
		return "truncated sampler state";
	if (s->seen < 0)
		return "corrupt sampler state: negative count";
	if ((s->rng.s[0] | s->rng.s[1] | s->rng.s[2] | s->rng.s[3]) == 0)
		return "corrupt sampler state: random state";
	return NULL;
}

/* reads one reservoir into res (or only checks it if res is NULL) */
static const char *
sampler_read_tree(RcfReader *r, const RcfSampler *s, RcfReservoir *res)
{
	uint32_t	count = get_u32(r);
	int32_t		dims = s->params.dims;
	float		pt[RCF_MAX_DIMS];
	uint32_t	i;
	int32_t		d;

	if (!r->ok)
		return "truncated sampler state";
	if (count > (uint32_t) s->params.sample_size || count > (uint64_t) s->seen)
		return "corrupt sampler state: too many points in a reservoir";
	if (r->left / (8 + 4 * (size_t) dims) < count)
		return "truncated sampler state";
	for (i = 0; i < count; i++)
	{
		double		w = get_f64(r);

		for (d = 0; d < dims; d++)
			if (!isfinite(pt[d] = get_f32(r)))
				return "corrupt sampler state: non-finite value";
		if (!isfinite(w))
			return "corrupt sampler state: non-finite weight";
		if (res != NULL)
			reservoir_offer(res, s->params.sample_size, dims, w, pt);
	}
	if (res != NULL)
		reservoir_refresh(res, s->params.sample_size);
	return NULL;
}

/* checks the serialised state fully, or reads it into s when s has trees */
static const char *
sampler_read(const uint8_t *buf, size_t len, RcfSampler *s)
{
	RcfReader	r = {buf, len, true, NULL};
	const char *err = sampler_read_header(&r, s);
	int32_t		t;

	for (t = 0; err == NULL && t < s->params.num_trees; t++)
		err = sampler_read_tree(&r, s, s->res ? &s->res[t] : NULL);
	if (err == NULL && r.left != 0)
		err = "corrupt sampler state: trailing bytes";
	return err;
}

/* Rebuilds a sampler from its serialised state; NULL and *err if invalid */
RcfSampler *
rcf_sampler_deserialize(const uint8_t *buf, size_t len,
						const RcfAllocator *allocator, const char **err)
{
	RcfSampler	head;
	RcfSampler *s;

	head.res = NULL;
	if ((*err = sampler_read(buf, len, &head)) != NULL)
		return NULL;
	s = rcf_sampler_create(&head.params, 0, allocator);
	*err = sampler_read(buf, len, s);	/* validated above: cannot fail */
	return s;
}

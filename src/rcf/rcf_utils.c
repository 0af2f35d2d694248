/*-------------------------------------------------------------------------
 *
 * rcf_utils.c
 *	  Shared basics of the Random Cut Forest core: seeding of the random
 *	  streams, and the parameters (checks and their byte form).
 *
 * No PostgreSQL header is included here; see rcf_forest.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/*--- Random numbers ---------------------------------------------------------*/

/* one step of splitmix64 */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* seeds a generator from the user seed, a salt and a stream or tree index */
void
rcf_rng_seed(RcfRng *rng, uint64_t seed, uint64_t salt, uint64_t index)
{
	uint64_t	mix = salt ^ (index * UINT64_C(0xD1B54A32D192ED03));
	uint64_t	state = seed ^ splitmix64(&mix);
	int			i;

	for (i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&state);
}

/*--- Parameters -------------------------------------------------------------*/

/* what is wrong with each parameter, in RcfParamField order */
static const char *const param_problems[] = {
	"number of trees must be between 1 and 1000",
	"sample size must be between 2 and 8192",
	"number of dimensions must be between 1 and 1024",
	"time decay must be a finite number >= 0",
};

/* the first parameter out of its range, or -1 when all are usable */
int
rcf_params_bad_field(const RcfParams *params)
{
	if (params->num_trees < 1 || params->num_trees > RCF_MAX_TREES)
		return RCF_PARAM_TREES;
	if (params->sample_size < RCF_MIN_SAMPLE_SIZE ||
		params->sample_size > RCF_MAX_SAMPLE_SIZE)
		return RCF_PARAM_SAMPLE_SIZE;
	if (params->dims < 1 || params->dims > RCF_MAX_DIMS)
		return RCF_PARAM_DIMS;
	if (!isfinite(params->time_decay) || params->time_decay < 0)
		return RCF_PARAM_TIME_DECAY;
	return -1;
}

/* NULL when the parameters are usable, else a message naming the bad one */
const char *
rcf_params_check(const RcfParams *params)
{
	int			field = rcf_params_bad_field(params);

	return field < 0 ? NULL : param_problems[field];
}

/* true when two parameter sets are the same */
bool
rcf_params_equal(const RcfParams *a, const RcfParams *b)
{
	return a->num_trees == b->num_trees &&
		a->sample_size == b->sample_size &&
		a->dims == b->dims &&
		a->time_decay == b->time_decay &&
		a->seed == b->seed;
}

/* writes the parameters (PARAMS_BYTES) */
void
rcf_params_put(uint8_t **p, const RcfParams *params)
{
	put_u32(p, (uint32_t) params->num_trees);
	put_u32(p, (uint32_t) params->sample_size);
	put_u32(p, (uint32_t) params->dims);
	put_f64(p, params->time_decay);
	put_u64(p, params->seed);
}

/* reads the parameters; NULL when usable, else why not */
const char *
rcf_params_get(RcfReader *r, RcfParams *params)
{
	params->num_trees = (int32_t) get_u32(r);
	params->sample_size = (int32_t) get_u32(r);
	params->dims = (int32_t) get_u32(r);
	params->time_decay = get_f64(r);
	params->seed = get_u64(r);
	if (!r->ok)
		return "truncated header";
	return rcf_params_check(params);
}

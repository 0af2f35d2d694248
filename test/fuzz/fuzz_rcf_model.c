/*-------------------------------------------------------------------------
 *
 * fuzz_rcf_model.c
 *	  libFuzzer target: the binary rcf_model decoder.
 *
 * Any bytes: validation (rcf_model_info) and decoding (rcf_forest_decode)
 * must agree, and an accepted model must score finitely, convert to JSON
 * and come back from it as the same bytes (what pg_dump relies on).
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rcf/rcf_forest.h"

/* Checks one input; aborts (a crash libFuzzer reports) on a broken rule */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const RcfAllocator *a = &pi_malloc_allocator;
	RcfModelInfo info;
	const char *info_err = rcf_model_info(data, size, &info);
	const char *err = NULL;
	RcfForest  *f = rcf_forest_decode(data, size, a, &err);
	double		point[RCF_MAX_DIMS];
	char	   *json;
	uint8_t    *back;
	size_t		len;

	if ((info_err == NULL) != (f != NULL))
		abort();
	if (f == NULL)
		return 0;
	for (int d = 0; d < info.params.dims; d++)
		point[d] = d % 2 ? 0.5 : -1e3;
	if (!isfinite(rcf_forest_score(f, point)))
		abort();
	rcf_forest_free(f);
	json = rcf_model_to_json(data, size, a);
	if (json == NULL)
		abort();
	back = rcf_model_from_json(json, &len, a, &err);
	if (back == NULL || rcf_model_info(back, len, &info) != NULL)
		abort();
	free(back);
	free(json);
	return 0;
}

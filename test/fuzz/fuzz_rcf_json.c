/*-------------------------------------------------------------------------
 *
 * fuzz_rcf_json.c
 *	  libFuzzer target: the JSON form of rcf_model (rcf_model_from_json).
 *
 * Any text: either refused with a message, or turned into model bytes
 * that validation accepts and whose JSON form reads back as the same
 * bytes.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "rcf/rcf_forest.h"

/* Checks one input; aborts (a crash libFuzzer reports) on a broken rule */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const RcfAllocator *a = &pi_malloc_allocator;
	char	   *text = malloc(size + 1);
	const char *err = NULL;
	RcfModelInfo info;
	uint8_t    *model;
	uint8_t    *again;
	char	   *json;
	size_t		len,
				len2;

	memcpy(text, data, size);
	text[size] = '\0';
	model = rcf_model_from_json(text, &len, a, &err);
	free(text);
	if (model == NULL)
	{
		if (err == NULL)
			abort();
		free((void *) err);
		return 0;
	}
	if (rcf_model_info(model, len, &info) != NULL)
		abort();
	json = rcf_model_to_json(model, len, a);
	again = json ? rcf_model_from_json(json, &len2, a, &err) : NULL;
	if (again == NULL || len2 != len || memcmp(again, model, len) != 0)
		abort();
	free(again);
	free(json);
	free(model);
	return 0;
}

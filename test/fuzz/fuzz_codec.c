/*-------------------------------------------------------------------------
 *
 * fuzz_codec.c
 *	  libFuzzer target: the CSV, JSON and JSON Lines reply decoders.
 *
 * The first byte picks the format and whether a field is selected; the
 * rest is the reply body, not NUL-terminated.  A decoding either fails
 * with a message or gives rows whose every value has its JSON text.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "infer/codec.h"

/* Walks a decoded value; aborts if a part is missing */
static void
check_value(const CodecValue *v, int depth)
{
	if (v->json == NULL || depth > 100)
		abort();
	if (v->kind == CODEC_VALUE_SCALAR && v->text == NULL)
		abort();
	for (int i = 0; i < v->nitems; i++)
	{
		if (v->kind == CODEC_VALUE_OBJECT && v->names[i] == NULL)
			abort();
		check_value(&v->items[i], depth + 1);
	}
}

/* Checks one input; aborts (a crash libFuzzer reports) on a broken rule */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const CodecFormat formats[] = {CODEC_CSV, CODEC_JSON, CODEC_JSONLINES};
	char		err[256];
	CodecResult *res;
	CodecStatus st;
	char	   *body;

	if (size < 1)
		return 0;
	/* a copy of exactly the body's size, so that reading past it is caught */
	body = malloc(size - 1);
	memcpy(body, data + 1, size - 1);
	st = codec_decode(formats[data[0] % 3], body, size - 1,
					  (data[0] & 0x80) ? "score" : NULL,
					  &pi_malloc_allocator, &res, err, sizeof(err));
	if (st == CODEC_OK)
	{
		for (int i = 0; i < res->nrows; i++)
			check_value(&res->rows[i], 0);
		codec_result_free(res);
	}
	else if (res != NULL || err[0] == '\0')
		abort();
	free(body);
	return 0;
}

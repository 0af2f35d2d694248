/*-------------------------------------------------------------------------
 *
 * codec_decode.c
 *	  Decoded replies of SageMaker-style inference: the entry points, the
 *	  result with its arena, and the values the format decoders build.
 *
 * Every decoded value is copied into an arena owned by the result, on the
 * caller's allocator: codec_result_free releases it in one go, and an
 * error part way through releases everything decoded so far the same way.
 * The format decoders are in codec_json.c and codec_csv.c.
 *
 * Pure C: no PostgreSQL header; see codec.h.
 *
 * IDENTIFICATION
 *	  src/infer/codec_decode.c
 *
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "infer/codec_int.h"

/* Size of an arena chunk; larger requests get a chunk of their own */
#define ARENA_CHUNK_SIZE	65536
#define ARENA_ALIGN			16

/*--- Decoded values: the result and its arena ---*/

/* A block of arena memory; the allocations follow the header */
typedef struct ArenaChunk
{
	struct ArenaChunk *next;
	size_t		size;			/* bytes usable after the header */
	size_t		used;
} ArenaChunk;

#define ARENA_HEADER \
	((sizeof(ArenaChunk) + ARENA_ALIGN - 1) & ~((size_t) ARENA_ALIGN - 1))

/* A result with what it owns; pub comes first so the two convert */
typedef struct ResultImpl
{
	CodecResult pub;
	PiAllocator allocator;		/* a copy: the caller's may go out of scope */
	int			rows_cap;		/* entries allocated in pub.rows */
	ArenaChunk *chunks;			/* current chunk first */
} ResultImpl;

/* Writes an error message into errbuf; always returns false */
bool
codec_error(Decoder *d, const char *fmt,...)
{
	va_list		ap;

	if (d->errbuf != NULL && d->errlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(d->errbuf, d->errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* Records that the allocator ran out of memory; always false */
bool
codec_no_memory(Decoder *d)
{
	d->no_memory = true;
	return codec_error(d, "out of memory");
}

/* Allocates size bytes from the result's arena; NULL (and an error) on OOM */
void *
codec_alloc(Decoder *d, size_t size)
{
	ArenaChunk *chunk = d->res->chunks;
	bool		dedicated;
	void	   *p;

	if (size > SIZE_MAX - ARENA_HEADER - ARENA_ALIGN)
	{
		codec_no_memory(d);
		return NULL;
	}
	size = (size + ARENA_ALIGN - 1) & ~((size_t) ARENA_ALIGN - 1);
	if (chunk == NULL || chunk->size - chunk->used < size)
	{
		dedicated = size > ARENA_CHUNK_SIZE / 4;
		chunk = pi_alloc(d->allocator,
						 ARENA_HEADER + (dedicated ? size : ARENA_CHUNK_SIZE));
		if (chunk == NULL)
		{
			codec_no_memory(d);
			return NULL;
		}
		chunk->size = dedicated ? size : ARENA_CHUNK_SIZE;
		chunk->used = 0;
		/* a dedicated chunk goes behind the current one, which has room */
		if (dedicated && d->res->chunks != NULL)
		{
			chunk->next = d->res->chunks->next;
			d->res->chunks->next = chunk;
		}
		else
		{
			chunk->next = d->res->chunks;
			d->res->chunks = chunk;
		}
	}
	p = (char *) chunk + ARENA_HEADER + chunk->used;
	chunk->used += size;
	return p;
}

/* Copies s[0..n) into the arena as a NUL-terminated string */
char *
codec_strndup(Decoder *d, const char *s, size_t n)
{
	char	   *copy = codec_alloc(d, n + 1);

	if (copy == NULL)
		return NULL;
	if (n > 0)
		memcpy(copy, s, n);
	copy[n] = '\0';
	return copy;
}

/* The JSON string literal of text, in the arena */
char *
codec_json_string(Decoder *d, const char *text, size_t len)
{
	size_t		n = codec_json_quoted_len(text, len);
	char	   *json = codec_alloc(d, n + 1);

	if (json == NULL)
		return NULL;
	codec_json_quote_into(json, text, len);
	json[n] = '\0';
	return json;
}

/* Appends an empty row to the result and returns it; NULL on error */
CodecValue *
codec_push_row(Decoder *d)
{
	CodecResult *pub = &d->res->pub;
	CodecValue *rows;
	int			cap;

	if (pub->nrows == d->res->rows_cap)
	{
		if (d->res->rows_cap >= INT_MAX / 2)
		{
			codec_error(d, "too many rows in the reply");
			return NULL;
		}
		cap = d->res->rows_cap > 0 ? d->res->rows_cap * 2 : 64;
		rows = pi_grow(d->allocator, pub->rows,
					   (size_t) pub->nrows * sizeof(CodecValue),
					   (size_t) cap * sizeof(CodecValue));
		if (rows == NULL)
		{
			codec_no_memory(d);
			return NULL;
		}
		pub->rows = rows;
		d->res->rows_cap = cap;
	}
	memset(&pub->rows[pub->nrows], 0, sizeof(CodecValue));
	return &pub->rows[pub->nrows++];
}

/* Makes out the NULL value */
bool
codec_set_null(Decoder *d, CodecValue *out)
{
	out->kind = CODEC_VALUE_NULL;
	out->json = codec_strndup(d, "null", 4);
	return out->json != NULL;
}

/* Makes out a scalar whose JSON text is its text (numbers, booleans) */
bool
codec_set_literal(Decoder *d, CodecValue *out, const char *text, size_t len)
{
	out->kind = CODEC_VALUE_SCALAR;
	out->is_string = false;
	out->text = codec_strndup(d, text, len);
	out->json = out->text;
	return out->text != NULL;
}

/* Makes out a string scalar, with its JSON text given or quoted here */
bool
codec_set_string(Decoder *d, CodecValue *out, const char *text, size_t len,
		   bool json_as_number)
{
	out->kind = CODEC_VALUE_SCALAR;
	out->is_string = true;
	out->text = codec_strndup(d, text, len);
	if (out->text == NULL)
		return false;
	out->json = json_as_number ? out->text : codec_json_string(d, text, len);
	return out->json != NULL;
}

/* Builds "[j1,j2,...]" from the items' JSON texts */
bool
codec_set_array_json(Decoder *d, CodecValue *out)
{
	size_t		n = 2;
	char	   *p;
	int			i;

	for (i = 0; i < out->nitems; i++)
		n += strlen(out->items[i].json) + (i > 0);
	p = out->json = codec_alloc(d, n + 1);
	if (p == NULL)
		return false;
	*p++ = '[';
	for (i = 0; i < out->nitems; i++)
	{
		if (i > 0)
			*p++ = ',';
		n = strlen(out->items[i].json);
		memcpy(p, out->items[i].json, n);
		p += n;
	}
	*p++ = ']';
	*p = '\0';
	return true;
}

/* Builds "{"n1":j1,...}" from the names and the members' JSON texts */
bool
codec_set_object_json(Decoder *d, CodecValue *out)
{
	size_t		n = 2;
	size_t		len;
	char	   *p;
	int			i;

	for (i = 0; i < out->nitems; i++)
		n += codec_json_quoted_len(out->names[i], strlen(out->names[i])) + 1 +
			strlen(out->items[i].json) + (i > 0);
	p = out->json = codec_alloc(d, n + 1);
	if (p == NULL)
		return false;
	*p++ = '{';
	for (i = 0; i < out->nitems; i++)
	{
		if (i > 0)
			*p++ = ',';
		len = strlen(out->names[i]);
		codec_json_quote_into(p, out->names[i], len);
		p += codec_json_quoted_len(out->names[i], len);
		*p++ = ':';
		len = strlen(out->items[i].json);
		memcpy(p, out->items[i].json, len);
		p += len;
	}
	*p++ = '}';
	*p = '\0';
	return true;
}

/*--- Decoding: entry points ---*/

/* Runs the decoder of a format over the body */
static bool
decode_body(Decoder *d, CodecFormat format, const char *body, size_t len)
{
	switch (format)
	{
		case CODEC_CSV:
			return codec_decode_csv(d, body, len);
		case CODEC_JSON:
			return codec_decode_json(d, body, len);
		case CODEC_JSONLINES:
			return codec_decode_jsonlines(d, body, len);
	}
	return codec_error(d, "unknown body format %d", (int) format);
}

/* Decodes a response body into rows; on error a message and no result */
CodecStatus
codec_decode(CodecFormat format, const char *body, size_t len,
			 const char *field, const PiAllocator *allocator,
			 CodecResult **result, char *errbuf, size_t errlen)
{
	Decoder		d;
	bool		ok;

	memset(&d, 0, sizeof(d));
	d.allocator = allocator;
	d.errbuf = errbuf;
	d.errlen = errlen;
	d.field = (field != NULL && field[0] != '\0') ? field : NULL;
	*result = NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (body == NULL && len > 0)
	{
		codec_error(&d, "no body");
		return CODEC_MALFORMED;
	}
	if (body == NULL)
		body = "";
	d.res = pi_alloc(allocator, sizeof(ResultImpl));
	if (d.res == NULL)
	{
		codec_no_memory(&d);
		return CODEC_NO_MEMORY;
	}
	memset(d.res, 0, sizeof(ResultImpl));
	d.res->allocator = *allocator;
	ok = decode_body(&d, format, body, len);
	codec_json_cleanup(&d);
	codec_csv_cleanup(&d);
	if (ok)
	{
		*result = &d.res->pub;
		return CODEC_OK;
	}
	codec_result_free(&d.res->pub);
	return d.no_memory ? CODEC_NO_MEMORY : CODEC_MALFORMED;
}

/* Frees a result and everything its values point to */
void
codec_result_free(CodecResult *result)
{
	ResultImpl *res = (ResultImpl *) result;
	PiAllocator allocator;
	ArenaChunk *chunk;
	ArenaChunk *next;

	if (res == NULL)
		return;
	allocator = res->allocator;
	for (chunk = res->chunks; chunk != NULL; chunk = next)
	{
		next = chunk->next;
		pi_free(&allocator, chunk);
	}
	pi_free(&allocator, res->pub.rows);
	pi_free(&allocator, res);
}

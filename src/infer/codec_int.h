/*-------------------------------------------------------------------------
 *
 * codec_int.h
 *	  Private declarations of the inference codecs: the state of one
 *	  decoding and, grouped by file, what one codec file calls in another.
 *
 * Internal to the codecs (see codec.h for the files); like them it
 * includes no PostgreSQL header.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_INFER_CODEC_INT_H
#define PG_INFER_CODEC_INT_H

#include "infer/codec.h"

/* Deepest nesting of arrays and objects accepted in a JSON reply */
#define CODEC_MAX_DEPTH		64

struct ResultImpl;
struct json_tokener;

/* The state of one codec_decode call */
typedef struct Decoder
{
	struct ResultImpl *res;
	const PiAllocator *allocator;
	const char *field;			/* member to select, or NULL */
	char	   *errbuf;
	size_t		errlen;
	bool		no_memory;		/* the failure was the allocator's */
	struct json_tokener *tok;	/* created on first use */
	CodecValue *fields;			/* CSV: the fields of the current record */
	int			nfields;
	int			fields_cap;
} Decoder;

#pragma GCC visibility push(hidden)

/* in codec_encode.c */
extern size_t codec_json_quoted_len(const char *text, size_t len);
extern void codec_json_quote_into(char *dst, const char *text, size_t len);

/* in codec_decode.c */
extern bool codec_error(Decoder *d, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern bool codec_no_memory(Decoder *d);
extern void *codec_alloc(Decoder *d, size_t size);
extern char *codec_strndup(Decoder *d, const char *s, size_t n);
extern char *codec_json_string(Decoder *d, const char *text, size_t len);
extern CodecValue *codec_push_row(Decoder *d);
extern bool codec_set_null(Decoder *d, CodecValue *out);
extern bool codec_set_literal(Decoder *d, CodecValue *out, const char *text,
							  size_t len);
extern bool codec_set_string(Decoder *d, CodecValue *out, const char *text,
							 size_t len, bool json_as_number);
extern bool codec_set_array_json(Decoder *d, CodecValue *out);
extern bool codec_set_object_json(Decoder *d, CodecValue *out);

/* in codec_json.c */
extern bool codec_decode_json(Decoder *d, const char *body, size_t len);
extern bool codec_decode_jsonlines(Decoder *d, const char *body, size_t len);
extern void codec_json_cleanup(Decoder *d);

/* in codec_csv.c */
extern bool codec_decode_csv(Decoder *d, const char *body, size_t len);
extern void codec_csv_cleanup(Decoder *d);

#pragma GCC visibility pop

#endif							/* PG_INFER_CODEC_INT_H */

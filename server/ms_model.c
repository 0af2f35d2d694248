/*-------------------------------------------------------------------------
 *
 * ms_model.c
 *	  Reading an rcf_model exported from PostgreSQL into a forest.
 *
 * Three forms are accepted, told apart by their first bytes:
 *	- binary:	the model bytes themselves, which start with "RCFM" (what
 *				`SELECT encode(m::bytea, 'base64')` decodes to);
 *	- hex:		the bytea text form "\x0123..." that psql prints for
 *				`SELECT m::bytea`, or "\\x0123..." as COPY's text format
 *				writes it (blanks and line ends around it ignored);
 *	- JSON:		the text form of rcf_model, `SELECT m` (starts with '{').
 * Whatever the form, the bytes are validated in full by the RCF core
 * (rcf_forest_decode) before the forest is built: a truncated or corrupted
 * file is refused with the core's reason.
 *
 * IDENTIFICATION
 *	  server/ms_model.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "model_server.h"

/* Writes a message into errbuf; returns NULL for the caller to return */
static void *
load_error(char *errbuf, size_t errlen, const char *fmt,...)
__attribute__((format(printf, 3, 4)));

static void *
load_error(char *errbuf, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	return NULL;
}

/* Whether c is a blank or a line end */
static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Decodes the hex digits text[start..end) into a new buffer; NULL with a
 * message naming the byte offset in the file when a digit is bad.
 */
static uint8_t *
hex_decode(const char *text, size_t start, size_t end, size_t *len,
		   char *errbuf, size_t errlen)
{
	uint8_t    *bytes;
	size_t		i;
	int			hi,
				lo;

	if ((end - start) % 2 != 0)
		return load_error(errbuf, errlen,
						  "the hex text has an odd number of digits (%zu): it is truncated",
						  end - start);
	bytes = malloc((end - start) / 2 + 1);
	if (bytes == NULL)
		return load_error(errbuf, errlen, "out of memory");
	for (i = start; i < end; i += 2)
	{
		hi = pi_hex_value(text[i]);
		lo = pi_hex_value(text[i + 1]);
		if (hi < 0 || lo < 0)
		{
			free(bytes);
			return load_error(errbuf, errlen,
							  "the hex text has a character that is not a hex digit at byte %zu",
							  hi < 0 ? i : i + 1);
		}
		bytes[(i - start) / 2] = (uint8_t) (hi << 4 | lo);
	}
	*len = (end - start) / 2;
	return bytes;
}

/* Builds the forest of model bytes; NULL with the core's reason */
static RcfForest *
forest_of_bytes(const uint8_t *bytes, size_t len, char *errbuf, size_t errlen)
{
	const char *err = NULL;
	RcfForest  *forest = rcf_forest_decode(bytes, len, &pi_malloc_allocator, &err);

	if (forest == NULL)
		return load_error(errbuf, errlen, "%s", err);
	return forest;
}

/* Builds the forest of the JSON text form (text must be NUL-terminated) */
static RcfForest *
forest_of_json(const char *text, char *errbuf, size_t errlen)
{
	const char *err = NULL;
	size_t		len = 0;
	uint8_t    *bytes = rcf_model_from_json(text, &len, &pi_malloc_allocator, &err);
	RcfForest  *forest;

	if (bytes == NULL)
	{
		load_error(errbuf, errlen, "%s", err);
		pi_free(&pi_malloc_allocator, (void *) err);	/* it names a byte offset */
		return NULL;
	}
	forest = forest_of_bytes(bytes, len, errbuf, errlen);
	free(bytes);
	return forest;
}

/* Decodes exported model bytes already in memory; data[len] must be NUL */
RcfForest *
ms_model_decode(const char *data, size_t len, char *errbuf, size_t errlen)
{
	size_t		start = 0;
	size_t		end = len;
	uint8_t    *bytes;
	size_t		nbytes = 0;
	RcfForest  *forest;

	if (len >= 4 && memcmp(data, "RCFM", 4) == 0)
		return forest_of_bytes((const uint8_t *) data, len, errbuf, errlen);
	while (start < end && is_space(data[start]))
		start++;
	while (end > start && is_space(data[end - 1]))
		end--;
	if (start == end)
		return load_error(errbuf, errlen, "the file is empty");
	if (data[start] == '{')
		return forest_of_json(data + start, errbuf, errlen);
	/* COPY's text format doubles the backslash */
	if (end - start >= 3 && data[start] == '\\' && data[start + 1] == '\\')
		start++;
	if (end - start < 2 || data[start] != '\\' || data[start + 1] != 'x')
		return load_error(errbuf, errlen,
						  "not an exported rcf_model: expected the binary form (starting \"RCFM\"), the bytea hex text (starting \"\\x\") or the JSON text form (starting \"{\")");
	bytes = hex_decode(data, start + 2, end, &nbytes, errbuf, errlen);
	if (bytes == NULL)
		return NULL;
	forest = forest_of_bytes(bytes, nbytes, errbuf, errlen);
	free(bytes);
	return forest;
}

/* Reads a whole file into a NUL-terminated buffer; NULL with a message */
static char *
read_file(const char *path, size_t *len, char *errbuf, size_t errlen)
{
	FILE	   *f = fopen(path, "rb");
	char	   *data = NULL;
	size_t		cap = 0;
	size_t		n = 0;
	size_t		got;

	if (f == NULL)
		return load_error(errbuf, errlen, "cannot open it: %s", strerror(errno));
	do
	{
		if (n == cap)
		{
			char	   *grown;

			cap = cap > 0 ? cap * 2 : 65536;
			grown = cap <= MS_MAX_MODEL_FILE + 1 ? realloc(data, cap + 1) : NULL;
			if (grown == NULL)
			{
				free(data);
				fclose(f);
				return load_error(errbuf, errlen, "it is larger than %zu bytes, or memory ran out",
								  MS_MAX_MODEL_FILE);
			}
			data = grown;
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
	{
		free(data);
		fclose(f);
		return load_error(errbuf, errlen, "cannot read it: %s", strerror(errno));
	}
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
}

/* Reads an exported model file into a forest; NULL with a message */
RcfForest *
ms_model_load(const char *path, char *errbuf, size_t errlen)
{
	size_t		len = 0;
	char	   *data = read_file(path, &len, errbuf, errlen);
	RcfForest  *forest;

	if (data == NULL)
		return NULL;
	forest = ms_model_decode(data, len, errbuf, errlen);
	free(data);
	return forest;
}

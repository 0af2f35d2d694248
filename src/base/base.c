/*-------------------------------------------------------------------------
 *
 * base.c
 *	  Small helpers every pure core shares: allocators, the growable byte
 *	  buffer, the JSON number grammar and ASCII case-insensitive comparison.
 *
 * No PostgreSQL header is included here; see base.h.
 *
 * IDENTIFICATION
 *	  src/base/base.c
 *
 *-------------------------------------------------------------------------
 */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*--- Allocators -------------------------------------------------------------*/

/* malloc that aborts when memory runs out */
static void *
malloc_or_abort(void *ctx, size_t size)
{
	void	   *p = malloc(size ? size : 1);

	(void) ctx;
	if (p == NULL)
	{
		fprintf(stderr, "pg_infer: out of memory\n");
		abort();
	}
	return p;
}

/* malloc that returns NULL when memory runs out */
static void *
malloc_or_null(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size ? size : 1);
}

/* free for the malloc allocators */
static void
malloc_free(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

const PiAllocator pi_malloc_allocator = {malloc_or_abort, malloc_free, NULL};
const PiAllocator pi_malloc_fallible = {malloc_or_null, malloc_free, NULL};

/* Moves used bytes of ptr into a new block of size bytes; NULL on failure */
void *
pi_grow(const PiAllocator *a, void *ptr, size_t used, size_t size)
{
	void	   *p = pi_alloc(a, size);

	if (p == NULL)
		return NULL;
	if (used > 0)
		memcpy(p, ptr, used);
	pi_free(a, ptr);
	return p;
}

/*--- Growable byte buffer ---------------------------------------------------*/

/* Sets up an empty buffer */
void
pi_buf_init(PiBuf *buf, const PiAllocator *allocator)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->failed = false;
	buf->allocator = *allocator;
	if (pi_buf_reserve(buf, 0))
		buf->data[0] = '\0';
}

/* Empties a buffer, keeping its memory */
void
pi_buf_reset(PiBuf *buf)
{
	buf->len = 0;
	buf->failed = false;
	if (pi_buf_reserve(buf, 0))
		buf->data[0] = '\0';
}

/* Releases a buffer's memory */
void
pi_buf_free(PiBuf *buf)
{
	pi_free(&buf->allocator, buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

/* Hands the string over to the caller (NULL after a failure) */
char *
pi_buf_steal(PiBuf *buf)
{
	char	   *s = buf->data;

	if (buf->failed)
	{
		pi_buf_free(buf);
		return NULL;
	}
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	return s;
}

/* Records a failed allocation; always false */
static bool
buf_fail(PiBuf *buf)
{
	buf->failed = true;
	return false;
}

/* Makes room for extra more bytes and the terminator */
bool
pi_buf_reserve(PiBuf *buf, size_t extra)
{
	size_t		need;
	size_t		cap;
	char	   *data;

	if (buf->failed)
		return false;
	if (extra > SIZE_MAX - buf->len - 1)
		return buf_fail(buf);
	need = buf->len + extra + 1;
	if (need <= buf->cap && buf->data != NULL)
		return true;
	cap = buf->cap > 0 ? buf->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	data = pi_grow(&buf->allocator, buf->data,
				   buf->data != NULL ? buf->len + 1 : 0, cap);
	if (data == NULL)
		return buf_fail(buf);
	buf->data = data;
	buf->cap = cap;
	return true;
}

/* Appends n bytes */
void
pi_buf_append(PiBuf *buf, const void *bytes, size_t n)
{
	if (!pi_buf_reserve(buf, n))
		return;
	if (n > 0)
		memcpy(buf->data + buf->len, bytes, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
}

/* Appends a NUL-terminated string */
void
pi_buf_append_str(PiBuf *buf, const char *s)
{
	pi_buf_append(buf, s, strlen(s));
}

/* Appends one byte */
void
pi_buf_append_char(PiBuf *buf, char c)
{
	pi_buf_append(buf, &c, 1);
}

/* Appends formatted text */
void
pi_buf_printf(PiBuf *buf, const char *fmt,...)
{
	va_list		ap;
	int			n;

	if (!pi_buf_reserve(buf, 0))
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
	va_end(ap);
	if (n < 0)
	{
		buf_fail(buf);
		return;
	}
	if ((size_t) n >= buf->cap - buf->len)
	{
		if (!pi_buf_reserve(buf, (size_t) n))
			return;
		va_start(ap, fmt);
		vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
		va_end(ap);
	}
	buf->len += (size_t) n;
}

/*--- JSON numbers -----------------------------------------------------------*/

/* Skips the digits at s[*i..n); returns how many there were */
static size_t
skip_digits(const char *s, size_t n, size_t *i)
{
	size_t		start = *i;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i - start;
}

/* Length of the JSON number at the start of s[0..n), or 0 */
size_t
pi_json_number_len(const char *s, size_t n, bool *integral)
{
	size_t		i = 0;
	bool		whole = true;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (skip_digits(s, n, &i) == 0)
		return 0;
	if (i < n && s[i] == '.')
	{
		i++;
		whole = false;
		if (skip_digits(s, n, &i) == 0)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E'))
	{
		i++;
		whole = false;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (skip_digits(s, n, &i) == 0)
			return 0;
	}
	if (integral != NULL)
		*integral = whole;
	return i;
}

/*--- ASCII case -------------------------------------------------------------*/

/* Whether two strings are equal, ignoring ASCII case */
bool
pi_ascii_caseeq(const char *a, const char *b)
{
	while (*a != '\0' && pi_ascii_lower(*a) == pi_ascii_lower(*b))
	{
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* Whether s[0..n) equals word, ignoring ASCII case */
bool
pi_ascii_caseeq_n(const char *s, size_t n, const char *word)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (word[i] == '\0' || pi_ascii_lower(s[i]) != pi_ascii_lower(word[i]))
			return false;
	}
	return word[n] == '\0';
}

/*-------------------------------------------------------------------------
 *
 * base.h
 *	  Small helpers every pure core shares: the injected allocator, a
 *	  growable byte buffer on it, the JSON number grammar and ASCII
 *	  case-insensitive comparison.
 *
 * Pure C: this header and base.c include no PostgreSQL header, so the
 * cores that use them (RCF, SigV4, the inference codecs, the wrappers'
 * parsers) stay linkable by unit tests, benchmarks and fuzz targets.
 * (The directory is not called "common" because -Isrc comes before the
 * server's include directory, where PostgreSQL's own common/ headers live.)
 *
 * Memory comes from a PiAllocator so that the backend can allocate with
 * palloc in a memory context of its choice.  An allocator either never
 * returns NULL (palloc raises an ERROR, pi_malloc_allocator aborts) or is
 * "fallible" and returns NULL when memory runs out; code that takes an
 * allocator says which kinds it accepts.  PiBuf works with both: after a
 * failed allocation it remembers the failure and ignores further appends.
 *
 * Characters are classified by hand (ASCII only), never through <ctype.h>,
 * so the backend's locale cannot change what a core produces.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PI_BASE_H
#define PI_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*--- Allocators -------------------------------------------------------------*/

typedef struct PiAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);	/* see above for NULL */
	void		(*free) (void *ctx, void *ptr);
	void	   *ctx;
} PiAllocator;

/* malloc/free; aborts the process when memory runs out (tests, benchmarks) */
extern const PiAllocator pi_malloc_allocator;

/* malloc/free; returns NULL when memory runs out */
extern const PiAllocator pi_malloc_fallible;

/* allocates with an allocator */
static inline void *
pi_alloc(const PiAllocator *a, size_t size)
{
	return a->alloc(a->ctx, size);
}

/* frees with an allocator; NULL is ignored */
static inline void
pi_free(const PiAllocator *a, void *ptr)
{
	if (ptr != NULL)
		a->free(a->ctx, ptr);
}

/*
 * Moves the first "used" bytes of ptr (NULL when used is 0) into a new
 * block of "size" bytes and frees ptr; NULL (ptr untouched) when a fallible
 * allocator runs out of memory.
 */
extern void *pi_grow(const PiAllocator *a, void *ptr, size_t used, size_t size);

/*--- Growable byte buffer ---------------------------------------------------*/

/* A byte buffer, NUL-terminated whenever data is not NULL */
typedef struct PiBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		failed;			/* an allocation failed: contents are cut */
	PiAllocator allocator;		/* a copy: the caller's may go out of scope */
} PiBuf;

/* Sets up an empty buffer (data "" unless the allocation failed) */
extern void pi_buf_init(PiBuf *buf, const PiAllocator *allocator);
/* Empties a buffer, keeping its memory (and clears a failure) */
extern void pi_buf_reset(PiBuf *buf);
/* Releases the memory; pi_buf_init makes the buffer usable again */
extern void pi_buf_free(PiBuf *buf);
/* Hands the string over (NULL after a failure, which frees it) */
extern char *pi_buf_steal(PiBuf *buf);

/* Makes room for extra more bytes and the terminator; false on failure */
extern bool pi_buf_reserve(PiBuf *buf, size_t extra);
extern void pi_buf_append(PiBuf *buf, const void *bytes, size_t n);
extern void pi_buf_append_str(PiBuf *buf, const char *s);
extern void pi_buf_append_char(PiBuf *buf, char c);
extern void pi_buf_printf(PiBuf *buf, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/*--- JSON numbers -----------------------------------------------------------*/

/*
 * Length of the JSON number (RFC 8259, section 6) at the start of s[0..n),
 * 0 when there is none; *integral (when not NULL) is set to whether it has
 * neither fraction nor exponent.  The number may be followed by anything.
 */
extern size_t pi_json_number_len(const char *s, size_t n, bool *integral);

/* Whether s[0..n) is exactly one JSON number */
static inline bool
pi_is_json_number(const char *s, size_t n)
{
	return n > 0 && pi_json_number_len(s, n, NULL) == n;
}

/*--- ASCII case -------------------------------------------------------------*/

/* ASCII lower case of c, whatever the locale */
static inline char
pi_ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* The value of an ASCII hex digit, or -1 */
static inline int
pi_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether two NUL-terminated strings are equal, ignoring ASCII case */
extern bool pi_ascii_caseeq(const char *a, const char *b);

/* Whether s[0..n) equals the NUL-terminated word, ignoring ASCII case */
extern bool pi_ascii_caseeq_n(const char *s, size_t n, const char *word);

#endif							/* PI_BASE_H */

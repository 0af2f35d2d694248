/*-------------------------------------------------------------------------
 *
 * s3_glob.c
 *	  Glob matching of object keys and hive partition values (pure C).
 *
 * Matching is recursive backtracking over the pattern; keys are at most
 * 1,024 bytes, patterns short, and a '*' never crosses a '/', so the work
 * stays small.  "**" is the only wildcard that spans directories.
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_glob.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "base/base.h"
#include "fdw/s3/s3_glob.h"

/* Deepest nesting of '*' and '{' backtracking before a match gives up */
#define MAX_DEPTH	64

static bool match_here(const char *p, const char *k, int depth);

/* True when pattern holds a wildcard outside an escape; see s3_glob.h */
bool
s3_glob_has_wildcard(const char *pattern)
{
	for (const char *p = pattern; *p; p++)
	{
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '*' || *p == '?' || *p == '{')
			return true;
	}
	return false;
}

/* Length of the literal prefix up to its last '/'; see s3_glob.h */
size_t
s3_glob_literal_prefix(const char *pattern)
{
	size_t		end = 0;

	for (size_t i = 0; pattern[i]; i++)
	{
		char		c = pattern[i];

		if (c == '*' || c == '?' || c == '{' || c == '\\')
			break;
		if (c == '/')
			end = i + 1;
	}
	return end;
}

/* True when braces are closed and not nested and no '\' ends it */
bool
s3_glob_valid(const char *pattern)
{
	bool		in_brace = false;

	for (const char *p = pattern; *p; p++)
	{
		if (*p == '\\')
		{
			if (p[1] == '\0')
				return false;
			p++;
		}
		else if (*p == '{')
		{
			if (in_brace)
				return false;
			in_brace = true;
		}
		else if (*p == '}')
		{
			if (!in_brace)
				return false;
			in_brace = false;
		}
	}
	return !in_brace;
}

/* The end of the brace group starting at p ('{'): the '}' */
static const char *
brace_end(const char *p)
{
	for (p++; *p && *p != '}'; p++)
		if (*p == '\\' && p[1])
			p++;
	return p;
}

/* The end of one alternative starting at p: the ',' or '}' after it */
static const char *
alternative_end(const char *p)
{
	for (; *p && *p != ',' && *p != '}'; p++)
		if (*p == '\\' && p[1])
			p++;
	return p;
}

/*
 * Tries each alternative of the brace group at p, each followed by the
 * rest of the pattern after the group
 */
static bool
match_brace(const char *p, const char *k, int depth)
{
	const char *close = brace_end(p);
	const char *rest = *close ? close + 1 : close;
	size_t		restlen = strlen(rest);

	for (const char *alt = p + 1; alt <= close && *alt != '\0';)
	{
		const char *end = alternative_end(alt);
		size_t		altlen = (size_t) (end - alt);
		char		joined[1024 + 1];

		if (altlen + restlen < sizeof(joined))
		{
			memcpy(joined, alt, altlen);
			memcpy(joined + altlen, rest, restlen + 1);
			if (match_here(joined, k, depth + 1))
				return true;
		}
		if (*end != ',')
			break;
		alt = end + 1;
	}
	return false;
}

/* Matches '*' (stops at '/') or "**" (does not) at p against k onwards */
static bool
match_star(const char *p, const char *k, int depth)
{
	bool		deep = p[1] == '*';
	const char *rest = p + (deep ? 2 : 1);

	/* "**" followed by '/' may also match no directory at all */
	if (deep && *rest == '/' && match_here(rest + 1, k, depth + 1))
		return true;
	for (const char *s = k;; s++)
	{
		if (match_here(rest, s, depth + 1))
			return true;
		if (*s == '\0' || (*s == '/' && !deep))
			return false;
	}
}

/* Matches the pattern from p against the key from k */
static bool
match_here(const char *p, const char *k, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	for (;; p++, k++)
	{
		switch (*p)
		{
			case '\0':
				return *k == '\0';
			case '*':
				return match_star(p, k, depth);
			case '{':
				return match_brace(p, k, depth);
			case '?':
				if (*k == '\0' || *k == '/')
					return false;
				break;
			case '\\':
				if (p[1])
					p++;
				/* FALLTHROUGH */
			default:
				if (*p != *k)
					return false;
				break;
		}
	}
}

/* True when key matches pattern as a whole; see s3_glob.h */
bool
s3_glob_match(const char *pattern, const char *key)
{
	return match_here(pattern, key, 0);
}

/* Finds "name=value" among key's directory segments; see s3_glob.h */
const char *
s3_partition_value(const char *key, const char *name, size_t *len)
{
	size_t		namelen = strlen(name);
	const char *segment = key;
	const char *slash;

	while ((slash = strchr(segment, '/')) != NULL)
	{
		if ((size_t) (slash - segment) > namelen &&
			strncmp(segment, name, namelen) == 0 && segment[namelen] == '=')
		{
			*len = (size_t) (slash - segment) - namelen - 1;
			return segment + namelen + 1;
		}
		segment = slash + 1;
	}
	return NULL;
}

/* Decodes hive's %XX escapes; see s3_glob.h */
size_t
s3_partition_decode(const char *src, size_t len, char *dst)
{
	size_t		n = 0;

	for (size_t i = 0; i < len; i++)
	{
		if (src[i] == '%' && i + 2 < len &&
			pi_hex_value(src[i + 1]) >= 0 && pi_hex_value(src[i + 2]) >= 0)
		{
			dst[n++] = (char) (pi_hex_value(src[i + 1]) * 16 + pi_hex_value(src[i + 2]));
			i += 2;
		}
		else
			dst[n++] = src[i];
	}
	dst[n] = '\0';
	return n;
}

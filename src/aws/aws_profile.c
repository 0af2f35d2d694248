/*-------------------------------------------------------------------------
 *
 * aws_profile.c
 *	  A reader for the AWS shared credentials and config files.
 *
 * The files are INI-like; the rules followed are those of the AWS SDKs'
 * "shared config and credentials files" reference (see aws_profile.h).
 * Pure C: no PostgreSQL header, no allocation, no <ctype.h> (the
 * backend's locale must not change how a file reads).
 *
 * IDENTIFICATION
 *	  src/aws/aws_profile.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "aws/aws_profile.h"

/*--- Private helpers ---*/

/* True for the blanks the files allow */
static inline bool
IsBlank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* ASCII lowercase of c */
static inline char
Lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* Trims blanks from both ends of [*start, *end) */
static void
Trim(const char **start, const char **end)
{
	while (*start < *end && IsBlank(**start))
		(*start)++;
	while (*end > *start && IsBlank((*end)[-1]))
		(*end)--;
}

/* True when [s, e) equals the string str exactly */
static bool
SpanEquals(const char *s, const char *e, const char *str)
{
	size_t		n = strlen(str);

	return (size_t) (e - s) == n && memcmp(s, str, n) == 0;
}

/* True when [s, e) equals the string str, ignoring ASCII case */
static bool
SpanEqualsNoCase(const char *s, const char *e, const char *str)
{
	size_t		n = strlen(str);

	if ((size_t) (e - s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (Lower(s[i]) != Lower(str[i]))
			return false;
	return true;
}

/*
 * True when the section header in [s, e) (the text between the brackets,
 * trimmed) names profile.
 */
static bool
SectionMatches(const char *s, const char *e, const char *profile,
			   bool config_file)
{
	if (!config_file)
		return SpanEquals(s, e, profile);
	if (SpanEquals(s, e, "default"))
		return strcmp(profile, "default") == 0;
	/* "profile" then at least one blank, then the name */
	if (e - s > 7 && memcmp(s, "profile", 7) == 0 && IsBlank(s[7]))
	{
		s += 7;
		Trim(&s, &e);
		return SpanEquals(s, e, profile);
	}
	return false;
}

/* Parses a section line "[ name ] # comment"; false if malformed */
static bool
ParseSection(const char *s, const char *e, const char **ns, const char **ne)
{
	const char *close = memchr(s, ']', e - s);

	if (s >= e || *s != '[' || close == NULL)
		return false;
	*ns = s + 1;
	*ne = close;
	Trim(ns, ne);
	return *ns < *ne;
}

/* Cuts a trailing comment (a '#' or ';' after a blank) off a value */
static void
CutComment(const char *s, const char **e)
{
	for (const char *p = s; p < *e; p++)
		if ((*p == '#' || *p == ';') && p > s && IsBlank(p[-1]))
		{
			*e = p;
			break;
		}
}

/*--- Public functions ---*/

/* Looks up key in profile's section; see aws_profile.h */
int
aws_profile_get(const char *text, size_t len, const char *profile,
				bool config_file, const char *key, char *out, size_t outsize)
{
	const char *end = text + len;
	const char *line = text;
	const char *vs = NULL;
	const char *ve = NULL;
	bool		in_section = false;
	bool		after_property = false;

	while (line < end)
	{
		const char *nl = memchr(line, '\n', end - line);
		const char *le = nl ? nl : end;
		const char *s = line;
		const char *e = le;
		bool		indented = (s < e && IsBlank(*s));

		line = nl ? nl + 1 : end;
		Trim(&s, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[')
		{
			const char *ns,
					   *ne;

			in_section = ParseSection(s, e, &ns, &ne) &&
				SectionMatches(ns, ne, profile, config_file);
			after_property = false;
			continue;
		}
		/* an indented line after a property is a sub-property: skip */
		if (indented && after_property)
			continue;
		{
			const char *eq = memchr(s, '=', e - s);
			const char *ks = s;
			const char *ke;
			const char *v;
			const char *w;

			if (eq == NULL)
				continue;		/* not a property: ignored as the SDKs do */
			after_property = true;
			if (!in_section)
				continue;
			ke = eq;
			Trim(&ks, &ke);
			if (!SpanEqualsNoCase(ks, ke, key))
				continue;
			v = eq + 1;
			w = e;
			CutComment(v, &w);
			Trim(&v, &w);
			vs = v;
			ve = w;
		}
	}
	if (vs == NULL)
		return -1;
	if (outsize > 0)
	{
		size_t		n = (size_t) (ve - vs);

		if (n >= outsize)
			n = outsize - 1;
		memcpy(out, vs, n);
		out[n] = '\0';
	}
	return (int) (ve - vs);
}

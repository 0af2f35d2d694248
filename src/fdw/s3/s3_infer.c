/*-------------------------------------------------------------------------
 *
 * s3_infer.c
 *	  Column types inferred from sampled text values (see s3_infer.h).
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_infer.c
 *
 *-------------------------------------------------------------------------
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/base.h"
#include "fdw/s3/s3_infer.h"

/* A cursor over the value being classified */
typedef struct Scan
{
	const char *p;
	const char *end;
} Scan;

/* True when the next character is c; consumes it */
static bool
Accept(Scan *s, char c)
{
	if (s->p < s->end && *s->p == c)
	{
		s->p++;
		return true;
	}
	return false;
}

/* Consumes digits, at most max of them; returns how many */
static int
Digits(Scan *s, int max)
{
	int			n = 0;

	while (s->p < s->end && n < max && *s->p >= '0' && *s->p <= '9')
	{
		s->p++;
		n++;
	}
	return n;
}

/* The number written by the n digits before s->p */
static int
ValueOf(const Scan *s, int n)
{
	int			v = 0;

	for (const char *d = s->p - n; d < s->p; d++)
		v = v * 10 + (*d - '0');
	return v;
}

/* An integer: integer or bigint by its magnitude, numeric beyond */
static S3InferType
IntegerType(const char *digits, size_t n, bool negative)
{
	const char *int32_limit = negative ? "2147483648" : "2147483647";
	const char *int64_limit = negative ? "9223372036854775808" : "9223372036854775807";

	if (n < 10 || (n == 10 && memcmp(digits, int32_limit, 10) <= 0))
		return S3_INFER_INTEGER;
	if (n < 19 || (n == 19 && memcmp(digits, int64_limit, 19) <= 0))
		return S3_INFER_BIGINT;
	return S3_INFER_NUMERIC;
}

/* A number: [sign] digits [. digits] [e [sign] digits], or inf / nan */
static S3InferType
NumberType(const char *value, size_t len)
{
	Scan		s = {value, value + len};
	bool		negative = Accept(&s, '-');
	const char *digits;
	int			whole;
	int			fraction = 0;
	bool		point;

	if (!negative)
		Accept(&s, '+');
	digits = s.p;
	if (pi_ascii_caseeq_n(s.p, s.end - s.p, "infinity") ||
		pi_ascii_caseeq_n(s.p, s.end - s.p, "inf") ||
		pi_ascii_caseeq_n(value, len, "nan"))
		return S3_INFER_FLOAT8;
	whole = Digits(&s, 1 << 30);
	point = Accept(&s, '.');
	if (point)
		fraction = Digits(&s, 1 << 30);
	if (whole + fraction == 0)
		return S3_INFER_TEXT;
	if (s.p < s.end && (*s.p == 'e' || *s.p == 'E'))
	{
		s.p++;
		if (!Accept(&s, '-'))
			Accept(&s, '+');
		if (Digits(&s, 4) == 0 || s.p != s.end)
			return S3_INFER_TEXT;
		return S3_INFER_FLOAT8;
	}
	if (s.p != s.end)
		return S3_INFER_TEXT;
	if (point)
		return S3_INFER_NUMERIC;
	/* "007" is a code, not the number 7 */
	if (whole > 1 && digits[0] == '0')
		return S3_INFER_TEXT;
	return IntegerType(digits, whole, negative);
}

/* Days in a month of a year */
static int
DaysIn(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Consumes YYYY-MM-DD, a real day; false if it is not there */
static bool
ScanDate(Scan *s)
{
	int			year,
				month,
				day;

	if (Digits(s, 4) != 4)
		return false;
	year = ValueOf(s, 4);
	if (!Accept(s, '-') || Digits(s, 2) != 2)
		return false;
	month = ValueOf(s, 2);
	if (!Accept(s, '-') || Digits(s, 2) != 2)
		return false;
	day = ValueOf(s, 2);
	return month >= 1 && month <= 12 && day >= 1 && day <= DaysIn(year, month);
}

/* Consumes HH:MM[:SS[.fraction]]; false if it is not there */
static bool
ScanTime(Scan *s)
{
	if (Digits(s, 2) != 2 || ValueOf(s, 2) > 23 || !Accept(s, ':') ||
		Digits(s, 2) != 2 || ValueOf(s, 2) > 59)
		return false;
	if (Accept(s, ':'))
	{
		if (Digits(s, 2) != 2 || ValueOf(s, 2) > 60)
			return false;
		if (Accept(s, '.') && Digits(s, 1 << 30) == 0)
			return false;
	}
	return true;
}

/* Consumes a zone: Z, or +HH, +HHMM, +HH:MM (or -); false if none */
static bool
ScanZone(Scan *s)
{
	if (Accept(s, 'Z') || Accept(s, 'z'))
		return true;
	if (!Accept(s, '+') && !Accept(s, '-'))
		return false;
	if (Digits(s, 2) != 2 || ValueOf(s, 2) > 15)
		return false;
	if (Accept(s, ':'))
		return Digits(s, 2) == 2 && ValueOf(s, 2) <= 59;
	if (Digits(s, 2) == 2)
		return ValueOf(s, 2) <= 59;
	return true;
}

/* A date, timestamp or timestamptz in ISO 8601 form; text otherwise */
static S3InferType
TimeType(const char *value, size_t len)
{
	Scan		s = {value, value + len};

	if (!ScanDate(&s))
		return S3_INFER_TEXT;
	if (s.p == s.end)
		return S3_INFER_DATE;
	if (!Accept(&s, 'T') && !Accept(&s, ' '))
		return S3_INFER_TEXT;
	if (!ScanTime(&s))
		return S3_INFER_TEXT;
	if (s.p == s.end)
		return S3_INFER_TIMESTAMP;
	Accept(&s, ' ');
	return ScanZone(&s) && s.p == s.end ? S3_INFER_TIMESTAMPTZ : S3_INFER_TEXT;
}

/* jsonb for a JSON object or array; text otherwise */
static S3InferType
JsonType(const char *value, size_t len)
{
	json_tokener *tok;
	json_object *parsed;
	bool		whole;

	if (len == 0 || (value[0] != '{' && value[0] != '[') || len > INT32_MAX)
		return S3_INFER_TEXT;
	tok = json_tokener_new();
	if (tok == NULL)
		return S3_INFER_TEXT;
	parsed = json_tokener_parse_ex(tok, value, (int) len);
	whole = parsed != NULL && json_tokener_get_error(tok) == json_tokener_success &&
		json_tokener_get_parse_end(tok) == len;
	json_object_put(parsed);
	json_tokener_free(tok);
	return whole ? S3_INFER_JSONB : S3_INFER_TEXT;
}

/* The narrowest type that accepts the len bytes of value */
S3InferType
s3_infer_value(const char *value, size_t len)
{
	S3InferType type;

	if (len == 0)
		return S3_INFER_TEXT;
	if (pi_ascii_caseeq_n(value, len, "true") || pi_ascii_caseeq_n(value, len, "false") ||
		pi_ascii_caseeq_n(value, len, "t") || pi_ascii_caseeq_n(value, len, "f"))
		return S3_INFER_BOOLEAN;
	if ((type = NumberType(value, len)) != S3_INFER_TEXT)
		return type;
	if ((type = TimeType(value, len)) != S3_INFER_TEXT)
		return type;
	return JsonType(value, len);
}

/* True when a type is one of the numbers */
static bool
IsNumber(S3InferType t)
{
	return t >= S3_INFER_INTEGER && t <= S3_INFER_FLOAT8;
}

/* True when a type is one of the times */
static bool
IsTime(S3InferType t)
{
	return t >= S3_INFER_DATE && t <= S3_INFER_TIMESTAMPTZ;
}

/* The narrowest type that accepts the values of both a and b */
S3InferType
s3_infer_merge(S3InferType a, S3InferType b)
{
	if (a == S3_INFER_NONE || a == b)
		return b;
	if (b == S3_INFER_NONE)
		return a;
	if (IsNumber(a) && IsNumber(b))
	{
		/* float8 with an exact number: numeric holds both exactly */
		if (a == S3_INFER_FLOAT8 || b == S3_INFER_FLOAT8)
			return S3_INFER_NUMERIC;
		return a > b ? a : b;
	}
	if (IsTime(a) && IsTime(b))
		return a > b ? a : b;
	return S3_INFER_TEXT;
}

/* The SQL name of a type (text for S3_INFER_NONE) */
const char *
s3_infer_type_name(S3InferType type)
{
	static const char *const names[] = {
		"text", "boolean", "integer", "bigint", "numeric", "float8", "date",
		"timestamp", "timestamptz", "jsonb", "text"
	};

	return names[type];
}

/*-------------------------------------------------------------------------
 *
 * mysql_convert.c
 *	  Turns the values of MySQL's text protocol into PostgreSQL datums.
 *
 *	  A converter is chosen once per column from the foreign table's column
 *	  type and the remote field (binary or not, SET, BIT); the common types
 *	  (integers, text, bytea, Boolean, and the usual forms of DECIMAL,
 *	  DATE, DATETIME and TIMESTAMP) are built directly, the others through
 *	  the type's input function.  A direct conversion gives the same datum,
 *	  byte for byte, as the input function would: it is taken only for the
 *	  forms it parses exactly, and anything else (more digits, another
 *	  scale, an out-of-range date) goes to the input function, which also
 *	  raises its errors.  Text is verified (and converted to the database
 *	  encoding) before it becomes a value: the connection speaks utf8mb4.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/varbit.h"

#include "fdw/mysql/federated_mysql.h"

/* How a column is converted (MysqlColumnConverter.kind) */
enum
{
	MYSQL_CONVERT_INPUT,		/* the type's input function */
	MYSQL_CONVERT_INT2,
	MYSQL_CONVERT_INT4,
	MYSQL_CONVERT_INT8,
	MYSQL_CONVERT_TEXT,
	MYSQL_CONVERT_VARCHAR,		/* text with a length limit */
	MYSQL_CONVERT_BYTEA,
	MYSQL_CONVERT_BOOL,
	MYSQL_CONVERT_NUMERIC,
	MYSQL_CONVERT_DATE,			/* date or timestamp: zero dates checked */
	MYSQL_CONVERT_TIMESTAMPTZ,	/* MySQL sends UTC: the session's time zone */
	MYSQL_CONVERT_TIME,			/* time of day: MySQL's TIME spans +-838 h */
	MYSQL_CONVERT_TEXT_ARRAY	/* a SET as text[] */
};

/* Chooses how values of a column of type typid are converted */
void
MysqlConverterInit(MysqlColumnConverter *conv, Oid typid, int32 typmod,
				   const char *name)
{
	Oid			input;

	memset(conv, 0, sizeof(*conv));
	conv->typid = typid;
	conv->typmod = typmod;
	conv->name = name;
	getTypeInputInfo(typid, &input, &conv->ioparam);
	fmgr_info(input, &conv->input);
	switch (typid)
	{
		case INT2OID:
			conv->kind = MYSQL_CONVERT_INT2;
			break;
		case INT4OID:
			conv->kind = MYSQL_CONVERT_INT4;
			break;
		case INT8OID:
			conv->kind = MYSQL_CONVERT_INT8;
			break;
		case TEXTOID:
			conv->kind = MYSQL_CONVERT_TEXT;
			break;
		case VARCHAROID:
			conv->kind = MYSQL_CONVERT_VARCHAR;
			break;
		case BYTEAOID:
			conv->kind = MYSQL_CONVERT_BYTEA;
			break;
		case BOOLOID:
			conv->kind = MYSQL_CONVERT_BOOL;
			break;
		case NUMERICOID:
			conv->kind = MYSQL_CONVERT_NUMERIC;
			break;
		case DATEOID:
		case TIMESTAMPOID:
			conv->kind = MYSQL_CONVERT_DATE;
			break;
		case TIMESTAMPTZOID:
			conv->kind = MYSQL_CONVERT_TIMESTAMPTZ;
			break;
		case TIMEOID:
			conv->kind = MYSQL_CONVERT_TIME;
			break;
		case TEXTARRAYOID:
			conv->kind = MYSQL_CONVERT_TEXT_ARRAY;
			break;
		default:
			conv->kind = MYSQL_CONVERT_INPUT;
	}
}

/* Records what the remote field sends: binary bytes, a SET, a BIT */
void
MysqlConverterBindField(MysqlColumnConverter *conv, const MYSQL_FIELD *field)
{
	conv->remote_binary = field->charsetnr == 63 &&
		field->type != MYSQL_TYPE_BIT && !IS_NUM(field->type) &&
		field->type != MYSQL_TYPE_DATE && field->type != MYSQL_TYPE_DATETIME &&
		field->type != MYSQL_TYPE_TIMESTAMP && field->type != MYSQL_TYPE_TIME &&
		field->type != MYSQL_TYPE_YEAR && field->type != MYSQL_TYPE_NEWDATE;
	conv->remote_set = (field->flags & SET_FLAG) != 0;
	conv->remote_bits = field->type == MYSQL_TYPE_BIT ? (int) field->length : 0;
}

/* Verifies remote text and converts it to the database encoding */
static char *
VerifiedText(char *value, unsigned long length)
{
	return pg_any_to_server(value, length, PG_UTF8);
}

/* A MySQL BIT value (big-endian bytes) as an unsigned number */
static uint64
BitsAsNumber(const char *value, unsigned long length)
{
	uint64		number = 0;

	for (unsigned long i = 0; i < length; i++)
		number = (number << 8) | (unsigned char) value[i];
	return number;
}

/* A MySQL BIT(n) value as a "0101" string of its n bits */
static char *
BitsAsText(const char *value, unsigned long length, int bits)
{
	char	   *text = palloc(bits + 1);

	for (int i = 0; i < bits; i++)
	{
		int			bit = bits - 1 - i;	/* counted from the least significant */
		unsigned long byte = length - 1 - bit / 8;

		text[i] = (bit / 8 < (int) length &&
				   ((unsigned char) value[byte] >> (bit % 8)) & 1) ? '1' : '0';
	}
	text[bits] = '\0';
	return text;
}

/* Converts a BIT value to the column's type */
static Datum
ConvertBits(MysqlColumnConverter *conv, char *value, unsigned long length)
{
	uint64		number = BitsAsNumber(value, length);

	switch (conv->typid)
	{
		case BOOLOID:
			return BoolGetDatum(number != 0);
		case INT2OID:
		case INT4OID:
		case INT8OID:
			if ((conv->typid == INT2OID && number > PG_INT16_MAX) ||
				(conv->typid == INT4OID && number > PG_INT32_MAX) ||
				number > PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("BIT value of column \"%s\" is out of range for type %s",
								conv->name, format_type_be(conv->typid))));
			return conv->typid == INT2OID ? Int16GetDatum((int16) number) :
				conv->typid == INT4OID ? Int32GetDatum((int32) number) :
				Int64GetDatum((int64) number);
	}
	return InputFunctionCall(&conv->input,
							 BitsAsText(value, length, conv->remote_bits),
							 conv->ioparam, conv->typmod);
}

/* A SET value ("a,b,c") as a text array */
static Datum
ConvertSet(char *value, unsigned long length)
{
	ArrayBuildState *state = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	char	   *start = value;

	for (char *p = value; length > 0; p++)
	{
		if (p == value + length || *p == ',')
		{
			state = accumArrayResult(state,
									 PointerGetDatum(cstring_to_text_with_len(start, p - start)),
									 false, TEXTOID, CurrentMemoryContext);
			if (p == value + length)
				break;
			start = p + 1;
		}
	}
	return makeArrayResult(state, CurrentMemoryContext);
}

/* True for a zero date or one with a zero month or day ("2020-00-00") */
static bool
IsZeroDate(const char *value, unsigned long length)
{
	return length >= 10 && value[4] == '-' && value[7] == '-' &&
		((value[5] == '0' && value[6] == '0') ||
		 (value[8] == '0' && value[9] == '0'));
}

/* Applies the zero_date option; true when the value becomes NULL */
static bool
ZeroDateIsNull(MysqlColumnConverter *conv, const char *value,
			   MysqlZeroDate zero_date)
{
	if (zero_date == MYSQL_ZERO_DATE_NULL)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("column \"%s\" has the MySQL zero date \"%s\"",
					conv->name, value),
			 errhint("Set the option zero_date 'null' on the server or table to read zero dates as NULL.")));
	return false;
}

/* Refuses a MySQL TIME that is no time of day (negative, or 24 h or more) */
static void
CheckTimeOfDay(MysqlColumnConverter *conv, const char *value)
{
	if (value[0] == '-' || atoi(value) >= 24)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
				 errmsg("MySQL TIME value \"%s\" of column \"%s\" is not a time of day",
						value, conv->name),
				 errhint("Declare the column as interval to read durations.")));
}

/* Parses n digits at s, or returns -1 */
static inline int
Digits(const char *s, int n)
{
	int			value = 0;

	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		value = value * 10 + (s[i] - '0');
	}
	return value;
}

/* Reads MySQL's "YYYY-MM-DD" into year, month and day; false if not that */
static bool
ParseDate(const char *value, unsigned long length, struct pg_tm *tm)
{
	if (length < 10 || value[4] != '-' || value[7] != '-')
		return false;
	tm->tm_year = Digits(value, 4);
	tm->tm_mon = Digits(value + 5, 2);
	tm->tm_mday = Digits(value + 8, 2);
	return tm->tm_year >= 1 && tm->tm_mon >= 1 && tm->tm_mon <= 12 &&
		tm->tm_mday >= 1 &&
		tm->tm_mday <= day_tab[isleap(tm->tm_year)][tm->tm_mon - 1];
}

/* Converts MySQL's "YYYY-MM-DD" to a date; false for any other form */
static bool
FastDate(const char *value, unsigned long length, Datum *result)
{
	struct pg_tm tm;

	if (length != 10 || !ParseDate(value, length, &tm))
		return false;
	*result = DateADTGetDatum(date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) -
							  POSTGRES_EPOCH_JDATE);
	return true;
}

/*
 * Reads MySQL's "HH:MM:SS[.ffffff]" (a time of day) at value into tm and
 * microseconds; false for any other form.
 */
static bool
ParseTimeOfDay(const char *value, unsigned long length, struct pg_tm *tm,
			   fsec_t *fsec)
{
	if (length < 8 || value[2] != ':' || value[5] != ':')
		return false;
	tm->tm_hour = Digits(value, 2);
	tm->tm_min = Digits(value + 3, 2);
	tm->tm_sec = Digits(value + 6, 2);
	*fsec = 0;
	if (length > 8)
	{
		int			n = length - 9;

		if (value[8] != '.' || n < 1 || n > 6 || (*fsec = Digits(value + 9, n)) < 0)
			return false;
		for (; n < 6; n++)
			*fsec *= 10;
	}
	return tm->tm_hour >= 0 && tm->tm_hour < 24 && tm->tm_min >= 0 &&
		tm->tm_min < 60 && tm->tm_sec >= 0 && tm->tm_sec < 60;
}

/*
 * Converts MySQL's "YYYY-MM-DD HH:MM:SS[.ffffff]" (in UTC for a
 * timestamptz) to a timestamp of the column's precision; false for any
 * other form or a value out of PostgreSQL's range.
 */
static bool
FastTimestamp(MysqlColumnConverter *conv, const char *value,
			  unsigned long length, Datum *result)
{
	struct pg_tm tm;
	fsec_t		fsec;
	Timestamp	ts;

	if (length < 19 || value[10] != ' ' || !ParseDate(value, 10, &tm) ||
		!ParseTimeOfDay(value + 11, length - 11, &tm, &fsec) ||
		tm2timestamp(&tm, fsec, NULL, &ts) != 0 ||
		!AdjustTimestampForTypmodError(&ts, conv->typmod, NULL) ||
		!IS_VALID_TIMESTAMP(ts))
		return false;
	*result = TimestampGetDatum(ts);
	return true;
}

/*
 * Whether a value with int_digits significant digits before the point and
 * "decimals" after it is one numeric_in leaves as it is for the typmod:
 * any value when unconstrained, else exactly the scale's decimals and no
 * more integer digits than the precision allows.
 */
static bool
NumericTypmodFits(int32 typmod, int int_digits, int decimals)
{
	int32		precision,
				scale;

	if (typmod < (int32) VARHDRSZ)
		return true;
	precision = ((typmod - VARHDRSZ) >> 16) & 0xffff;
	/* PostgreSQL 15 stores the scale as an 11-bit signed number */
	scale = (((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024;
	return decimals == scale && int_digits <= precision - scale;
}

/*
 * Converts MySQL's DECIMAL text ("-123.45") to a numeric, when it has at
 * most 15 digits (an int64 scaled by a power of ten is then exact) and as
 * many decimals as the column's scale; false otherwise.
 */
static bool
FastNumeric(MysqlColumnConverter *conv, const char *value,
			unsigned long length, Datum *result)
{
	const char *p = value;
	const char *end = value + length;
	int64		number = 0;
	int			digits = 0;		/* significant: after leading zeros */
	int			int_digits = 0;
	int			decimals = 0;
	bool		negative = (*p == '-');

	if (negative)
		p++;
	if (p == end || !isdigit((unsigned char) *p))
		return false;
	for (; p < end && isdigit((unsigned char) *p); p++)
	{
		number = number * 10 + (*p - '0');
		if ((digits += (number != 0)) > 15)
			return false;
	}
	int_digits = digits;
	if (p < end && *p == '.')
	{
		for (p++; p < end && isdigit((unsigned char) *p); p++, decimals++)
		{
			number = number * 10 + (*p - '0');
			if ((digits += (number != 0)) > 15)
				return false;
		}
		if (decimals == 0)
			return false;
	}
	if (p != end || !NumericTypmodFits(conv->typmod, int_digits, decimals))
		return false;
	*result = NumericGetDatum(int64_div_fast_to_numeric(negative ? -number : number,
														decimals));
	return true;
}

/* Converts text to varchar(n) directly when it surely fits */
static Datum
ConvertVarchar(MysqlColumnConverter *conv, char *value, unsigned long length)
{
	char	   *text = VerifiedText(value, length);

	/* characters never outnumber bytes: a value this short fits */
	if (text == value &&
		(conv->typmod < (int32) VARHDRSZ || length <= conv->typmod - VARHDRSZ))
		return PointerGetDatum(cstring_to_text_with_len(value, length));
	return InputFunctionCall(&conv->input, text, conv->ioparam, conv->typmod);
}

/* Parses MySQL's 0/1 (or true/false) as a Boolean */
static Datum
ConvertBool(MysqlColumnConverter *conv, char *value)
{
	char	   *end;
	long		number = strtol(value, &end, 10);

	if (end != value && *end == '\0')
		return BoolGetDatum(number != 0);
	return InputFunctionCall(&conv->input, value, conv->ioparam, conv->typmod);
}

/* Converts one remote value (NUL-terminated, "length" bytes) to a datum */
Datum
MysqlConvertValue(MysqlColumnConverter *conv, char *value, unsigned long length,
				  MysqlZeroDate zero_date, bool *isnull)
{
	Datum		result;

	*isnull = value == NULL;
	if (value == NULL)
		return (Datum) 0;
	if (conv->remote_bits > 0)
		return ConvertBits(conv, value, length);

	switch (conv->kind)
	{
		case MYSQL_CONVERT_INT2:
			return Int16GetDatum(pg_strtoint16(value));
		case MYSQL_CONVERT_INT4:
			return Int32GetDatum(pg_strtoint32(value));
		case MYSQL_CONVERT_INT8:
			return Int64GetDatum(pg_strtoint64(value));
		case MYSQL_CONVERT_BYTEA:
			{
				bytea	   *result = palloc(VARHDRSZ + length);

				SET_VARSIZE(result, VARHDRSZ + length);
				memcpy(VARDATA(result), value, length);
				return PointerGetDatum(result);
			}
		case MYSQL_CONVERT_TEXT:
			{
				char	   *text = VerifiedText(value, length);

				return PointerGetDatum(text == value ?
									   cstring_to_text_with_len(value, length) :
									   cstring_to_text(text));
			}
		case MYSQL_CONVERT_VARCHAR:
			return ConvertVarchar(conv, value, length);
		case MYSQL_CONVERT_BOOL:
			return ConvertBool(conv, value);
		case MYSQL_CONVERT_NUMERIC:
			if (FastNumeric(conv, value, length, &result))
				return result;
			break;
		case MYSQL_CONVERT_DATE:
			if (IsZeroDate(value, length) && ZeroDateIsNull(conv, value, zero_date))
			{
				*isnull = true;
				return (Datum) 0;
			}
			if (conv->typid == DATEOID ? FastDate(value, length, &result) :
				FastTimestamp(conv, value, length, &result))
				return result;
			break;
		case MYSQL_CONVERT_TIMESTAMPTZ:
			if (IsZeroDate(value, length) && ZeroDateIsNull(conv, value, zero_date))
			{
				*isnull = true;
				return (Datum) 0;
			}
			/* MySQL sends UTC: the same instant as a timestamp */
			if (FastTimestamp(conv, value, length, &result))
				return result;
			return InputFunctionCall(&conv->input, psprintf("%s+00", value),
									 conv->ioparam, conv->typmod);
		case MYSQL_CONVERT_TIME:
			CheckTimeOfDay(conv, value);
			break;
		case MYSQL_CONVERT_TEXT_ARRAY:
			if (conv->remote_set)
			{
				char	   *text = VerifiedText(value, length);

				return ConvertSet(text, strlen(text));
			}
			break;
	}
	return InputFunctionCall(&conv->input, VerifiedText(value, length),
							 conv->ioparam, conv->typmod);
}

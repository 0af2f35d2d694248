/*-------------------------------------------------------------------------
 *
 * test_codec.c
 *	  Unit tests of the inference request/response codecs (src/infer/codec_*.c).
 *
 * Every request layout is encoded and compared byte for byte, then decoded
 * back; replies of the shapes SageMaker containers send are decoded, and
 * each kind of malformed body must fail with its location in the message.
 * A 100,000-row body goes both ways in every format as a speed check.
 *
 * IDENTIFICATION
 *	  test/unit/test_codec.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infer/codec.h"
#include "unit.h"

#define BIG_ROWS	100000

/* A field of the given kind over a NUL-terminated text */
static CodecField
fld(CodecFieldKind kind, const char *text)
{
	CodecField	f;

	f.kind = kind;
	f.text = text;
	f.len = text != NULL ? strlen(text) : 0;
	return f;
}

/* Encodes rows of nfields fields each into buf; returns the predicted size */
static size_t
encode(CodecFormat format, PiBuf *buf, const CodecField *fields,
	   int nrows, int nfields)
{
	int			i;

	codec_begin(format, buf);
	for (i = 0; i < nrows; i++)
		codec_add_row(format, buf, i, fields + i * nfields, nfields);
	return buf->len + codec_end_size(format);
}

/* Decodes a body with the malloc allocator; NULL on any error */
static CodecResult *
decode_n(CodecFormat format, const char *body, size_t len, const char *field,
		 char *err, size_t errlen)
{
	CodecResult *res;

	(void) codec_decode(format, body, len, field, &pi_malloc_allocator, &res,
						err, errlen);
	return res;
}

/* Decodes a NUL-terminated body, printing the error when there is one */
static CodecResult *
decode(CodecFormat format, const char *body, const char *field, char *err)
{
	CodecResult *res;

	if (codec_decode(format, body, strlen(body), field, &pi_malloc_allocator,
					 &res, err, 256) != CODEC_OK)
		printf("# error: %s\n", err);
	return res;
}

/* Whether decoding fails with a message containing every part */
static bool
fails_with(CodecFormat format, const char *body, size_t len,
		   const char *field, const char *part1, const char *part2)
{
	char		err[256];
	CodecResult *res;

	if (codec_decode(format, body, len, field, &pi_malloc_allocator, &res,
					 err, sizeof(err)) != CODEC_MALFORMED || res != NULL)
	{
		codec_result_free(res);
		printf("# decoded without error\n");
		return false;
	}
	printf("# error: %s\n", err);
	return strstr(err, part1) != NULL && (part2 == NULL || strstr(err, part2) != NULL);
}

/* Whether a value is a scalar with this text, string flag and JSON text */
static bool
is_scalar(const CodecValue *v, const char *text, bool is_string, const char *json)
{
	return v->kind == CODEC_VALUE_SCALAR && strcmp(v->text, text) == 0 &&
		v->is_string == is_string && strcmp(v->json, json) == 0;
}

/* Buffers and MIME types */
static void
test_buffers_and_mime(void)
{
	PiBuf	buf;

	pi_buf_init(&buf, &pi_malloc_allocator);
	CHECK(buf.data != NULL && buf.len == 0 && buf.data[0] == '\0', "init gives an empty terminated buffer");
	codec_begin(CODEC_JSON, &buf);
	pi_buf_reset(&buf);
	CHECK(buf.len == 0 && buf.data[0] == '\0', "reset empties the buffer");
	pi_buf_free(&buf);
	CHECK(buf.data == NULL && buf.len == 0, "free releases the buffer");

	CHECK(strcmp(codec_mime_type(CODEC_CSV), "text/csv") == 0 &&
		  strcmp(codec_mime_type(CODEC_JSON), "application/json") == 0 &&
		  strcmp(codec_mime_type(CODEC_JSONLINES), "application/jsonlines") == 0,
		  "MIME type of each format");
	CHECK(codec_format_from_mime("text/csv") == CODEC_CSV &&
		  codec_format_from_mime(" Text/CSV ; charset=utf-8") == CODEC_CSV,
		  "text/csv, any case, with parameters and blanks");
	CHECK(codec_format_from_mime("application/json") == CODEC_JSON &&
		  codec_format_from_mime("APPLICATION/JSON;charset=UTF-8") == CODEC_JSON,
		  "application/json");
	CHECK(codec_format_from_mime("application/jsonlines") == CODEC_JSONLINES &&
		  codec_format_from_mime("application/jsonl") == CODEC_JSONLINES &&
		  codec_format_from_mime("\tapplication/x-jsonlines; q=1") == CODEC_JSONLINES,
		  "the three JSON Lines types");
	CHECK(codec_format_from_mime("text/plain") == -1 &&
		  codec_format_from_mime("application/json5") == -1 &&
		  codec_format_from_mime("") == -1 && codec_format_from_mime(NULL) == -1,
		  "unknown types give -1");
}

/* CSV requests: kinds, quoting and the exact bytes */
static void
test_encode_csv(void)
{
	PiBuf	buf;
	CodecField	f[] = {
		fld(CODEC_FIELD_NUMBER, "1.5"), fld(CODEC_FIELD_NUMBER, "-3"),
		fld(CODEC_FIELD_NUMBER, "1e-05"), fld(CODEC_FIELD_BOOL, "true"),
		fld(CODEC_FIELD_BOOL, "false"), fld(CODEC_FIELD_NULL, NULL),
		fld(CODEC_FIELD_STRING, "plain"), fld(CODEC_FIELD_STRING, "a,b"),
		fld(CODEC_FIELD_STRING, "say \"hi\""), fld(CODEC_FIELD_STRING, "two\nlines"),
		fld(CODEC_FIELD_STRING, "cr\rhere"), fld(CODEC_FIELD_STRING, " lead"),
		fld(CODEC_FIELD_STRING, "trail\t"), fld(CODEC_FIELD_STRING, "in side"),
		fld(CODEC_FIELD_STRING, "h\xc3\xa9llo \xf0\x9f\x98\x80"),
		fld(CODEC_FIELD_STRING, "")
	};
	size_t		predicted;

	pi_buf_init(&buf, &pi_malloc_allocator);
	predicted = encode(CODEC_CSV, &buf, f, 1, 16);
	codec_end(CODEC_CSV, &buf);
	CHECK(strcmp(buf.data,
				 "1.5,-3,1e-05,1,0,,plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\","
				 "\"cr\rhere\",\" lead\",\"trail\t\",in side,h\xc3\xa9llo \xf0\x9f\x98\x80,\n") == 0,
		  "CSV row: numbers as given, 1/0, empty NULL, quoting only where needed");
	CHECK(buf.len == predicted && codec_end_size(CODEC_CSV) == 0, "CSV size predicted exactly");

	predicted = encode(CODEC_CSV, &buf, f, 2, 8);
	codec_end(CODEC_CSV, &buf);
	CHECK(strcmp(buf.data, "1.5,-3,1e-05,1,0,,plain,\"a,b\"\n"
				 "\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",\" lead\",\"trail\t\",in side,"
				 "h\xc3\xa9llo \xf0\x9f\x98\x80,\n") == 0 && buf.len == predicted,
		  "CSV: two rows, codec_begin empties the buffer first");
	pi_buf_free(&buf);
}

/* JSON and JSON Lines requests: layout, escaping and the exact bytes */
static void
test_encode_json(void)
{
	PiBuf	buf;
	CodecField	f[] = {
		fld(CODEC_FIELD_NUMBER, "1.5"), fld(CODEC_FIELD_BOOL, "true"),
		fld(CODEC_FIELD_NULL, NULL), fld(CODEC_FIELD_STRING, "q\"b\\s/\x01\n\t\xf0\x9f\x98\x80"),
		fld(CODEC_FIELD_NUMBER, "-3"), fld(CODEC_FIELD_BOOL, "f"),
		fld(CODEC_FIELD_STRING, ""), fld(CODEC_FIELD_NUMBER, "1e-05")
	};
	size_t		predicted;

	pi_buf_init(&buf, &pi_malloc_allocator);
	predicted = encode(CODEC_JSON, &buf, f, 2, 4);
	codec_end(CODEC_JSON, &buf);
	CHECK(strcmp(buf.data,
				 "{\"instances\":[{\"features\":[1.5,true,null,"
				 "\"q\\\"b\\\\s/\\u0001\\u000a\\u0009\xf0\x9f\x98\x80\"]},"
				 "{\"features\":[-3,false,\"\",1e-05]}]}") == 0,
		  "JSON body: instances/features, RFC 8259 escapes, UTF-8 as is");
	CHECK(buf.len == predicted && codec_end_size(CODEC_JSON) == 2, "JSON size predicted exactly");

	predicted = encode(CODEC_JSON, &buf, f, 0, 4);
	codec_end(CODEC_JSON, &buf);
	CHECK(strcmp(buf.data, "{\"instances\":[]}") == 0 && buf.len == predicted,
		  "JSON body without rows");

	predicted = encode(CODEC_JSONLINES, &buf, f + 4, 1, 4);
	codec_add_row(CODEC_JSONLINES, &buf, 1, f, 0);
	predicted = buf.len + codec_end_size(CODEC_JSONLINES);
	codec_end(CODEC_JSONLINES, &buf);
	CHECK(strcmp(buf.data, "{\"features\":[-3,false,\"\",1e-05]}\n{\"features\":[]}\n") == 0 &&
		  buf.len == predicted && codec_end_size(CODEC_JSONLINES) == 0,
		  "JSON Lines body: one features object per line");
	pi_buf_free(&buf);
}

/* Every request layout decodes back to the fields it was built from */
static void
test_round_trip(void)
{
	CodecField	f[] = {
		fld(CODEC_FIELD_NUMBER, "1.5"), fld(CODEC_FIELD_STRING, "a,\"b\"\r\nc"),
		fld(CODEC_FIELD_STRING, " \xe2\x82\xac "), fld(CODEC_FIELD_NULL, NULL),
		fld(CODEC_FIELD_NUMBER, "1e-05"), fld(CODEC_FIELD_STRING, "x"),
		fld(CODEC_FIELD_STRING, "\xf0\x9f\x98\x80"), fld(CODEC_FIELD_NUMBER, "0")
	};
	PiBuf	buf;
	CodecResult *res;
	char		err[256];
	const CodecValue *r;

	pi_buf_init(&buf, &pi_malloc_allocator);
	encode(CODEC_CSV, &buf, f, 2, 4);
	codec_end(CODEC_CSV, &buf);
	res = decode(CODEC_CSV, buf.data, NULL, err);
	CHECK(res != NULL && res->nrows == 2, "CSV request decodes as CSV");
	if (res != NULL && res->nrows == 2)
	{
		r = &res->rows[0];
		CHECK(r->kind == CODEC_VALUE_ARRAY && r->nitems == 4 &&
			  is_scalar(&r->items[0], "1.5", true, "1.5") &&
			  is_scalar(&r->items[1], "a,\"b\"\r\nc", true, "\"a,\\\"b\\\"\\u000d\\u000ac\"") &&
			  is_scalar(&r->items[2], " \xe2\x82\xac ", true, "\" \xe2\x82\xac \"") &&
			  r->items[3].kind == CODEC_VALUE_NULL && strcmp(r->items[3].json, "null") == 0,
			  "CSV round trip: quoted comma, quotes, CRLF, edge blanks, NULL");
		CHECK(strcmp(res->rows[1].json, "[1e-05,\"x\",\"\xf0\x9f\x98\x80\",0]") == 0,
			  "CSV row JSON: numbers bare, strings quoted: %s", res->rows[1].json);
	}
	codec_result_free(res);

	encode(CODEC_JSON, &buf, f, 2, 4);
	codec_end(CODEC_JSON, &buf);
	res = decode(CODEC_JSON, buf.data, "features", err);
	CHECK(res != NULL && res->nrows == 2 && res->rows[0].nitems == 4 &&
		  is_scalar(&res->rows[0].items[0], "1.5", false, "1.5") &&
		  is_scalar(&res->rows[0].items[1], "a,\"b\"\r\nc", true, "\"a,\\\"b\\\"\\u000d\\u000ac\"") &&
		  res->rows[0].items[3].kind == CODEC_VALUE_NULL &&
		  strcmp(res->rows[1].json, "[1e-05,\"x\",\"\xf0\x9f\x98\x80\",0]") == 0,
		  "JSON request decodes as JSON (the instances array, field features)");
	codec_result_free(res);

	encode(CODEC_JSONLINES, &buf, f, 2, 4);
	res = decode(CODEC_JSONLINES, buf.data, "features", err);
	CHECK(res != NULL && res->nrows == 2 &&
		  is_scalar(&res->rows[0].items[2], " \xe2\x82\xac ", true, "\" \xe2\x82\xac \"") &&
		  strcmp(res->rows[1].json, "[1e-05,\"x\",\"\xf0\x9f\x98\x80\",0]") == 0,
		  "JSON Lines request decodes as JSON Lines");
	codec_result_free(res);
	pi_buf_free(&buf);
}

/* CSV replies */
static void
test_decode_csv(void)
{
	CodecResult *res;
	char		err[256];

	res = decode(CODEC_CSV, "0.5\r\n1e3\r\nabc\r\n\"q\"\"x\"\n", NULL, err);
	CHECK(res != NULL && res->nrows == 4 &&
		  is_scalar(&res->rows[0], "0.5", true, "0.5") &&
		  is_scalar(&res->rows[1], "1e3", true, "1e3") &&
		  is_scalar(&res->rows[2], "abc", true, "\"abc\"") &&
		  is_scalar(&res->rows[3], "q\"x", true, "\"q\\\"x\""),
		  "CSV one field per line: scalars, CRLF and LF, numbers bare in JSON");
	codec_result_free(res);

	res = decode(CODEC_CSV, "1,\"a\nb\",\"\"\n2,,\"c,d\"", NULL, err);
	CHECK(res != NULL && res->nrows == 2 && res->rows[0].kind == CODEC_VALUE_ARRAY &&
		  is_scalar(&res->rows[0].items[1], "a\nb", true, "\"a\\u000ab\"") &&
		  is_scalar(&res->rows[0].items[2], "", true, "\"\"") &&
		  res->rows[1].items[1].kind == CODEC_VALUE_NULL &&
		  is_scalar(&res->rows[1].items[2], "c,d", true, "\"c,d\"") &&
		  strcmp(res->rows[1].json, "[2,null,\"c,d\"]") == 0,
		  "CSV several fields: arrays; quoted newline; \"\" empty, bare empty NULL; no final newline");
	codec_result_free(res);

	res = decode(CODEC_CSV, "+1\n 2\n01\n-0.5e+2\n\n\r\n", NULL, err);
	CHECK(res != NULL && res->nrows == 4 &&
		  strcmp(res->rows[0].json, "\"+1\"") == 0 && strcmp(res->rows[1].json, "\" 2\"") == 0 &&
		  strcmp(res->rows[2].json, "\"01\"") == 0 && strcmp(res->rows[3].json, "-0.5e+2") == 0,
		  "CSV: only JSON-grammar numbers are bare; blank lines at the end ignored");
	codec_result_free(res);

	res = decode(CODEC_CSV, "", NULL, err);
	CHECK(res != NULL && res->nrows == 0, "CSV: empty body, no rows");
	codec_result_free(res);

	CHECK(fails_with(CODEC_CSV, "1\n\n2\n", 5, NULL, "empty line 2", NULL),
		  "CSV: blank line in the middle");
	CHECK(fails_with(CODEC_CSV, "1\n\"a\nb\n2\n", 9, NULL, "unterminated quoted field", "line 2"),
		  "CSV: unterminated quote names its line");
	CHECK(fails_with(CODEC_CSV, "\"a\nb\",1\n\"x\"y\n", 13, NULL, "after a closing quote", "line 3 at byte 11"),
		  "CSV: character after closing quote, lines counted through quoted newlines");
	CHECK(fails_with(CODEC_CSV, "1\nab\"c\n", 7, NULL, "quote inside an unquoted field", "line 2 at byte 4"),
		  "CSV: stray quote");
	CHECK(fails_with(CODEC_CSV, "1\r2\n", 4, NULL, "carriage return", "line 1"),
		  "CSV: lone carriage return");
	CHECK(fails_with(CODEC_CSV, "1\n2\0\n", 5, NULL, "NUL byte", "line 2"),
		  "CSV: NUL byte");
	CHECK(fails_with(CODEC_CSV, "1\n", 2, "score", "row 1 has no field \"score\"", NULL),
		  "CSV: a field name cannot select in CSV");
}

/* JSON replies of the shapes SageMaker containers send */
static void
test_decode_json_shapes(void)
{
	const char *rcf = "{\"scores\":[{\"score\":1.5},{\"score\":0.2}]}";
	CodecResult *res;
	char		err[256];

	res = decode(CODEC_JSON, rcf, NULL, err);
	CHECK(res != NULL && res->nrows == 2 && res->rows[0].kind == CODEC_VALUE_OBJECT &&
		  res->rows[0].nitems == 1 && strcmp(res->rows[0].names[0], "score") == 0 &&
		  is_scalar(&res->rows[0].items[0], "1.5", false, "1.5") &&
		  strcmp(res->rows[1].json, "{\"score\":0.2}") == 0,
		  "RCF reply without a field: object rows");
	codec_result_free(res);

	res = decode(CODEC_JSON, rcf, "score", err);
	CHECK(res != NULL && res->nrows == 2 && is_scalar(&res->rows[0], "1.5", false, "1.5") &&
		  is_scalar(&res->rows[1], "0.2", false, "0.2"),
		  "RCF reply with field score: scalar rows");
	codec_result_free(res);

	res = decode(CODEC_JSON, rcf, "", err);
	CHECK(res != NULL && res->rows[0].kind == CODEC_VALUE_OBJECT, "an empty field name selects nothing");
	codec_result_free(res);

	res = decode(CODEC_JSON, "{\"predictions\":[[0.1,0.9],[0.8,0.2]],\"model\":\"m\",\"version\":2}", NULL, err);
	CHECK(res != NULL && res->nrows == 2 && res->rows[0].kind == CODEC_VALUE_ARRAY &&
		  res->rows[0].nitems == 2 && strcmp(res->rows[1].json, "[0.8,0.2]") == 0,
		  "predictions: the one array member holds the rows");
	codec_result_free(res);

	res = decode(CODEC_JSON, "{\"labels\":[\"a\",\"b\",\"c\"],\"results\":[1,2],\"outputs\":[3,4]}", NULL, err);
	CHECK(res != NULL && res->nrows == 2 && strcmp(res->rows[0].text, "3") == 0,
		  "several arrays: outputs comes before results");
	codec_result_free(res);

	res = decode(CODEC_JSON, " [ 1 , \"two\" , true , null , {\"a\":[false,{}]} ] \n", NULL, err);
	CHECK(res != NULL && res->nrows == 5 && is_scalar(&res->rows[0], "1", false, "1") &&
		  is_scalar(&res->rows[1], "two", true, "\"two\"") &&
		  is_scalar(&res->rows[2], "true", false, "true") &&
		  res->rows[3].kind == CODEC_VALUE_NULL && res->rows[3].text == NULL &&
		  res->rows[4].kind == CODEC_VALUE_OBJECT &&
		  res->rows[4].items[0].kind == CODEC_VALUE_ARRAY &&
		  res->rows[4].items[0].items[1].kind == CODEC_VALUE_OBJECT &&
		  res->rows[4].items[0].items[1].nitems == 0 &&
		  strcmp(res->rows[4].json, "{\"a\":[false,{}]}") == 0,
		  "top-level array of mixed values, nested values with their JSON");
	codec_result_free(res);

	res = decode(CODEC_JSON, "[1e-05, 1.50, -0.0, 1E+2, 12345678901234567, -7]", NULL, err);
	CHECK(res != NULL && res->nrows == 6 && strcmp(res->rows[0].text, "1e-05") == 0 &&
		  strcmp(res->rows[1].text, "1.50") == 0 && strcmp(res->rows[2].text, "-0.0") == 0 &&
		  strcmp(res->rows[3].text, "1E+2") == 0 &&
		  strcmp(res->rows[4].text, "12345678901234567") == 0 &&
		  strcmp(res->rows[5].json, "-7") == 0,
		  "numbers keep the text they were written with");
	codec_result_free(res);

	res = decode(CODEC_JSON, "[\"caf\\u00e9 \\ud83d\\ude00 \xe6\x97\xa5\", \"a\\\"b\\\\c\\/d\\n\"]", NULL, err);
	CHECK(res != NULL && res->nrows == 2 &&
		  is_scalar(&res->rows[0], "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5", true,
					"\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5\"") &&
		  is_scalar(&res->rows[1], "a\"b\\c/d\n", true, "\"a\\\"b\\\\c/d\\u000a\""),
		  "strings unescaped: \\u escapes, surrogate pair emoji, raw UTF-8");
	codec_result_free(res);

	res = decode(CODEC_JSON, "[]", "score", err);
	CHECK(res != NULL && res->nrows == 0, "empty rows array");
	codec_result_free(res);
}

/* JSON replies that must be refused, each with its location */
static void
test_decode_json_errors(void)
{
	char		deep[512];
	CodecResult *res;
	char		err[256];
	int			i;

	CHECK(fails_with(CODEC_JSON, "{\"scores\":[1,2,]}", 17, NULL, "malformed JSON at byte 15", NULL),
		  "trailing comma: byte offset");
	CHECK(fails_with(CODEC_JSON, "[1,2] x", 7, NULL, "at byte 6", NULL), "trailing garbage");
	CHECK(fails_with(CODEC_JSON, "{\"scores\":[1,", 13, NULL, "at byte 13", "end of data"),
		  "truncated body");
	CHECK(fails_with(CODEC_JSON, "", 0, NULL, "at byte 0", NULL), "empty body");
	CHECK(fails_with(CODEC_JSON, "['a']", 5, NULL, "at byte 1", NULL), "single quotes (strict parser)");
	CHECK(fails_with(CODEC_JSON, "[\"\xff\"]", 4, NULL, "at byte 2", "utf-8"), "invalid UTF-8");
	CHECK(fails_with(CODEC_JSON, "[1]\0", 4, NULL, "at byte 3", "NUL byte"), "NUL byte in the body");
	CHECK(fails_with(CODEC_JSON, "[NaN]", 5, NULL, "invalid number", "row 1"), "NaN refused");
	CHECK(fails_with(CODEC_JSON, "[1, 99999999999999999999999]", 28, NULL, "out of range", "row 2"),
		  "integer beyond 64 bits refused, not clamped");
	CHECK(fails_with(CODEC_JSON, "[\"a\", \"x\\u0000y\"]", 17, NULL, "NUL", "row 2"),
		  "\\u0000 in a string refused");
	CHECK(fails_with(CODEC_JSON, "{\"scores\":[{\"score\":1},{\"s\":2},{\"score\":3}]}", 44, "score",
					 "row 2 has no field \"score\"", NULL),
		  "wrong field names the row");
	CHECK(fails_with(CODEC_JSON, "[{\"score\":1},[2]]", 17, "score",
					 "row 2 has no field \"score\"", "an array"),
		  "field asked of a non-object row");
	CHECK(fails_with(CODEC_JSON, "{\"a\":[1],\"b\":[2]}", 17, NULL, "no array of rows", NULL),
		  "two arrays, neither a known name");
	CHECK(fails_with(CODEC_JSON, "{\"score\":1}", 11, NULL, "no array of rows", NULL),
		  "object without an array");
	CHECK(fails_with(CODEC_JSON, "42", 2, NULL, "a number, not an array", NULL), "top-level scalar");

	for (i = 0; i < 100; i++)
		deep[i] = '[';
	for (i = 0; i < 100; i++)
		deep[100 + i] = ']';
	CHECK(fails_with(CODEC_JSON, deep, 200, NULL, "nesting too deep", "at byte 64"),
		  "nesting 100 deep refused with its offset");
	res = decode_n(CODEC_JSON, deep + 100 - 64, 128, NULL, err, sizeof(err));
	CHECK(res != NULL && res->nrows == 1 && res->rows[0].kind == CODEC_VALUE_ARRAY,
		  "nesting 64 deep accepted");
	codec_result_free(res);

	res = decode_n(CODEC_JSON, "[1,", 3, NULL, err, 12);
	CHECK(res == NULL && strlen(err) == 11, "message truncated safely to errlen: \"%s\"", err);
	res = decode_n(CODEC_JSON, "[1,", 3, NULL, NULL, 0);
	CHECK(res == NULL, "no error buffer is fine");
	codec_result_free(NULL);
}

/* JSON Lines replies */
static void
test_decode_jsonlines(void)
{
	const char *body = "{\"score\":0.5}\r\n\n  \n{\"score\":2,\"x\":[1]}\n{\"score\":null}";
	CodecResult *res;
	char		err[256];

	res = decode(CODEC_JSONLINES, body, "score", err);
	CHECK(res != NULL && res->nrows == 3 && is_scalar(&res->rows[0], "0.5", false, "0.5") &&
		  is_scalar(&res->rows[1], "2", false, "2") && res->rows[2].kind == CODEC_VALUE_NULL,
		  "JSON Lines with field: blank lines skipped, CRLF, no final newline");
	codec_result_free(res);

	res = decode(CODEC_JSONLINES, "[1,2]\n3\n\"s\"\nnull\n", NULL, err);
	CHECK(res != NULL && res->nrows == 4 && res->rows[0].kind == CODEC_VALUE_ARRAY &&
		  is_scalar(&res->rows[1], "3", false, "3") && is_scalar(&res->rows[2], "s", true, "\"s\"") &&
		  res->rows[3].kind == CODEC_VALUE_NULL,
		  "JSON Lines: any value per line");
	codec_result_free(res);

	CHECK(fails_with(CODEC_JSONLINES, "1\n2\n{\"a\":}\n", 11, NULL, "line 3", "at byte 9"),
		  "malformed line names its line and byte");
	CHECK(fails_with(CODEC_JSONLINES, "1\n2 3\n", 6, NULL, "line 2", NULL),
		  "two values on a line");
	CHECK(fails_with(CODEC_JSONLINES, "[1,\n2]\n", 7, NULL, "line 1", NULL),
		  "a value spanning lines");
	CHECK(fails_with(CODEC_JSONLINES, "{\"score\":1}\n{\"s\":2}\n", 20, "score",
					 "row 2 has no field \"score\"", NULL),
		  "JSON Lines: wrong field names the row");
}

/* Seconds since start */
static double
elapsed(clock_t start)
{
	return (double) (clock() - start) / CLOCKS_PER_SEC;
}

/* Appends a JSON Lines row without "features" to a request body */
static void
buf_append_bad_row(PiBuf *buf)
{
	CodecField	f = fld(CODEC_FIELD_NUMBER, "1");

	codec_add_row(CODEC_JSONLINES, buf, 1, &f, 1);
	memcpy(strstr(buf->data + buf->len - 20, "features"), "FEATURES", 8);
}

/* 100,000 rows through each format and back */
static void
test_big_round_trip(void)
{
	static const CodecFormat formats[] = {CODEC_CSV, CODEC_JSON, CODEC_JSONLINES};
	CodecField *fields = malloc(sizeof(CodecField) * 3 * BIG_ROWS);
	char	  (*nums)[24] = malloc(24 * (size_t) BIG_ROWS);
	PiBuf	buf;
	CodecResult *res;
	char		err[256];
	clock_t		start;
	size_t		predicted;
	int			i;
	int			k;
	bool		same;

	for (i = 0; i < BIG_ROWS; i++)
	{
		snprintf(nums[i], sizeof(nums[i]), "%d.25", i);
		fields[3 * i] = fld(CODEC_FIELD_NUMBER, nums[i]);
		fields[3 * i + 1] = fld(CODEC_FIELD_STRING, i % 2 ? "x,\"y\"" : "z");
		fields[3 * i + 2] = fld(CODEC_FIELD_BOOL, i % 3 ? "true" : "false");
	}
	pi_buf_init(&buf, &pi_malloc_allocator);
	for (k = 0; k < 3; k++)
	{
		start = clock();
		predicted = encode(formats[k], &buf, fields, BIG_ROWS, 3);
		codec_end(formats[k], &buf);
		res = decode_n(formats[k], buf.data, buf.len,
						   formats[k] == CODEC_CSV ? NULL : "features", err, sizeof(err));
		same = res != NULL && res->nrows == BIG_ROWS && buf.len == predicted;
		for (i = 0; same && i < BIG_ROWS; i++)
			same = res->rows[i].nitems == 3 &&
				strcmp(res->rows[i].items[0].text, nums[i]) == 0 &&
				strcmp(res->rows[i].items[1].text, fields[3 * i + 1].text) == 0;
		printf("# %s: %zu bytes encoded and decoded in %.2f s\n",
			   codec_mime_type(formats[k]), buf.len, elapsed(start));
		CHECK(same, "%d rows of %s round trip", BIG_ROWS, codec_mime_type(formats[k]));
		codec_result_free(res);
	}
	buf_append_bad_row(&buf);
	CHECK(fails_with(CODEC_JSONLINES, buf.data, buf.len, "features",
					 "row 100001 has no field \"features\"", NULL),
		  "an error after 100,000 decoded rows frees them all");
	pi_buf_free(&buf);
	free(nums);
	free(fields);
}

/*
 * Every allocation of a decoding failing in turn: each failure is reported
 * as CODEC_NO_MEMORY with nothing left allocated, never an abort.
 */
static void
test_out_of_memory(void)
{
	static const struct
	{
		CodecFormat format;
		const char *body;
	}			cases[] = {
		{CODEC_CSV, "1,\"a\"\"b\",x\n2,3,4\n"},
		{CODEC_JSON, "{\"predictions\":[{\"s\":[1,2]},{\"s\":{\"a\":null}}]}"},
		{CODEC_JSONLINES, "[1,true]\n\"x\"\n"},
	};
	char		err[256];
	size_t		k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		UnitBudget	b = {0, 0};
		PiAllocator a = unit_budget_allocator(&b);
		CodecResult *res;
		CodecStatus st;
		bool		clean = true;
		int			n;

		for (n = 0;; n++)
		{
			b.budget = n;
			st = codec_decode(cases[k].format, cases[k].body,
							  strlen(cases[k].body), NULL, &a, &res,
							  err, sizeof(err));
			if (st == CODEC_OK)
				break;
			clean &= st == CODEC_NO_MEMORY && res == NULL && b.live == 0 &&
				strcmp(err, "out of memory") == 0;
		}
		codec_result_free(res);
		CHECK(clean && b.live == 0,
			  "%s: each of %d allocations failing is reported and frees all",
			  codec_mime_type(cases[k].format), n);
	}
}

/* An encoder whose buffer runs out of memory marks it failed */
static void
test_encode_out_of_memory(void)
{
	UnitBudget	b = {1, 0};
	PiAllocator a = unit_budget_allocator(&b);
	char		text[400];
	CodecField	f;
	PiBuf		buf;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	f = fld(CODEC_FIELD_STRING, text);	/* longer than the first block */
	pi_buf_init(&buf, &a);
	codec_begin(CODEC_JSON, &buf);
	codec_add_row(CODEC_JSON, &buf, 0, &f, 1);
	CHECK(buf.failed, "encoding past the memory available marks the buffer failed");
	pi_buf_free(&buf);
	CHECK(b.live == 0, "and it frees cleanly");
}

/* Runs every test */
int
main(void)
{
	test_buffers_and_mime();
	test_encode_csv();
	test_encode_json();
	test_round_trip();
	test_decode_csv();
	test_decode_json_shapes();
	test_decode_json_errors();
	test_decode_jsonlines();
	test_big_round_trip();
	test_out_of_memory();
	test_encode_out_of_memory();
	return unit_done();
}

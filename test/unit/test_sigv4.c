/*-------------------------------------------------------------------------
 *
 * test_sigv4.c
 *	  Unit test of the SigV4 signer against the AWS SigV4 test suite.
 *
 * For every case directory of test/data/sigv4 (or the directory given as
 * the first argument) the raw HTTP request in request.txt and the signing
 * context in context.json are read, the request is signed, and the
 * canonical request, string to sign, signature and the signed request's
 * added headers are compared with the header-* files of the case.  The
 * query-* (presigned URL) variants are not exercised: the signer only
 * produces the Authorization header form.  Hand-written checks of the
 * helpers, canonicalisation corner cases and error paths follow.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE				/* timegm */

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/sigv4.h"
#include "unit.h"

#define MAX_HEADERS		64
#define MAX_JSON_KEYS	32
#define MAX_CASES		256

/* A request parsed in place from a raw HTTP message */
typedef struct RawRequest
{
	char	   *text;			/* owns every string below */
	char	   *method;
	char	   *path;
	char	   *query;			/* NULL without '?' */
	SigV4Header headers[MAX_HEADERS];
	int			nheaders;
	char	   *body;
	size_t		body_len;
} RawRequest;

/* The leaves of a small JSON document, nesting ignored */
typedef struct JsonLeaves
{
	char	   *key[MAX_JSON_KEYS];
	char	   *value[MAX_JSON_KEYS];
	int			n;
} JsonLeaves;

/* The signing context of one suite case */
typedef struct CaseContext
{
	JsonLeaves	json;
	SigV4Credentials cred;
	SigV4Scope	scope;
	char		timestamp[SIGV4_TIMESTAMP_LEN];
	int			options;
} CaseContext;

/*--- Files ---*/

/* Writes dir/name into out; false if it does not fit */
static bool
join_path(char *out, size_t size, const char *dir, const char *name)
{
	int			n = snprintf(out, size, "%s/%s", dir, name);

	return n >= 0 && (size_t) n < size;
}

/* Reads a whole file into a NUL-terminated malloc'd buffer, or NULL */
static char *
read_file(const char *dir, const char *name)
{
	char		path[1024];
	FILE	   *f;
	char	   *buf;
	long		len;

	if (!join_path(path, sizeof(path), dir, name) ||
		(f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0 || (buf = malloc(len + 1)) == NULL)
	{
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, len, f) != (size_t) len)
		len = 0;
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Reads an expected-output file without one trailing newline */
static char *
read_expected(const char *dir, const char *name)
{
	char	   *s = read_file(dir, name);
	size_t		len;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	return s;
}

/* True if dir/name exists */
static bool
file_exists(const char *dir, const char *name)
{
	char		path[1024];
	FILE	   *f;

	if (!join_path(path, sizeof(path), dir, name))
		return false;
	f = fopen(path, "rb");
	if (f)
		fclose(f);
	return f != NULL;
}

/*--- The raw request ---*/

/* End of the line starting at p, with a trailing CR cut off */
static char *
line_end(char *p, char **next)
{
	char	   *eol = strchr(p, '\n');

	if (eol == NULL)
		eol = p + strlen(p);
	*next = *eol ? eol + 1 : eol;
	if (eol > p && eol[-1] == '\r')
		eol--;
	return eol;
}

/* Splits the request line into method, path and query */
static bool
parse_request_line(RawRequest *req, char *line)
{
	char	   *sp1 = strchr(line, ' ');
	char	   *sp2 = strrchr(line, ' ');
	char	   *q;

	if (sp1 == NULL || sp2 == sp1)
		return false;
	*sp1 = '\0';
	*sp2 = '\0';
	req->method = line;
	req->path = sp1 + 1;
	q = strchr(req->path, '?');
	req->query = NULL;
	if (q)
	{
		*q = '\0';
		req->query = q + 1;
	}
	return true;
}

/* Parses one header starting at p, with its continuation lines */
static bool
parse_header(RawRequest *req, char *p, char **next)
{
	char	   *eol = line_end(p, next);
	char	   *colon = memchr(p, ':', eol - p);

	if (colon == NULL || req->nheaders == MAX_HEADERS)
		return false;
	/* a line starting with a blank continues the value */
	while (**next == ' ' || **next == '\t')
		eol = line_end(*next, next);
	*colon = '\0';
	*eol = '\0';
	req->headers[req->nheaders].name = p;
	req->headers[req->nheaders].value = colon + 1;
	req->nheaders++;
	return true;
}

/* Parses request line, headers and body of a raw HTTP message in place */
static bool
parse_request(RawRequest *req, char *text)
{
	char	   *p;
	char	   *next;
	char	   *eol;

	memset(req, 0, sizeof(*req));
	req->text = text;
	if (text == NULL)
		return false;
	eol = line_end(text, &next);
	*eol = '\0';
	if (!parse_request_line(req, text))
		return false;
	for (p = next; *p;)
	{
		if (*p == '\n' || (p[0] == '\r' && p[1] == '\n'))
		{
			req->body = p + (*p == '\n' ? 1 : 2);
			req->body_len = strlen(req->body);
			break;
		}
		if (!parse_header(req, p, &p))
			return false;
	}
	return true;
}

/*--- The context ---*/

/* Parses a JSON string at *pp into a malloc'd copy (ASCII escapes only) */
static char *
json_string(const char **pp)
{
	const char *p = *pp + 1;
	char	   *out = malloc(strlen(p) + 1);
	size_t		n = 0;

	if (out == NULL)
		return NULL;
	for (; *p && *p != '"'; p++)
	{
		if (*p == '\\' && p[1])
		{
			p++;
			out[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' :
				*p == 'r' ? '\r' : *p;
		}
		else
			out[n++] = *p;
	}
	out[n] = '\0';
	*pp = *p ? p + 1 : p;
	return out;
}

/* Collects the scalar leaves of a JSON document by key */
static void
json_leaves(const char *p, JsonLeaves *js)
{
	char	   *key = NULL;

	memset(js, 0, sizeof(*js));
	while (*p)
	{
		char	   *tok = NULL;

		if (*p == '"')
			tok = json_string(&p);
		else if (strchr("{}[],: \t\r\n", *p) == NULL)
		{
			size_t		len = strcspn(p, "{}[],: \t\r\n");

			tok = strndup(p, len);
			p += len;
		}
		else
		{
			if (*p == '{' || *p == '[' || *p == ',')
			{
				free(key);
				key = NULL;
			}
			p++;
			continue;
		}
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == ':')
		{
			free(key);
			key = tok;
		}
		else if (key && js->n < MAX_JSON_KEYS)
		{
			js->key[js->n] = key;
			js->value[js->n++] = tok;
			key = NULL;
		}
		else
			free(tok);
	}
	free(key);
}

/* The value of a leaf, or NULL */
static const char *
json_get(const JsonLeaves *js, const char *key)
{
	int			i;

	for (i = 0; i < js->n; i++)
		if (strcmp(js->key[i], key) == 0)
			return js->value[i];
	return NULL;
}

/* Frees the leaves */
static void
json_free(JsonLeaves *js)
{
	int			i;

	for (i = 0; i < js->n; i++)
	{
		free(js->key[i]);
		free(js->value[i]);
	}
	js->n = 0;
}

/* True if a JSON boolean leaf is present and true */
static bool
json_true(const JsonLeaves *js, const char *key)
{
	const char *v = json_get(js, key);

	return v != NULL && strcmp(v, "true") == 0;
}

/* Converts "2015-08-30T12:36:00Z" through time_t and sigv4_format_time */
static bool
iso_to_amz(const char *iso, char out[SIGV4_TIMESTAMP_LEN])
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (iso == NULL ||
		sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return sigv4_format_time(timegm(&tm), out);
}

/* Reads context.json of a case into ctx */
static bool
load_context(const char *dir, CaseContext *ctx)
{
	char	   *text = read_file(dir, "context.json");

	memset(ctx, 0, sizeof(*ctx));
	if (text == NULL)
		return false;
	json_leaves(text, &ctx->json);
	free(text);
	ctx->cred.access_key_id = json_get(&ctx->json, "access_key_id");
	ctx->cred.secret_access_key = json_get(&ctx->json, "secret_access_key");
	ctx->cred.session_token = json_get(&ctx->json, "token");
	ctx->scope.region = json_get(&ctx->json, "region");
	ctx->scope.service = json_get(&ctx->json, "service");
	ctx->scope.timestamp = ctx->timestamp;
	if (!json_true(&ctx->json, "normalize"))
		ctx->options |= SIGV4_S3_PATH;
	if (json_true(&ctx->json, "sign_body"))
		ctx->options |= SIGV4_ADD_CONTENT_SHA256;
	if (json_true(&ctx->json, "omit_session_token"))
		ctx->options |= SIGV4_UNSIGNED_TOKEN;
	return iso_to_amz(json_get(&ctx->json, "timestamp"), ctx->timestamp);
}

/*--- Comparing ---*/

/* Prints a multi-line string as TAP diagnostics */
static void
diag(const char *label, const char *s)
{
	printf("#   %s:\n#     ", label);
	for (; s && *s; s++)
	{
		if (*s == '\n')
			fputs("\n#     ", stdout);
		else
			putchar(*s);
	}
	printf("%s\n", s ? "" : "(null)");
}

/* True if got equals the expected string; prints both if not */
static bool
same(const char *got, const char *expected)
{
	if (got && expected && strcmp(got, expected) == 0)
		return true;
	diag("expected", expected);
	diag("got", got);
	return false;
}

/* True if the signed request has the header name:value */
static bool
has_header(const RawRequest *req, const char *name, const char *value)
{
	int			i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0 &&
			strcmp(req->headers[i].value, value) == 0)
			return true;
	printf("#   signed request lacks %s:%s\n", name, value);
	return false;
}

/* True if the suite's signed request is ours: our headers plus the added */
static bool
same_signed_request(const char *dir, const RawRequest *req,
					const SigV4Result *res)
{
	RawRequest	signed_req;
	bool		ok;
	int			i;

	ok = parse_request(&signed_req, read_file(dir, "header-signed-request.txt"));
	ok = ok && signed_req.nheaders == req->nheaders + res->nadd_headers + 1;
	ok = ok && has_header(&signed_req, "Authorization", res->authorization);
	for (i = 0; ok && i < res->nadd_headers; i++)
		ok = has_header(&signed_req, res->add_headers[i].name,
						res->add_headers[i].value);
	free(signed_req.text);
	return ok;
}

/*--- The suite ---*/

/* Prints a TAP skip line */
static void
skip(const char *name, const char *reason)
{
	unit_count++;
	printf("ok %d - %s # SKIP %s\n", unit_count, name, reason);
}

/* Signs one case and compares every step with its header-* files */
static void
run_case(const char *root, const char *name)
{
	char		dir[1024];
	RawRequest	req;
	CaseContext ctx;
	SigV4Request sreq;
	SigV4Result res;
	SigV4Status st = SIGV4_ERR_ARGUMENT;
	char	   *cr;
	char	   *sts;
	char	   *sig;

	if (!join_path(dir, sizeof(dir), root, name))
		return;
	if (!file_exists(dir, "header-canonical-request.txt"))
	{
		skip(name, "no header-* files (query-signing case only)");
		return;
	}
	memset(&res, 0, sizeof(res));
	if (parse_request(&req, read_file(dir, "request.txt")) &&
		load_context(dir, &ctx))
	{
		sreq = (SigV4Request) {req.method, req.path, req.query, req.headers,
			req.nheaders, (const unsigned char *) req.body, req.body_len, NULL};
		st = sigv4_sign(&sreq, &ctx.cred, &ctx.scope, ctx.options, &res);
	}
	CHECK(st == SIGV4_OK, "%s: signs (%s)", name, sigv4_strerror(st));
	cr = read_expected(dir, "header-canonical-request.txt");
	sts = read_expected(dir, "header-string-to-sign.txt");
	sig = read_expected(dir, "header-signature.txt");
	CHECK(same(res.canonical_request, cr), "%s: canonical request", name);
	CHECK(same(res.string_to_sign, sts), "%s: string to sign", name);
	CHECK(same(res.signature, sig), "%s: signature", name);
	CHECK(st == SIGV4_OK && same_signed_request(dir, &req, &res),
		  "%s: Authorization and added headers", name);
	free(cr);
	free(sts);
	free(sig);
	free(req.text);
	json_free(&ctx.json);
	sigv4_result_free(&res);
}

/* Orders case names */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Runs every case directory of the suite in name order */
static void
run_suite(const char *root)
{
	DIR		   *d = opendir(root);
	struct dirent *e;
	char	   *names[MAX_CASES];
	int			n = 0;
	int			i;

	CHECK(d != NULL, "suite directory %s is readable", root);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < MAX_CASES)
	{
		char		sub[1024];

		if (e->d_name[0] != '.' && join_path(sub, sizeof(sub), root, e->d_name) &&
			file_exists(sub, "request.txt"))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	CHECK(n >= 30, "suite has %d cases", n);
	for (i = 0; i < n; i++)
	{
		run_case(root, names[i]);
		free(names[i]);
	}
}

/*--- Hand-written checks ---*/

static const SigV4Credentials example_cred = {
	"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL
};
static const SigV4Scope example_scope = {
	"us-east-1", "service", "20150830T123600Z"
};

/* Signs a GET of path?query with a Host header and extra headers */
static SigV4Status
sign_simple(const char *path, const char *query, const SigV4Header *extra,
			int nextra, const SigV4Credentials *cred, int options,
			SigV4Result *res)
{
	SigV4Header hdrs[8];
	SigV4Request req = {"GET", path, query, hdrs, 1 + nextra, NULL, 0, NULL};

	hdrs[0] = (SigV4Header) {"Host", "example.amazonaws.com"};
	memcpy(hdrs + 1, extra, nextra * sizeof(*extra));
	return sigv4_sign(&req, cred, &example_scope, options, res);
}

/* Line number `line` (0-based) of the canonical request, in a static buffer */
static const char *
cr_line(const SigV4Result *res, int line)
{
	static char out[1024];
	const char *p = res->canonical_request;
	size_t		len;

	if (p == NULL)
		return "(null)";
	while (line-- > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	if (p == NULL)
		return "(missing)";
	len = strcspn(p, "\n");
	snprintf(out, sizeof(out), "%.*s", (int) len, p);
	return out;
}

/* Canonical URI of a path under the given options */
static void
check_uri(const char *path, int options, const char *expected)
{
	SigV4Result res;
	SigV4Status st = sign_simple(path, NULL, NULL, 0, &example_cred,
								 options, &res);

	CHECK(st == SIGV4_OK && same(cr_line(&res, 1), expected),
		  "canonical URI of \"%s\"%s is %s", path,
		  (options & SIGV4_S3_PATH) ? " (S3)" : "", expected);
	sigv4_result_free(&res);
}

/* Canonical query string of a raw query */
static void
check_query(const char *query, const char *expected)
{
	SigV4Result res;
	SigV4Status st = sign_simple("/", query, NULL, 0, &example_cred, 0, &res);

	CHECK(st == SIGV4_OK && same(cr_line(&res, 2), expected),
		  "canonical query of \"%s\" is \"%s\"", query, expected);
	sigv4_result_free(&res);
}

/* One encoding by sigv4_uri_encode */
static void
check_encode(const char *src, bool keep_slash, const char *expected)
{
	char		out[256];
	size_t		n = sigv4_uri_encode(src, strlen(src), keep_slash, out,
									 sizeof(out));

	CHECK(n == strlen(expected) && same(out, expected),
		  "uri_encode(\"%s\", %s) is %s", src,
		  keep_slash ? "keep /" : "encode /", expected);
}

/* SHA-256, time formatting and URI encoding helpers */
static void
check_helpers(void)
{
	char		hex[SIGV4_HEX_LEN];
	char		ts[SIGV4_TIMESTAMP_LEN];
	char		small[4];

	CHECK(sigv4_sha256_hex("", 0, hex) && same(hex,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
		  "sha256 of the empty body");
	CHECK(sigv4_sha256_hex(NULL, 0, hex) && hex[0] == 'e',
		  "sha256 of a NULL empty body");
	CHECK(sigv4_sha256_hex("abc", 3, hex) && same(hex,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
		  "sha256 of \"abc\" (FIPS 180-2)");
	CHECK(sigv4_format_time(0, ts) && same(ts, "19700101T000000Z"),
		  "format_time(0)");
	CHECK(sigv4_format_time(1440938160, ts) && same(ts, "20150830T123600Z"),
		  "format_time(1440938160)");
	check_encode("a b", true, "a%20b");
	check_encode("caf\xc3\xa9/\xe6\x97\xa5", true, "caf%C3%A9/%E6%97%A5");
	check_encode("-._~AZaz09", false, "-._~AZaz09");
	check_encode("!#$&'()*+,/:;=?@[]%", false,
				 "%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D%25");
	check_encode("/a:b/", true, "/a%3Ab/");
	CHECK(sigv4_uri_encode("a b", 3, false, small, sizeof(small)) == 5 &&
		  strcmp(small, "a%2") == 0, "uri_encode truncates like snprintf");
}

/* The GET ListUsers example of the AWS SigV4 documentation */
static void
check_iam_example(void)
{
	SigV4Header hdrs[] = {
		{"Host", "iam.amazonaws.com"},
		{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
	};
	SigV4Request req = {"GET", "/", "Action=ListUsers&Version=2010-05-08",
	hdrs, 2, NULL, 0, NULL};
	SigV4Scope	scope = {"us-east-1", "iam", "20150830T123600Z"};
	SigV4Result res;
	SigV4Status st = sigv4_sign(&req, &example_cred, &scope, 0, &res);
	char		crhash[SIGV4_HEX_LEN] = "";

	if (st == SIGV4_OK)
		sigv4_sha256_hex(res.canonical_request,
						 strlen(res.canonical_request), crhash);
	CHECK(same(crhash,
			   "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"),
		  "IAM example: hashed canonical request");
	CHECK(same(res.signature,
			   "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
		  "IAM example: signature");
	sigv4_result_free(&res);
}

/* Session token signed by default, sent unsigned on request */
static void
check_session_token(void)
{
	SigV4Credentials cred = example_cred;
	SigV4Result res;
	SigV4Result unsigned_res;
	SigV4Status st;

	cred.session_token = "TOKEN/with+chars==";
	st = sign_simple("/", NULL, NULL, 0, &cred, 0, &res);
	CHECK(st == SIGV4_OK && res.nadd_headers == 2 &&
		  strcmp(res.add_headers[1].name, "X-Amz-Security-Token") == 0 &&
		  strcmp(res.add_headers[1].value, cred.session_token) == 0,
		  "session token: X-Amz-Security-Token to add");
	CHECK(st == SIGV4_OK &&
		  same(res.signed_headers, "host;x-amz-date;x-amz-security-token") &&
		  same(cr_line(&res, 5), "x-amz-security-token:TOKEN/with+chars=="),
		  "session token: signed");
	st = sign_simple("/", NULL, NULL, 0, &cred, SIGV4_UNSIGNED_TOKEN,
					 &unsigned_res);
	CHECK(st == SIGV4_OK && unsigned_res.nadd_headers == 2 &&
		  same(unsigned_res.signed_headers, "host;x-amz-date") &&
		  strcmp(unsigned_res.signature, res.signature) != 0,
		  "session token: SIGV4_UNSIGNED_TOKEN adds it unsigned");
	sigv4_result_free(&res);
	sigv4_result_free(&unsigned_res);
}

/* x-amz-content-sha256 with a precomputed payload hash */
static void
check_content_sha256(void)
{
	SigV4Header hdrs[] = {{"Host", "bucket.s3.amazonaws.com"}};
	SigV4Request req = {"PUT", "/key name", NULL, hdrs, 1,
	(const unsigned char *) "data", 4, SIGV4_UNSIGNED_PAYLOAD};
	SigV4Result res;
	SigV4Status st;
	char	   *tail;

	st = sigv4_sign(&req, &example_cred, &example_scope,
					SIGV4_S3_PATH | SIGV4_ADD_CONTENT_SHA256, &res);
	tail = res.canonical_request ? strrchr(res.canonical_request, '\n') : NULL;
	CHECK(st == SIGV4_OK && tail && strcmp(tail, "\nUNSIGNED-PAYLOAD") == 0 &&
		  res.nadd_headers == 2 &&
		  strcmp(res.add_headers[1].value, "UNSIGNED-PAYLOAD") == 0 &&
		  same(res.signed_headers, "host;x-amz-content-sha256;x-amz-date"),
		  "UNSIGNED-PAYLOAD sent and signed as x-amz-content-sha256");
	CHECK(st == SIGV4_OK && same(cr_line(&res, 1), "/key%20name"),
		  "S3 path encoded once");
	sigv4_result_free(&res);
}

/* Paths, queries and header values beyond the suite */
static void
check_canonical_forms(void)
{
	SigV4Header hdrs[] = {
		{"X-Multi", " one "}, {"x-multi", "two\r\n\tthree"}, {"X-Empty", ""}
	};
	SigV4Result res;
	SigV4Status st;

	check_uri("/a%3Ab", 0, "/a%253Ab");
	check_uri("/a/b/../c/./d", 0, "/a/c/d");
	check_uri("/a/b/..", 0, "/a/");
	check_uri("/../..", 0, "/");
	check_uri("", 0, "/");
	check_uri("/bucket/my file.txt", SIGV4_S3_PATH, "/bucket/my%20file.txt");
	check_uri("/bucket/a%20b", SIGV4_S3_PATH, "/bucket/a%20b");
	check_uri("/bucket//x/../y", SIGV4_S3_PATH, "/bucket//x/../y");
	check_uri("/bucket/%e2%82%ac+", SIGV4_S3_PATH, "/bucket/%E2%82%AC%2B");
	check_query("b=2&a=1&a=0&c", "a=0&a=1&b=2&c=");
	check_query("x=a+b&y=%2f&z=a%20b&w=%41", "w=A&x=a%2Bb&y=%2F&z=a%20b");
	check_query("&&k=a=b&", "k=a%3Db");
	check_query("caf\xc3\xa9=\xe2\x82\xac", "caf%C3%A9=%E2%82%AC");
	st = sign_simple("/", NULL, hdrs, 3, &example_cred, 0, &res);
	CHECK(st == SIGV4_OK && same(cr_line(&res, 3), "host:example.amazonaws.com") &&
		  same(cr_line(&res, 5), "x-empty:") &&
		  same(cr_line(&res, 6), "x-multi:one,two three"),
		  "header names merged across case, values trimmed and folded");
	sigv4_result_free(&res);
}

/* One rejected request: status, zeroed result, harmless free */
static void
check_rejected(const char *what, SigV4Status expected, const char *path,
			   const SigV4Header *extra, int nextra,
			   const SigV4Credentials *cred)
{
	SigV4Result res;
	SigV4Status st = sign_simple(path, NULL, extra, nextra, cred, 0, &res);

	CHECK(st == expected && res.canonical_request == NULL &&
		  res.authorization == NULL && res.payload_hash == NULL,
		  "rejects %s: %s", what, sigv4_strerror(st));
	sigv4_result_free(&res);
}

/* Error paths */
static void
check_errors(void)
{
	SigV4Header auth[] = {{"Authorization", "x"}};
	SigV4Header date[] = {{"x-amz-date", "20150830T123600Z"}};
	SigV4Header inject[] = {{"X-A", "v\r\nEvil: 1"}};
	SigV4Header badname[] = {{"Bad Name", "v"}};
	SigV4Credentials nosecret = {"AKIDEXAMPLE", NULL, NULL};
	SigV4Scope	badts = {"us-east-1", "service", "2015-08-30T12:36:00Z"};
	SigV4Header host[] = {{"Host", "h"}};
	SigV4Request req = {"GET", "/", NULL, host, 1, NULL, 0, NULL};
	SigV4Request nohost = {"GET", "/", NULL, NULL, 0, NULL, 0, NULL};
	SigV4Result res;

	check_rejected("an Authorization header", SIGV4_ERR_RESERVED_HEADER, "/",
				   auth, 1, &example_cred);
	check_rejected("a caller's x-amz-date", SIGV4_ERR_RESERVED_HEADER, "/",
				   date, 1, &example_cred);
	check_rejected("a header line break", SIGV4_ERR_HEADER, "/", inject, 1,
				   &example_cred);
	check_rejected("a bad header name", SIGV4_ERR_HEADER, "/", badname, 1,
				   &example_cred);
	check_rejected("a missing secret", SIGV4_ERR_ARGUMENT, "/", NULL, 0,
				   &nosecret);
	check_rejected("a NULL path", SIGV4_ERR_ARGUMENT, NULL, NULL, 0,
				   &example_cred);
	CHECK(sigv4_sign(&req, &example_cred, &badts, 0, &res) ==
		  SIGV4_ERR_TIMESTAMP && res.string_to_sign == NULL,
		  "rejects an ISO 8601 timestamp with punctuation");
	sigv4_result_free(&res);
	CHECK(sigv4_sign(&nohost, &example_cred, &example_scope, 0, &res) ==
		  SIGV4_ERR_NO_HOST, "rejects a request without Host");
	sigv4_result_free(&res);
	sigv4_result_free(NULL);
}

/* Runs the suite, then the hand-written checks */
int
main(int argc, char **argv)
{
	run_suite(argc > 1 ? argv[1] : "test/data/sigv4");
	check_helpers();
	check_iam_example();
	check_session_token();
	check_content_sha256();
	check_canonical_forms();
	check_errors();
	return unit_done();
}

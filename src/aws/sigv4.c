/*-------------------------------------------------------------------------
 *
 * sigv4.c
 *	  AWS Signature Version 4 signer (Authorization header form).
 *
 * The four steps of the AWS documentation, each in its own function:
 * the canonical request (method, canonical URI, canonical query string,
 * canonical headers, signed headers, payload hash), the string to sign,
 * the signing key derived from the secret through the date, region and
 * service, and the signature with the Authorization value built from it.
 *
 * Pure C: no PostgreSQL header.  All memory is malloc'd (strings are built
 * in PiBufs on pi_malloc_fallible, base/base.h); every function
 * that can fail frees what it allocated before returning, and sigv4_sign()
 * leaves its result zeroed on failure.  Characters are classified by hand
 * (ASCII only), never through <ctype.h>, so the backend's locale cannot
 * change a signature.
 *
 * IDENTIFICATION
 *	  src/aws/sigv4.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aws/sigv4.h"
#include "base/base.h"

#define SIGV4_ALGORITHM		"AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR	"aws4_request"
#define SHA256_LEN			32

/* One header of the canonical list: lowercase name, original value */
typedef struct CanonHeader
{
	char	   *name;
	const char *value;
	int			order;			/* position in the request, for stability */
} CanonHeader;

/* One query parameter, encoded as "key=value" */
typedef struct QueryParam
{
	char	   *text;
	size_t		keylen;
} QueryParam;

static const char hexdigits_lower[] = "0123456789abcdef";
static const char hexdigits_upper[] = "0123456789ABCDEF";

/*--- Growable string ---*/

/* An empty buffer on malloc that remembers running out of memory */
static PiBuf
buf_new(void)
{
	PiBuf		buf;

	pi_buf_init(&buf, &pi_malloc_fallible);
	return buf;
}

/*--- Character classes and encoding ---*/

/* True for the RFC 3986 unreserved characters */
static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

/* True if s[0..len) starts with a valid "%XX" escape */
static bool
is_escape(const char *s, size_t len)
{
	return len >= 3 && s[0] == '%' &&
		pi_hex_value(s[1]) >= 0 &&
		pi_hex_value(s[2]) >= 0;
}

/*
 * Appends src percent-encoded with the unreserved set, plus '/' when
 * keep_slash.  With decode_escapes, a valid "%XX" is first decoded to its
 * byte, so already-encoded input is not encoded twice.
 */
static void
append_encoded(PiBuf *buf, const char *src, size_t len, bool keep_slash,
			   bool decode_escapes)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) src[i];
		char		esc[3];

		if (decode_escapes && is_escape(src + i, len - i))
		{
			c = (unsigned char) (pi_hex_value(src[i + 1]) * 16 +
								 pi_hex_value(src[i + 2]));
			i += 2;
		}
		if (is_unreserved(c) || (keep_slash && c == '/'))
		{
			pi_buf_append_char(buf, (char) c);
			continue;
		}
		esc[0] = '%';
		esc[1] = hexdigits_upper[c >> 4];
		esc[2] = hexdigits_upper[c & 0x0F];
		pi_buf_append(buf, esc, 3);
	}
}

/* Appends src percent-decoded then re-encoded with the unreserved set */
static void
append_reencoded(PiBuf *buf, const char *src, size_t len)
{
	append_encoded(buf, src, len, false, true);
}

/* Writes bytes as lowercase hex; out holds 2 * len + 1 bytes */
static void
hex_encode(const unsigned char *bytes, size_t len, char *out)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = hexdigits_lower[bytes[i] >> 4];
		out[2 * i + 1] = hexdigits_lower[bytes[i] & 0x0F];
	}
	out[2 * len] = '\0';
}

/*--- Public helpers ---*/

/* Writes the lowercase hex SHA-256 of data into out */
bool
sigv4_sha256_hex(const void *data, size_t len, char out[SIGV4_HEX_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char empty = '\0';

	if (data == NULL)
		data = &empty;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
		mdlen != SHA256_LEN)
	{
		out[0] = '\0';
		return false;
	}
	hex_encode(md, SHA256_LEN, out);
	return true;
}

/* Formats t as "YYYYMMDDTHHMMSSZ" (UTC) */
bool
sigv4_format_time(time_t t, char out[SIGV4_TIMESTAMP_LEN])
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 0 - 1900 ||
		tm.tm_year > 9999 - 1900 ||
		strftime(out, SIGV4_TIMESTAMP_LEN, "%Y%m%dT%H%M%SZ", &tm) !=
		SIGV4_TIMESTAMP_LEN - 1)
	{
		out[0] = '\0';
		return false;
	}
	return true;
}

/* Percent-encodes src into dst with snprintf-like semantics */
size_t
sigv4_uri_encode(const char *src, size_t len, bool keep_slash,
				 char *dst, size_t dstsize)
{
	size_t		need = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) src[i];
		char		enc[3];
		size_t		n = 1;
		size_t		k;

		enc[0] = (char) c;
		if (!is_unreserved(c) && !(keep_slash && c == '/'))
		{
			enc[0] = '%';
			enc[1] = hexdigits_upper[c >> 4];
			enc[2] = hexdigits_upper[c & 0x0F];
			n = 3;
		}
		for (k = 0; k < n; k++, need++)
			if (need + 1 < dstsize)
				dst[need] = enc[k];
	}
	if (dstsize > 0)
		dst[need < dstsize ? need : dstsize - 1] = '\0';
	return need;
}

/* A static message for a status code */
const char *
sigv4_strerror(SigV4Status status)
{
	switch (status)
	{
		case SIGV4_OK:
			return "success";
		case SIGV4_ERR_ARGUMENT:
			return "missing or invalid signing argument";
		case SIGV4_ERR_TIMESTAMP:
			return "signing timestamp is not in the form YYYYMMDDTHHMMSSZ";
		case SIGV4_ERR_HEADER:
			return "malformed header name or value";
		case SIGV4_ERR_NO_HOST:
			return "request has no Host header";
		case SIGV4_ERR_RESERVED_HEADER:
			return "request already has a header the signer sets";
		case SIGV4_ERR_NOMEM:
			return "out of memory";
		case SIGV4_ERR_CRYPTO:
			return "cryptographic library failure";
	}
	return "unknown signing error";
}

/*--- Input checks ---*/

/* True if s is a non-empty string without '/', whitespace or controls */
static bool
is_scope_part(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (*s == '/' || (unsigned char) *s <= ' ' || *s == 0x7F)
			return false;
	return true;
}

/* True if ts is "YYYYMMDDTHHMMSSZ" */
static bool
is_timestamp(const char *ts)
{
	int			i;

	if (ts == NULL || strlen(ts) != SIGV4_TIMESTAMP_LEN - 1)
		return false;
	for (i = 0; i < SIGV4_TIMESTAMP_LEN - 1; i++)
	{
		if (i == 8 && ts[i] == 'T')
			continue;
		if (i == 15 && ts[i] == 'Z')
			continue;
		if (i == 8 || i == 15 || ts[i] < '0' || ts[i] > '9')
			return false;
	}
	return true;
}

/* True if name is an RFC 9110 token */
static bool
is_header_name(const char *name)
{
	static const char specials[] = "!#$%&'*+-.^_`|~";

	if (name == NULL || *name == '\0')
		return false;
	for (; *name; name++)
	{
		unsigned char c = (unsigned char) *name;

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || strchr(specials, c) != NULL))
			return false;
	}
	return true;
}

/* True if value has no line break except obsolete folding (CRLF + blank) */
static bool
is_header_value(const char *value)
{
	const char *p;

	if (value == NULL)
		return false;
	for (p = value; *p; p++)
	{
		if (*p == '\r' && p[1] == '\n')
			p++;
		if ((*p == '\r' || *p == '\n') && p[1] != ' ' && p[1] != '\t')
			return false;
	}
	return true;
}

/* Checks the caller's headers; the signer's own ones must be absent */
static SigV4Status
check_headers(const SigV4Request *req, const SigV4Credentials *cred,
			  int options)
{
	bool		have_host = false;
	int			i;

	if (req->nheaders < 0 || (req->nheaders > 0 && req->headers == NULL))
		return SIGV4_ERR_ARGUMENT;
	for (i = 0; i < req->nheaders; i++)
	{
		const char *name = req->headers[i].name;

		if (!is_header_name(name) || !is_header_value(req->headers[i].value))
			return SIGV4_ERR_HEADER;
		if (pi_ascii_caseeq(name, "authorization") ||
			pi_ascii_caseeq(name, "x-amz-date") ||
			(cred->session_token &&
			 pi_ascii_caseeq(name, "x-amz-security-token")) ||
			((options & SIGV4_ADD_CONTENT_SHA256) &&
			 pi_ascii_caseeq(name, "x-amz-content-sha256")))
			return SIGV4_ERR_RESERVED_HEADER;
		if (pi_ascii_caseeq(name, "host"))
			have_host = true;
	}
	return have_host ? SIGV4_OK : SIGV4_ERR_NO_HOST;
}

/* Checks every input before anything is allocated */
static SigV4Status
check_inputs(const SigV4Request *req, const SigV4Credentials *cred,
			 const SigV4Scope *scope, int options)
{
	if (req == NULL || cred == NULL || scope == NULL)
		return SIGV4_ERR_ARGUMENT;
	if (!is_header_name(req->method) || req->path == NULL ||
		(req->body == NULL && req->body_len > 0))
		return SIGV4_ERR_ARGUMENT;
	if (req->payload_hash != NULL &&
		(*req->payload_hash == '\0' ||
		 strpbrk(req->payload_hash, "\r\n") != NULL))
		return SIGV4_ERR_ARGUMENT;
	if (!is_scope_part(cred->access_key_id) ||
		cred->secret_access_key == NULL || *cred->secret_access_key == '\0')
		return SIGV4_ERR_ARGUMENT;
	if (cred->session_token != NULL &&
		(*cred->session_token == '\0' ||
		 strpbrk(cred->session_token, "\r\n") != NULL))
		return SIGV4_ERR_ARGUMENT;
	if (!is_scope_part(scope->region) || !is_scope_part(scope->service))
		return SIGV4_ERR_ARGUMENT;
	if (!is_timestamp(scope->timestamp))
		return SIGV4_ERR_TIMESTAMP;
	return check_headers(req, cred, options);
}

/*--- Canonical URI ---*/

/* True if the segment s[0..len) is "." or ".." */
static bool
is_dot_segment(const char *s, size_t len)
{
	return (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.');
}

/* Appends the normalised, re-encoded path (every service but S3) */
static bool
append_normalized_path(PiBuf *buf, const char *path)
{
	size_t		pathlen = strlen(path);
	size_t		maxseg = 1;
	const char **seg;
	size_t	   *seglen;
	size_t		nseg = 0;
	size_t		i;
	const char *p = path;
	const char *last = path;
	size_t		lastlen = 0;

	for (i = 0; i < pathlen; i++)
		if (path[i] == '/')
			maxseg++;
	seg = malloc(maxseg * sizeof(*seg));
	seglen = malloc(maxseg * sizeof(*seglen));
	if (seg == NULL || seglen == NULL)
	{
		free(seg);
		free(seglen);
		return false;
	}

	/* remove empty, "." and ".." segments (RFC 3986 section 5.2.4) */
	while (p <= path + pathlen)
	{
		const char *end = memchr(p, '/', path + pathlen - p);
		size_t		len = end ? (size_t) (end - p) : (size_t) (path + pathlen - p);

		if (len == 2 && p[0] == '.' && p[1] == '.')
			nseg -= nseg > 0 ? 1 : 0;
		else if (len > 0 && !is_dot_segment(p, len))
		{
			seg[nseg] = p;
			seglen[nseg++] = len;
		}
		last = p;
		lastlen = len;
		p += len + 1;
	}

	for (i = 0; i < nseg; i++)
	{
		pi_buf_append_char(buf, '/');
		append_encoded(buf, seg[i], seglen[i], false, false);
	}
	/* a path ending in '/', "." or ".." keeps its trailing slash */
	if (nseg == 0 || lastlen == 0 || is_dot_segment(last, lastlen))
		pi_buf_append_char(buf, '/');
	free(seg);
	free(seglen);
	return !buf->failed;
}

/* Appends the canonical URI of path */
static bool
append_canonical_uri(PiBuf *buf, const char *path, int options)
{
	if (!(options & SIGV4_S3_PATH))
		return append_normalized_path(buf, path);
	if (*path != '/')
		pi_buf_append_char(buf, '/');
	append_encoded(buf, path, strlen(path), true, true);
	return !buf->failed;
}

/*--- Canonical query string ---*/

/* Orders parameters by encoded key, then by encoded value */
static int
query_param_cmp(const void *a, const void *b)
{
	const QueryParam *pa = a;
	const QueryParam *pb = b;
	size_t		n = pa->keylen < pb->keylen ? pa->keylen : pb->keylen;
	int			c = memcmp(pa->text, pb->text, n);

	if (c != 0)
		return c;
	if (pa->keylen != pb->keylen)
		return pa->keylen < pb->keylen ? -1 : 1;
	return strcmp(pa->text + pa->keylen + 1, pb->text + pb->keylen + 1);
}

/* Encodes one "key[=value]" parameter as "key=value" */
static bool
encode_query_param(const char *s, size_t len, QueryParam *param)
{
	PiBuf		b = buf_new();
	const char *eq = memchr(s, '=', len);
	size_t		keylen = eq ? (size_t) (eq - s) : len;

	append_reencoded(&b, s, keylen);
	param->keylen = b.len;
	pi_buf_append_char(&b, '=');
	if (eq)
		append_reencoded(&b, eq + 1, len - keylen - 1);
	param->text = pi_buf_steal(&b);
	return param->text != NULL;
}

/* Frees the first n parameters and the array */
static void
free_query_params(QueryParam *params, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		free(params[i].text);
	free(params);
}

/* Appends the sorted, re-encoded query string */
static bool
append_canonical_query(PiBuf *buf, const char *query)
{
	size_t		qlen;
	size_t		maxparams = 1;
	size_t		n = 0;
	size_t		i;
	QueryParam *params;
	const char *p;

	if (query == NULL || *query == '\0')
		return true;
	qlen = strlen(query);
	for (i = 0; i < qlen; i++)
		if (query[i] == '&')
			maxparams++;
	params = calloc(maxparams, sizeof(*params));
	if (params == NULL)
		return false;
	for (p = query; p <= query + qlen;)
	{
		const char *end = memchr(p, '&', query + qlen - p);
		size_t		len = end ? (size_t) (end - p) : (size_t) (query + qlen - p);

		if (len > 0 && !encode_query_param(p, len, &params[n++]))
		{
			free_query_params(params, n);
			return false;
		}
		p += len + 1;
	}
	qsort(params, n, sizeof(*params), query_param_cmp);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			pi_buf_append_char(buf, '&');
		pi_buf_append_str(buf, params[i].text);
	}
	free_query_params(params, n);
	return !buf->failed;
}

/*--- Canonical headers ---*/

/* Orders headers by lowercase name, then by position in the request */
static int
canon_header_cmp(const void *a, const void *b)
{
	const CanonHeader *ha = a;
	const CanonHeader *hb = b;
	int			c = strcmp(ha->name, hb->name);

	if (c != 0)
		return c;
	return ha->order - hb->order;
}

/* True for the blanks trimmed and collapsed in header values */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends a value trimmed, with runs of blanks (and folds) as one space */
static void
append_trimmed_value(PiBuf *buf, const char *value)
{
	bool		pending = false;
	bool		started = false;

	for (; *value; value++)
	{
		if (is_blank(*value))
		{
			pending = started;
			continue;
		}
		if (pending)
			pi_buf_append_char(buf, ' ');
		pi_buf_append_char(buf, *value);
		pending = false;
		started = true;
	}
}

/* Lowercase malloc'd copy of an ASCII name */
static char *
lowercase_dup(const char *s)
{
	size_t		len = strlen(s);
	char	   *d = malloc(len + 1);
	size_t		i;

	if (d == NULL)
		return NULL;
	for (i = 0; i <= len; i++)
		d[i] = pi_ascii_lower(s[i]);
	return d;
}

/* Frees the first n headers and the array */
static void
free_canon_headers(CanonHeader *hdrs, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		free(hdrs[i].name);
	free(hdrs);
}

/* Sorted, lowercased copy of the headers to sign (NULL if out of memory) */
static CanonHeader *
sort_headers(const SigV4Header *headers, int n)
{
	CanonHeader *hdrs = calloc(n > 0 ? n : 1, sizeof(*hdrs));
	int			i;

	if (hdrs == NULL)
		return NULL;
	for (i = 0; i < n; i++)
	{
		hdrs[i].name = lowercase_dup(headers[i].name);
		if (hdrs[i].name == NULL)
		{
			free_canon_headers(hdrs, i);
			return NULL;
		}
		hdrs[i].value = headers[i].value;
		hdrs[i].order = i;
	}
	qsort(hdrs, n, sizeof(*hdrs), canon_header_cmp);
	return hdrs;
}

/* Appends canonical header lines to buf and the name list to names */
static bool
append_canonical_headers(PiBuf *buf, PiBuf *names,
						 const SigV4Header *headers, int n)
{
	CanonHeader *hdrs = sort_headers(headers, n);
	int			i;

	if (hdrs == NULL)
		return false;
	for (i = 0; i < n; i++)
	{
		bool		first = (i == 0 || strcmp(hdrs[i - 1].name, hdrs[i].name) != 0);
		bool		last = (i == n - 1 || strcmp(hdrs[i + 1].name, hdrs[i].name) != 0);

		if (first)
		{
			if (names->len > 0)
				pi_buf_append_char(names, ';');
			pi_buf_append_str(names, hdrs[i].name);
			pi_buf_append_str(buf, hdrs[i].name);
			pi_buf_append_char(buf, ':');
		}
		else
			pi_buf_append_char(buf, ',');
		append_trimmed_value(buf, hdrs[i].value);
		if (last)
			pi_buf_append_char(buf, '\n');
	}
	free_canon_headers(hdrs, n);
	return !buf->failed && !names->failed;
}

/*--- The signature ---*/

/* HMAC-SHA256 of data under key into out (32 bytes) */
static bool
hmac_sha256(const void *key, size_t keylen, const char *data,
			unsigned char out[SHA256_LEN])
{
	unsigned int outlen = 0;

	if (HMAC(EVP_sha256(), key, (int) keylen, (const unsigned char *) data,
			 strlen(data), out, &outlen) == NULL)
		return false;
	return outlen == SHA256_LEN;
}

/* Derives the signing key: secret -> date -> region -> service -> request */
static SigV4Status
derive_signing_key(const char *secret, const SigV4Scope *scope,
				   unsigned char key[SHA256_LEN])
{
	size_t		klen = strlen(secret) + 4;
	char	   *ksecret = malloc(klen + 1);
	unsigned char kdate[SHA256_LEN];
	unsigned char kregion[SHA256_LEN];
	unsigned char kservice[SHA256_LEN];
	char		date[9];
	bool		ok;

	if (ksecret == NULL)
		return SIGV4_ERR_NOMEM;
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, klen - 4 + 1);
	memcpy(date, scope->timestamp, 8);
	date[8] = '\0';
	ok = hmac_sha256(ksecret, klen, date, kdate) &&
		hmac_sha256(kdate, SHA256_LEN, scope->region, kregion) &&
		hmac_sha256(kregion, SHA256_LEN, scope->service, kservice) &&
		hmac_sha256(kservice, SHA256_LEN, SIGV4_TERMINATOR, key);
	OPENSSL_cleanse(ksecret, klen);
	OPENSSL_cleanse(kdate, SHA256_LEN);
	OPENSSL_cleanse(kregion, SHA256_LEN);
	OPENSSL_cleanse(kservice, SHA256_LEN);
	free(ksecret);
	return ok ? SIGV4_OK : SIGV4_ERR_CRYPTO;
}

/* Appends "YYYYMMDD/region/service/aws4_request" */
static void
append_credential_scope(PiBuf *buf, const SigV4Scope *scope)
{
	pi_buf_append(buf, scope->timestamp, 8);
	pi_buf_append_char(buf, '/');
	pi_buf_append_str(buf, scope->region);
	pi_buf_append_char(buf, '/');
	pi_buf_append_str(buf, scope->service);
	pi_buf_append_char(buf, '/');
	pi_buf_append_str(buf, SIGV4_TERMINATOR);
}

/* Builds the string to sign from the canonical request */
static SigV4Status
build_string_to_sign(const SigV4Scope *scope, SigV4Result *res)
{
	PiBuf		b = buf_new();
	char		crhash[SIGV4_HEX_LEN];

	if (!sigv4_sha256_hex(res->canonical_request,
						  strlen(res->canonical_request), crhash))
		return SIGV4_ERR_CRYPTO;
	pi_buf_append_str(&b, SIGV4_ALGORITHM "\n");
	pi_buf_append_str(&b, scope->timestamp);
	pi_buf_append_char(&b, '\n');
	append_credential_scope(&b, scope);
	pi_buf_append_char(&b, '\n');
	pi_buf_append_str(&b, crhash);
	res->string_to_sign = pi_buf_steal(&b);
	return res->string_to_sign ? SIGV4_OK : SIGV4_ERR_NOMEM;
}

/* Signs the string to sign into res->signature */
static SigV4Status
compute_signature(const SigV4Credentials *cred, const SigV4Scope *scope,
				  SigV4Result *res)
{
	unsigned char key[SHA256_LEN];
	unsigned char sig[SHA256_LEN];
	SigV4Status status;

	status = derive_signing_key(cred->secret_access_key, scope, key);
	if (status == SIGV4_OK &&
		!hmac_sha256(key, SHA256_LEN, res->string_to_sign, sig))
		status = SIGV4_ERR_CRYPTO;
	OPENSSL_cleanse(key, sizeof(key));
	if (status == SIGV4_OK)
		hex_encode(sig, SHA256_LEN, res->signature);
	return status;
}

/* Builds the Authorization header value */
static SigV4Status
build_authorization(const SigV4Credentials *cred, const SigV4Scope *scope,
					SigV4Result *res)
{
	PiBuf		b = buf_new();

	pi_buf_append_str(&b, SIGV4_ALGORITHM " Credential=");
	pi_buf_append_str(&b, cred->access_key_id);
	pi_buf_append_char(&b, '/');
	append_credential_scope(&b, scope);
	pi_buf_append_str(&b, ", SignedHeaders=");
	pi_buf_append_str(&b, res->signed_headers);
	pi_buf_append_str(&b, ", Signature=");
	pi_buf_append_str(&b, res->signature);
	res->authorization = pi_buf_steal(&b);
	return res->authorization ? SIGV4_OK : SIGV4_ERR_NOMEM;
}

/*--- The canonical request ---*/

/* Fills the payload hash, the token copy and the headers the caller adds */
static SigV4Status
prepare_added_headers(const SigV4Request *req, const SigV4Credentials *cred,
					  const SigV4Scope *scope, int options, SigV4Result *res)
{
	char		hash[SIGV4_HEX_LEN];
	const char *ph = req->payload_hash;

	if (ph == NULL)
	{
		if (!sigv4_sha256_hex(req->body, req->body_len, hash))
			return SIGV4_ERR_CRYPTO;
		ph = hash;
	}
	res->payload_hash = strdup(ph);
	if (res->payload_hash == NULL)
		return SIGV4_ERR_NOMEM;
	memcpy(res->amz_date, scope->timestamp, SIGV4_TIMESTAMP_LEN);
	res->add_headers[res->nadd_headers++] =
		(SigV4Header) {"X-Amz-Date", res->amz_date};
	if (cred->session_token)
	{
		res->security_token = strdup(cred->session_token);
		if (res->security_token == NULL)
			return SIGV4_ERR_NOMEM;
		res->add_headers[res->nadd_headers++] =
			(SigV4Header) {"X-Amz-Security-Token", res->security_token};
	}
	if (options & SIGV4_ADD_CONTENT_SHA256)
		res->add_headers[res->nadd_headers++] =
			(SigV4Header) {"X-Amz-Content-SHA256", res->payload_hash};
	return SIGV4_OK;
}

/* Caller's headers plus the added ones that are signed (malloc'd) */
static SigV4Header *
headers_to_sign(const SigV4Request *req, const SigV4Result *res, int options,
				int *n)
{
	SigV4Header *all;
	int			i;

	all = malloc((req->nheaders + SIGV4_MAX_ADD_HEADERS) * sizeof(*all));
	if (all == NULL)
		return NULL;
	if (req->nheaders > 0)
		memcpy(all, req->headers, req->nheaders * sizeof(*all));
	*n = req->nheaders;
	for (i = 0; i < res->nadd_headers; i++)
	{
		if ((options & SIGV4_UNSIGNED_TOKEN) &&
			pi_ascii_caseeq(res->add_headers[i].name, "x-amz-security-token"))
			continue;
		all[(*n)++] = res->add_headers[i];
	}
	return all;
}

/* Builds the canonical request and the signed header list */
static SigV4Status
build_canonical_request(const SigV4Request *req, int options,
						SigV4Result *res)
{
	PiBuf		b = buf_new();
	PiBuf		names = buf_new();
	SigV4Header *all;
	int			n = 0;
	bool		ok;

	all = headers_to_sign(req, res, options, &n);
	if (all == NULL)
		return SIGV4_ERR_NOMEM;
	pi_buf_append_str(&b, req->method);
	pi_buf_append_char(&b, '\n');
	ok = append_canonical_uri(&b, req->path, options);
	pi_buf_append_char(&b, '\n');
	ok = ok && append_canonical_query(&b, req->query);
	pi_buf_append_char(&b, '\n');
	ok = ok && append_canonical_headers(&b, &names, all, n);
	pi_buf_append_char(&b, '\n');
	pi_buf_append_str(&b, names.data ? names.data : "");
	pi_buf_append_char(&b, '\n');
	pi_buf_append_str(&b, res->payload_hash);
	free(all);
	res->canonical_request = ok ? pi_buf_steal(&b) : NULL;
	res->signed_headers = ok ? pi_buf_steal(&names) : NULL;
	pi_buf_free(&b);
	pi_buf_free(&names);
	return (res->canonical_request && res->signed_headers) ?
		SIGV4_OK : SIGV4_ERR_NOMEM;
}

/*--- Entry points ---*/

/* Signs a request; on failure the result is zeroed and owns nothing */
SigV4Status
sigv4_sign(const SigV4Request *request, const SigV4Credentials *credentials,
		   const SigV4Scope *scope, int options, SigV4Result *result)
{
	SigV4Status status;

	if (result == NULL)
		return SIGV4_ERR_ARGUMENT;
	memset(result, 0, sizeof(*result));
	status = check_inputs(request, credentials, scope, options);
	if (status == SIGV4_OK)
		status = prepare_added_headers(request, credentials, scope, options,
									   result);
	if (status == SIGV4_OK)
		status = build_canonical_request(request, options, result);
	if (status == SIGV4_OK)
		status = build_string_to_sign(scope, result);
	if (status == SIGV4_OK)
		status = compute_signature(credentials, scope, result);
	if (status == SIGV4_OK)
		status = build_authorization(credentials, scope, result);
	if (status != SIGV4_OK)
		sigv4_result_free(result);
	return status;
}

/* Frees what a result owns and zeroes it */
void
sigv4_result_free(SigV4Result *result)
{
	if (result == NULL)
		return;
	free(result->canonical_request);
	free(result->string_to_sign);
	free(result->signed_headers);
	free(result->authorization);
	free(result->payload_hash);
	if (result->security_token)
		OPENSSL_cleanse(result->security_token, strlen(result->security_token));
	free(result->security_token);
	memset(result, 0, sizeof(*result));
}

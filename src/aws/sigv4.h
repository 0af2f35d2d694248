/*-------------------------------------------------------------------------
 *
 * sigv4.h
 *	  AWS Signature Version 4 signer (Authorization header form).
 *
 * This header and sigv4.c include no PostgreSQL header, so the C unit
 * tests link them directly; the extension's HTTP layer calls them to sign
 * SageMaker runtime and S3 requests.  Hashing and HMAC use OpenSSL's
 * libcrypto.
 *
 * Usage: fill a SigV4Request, SigV4Credentials and SigV4Scope, call
 * sigv4_sign(), send the request with its own headers plus every header in
 * result.add_headers and "Authorization: <result.authorization>", then
 * call sigv4_result_free().  The result holds plain malloc'd memory and
 * nothing else; on failure sigv4_sign() has already freed everything and
 * left the result zeroed, so sigv4_result_free() is always safe to call.
 * A PostgreSQL caller copies what it needs into palloc'd memory between
 * the two calls (inside PG_TRY/PG_FINALLY if the copy may throw).
 *
 * Paths: SigV4Request.path is the path as sent on the wire, possibly
 * already percent-encoded, possibly with "." and ".." segments.  By
 * default (every service but S3) it is normalised (RFC 3986 dot-segment
 * removal, empty segments dropped) and each segment is URI-encoded again,
 * so an existing "%3A" becomes "%253A" ("double encoding").  With
 * SIGV4_S3_PATH the segments are left as given (S3 keys may contain "//"
 * or ".."), existing "%XX" escapes are decoded, and the result is encoded
 * once with '/' kept.
 *
 * Query: split on '&', each part on its first '=', both sides percent-
 * decoded and re-encoded with the unreserved set, sorted by key then value;
 * a '+' is a literal plus (encode spaces as %20).  Headers: names
 * lowercased, values trimmed with runs of blanks (and folded lines)
 * collapsed to one space, repeated names joined with ',' in order.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SIGV4_H
#define SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Length of "YYYYMMDDTHHMMSSZ" plus its terminator */
#define SIGV4_TIMESTAMP_LEN		17
/* Length of a lowercase hex SHA-256 or signature plus its terminator */
#define SIGV4_HEX_LEN			65
/* Payload hash value for requests whose body is not signed */
#define SIGV4_UNSIGNED_PAYLOAD	"UNSIGNED-PAYLOAD"
/* The most headers sigv4_sign() asks the caller to add */
#define SIGV4_MAX_ADD_HEADERS	3

/* Return codes of sigv4_sign(); see sigv4_strerror() */
typedef enum SigV4Status
{
	SIGV4_OK = 0,
	SIGV4_ERR_ARGUMENT,			/* a required field is NULL, empty or bad */
	SIGV4_ERR_TIMESTAMP,		/* timestamp is not YYYYMMDDTHHMMSSZ */
	SIGV4_ERR_HEADER,			/* malformed header name or value */
	SIGV4_ERR_NO_HOST,			/* no Host header to sign */
	SIGV4_ERR_RESERVED_HEADER,	/* caller passed a header the signer sets */
	SIGV4_ERR_NOMEM,			/* out of memory */
	SIGV4_ERR_CRYPTO			/* libcrypto failed */
} SigV4Status;

/* Option bits of sigv4_sign() */
#define SIGV4_S3_PATH			0x01	/* no normalising, no double encoding */
#define SIGV4_ADD_CONTENT_SHA256 0x02	/* send and sign x-amz-content-sha256 */
#define SIGV4_UNSIGNED_TOKEN	0x04	/* send x-amz-security-token unsigned */

/* One HTTP header; the name is matched case-insensitively */
typedef struct SigV4Header
{
	const char *name;
	const char *value;
} SigV4Header;

/* The request to sign; nothing in it is modified or kept */
typedef struct SigV4Request
{
	const char *method;			/* "GET", "POST", ... */
	const char *path;			/* wire path, e.g. "/endpoints/x/invocations" */
	const char *query;			/* raw query without '?', or NULL */
	const SigV4Header *headers; /* headers to sign; must include Host */
	int			nheaders;
	const unsigned char *body;	/* may be NULL when body_len is 0 */
	size_t		body_len;
	const char *payload_hash;	/* NULL: hash the body; else used verbatim,
								 * e.g. SIGV4_UNSIGNED_PAYLOAD */
} SigV4Request;

/* Credentials; session_token is NULL for long-term keys */
typedef struct SigV4Credentials
{
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;
} SigV4Credentials;

/* Where and when the signature is valid */
typedef struct SigV4Scope
{
	const char *region;			/* "eu-west-1" */
	const char *service;		/* "sagemaker", "s3" */
	const char *timestamp;		/* "YYYYMMDDTHHMMSSZ", UTC */
} SigV4Scope;

/* Everything sigv4_sign() produces; free with sigv4_result_free() */
typedef struct SigV4Result
{
	char	   *canonical_request;	/* step 1, for tests and debugging */
	char	   *string_to_sign;		/* step 2 */
	char	   *signed_headers;		/* "host;x-amz-date" */
	char	   *authorization;		/* value of the Authorization header */
	char		signature[SIGV4_HEX_LEN];	/* lowercase hex */
	char	   *payload_hash;		/* last line of the canonical request */
	/* headers the caller must send besides its own and Authorization */
	SigV4Header add_headers[SIGV4_MAX_ADD_HEADERS];
	int			nadd_headers;
	/* storage behind add_headers */
	char		amz_date[SIGV4_TIMESTAMP_LEN];
	char	   *security_token;
} SigV4Result;

/* Signs a request; on failure the result is zeroed and owns nothing */
extern SigV4Status sigv4_sign(const SigV4Request *request,
							  const SigV4Credentials *credentials,
							  const SigV4Scope *scope, int options,
							  SigV4Result *result);

/* Frees what a result owns and zeroes it; NULL and zeroed results are fine */
extern void sigv4_result_free(SigV4Result *result);

/* A static English message for a status code; never contains secrets */
extern const char *sigv4_strerror(SigV4Status status);

/* Writes the lowercase hex SHA-256 of data into out; false if libcrypto fails */
extern bool sigv4_sha256_hex(const void *data, size_t len,
							 char out[SIGV4_HEX_LEN]);

/* Formats t as "YYYYMMDDTHHMMSSZ" (UTC); false if t is out of range */
extern bool sigv4_format_time(time_t t, char out[SIGV4_TIMESTAMP_LEN]);

/*
 * Percent-encodes len bytes of src with the RFC 3986 unreserved set
 * (A-Z a-z 0-9 - . _ ~ kept), keeping '/' too when keep_slash.  Writes at
 * most dstsize bytes including the terminator and returns the length of the
 * full encoding, like snprintf; 3 * len + 1 bytes always suffice.
 */
extern size_t sigv4_uri_encode(const char *src, size_t len, bool keep_slash,
							   char *dst, size_t dstsize);

#endif							/* SIGV4_H */

/*-------------------------------------------------------------------------
 *
 * fuzz_sigv4.c
 *	  libFuzzer target: the SigV4 canonicaliser (sigv4_sign).
 *
 * The input is split at newlines into the method, the path, the query,
 * then headers "name:value", and the first byte's bits choose the options.
 * Signing either fails with a status or gives a result whose canonical
 * request holds the signed headers; URI encoding is checked on the path.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"

#define MAX_HEADERS 16

/* Checks one input; aborts (a crash libFuzzer reports) on a broken rule */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SigV4Credentials cred = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	(size > 0 && data[0] & 0x10) ? "token" : NULL};
	SigV4Scope	scope = {"us-east-1", "service", "20150830T123600Z"};
	SigV4Header headers[MAX_HEADERS];
	SigV4Request req;
	SigV4Result res;
	char	   *parts[3 + MAX_HEADERS];
	char	   *copy;
	char	   *p;
	char	   *enc;
	int			n = 0;
	size_t		need;

	if (size < 1)
		return 0;
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (p = copy; n < 3 + MAX_HEADERS && p != NULL; n++)
	{
		parts[n] = p;
		p = strchr(p, '\n');
		if (p != NULL)
			*p++ = '\0';
	}
	memset(&req, 0, sizeof(req));
	req.method = parts[0];
	req.path = n > 1 ? parts[1] : "/";
	req.query = n > 2 ? parts[2] : NULL;
	for (int i = 3; i < n; i++)
	{
		char	   *colon = strchr(parts[i], ':');

		headers[req.nheaders].name = parts[i];
		headers[req.nheaders].value = colon ? colon + 1 : "";
		if (colon)
			*colon = '\0';
		req.nheaders++;
	}
	req.headers = headers;
	req.body = data;
	req.body_len = size;
	if (sigv4_sign(&req, &cred, &scope, data[0] & 0x07, &res) == SIGV4_OK)
	{
		if (res.authorization == NULL || res.canonical_request == NULL ||
			strstr(res.canonical_request, res.signed_headers) == NULL)
			abort();
	}
	sigv4_result_free(&res);
	need = sigv4_uri_encode(req.path, strlen(req.path), true, NULL, 0) + 1;
	enc = malloc(need);
	if (sigv4_uri_encode(req.path, strlen(req.path), true, enc, need) != need - 1 ||
		strlen(enc) != need - 1)
		abort();
	free(enc);
	free(copy);
	return 0;
}

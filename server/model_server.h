/*-------------------------------------------------------------------------
 *
 * model_server.h
 *	  The model server: a SageMaker-compatible inference container for
 *	  Random Cut Forest models trained in PostgreSQL (see doc/model_server.md).
 *
 * The program is three files, one concern each:
 *	ms_model.c		reading an exported rcf_model file into a forest
 *	ms_invoke.c		one /invocations request: decode rows, score, encode
 *	model_server.c	options, the HTTP daemon (libmicrohttpd), signals
 *
 * ms_model.c and ms_invoke.c know nothing of HTTP transport, so the C unit
 * tests link them directly.  Like the cores they build on (src/base/,
 * src/rcf/, src/infer/codec.h), they include no PostgreSQL header.
 *
 * Concurrency: the forest is only read after it is loaded, and
 * rcf_forest_score keeps all its state on the caller's stack, so any number
 * of threads may call ms_invoke on one forest at once.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MODEL_SERVER_H
#define MODEL_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "infer/codec.h"
#include "rcf/rcf_forest.h"

/* Largest model file read (a model of RCF_MAX_TREES full trees fits) */
#define MS_MAX_MODEL_FILE	((size_t) 1 << 30)

/* Default largest request body: SageMaker's InvokeEndpoint limit */
#define MS_DEFAULT_MAX_BODY ((size_t) 6 * 1024 * 1024)

/* Longest error message written into a reply */
#define MS_MESSAGE_SIZE		256

/*--- in ms_model.c ---*/

/*
 * Reads an exported model: the binary form (starting "RCFM"), the bytea
 * hex text (starting "\x") or the JSON text of rcf_model.  Returns the
 * forest, or NULL with a message in errbuf.
 */
extern RcfForest *ms_model_load(const char *path, char *errbuf, size_t errlen);

/* Decodes exported model bytes already in memory (as ms_model_load) */
extern RcfForest *ms_model_decode(const char *data, size_t len,
								  char *errbuf, size_t errlen);

/*--- in ms_invoke.c ---*/

/* A reply: its status, its Content-Type and its body (malloc'd) */
typedef struct MsReply
{
	int			status;
	const char *content_type;	/* static */
	char	   *body;
	size_t		len;
} MsReply;

/*
 * The reply format for an Accept header (NULL: none sent), defaulting to
 * application/json as SageMaker's RCF does; -1 when no acceptable format
 * is offered.
 */
extern int	ms_accept_format(const char *accept);

/* Checks Content-Type and Accept; false with a 415 or 406 in reply */
extern bool ms_check_headers(const char *content_type, const char *accept,
							 MsReply *reply);

/*
 * Answers one POST /invocations: the request's Content-Type, Accept and
 * body in, the reply (200 with the scores, or a 4xx with a message) out.
 * The caller frees reply->body.
 */
extern void ms_invoke(const RcfForest *forest, const char *content_type,
					  const char *accept, const char *body, size_t len,
					  MsReply *reply);

/* Fills reply with an error status and {"message": ...} */
extern void ms_reply_error(MsReply *reply, int status, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Releases a reply's body */
extern void ms_reply_free(MsReply *reply);

#endif							/* MODEL_SERVER_H */

/*-------------------------------------------------------------------------
 *
 * model_server.c
 *	  pg_infer_model_server: serves an rcf_model exported from PostgreSQL
 *	  over the SageMaker inference container contract.
 *
 *	  pg_infer_model_server --model FILE [--port 8080] [--bind 127.0.0.1]
 *							[--threads N] [--max-body-bytes N] [serve]
 *
 * Routes: GET /ping (200 once the model is loaded, which it is before the
 * server listens) and POST /invocations (ms_invoke); any other path is a
 * 404, another method on these paths a 405.  HTTP is libmicrohttpd's, with
 * a pool of threads that each score their own requests (the forest is
 * read-only: see model_server.h).  A request body is collected up to
 * --max-body-bytes; beyond that the reply is 413, as early as the
 * Content-Length says so.  SIGTERM or SIGINT stops the server cleanly.
 *
 * IDENTIFICATION
 *	  server/model_server.c
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "model_server.h"

#define PROGRAM			"pg_infer_model_server"
#define DEFAULT_PORT	8080
#define DEFAULT_BIND	"127.0.0.1"
#define IDLE_TIMEOUT_S	60		/* an idle keep-alive connection is closed */

/* What the command line asks for */
typedef struct Options
{
	const char *model;
	const char *bind;
	int			port;
	int			threads;
	size_t		max_body;
} Options;

/* What every request handler reads: set before the daemon starts */
typedef struct Server
{
	const RcfForest *forest;
	size_t		max_body;
} Server;

/* What a request asks for, by its path and method */
typedef enum Route
{
	ROUTE_PING,					/* GET or HEAD /ping */
	ROUTE_INVOCATIONS,			/* POST /invocations */
	ROUTE_PING_METHOD,			/* /ping with another method: 405 */
	ROUTE_INVOCATIONS_METHOD,	/* /invocations with another method: 405 */
	ROUTE_NONE					/* any other path: 404 */
} Route;

/* The state of one request across the handler's calls */
typedef struct Request
{
	Route		route;
	char	   *body;			/* ROUTE_INVOCATIONS: the body so far */
	size_t		len;
	size_t		cap;
	bool		too_large;		/* the body went past the limit: dropped */
} Request;

/*--- Command line -----------------------------------------------------------*/

/* Prints the usage to f */
static void
usage(FILE *f)
{
	fprintf(f,
			"usage: " PROGRAM " --model FILE [--port N] [--bind ADDRESS] [--threads N]\n"
			"       [--max-body-bytes N] [serve]\n"
			"Serves a Random Cut Forest exported from PostgreSQL (pg_infer's rcf_model)\n"
			"over the SageMaker inference contract: GET /ping, POST /invocations.\n"
			"  --model FILE          the exported model: binary, bytea hex text or JSON\n"
			"  --port N              TCP port (default %d; 0 picks a free one)\n"
			"  --bind ADDRESS        IPv4 or IPv6 address to listen on (default %s;\n"
			"                        0.0.0.0 in a container)\n"
			"  --threads N           request threads (default: the number of CPUs)\n"
			"  --max-body-bytes N    largest request body (default %zu)\n"
			"  serve                 ignored: the argument SageMaker starts containers with\n",
			DEFAULT_PORT, DEFAULT_BIND, MS_DEFAULT_MAX_BODY);
}

/* Parses a whole number in [min, max]; exits with a message if it is not */
static long long
parse_number(const char *flag, const char *text, long long min, long long max)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
	{
		fprintf(stderr, PROGRAM ": %s needs a whole number from %lld to %lld, not \"%s\"\n",
				flag, min, max, text);
		exit(2);
	}
	return v;
}

/* The value of a flag that takes one; exits when it is missing */
static const char *
flag_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
	{
		fprintf(stderr, PROGRAM ": %s needs a value\n", argv[*i]);
		exit(2);
	}
	return argv[++*i];
}

/* Reads the command line into opts; exits on a bad one */
static void
parse_options(int argc, char **argv, Options *opts)
{
	long		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int			i;

	opts->model = NULL;
	opts->bind = DEFAULT_BIND;
	opts->port = DEFAULT_PORT;
	opts->threads = cpus > 0 ? (int) cpus : 1;
	opts->max_body = MS_DEFAULT_MAX_BODY;
	for (i = 1; i < argc; i++)
	{
		const char *a = argv[i];

		if (strcmp(a, "--model") == 0)
			opts->model = flag_value(argc, argv, &i);
		else if (strcmp(a, "--bind") == 0)
			opts->bind = flag_value(argc, argv, &i);
		else if (strcmp(a, "--port") == 0)
			opts->port = (int) parse_number(a, flag_value(argc, argv, &i), 0, 65535);
		else if (strcmp(a, "--threads") == 0)
			opts->threads = (int) parse_number(a, flag_value(argc, argv, &i), 1, 256);
		else if (strcmp(a, "--max-body-bytes") == 0)
			opts->max_body = (size_t) parse_number(a, flag_value(argc, argv, &i), 1, INT_MAX);
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		{
			usage(stdout);
			exit(0);
		}
		else if (strcmp(a, "serve") != 0)
		{
			fprintf(stderr, PROGRAM ": unknown argument \"%s\"\n", a);
			usage(stderr);
			exit(2);
		}
	}
	if (opts->model == NULL)
	{
		fprintf(stderr, PROGRAM ": --model FILE is required\n");
		usage(stderr);
		exit(2);
	}
}

/*--- Replies ----------------------------------------------------------------*/

/*
 * Queues a reply on the connection and hands its body to libmicrohttpd;
 * allow, when not NULL, is sent as the Allow header (405 replies).
 */
static enum MHD_Result
send_reply(struct MHD_Connection *conn, MsReply *reply, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(reply->len, reply->body,
										   MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
	{
		ms_reply_free(reply);
		return MHD_NO;
	}
	reply->body = NULL;
	if (reply->content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
								reply->content_type);
	if (allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, (unsigned int) reply->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Queues an error reply with a message */
static enum MHD_Result
send_error(struct MHD_Connection *conn, int status, const char *allow,
		   const char *message)
{
	MsReply		reply;

	memset(&reply, 0, sizeof(reply));
	ms_reply_error(&reply, status, "%s", message);
	return send_reply(conn, &reply, allow);
}

/* Queues the 200 of GET /ping: an empty body */
static enum MHD_Result
send_ping(struct MHD_Connection *conn)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(0, (void *) "", MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*--- Requests ---------------------------------------------------------------*/

/* A request header's value, or NULL */
static const char *
header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* The route of a path and method */
static Route
route_of(const char *url, const char *method)
{
	if (strcmp(url, "/ping") == 0)
		return (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) ?
			ROUTE_PING : ROUTE_PING_METHOD;
	if (strcmp(url, "/invocations") == 0)
		return strcmp(method, "POST") == 0 ?
			ROUTE_INVOCATIONS : ROUTE_INVOCATIONS_METHOD;
	return ROUTE_NONE;
}

/*
 * When a request's headers are in: sets up its state, and refuses a POST
 * /invocations with a bad Content-Type, Accept or announced length at once
 * (before its body is read).
 */
static enum MHD_Result
begin_request(const Server *server, struct MHD_Connection *conn,
			  const char *url, const char *method, void **req_cls)
{
	Request    *req = calloc(1, sizeof(Request));
	const char *length = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
	MsReply		reply;
	char		message[MS_MESSAGE_SIZE];

	if (req == NULL)
		return MHD_NO;
	*req_cls = req;
	req->route = route_of(url, method);
	if (req->route != ROUTE_INVOCATIONS)
		return MHD_YES;
	memset(&reply, 0, sizeof(reply));
	if (!ms_check_headers(header(conn, MHD_HTTP_HEADER_CONTENT_TYPE),
						  header(conn, MHD_HTTP_HEADER_ACCEPT), &reply))
		return send_reply(conn, &reply, NULL);
	if (length != NULL && strtoull(length, NULL, 10) > server->max_body)
	{
		snprintf(message, sizeof(message),
				 "the request body of %s bytes is larger than the limit of %zu bytes: send fewer rows per request",
				 length, server->max_body);
		return send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, NULL, message);
	}
	return MHD_YES;
}

/* Appends a piece of the body, or drops it once the body is too large */
static bool
collect_body(const Server *server, Request *req, const char *data, size_t n)
{
	if (req->too_large || n > server->max_body - req->len)
	{
		req->too_large = true;
		return true;
	}
	if (req->len + n + 1 > req->cap)
	{
		size_t		cap = req->cap > 0 ? req->cap : 65536;
		char	   *grown;

		while (cap < req->len + n + 1)
			cap *= 2;
		grown = realloc(req->body, cap);
		if (grown == NULL)
			return false;
		req->body = grown;
		req->cap = cap;
	}
	memcpy(req->body + req->len, data, n);
	req->len += n;
	return true;
}

/* Once the whole body is in: scores it and queues the reply */
static enum MHD_Result
finish_invocation(const Server *server, struct MHD_Connection *conn,
				  Request *req)
{
	MsReply		reply;
	char		message[MS_MESSAGE_SIZE];

	if (req->too_large)
	{
		snprintf(message, sizeof(message),
				 "the request body is larger than the limit of %zu bytes: send fewer rows per request",
				 server->max_body);
		return send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, NULL, message);
	}
	ms_invoke(server->forest, header(conn, MHD_HTTP_HEADER_CONTENT_TYPE),
			  header(conn, MHD_HTTP_HEADER_ACCEPT),
			  req->body != NULL ? req->body : "", req->len, &reply);
	return send_reply(conn, &reply, NULL);
}

/* Once a request is in: queues its reply */
static enum MHD_Result
finish_request(const Server *server, struct MHD_Connection *conn,
			   Request *req)
{
	switch (req->route)
	{
		case ROUTE_PING:
			return send_ping(conn);
		case ROUTE_INVOCATIONS:
			return finish_invocation(server, conn, req);
		case ROUTE_PING_METHOD:
			return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET, HEAD",
							  "/ping takes GET");
		case ROUTE_INVOCATIONS_METHOD:
			return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "POST",
							  "/invocations takes POST");
		case ROUTE_NONE:
			break;
	}
	return send_error(conn, MHD_HTTP_NOT_FOUND, NULL,
					  "no such route: the server has GET /ping and POST /invocations");
}

/*
 * libmicrohttpd's request handler: called once when the headers are in
 * (*req_cls still NULL), once per piece of body, and once more at its end,
 * when the reply is queued.
 */
static enum MHD_Result
handle_request(void *cls, struct MHD_Connection *conn, const char *url,
			   const char *method, const char *version,
			   const char *upload_data, size_t *upload_data_size,
			   void **req_cls)
{
	const Server *server = cls;
	Request    *req = *req_cls;
	bool		ok = true;

	(void) version;
	if (req == NULL)
		return begin_request(server, conn, url, method, req_cls);
	if (*upload_data_size > 0)
	{
		/* only /invocations keeps its body; other routes' are dropped */
		if (req->route == ROUTE_INVOCATIONS)
			ok = collect_body(server, req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return ok ? MHD_YES : MHD_NO;
	}
	return finish_request(server, conn, req);
}

/* libmicrohttpd's completion callback: frees a request's state */
static void
request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
				  enum MHD_RequestTerminationCode code)
{
	Request    *req = *req_cls;

	(void) cls;
	(void) conn;
	(void) code;
	if (req != NULL)
	{
		free(req->body);
		free(req);
		*req_cls = NULL;
	}
}

/*--- Daemon -----------------------------------------------------------------*/

/* Fills addr from a numeric IPv4 or IPv6 address; false if it is neither */
static bool
bind_address(const char *text, int port, struct sockaddr_storage *addr,
			 bool *ipv6)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *) addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) addr;

	memset(addr, 0, sizeof(*addr));
	*ipv6 = false;
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1)
	{
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t) port);
		return true;
	}
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1)
	{
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t) port);
		*ipv6 = true;
		return true;
	}
	return false;
}

/* Starts the HTTP daemon on the options' address; NULL on failure */
static struct MHD_Daemon *
start_daemon(const Options *opts, Server *server)
{
	struct sockaddr_storage addr;
	bool		ipv6;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (!bind_address(opts->bind, opts->port, &addr, &ipv6))
	{
		fprintf(stderr, PROGRAM ": --bind needs a numeric IPv4 or IPv6 address, not \"%s\"\n",
				opts->bind);
		return NULL;
	}
	if (ipv6)
		flags |= MHD_USE_IPv6;
	flags |= MHD_USE_AUTO;
	return MHD_start_daemon(flags, (uint16_t) opts->port, NULL, NULL,
							handle_request, server,
							MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
							MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) opts->threads,
							MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) IDLE_TIMEOUT_S,
							MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
							MHD_OPTION_END);
}

/* Loads the model, or exits with the reason it cannot be served */
static RcfForest *
load_model(const char *path)
{
	char		err[MS_MESSAGE_SIZE];
	RcfForest  *forest = ms_model_load(path, err, sizeof(err));
	const RcfParams *p;

	if (forest == NULL)
	{
		fprintf(stderr, PROGRAM ": cannot load the model \"%s\": %s\n", path, err);
		exit(1);
	}
	p = rcf_forest_params(forest);
	printf(PROGRAM ": model \"%s\": %d trees of up to %d points, %d dimensions\n",
		   path, p->num_trees, p->sample_size, p->dims);
	return forest;
}

int
main(int argc, char **argv)
{
	Options		opts;
	Server		server;
	struct MHD_Daemon *daemon;
	const union MHD_DaemonInfo *info;
	sigset_t	stop;
	int			sig;

	parse_options(argc, argv, &opts);
	server.forest = load_model(opts.model);
	server.max_body = opts.max_body;

	/* the daemon's threads inherit the mask: only sigwait sees these */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	daemon = start_daemon(&opts, &server);
	if (daemon == NULL)
	{
		fprintf(stderr, PROGRAM ": cannot listen on %s port %d\n", opts.bind, opts.port);
		return 1;
	}
	info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening on %s%s%s:%u\n", strchr(opts.bind, ':') ? "[" : "", opts.bind,
		   strchr(opts.bind, ':') ? "]" : "", info != NULL ? info->port : (unsigned) opts.port);
	fflush(stdout);

	sigwait(&stop, &sig);
	MHD_stop_daemon(daemon);
	rcf_forest_free((RcfForest *) server.forest);
	return 0;
}

/*-------------------------------------------------------------------------
 *
 * s3_stream.c
 *	  Reading one S3 object as a stream of bytes: a GET whose reply goes
 *	  to a sink, resumed with a Range request when the connection drops,
 *	  and gzip (zlib) or zstd decompression on the way.
 *
 * Memory stays bounded: the sink buffer holds only what one step of the
 * HTTP layer received (the consumer drains it before the next step), and
 * decompression writes straight into the consumer's buffer.  A dropped
 * transfer that had delivered data is resumed from the next byte with
 * "Range: bytes=N-" and "If-Match: <ETag>" (so a changed object fails
 * instead of mixing two versions), up to pg_infer.max_retries times.  The
 * zlib and zstd states are freed by a memory-context callback, so an
 * ERROR leaks nothing; the HTTP batch stops its transfer the same way.
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_stream.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <zlib.h>
#include <zstd.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "fdw/s3/s3_fdw.h"

/* A read of the stream, as the sink buffer sees it */
struct S3Stream
{
	MemoryContext context;		/* the stream, its buffer, its request */
	const S3Table *table;
	const S3Object *object;
	S3Counters *counters;
	S3Compression compression;

	/* the GET in progress */
	AwsHttpBatch *batch;
	AwsHttpRequest request;
	char	   *etag;			/* the listing's or first reply's, for
								 * resuming and ranges */
	int64		origin;			/* the first byte asked for */
	int64		received;		/* body bytes of finished requests */
	int			resumes;
	bool		finished;		/* the last request succeeded */

	/* what the sink received and the reader has not taken yet */
	char	   *buf;
	size_t		len;
	size_t		pos;
	size_t		cap;

	/* a byte range: the lines that begin in [origin + 1, range_end) */
	bool		ranged;
	int64		range_end;		/* -1: to the object's end */
	int64		offset;			/* of buf[pos] in the object */
	bool		skipping;		/* passing the line begun before the range */
	bool		range_done;

	/* decompression */
	z_stream	zs;
	bool		zs_ready;
	ZSTD_DStream *zstd;
	bool		member_done;	/* a gzip member or zstd frame ended (or
								 * none began) */
	bool		pending;		/* the decompressor may hold more output */
	MemoryContextCallback cleanup;
};

/*--- The sink (runs inside libcurl: never raises an ERROR) ---*/

/* Appends received bytes to the stream's buffer */
static bool
SinkAppend(void *arg, const char *data, size_t n)
{
	S3Stream   *s = (S3Stream *) arg;

	if (s->len + n > s->cap)
	{
		size_t		cap = Max(s->cap * 2, s->len + n);
		char	   *grown = MemoryContextAllocExtended(s->context, cap,
													   MCXT_ALLOC_NO_OOM);

		if (grown == NULL)
			return false;
		memcpy(grown, s->buf + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
		if (s->buf)
			pfree(s->buf);
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return true;
}

/*--- The GET ---*/

/* Starts a GET of the object, from byte s->received on */
static void
StartGet(S3Stream *s)
{
	const S3Endpoint *ep = &s->table->endpoint;
	char	   *url = S3Url(ep, s->table->bucket, s->object->key, NULL);
	MemoryContext old = MemoryContextSwitchTo(s->context);

	S3RequestInit(&s->request, ep, "GET", url);
	s->request.sink = SinkAppend;
	s->request.sink_arg = s;
	s->request.capture[0] = "ETag";
	if (s->origin + s->received > 0)
	{
		s->request.headers = list_make1(psprintf("Range: bytes=" INT64_FORMAT "-",
												 s->origin + s->received));
		if (s->etag)
			s->request.headers = lappend(s->request.headers,
										 psprintf("If-Match: %s", s->etag));
	}
	AwsHttpAdd(s->batch, &s->request);
	MemoryContextSwitchTo(old);
}

/*
 * Takes the outcome of a finished GET: success ends the object; a transfer
 * that dropped after delivering data is resumed; anything else is an ERROR
 */
static void
FinishGet(S3Stream *s)
{
	AwsHttpRequest *r = &s->request;

	s->counters->get_requests++;
	s->counters->retries += r->attempts - 1;
	s->counters->bytes_received += r->sunk;
	s->received += r->sunk;
	if (s->etag == NULL && r->captured[0])
		s->etag = MemoryContextStrdup(s->context, r->captured[0]);
	if (r->status == 200 || r->status == 206)
	{
		s->finished = true;
		return;
	}
	if (r->status == 0 && r->sunk > 0 && s->resumes < aws_max_retries &&
		!QueryCancelPending)
	{
		s->resumes++;
		s->counters->retries++;
		StartGet(s);
		return;
	}
	if (r->status == 412)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("object %s changed while it was being read",
						S3DisplayName(s->table->bucket, s->object->key)),
				 errdetail("Its ETag no longer matched when it was read from byte " INT64_FORMAT ".",
						   s->origin + s->received)));
	S3ReportFailure(r, "could not read", s->table->bucket, s->object->key);
}

/* Makes sure received bytes are waiting; false at the end of the object */
static bool
Refill(S3Stream *s)
{
	while (s->pos == s->len)
	{
		s->pos = s->len = 0;
		if (s->finished)
			return false;
		if (AwsHttpStep(s->batch, &s->request))
		{
			AwsHttpWait(s->batch, &s->request);
			FinishGet(s);
		}
	}
	return true;
}

/*
 * Passes the bytes of the line begun before the range (through its
 * newline); the range's rows then begin, unless that is past its end
 */
static void
SkipPartialLine(S3Stream *s)
{
	char	   *newline = memchr(s->buf + s->pos, '\n', s->len - s->pos);
	size_t		n = newline ? newline + 1 - (s->buf + s->pos) : s->len - s->pos;

	s->pos += n;
	s->offset += n;
	if (newline)
	{
		s->skipping = false;
		s->range_done = s->range_end >= 0 && s->offset >= s->range_end;
	}
}

/*
 * How many of the avail waiting bytes belong to the range: all of them
 * until its end; past it, up to the first newline at or after its last
 * byte, which ends the last line that began inside it
 */
static size_t
RangeTake(S3Stream *s, size_t avail)
{
	const char *from;
	const char *newline;
	int64		last = s->range_end - 1;

	if (s->range_end < 0 || s->offset + (int64) avail <= last)
		return avail;
	from = s->buf + s->pos + Max(last - s->offset, 0);
	newline = memchr(from, '\n', s->buf + s->pos + avail - from);
	if (newline == NULL)
		return avail;
	s->range_done = true;
	return newline + 1 - (s->buf + s->pos);
}

/* Copies up to maxread received bytes, at least minread unless at the end */
static size_t
ReadPlain(S3Stream *s, char *out, size_t minread, size_t maxread)
{
	size_t		n = 0;

	while (n < minread || (n < maxread && s->pos < s->len))
	{
		size_t		take;

		if (s->range_done || !Refill(s))
			break;
		if (s->skipping)
		{
			SkipPartialLine(s);
			continue;
		}
		take = Min(maxread - n, s->len - s->pos);
		if (s->ranged)
			take = RangeTake(s, take);
		memcpy(out + n, s->buf + s->pos, take);
		s->pos += take;
		s->offset += take;
		n += take;
	}
	return n;
}

/*--- Decompression ---*/

/* Raises the ERROR for compressed data that cannot be decoded */
static void
BadCompressedData(S3Stream *s, const char *what, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid %s data in %s", what,
					S3DisplayName(s->table->bucket, s->object->key)),
			 errdetail("%s", why),
			 errhint("Check the table's compression option.")));
}

/*
 * Makes sure the decompressor has work: pending output or received input.
 * False when the object ended (or, with minread met, when nothing is
 * waiting and the network need not be asked).
 */
static bool
HaveCompressedWork(S3Stream *s, size_t n, size_t minread, bool *at_end)
{
	*at_end = false;
	if (s->pos < s->len || s->pending)
		return true;
	if (n >= minread)
		return false;
	*at_end = !Refill(s);
	return !*at_end;
}

/* Inflates gzip members (one after another) into out */
static size_t
ReadGzip(S3Stream *s, char *out, size_t minread, size_t maxread)
{
	size_t		n = 0;
	bool		at_end = false;

	while (n < maxread && HaveCompressedWork(s, n, minread, &at_end))
	{
		int			rc;

		if (s->member_done)
		{
			/* data follows a member that ended: another member */
			inflateReset(&s->zs);
			s->member_done = false;
		}
		s->zs.next_in = (Bytef *) s->buf + s->pos;
		s->zs.avail_in = (uInt) (s->len - s->pos);
		s->zs.next_out = (Bytef *) out + n;
		s->zs.avail_out = (uInt) (maxread - n);
		rc = inflate(&s->zs, Z_NO_FLUSH);
		s->pos = s->len - s->zs.avail_in;
		n = maxread - s->zs.avail_out;
		s->pending = (s->zs.avail_out == 0);
		if (rc == Z_STREAM_END)
		{
			s->member_done = true;
			s->pending = false;
		}
		else if (rc == Z_BUF_ERROR)
			s->pending = false; /* it needs more input */
		else if (rc != Z_OK)
			BadCompressedData(s, "gzip", s->zs.msg ? s->zs.msg : "zlib failed.");
	}
	if (at_end && !s->member_done)
		BadCompressedData(s, "gzip", "The data ends inside a gzip member.");
	return n;
}

/* Decompresses zstd frames into out */
static size_t
ReadZstd(S3Stream *s, char *out, size_t minread, size_t maxread)
{
	size_t		n = 0;
	bool		at_end = false;

	while (n < maxread && HaveCompressedWork(s, n, minread, &at_end))
	{
		ZSTD_inBuffer in = {s->buf, s->len, s->pos};
		ZSTD_outBuffer ob = {out, maxread, n};
		size_t		rc = ZSTD_decompressStream(s->zstd, &ob, &in);

		if (ZSTD_isError(rc))
			BadCompressedData(s, "zstd", ZSTD_getErrorName(rc));
		s->pos = in.pos;
		n = ob.pos;
		s->pending = (ob.pos == ob.size);
		s->member_done = (rc == 0);
	}
	if (at_end && !s->member_done)
		BadCompressedData(s, "zstd", "The data ends inside a zstd frame.");
	return n;
}

/* Frees the decompressors' own memory when the stream's context goes */
static void
FreeDecompressors(void *arg)
{
	S3Stream   *s = (S3Stream *) arg;

	if (s->zs_ready)
		inflateEnd(&s->zs);
	s->zs_ready = false;
	if (s->zstd)
		ZSTD_freeDStream(s->zstd);
	s->zstd = NULL;
}

/* Readies the decompressor the object needs */
static void
StartDecompressor(S3Stream *s)
{
	if (s->compression == S3_COMPRESSION_GZIP)
	{
		/* 15 + 32: any window size, gzip or zlib header detected */
		if (inflateInit2(&s->zs, 15 + 32) != Z_OK)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not initialize zlib")));
		s->zs_ready = true;
	}
	else if (s->compression == S3_COMPRESSION_ZSTD)
	{
		s->zstd = ZSTD_createDStream();
		if (s->zstd == NULL || ZSTD_isError(ZSTD_initDStream(s->zstd)))
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not initialize zstd")));
	}
}

/*--- Public functions ---*/

/*
 * Starts reading the lines of an uncompressed object that begin in the
 * byte range [start, end) (end -1: to the object's end): the GET starts
 * one byte early and passes the line under way there; the last line runs
 * past end to its newline.  The listing's ETag must still match.
 */
S3Stream *
S3StreamOpenRange(const S3Table *table, const S3Object *object,
				  S3Counters *counters, int64 start, int64 end)
{
	MemoryContext context = AllocSetContextCreate(CurrentMemoryContext,
												  "federated_s3 object",
												  ALLOCSET_DEFAULT_SIZES);
	S3Stream   *s = MemoryContextAllocZero(context, sizeof(S3Stream));
	MemoryContext old;

	s->context = context;
	s->table = table;
	s->object = object;
	s->counters = counters;
	s->compression = S3ObjectCompression(table, object->key);
	Assert(start == 0 || s->compression == S3_COMPRESSION_NONE);
	s->ranged = start > 0 || end >= 0;
	s->origin = Max(start - 1, 0);
	s->offset = s->origin;
	s->range_end = end;
	s->skipping = start > 0;
	if (s->ranged && object->etag && object->etag[0])
		s->etag = MemoryContextStrdup(context, object->etag);
	s->member_done = true;
	s->cleanup.func = FreeDecompressors;
	s->cleanup.arg = s;
	MemoryContextRegisterResetCallback(context, &s->cleanup);
	StartDecompressor(s);
	s->cap = 64 * 1024;
	s->buf = MemoryContextAlloc(context, s->cap);
	old = MemoryContextSwitchTo(context);
	s->batch = AwsHttpBegin(1);
	MemoryContextSwitchTo(old);
	StartGet(s);
	return s;
}

/* Starts reading a whole object; the stream lives in the current context */
S3Stream *
S3StreamOpen(const S3Table *table, const S3Object *object, S3Counters *counters)
{
	return S3StreamOpenRange(table, object, counters, 0, -1);
}

/*
 * Reads at least minread (unless the object ends) and at most maxread
 * decompressed bytes into buf; returns how many, 0 at the end
 */
size_t
S3StreamRead(S3Stream *stream, char *buf, size_t minread, size_t maxread)
{
	switch (stream->compression)
	{
		case S3_COMPRESSION_GZIP:
			return ReadGzip(stream, buf, minread, maxread);
		case S3_COMPRESSION_ZSTD:
			return ReadZstd(stream, buf, minread, maxread);
		default:
			return ReadPlain(stream, buf, minread, maxread);
	}
}

/* Stops the transfer if under way and frees everything the stream holds */
void
S3StreamClose(S3Stream *stream)
{
	MemoryContextDelete(stream->context);
}

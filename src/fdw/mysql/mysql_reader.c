/*-------------------------------------------------------------------------
 *
 * mysql_reader.c
 *	  A reader thread for federated_mysql's streaming results: while the
 *	  backend converts rows and hands them to the executor, a thread reads
 *	  the next ones from the network (libmariadb's protocol work and the
 *	  socket reads), so that a full scan uses two cores.
 *
 *	  The rules that keep this safe in a PostgreSQL backend:
 *
 *	  - The thread calls libmariadb and libc only: no palloc, no elog, no
 *	    PostgreSQL function or global.  Its memory is malloc'd, owned by the
 *	    MysqlReader, and freed by the backend after the thread has ended.
 *	  - It starts with every signal blocked, so PostgreSQL's handlers (and
 *	    the latch's SIGURG) only ever run in the backend's own thread.
 *	  - While it runs it owns the connection's MYSQL handle: the backend
 *	    touches the handle again only after joining it, which every way out
 *	    does (the end of the result, MysqlReaderDiscard, MysqlReaderFree).
 *	  - The backend never blocks on the thread without watching its latch:
 *	    it waits for rows on an eventfd that the thread signals, together
 *	    with the latch, so a query cancel, statement_timeout or termination
 *	    is served at once (CHECK_FOR_INTERRUPTS throws in the backend).  On
 *	    an error the cleanup path (MysqlReaderFree, which never throws)
 *	    shuts the socket down, which ends any read at once, and joins.
 *	  - Errors of the thread (the server's, a lost connection) stay in the
 *	    MYSQL handle, where the backend reads them after the join and
 *	    raises them as before; an allocation failure is a flag.
 *
 *	  Rows travel in batches of at most batch_rows rows (the fetch_size
 *	  option) or READER_BATCH_BYTES bytes, READER_BATCHES of them in a
 *	  ring: the read-ahead, and so the memory, is bounded whatever the
 *	  table's size.  A batch is handed over when full, or as soon as it has
 *	  a row while the backend waits and the socket has nothing more to
 *	  read, so a slow stream's first rows are not held back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"

#include "fdw/mysql/federated_mysql.h"

/* Batches in the ring, and the bytes at which a batch is handed over */
#define READER_BATCHES 4
#define READER_BATCH_BYTES (256 * 1024)
/* While the backend waits, a batch this full is handed over at once */
#define READER_EAGER_ROWS 32

/* Rows copied out of libmariadb's buffer: per value a length, then bytes */
typedef struct ReaderBatch
{
	char	   *data;
	size_t		used;
	size_t		size;
	int			nrows;
	struct ReaderBatch *next;	/* in the free list or the full queue */
} ReaderBatch;

/* The length that marks a NULL value in a batch */
#define READER_NULL ((uint32) 0xFFFFFFFF)

struct MysqlReader
{
	MYSQL_RES  *res;
	int			nfields;
	int			batch_rows;
	int			socket;			/* the connection's, for poll and shutdown */
	int			eventfd;		/* the thread signals the backend here */
	pthread_t	thread;
	bool		started;
	bool		joined;
	pthread_mutex_t lock;
	pthread_cond_t freed;		/* a batch went back to the free list */
	/* under lock */
	ReaderBatch *free;
	ReaderBatch *full_head;
	ReaderBatch *full_tail;
	bool		done;			/* the thread has ended */
	bool		waiting;		/* the backend waits for a batch */
	bool		discard;		/* read the rest and drop it */
	bool		stop;			/* stop now (the socket is shut down) */
	bool		out_of_memory;
	/* the backend's side */
	ReaderBatch *current;
	size_t		offset;
	int			row;
	char	  **values;
	unsigned long *lengths;
	ReaderBatch batches[READER_BATCHES];
};

/*--- The thread: libmariadb and libc only ---*/

/* Whether the backend asked the thread to drop or stop (read unlocked) */
static inline bool
ReaderFlag(bool *flag)
{
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

/* Sets a flag the other side reads unlocked */
static inline void
ReaderSetFlag(bool *flag, bool value)
{
	__atomic_store_n(flag, value, __ATOMIC_RELEASE);
}

/* Wakes the backend if it waits; called with the lock held */
static void
WakeBackend(MysqlReader *r)
{
	uint64_t	one = 1;

	if (r->waiting)
	{
		ReaderSetFlag(&r->waiting, false);
		/* an eventfd write only fails when the counter would overflow */
		(void) !write(r->eventfd, &one, sizeof(one));
	}
}

/* Takes an empty batch, waiting for the backend to free one; NULL: stop */
static ReaderBatch *
TakeFreeBatch(MysqlReader *r)
{
	ReaderBatch *b;

	pthread_mutex_lock(&r->lock);
	while (r->free == NULL && !r->discard && !r->stop)
		pthread_cond_wait(&r->freed, &r->lock);
	b = (r->discard || r->stop) ? NULL : r->free;
	if (b != NULL)
	{
		r->free = b->next;
		b->next = NULL;
		b->used = 0;
		b->nrows = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return b;
}

/* Queues a batch for the backend */
static void
Publish(MysqlReader *r, ReaderBatch *b)
{
	pthread_mutex_lock(&r->lock);
	if (r->full_tail)
		r->full_tail->next = b;
	else
		r->full_head = b;
	r->full_tail = b;
	WakeBackend(r);
	pthread_mutex_unlock(&r->lock);
}

/* Copies a row into a batch; false when memory ran out */
static bool
AppendRow(MysqlReader *r, ReaderBatch *b, MYSQL_ROW row, unsigned long *lengths)
{
	size_t		need = 0;

	for (int i = 0; i < r->nfields; i++)
		need += sizeof(uint32) + (row[i] ? lengths[i] + 1 : 0);
	if (b->used + need > b->size)
	{
		size_t		size = Max(b->size * 2, b->used + need);
		char	   *data = realloc(b->data, size);

		if (data == NULL)
			return false;
		b->data = data;
		b->size = size;
	}
	for (int i = 0; i < r->nfields; i++)
	{
		uint32		len = row[i] ? (uint32) lengths[i] : READER_NULL;

		memcpy(b->data + b->used, &len, sizeof(len));
		b->used += sizeof(len);
		if (row[i] == NULL)
			continue;
		memcpy(b->data + b->used, row[i], lengths[i]);
		b->data[b->used + lengths[i]] = '\0';
		b->used += lengths[i] + 1;
	}
	b->nrows++;
	return true;
}

/* Whether the socket has bytes to read now (libmariadb may hold more) */
static bool
SocketReadable(int socket)
{
	struct pollfd pfd = {.fd = socket,.events = POLLIN};

	return poll(&pfd, 1, 0) > 0;
}

/* Whether a batch goes to the backend now */
static bool
BatchReady(MysqlReader *r, ReaderBatch *b)
{
	if (b->nrows >= r->batch_rows || b->used >= READER_BATCH_BYTES)
		return true;
	return ReaderFlag(&r->waiting) &&
		(b->nrows >= READER_EAGER_ROWS || !SocketReadable(r->socket));
}

/* Reads the rest of the result and drops it (after a KILL QUERY: its end) */
static void
DrainRest(MysqlReader *r)
{
	while (!ReaderFlag(&r->stop) && mysql_fetch_row(r->res) != NULL)
		;
}

/* The thread: reads rows into batches until the end of the result */
static void *
ReaderMain(void *arg)
{
	MysqlReader *r = arg;
	ReaderBatch *b = NULL;

	for (;;)
	{
		MYSQL_ROW	row;

		if (b == NULL && (b = TakeFreeBatch(r)) == NULL)
			break;
		if (ReaderFlag(&r->discard) || (row = mysql_fetch_row(r->res)) == NULL)
			break;
		if (!AppendRow(r, b, row, mysql_fetch_lengths(r->res)))
		{
			r->out_of_memory = true;	/* read by the backend after the join */
			break;
		}
		if (BatchReady(r, b))
		{
			Publish(r, b);
			b = NULL;
		}
	}
	if (ReaderFlag(&r->discard))
		DrainRest(r);
	pthread_mutex_lock(&r->lock);
	if (b != NULL && b->nrows > 0 && !r->discard)
	{
		if (r->full_tail)
			r->full_tail->next = b;
		else
			r->full_head = b;
		r->full_tail = b;
	}
	r->done = true;
	WakeBackend(r);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/*--- The backend's side ---*/

/* Starts a thread reading a result opened with mysql_use_result */
MysqlReader *
MysqlReaderStart(MYSQL_RES *res, int nfields, int batch_rows, int socket)
{
	MysqlReader *r = calloc(1, sizeof(MysqlReader));
	sigset_t	all,
				old;
	int			rc;

	if (r == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	r->res = res;
	r->nfields = nfields;
	r->batch_rows = batch_rows;
	r->socket = socket;
	r->values = calloc(Max(nfields, 1), sizeof(char *));
	r->lengths = calloc(Max(nfields, 1), sizeof(unsigned long));
	r->eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	for (int i = 0; i < READER_BATCHES; i++)
	{
		r->batches[i].next = r->free;
		r->free = &r->batches[i];
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->freed, NULL);
	if (r->values == NULL || r->lengths == NULL || r->eventfd < 0)
	{
		MysqlReaderFree(r);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not set up the reader of a MySQL result: %m")));
	}

	/* the thread must never run a signal handler of the backend */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->thread, NULL, ReaderMain, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
	{
		MysqlReaderFree(r);
		errno = rc;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start the reader thread of a MySQL result: %m")));
	}
	r->started = true;
	return r;
}

/* Waits, watching the latch, until the thread signals */
static void
WaitForThread(MysqlReader *r)
{
	int			rc = WaitLatchOrSocket(MyLatch,
									   WL_LATCH_SET | WL_SOCKET_READABLE |
									   WL_EXIT_ON_PM_DEATH,
									   r->eventfd, -1, PG_WAIT_EXTENSION);

	if (rc & WL_SOCKET_READABLE)
	{
		uint64_t	count;

		(void) !read(r->eventfd, &count, sizeof(count));
	}
	if (rc & WL_LATCH_SET)
	{
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* Joins the thread once it has ended */
static void
JoinThread(MysqlReader *r)
{
	if (r->started && !r->joined)
	{
		pthread_join(r->thread, NULL);
		r->joined = true;
	}
}

/* Gives the current batch back to the thread */
static void
ReleaseCurrent(MysqlReader *r)
{
	if (r->current == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->current->next = r->free;
	r->free = r->current;
	pthread_cond_signal(&r->freed);
	pthread_mutex_unlock(&r->lock);
	r->current = NULL;
}

/* The next full batch, waiting for it; NULL once the thread has ended */
static ReaderBatch *
NextBatch(MysqlReader *r)
{
	for (;;)
	{
		ReaderBatch *b;
		bool		done;

		pthread_mutex_lock(&r->lock);
		b = r->full_head;
		if (b != NULL)
		{
			r->full_head = b->next;
			if (r->full_head == NULL)
				r->full_tail = NULL;
			b->next = NULL;
		}
		done = r->done;
		if (b == NULL && !done)
			ReaderSetFlag(&r->waiting, true);
		pthread_mutex_unlock(&r->lock);
		if (b != NULL || done)
			return b;
		WaitForThread(r);
	}
}

/*
 * The next row (values NUL-terminated, valid until the next call), or
 * false at the end of the result; the thread has then ended, and the
 * MYSQL handle (with the result's error, if any) is the backend's again.
 */
bool
MysqlReaderNext(MysqlReader *r, MYSQL_ROW *row, unsigned long **lengths)
{
	const char *p;

	if (r->current == NULL || r->row == r->current->nrows)
	{
		ReleaseCurrent(r);
		if ((r->current = NextBatch(r)) == NULL)
		{
			JoinThread(r);
			if (r->out_of_memory)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("out of memory while reading a MySQL result")));
			return false;
		}
		r->row = 0;
		r->offset = 0;
	}
	p = r->current->data + r->offset;
	for (int i = 0; i < r->nfields; i++)
	{
		uint32		len;

		memcpy(&len, p, sizeof(len));
		p += sizeof(len);
		if (len == READER_NULL)
		{
			r->values[i] = NULL;
			r->lengths[i] = 0;
			continue;
		}
		r->values[i] = (char *) p;
		r->lengths[i] = len;
		p += len + 1;
	}
	r->offset = p - r->current->data;
	r->row++;
	*row = r->values;
	*lengths = r->lengths;
	return true;
}

/* Whether the thread has read the whole result (nothing left to stop) */
bool
MysqlReaderDone(MysqlReader *r)
{
	bool		done;

	pthread_mutex_lock(&r->lock);
	done = r->done;
	pthread_mutex_unlock(&r->lock);
	return done;
}

/*
 * Has the thread read the rest of the result and drop it, and waits for
 * its end (serving interrupts); the handle is then the backend's again.
 */
void
MysqlReaderDiscard(MysqlReader *r)
{
	ReleaseCurrent(r);
	pthread_mutex_lock(&r->lock);
	ReaderSetFlag(&r->discard, true);
	pthread_cond_signal(&r->freed);
	pthread_mutex_unlock(&r->lock);
	while (NextBatch(r) != NULL)
		;
	JoinThread(r);
}

/*
 * Stops the thread if it still runs (shutting the socket down, which ends
 * the connection) and frees the reader.  Never throws: the abort path and
 * memory-context callbacks call it.
 */
void
MysqlReaderFree(MysqlReader *r)
{
	if (r->started && !r->joined)
	{
		pthread_mutex_lock(&r->lock);
		ReaderSetFlag(&r->stop, true);
		pthread_cond_signal(&r->freed);
		pthread_mutex_unlock(&r->lock);
		shutdown(r->socket, SHUT_RDWR);
		JoinThread(r);
	}
	for (int i = 0; i < READER_BATCHES; i++)
		free(r->batches[i].data);
	if (r->eventfd >= 0)
		close(r->eventfd);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->freed);
	free(r->values);
	free(r->lengths);
	free(r);
}

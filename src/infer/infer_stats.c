/*-------------------------------------------------------------------------
 *
 * infer_stats.c
 *	  Cluster-wide inference statistics per endpoint, in shared memory:
 *	  recording, pg_infer_endpoint_stats() and pg_infer_stats_reset().
 *
 * The statistics are a fixed-size shared hash table keyed by endpoint name,
 * guarded by one LWLock: exclusive to add or remove, shared to read.  It is
 * set up only when the library is loaded by shared_preload_libraries; in any
 * other backend recording is a silent no-op and reading raises an error.
 * Names longer than the key are truncated (at a character boundary), so
 * endpoints sharing their first 63 bytes share an entry.  When the table is
 * full, new endpoints are added to a single "(other)" entry, for which one
 * slot beyond the limit is kept.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/tuplestore.h"

#include "infer/infer_stats.h"

/*--- Constants ---*/

#define INFER_STATS_MAX_ENDPOINTS	1000	/* named entries; "(other)" is extra */
#define INFER_STATS_NAME_LEN		64	/* SageMaker names are <= 63 chars */
#define INFER_STATS_OTHER			"(other)"
#define INFER_STATS_TRANCHE			"pg_infer"
#define INFER_STATS_COLUMNS			8

/*--- Shared memory layout ---*/

/* One endpoint's totals; the key must come first for dynahash */
typedef struct InferStatsEntry
{
	char		endpoint[INFER_STATS_NAME_LEN];
	InferCounters counters;
} InferStatsEntry;

/* The fixed part of the shared state */
typedef struct InferStatsShared
{
	LWLock	   *lock;			/* guards the hash table and its entries */
} InferStatsShared;

/*--- Private variables ---*/

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static InferStatsShared *stats_shared = NULL;
static HTAB *stats_hash = NULL;

PG_FUNCTION_INFO_V1(pg_infer_endpoint_stats);
PG_FUNCTION_INFO_V1(pg_infer_stats_reset);

/*--- Shared memory set-up ---*/

/* Bytes of shared memory the statistics need */
static Size
InferStatsShmemSize(void)
{
	return add_size(MAXALIGN(sizeof(InferStatsShared)),
					hash_estimate_size(INFER_STATS_MAX_ENDPOINTS + 1,
									   sizeof(InferStatsEntry)));
}

/* shmem_request_hook: asks for the shared memory and the lock */
static void
InferStatsShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(InferStatsShmemSize());
	RequestNamedLWLockTranche(INFER_STATS_TRANCHE, 1);
}

/* shmem_startup_hook: creates or attaches to the shared state and table */
static void
InferStatsShmemStartup(void)
{
	HASHCTL		info;
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	stats_shared = ShmemInitStruct("pg_infer endpoint stats",
								   sizeof(InferStatsShared), &found);
	if (!found)
		stats_shared->lock = &(GetNamedLWLockTranche(INFER_STATS_TRANCHE))->lock;

	info.keysize = INFER_STATS_NAME_LEN;
	info.entrysize = sizeof(InferStatsEntry);
	stats_hash = ShmemInitHash("pg_infer endpoint stats hash",
							   INFER_STATS_MAX_ENDPOINTS + 1,
							   INFER_STATS_MAX_ENDPOINTS + 1,
							   &info,
							   HASH_ELEM | HASH_STRINGS | HASH_FIXED_SIZE);
	LWLockRelease(AddinShmemInitLock);
}

/* Installs the shared memory hooks when loaded by shared_preload_libraries */
void
InferStatsInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = InferStatsShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = InferStatsShmemStartup;
}

/*--- Recording ---*/

/* Adds delta to into, field by field */
void
InferCountersAdd(InferCounters *into, const InferCounters *delta)
{
	into->calls += delta->calls;
	into->retries += delta->retries;
	into->errors += delta->errors;
	into->rows += delta->rows;
	into->bytes_sent += delta->bytes_sent;
	into->bytes_received += delta->bytes_received;
	into->time_ms += delta->time_ms;
}

/* Fills key with endpoint, zero-padded and cut at a character boundary */
static void
InferStatsKey(const char *endpoint, char key[INFER_STATS_NAME_LEN])
{
	int			length = pg_mbcliplen(endpoint, strlen(endpoint),
									  INFER_STATS_NAME_LEN - 1);

	memset(key, 0, INFER_STATS_NAME_LEN);
	memcpy(key, endpoint, length);
}

/* The entry for key, created if there is room, else the "(other)" entry */
static InferStatsEntry *
InferStatsEntryFor(const char *key)
{
	char		other[INFER_STATS_NAME_LEN];
	InferStatsEntry *entry;
	bool		found;

	entry = hash_search(stats_hash, key, HASH_FIND, NULL);
	if (entry != NULL)
		return entry;
	if (hash_get_num_entries(stats_hash) >= INFER_STATS_MAX_ENDPOINTS)
	{
		InferStatsKey(INFER_STATS_OTHER, other);
		key = other;
	}
	entry = hash_search(stats_hash, key, HASH_ENTER_NULL, &found);
	if (entry != NULL && !found)
		memset(&entry->counters, 0, sizeof(InferCounters));
	return entry;
}

/* Adds delta to the endpoint's shared totals; a no-op without shared memory */
void
InferStatsRecord(const char *endpoint, const InferCounters *delta)
{
	char		key[INFER_STATS_NAME_LEN];
	InferStatsEntry *entry;

	if (stats_hash == NULL || endpoint == NULL)
		return;
	InferStatsKey(endpoint, key);

	LWLockAcquire(stats_shared->lock, LW_EXCLUSIVE);
	entry = InferStatsEntryFor(key);
	if (entry != NULL)
		InferCountersAdd(&entry->counters, delta);
	LWLockRelease(stats_shared->lock);
}

/*--- SQL functions ---*/

/* Raises an error unless the library was preloaded */
static inline void
CheckStatsAvailable(void)
{
	if (stats_hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_infer endpoint statistics are not available"),
				 errdetail("The statistics need shared memory, which is set up only when pg_infer is loaded at server start."),
				 errhint("Add pg_infer to shared_preload_libraries.")));
}

/* Copies every entry under the shared lock; sets *count */
static InferStatsEntry *
InferStatsSnapshot(long *count)
{
	HASH_SEQ_STATUS scan;
	InferStatsEntry *entry;
	InferStatsEntry *copy;
	long		n = 0;

	LWLockAcquire(stats_shared->lock, LW_SHARED);
	copy = palloc(sizeof(InferStatsEntry) *
				  Max(hash_get_num_entries(stats_hash), 1));
	hash_seq_init(&scan, stats_hash);
	while ((entry = hash_seq_search(&scan)) != NULL)
		copy[n++] = *entry;
	LWLockRelease(stats_shared->lock);

	*count = n;
	return copy;
}

/* Appends one entry as a row of pg_infer_endpoint_stats() */
static void
PutStatsRow(ReturnSetInfo *rsinfo, const InferStatsEntry *entry)
{
	Datum		values[INFER_STATS_COLUMNS];
	bool		nulls[INFER_STATS_COLUMNS] = {0};
	const InferCounters *c = &entry->counters;

	values[0] = CStringGetTextDatum(entry->endpoint);
	values[1] = Int64GetDatum(c->calls);
	values[2] = Int64GetDatum(c->retries);
	values[3] = Int64GetDatum(c->errors);
	values[4] = Int64GetDatum(c->rows);
	values[5] = Int64GetDatum(c->bytes_sent);
	values[6] = Int64GetDatum(c->bytes_received);
	values[7] = Float8GetDatum(c->time_ms);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* pg_infer_endpoint_stats: one row per endpoint with its totals */
Datum
pg_infer_endpoint_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	InferStatsEntry *entries;
	long		count;

	CheckStatsAvailable();
	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != INFER_STATS_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("pg_infer_endpoint_stats must return %d columns",
						INFER_STATS_COLUMNS)));

	entries = InferStatsSnapshot(&count);
	for (long i = 0; i < count; i++)
		PutStatsRow(rsinfo, &entries[i]);
	pfree(entries);
	return (Datum) 0;
}

/* Removes every entry */
static void
InferStatsResetAll(void)
{
	HASH_SEQ_STATUS scan;
	InferStatsEntry *entry;

	hash_seq_init(&scan, stats_hash);
	while ((entry = hash_seq_search(&scan)) != NULL)
		hash_search(stats_hash, entry->endpoint, HASH_REMOVE, NULL);
}

/* pg_infer_stats_reset: forgets one endpoint's totals, or all with NULL */
Datum
pg_infer_stats_reset(PG_FUNCTION_ARGS)
{
	char		key[INFER_STATS_NAME_LEN];

	CheckStatsAvailable();
	if (!PG_ARGISNULL(0))
		InferStatsKey(text_to_cstring(PG_GETARG_TEXT_PP(0)), key);

	LWLockAcquire(stats_shared->lock, LW_EXCLUSIVE);
	if (PG_ARGISNULL(0))
		InferStatsResetAll();
	else
		hash_search(stats_hash, key, HASH_REMOVE, NULL);
	LWLockRelease(stats_shared->lock);
	PG_RETURN_VOID();
}

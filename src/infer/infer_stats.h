/*-------------------------------------------------------------------------
 *
 * infer_stats.h
 *	  Cluster-wide inference statistics per endpoint, kept in shared memory.
 *
 * The statistics live in shared memory only when pg_infer is in
 * shared_preload_libraries.  Otherwise InferStatsRecord does nothing and
 * pg_infer_endpoint_stats() raises an error saying how to enable them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_INFER_INFER_STATS_H
#define PG_INFER_INFER_STATS_H

/* What inference cost, for one call, one query or one endpoint in total */
typedef struct InferCounters
{
	int64		calls;			/* HTTP requests sent, retries included */
	int64		retries;
	int64		errors;			/* requests that finally failed */
	int64		rows;			/* rows sent */
	int64		bytes_sent;
	int64		bytes_received;
	double		time_ms;		/* wall time spent waiting on requests */
} InferCounters;

/* in infer/infer_stats.c */
extern void InferStatsInit(void);
extern void InferCountersAdd(InferCounters *into, const InferCounters *delta);
extern void InferStatsRecord(const char *endpoint, const InferCounters *delta);

#endif							/* PG_INFER_INFER_STATS_H */

/*-------------------------------------------------------------------------
 *
 * infer_scan.c
 *	  The "SageMaker Batch" custom scan: reads rows from its child in
 *	  chunks, calls each endpoint once per chunk (not once per row), and
 *	  returns the rows with the results appended.  Several chunks are under
 *	  way at once: while the rows of the oldest are returned, the requests
 *	  of the others are in flight, and each chunk used up makes room for
 *	  the next (a sliding window, not rounds).
 *
 * Under EvalPlanQual (scanrelid 0, so ExecScan calls the recheck method
 * instead of reading rows) the node reads the child's rechecked row and
 * makes its calls again, one row per request.
 *
 * Calls of a local model's function (rcf_score) are batched by the same
 * node: such a function has a batch form (InferLocalBatch), which the node
 * calls once per chunk, at once, instead of starting requests.  A node with
 * local calls only shows as "Local Batch".
 *
 * Its scan tuple is the child's row followed by one column per endpoint
 * call; custom_scan_tlist says so, with the calls themselves (their
 * arguments refer to the child's columns as OUTER_VAR) as the last
 * entries.  The targetlist and quals above it refer to that scan tuple.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/objectaccess.h"
#include "executor/executor.h"
#include "commands/explain.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "aws/aws.h"
#include "infer/infer.h"

/* Rows per chunk when a node has local calls only */
#define LOCAL_BATCH_ROWS 1000

/* One call of the node: an endpoint's (fn) or a local model's (local) */
typedef struct InferCall
{
	InferFunction *fn;			/* NULL for a local call */
	InferLocalBatch local;
	FmgrInfo   *flinfo;			/* the local function's */
	int			nargs;
	int16	   *arg_len;		/* typlen of each argument */
	bool	   *arg_byval;
	List	   *arg_states;		/* ExprState of each argument */
} InferCall;

/* Rows read from the child together, with their calls under way */
typedef struct InferChunk
{
	MemoryContext context;		/* everything below; reset for reuse */
	int			nrows;
	MinimalTuple *rows;
	Datum	  **results;		/* [call][row] */
	bool	  **result_nulls;
	InferPending **pending;		/* [call] */
} InferChunk;

/*
 * Execution state of the custom scan: a ring of "window" chunks, whose
 * calls are under way while the rows of the oldest (the head) are returned.
 */
typedef struct InferScanState
{
	CustomScanState css;
	int			npassthrough;	/* columns of the child row */
	int			ncalls;
	InferCall  *calls;
	int			batch_rows;		/* rows per chunk */
	int			window;			/* chunks under way at once */
	InferChunk *chunks;
	int			head;			/* chunk whose rows are returned */
	int			nchunks;		/* chunks read and not yet returned */
	int			next;			/* next row of the head */
	bool		child_done;
	AwsHttpBatch *http;			/* the requests of every chunk */
	TupleTableSlot *row_slot;	/* re-reads a stored child row */
	InferCounters counters;
} InferScanState;

static Node *CreateInferScanState(CustomScan *cscan);
static void BeginInferScan(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ExecInferScan(CustomScanState *node);
static void EndInferScan(CustomScanState *node);
static void ReScanInferScan(CustomScanState *node);
static void ExplainInferScan(CustomScanState *node, List *ancestors,
							 ExplainState *es);

static const CustomScanMethods infer_scan_methods = {
	.CustomName = INFER_SCAN_NAME,
	.CreateCustomScanState = CreateInferScanState,
};

/* The same node when every call is a local one: only the name differs */
static const CustomScanMethods local_scan_methods = {
	.CustomName = LOCAL_SCAN_NAME,
	.CreateCustomScanState = CreateInferScanState,
};

static const CustomExecMethods infer_exec_methods = {
	.CustomName = INFER_SCAN_NAME,
	.BeginCustomScan = BeginInferScan,
	.ExecCustomScan = ExecInferScan,
	.EndCustomScan = EndInferScan,
	.ReScanCustomScan = ReScanInferScan,
	.ExplainCustomScan = ExplainInferScan,
};

/* Registers the custom scan, so plans holding it can be copied and read */
void
InferScanInit(void)
{
	RegisterCustomScanMethods(&infer_scan_methods);
	RegisterCustomScanMethods(&local_scan_methods);
}

/* Whether an expression is a call of a local model's function */
static bool
IsLocalCall(Node *call)
{
	return InferCallKindOf(((FuncExpr *) call)->funcid,
						   InferLanguageOid()) == INFER_CALL_LOCAL;
}

/* The methods of a new batch scan: local when all its calls are local */
static const CustomScanMethods *
MethodsFor(List *calls)
{
	ListCell   *lc;

	foreach(lc, calls)
		if (!IsLocalCall(lfirst(lc)))
			return &infer_scan_methods;
	return &local_scan_methods;
}

/*
 * Makes the custom scan above "child": the scan tuple is the child's row
 * plus one column per call; tlist and quals refer to it as INDEX_VAR.
 */
Plan *
InferMakeBatchScan(Plan *child, List *calls, List *tlist, List *quals)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *scan_tlist = NIL;
	ListCell   *lc;

	foreach(lc, child->targetlist)
	{
		TargetEntry *tle = lfirst(lc);

		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry((Expr *) makeVarFromTargetEntry(OUTER_VAR, tle),
											 list_length(scan_tlist) + 1,
											 NULL, false));
	}
	foreach(lc, calls)
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry(lfirst(lc), list_length(scan_tlist) + 1,
											 NULL, false));

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = quals;
	cscan->scan.plan.lefttree = child;
	cscan->scan.plan.startup_cost = child->startup_cost;
	cscan->scan.plan.total_cost = child->total_cost;
	cscan->scan.plan.plan_rows = child->plan_rows;
	cscan->scan.plan.plan_width = child->plan_width;
	cscan->scan.plan.extParam = bms_copy(child->extParam);
	cscan->scan.plan.allParam = bms_copy(child->allParam);
	cscan->scan.scanrelid = 0;
	cscan->custom_scan_tlist = scan_tlist;
	/* the child's width, and the most rows wanted (0: all) */
	cscan->custom_private = list_make2_int(list_length(child->targetlist), 0);
	cscan->methods = MethodsFor(calls);
	return (Plan *) cscan;
}

/* Whether a plan node is a batch scan */
bool
InferIsBatchScan(Plan *plan)
{
	return plan != NULL && IsA(plan, CustomScan) &&
		(((CustomScan *) plan)->methods == &infer_scan_methods ||
		 ((CustomScan *) plan)->methods == &local_scan_methods);
}

/*
 * Tells a batch scan that no more than "rows" rows will be read from it
 * (a LIMIT above): it then reads one batch at a time, of at most that many
 * rows, instead of several batches to keep requests in flight.
 */
void
InferBoundBatchScan(Plan *plan, int64 rows)
{
	CustomScan *cscan = (CustomScan *) plan;

	lsecond_int(cscan->custom_private) = (int) Min(rows, PG_INT32_MAX);
}

/* Allocates the execution state of the custom scan */
static Node *
CreateInferScanState(CustomScan *cscan)
{
	InferScanState *state = palloc0(sizeof(InferScanState));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &infer_exec_methods;
	return (Node *) state;
}

/* Checks the right to call a function and prepares its argument expressions */
static void
BeginCall(InferScanState *state, InferCall *call, FuncExpr *expr)
{
	List	   *args = expr->args;
	AclResult	aclresult;

	/* the permission check ExecInitFunc would have made */
	aclresult = pg_proc_aclcheck(expr->funcid, GetUserId(), ACL_EXECUTE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FUNCTION, get_func_name(expr->funcid));
	InvokeFunctionExecuteHook(expr->funcid);

	if (call->fn != NULL && list_length(args) > call->fn->nargs)
		args = list_delete_first(list_copy(args));	/* sagemaker_infer's endpoint */
	call->arg_states = ExecInitExprList(args, &state->css.ss.ps);
}

/* Prepares an endpoint call: its InferFunction and argument types */
static void
BeginRemoteCall(InferCall *call, FuncExpr *expr)
{
	call->fn = InferFunctionForCall(expr, CurrentMemoryContext);
	call->nargs = call->fn->nargs;
	call->arg_len = palloc(sizeof(int16) * Max(call->nargs, 1));
	call->arg_byval = palloc(sizeof(bool) * Max(call->nargs, 1));
	for (int i = 0; i < call->nargs; i++)
	{
		call->arg_len[i] = call->fn->args[i].typlen;
		call->arg_byval[i] = call->fn->args[i].typbyval;
	}
}

/* Prepares a local call: the function's batch form, FmgrInfo, argument types */
static void
BeginLocalCall(InferCall *call, FuncExpr *expr)
{
	ListCell   *lc;

	call->local = InferLocalBatchOf(expr->funcid);
	call->flinfo = palloc0(sizeof(FmgrInfo));
	fmgr_info(expr->funcid, call->flinfo);
	fmgr_info_set_expr((Node *) expr, call->flinfo);
	call->nargs = list_length(expr->args);
	call->arg_len = palloc(sizeof(int16) * Max(call->nargs, 1));
	call->arg_byval = palloc(sizeof(bool) * Max(call->nargs, 1));
	foreach(lc, expr->args)
		get_typlenbyval(exprType(lfirst(lc)),
						&call->arg_len[foreach_current_index(lc)],
						&call->arg_byval[foreach_current_index(lc)]);
}

/*
 * Sizes the chunks and the window: as many chunks under way as the calls
 * allow requests in flight, each of one request's rows; under a LIMIT,
 * one chunk at a time of at most the LIMIT's rows.
 */
static void
SizeWindow(InferScanState *state, int bound)
{
	state->batch_rows = 1;
	state->window = 1;
	for (int c = 0; c < state->ncalls; c++)
	{
		InferFunction *fn = state->calls[c].fn;

		state->batch_rows = Max(state->batch_rows,
								fn ? fn->batch_size : LOCAL_BATCH_ROWS);
		state->window = Max(state->window, fn ? fn->max_in_flight : 1);
	}
	if (bound > 0)
	{
		state->batch_rows = Min(state->batch_rows, bound);
		state->window = 1;
	}
}

/* Whether a node calls endpoints (not only local models) */
static bool
HasRemoteCalls(InferScanState *state)
{
	for (int c = 0; c < state->ncalls; c++)
		if (state->calls[c].fn != NULL)
			return true;
	return false;
}

/* Starts the child and prepares every call of the node and the chunks */
static void
BeginInferScan(CustomScanState *node, EState *estate, int eflags)
{
	InferScanState *state = (InferScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *calls;
	ListCell   *lc;

	outerPlanState(node) = ExecInitNode(outerPlan(cscan), estate, eflags);
	state->npassthrough = linitial_int(cscan->custom_private);
	calls = list_copy_tail(cscan->custom_scan_tlist, state->npassthrough);
	state->ncalls = list_length(calls);
	state->calls = palloc0(sizeof(InferCall) * state->ncalls);

	/* arguments are evaluated on stored rows: tell the expression compiler */
	node->ss.ps.outerops = &TTSOpsMinimalTuple;
	node->ss.ps.outeropsfixed = true;
	node->ss.ps.outeropsset = true;
	foreach(lc, calls)
	{
		InferCall  *call = &state->calls[foreach_current_index(lc)];
		FuncExpr   *expr = (FuncExpr *) ((TargetEntry *) lfirst(lc))->expr;

		if (IsLocalCall((Node *) expr))
			BeginLocalCall(call, expr);
		else
			BeginRemoteCall(call, expr);
		BeginCall(state, call, expr);
	}
	SizeWindow(state, lsecond_int(cscan->custom_private));
	/* an EvalPlanQual recheck reads one row: batch no further than that */
	if (estate->es_epq_active != NULL)
		state->batch_rows = state->window = 1;

	state->chunks = palloc0(sizeof(InferChunk) * state->window);
	for (int i = 0; i < state->window; i++)
		state->chunks[i].context = AllocSetContextCreate(CurrentMemoryContext,
														 "SageMaker Batch rows",
														 ALLOCSET_DEFAULT_SIZES);
	state->row_slot = ExecInitExtraTupleSlot(estate,
											 ExecGetResultType(outerPlanState(node)),
											 &TTSOpsMinimalTuple);
	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY) && HasRemoteCalls(state))
		state->http = AwsHttpBegin(state->window * state->ncalls);
}


/* Evaluates the arguments of a call for the rows of a chunk, into args/nulls */
static void
EvaluateArgs(InferScanState *state, InferCall *call, InferChunk *chunk,
			 Datum *args, bool *nulls)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;
	int			nargs = call->nargs;

	for (int row = 0; row < chunk->nrows; row++)
	{
		ListCell   *lc;

		ExecStoreMinimalTuple(chunk->rows[row], state->row_slot, false);
		econtext->ecxt_outertuple = state->row_slot;
		foreach(lc, call->arg_states)
		{
			int			k = foreach_current_index(lc);
			int			i = row * nargs + k;
			Datum		value;

			value = ExecEvalExprSwitchContext(lfirst(lc), econtext, &nulls[i]);
			args[i] = nulls[i] ? (Datum) 0 :
				datumCopy(value, call->arg_byval[k], call->arg_len[k]);
		}
		ResetExprContext(econtext);
	}
}

/* Starts every call of the node for the rows of a chunk */
static void
StartCalls(InferScanState *state, InferChunk *chunk)
{
	chunk->results = palloc(sizeof(Datum *) * state->ncalls);
	chunk->result_nulls = palloc(sizeof(bool *) * state->ncalls);
	chunk->pending = palloc0(sizeof(InferPending *) * state->ncalls);
	for (int c = 0; c < state->ncalls; c++)
	{
		InferCall  *call = &state->calls[c];
		int			nvalues = chunk->nrows * Max(call->nargs, 1);
		Datum	   *args = palloc(sizeof(Datum) * nvalues);
		bool	   *nulls = palloc(sizeof(bool) * nvalues);

		EvaluateArgs(state, call, chunk, args, nulls);
		chunk->results[c] = palloc(sizeof(Datum) * chunk->nrows);
		chunk->result_nulls[c] = palloc(sizeof(bool) * chunk->nrows);
		if (call->local != NULL)
			call->local(call->flinfo, chunk->nrows, call->nargs, args, nulls,
						chunk->results[c], chunk->result_nulls[c]);
		else
			chunk->pending[c] = InferStart(call->fn, chunk->nrows, args, nulls,
										   chunk->results[c],
										   chunk->result_nulls[c], state->http);
	}
}

/*
 * Reads the next chunk of rows from the child and starts its calls;
 * false when the child had no more rows.  The child runs in the caller's
 * context (it may allocate state that must outlive the chunk); the rows,
 * arguments and results go to the chunk's.
 */
static bool
ReadChunk(InferScanState *state, InferChunk *chunk)
{
	PlanState  *child = outerPlanState(state);
	MemoryContext caller = CurrentMemoryContext;

	MemoryContextReset(chunk->context);
	chunk->nrows = 0;
	chunk->rows = MemoryContextAlloc(chunk->context,
									 sizeof(MinimalTuple) * state->batch_rows);
	while (chunk->nrows < state->batch_rows)
	{
		TupleTableSlot *slot = ExecProcNode(child);

		if (TupIsNull(slot))
		{
			state->child_done = true;
			break;
		}
		MemoryContextSwitchTo(chunk->context);
		chunk->rows[chunk->nrows++] = ExecCopySlotMinimalTuple(slot);
		MemoryContextSwitchTo(caller);
	}
	if (chunk->nrows == 0)
		return false;
	MemoryContextSwitchTo(chunk->context);
	StartCalls(state, chunk);
	MemoryContextSwitchTo(caller);
	return true;
}

/* Reads chunks and starts their calls until the window is full */
static void
FillWindow(InferScanState *state)
{
	while (state->nchunks < state->window && !state->child_done)
	{
		InferChunk *chunk = &state->chunks[(state->head + state->nchunks) %
										   state->window];

		if (!ReadChunk(state, chunk))
			break;
		state->nchunks++;
	}
}

/*
 * Records the cost of every call of the chunks under way that will not be
 * finished (the scan ends, restarts or fails); never raises an ERROR.
 */
static void
AbandonChunks(InferScanState *state)
{
	for (int i = 0; i < state->nchunks; i++)
	{
		InferChunk *chunk = &state->chunks[(state->head + i) % state->window];

		for (int c = 0; chunk->pending != NULL && c < state->ncalls; c++)
			if (chunk->pending[c] != NULL)
				InferAbandon(chunk->pending[c]);
	}
}

/*
 * Waits for the calls of the head chunk and stores their results.  When
 * that fails (a cancel, a failed request), the calls of the other chunks
 * are recorded as abandoned before the error goes on.
 */
static void
FinishHead(InferScanState *state)
{
	InferChunk *chunk = &state->chunks[state->head];
	MemoryContext caller = MemoryContextSwitchTo(chunk->context);

	PG_TRY();
	{
		for (int c = 0; c < state->ncalls; c++)
			if (chunk->pending[c] != NULL)
				InferFinish(chunk->pending[c], &state->counters);
	}
	PG_CATCH();
	{
		AbandonChunks(state);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller);
	state->next = 0;
}

/* Frees the head chunk, whose rows have all been returned */
static void
RetireHead(InferScanState *state)
{
	MemoryContextReset(state->chunks[state->head].context);
	state->chunks[state->head].nrows = 0;
	state->chunks[state->head].pending = NULL;
	state->head = (state->head + 1) % state->window;
	state->nchunks--;
}

/*
 * Returns the next row of the head chunk as the scan tuple, or an empty
 * slot at the end.  When the head is used up, the next chunk is read and
 * started, and the new head (whose requests have had the most time) is
 * waited for.
 */
static TupleTableSlot *
InferScanNext(ScanState *ss)
{
	InferScanState *state = (InferScanState *) ss;
	TupleTableSlot *scan = ss->ss_ScanTupleSlot;
	InferChunk *head;
	int			row;

	while (state->nchunks == 0 ||
		   state->next >= state->chunks[state->head].nrows)
	{
		if (state->nchunks > 0)
			RetireHead(state);
		FillWindow(state);
		if (state->nchunks == 0)
			return ExecClearTuple(scan);
		FinishHead(state);
	}

	head = &state->chunks[state->head];
	row = state->next++;
	ExecClearTuple(scan);
	ExecStoreMinimalTuple(head->rows[row], state->row_slot, false);
	slot_getallattrs(state->row_slot);
	memcpy(scan->tts_values, state->row_slot->tts_values,
		   sizeof(Datum) * state->npassthrough);
	memcpy(scan->tts_isnull, state->row_slot->tts_isnull,
		   sizeof(bool) * state->npassthrough);
	for (int c = 0; c < state->ncalls; c++)
	{
		scan->tts_values[state->npassthrough + c] = head->results[c][row];
		scan->tts_isnull[state->npassthrough + c] = head->result_nulls[c][row];
	}
	return ExecStoreVirtualTuple(scan);
}

/*
 * Under EvalPlanQual, ExecScan asks a scan with scanrelid 0 (as for a
 * pushed-down join) to produce the rechecked row itself, through this
 * method, instead of calling InferScanNext: the child holds the row
 * version being rechecked, so the calls are made again for what the child
 * returns now (one row, one request), and the scan tuple is filled.  Not
 * doing so would leave the slot empty and lose the row (an UPDATE or
 * DELETE skipping a concurrently updated row).
 */
static bool
InferScanRecheck(ScanState *ss, TupleTableSlot *slot)
{
	TupleTableSlot *row;

	Assert(slot == ss->ss_ScanTupleSlot);
	row = InferScanNext(ss);
	return !TupIsNull(row);
}

/* Returns the next row, with quals and projection applied by ExecScan */
static TupleTableSlot *
ExecInferScan(CustomScanState *node)
{
	return ExecScan(&node->ss, InferScanNext, InferScanRecheck);
}

/* Stops requests still under way and shuts the child down */
static void
EndInferScan(CustomScanState *node)
{
	InferScanState *state = (InferScanState *) node;

	AbandonChunks(state);
	if (state->http)
		AwsHttpEnd(state->http);
	state->http = NULL;
	ExecEndNode(outerPlanState(node));
}

/* Forgets every chunk, stopping their requests, and restarts the child */
static void
ReScanInferScan(CustomScanState *node)
{
	InferScanState *state = (InferScanState *) node;
	PlanState  *child = outerPlanState(node);

	AbandonChunks(state);
	if (state->http)
		AwsHttpEnd(state->http);
	ExecScanReScan(&node->ss);
	while (state->nchunks > 0)
		RetireHead(state);
	state->head = 0;
	state->next = 0;
	state->child_done = false;
	state->http = HasRemoteCalls(state) ?
		AwsHttpBegin(state->window * state->ncalls) : NULL;
	if (child->chgParam == NULL)
		ExecReScan(child);
}

/* EXPLAIN: the endpoints and batch size; with ANALYZE, what was spent */
static void
ExplainInferScan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	InferScanState *state = (InferScanState *) node;
	StringInfoData endpoints;
	StringInfoData functions;
	InferCounters *c = &state->counters;

	initStringInfo(&endpoints);
	initStringInfo(&functions);
	for (int i = 0; i < state->ncalls; i++)
	{
		InferCall  *call = &state->calls[i];

		if (call->fn != NULL)
			appendStringInfo(&endpoints, "%s%s", endpoints.len > 0 ? ", " : "",
							 call->fn->endpoint);
		else
			appendStringInfo(&functions, "%s%s", functions.len > 0 ? ", " : "",
							 get_func_name(call->flinfo->fn_oid));
	}
	if (endpoints.len > 0)
		ExplainPropertyText("Endpoints", endpoints.data, es);
	if (functions.len > 0)
		ExplainPropertyText("Local Functions", functions.data, es);
	ExplainPropertyInteger("Rows per Batch", NULL, state->batch_rows, es);
	if (!HasRemoteCalls(state))
		return;
	ExplainPropertyInteger("Batches in Flight", NULL, state->window, es);
	if (!es->analyze)
		return;
	ExplainPropertyInteger("Requests", NULL, c->calls, es);
	ExplainPropertyInteger("Rows Sent", NULL, c->rows, es);
	ExplainPropertyInteger("Retries", NULL, c->retries, es);
	ExplainPropertyInteger("Bytes Sent", "bytes", c->bytes_sent, es);
	ExplainPropertyInteger("Bytes Received", "bytes", c->bytes_received, es);
	if (es->timing)
		ExplainPropertyFloat("Inference Time", "ms", c->time_ms, 3, es);
}

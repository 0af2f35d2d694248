/*-------------------------------------------------------------------------
 *
 * test_forest.c
 *	  Unit tests of the Random Cut Forest core (src/rcf/rcf_forest.c).
 *
 * Run from the repository root (make unit): the paper data set is read
 * from test/data/rcf/rcf-paper.csv.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_forest.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define PAPER_ROWS	2010
#define PAPER_DIMS	3
#define PLANTED		11

static const RcfAllocator *A = &pi_malloc_allocator;

/* the paper data set: PAPER_ROWS rows of 3 values */
static double paper[PAPER_ROWS][PAPER_DIMS];

/* reads the paper data; false if it cannot be found */
static bool
load_paper(void)
{
	const char *paths[] = {"test/data/rcf/rcf-paper.csv",
	"../data/rcf/rcf-paper.csv", "../../test/data/rcf/rcf-paper.csv"};
	FILE	   *f = NULL;
	int			i,
				n = 0;

	for (i = 0; i < 3 && f == NULL; i++)
		f = fopen(paths[i], "r");
	if (f == NULL)
		return false;
	while (n < PAPER_ROWS &&
		   fscanf(f, "%lf,%lf,%lf", &paper[n][0], &paper[n][1], &paper[n][2]) == 3)
		n++;
	fclose(f);
	return n == PAPER_ROWS;
}

/* true for the planted points near the origin */
static bool
is_planted(int row)
{
	const double *p = paper[row];

	return p[0] * p[0] + p[1] * p[1] + p[2] * p[2] < 9.0;
}

/* parameters with the given shape */
static RcfParams
params_of(int trees, int sample, int dims, double decay, uint64_t seed)
{
	RcfParams	p;

	p.num_trees = trees;
	p.sample_size = sample;
	p.dims = dims;
	p.time_decay = decay;
	p.seed = seed;
	return p;
}

/* model bytes of a sampler (malloc'd) */
static uint8_t *
model_of(const RcfSampler *s, size_t *len)
{
	uint8_t    *buf;

	*len = rcf_model_size(s);
	buf = malloc(*len);
	rcf_model_write(s, buf);
	return buf;
}

/* trains a sampler on rows [from, to) of the paper data */
static RcfSampler *
train_paper(const RcfParams *p, uint64_t stream, int from, int to)
{
	RcfSampler *s = rcf_sampler_create(p, stream, A);
	int			i;

	for (i = from; i < to; i++)
		rcf_sampler_add(s, paper[i]);
	return s;
}

/* scores all paper rows with a forest */
static void
score_paper(const RcfForest *f, double *scores)
{
	int			i;

	for (i = 0; i < PAPER_ROWS; i++)
		scores[i] = rcf_forest_score(f, paper[i]);
}

/* true when the PLANTED highest scores are exactly the planted points */
static bool
top_are_planted(const double *scores, double *min_planted, double *max_other)
{
	int			i;

	*min_planted = INFINITY;
	*max_other = -INFINITY;
	for (i = 0; i < PAPER_ROWS; i++)
	{
		if (is_planted(i))
			*min_planted = fmin(*min_planted, scores[i]);
		else
			*max_other = fmax(*max_other, scores[i]);
	}
	return *min_planted > *max_other;
}

/* decodes model bytes into a forest, NULL on error */
static RcfForest *
decode(const uint8_t *buf, size_t len)
{
	const char *err = NULL;

	return rcf_forest_decode(buf, len, A, &err);
}

/* parameter validation */
static void
test_params(void)
{
	RcfParams	p = params_of(100, 256, 3, 0, 1);
	const char *e;

	CHECK(rcf_params_check(&p) == NULL, "valid parameters accepted");
	p.num_trees = 0;
	e = rcf_params_check(&p);
	CHECK(e && strcmp(e, "number of trees must be between 1 and 1000") == 0,
		  "0 trees rejected: %s", e ? e : "(null)");
	p.num_trees = 1001;
	CHECK(rcf_params_check(&p) != NULL, "1001 trees rejected");
	p = params_of(100, 1, 3, 0, 1);
	CHECK(rcf_params_check(&p) && strstr(rcf_params_check(&p), "sample size"),
		  "sample size 1 rejected");
	p.sample_size = 8193;
	CHECK(rcf_params_check(&p) != NULL, "sample size 8193 rejected");
	p = params_of(100, 256, 0, 0, 1);
	CHECK(rcf_params_check(&p) && strstr(rcf_params_check(&p), "dimensions"),
		  "0 dims rejected");
	p.dims = 1025;
	CHECK(rcf_params_check(&p) != NULL, "1025 dims rejected");
	p = params_of(100, 256, 3, -0.1, 1);
	CHECK(rcf_params_check(&p) && strstr(rcf_params_check(&p), "time decay"),
		  "negative time decay rejected");
	p.time_decay = NAN;
	CHECK(rcf_params_check(&p) != NULL, "NaN time decay rejected");
	p.time_decay = INFINITY;
	CHECK(rcf_params_check(&p) != NULL, "infinite time decay rejected");
}

/* the paper data: planted points on top, inliers near 1, reproducible */
static void
test_paper(void)
{
	RcfParams	p = params_of(100, 256, 3, 0, 42);
	RcfSampler *s1 = train_paper(&p, 0, 0, PAPER_ROWS);
	RcfSampler *s2 = train_paper(&p, 0, 0, PAPER_ROWS);
	size_t		len1,
				len2;
	uint8_t    *m1 = model_of(s1, &len1);
	uint8_t    *m2 = model_of(s2, &len2);
	RcfForest  *f1 = decode(m1, len1);
	RcfForest  *f2 = decode(m1, len1);
	static double sc1[PAPER_ROWS],
				sc2[PAPER_ROWS];
	double		lo,
				hi,
				sum = 0;
	int			i,
				n = 0;

	CHECK(rcf_sampler_seen(s1) == PAPER_ROWS, "sampler counts the rows");
	CHECK(len1 == len2 && memcmp(m1, m2, len1) == 0,
		  "same seed and input give identical model bytes");
	CHECK(f1 != NULL && f2 != NULL, "paper model decodes");
	score_paper(f1, sc1);
	score_paper(f2, sc2);
	CHECK(memcmp(sc1, sc2, sizeof(sc1)) == 0,
		  "a model decoded twice gives identical scores");
	CHECK(top_are_planted(sc1, &lo, &hi),
		  "the 11 planted points have the top 11 scores (lowest planted %.3f, highest other %.3f)",
		  lo, hi);
	CHECK(lo > 2.0, "planted points score above 2 (lowest %.3f)", lo);
	for (i = 0; i < PAPER_ROWS; i++)
		if (!is_planted(i))
		{
			sum += sc1[i];
			n++;
		}
	CHECK(sum / n > 0.6 && sum / n < 1.2, "inliers score near 1 (mean %.3f)", sum / n);
	CHECK(hi < 1.8, "no inlier scores above 1.8 (highest %.3f)", hi);
	CHECK(rcf_forest_seen(f1) == PAPER_ROWS, "decoded forest knows points seen");
	rcf_forest_free(f1);
	rcf_forest_free(f2);
	free(m2);
	rcf_sampler_free(s2);
	p.seed = 43;
	s2 = train_paper(&p, 0, 0, PAPER_ROWS);
	m2 = model_of(s2, &len2);
	CHECK(len1 != len2 || memcmp(m1, m2, len1) != 0, "another seed gives another model");
	free(m1);
	free(m2);
	rcf_sampler_free(s1);
	rcf_sampler_free(s2);
}

/* checks that sum(high) + sum(low) equals the score at one point */
static bool
attribution_sums(const RcfForest *f, const double *x, double *high, double *low)
{
	double		score = rcf_forest_score(f, x);
	double		sum = 0;
	int			d;

	rcf_forest_attribution(f, x, high, low);
	for (d = 0; d < rcf_forest_params(f)->dims; d++)
	{
		if (high[d] < 0 || low[d] < 0)
			return false;
		sum += high[d] + low[d];
	}
	return fabs(sum - score) <= 1e-9 * fmax(fabs(score), 1e-300);
}

/* attribution sums to the score and points at the right dimension */
static void
test_attribution(void)
{
	RcfParams	p = params_of(100, 256, 3, 0, 7);
	RcfSampler *s = train_paper(&p, 0, 0, PAPER_ROWS);
	size_t		len;
	uint8_t    *m = model_of(s, &len);
	RcfForest  *f = decode(m, len);
	double		high[3],
				low[3];
	double		far_high[3] = {-5.0, 3.0, 0.0};
	double		far_low[3] = {5.0, 0.0, -2.0};
	bool		ok = true;
	int			i;

	for (i = 0; i < PAPER_ROWS; i += 7)
		ok &= attribution_sums(f, paper[i], high, low);
	CHECK(ok, "attribution sums to the score on paper rows (seen and unseen)");
	CHECK(attribution_sums(f, paper[293], high, low), "attribution sums on a planted point");
	CHECK(attribution_sums(f, far_high, high, low) && high[1] > low[1] &&
		  high[1] > high[0] + low[0] + high[2] + low[2],
		  "a point above the data in dim 1 is attributed to high[1] (%.3f)", high[1]);
	CHECK(attribution_sums(f, far_low, high, low) && low[2] > high[2] &&
		  low[2] > high[0] + low[0] + high[1] + low[1],
		  "a point below the data in dim 2 is attributed to low[2] (%.3f)", low[2]);
	rcf_forest_free(f);
	f = rcf_forest_create(&p, A);
	rcf_forest_attribution(f, far_low, high, low);
	CHECK(rcf_forest_score(f, far_low) == 0 && high[0] == 0 && low[2] == 0,
		  "an empty forest scores and attributes 0");
	rcf_forest_free(f);
	free(m);
	rcf_sampler_free(s);
}

/*
 * Batches give the very bits of point-by-point scoring and attribution: on
 * the paper's rows (seen and unseen points, batches of several sizes), on a
 * forest with empty trees, and on a streaming (unsnapped) forest
 */
static void
test_many(void)
{
	RcfParams	p = params_of(37, 64, 3, 0, 5);
	RcfSampler *s = train_paper(&p, 0, 0, PAPER_ROWS);
	size_t		len;
	uint8_t    *m = model_of(s, &len);
	RcfForest  *forests[3] = {decode(m, len), rcf_forest_create(&p, A), NULL};
	RcfParams	tiny = params_of(9, 4, 3, 0, 2);
	RcfSampler *ts = train_paper(&tiny, 0, 0, 2);
	size_t		tlen;
	uint8_t    *tm = model_of(ts, &tlen);
	static double scores[PAPER_ROWS],
				high[PAPER_ROWS * 3],
				low[PAPER_ROWS * 3];
	bool		same_score = true,
				same_attr = true;

	forests[2] = decode(tm, tlen);	/* 2 points over 9 trees: empty trees */
	for (int i = 0; i < 500; i++)
		rcf_forest_update(forests[1], paper[i]);
	for (int k = 0; k < 3; k++)
		for (int from = 0, n = 1; from < PAPER_ROWS; from += n, n = n * 3 + 1)
		{
			if (from + n > PAPER_ROWS)
				n = PAPER_ROWS - from;
			rcf_forest_score_many(forests[k], n, paper[from], scores);
			rcf_forest_attribution_many(forests[k], n, paper[from], high, low);
			for (int i = 0; i < n; i++)
			{
				double		h[3],
							l[3];

				same_score &= scores[i] == rcf_forest_score(forests[k], paper[from + i]);
				rcf_forest_attribution(forests[k], paper[from + i], h, l);
				same_attr &= memcmp(h, high + i * 3, sizeof(h)) == 0 &&
					memcmp(l, low + i * 3, sizeof(l)) == 0;
			}
		}
	CHECK(same_score, "rcf_forest_score_many gives rcf_forest_score's bits");
	CHECK(same_attr, "rcf_forest_attribution_many gives rcf_forest_attribution's bits");
	rcf_forest_score_many(forests[0], 0, paper[0], scores);
	for (int k = 0; k < 3; k++)
		rcf_forest_free(forests[k]);
	free(tm);
	free(m);
	rcf_sampler_free(ts);
	rcf_sampler_free(s);
}

/* two samplers over the halves, merged, behave like one */
static void
test_merge(void)
{
	RcfParams	p = params_of(100, 256, 3, 0, 42);
	RcfSampler *a = train_paper(&p, 1, 0, PAPER_ROWS / 2);
	RcfSampler *b = train_paper(&p, 2, PAPER_ROWS / 2, PAPER_ROWS);
	size_t		len;
	uint8_t    *m;
	RcfModelInfo info;
	RcfForest  *f;
	static double sc[PAPER_ROWS];
	double		lo,
				hi;

	CHECK(rcf_params_equal(rcf_sampler_params(a), rcf_sampler_params(b)),
		  "parameters of the two samplers are equal");
	rcf_sampler_merge(a, b);
	CHECK(rcf_sampler_seen(a) == PAPER_ROWS, "merged sampler counts all rows");
	m = model_of(a, &len);
	CHECK(rcf_model_info(m, len, &info) == NULL && info.samples == 100 * 256 &&
		  info.points_seen == PAPER_ROWS, "merged model holds 256 points per tree");
	f = decode(m, len);
	score_paper(f, sc);
	CHECK(top_are_planted(sc, &lo, &hi),
		  "merged sampler: planted points still on top (%.3f vs %.3f)", lo, hi);
	rcf_forest_free(f);
	free(m);
	rcf_sampler_free(a);
	rcf_sampler_free(b);
}

/* sampler state round trip and rejection of bad state */
static void
test_serialize(void)
{
	RcfParams	p = params_of(20, 64, 3, 0.001, 5);
	RcfSampler *s = train_paper(&p, 0, 0, 500);
	RcfSampler *r;
	size_t		n = rcf_sampler_serialized_size(s);
	uint8_t    *b1 = malloc(n);
	uint8_t    *b2 = malloc(n);
	size_t		l1,
				l2;
	uint8_t    *m1,
			   *m2;
	const char *err = NULL;
	bool		rejected = true;
	size_t		cut;

	rcf_sampler_serialize(s, b1);
	r = rcf_sampler_deserialize(b1, n, A, &err);
	CHECK(r != NULL && err == NULL, "sampler state deserialises");
	CHECK(r && rcf_sampler_serialized_size(r) == n, "same serialised size");
	rcf_sampler_serialize(r, b2);
	CHECK(memcmp(b1, b2, n) == 0, "serialise(deserialise(bytes)) == bytes");
	m1 = model_of(s, &l1);
	m2 = model_of(r, &l2);
	CHECK(l1 == l2 && memcmp(m1, m2, l1) == 0, "same model bytes after round trip");
	for (cut = 0; cut < n; cut += (cut < 200 ? 1 : 97))
		rejected &= (rcf_sampler_deserialize(b1, cut, A, &err) == NULL && err != NULL);
	CHECK(rejected, "truncated sampler states rejected");
	b2[0] = 'X';
	CHECK(rcf_sampler_deserialize(b2, n, A, &err) == NULL, "bad magic rejected: %s", err);
	memcpy(b2, b1, n);
	memset(b2 + n - 4, 0xff, 4);	/* NaN in the last point */
	CHECK(rcf_sampler_deserialize(b2, n, A, &err) == NULL, "NaN value rejected: %s", err);
	rcf_sampler_add(r, paper[600]);
	rcf_sampler_add(s, paper[600]);
	free(m2);
	m2 = model_of(r, &l2);
	free(m1);
	m1 = model_of(s, &l1);
	CHECK(l1 == l2 && memcmp(m1, m2, l1) == 0,
		  "a deserialised sampler continues like the original");
	free(m1);
	free(m2);
	free(b1);
	free(b2);
	rcf_sampler_free(r);
	rcf_sampler_free(s);
}

/* model size of 100 trees x 256 samples at some dims */
static size_t
model_size_at(int dims)
{
	RcfParams	p = params_of(100, 256, dims, 0, 3);
	RcfSampler *s = rcf_sampler_create(&p, 0, A);
	double		x[16];
	size_t		len;
	int			i,
				d;

	for (i = 0; i < 1000; i++)
	{
		for (d = 0; d < dims; d++)
			x[d] = sin(i * 0.37 + d) * 1000.0 + d;
		rcf_sampler_add(s, x);
	}
	len = rcf_model_size(s);
	rcf_sampler_free(s);
	return len;
}

/* model sizes at 1, 4 and 10 dimensions */
static void
test_sizes(void)
{
	size_t		s1 = model_size_at(1);
	size_t		s4 = model_size_at(4);
	size_t		s10 = model_size_at(10);

	CHECK(s1 < 60 * 1000, "1 dim model is %zu bytes (~51 KB)", s1);
	CHECK(s4 > 204800 && s4 < 206 * 1000, "4 dim model is %zu bytes (~205 KB)", s4);
	CHECK(s10 > 512000 && s10 < 513 * 1000, "10 dim model is %zu bytes (~512 KB, < 1 MB)", s10);
}

/* a small model of the paper data for the corruption tests */
static uint8_t *
small_model(size_t *len)
{
	RcfParams	p = params_of(5, 16, 3, 0, 9);
	RcfSampler *s = train_paper(&p, 0, 0, PAPER_ROWS);
	uint8_t    *m = model_of(s, len);

	rcf_sampler_free(s);
	return m;
}

/* truncated, bit-flipped and random model bytes */
static void
test_corrupt(void)
{
	size_t		len,
				i;
	uint8_t    *m = small_model(&len);
	uint8_t    *c = malloc(len + 1);
	RcfModelInfo info;
	bool		ok = true;
	int			valid = 0,
				k;
	uint64_t	x = 12345;
	RcfForest  *f;

	CHECK(rcf_model_info(m, len, &info) == NULL && info.version == RCF_MODEL_VERSION &&
		  info.params.num_trees == 5 && info.samples == 80, "small model is valid");
	for (i = 0; i < len; i++)
		ok &= (rcf_model_info(m, i, &info) != NULL && decode(m, i) == NULL);
	CHECK(ok, "every truncation rejected");
	memcpy(c, m, len);
	c[len] = 0;
	CHECK(rcf_model_info(c, len + 1, &info) != NULL, "trailing byte rejected");
	c[4] = 3;
	CHECK(rcf_model_info(c, len, &info) != NULL, "other version rejected: %s",
		  rcf_model_info(c, len, &info));
	CHECK(rcf_model_info(NULL, 0, &info) != NULL, "NULL rejected");
	CHECK(rcf_model_info(c, len, &info) != NULL && info.error_offset == 4,
		  "the version's fault is at byte 4 (%zu)", info.error_offset);
	memcpy(c, m, len);
	CHECK(rcf_model_info(c, 30, &info) != NULL && info.error_offset == 30,
		  "truncation inside the parameters is where the bytes end (%zu)",
		  info.error_offset);
	c[8 + 28 + 8 + 20] = 0xff;	/* first scale exponent: 0x..ff */
	c[8 + 28 + 8 + 21] = 0x7f;
	CHECK(rcf_model_info(c, len, &info) != NULL && info.error_offset == 64,
		  "a bad scale exponent is at its byte (%zu)", info.error_offset);
	memcpy(c, m, len);
	c[8 + 28 + 8 + 3] = 0x7f;	/* score count beyond the trees' samples */
	CHECK(rcf_model_info(c, len, &info) != NULL && info.error_offset == 44 &&
		  strstr(rcf_model_info(c, len, &info), "score count") != NULL,
		  "a bad score count is at its byte (%zu)", info.error_offset);
	memcpy(c, m, len);
	c[8 + 28 + 8 + 4 + 8 + 7] = 0xbf;	/* score sd negative */
	CHECK(rcf_model_info(c, len, &info) != NULL && info.error_offset == 56 &&
		  strstr(rcf_model_info(c, len, &info), "score sd") != NULL,
		  "a negative score sd is refused at the sd (%zu)", info.error_offset);
	memcpy(c, m, len);
	c[8 + 28 + 8 + 20 + 6 + 2 + 3] = 0x7c;	/* second value of tree 1 to Inf */
	CHECK(rcf_model_info(c, len, &info) != NULL && info.error_offset == 74 &&
		  strstr(rcf_model_info(c, len, &info), "non-finite") != NULL,
		  "a non-finite value is at its byte (%zu)", info.error_offset);
	memcpy(c, m, len);
	c[len] = 0;
	CHECK(rcf_model_info(c, len + 1, &info) != NULL && info.error_offset == len,
		  "trailing bytes start at the model's length");
	for (k = 0; k < 20000; k++)
	{
		double		q[3] = {0.1, -4.9, 2.0};

		memcpy(c, m, len);
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		c[(x >> 33) % len] ^= (uint8_t) (1 << ((x >> 20) & 7));
		if ((f = decode(c, len)) != NULL)
		{
			valid++;
			ok &= isfinite(rcf_forest_score(f, q));
			rcf_forest_free(f);
		}
	}
	CHECK(ok, "bit flips: %d of 20000 stay valid and score finitely, the rest rejected", valid);
	ok = true;
	for (k = 0; k < 2000; k++)
	{
		for (i = 0; i < len; i++)
		{
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			c[i] = (uint8_t) (x >> 40);
		}
		if (k % 2)
			memcpy(c, "RCFM\001\000\000\000", 8);
		ok &= (decode(c, (k * 7) % len) == NULL);
	}
	CHECK(ok, "random buffers rejected");
	free(c);
	free(m);
}

/* frees an error message of rcf_model_from_json */
static void
free_err(const char *err)
{
	free((void *) err);
}

/* true if parsing the text fails with a message containing want */
static bool
json_rejects(const char *text, const char *want)
{
	size_t		len = 0;
	const char *err = NULL;
	uint8_t    *b = rcf_model_from_json(text, &len, A, &err);
	bool		ok = (b == NULL && err != NULL && strstr(err, want) != NULL);

	if (!ok)
		printf("# %s -> %s\n", text, err ? err : "(accepted)");
	free(b);
	free_err(err);
	return ok;
}

/* the version 1 JSON of a version 2 JSON text: no score statistics */
static char *
json_as_v1(const char *j2)
{
	char	   *j1 = strdup(j2);
	char	   *from = strstr(j1, "\"score_count\"");
	char	   *to = strstr(j1, "\"samples\"");

	j1[11] = '1';				/* {"version":2 */
	memmove(from, to, strlen(to) + 1);
	return j1;
}

/* a version 1 model is read, scored and written as before */
static void
test_version1(void)
{
	size_t		len,
				len1 = 0;
	uint8_t    *m = small_model(&len);
	char	   *j = rcf_model_to_json(m, len, A);
	char	   *j1 = json_as_v1(j);
	const char *err = NULL;
	uint8_t    *m1 = rcf_model_from_json(j1, &len1, A, &err);
	char	   *j1again = m1 ? rcf_model_to_json(m1, len1, A) : NULL;
	RcfModelInfo info;
	RcfForest  *f1 = m1 ? decode(m1, len1) : NULL;
	RcfForest  *f2 = decode(m, len);
	bool		same = f1 != NULL && f2 != NULL;

	CHECK(m1 != NULL && rcf_model_info(m1, len1, &info) == NULL &&
		  info.version == 1 && info.scores.count == 0 && len1 == len - 20,
		  "a version 1 model is valid, 20 bytes shorter, without statistics (%s)",
		  err ? err : "ok");
	CHECK(j1again != NULL && strcmp(j1, j1again) == 0,
		  "version 1 JSON -> bytes -> JSON is identical (stays version 1)");
	for (int i = 0; same && i < PAPER_ROWS; i++)
		same = rcf_forest_score(f1, paper[i]) == rcf_forest_score(f2, paper[i]);
	CHECK(same, "version 1 and version 2 of the same points score every point the same");
	rcf_forest_free(f1);
	rcf_forest_free(f2);
	A->free(A->ctx, j1again);
	A->free(A->ctx, j);
	free(j1);
	free(m1);
	free(m);
}

/* JSON round trip and strict parsing */
static void
test_json(void)
{
	size_t		len,
				len2 = 0;
	uint8_t    *m = small_model(&len);
	char	   *j = rcf_model_to_json(m, len, A);
	const char *err = NULL;
	uint8_t    *m2 = rcf_model_from_json(j, &len2, A, &err);
	char	   *j2 = m2 ? rcf_model_to_json(m2, len2, A) : NULL;

	CHECK(j != NULL && strncmp(j, "{\"version\":2,\"trees\":5,\"sample_size\":16,\"dims\":3,", 49) == 0,
		  "JSON form starts with the parameters");
	CHECK(j != NULL && strstr(j, "\"score_count\":0,\"score_mean\":0,\"score_sd\":0,") != NULL,
		  "version 2's JSON form has the score statistics");
	CHECK(m2 != NULL && len2 == len && memcmp(m, m2, len) == 0,
		  "bytes -> json -> bytes is identical (%s)", err ? err : "ok");
	CHECK(j2 != NULL && strcmp(j, j2) == 0, "json -> bytes -> json is identical");

	/*
	 * a largest value just above 65504 * 2^e (found by fuzz_rcf_json) is
	 * written at the scale it is read back with: JSON in, bytes, JSON, bytes
	 */
	{
		const char *in = "{\"version\":1,\"trees\":2,\"sample_size\":4,\"dims\":2,"
			"\"time_decay\":0.01,\"seed\":6,\"points_seen\":10,"
			"\"samples\":[[],[[0,-0],[73755555555555555544,38]]]}";
		size_t		la,
					lb;
		uint8_t    *a = rcf_model_from_json(in, &la, A, &err);
		char	   *ja = a ? rcf_model_to_json(a, la, A) : NULL;
		uint8_t    *b = ja ? rcf_model_from_json(ja, &lb, A, &err) : NULL;

		CHECK(b != NULL && la == lb && memcmp(a, b, la) == 0,
			  "a largest value just above a scale step round-trips exactly");
		A->free(A->ctx, a);
		A->free(A->ctx, ja);
		A->free(A->ctx, b);
	}
	free(m2);
	m2 = rcf_model_from_json("{\"samples\":[[],[[1,2]]], \"seed\":18446744073709551615,"
							 " \"dims\":2,\"trees\":2,\"sample_size\":4,\"points_seen\":1,"
							 "\"version\":1,\"time_decay\":0.5}", &len2, A, &err);
	CHECK(m2 != NULL, "keys in any order, white space and a full uint64 seed accepted");
	free(m2);
	CHECK(json_rejects("{\"version\":1,\"trees\":x}", "expected a non-negative integer at byte 21"),
		  "malformed value rejected with its byte offset");
	CHECK(json_rejects("{\"version\":1 \"trees\":1}", "unexpected character at byte 13"),
		  "missing comma rejected with its byte offset");
	CHECK(json_rejects("{\"version\":1,\"color\":2}", "unknown key at byte 13"),
		  "unknown key rejected");
	CHECK(json_rejects("{\"version\":1,\"version\":1}", "duplicate key"), "duplicate key rejected");
	CHECK(json_rejects("{\"version\":1}", "missing key"), "missing key rejected");
	CHECK(json_rejects("{\"version\":01}", "invalid number"), "leading zero rejected");
	CHECK(json_rejects("{\"version\":1,\"trees\":1,\"sample_size\":4,\"dims\":1,"
					   "\"time_decay\":0,\"seed\":1,\"points_seen\":1,\"score_count\":1,"
					   "\"samples\":[[[1]]]}", "score statistics need version 2 at byte 88"),
		  "score statistics in a version 1 model rejected");
	CHECK(json_rejects("{\"version\":2,\"trees\":1,\"sample_size\":4,\"dims\":1,"
					   "\"time_decay\":0,\"seed\":1,\"points_seen\":1,"
					   "\"samples\":[[[1]]]}", "version 2 needs score_count, score_mean and score_sd at byte 1"),
		  "a version 2 model without score statistics rejected");
	CHECK(json_rejects("{\"version\":2,\"trees\":1,\"sample_size\":4,\"dims\":1,"
					   "\"time_decay\":0,\"seed\":1,\"points_seen\":1,\"score_count\":1,"
					   "\"score_mean\":1,\"score_sd\":-1,\"samples\":[[[1]]]}",
					   "score sd out of range"),
		  "a negative score sd rejected");
	CHECK(json_rejects("{\"version\":2,\"trees\":1,\"sample_size\":4,\"dims\":1,"
					   "\"time_decay\":0,\"seed\":1,\"points_seen\":1,\"score_count\":5,"
					   "\"score_mean\":1,\"score_sd\":1,\"samples\":[[[1]]]}",
					   "score count out of range"),
		  "a score count beyond the samples rejected");
	CHECK(json_rejects("{\"time_decay\":1.}", "invalid number"), "bad fraction rejected");
	CHECK(json_rejects("{\"samples\":[[[1,2],[1]]]}", "points of different lengths"),
		  "points of different lengths rejected");
	CHECK(json_rejects("{\"samples\":[[[1e39]]]}", "out of range"), "float overflow rejected");
	CHECK(json_rejects("", "unexpected character at byte 0"), "empty text rejected");
	CHECK(json_rejects("{\"version\":1,\"trees\":1,\"sample_size\":4,\"dims\":1,"
					   "\"time_decay\":0,\"seed\":1,\"points_seen\":9,\"samples\":[[]]} x",
					   "unexpected character"), "trailing text rejected");
	CHECK(json_rejects("{\"version\":1,\"trees\":2,\"sample_size\":4,\"dims\":1,"
					   "\"time_decay\":0,\"seed\":1,\"points_seen\":9,\"samples\":[[]]}",
					   "number of sample arrays"), "tree count mismatch rejected");
	CHECK(json_rejects("{\"version\":1,\"trees\":1,\"sample_size\":1,\"dims\":1,"
					   "\"time_decay\":0,\"seed\":1,\"points_seen\":9,\"samples\":[[]]}",
					   "sample size must be between 2 and 8192 at byte 23"),
		  "bad parameter rejected at its key");
	CHECK(json_rejects("{\"version\":1,\"trees\":1,\"sample_size\":2,\"dims\":1,"
					   "\"time_decay\":0,\"seed\":1,\"points_seen\":9,\"samples\":[[[1],[2],[3]]]}",
					   "too many points"), "overfull tree rejected");
	CHECK(rcf_model_to_json(m, len - 1, A) == NULL, "to_json rejects bad bytes");
	free(j);
	free(j2);
	free(m);
}

/* streaming: a spike after a steady series, time decay, duplicates */
static void
test_streaming(void)
{
	RcfParams	p = params_of(50, 64, 1, 0, 11);
	RcfForest  *f = rcf_forest_create(&p, A);
	double		x,
				normal,
				spike;
	int			i;

	CHECK(rcf_forest_score(f, &(double) {1.0}) == 0.0, "empty forest scores 0");
	for (i = 0; i < 2000; i++)
	{
		x = 10.0 + sin(i * 0.1);
		rcf_forest_update(f, &x);
	}
	x = 10.0 + sin(2000 * 0.1);
	normal = rcf_forest_score(f, &x);
	x = 30.0;
	spike = rcf_forest_score(f, &x);
	CHECK(rcf_forest_seen(f) == 2000, "streaming forest counts updates");
	CHECK(spike > 2.5 && normal < 1.5, "spike scores high (%.3f), normal value low (%.3f)",
		  spike, normal);
	rcf_forest_free(f);
}

/* old points leave a time-decayed sample; stay in an undecayed one */
static void
test_time_decay(void)
{
	double		old_score[2];
	int			k,
				i;

	for (k = 0; k < 2; k++)
	{
		RcfParams	p = params_of(50, 64, 1, k ? 0.1 : 0.0, 11);
		RcfForest  *f = rcf_forest_create(&p, A);
		double		x;

		for (i = 0; i < 1000; i++)
		{
			x = (i < 500) ? 0.0 + (i % 7) * 0.01 : 100.0 + (i % 7) * 0.01;
			rcf_forest_update(f, &x);
		}
		x = 0.03;
		old_score[k] = rcf_forest_score(f, &x);
		rcf_forest_free(f);
	}
	CHECK(old_score[0] < 1.5, "without decay the old regime stays an inlier (%.3f)",
		  old_score[0]);
	CHECK(old_score[1] > 2.5, "with decay the old regime has left (%.3f)", old_score[1]);
}

/* a constant series: duplicates in one leaf, no crash, scores ~1 or below */
static void
test_duplicates(void)
{
	RcfParams	p = params_of(30, 32, 2, 0.01, 3);
	RcfForest  *f = rcf_forest_create(&p, A);
	RcfSampler *s = rcf_sampler_create(&p, 0, A);
	double		c[2] = {5.0, -1.0};
	double		other[2] = {6.0, -1.0};
	double		sc,
				so,
				high[2],
				low[2];
	size_t		len;
	uint8_t    *m;
	RcfForest  *g;
	int			i;

	for (i = 0; i < 3000; i++)
	{
		rcf_forest_update(f, c);
		rcf_sampler_add(s, c);
	}
	sc = rcf_forest_score(f, c);
	so = rcf_forest_score(f, other);
	CHECK(sc <= 1.0 && sc > 0, "constant series: the constant scores %.3f", sc);
	CHECK(so > 2.0, "constant series: another value scores %.3f", so);
	CHECK(attribution_sums(f, c, high, low) && attribution_sums(f, other, high, low),
		  "attribution sums with duplicates");
	m = model_of(s, &len);
	g = decode(m, len);
	CHECK(g != NULL && rcf_forest_score(g, c) <= 1.0,
		  "decoded constant model scores the constant %.3f", g ? rcf_forest_score(g, c) : -1);
	rcf_forest_free(g);
	free(m);
	rcf_sampler_free(s);
	rcf_forest_free(f);
}

/* heavy streaming with evictions and duplicates keeps the trees sound */
static void
test_stress(void)
{
	RcfParams	p = params_of(10, 16, 2, 0.05, 8);
	RcfForest  *f = rcf_forest_create(&p, A);
	uint64_t	x = 99;
	double		pt[2],
				high[2],
				low[2];
	bool		ok = true;
	int			i;

	for (i = 0; i < 20000; i++)
	{
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		pt[0] = (double) ((x >> 33) % 5);
		pt[1] = (double) ((x >> 45) % 3) * 0.5;
		if (i % 97 == 0)
		{
			double		s = rcf_forest_score(f, pt);

			ok &= isfinite(s) && s >= 0 && attribution_sums(f, pt, high, low);
		}
		rcf_forest_update(f, pt);
	}
	CHECK(ok, "20000 streaming updates on a small grid: scores finite, attribution sums");
	rcf_forest_free(f);
}

/* a decoded forest grows when updated; an empty huge model stays small */
static void
test_decoded_growth(void)
{
	RcfParams	p = params_of(10, 64, 3, 0.01, 4);
	RcfSampler *s = train_paper(&p, 0, 0, 40);
	size_t		len;
	uint8_t    *m = model_of(s, &len);
	RcfForest  *f = decode(m, len);
	char	   *json = malloc(200 + 3 * 1000);
	const char *err = NULL;
	double		high[3],
				low[3];
	bool		ok = true;
	int			i,
				pos;

	for (i = 0; i < 3000; i++)
	{
		rcf_forest_update(f, paper[i % PAPER_ROWS]);
		if (i % 101 == 0)
			ok &= attribution_sums(f, paper[(i * 7) % PAPER_ROWS], high, low);
	}
	CHECK(ok && rcf_forest_seen(f) == 3040,
		  "a decoded forest of 40 points takes 3000 updates (growing to 64 per tree)");
	rcf_forest_free(f);
	free(m);
	pos = sprintf(json, "{\"version\":1,\"trees\":1000,\"sample_size\":8192,"
				  "\"dims\":1024,\"time_decay\":0,\"seed\":1,\"points_seen\":0,"
				  "\"samples\":[");
	for (i = 0; i < 1000; i++)
		pos += sprintf(json + pos, i ? ",[]" : "[]");
	strcpy(json + pos, "]}");
	m = rcf_model_from_json(json, &len, A, &err);
	f = m ? decode(m, len) : NULL;
	CHECK(f != NULL && rcf_forest_score(f, paper[0]) == 0.0,
		  "an empty model of 1000 x 8192 x 1024 decodes small and scores 0");
	rcf_forest_free(f);
	free(m);
	free(json);
	rcf_sampler_free(s);
}

/* scores of a decoded model: training duplicates count as seen */
static void
test_decoded_seen(void)
{
	RcfParams	p = params_of(20, 64, 1, 0, 3);
	RcfSampler *s = rcf_sampler_create(&p, 0, A);
	double		v[3] = {0.1, 0.2, 0.3};
	size_t		len;
	uint8_t    *m;
	RcfForest  *f;
	RcfForest  *g;
	int			i;

	for (i = 0; i < 300; i++)
		rcf_sampler_add(s, &v[i % 3]);
	m = model_of(s, &len);
	f = decode(m, len);
	g = rcf_forest_create(&p, A);
	for (i = 0; i < 300; i++)
		rcf_forest_update(g, &v[i % 3]);
	CHECK(fabs(rcf_forest_score(f, &v[1]) - rcf_forest_score(g, &v[1])) < 0.2,
		  "decoded model scores a training value like a streaming forest (%.3f vs %.3f)",
		  rcf_forest_score(f, &v[1]), rcf_forest_score(g, &v[1]));
	rcf_forest_update(f, &v[0]);
	CHECK(rcf_forest_seen(f) == 301, "a decoded forest can be updated");
	rcf_forest_free(f);
	rcf_forest_free(g);
	free(m);
	rcf_sampler_free(s);
}

/* runs every test */
/*
 * A model we write is one we accept, over the whole range of finite
 * doubles: trains on the columns of "rows" (dims values each), then checks
 * the model validates, decodes, scores finitely and round-trips through
 * JSON byte for byte.
 */
static bool
model_accepted(const double *rows, int nrows, int dims, const char *what)
{
	RcfParams	p = params_of(3, 16, dims, 0.0, 5);
	RcfSampler *s = rcf_sampler_create(&p, 0, A);
	RcfModelInfo info;
	RcfForest  *f;
	const char *err;
	uint8_t    *buf;
	uint8_t    *back;
	char	   *json;
	size_t		len,
				back_len;
	bool		ok;
	int			i;

	for (i = 0; i < nrows; i++)
		rcf_sampler_add(s, rows + (size_t) i * dims);
	buf = model_of(s, &len);
	err = rcf_model_info(buf, len, &info);
	f = decode(buf, len);
	json = rcf_model_to_json(buf, len, A);
	back = json ? rcf_model_from_json(json, &back_len, A, &err) : NULL;
	ok = err == NULL && f != NULL && back != NULL && back_len == len &&
		memcmp(back, buf, len) == 0 && isfinite(rcf_forest_score(f, rows));
	if (!ok)
		printf("# %s: %s\n", what, err ? err : "decoding or JSON failed");
	rcf_forest_free(f);
	rcf_sampler_free(s);
	free(buf);
	free(back);
	free(json);
	return ok;
}

/* issue 6, defect 8: extreme values train models that are accepted */
static void
test_extreme_values(void)
{
	static const struct
	{
		const char *what;
		int			dims;
		int			nrows;
		double		rows[8];
	}			cases[] = {
		{"3.402e38 (rounded up past FLT_MAX before)", 1, 1, {3.402e38}},
		{"FLT_MAX and -FLT_MAX", 1, 2, {FLT_MAX, -FLT_MAX}},
		{"DBL_MAX, -DBL_MAX, 1e300 (beyond floats)", 1, 3, {DBL_MAX, -DBL_MAX, 1e300}},
		{"tiny: FLT_MIN and 1e-40", 1, 2, {FLT_MIN, 1e-40}},
		{"float subnormal 1.4e-45", 1, 2, {1.4e-45, -1.4e-45}},
		{"double subnormal and DBL_MIN", 1, 2, {4.9e-324, DBL_MIN}},
		{"mixed magnitudes in one dimension", 1, 4, {FLT_MAX, 1e-30, -3.4e38, 1.0}},
		{"mixed magnitudes across dimensions", 2, 4, {3.4e38, 1e-45, -1e-38, 3.3e38,
		1.0, -FLT_MAX, 65504.0, 65520.0}},
	};
	size_t		k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		CHECK(model_accepted(cases[k].rows, cases[k].nrows, cases[k].dims,
							 cases[k].what),
			  "extreme values: %s give a valid model", cases[k].what);
}

/* every float near the top of its range encodes to a finite half */
static void
test_extreme_sweep(void)
{
	double		rows[64];
	float		x = FLT_MAX;
	bool		ok = true;
	int			i,
				round;

	for (round = 0; round < 64 && ok; round++)
	{
		for (i = 0; i < 64; i++)
		{
			rows[i] = (i % 2 ? -1 : 1) * (double) x;
			x = nextafterf(x, 0.0f);
		}
		ok = model_accepted(rows, 64, 1, "the 4096 largest floats");
	}
	CHECK(ok, "the 4096 largest floats, either sign, give valid models");
}

/*
 * issue 6, defect 9: a time decay so large that decay * seq overflowed
 * gave -Inf weights; serial training then kept the oldest points and the
 * serialised state was refused in a parallel plan.  Now serial keeps the
 * newest points, and a state serialised and merged agrees with it.
 */
static void
test_huge_decay(void)
{
	RcfParams	p = params_of(3, 8, 1, 1e308, 7);
	RcfSampler *serial = rcf_sampler_create(&p, 0, A);
	RcfSampler *worker = rcf_sampler_create(&p, 1, A);
	RcfSampler *back;
	RcfSampler *leader = rcf_sampler_create(&p, 0, A);
	const char *err = NULL;
	uint8_t    *state;
	uint8_t    *buf;
	char	   *json;
	size_t		size,
				len;
	double		x;
	int			i;

	for (i = 0; i < 100; i++)
	{
		x = i;
		rcf_sampler_add(serial, &x);
		rcf_sampler_add(worker, &x);
	}
	size = rcf_sampler_serialized_size(worker);
	state = malloc(size);
	rcf_sampler_serialize(worker, state);
	back = rcf_sampler_deserialize(state, size, A, &err);
	CHECK(back != NULL && err == NULL, "state with decay 1e308 deserialises (%s)",
		  err ? err : "ok");
	if (back != NULL)
		rcf_sampler_merge(leader, back);
	buf = model_of(serial, &len);
	json = rcf_model_to_json(buf, len, A);
	CHECK(json != NULL && strstr(json, "[92]") != NULL &&
		  strstr(json, "[99]") != NULL && strstr(json, "[91]") == NULL,
		  "decay 1e308 keeps the 8 newest points");
	free(json);
	free(buf);
	buf = model_of(leader, &len);
	json = rcf_model_to_json(buf, len, A);
	CHECK(json != NULL && strstr(json, "[92]") != NULL &&
		  strstr(json, "[99]") != NULL && strstr(json, "[91]") == NULL,
		  "and so does the merged parallel state");
	free(json);
	free(buf);
	free(state);
	rcf_sampler_free(serial);
	rcf_sampler_free(worker);
	rcf_sampler_free(back);
	rcf_sampler_free(leader);
}

/*
 * Scores and attributions have the same bits on every machine: the sums of
 * box distances go in two lanes in a fixed order, which SSE2 computes two
 * at a time and plain C one at a time.  This file is built twice, as
 * test_forest and (with -U__SSE2__) test_forest_plain, and both must give
 * these sums of 3,000 scores and attributions at 1 to 9 dimensions (odd
 * counts have a last dimension outside the pairs), one point at a time and
 * in batches (whose attribution is compiled apart for each count up to 8).
 * They are the bits of the build that introduced the lanes (those of 8 and
 * 9 dimensions were added later, with the arithmetic unchanged); a change to
 * the scoring arithmetic changes them on purpose, and then here.
 */
static void
test_reference_bits(void)
{
	static const double want[9][2] = {
		{0x1.3efa20a34d9bp+11, 0x1.372aa4a60c325p+12},
		{0x1.4161d1750c014p+11, 0x1.8f5c2d8485d23p+12},
		{0x1.3f389c84ee8dfp+11, 0x1.e8b90fe8736ap+12},
		{0x1.430c1f509ecb8p+11, 0x1.2800a149b8681p+13},
		{0x1.410f479b4cf04p+11, 0x1.56973b37b3146p+13},
		{0x1.46acc2c89e1dap+11, 0x1.91f1458573f8ap+13},
		{0x1.4b75993a2d4b4p+11, 0x1.cf344bd61c58ap+13},
		{0x1.4453a996f8ee8p+11, 0x1.fac1288cba8d4p+13},
		{0x1.4778a2a8655a3p+11, 0x1.1a37c32790146p+14},
	};
	static double pts[3000 * 9],
				scores[3000],
				highs[3000 * 9],
				lows[3000 * 9];

	for (int dims = 1; dims <= 9; dims++)
	{
		RcfParams	p = params_of(50, 64, dims, 0, 42);
		RcfSampler *s = rcf_sampler_create(&p, 0, A);
		uint64_t	state = 1;
		size_t		len;
		uint8_t    *m;
		RcfForest  *f;
		double		score = 0,
					attr = 0,
					batch_score = 0,
					batch_attr = 0,
					high[9],
					low[9];

		for (int i = 0; i < 3000; i++)
			for (int d = 0; d < dims; d++)
			{
				state = state * 6364136223846793005ULL + 1442695040888963407ULL;
				pts[i * dims + d] = (double) (state >> 11) * 0x1p-53 * (d + 1) +
					(i % 97 == 0 ? 5 : 0);
			}
		for (int i = 0; i < 2000; i++)
			rcf_sampler_add(s, pts + i * dims);
		m = model_of(s, &len);
		f = decode(m, len);
		for (int i = 0; i < 3000; i++)
		{
			score += rcf_forest_score(f, pts + i * dims);
			rcf_forest_attribution(f, pts + i * dims, high, low);
			for (int d = 0; d < dims; d++)
				attr += high[d] * (d + 1) + low[d] * (d + 3);
		}
		CHECK(score == want[dims - 1][0] && attr == want[dims - 1][1],
			  "%d dimensions: the reference bits (scores %a, attributions %a)",
			  dims, score, attr);
		for (int i = 0; i < 3000; i += 1000)
		{
			rcf_forest_score_many(f, 1000, pts + i * dims, scores + i);
			rcf_forest_attribution_many(f, 1000, pts + i * dims,
										highs + i * dims, lows + i * dims);
		}
		for (int i = 0; i < 3000; i++)
		{
			batch_score += scores[i];
			for (int d = 0; d < dims; d++)
				batch_attr += highs[i * dims + d] * (d + 1) +
					lows[i * dims + d] * (d + 3);
		}
		CHECK(batch_score == want[dims - 1][0] && batch_attr == want[dims - 1][1],
			  "%d dimensions, in batches: the reference bits (scores %a, attributions %a)",
			  dims, batch_score, batch_attr);
		rcf_forest_free(f);
		free(m);
		rcf_sampler_free(s);
	}
}

int
main(void)
{
	bool		have_data = load_paper();

	CHECK(have_data, "paper data loaded from test/data/rcf/rcf-paper.csv");
	test_params();
	test_reference_bits();
	if (have_data)
	{
		test_paper();
		test_attribution();
		test_merge();
		test_serialize();
		test_corrupt();
		test_json();
		test_version1();
		test_many();
	}
	test_sizes();
	test_streaming();
	test_time_decay();
	test_huge_decay();
	test_extreme_values();
	test_extreme_sweep();
	test_duplicates();
	test_decoded_seen();
	test_stress();
	if (have_data)
		test_decoded_growth();
	return unit_done();
}

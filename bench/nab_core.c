/*-------------------------------------------------------------------------
 *
 * nab_core.c
 *	  Runs the detector core (src/rcf/rcf_detector.c) over one series read
 *	  from standard input, one value per line (empty line: missing), and
 *	  prints "score,grade,is_anomaly" per row: the detector without
 *	  PostgreSQL, for quick checks of the NAB series.  The benchmark itself
 *	  goes through SQL (nab_bench.sh).
 *
 * Usage: nab_core [shingle_size [z_factor [transform]]]
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_detect.h"

#include <stdio.h>
#include <stdlib.h>

/* reads values, runs the detector, prints its answers */
int
main(int argc, char **argv)
{
	RcfDetectConfig c;
	RcfDetector *d;
	char		line[256];
	const char *problem;

	rcf_detect_defaults(&c);
	if (argc > 1)
		c.shingle_size = atoi(argv[1]);
	if (argc > 2)
		c.z_factor = atof(argv[2]);
	if (argc > 3)
		c.transform = (RcfTransform) atoi(argv[3]);
	rcf_detect_complete(&c, -1);
	if ((problem = rcf_detect_check(&c)) != NULL)
	{
		fprintf(stderr, "nab_core: %s\n", problem);
		return 1;
	}
	d = rcf_detector_create(&c, &pi_malloc_allocator);
	while (fgets(line, sizeof(line), stdin) != NULL)
	{
		double		x;
		bool		have = sscanf(line, "%lf", &x) == 1;
		const RcfDetection *r = rcf_detector_step(d, have ? &x : NULL);

		printf("%g,%g,%d,%g,%g\n", r->score, r->grade, r->is_anomaly ? 1 : 0,
			   r->has_expected ? r->expected[0] : 0.0, r->threshold);
	}
	rcf_detector_free(d);
	return 0;
}

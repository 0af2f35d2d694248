/*-------------------------------------------------------------------------
 *
 * test_base.c
 *	  Unit tests of the helpers the pure cores share (src/base/base.c):
 *	  allocators, the growable buffer, the JSON number grammar and ASCII
 *	  case-insensitive comparison.
 *
 * IDENTIFICATION
 *	  test/unit/test_base.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "unit.h"

/* The buffer: growth, formatting, reset, steal */
static void
test_buffer(void)
{
	PiBuf		buf;
	char	   *s;
	int			i;

	pi_buf_init(&buf, &pi_malloc_allocator);
	CHECK(buf.data != NULL && buf.len == 0 && buf.data[0] == '\0' && !buf.failed,
		  "init gives an empty terminated buffer");
	for (i = 0; i < 1000; i++)
		pi_buf_printf(&buf, "%d,", i);
	CHECK(buf.len == 3890 && strncmp(buf.data, "0,1,2,", 6) == 0 &&
		  strcmp(buf.data + buf.len - 4, "999,") == 0 && buf.cap > buf.len,
		  "printf appends across growths (%zu bytes)", buf.len);
	pi_buf_append(&buf, "ab\0c", 4);
	CHECK(buf.len == 3894 && memcmp(buf.data + 3890, "ab\0c", 4) == 0 &&
		  buf.data[buf.len] == '\0', "append copies bytes with a NUL, terminated");
	pi_buf_reset(&buf);
	CHECK(buf.len == 0 && buf.data[0] == '\0', "reset empties the buffer");
	pi_buf_append_str(&buf, "xy");
	pi_buf_append_char(&buf, 'z');
	s = pi_buf_steal(&buf);
	CHECK(strcmp(s, "xyz") == 0 && buf.data == NULL, "steal hands the string over");
	free(s);
	pi_buf_free(&buf);
	CHECK(buf.data == NULL && buf.len == 0, "free of a stolen buffer is fine");
	pi_buf_printf(&buf, "%s", "again");
	CHECK(!buf.failed && strcmp(buf.data, "again") == 0, "a freed buffer takes text again");
	pi_buf_free(&buf);
}

/* The buffer on an allocator that runs out */
static void
test_buffer_failure(void)
{
	UnitBudget	b = {1, 0};
	PiAllocator a = unit_budget_allocator(&b);
	PiBuf		buf;

	pi_buf_init(&buf, &a);
	pi_buf_append_str(&buf, "short");
	CHECK(!buf.failed && strcmp(buf.data, "short") == 0, "fits the first block");
	for (int i = 0; i < 30; i++)
		pi_buf_append_str(&buf, "0123456789");
	CHECK(buf.failed && buf.len < 256 && buf.data[buf.len] == '\0',
		  "growth failing marks the buffer, which keeps what it had");
	CHECK(pi_buf_steal(&buf) == NULL && b.live == 0,
		  "steal after a failure gives NULL and frees the memory");
	b.budget = 0;
	pi_buf_init(&buf, &a);
	pi_buf_printf(&buf, "%d", 1);
	CHECK(buf.failed && buf.data == NULL, "init without memory fails softly");
	pi_buf_free(&buf);
	CHECK(pi_buf_reserve(&buf, (size_t) -1) == false, "an impossible size fails");
}

/* The JSON number grammar (RFC 8259, section 6) */
static void
test_json_numbers(void)
{
	static const char *const good[] = {"0", "-0", "1", "-12", "0.5", "1e5",
	"1E+5", "1e-05", "-0.0e0", "123456789012345678901234567890"};
	static const char *const bad[] = {"", "-", "+1", "01", ".5", "1.", "1e",
	"1e+", "0x1", "NaN", "Infinity", "1 ", " 1", "--1", "1.5.5"};
	bool		integral;
	size_t		i;
	bool		all = true;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		all &= pi_is_json_number(good[i], strlen(good[i]));
	CHECK(all, "valid numbers accepted");
	all = true;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pi_is_json_number(bad[i], strlen(bad[i])))
		{
			printf("# accepted \"%s\"\n", bad[i]);
			all = false;
		}
	CHECK(all, "invalid numbers refused");
	CHECK(pi_json_number_len("12,3", 4, &integral) == 2 && integral,
		  "a prefix is measured, integral");
	CHECK(pi_json_number_len("-1.5e3]", 7, &integral) == 6 && !integral,
		  "fraction and exponent are not integral");
	CHECK(pi_json_number_len("1234", 2, NULL) == 2, "stops at n");
}

/* ASCII case-insensitive comparison */
static void
test_ascii_case(void)
{
	CHECK(pi_ascii_caseeq("Host", "hOST") && !pi_ascii_caseeq("Host", "Hos") &&
		  !pi_ascii_caseeq("Hos", "Host") && pi_ascii_caseeq("", ""),
		  "caseeq: equal ignoring case, lengths matter");
	CHECK(pi_ascii_caseeq_n("TEXT/CSV;x", 8, "text/csv") &&
		  !pi_ascii_caseeq_n("TEXT/CSV", 8, "text/csv2") &&
		  !pi_ascii_caseeq_n("TEXT/CS", 7, "text/csv"),
		  "caseeq_n: a counted string against a word");
	CHECK(pi_ascii_lower('\xc9') == '\xc9' && pi_ascii_lower('Z') == 'z' &&
		  pi_ascii_lower('[') == '[', "lower touches only A-Z");
}

/* Runs every test */
int
main(void)
{
	test_buffer();
	test_buffer_failure();
	test_json_numbers();
	test_ascii_case();
	return unit_done();
}

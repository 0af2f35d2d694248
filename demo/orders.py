#!/usr/bin/env python3
#
# demo/orders.py — the demo's data: a TPC-H-like `orders` table with
# weekly and yearly seasonality, a trend, and a few planted anomalous days.
#
#   python3 demo/orders.py [--seed N] [--start DATE] [--days N] [--base N]
#                          --orders FILE --planted FILE
#
# Writes the orders as tab-separated rows for MariaDB's LOAD DATA (columns
# of TPC-H's ORDERS) and the planted days as "day<TAB>anomaly<TAB>kind"
# rows (anomaly: its number; the days of a level shift share one).  The
# same arguments always give the same bytes (one random.Random(seed)).
#
# Orders per day: base × (1 + 15 % a year) trend × weekday factor (weekends
# about half a weekday) × yearly season (±12 %, high in December, low in
# June) × noise (normal, 3.5 %).  Planted, at fixed shares of the range so
# that any length of two years or more has them all:
#   spike           one day at 2.1 times its expected orders
#   drop            one day at 0.35 times (an outage)
#   level shift     Tuesday to Friday of one week at 1.35 times
#   weekday like a weekend
#                   a Wednesday, and a Thursday of another week, with a
#                   Sunday's orders
#
import argparse
import datetime
import math
import random
import sys

WEEKDAY = [1.04, 1.09, 1.07, 1.05, 1.00, 0.62, 0.50]  # Monday .. Sunday
PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
WORDS = ["furiously", "carefully", "quickly", "blithely", "final", "regular",
         "pending", "express", "ironic", "special", "deposits", "requests",
         "packages", "accounts", "theodolites", "pinto", "beans", "foxes"]


def parse_args():
    """The command line"""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--start", type=datetime.date.fromisoformat,
                   default=datetime.date(2021, 1, 4))
    p.add_argument("--days", type=int, default=4 * 364)
    p.add_argument("--base", type=float, default=300.0,
                   help="orders on a first-year weekday, before the season")
    p.add_argument("--orders", required=True)
    p.add_argument("--planted", required=True)
    a = p.parse_args()
    if a.days < 2 * 364:
        p.error("--days must be at least 728, so that every planted day fits")
    return a


def on_weekday(start, offset, weekday):
    """The first day offset at or after `offset` that falls on `weekday`"""
    return offset + (weekday - (start + datetime.timedelta(offset)).weekday()) % 7


def planted_days(start, days):
    """Planted anomalies: {day offset: (anomaly number, kind, factor)}"""
    at = lambda share, weekday: on_weekday(start, int(days * share), weekday)
    events = [(at(0.22, 1), 1, "spike", 2.1),
              (at(0.33, 2), 1, "weekday like a weekend", None),
              (at(0.45, 4), 1, "drop", 0.35),
              (at(0.62, 1), 4, "level shift", 1.35),
              (at(0.80, 3), 1, "weekday like a weekend", None)]
    return {first + i: (n, kind, factor)
            for n, (first, length, kind, factor) in enumerate(events, 1)
            for i in range(length)}


def expected_orders(start, offset, base):
    """Orders expected on a day: trend, weekday and yearly season"""
    day = start + datetime.timedelta(offset)
    trend = 1 + 0.15 * offset / 365.25
    season = 1 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 350) / 365.25)
    return base * trend * season, WEEKDAY[day.weekday()]


def day_orders(rng, start, offset, base, plan):
    """Orders of one day: expected level, planted change, noise"""
    level, weekday = expected_orders(start, offset, base)
    _, kind, factor = plan.get(offset, (None, None, 1.0))
    if kind == "weekday like a weekend":
        weekday, factor = WEEKDAY[6], 1.0
    return max(0, round(level * weekday * factor * rng.gauss(1.0, 0.035)))


def write_orders(out, rng, start, days, base, plan):
    """Writes every order, day by day; returns the number written"""
    key = 0
    last = start + datetime.timedelta(days - 1)
    for offset in range(days):
        day = start + datetime.timedelta(offset)
        age = (last - day).days
        status = "F" if age > 120 else ("O" if age < 30 else "P")
        date = day.isoformat()
        rows = []
        for _ in range(day_orders(rng, start, offset, base, plan)):
            key += 1
            r = rng.getrandbits(64)  # one draw for the row's random columns
            rows.append("%d\t%d\t%s\t%d.%02d\t%s\t%s\tClerk#%09d\t0\t%s %s\n" % (
                key, 1 + r % 150000, status, 900 + (r >> 18) % 499100, (r >> 37) % 100,
                date, PRIORITIES[(r >> 44) % 5], 1 + (r >> 47) % 1000,
                WORDS[(r >> 57) % 18], WORDS[(r >> 52) % 18]))
        out.write("".join(rows))
    return key


def main():
    """Writes the orders and the planted days"""
    a = parse_args()
    rng = random.Random(a.seed)
    plan = planted_days(a.start, a.days)
    with open(a.orders, "w", encoding="ascii") as out:
        n = write_orders(out, rng, a.start, a.days, a.base, plan)
    with open(a.planted, "w", encoding="ascii") as out:
        for offset in sorted(plan):
            day = a.start + datetime.timedelta(offset)
            out.write("%s\t%d\t%s\n" % ((day.isoformat(),) + plan[offset][:2]))
    print("orders.py: %d orders over %d days (%s to %s), %d anomalies planted on %d days"
          % (n, a.days, a.start, a.start + datetime.timedelta(a.days - 1),
             len({v[0] for v in plan.values()}), len(plan)), file=sys.stderr)


if __name__ == "__main__":
    main()

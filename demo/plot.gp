# demo/plot.gp — the demo's picture: orders per day, with the planted days
# and the days each detector flagged marked.
#
#   gnuplot -e "out='DIRECTORY'" demo/plot.gp
#
# Reads DIRECTORY/daily.csv (day,orders,planted,plain,weekly,detect; the
# last four t or f, as demo/detect.sql writes it) and writes
# DIRECTORY/orders.png and DIRECTORY/orders.svg.

data = out.'/daily.csv'
set datafile separator ','
set xdata time
set timefmt '%Y-%m-%d'
set format x '%Y-%m'
set key top left Left reverse opaque box
set grid ytics
set ylabel 'orders per day'
set title "Orders per day (MariaDB via federated\\_mysql): planted anomalies and the days flagged"
set yrange [0:*]

# the orders of a day whose column c is "t", else nothing (NaN is not drawn)
marked(c, lift) = strcol(c) eq 't' ? column(2) * lift : NaN

plotted = sprintf("'%s' using 1:2 skip 1 with lines lc rgb '#8da0cb' lw 1 title 'orders', \
  '' using 1:(marked(3, 1)) skip 1 with points pt 6 ps 2.4 lw 2 lc rgb '#d7191c' title 'planted', \
  '' using 1:(marked(5, 1.1)) skip 1 with points pt 11 ps 1.1 lc rgb '#1a9641' title 'flagged: weekly model, served (mean + 3 sd)', \
  '' using 1:(marked(6, 1.2)) skip 1 with points pt 9 ps 1.1 lc rgb '#000000' title 'flagged: rcf\\_detect (weekly)', \
  '' using 1:(marked(4, 1)) skip 1 with points pt 7 ps 0.8 lc rgb '#fdae61' title 'flagged: plain rcf\\_score (mean + 3 sd)'", data)

set terminal pngcairo size 1600,600 font 'sans,11'
set output out.'/orders.png'
eval 'plot '.plotted

set terminal svg size 1600,600 font 'sans,11' dynamic
set output out.'/orders.svg'
eval 'plot '.plotted
set output

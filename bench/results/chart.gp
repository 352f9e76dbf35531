set terminal pngcairo size 1200,500 font ',10'
set output 'chart.png'
set multiplot layout 1,2 title 'amp-agent vs prometheus agent + node\_exporter (180 s at 5s)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel 'log scale'
set yrange [0.01:*]
set key outside bottom center horizontal
set xtics font ',9'
plot 'chart.dat' using 2:xtic(1) title 'amp-agent', '' using 3 title 'amp-agent static', '' using 4 title 'peer'
unset logscale y
set yrange [*:*]
set key top left
set logscale xy
set xlabel 'synthetic series (on top of the default collectors)'
set ylabel 'instructions per collection+push cycle'
set y2label 'peak RSS, MiB'
set y2tics
set style data linespoints
plot 'scaling.dat' using 1:2 title 'instructions per cycle' axes x1y1, '' using 1:3 title 'peak RSS' axes x1y2
unset multiplot

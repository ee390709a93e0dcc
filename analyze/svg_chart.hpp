// Charts as inline SVG text: a line chart (values over time) and a bar chart (histogram
// buckets). Built as plain strings so the report needs no script or library to draw them
// and tests can count points and bars without a browser. Names and labels are escaped here.
#pragma once

#include <string>
#include <vector>

namespace amqpprox::analyze {

struct ChartPoint {
    double x = 0;
    double y = 0;
};

struct ChartSeries {
    std::string name;
    std::string color;  // a CSS color, chosen by the caller (never from a capture)
    std::vector<ChartPoint> points;
};

struct LineChart {
    std::string title;
    std::string x_label;
    std::string y_label;
    std::vector<ChartSeries> series;
};

struct ChartBar {
    std::string label;  // the bucket, e.g. "1 KiB"
    double value = 0;
};

struct BarChart {
    std::string title;
    std::string x_label;
    std::string y_label;
    std::string color;
    std::vector<ChartBar> bars;
};

// <svg class="chart line-chart"> with an x and a y axis (class "axis"), ticks, one
// <polyline class="series"> and one <circle class="point"> per point of each series, and a
// legend. An empty chart says "no data" instead of drawing series.
std::string render_line_chart(const LineChart& chart);
// <svg class="chart bar-chart"> with axes and one <rect class="bar"> per bar.
std::string render_bar_chart(const BarChart& chart);

// Round tick values covering [0, max] (at least two): 0, step, 2 step, ... with step 1, 2
// or 5 times a power of ten.
std::vector<double> nice_ticks(double max, int about = 5);

}  // namespace amqpprox::analyze

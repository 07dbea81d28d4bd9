/* The scorecard's two charts, drawn with ECharts (served from our own static files) from the
 * figures the page carries in #scorecard-data (the same as the table beside them). No inline
 * script: a Content Security Policy forbids them.
 *
 * - #chart-problems: per carrier, its parcels and, stacked, its problem parcels by kind.
 * - #chart-trend: per carrier, its out-of-area rate (%) over the last months.
 *
 * Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry
 * style="" attributes, which the Content Security Policy (style-src 'self') refuses.
 */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("scorecard-data");
    if (!source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var problems = echarts.init(document.getElementById("chart-problems"));
    var series = [
      { name: data.labels.parcels, type: "bar", data: data.parcels, barGap: "10%" }
    ].concat(
      data.kinds.map(function (kind) {
        return { name: kind.label, type: "bar", stack: "problems", data: kind.data };
      })
    );
    problems.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 60, bottom: 30 },
      xAxis: { type: "category", data: data.carriers },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    });
    var trend = echarts.init(document.getElementById("chart-trend"));
    trend.setOption({
      animation: false,
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        valueFormatter: function (v) { return v == null ? "—" : v + "%"; }
      },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", name: data.labels.rate, axisLabel: { formatter: "{value}%" } },
      series: data.trend.map(function (line) {
        return {
          name: line.name,
          type: "line",
          connectNulls: false,
          data: line.data.map(function (v) { return v == null ? null : Number(v); })
        };
      })
    });
    window.addEventListener("resize", function () {
      problems.resize();
      trend.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

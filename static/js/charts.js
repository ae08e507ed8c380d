// Draws the charts the server specified (ECharts options in data-option), keeps the user's
// legend choices across live refreshes, and redraws after every HTMX swap.
(function () {
  "use strict";
  var hiddenSeries = {};  // chart id -> {series name: false}

  function draw(element) {
    if (typeof echarts === "undefined") return;
    var id = element.dataset.chartId;
    var option = JSON.parse(element.dataset.option);
    if (option.legend && hiddenSeries[id]) option.legend.selected = hiddenSeries[id];
    var existing = echarts.getInstanceByDom(element);
    if (existing) existing.dispose();
    var chart = echarts.init(element, null, {renderer: "svg"});
    chart.setOption(option);
    ["legendselectchanged", "legendselected", "legendunselected"].forEach(function (name) {
      chart.on(name, function (event) { hiddenSeries[id] = event.selected; });
    });
    element.dataset.drawn = "1";
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".chart[data-option]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target.parentNode || document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".chart[data-drawn]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) chart.resize();
    });
  });
  window.portalCharts = {drawAll: drawAll};
})();

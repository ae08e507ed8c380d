// Draws the charts the server specified (ECharts options in data-option), keeps the user's
// legend choices across live refreshes, and redraws after every HTMX swap.
(function () {
  "use strict";
  var hiddenSeries = {};  // chart id -> {series name: false}
  var german = function (value) {
    return typeof value === "number" ? value.toLocaleString("de-DE", {maximumFractionDigits: 1}) : value;
  };

  // German numbers on value axes and in tooltips (functions cannot travel in the JSON option).
  function localise(option) {
    [].concat(option.xAxis || [], option.yAxis || []).forEach(function (axis) {
      if (axis.type === "value") axis.axisLabel = Object.assign({}, axis.axisLabel, {formatter: german});
    });
    if (option.tooltip) option.tooltip.valueFormatter = german;
    return option;
  }

  function draw(element) {
    if (typeof echarts === "undefined") return;
    var id = element.dataset.chartId;
    var option = localise(JSON.parse(element.dataset.option));
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
  // A chart's switch buttons change its view; the URL keeps every chart's view (`ansicht`), so that
  // bookmarks and live refreshes (which re-fetch the page's URL) show the same views.
  document.addEventListener("htmx:afterSettle", function (event) {
    var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (!path || path.indexOf("/analyse/diagramm/") !== 0) return;
    var params = new URLSearchParams(window.location.search);
    params.delete("ansicht");
    document.querySelectorAll("#analysis input[name=ansicht]").forEach(function (input) {
      params.append("ansicht", input.value);
    });
    var query = params.toString();
    history.replaceState(history.state, "", window.location.pathname + (query ? "?" + query : ""));
  });
  window.portalCharts = {drawAll: drawAll};
})();

// Draws the charts the server specified (ECharts options in data-option), keeps the user's
// legend choices across live refreshes, and redraws after every HTMX swap.
(function () {
  "use strict";
  var hiddenSeries = {};  // chart id -> {series name: false}
  var SIGNS = {EUR: "€", Anzahl: "", "Stück": "Stk."};
  var german = function (value) {
    return typeof value === "number" ? value.toLocaleString("de-DE", {maximumFractionDigits: 1}) : value;
  };
  // Axis ticks short ("1,5 Mio."), tooltips exact and with the unit ("1.498.230 €").
  var compact = function (value) {
    var size = Math.abs(value);
    if (size >= 1e6) return (value / 1e6).toLocaleString("de-DE", {maximumFractionDigits: 1}) + " Mio.";
    if (size >= 1e4) return (value / 1e3).toLocaleString("de-DE", {maximumFractionDigits: 0}) + " Tsd.";
    return german(value);
  };

  // German numbers and units on value axes and in tooltips (functions cannot travel in the JSON option).
  function localise(option) {
    var unit = option.portal && option.portal.unit;
    var sign = unit in SIGNS ? SIGNS[unit] : (unit || "");
    [].concat(option.xAxis || [], option.yAxis || []).forEach(function (axis) {
      if (axis.type !== "value") return;
      axis.axisLabel = Object.assign({hideOverlap: true}, axis.axisLabel, {formatter: compact});
      if (axis.name && axis.name in SIGNS) axis.name = SIGNS[axis.name];
    });
    if (option.tooltip) {
      option.tooltip.valueFormatter = function (value) {
        if (value === null || value === undefined || value === "-") return "–";
        return german(value) + (sign ? "\u202f" + sign : "");
      };
      option.tooltip.confine = true;  // never wider than the chart, also on a phone
    }
    delete option.portal;
    return option;
  }

  // A chart as a PNG file: the drawn SVG painted on a canvas at twice the size, on white.
  function savePng(button) {
    var element = button.parentNode.querySelector(".chart[data-chart-id]");
    var chart = element && typeof echarts !== "undefined" && echarts.getInstanceByDom(element);
    if (!chart) return;
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = element.clientWidth * 2;
      canvas.height = element.clientHeight * 2;
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = (button.dataset.title || element.dataset.chartId).replace(/[^\wäöüÄÖÜß-]+/g, "-") + ".png";
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      }, "image/png");
    };
    image.src = chart.getDataURL({type: "svg"});
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-png]");
    if (button) savePng(button);
  });

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

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
    if (option.legend) {
      option.legend.show = false;
      if (option.grid) option.grid.top = hasTopName(option) ? 28 : 12;
    }
    delete option.portal;
    return option;
  }

  function hasTopName(option) {
    return [].concat(option.yAxis || []).some(function (axis) { return axis.type === "value" && axis.name; });
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
    var parsed = JSON.parse(element.dataset.option);
    var keys = parsed.portal && parsed.portal.keys;
    var option = localise(parsed);
    if (option.legend && hiddenSeries[id]) option.legend.selected = hiddenSeries[id];
    var existing = echarts.getInstanceByDom(element);
    if (existing) existing.dispose();
    // Who asked the system for less motion gets the chart drawn at once, without its grow-in.
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) option.animation = false;
    var chart = echarts.init(element, null, {renderer: "svg"});
    chart.setOption(option);
    ["legendselectchanged", "legendselected", "legendunselected"].forEach(function (name) {
      chart.on(name, function (event) {
        hiddenSeries[id] = event.selected;
        markLegend(element, event.selected);
      });
    });
    if (option.legend) legendOf(element, option);
    // A click on a KPI's bar or point opens that KPI's page (its course, distribution and target).
    if (keys && element.dataset.query !== undefined) {
      chart.on("click", function (event) {
        var key = keys[event.dataIndex];
        if (key && event.componentType === "series") {
          window.location.href = "/analyse/kennzahl/" + encodeURIComponent(key) + "?" + element.dataset.query;
        }
      });
    }
    element.dataset.drawn = "1";
  }

  // The legend is HTML above the chart, not drawn into it: it wraps on a phone instead of covering
  // the data, and each entry is a button that shows or hides its series (also by keyboard).
  function legendOf(element, option) {
    var old = element.previousElementSibling;
    if (old && old.classList.contains("chart-legend")) old.remove();
    var legend = document.createElement("div");
    legend.className = "chart-legend";
    legend.setAttribute("role", "group");
    legend.setAttribute("aria-label", "Reihen ein- und ausblenden");
    var seen = {};
    [].concat(option.series || []).forEach(function (series) {
      if (!series.name || seen[series.name]) return;
      seen[series.name] = true;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "legend-item";
      button.dataset.series = series.name;
      var swatch = document.createElement("span");
      swatch.className = "legend-swatch";
      var colour = (series.areaStyle && series.areaStyle.color) || series.color || "#98a39b";
      swatch.style.background = colour;
      swatch.style.color = colour;
      if (series.itemStyle && series.itemStyle.opacity) swatch.style.opacity = series.itemStyle.opacity;
      if (series.lineStyle && series.lineStyle.type === "dashed") swatch.classList.add("dashed");
      button.appendChild(swatch);
      button.appendChild(document.createTextNode(series.name));
      button.addEventListener("click", function () {
        var chart = echarts.getInstanceByDom(element);
        if (chart) chart.dispatchAction({type: "legendToggleSelect", name: series.name});
      });
      legend.appendChild(button);
    });
    element.parentNode.insertBefore(legend, element);
    markLegend(element, option.legend.selected || {});
  }

  function markLegend(element, selected) {
    var legend = element.previousElementSibling;
    if (!legend || !legend.classList.contains("chart-legend")) return;
    legend.querySelectorAll(".legend-item").forEach(function (button) {
      button.setAttribute("aria-pressed", selected[button.dataset.series] === false ? "false" : "true");
    });
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

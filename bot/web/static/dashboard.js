// Draws the dashboard's charts with the vendored Chart.js from the figures the page embeds.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  var agingColours = ["#2e7d32", "#f9a825", "#ef6c00", "#d84315", "#b71c1c"];
  var bandColours = ["#2e7d32", "#7cb342", "#f9a825", "#c62828", "#90a4ae"];
  var gradeColours = ["#1b5e20", "#2e7d32", "#43a047", "#7cb342", "#c0ca33", "#fdd835",
                      "#fb8c00", "#f4511e", "#c62828", "#8e24aa", "#90a4ae"];
  var base = { animation: false, responsive: true, maintainAspectRatio: false,
               plugins: { legend: { display: false } } };

  function draw(id, type, series, colours, options) {
    var canvas = document.getElementById(id);
    if (!canvas || !series) { return; }
    new window.Chart(canvas, {
      type: type,
      data: { labels: series.labels,
              datasets: [{ data: series.values.map(Number), backgroundColor: colours }] },
      options: Object.assign({}, base, options || {})
    });
  }

  function drawAll() {
    // Canvas text in the page's own font stack (Chinese fonts included).
    window.Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
    draw("chart-aging", "bar", data.aging, agingColours);
    draw("chart-bands", "bar", data.bands, bandColours);
    draw("chart-grades", "doughnut", data.grades, gradeColours,
         { plugins: { legend: { display: true, position: "right" } } });
  }

  if (document.fonts && document.fonts.load) {
    // Canvas text does not wait for a web font: load the CJK one first where it is needed.
    document.fonts.load('12px "creditbot CJK"', "信用").then(drawAll, drawAll);
  } else {
    drawAll();
  }
})();

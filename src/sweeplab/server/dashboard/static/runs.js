/* The runs table: select runs to compare, and live state/summary updates of running runs. */
"use strict";

(() => {
  const table = document.getElementById("runs-table");
  const compare = document.getElementById("compare-button");
  if (!table) return;
  const boxes = () => Array.from(table.querySelectorAll(".run-select"));
  const selected = () => boxes().filter((box) => box.checked).map((box) => box.value);

  function updateButton() {
    const count = selected().length;
    compare.disabled = count < 1;
    compare.textContent = count > 1 ? "Compare " + count + " runs" : "Compare selected";
  }
  table.addEventListener("change", updateButton);
  const all = document.getElementById("select-all");
  if (all) all.addEventListener("change", () => { boxes().forEach((box) => { box.checked = all.checked; }); updateButton(); });
  compare.addEventListener("click", () => {
    const ids = selected().slice(0, 20);
    if (!ids.length) return;
    const rest = ids.slice(1).join(",");
    window.location.href = SL.base + "/runs/" + encodeURIComponent(ids[0]) + (rest ? "?compare=" + encodeURIComponent(rest) : "");
  });

  const running = table.dataset.running.split(",").filter(Boolean).slice(0, 20);
  if (!running.length) return;
  const path = "/dashboard/live/runs?metrics=false&" + running.map((id) => "run=" + encodeURIComponent(id)).join("&");
  SL.live(path, {
    run: (data) => {
      const row = table.querySelector('tr[data-run-id="' + CSS.escape(data.run_id) + '"]');
      if (!row) return;
      const state = row.querySelector('td[data-col="state"]');
      if (state) state.replaceChildren(SL.stateBadge(data.state));
      for (const [key, value] of Object.entries(data.summary || {})) {
        const cell = row.querySelector('td[data-col="summary.' + CSS.escape(key) + '"]');
        if (cell) cell.textContent = SL.formatNumber(value);
      }
    },
  });
})();

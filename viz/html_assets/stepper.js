// The step-through page. Every number and caption was computed and formatted
// by stepgrad in Python (see viz/html.py); this script only shows them: it
// picks which step to display and copies that step's strings into the page.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("stepgrad-data").textContent);
  const byId = (id) => document.getElementById(id);
  const slider = byId("slider");
  const place = { forward: 0, backward: 0 };  // each pass remembers its step
  let mode = data.mode;

  // --- the table: one row per value, built once ---------------------------------
  const rows = data.nodes.map((node, i) => {
    const row = document.createElement("tr");
    const cells = [String(i), node.name, node.op, node.data[0], ""].map((text, column) => {
      const cell = document.createElement(column === 0 ? "th" : "td");
      if (column === 0) cell.scope = "row";
      cell.textContent = text;  // labels are user text: never innerHTML
      row.appendChild(cell);
      return cell;
    });
    cells[3].title = node.data[1];
    byId("values").tBodies[0].appendChild(row);
    return { row, data: cells[3], grad: cells[4] };
  });

  // --- the picture: each node's SVG parts, and the text that shows its grad -----
  // draw_dot writes a box's texts as: name, "data", number, "grad", number.
  const partsOf = data.nodes.map((node) => node.parts.map(byId).filter(Boolean));
  const gradTextOf = data.nodes.map((node) => {
    const box = byId(node.parts[0]);
    const texts = box ? Array.from(box.querySelectorAll("text")) : [];
    const label = texts.findIndex((t) => t.textContent.trim() === "grad");
    return label >= 0 ? texts[label + 1] || null : null;
  });
  // Numbers were drawn padded to one width; padding ours the same way keeps them in place.
  const padded = (text) => text.padStart(data.width, "\u00a0");

  function pass() { return data[mode]; }

  // The state after k steps: the starting values, then each step's new value
  // copied in, in order. Copied, not computed: the page does no arithmetic.
  function stateAfter(k) {
    const grads = pass().grads.slice();
    const reached = new Set();
    for (const step of pass().steps.slice(0, k)) {
      if (step.grad) grads[step.target] = step.grad;
      reached.add(step.target);
    }
    return { grads, reached };
  }

  // Show step k of the current pass: the words, the table, the picture.
  function show(k) {
    const steps = pass().steps;
    k = Math.max(0, Math.min(k, steps.length));
    place[mode] = k;
    const current = k > 0 ? steps[k - 1] : null;
    const state = stateAfter(k);
    document.body.dataset.mode = mode;
    document.querySelectorAll(".lit, .target, .pending, .changed")
      .forEach((el) => el.classList.remove("lit", "target", "pending", "changed"));
    showWhere(k, steps.length, current);
    showValues(state);
    if (current) showStep(current);
  }

  function showWhere(k, n, current) {
    byId("status").textContent = `${mode === "forward" ? "Forward" : "Backward"} pass: step ${k} of ${n}`;
    byId("caption").textContent = current ? current.caption : pass().start;
    slider.max = String(n);
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", `step ${k} of ${n}`);
    for (const [id, atEnd] of [["first", k === 0], ["prev", k === 0], ["next", k === n], ["last", k === n]]) {
      byId(id).setAttribute("aria-disabled", String(atEnd));
    }
  }

  // Every value as it stands: in the table and in its box. The forward pass
  // hides values it has not computed yet.
  function showValues({ grads, reached }) {
    rows.forEach((cells, i) => {
      const pending = mode === "forward" && !reached.has(i);
      cells.data.textContent = pending ? "…" : data.nodes[i].data[0];
      cells.grad.textContent = grads[i][0];
      cells.grad.title = grads[i][1];
      cells.grad.dataset.exact = grads[i][1];
      if (gradTextOf[i]) gradTextOf[i].textContent = padded(grads[i][0]);
      if (pending) {
        cells.row.classList.add("pending");
        partsOf[i].forEach((el) => el.classList.add("pending"));
      }
    });
  }

  // Light up what this step uses, and mark the value it changes.
  function showStep(step) {
    step.lit.map(byId).filter(Boolean).forEach((el) => el.classList.add("lit"));
    step.rows.forEach((i) => rows[i].row.classList.add("lit"));
    rows[step.target].row.classList.add("target");
    const box = byId(data.nodes[step.target].parts[0]);
    if (!box) return;
    box.classList.add("target");
    if (mode === "backward" && gradTextOf[step.target]) gradTextOf[step.target].classList.add("changed");
    scrollSidewaysTo(box);
  }

  // On a narrow screen the graph scrolls sideways: keep the step's box in view.
  const scroller = document.querySelector(".graph-scroll");
  function scrollSidewaysTo(element) {
    if (scroller.scrollWidth <= scroller.clientWidth) return;
    const view = scroller.getBoundingClientRect(), box = element.getBoundingClientRect();
    scroller.scrollLeft += (box.left + box.right) / 2 - (view.left + view.right) / 2;
  }

  // --- controls: buttons, keys, slider, pass -------------------------------------
  byId("first").addEventListener("click", () => show(0));
  byId("prev").addEventListener("click", () => show(place[mode] - 1));
  byId("next").addEventListener("click", () => show(place[mode] + 1));
  byId("last").addEventListener("click", () => show(pass().steps.length));
  slider.addEventListener("input", () => show(Number(slider.value)));

  document.querySelectorAll('input[name="mode"]').forEach((radio) => {
    radio.checked = radio.value === mode;
    radio.addEventListener("change", () => { mode = radio.value; show(place[mode]); });
  });

  const keys = {
    ArrowRight: () => place[mode] + 1,
    ArrowLeft: () => place[mode] - 1,
    Home: () => 0,
    End: () => pass().steps.length,
  };
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || !(event.key in keys)) return;
    // The slider and the pass buttons handle these keys themselves.
    if (event.target instanceof HTMLInputElement) return;
    event.preventDefault();
    show(keys[event.key]());
  });

  show(0);
})();

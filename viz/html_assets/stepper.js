// The step-through page. Every number and caption was computed and formatted
// by stepgrad in Python (see viz/html.py); this script only shows them: it
// picks which step to display, copies that step's strings into the page, and
// moves the view (zoom and pan) so the step's edge is in sight.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("stepgrad-data").textContent);
  const byId = (id) => document.getElementById(id);
  const slider = byId("slider");
  const place = { forward: 0, backward: 0 };  // each pass remembers its step
  let mode = data.mode;
  place[mode] = data.start || 0;

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

  // --- the picture: each node's SVG parts, and the texts that show its numbers ---
  // draw_dot writes a box's texts as: name, "data", number, "grad", number.
  const partsOf = data.nodes.map((node) => node.parts.map(byId).filter(Boolean));
  function textAfter(i, word) {
    const box = byId(data.nodes[i].parts[0]);
    const texts = box ? Array.from(box.querySelectorAll("text")) : [];
    const label = texts.findIndex((t) => t.textContent.trim() === word);
    return label >= 0 ? texts[label + 1] || null : null;
  }
  const gradTextOf = data.nodes.map((_, i) => textAfter(i, "grad"));
  const dataTextOf = data.nodes.map((_, i) => textAfter(i, "data"));
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
    document.querySelectorAll(".lit, .target, .pending, .changed, .read, .near")
      .forEach((el) => el.classList.remove("lit", "target", "pending", "changed", "read", "near"));
    showWhere(k, steps.length, current);
    showValues(state);
    if (current) showStep(current);
    document.body.classList.toggle("focused", Boolean(data.big && current));
    byId("values").caption.textContent = data.big && current
      ? `The values this step uses (of ${data.nodes.length})` : "Every value after this step";
  }

  function showWhere(k, n, current) {
    byId("status").textContent = `${mode === "forward" ? "Forward" : "Backward"} pass: step ${k} of ${n}`;
    byId("caption").textContent = current ? current.caption : pass().start;
    // The generated code's line for this step (stepper_html(..., code=True)); text, never HTML.
    if (data.code) {
      const line = current ? current.code : "";
      byId("code-line").textContent = line;
      byId("code-line").classList.toggle("comment", line.startsWith("#"));  // "no line here, because…"
    }
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

  // Light up what this step uses, shade the numbers it reads, mark the value it changes.
  function showStep(step) {
    const lit = step.lit.map(byId).filter(Boolean);
    lit.forEach((el) => el.classList.add("lit"));
    step.rows.forEach((i) => rows[i].row.classList.add("lit"));
    rows[step.target].row.classList.add("target");
    for (const i of step.reads || []) {
      rows[i].data.classList.add("read");
      if (dataTextOf[i]) dataTextOf[i].classList.add("read");
    }
    if (step.upstream !== undefined) {
      rows[step.upstream].grad.classList.add("read");
      if (gradTextOf[step.upstream]) gradTextOf[step.upstream].classList.add("read");
    }
    for (const i of [...(step.reads || []), ...step.rows]) partsOf[i].forEach((el) => el.classList.add("near"));
    const box = byId(data.nodes[step.target].parts[0]);
    if (!box) return;
    box.classList.add("target");
    if (mode === "backward" && gradTextOf[step.target]) gradTextOf[step.target].classList.add("changed");
    // Its op first, then the rest of the edge and the values it reads, as far as they fit readably.
    const near = lit.filter((el) => el.id.endsWith("op"));
    if (byId("follow").checked) bringIntoView([box], [near, lit, step.rows.map((i) => partsOf[i][0]).filter(Boolean)]);
  }

  // --- zoom and pan: the SVG's viewBox is the window onto the graph ---------------
  const view = document.querySelector(".graph-view");
  const svg = view.querySelector("svg");
  const natural = svg.viewBox.baseVal;
  const full = { x: natural.x, y: natural.y, w: natural.width, h: natural.height };
  let box = { ...full };
  // The most the whole graph may shrink before the page zooms in to a readable size.
  const READABLE = 1.0;  // screen pixels per point of the drawing: 14-point labels 14 px tall

  function sizeView() {
    const width = Math.max(1, view.clientWidth);
    // Tall enough for the graph at its natural aspect, never taller than most of the screen.
    const height = Math.min(window.innerHeight * 0.7, Math.max(240, width * full.h / full.w));
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(Math.round(height)));
  }
  // The drawing's size on screen, in pixels (never 0, so no division by it).
  function screen() {
    const r = svg.getBoundingClientRect();
    return { w: Math.max(1, r.width), h: Math.max(1, r.height) };
  }
  function setBox(next) {
    if (![next.x, next.y, next.w, next.h].every(Number.isFinite)) return;
    const minW = full.w / 200, maxW = full.w * 3;
    const w = Math.min(maxW, Math.max(minW, next.w));
    const h = w * screen().h / screen().w;
    box = { x: next.x + (next.w - w) / 2, y: next.y + (next.h - h) / 2, w, h };
    svg.setAttribute("viewBox", `${box.x} ${box.y} ${box.w} ${box.h}`);
  }
  function scale() { return screen().w / box.w; }
  function fitWhole() {
    const w = Math.max(full.w, full.h * screen().w / screen().h);
    const h = w * screen().h / screen().w;
    setBox({ x: full.x + (full.w - w) / 2, y: full.y + (full.h - h) / 2, w, h });
  }
  function zoomBy(factor, cx = box.x + box.w / 2, cy = box.y + box.h / 2) {
    const w = box.w / factor, h = box.h / factor;
    setBox({ x: cx - (cx - box.x) / factor, y: cy - (cy - box.y) / factor, w, h });
  }
  // Screen point -> drawing coordinates (the drawing has its own transform inside).
  function toDrawing(clientX, clientY) {
    const rect = svg.getBoundingClientRect();
    return { x: box.x + (clientX - rect.left) / scale(), y: box.y + (clientY - rect.top) / scale() };
  }
  // The drawing-space rectangle around some elements (null if none is drawn).
  function around(elements) {
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const el of elements) {
      const r = el.getBoundingClientRect();
      if (!r.width && !r.height) continue;
      left = Math.min(left, r.left); top = Math.min(top, r.top);
      right = Math.max(right, r.right); bottom = Math.max(bottom, r.bottom);
    }
    if (left === Infinity) return null;
    const a = toDrawing(left, top), b = toDrawing(right, bottom);
    return { x: a.x, y: a.y, w: b.x - a.x, h: b.y - a.y };
  }
  // Keep the step in sight at a readable size, moving only when needed: `must`
  // (the value that changes) always, then each group of `more` (the op, the
  // whole edge, the values it reads) as long as everything stays readable.
  function bringIntoView(must, more) {
    let target = around(must);
    if (!target) return;
    const margin = 30, aspect = screen().w / screen().h;
    const widthFor = (r) => Math.max(r.w + 2 * margin, (r.h + 2 * margin) * aspect);
    let shown = must;
    for (const group of more) {
      const wider = around(shown.concat(group));
      if (!wider || screen().w / widthFor(wider) < READABLE) break;
      shown = shown.concat(group);
      target = wider;
    }
    const inside = target.x >= box.x && target.y >= box.y &&
      target.x + target.w <= box.x + box.w && target.y + target.h <= box.y + box.h;
    if (inside && scale() >= READABLE) return;
    const w = Math.max(scale() < READABLE ? screen().w / READABLE : box.w, widthFor(target));
    const h = w / aspect;
    setBox({ x: target.x + target.w / 2 - w / 2, y: target.y + target.h / 2 - h / 2, w, h });
  }

  byId("zoom-in").addEventListener("click", () => zoomBy(1.4));
  byId("zoom-out").addEventListener("click", () => zoomBy(1 / 1.4));
  byId("zoom-fit").addEventListener("click", () => { byId("follow").checked = false; fitWhole(); });
  view.addEventListener("wheel", (event) => {
    event.preventDefault();
    const at = toDrawing(event.clientX, event.clientY);
    zoomBy(Math.exp(-event.deltaY * (event.deltaMode ? 0.05 : 0.002)), at.x, at.y);
  }, { passive: false });

  // Drag with one pointer to pan; pinch with two to zoom.
  const pointers = new Map();
  let pinch = null;
  view.addEventListener("pointerdown", (event) => {
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    view.setPointerCapture(event.pointerId);
    if (pointers.size === 2) pinch = spread();
  });
  view.addEventListener("pointermove", (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    const now = { x: event.clientX, y: event.clientY };
    if (pointers.size === 1) {
      setBox({ ...box, x: box.x - (now.x - last.x) / scale(), y: box.y - (now.y - last.y) / scale() });
    }
    pointers.set(event.pointerId, now);
    if (pointers.size === 2 && pinch) {
      const next = spread();
      const mid = toDrawing(next.cx, next.cy);
      zoomBy(next.d / pinch.d, mid.x, mid.y);
      pinch = next;
    }
  });
  const release = (event) => { pointers.delete(event.pointerId); if (pointers.size < 2) pinch = null; };
  view.addEventListener("pointerup", release);
  view.addEventListener("pointercancel", release);
  function spread() {
    const [p, q] = Array.from(pointers.values());
    return { d: Math.max(1, Math.hypot(p.x - q.x, p.y - q.y)), cx: (p.x + q.x) / 2, cy: (p.y + q.y) / 2 };
  }

  // A marker for the backward pass: the lit edge's arrow points back, the way the gradient flows.
  const NS = "http://www.w3.org/2000/svg";
  const defs = document.createElementNS(NS, "defs");
  const marker = document.createElementNS(NS, "marker");
  for (const [k, v] of Object.entries({ id: "gradient-arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
    markerWidth: "4", markerHeight: "4", orient: "auto-start-reverse" })) marker.setAttribute(k, v);
  const head = document.createElementNS(NS, "path");
  head.setAttribute("d", "M 0 0 L 10 5 L 0 10 z");
  head.setAttribute("class", "gradient-head");
  marker.appendChild(head);
  defs.appendChild(marker);
  svg.insertBefore(defs, svg.firstChild);

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
    ArrowRight: () => show(place[mode] + 1),
    ArrowLeft: () => show(place[mode] - 1),
    Home: () => show(0),
    End: () => show(pass().steps.length),
    "+": () => zoomBy(1.4),
    "=": () => zoomBy(1.4),
    "-": () => zoomBy(1 / 1.4),
    "0": () => { byId("follow").checked = false; fitWhole(); },
  };
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || !(event.key in keys)) return;
    // The slider steps itself with these keys (its input event calls show); a
    // radio button would switch the pass on an arrow key: it steps instead.
    if (event.target === slider && !["+", "=", "-", "0"].includes(event.key)) return;
    event.preventDefault();  // also keeps Home/End from scrolling the page
    keys[event.key]();
  });

  byId("code").hidden = !data.code;
  sizeView();
  fitWhole();
  window.addEventListener("resize", () => { sizeView(); fitWhole(); show(place[mode]); });
  // In a notebook the page can run before its view is laid out (width 0, so a drawing
  // 1 px wide), and the window never resizes after: size the drawing when the view does.
  let viewWidth = view.clientWidth;
  new ResizeObserver(() => {
    if (view.clientWidth === viewWidth) return;
    viewWidth = view.clientWidth;
    sizeView(); fitWhole(); show(place[mode]);
  }).observe(view);
  show(place[mode]);
})();

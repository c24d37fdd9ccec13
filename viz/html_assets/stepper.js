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
  const grains = data.grains || {};
  // The size of Graphviz's labels, in points of the drawing: draw_dot's default font.
  const LABEL_POINTS = 14;

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

  // Where each backward step's target had its gradient before: the previous
  // step into the same value (or -1: its starting gradient). Stepping back
  // copies that in again, so a step costs the same wherever it is in the pass.
  const before = (() => {
    const last = new Map();
    return data.backward.steps.map((step, j) => {
      const previous = last.has(step.target) ? last.get(step.target) : -1;
      last.set(step.target, j);
      return previous;
    });
  })();

  // --- what is shown now, changed only where a step changes it ----------------------
  // The state after k steps: the starting values, then each step's new value
  // copied in, in order. Copied, not computed: the page does no arithmetic.
  const state = { mode: null, k: 0, grads: [], reached: [] };
  function resetState() {
    state.mode = mode;
    state.k = 0;
    state.grads = pass().grads.slice();
    state.reached = data.nodes.map(() => false);
    rows.forEach((_, i) => drawValue(i));
  }
  function moveTo(k) {
    const steps = pass().steps;
    const touched = new Set();
    while (state.k < k) {
      const step = steps[state.k];
      if (step.grad) state.grads[step.target] = step.grad;
      state.reached[step.target] = true;
      touched.add(step.target);
      state.k += 1;
    }
    while (state.k > k) {
      state.k -= 1;
      const step = steps[state.k];
      if (mode === "backward") {
        const j = before[state.k];
        state.grads[step.target] = j >= 0 ? steps[j].grad : pass().grads[step.target];
      } else {
        state.reached[step.target] = false;
      }
      touched.add(step.target);
    }
    touched.forEach(drawValue);
  }
  // One value as it stands, in the table and in its box. The forward pass
  // hides values it has not computed yet.
  function drawValue(i) {
    const cells = rows[i];
    const grad = state.grads[i];
    const pending = mode === "forward" && !state.reached[i];
    cells.data.textContent = pending ? "…" : data.nodes[i].data[0];
    cells.grad.textContent = grad[0];
    cells.grad.title = grad[1];
    cells.grad.dataset.exact = grad[1];
    if (gradTextOf[i]) gradTextOf[i].textContent = padded(grad[0]);
    cells.row.classList.toggle("pending", pending);
    partsOf[i].forEach((el) => el.classList.toggle("pending", pending));
  }

  // --- steps of a grain: a node's edges, a neuron's, a layer's ------------------------
  // A grain gives every step a key; a run of steps with one key is one step of
  // the grain. "stops" are the places Next and Prev go to.
  function grain() {
    const chosen = byId("grain").value;
    return mode === "backward" && grains[chosen] ? chosen : "edge";
  }
  function keyOf(j) {
    const g = grain();
    return g === "edge" ? null : grains[g].keys[j];
  }
  // The first step of the run that step j (0-based) belongs to.
  function runStart(j) {
    const key = keyOf(j);
    if (key === null || key === undefined) return j;
    while (j > 0 && keyOf(j - 1) === key) j -= 1;
    return j;
  }
  function runEnd(j) {
    const key = keyOf(j), n = pass().steps.length;
    if (key === null || key === undefined) return j;
    while (j + 1 < n && keyOf(j + 1) === key) j += 1;
    return j;
  }
  function skipping() { return mode === "backward" && byId("skip-zero").checked; }
  // Does the run of steps from..to (0-based, inclusive) pass anything but 0?
  function passesSomething(from, to) {
    const steps = pass().steps;
    for (let j = from; j <= to; j++) if (!steps[j].zero) return true;
    return false;
  }
  // The place after the next step from k (k steps applied): the end of the next run.
  function nextStop(k) {
    const n = pass().steps.length;
    let j = k;
    while (j < n) {
      const end = runEnd(j);
      if (!skipping() || passesSomething(j, end)) return end + 1;
      j = end + 1;
    }
    return n;
  }
  function prevStop(k) {
    let j = k - 1;  // the last applied step
    if (j < 0) return 0;
    j = runStart(j) - 1;  // leave the run shown now
    while (j >= 0) {
      const start = runStart(j);
      if (!skipping() || passesSomething(start, j)) return j + 1;
      j = start - 1;
    }
    return 0;
  }

  // --- showing a step -----------------------------------------------------------------
  let lastShown = null;  // the step whose close-up is shown
  let marked = [];  // every element given a class by the step shown now
  function mark(el, ...names) { el.classList.add(...names); marked.push(el); }

  // Show step k of the current pass: the words, the table, the picture. The
  // steps lit are those of the run (node, neuron, layer) that step k ends, up to k.
  function show(k) {
    const steps = pass().steps;
    k = Math.max(0, Math.min(k, steps.length));
    place[mode] = k;
    if (state.mode !== mode) {
      document.body.dataset.mode = mode;
      resetState();
    }
    moveTo(k);
    const from = k > 0 ? runStart(k - 1) : 0;
    const current = steps.slice(from, k);
    marked.forEach((el) => el.classList.remove("lit", "target", "changed", "read", "near"));
    marked = [];
    showWhere(k, steps.length, current, from);
    current.forEach((step) => showStep(step));
    const focused = Boolean(data.big && current.length);
    if (document.body.classList.contains("focused") !== focused) {
      document.body.classList.toggle("focused", focused);
      byId("values").caption.textContent = focused
        ? `The values this step uses (of ${data.nodes.length})` : "Every value after this step";
    }
    const last = current[current.length - 1] || null;
    lastShown = last;
    showCloseUp(last, current);
    if (byId("follow").checked) follow(last, current);
  }

  function showWhere(k, n, current, from) {
    const which = mode === "forward" ? "Forward" : "Backward";
    let where = `${which} pass: step ${k} of ${n}`;
    if (current.length > 1) {
      const name = grains[grain()].names[keyOf(k - 1)];
      where = `${which} pass: steps ${from + 1}–${k} of ${n} · ${name}: ${current.length} edges`;
    }
    byId("status").textContent = where;
    byId("caption").textContent = current.length ? captionOf(current) : pass().start;
    // The generated code's line for this step (stepper_html(..., code=True)); text, never HTML.
    if (data.code) {
      const line = current.length ? current.map((step) => step.code).join("\n") : "";
      byId("code-line").textContent = current.length > 4 ? current[current.length - 1].code : line;
      byId("code-line").classList.toggle("comment", line.startsWith("#"));  // "no line here, because…"
    }
    slider.max = String(n);
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", `step ${k} of ${n}`);
    for (const [id, atEnd] of [["first", k === 0], ["prev", k === 0], ["next", k === n], ["last", k === n]]) {
      byId(id).setAttribute("aria-disabled", String(atEnd));
    }
  }
  // A run's caption: each step's arithmetic, a long run's first two and last.
  function captionOf(current) {
    const lines = current.map((step) => step.caption);
    if (lines.length <= 4) return lines.join("\n");
    return [lines[0], lines[1], `… ${lines.length - 3} more steps (step by edge to see each) …`,
      lines[lines.length - 1]].join("\n");
  }

  // Light up what this step uses, shade the numbers it reads, mark the value it changes.
  function showStep(step) {
    step.lit.forEach((id) => { const el = byId(id); if (el) mark(el, "lit"); });
    step.rows.forEach((i) => mark(rows[i].row, "lit"));
    mark(rows[step.target].row, "target");
    for (const i of step.reads || []) {
      mark(rows[i].data, "read");
      if (dataTextOf[i]) mark(dataTextOf[i], "read");
    }
    if (step.upstream !== undefined) {
      mark(rows[step.upstream].grad, "read");
      if (gradTextOf[step.upstream]) mark(gradTextOf[step.upstream], "read");
    }
    for (const i of [...(step.reads || []), ...step.rows]) partsOf[i].forEach((el) => mark(el, "near"));
    const box = byId(data.nodes[step.target].parts[0]);
    if (!box) return;
    mark(box, "target");
    if (mode === "backward" && gradTextOf[step.target]) mark(gradTextOf[step.target], "changed");
  }

  // --- zoom and pan: a window onto the graph --------------------------------------
  const view = document.querySelector(".graph-view");
  const svg = view.querySelector("svg");
  const graphRoot = svg.querySelector("g.graph") || svg;  // Graphviz's group, placed by a transform
  const natural = svg.viewBox.baseVal;
  const full = { x: natural.x, y: natural.y, w: natural.width, h: natural.height };
  let box = { ...full };

  // How many screen pixels a point of the drawing must take for its labels to
  // be readable: labels 10% larger than the page's own text (24 px on a
  // 1920-px screen, more in projector mode; the page's text grows with the screen).
  let readableScale = 1;
  function measureReadable() {
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    readableScale = 1.1 * rem / LABEL_POINTS;
  }
  function readable() { return readableScale; }

  // The view is a fixed window (.graph-view); the drawing inside it is moved
  // and scaled by a CSS transform. (Changing the SVG's viewBox instead made the
  // browser lay out the whole drawing again: 30-40 ms a step on the moons page.)
  svg.setAttribute("width", String(full.w));  // one unit of the drawing: one pixel at scale 1
  svg.setAttribute("height", String(full.h));
  function sizeView() {
    // As tall as the screen below the view's top (when the page is scrolled to
    // the top), so the view is all on screen; on a short screen most of it.
    const top = view.getBoundingClientRect().top + window.scrollY;
    const room = window.innerHeight - top - 16;
    const height = room >= 320 ? room : Math.max(240, window.innerHeight * 0.7);
    view.style.height = `${Math.round(height)}px`;
    measureView();
  }
  // The window's size on screen, in pixels (never 0, so no division by it):
  // measured when sizeView sets it, not at each step (reading it makes the
  // browser lay the page out, which took 17 ms a step on the moons page).
  const viewSize = { w: 1, h: 1 };
  function measureView() {
    viewSize.w = Math.max(1, view.clientWidth);
    viewSize.h = Math.max(1, view.clientHeight);
  }
  function screen() { return viewSize; }
  function setBox(next) {
    if (![next.x, next.y, next.w, next.h].every(Number.isFinite)) return;
    const aspect = screen().w / screen().h;
    // Out as far as the whole graph with a margin; in to 1/200 of its width.
    const minW = full.w / 200, maxW = 1.2 * Math.max(full.w, full.h * aspect);
    const w = Math.min(maxW, Math.max(minW, next.w));
    const h = w / aspect;
    box = { x: next.x + (next.w - w) / 2, y: next.y + (next.h - h) / 2, w, h };
    const s = screen().w / box.w;
    svg.style.transform = `translate(${-(box.x - full.x) * s}px, ${-(box.y - full.y) * s}px) scale(${s})`;
    view.dataset.box = `${box.x} ${box.y} ${box.w} ${box.h}`;  // the part of the drawing in view
  }
  function scale() { return screen().w / box.w; }
  // The whole graph, however small that makes it: the overview.
  function fitWhole() {
    const aspect = screen().w / screen().h;
    const w = Math.max(full.w, full.h * aspect);
    const h = w / aspect;
    setBox({ x: full.x + (full.w - w) / 2, y: full.y + (full.h - h) / 2, w, h });
  }
  function showsWhole() {  // (to a thousandth of the drawing: the box is computed in floats)
    const e = (full.w + full.h) / 1000;
    return box.x <= full.x + e && box.y <= full.y + e &&
      box.x + box.w >= full.x + full.w - e && box.y + box.h >= full.y + full.h - e;
  }
  function wholeIsReadable() {
    return Math.min(screen().w / full.w, screen().h / full.h) >= readable();
  }
  // A small graph (not data.big) stays whole wherever its labels stay legible (half the
  // readable size, ~11 px): a student sees every value at once, and needs no close-up.
  function wholeIsEnough() {
    const fit = Math.min(screen().w / full.w, screen().h / full.h);
    return fit >= readable() || (!data.big && fit >= 0.5 * readable());
  }
  function zoomBy(factor, cx = box.x + box.w / 2, cy = box.y + box.h / 2) {
    const w = box.w / factor, h = box.h / factor;
    setBox({ x: cx - (cx - box.x) / factor, y: cy - (cy - box.y) / factor, w, h });
  }
  // Screen point -> drawing coordinates (the drawing has its own transform inside).
  function toDrawing(clientX, clientY) {
    const rect = view.getBoundingClientRect();
    return { x: box.x + (clientX - rect.left) / scale(), y: box.y + (clientY - rect.top) / scale() };
  }
  // Where each node and edge of the drawing is, in the drawing's units: measured
  // once (its shape never changes, only its colours and numbers, padded to one
  // width), so following a step needs no layout of the page to find it.
  const where = new Map();
  const placed = (() => {
    const m = graphRoot.transform && graphRoot.transform.baseVal.consolidate();
    return m ? m.matrix : { a: 1, d: 1, e: 0, f: 0 };
  })();
  function measureDrawing() {
    svg.querySelectorAll("g.node, g.edge").forEach((el) => {
      const r = el.getBBox();
      where.set(el, { raw: r, x: r.x * placed.a + placed.e, y: r.y * placed.d + placed.f,
        w: r.width * placed.a, h: r.height * placed.d });
    });
  }
  function boundsOf(el) {
    if (!where.has(el)) {
      const r = el.getBBox();
      where.set(el, { raw: r, x: r.x * placed.a + placed.e, y: r.y * placed.d + placed.f,
        w: r.width * placed.a, h: r.height * placed.d });
    }
    return where.get(el);
  }
  // The drawing-space rectangle around some elements (null if none is drawn).
  function around(elements) {
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const el of elements) {
      const r = boundsOf(el);
      if (!r.w && !r.h) continue;
      left = Math.min(left, r.x); top = Math.min(top, r.y);
      right = Math.max(right, r.x + r.w); bottom = Math.max(bottom, r.y + r.h);
    }
    if (left === Infinity) return null;
    return { x: left, y: top, w: right - left, h: bottom - top };
  }
  // Keep the step in sight at a readable size, moving only when needed: `must`
  // (the value that changes) always, then each group of `more` (the op, the
  // whole edge, the values it reads) as long as everything stays readable.
  function bringIntoView(must, more) {
    let target = around(must);
    if (!target) return;
    const margin = 30 / readable(), aspect = screen().w / screen().h, need = readable();
    const widthFor = (r) => Math.max(r.w + 2 * margin, (r.h + 2 * margin) * aspect);
    let shown = must;
    for (const group of more) {
      const wider = around(shown.concat(group));
      if (!wider || screen().w / widthFor(wider) < need) break;
      shown = shown.concat(group);
      target = wider;
    }
    const inside = target.x - margin >= box.x && target.y - margin >= box.y &&
      target.x + target.w + margin <= box.x + box.w && target.y + target.h + margin <= box.y + box.h;
    if (inside && scale() >= need) return;
    const w = Math.max(scale() < need ? screen().w / need : box.w, widthFor(target));
    const h = w / aspect;
    setBox({ x: target.x + target.w / 2 - w / 2, y: target.y + target.h / 2 - h / 2, w, h });
  }
  // Follow the step: the whole graph when it is readable whole; else the value
  // that changes (or, before the first backward step, the root with its seed)
  // at a readable size, with its op, edge and the values it reads where they fit.
  function follow(last, current) {
    if (wholeIsEnough()) { fitWhole(); return; }
    if (!last) {
      if (mode === "backward") bringIntoView([byId(data.nodes[data.nodes.length - 1].parts[0])], []);
      else fitWhole();  // nothing computed yet: the overview, the shape of what is to come
      return;
    }
    const boxOf = (i) => partsOf[i][0];
    const lit = [];
    current.forEach((step) => step.lit.forEach((id) => { const el = byId(id); if (el) lit.push(el); }));
    const ends = [last.upstream, ...last.rows].filter((i) => i !== undefined).map(boxOf).filter(Boolean);
    const reads = (last.reads || []).map(boxOf).filter(Boolean);
    const op = lit.filter((el) => el.id.endsWith("op"));
    bringIntoView([boxOf(last.target)].filter(Boolean), [op, ends, reads, lit]);
  }

  // --- the close-up: the current step's boxes, side by side, readable ---------------
  // On a graph too big to read whole, the value that changes, the op, the value
  // whose gradient flows back and the values the step reads may be far apart in
  // the layout. The close-up draws copies of just those boxes (with their
  // numbers as they are now) next to each other, at a readable size.
  const closeup = byId("closeup");
  const closeSvg = byId("closeup-svg");
  const NS = "http://www.w3.org/2000/svg";
  function copyOf(el) {
    const copy = el.cloneNode(true);
    copy.removeAttribute("id");
    copy.querySelectorAll("[id]").forEach((inner) => inner.removeAttribute("id"));
    const b = boundsOf(el).raw;
    const holder = document.createElementNS(NS, "g");
    holder.appendChild(copy);
    return { holder, w: b.width, h: b.height, x: b.x, y: b.y };
  }
  function put(item, x, y) {
    item.holder.setAttribute("transform", `translate(${x - item.x} ${y - item.y})`);
    item.cx = x + item.w / 2; item.cy = y + item.h / 2; item.left = x; item.right = x + item.w;
    item.top = y; item.bottom = y + item.h;
  }
  function line(points, lit, back) {
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", points.map((p, n) => `${n ? "L" : "M"} ${p.x} ${p.y}`).join(" "));
    path.setAttribute("class", lit ? "closeup-edge lit" : "closeup-edge");
    if (back) path.setAttribute("marker-start", "url(#gradient-arrow)");
    else path.setAttribute("marker-end", "url(#closeup-arrow)");
    return path;
  }
  let closeupOn = false;
  // The close-up's room on screen, measured when the layout changes (not each step):
  // its width, and its height down to the bottom of the screen (the page at its
  // top) unless it starts low on the screen (a phone), where it is scrolled to.
  const room = { w: 1, h: Infinity };
  function measureCloseUp() {
    room.w = Math.max(1, closeup.clientWidth);
    const top = closeSvg.getBoundingClientRect().top + window.scrollY;
    const below = window.innerHeight - top - 24;
    room.h = below >= 0.4 * window.innerHeight ? below : Infinity;
  }
  function showCloseUp(last) {
    closeup.hidden = !closeupOn;
    if (!closeupOn) return;
    while (closeSvg.lastChild) closeSvg.removeChild(closeSvg.lastChild);
    const boxOf = (i) => byId(data.nodes[i].parts[0]);
    let inputs, op, result, backward = mode === "backward";
    if (!last) {  // the seed on the root, or (forward) nothing yet
      const root = data.nodes.length - 1;
      inputs = []; op = null; result = backward ? boxOf(root) : null;
    } else if (backward) {
      // parent (target) and what the derivative reads  ->  op  ->  node (upstream)
      const seen = new Set([last.target, last.upstream]);
      const reads = (last.reads || []).filter((i) => !seen.has(i) && seen.add(i));
      inputs = [last.target, ...reads].map(boxOf);
      op = byId(data.nodes[last.upstream].parts[1]) || null;
      result = boxOf(last.upstream);
    } else {
      inputs = last.rows.slice(0, 6).map(boxOf);
      op = byId(data.nodes[last.target].parts[1]) || null;
      result = boxOf(last.target);
    }
    const copies = inputs.filter(Boolean).map(copyOf);
    const opCopy = op ? copyOf(op) : null;
    const resultCopy = result ? copyOf(result) : null;
    const gap = 28;
    // Side by side (inputs, op, result) where that fits readably, else one
    // under another (a phone, a long name, projector mode).
    const inputW = Math.max(0, ...copies.map((c) => c.w));
    const sideBySide = inputW + (opCopy ? opCopy.w + gap * 1.5 : 0) + (resultCopy ? resultCopy.w + gap * 1.5 : 0);
    const wide = sideBySide + 24 <= room.w / readable();
    let x = 0, y = 0, width = 0, height = 0, narrowEdges = false;
    if (wide) {
      const stackH = copies.reduce((s, c) => s + c.h, 0) + gap / 2 * Math.max(0, copies.length - 1);
      const midY = Math.max(stackH, opCopy ? opCopy.h : 0, resultCopy ? resultCopy.h : 0) / 2;
      y = midY - stackH / 2;
      copies.forEach((c) => { put(c, (inputW - c.w) / 2, y); y += c.h + gap / 2; });
      x = copies.length ? inputW + gap * 1.5 : 0;
      if (opCopy) { put(opCopy, x, midY - opCopy.h / 2); x += opCopy.w + gap * 1.5; }
      if (resultCopy) { put(resultCopy, x, midY - resultCopy.h / 2); x += resultCopy.w; }
      width = x; height = 2 * midY;
    } else {
      // One under another: the inputs in a row when they fit readably, else
      // in a column with their edges going round on the left.
      const across = room.w / readable() - 24;
      const rowW = copies.reduce((s, c) => s + c.w, 0) + gap / 2 * Math.max(0, copies.length - 1);
      const inRow = rowW <= across;
      const colW = Math.max(inRow ? rowW : inputW, opCopy ? opCopy.w : 0, resultCopy ? resultCopy.w : 0);
      const side = inRow || copies.length < 2 ? 0 : 14 + 10 * copies.length;  // room for the edges round the left
      if (inRow) {
        let left = (colW - rowW) / 2;
        const rowH = Math.max(0, ...copies.map((c) => c.h));
        copies.forEach((c) => { put(c, left, (rowH - c.h) / 2); left += c.w + gap / 2; });
        y = copies.length ? rowH + gap : 0;
      } else {
        copies.forEach((c) => { put(c, side + (colW - c.w) / 2, y); y += c.h + gap / 2; });
        if (copies.length) y += gap / 2;
      }
      if (opCopy) { put(opCopy, side + (colW - opCopy.w) / 2, y); y += opCopy.h + gap; }
      if (resultCopy) { put(resultCopy, side + (colW - resultCopy.w) / 2, y); y += resultCopy.h; }
      width = colW + side; height = y;
      narrowEdges = !inRow && copies.length > 1;
    }
    const edges = [];
    if (opCopy) {
      copies.forEach((c, n) => {
        const lit = n === 0 && last !== null, back = backward && n === 0;
        if (wide) {
          edges.push(line([{ x: c.right, y: c.cy }, { x: opCopy.left, y: opCopy.cy }], lit, back));
        } else if (narrowEdges) {  // round the left side: never across another box
          const out = 6 + 10 * n;
          edges.push(line([{ x: c.left, y: c.cy }, { x: out, y: c.cy }, { x: out, y: opCopy.cy },
            { x: opCopy.left, y: opCopy.cy }], lit, back));
        } else {
          edges.push(line([{ x: c.cx, y: c.bottom }, { x: opCopy.cx, y: opCopy.top }], lit, back));
        }
      });
      if (resultCopy) {
        const from = wide ? { x: opCopy.right, y: opCopy.cy } : { x: opCopy.cx, y: opCopy.bottom };
        const to = wide ? { x: resultCopy.left, y: resultCopy.cy } : { x: resultCopy.cx, y: resultCopy.top };
        edges.push(line([from, to], last !== null, backward));
      }
    }
    const group = document.createElementNS(NS, "g");
    edges.forEach((e) => group.appendChild(e));
    [...copies, opCopy, resultCopy].filter(Boolean).forEach((c) => group.appendChild(c.holder));
    closeSvg.appendChild(closeDefs);
    closeSvg.appendChild(group);
    const pad = 12;
    const fits = Math.min(room.w / (width + 2 * pad), room.h / (height + 2 * pad));
    // Readable, and larger when there is room (never larger than its place).
    const s = Math.min(Math.max(readable(), Math.min(1.6 * readable(), fits)), fits);
    closeSvg.setAttribute("viewBox", `${-pad} ${-pad} ${width + 2 * pad} ${height + 2 * pad}`);
    closeSvg.setAttribute("width", String(Math.round((width + 2 * pad) * s)));
    closeSvg.setAttribute("height", String(Math.round((height + 2 * pad) * s)));
  }

  byId("zoom-in").addEventListener("click", () => zoomBy(1.4));
  byId("zoom-out").addEventListener("click", () => zoomBy(1 / 1.4));
  byId("zoom-fit").addEventListener("click", () => { byId("follow").checked = false; fitWhole(); });
  byId("follow").addEventListener("change", () => show(place[mode]));
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

  // Markers: the backward pass's lit edge points back, the way the gradient flows.
  function arrowMarker(id, cls) {
    const marker = document.createElementNS(NS, "marker");
    for (const [k, v] of Object.entries({ id, viewBox: "0 0 10 10", refX: "10", refY: "5",
      markerWidth: "4", markerHeight: "4", orient: "auto-start-reverse" })) marker.setAttribute(k, v);
    const head = document.createElementNS(NS, "path");
    head.setAttribute("d", "M 0 0 L 10 5 L 0 10 z");
    head.setAttribute("class", cls);
    marker.appendChild(head);
    return marker;
  }
  const defs = document.createElementNS(NS, "defs");
  defs.appendChild(arrowMarker("gradient-arrow", "gradient-head"));
  svg.insertBefore(defs, svg.firstChild);
  const closeDefs = document.createElementNS(NS, "defs");
  closeDefs.appendChild(arrowMarker("closeup-arrow", "closeup-head"));

  // --- controls: buttons, keys, slider, pass, grain -------------------------------
  const toNext = () => show(nextStop(place[mode]));
  const toPrev = () => show(prevStop(place[mode]));
  byId("first").addEventListener("click", () => show(0));
  byId("prev").addEventListener("click", toPrev);
  byId("next").addEventListener("click", toNext);
  byId("last").addEventListener("click", () => show(pass().steps.length));
  slider.addEventListener("input", () => show(Number(slider.value)));

  // The grains this graph has (python's `grains`): only what can be known is offered.
  const grainNames = { node: "node", neuron: "neuron", layer: "layer" };
  for (const name of Object.keys(grainNames)) {
    if (!grains[name]) continue;
    const option = document.createElement("option");
    option.value = name;
    option.textContent = grainNames[name];
    byId("grain").appendChild(option);
  }
  function grainControls() {
    const backward = mode === "backward";
    byId("grain").disabled = !backward || byId("grain").options.length < 2;
    byId("skip-zero").disabled = !backward;
  }
  byId("grain").addEventListener("change", () => show(place[mode]));
  byId("skip-zero").addEventListener("change", () => show(place[mode]));

  document.querySelectorAll('input[name="mode"]').forEach((radio) => {
    radio.checked = radio.value === mode;
    radio.addEventListener("change", () => { mode = radio.value; grainControls(); show(place[mode]); });
  });

  // Projector mode: everything on the page (the graph's labels follow the
  // page's text size) larger, for the back row. Remembered in the address's #.
  function projector(on) {
    document.documentElement.classList.toggle("projector", on);
    byId("projector").setAttribute("aria-pressed", String(on));
    layout();
  }
  byId("projector").addEventListener("click", () =>
    projector(!document.documentElement.classList.contains("projector")));

  const keys = {
    ArrowRight: toNext,
    ArrowLeft: toPrev,
    Home: () => show(0),
    End: () => show(pass().steps.length),
    "+": () => zoomBy(1.4),
    "=": () => zoomBy(1.4),
    "-": () => zoomBy(1 / 1.4),
    "0": () => { byId("follow").checked = false; fitWhole(); },
    p: () => projector(!document.documentElement.classList.contains("projector")),
  };
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || !(event.key in keys)) return;
    // The slider steps itself with these keys (its input event calls show); a
    // radio button would switch the pass on an arrow key: it steps instead.
    if (event.target === slider && !["+", "=", "-", "0", "p"].includes(event.key)) return;
    if (event.target === byId("grain")) return;  // the list's own arrows choose a grain
    event.preventDefault();  // also keeps Home/End from scrolling the page
    keys[event.key]();
  });

  // Sizes depend on the screen and the text size: worked out again on a resize.
  function layout() {
    measureReadable();
    closeup.hidden = true;
    sizeView();
    fitWhole();
    closeupOn = !wholeIsEnough();
    closeup.hidden = !closeupOn;
    if (closeupOn) { sizeView(); fitWhole(); measureCloseUp(); }
    captionHeight = byId("now").offsetHeight;
    show(place[mode]);
  }

  byId("code").hidden = !data.code;
  document.body.classList.toggle("big", Boolean(data.big));
  // One scale for page, pictures and films in projector mode (viz.graph.PROJECTOR_SCALE).
  document.documentElement.style.setProperty("--projector", String(data.projector_scale || 1.6));
  if (data.projector) document.documentElement.classList.add("projector");
  byId("projector").setAttribute("aria-pressed", String(Boolean(data.projector)));
  grainControls();
  document.body.dataset.mode = mode;
  resetState();
  measureDrawing();
  window.addEventListener("resize", layout);
  // A longer caption moves the view down: keep its bottom on the screen. (Told
  // after the browser lays the page out, before it paints: no extra layout.)
  let captionHeight = byId("now").offsetHeight;
  new ResizeObserver(() => {
    const height = byId("now").offsetHeight;
    if (height === captionHeight) return;
    captionHeight = height;
    sizeView();
    // The whole graph stays whole in the new height (pressed "0", or a small graph
    // followed); a step followed keeps its scale, so its labels stay readable.
    if (showsWhole()) fitWhole();
    else setBox(box);
    if (closeupOn) { measureCloseUp(); showCloseUp(lastShown); }
  }).observe(byId("now"));
  // In a notebook the page can run before its view is laid out (width 0, so a drawing
  // 1 px wide), and the window never resizes after: lay out again when the view does.
  let viewWidth = view.clientWidth;
  new ResizeObserver(() => {
    if (view.clientWidth === viewWidth) return;
    viewWidth = view.clientWidth;
    layout();
  }).observe(view);
  layout();
})();

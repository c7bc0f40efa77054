/* dedup provenance report: client side.
 *
 * The page embeds two JSON blocks, written by dedup/report_html.py:
 *   #dedup-data   {title, stats, hasSources, documents: [Doc], clusters: [Cluster]}
 *   #dedup-texts  [string | null]  one entry per document, same order
 *
 *   Doc     = {id, date, source, length, reused, stub?, near: [[doc, sim]], spans: [Span]}
 *   Span    = {s, e, c, r, o, b, sim, m: [[doc, s, e, sim]], more, f: [doc, date] | null}
 *             s/e: UTF-16 offsets into the document text (half-open);
 *             c: cluster index; r: "origin" | "copy" | "shared";
 *             o: likely origin document or null; b: boilerplate;
 *             f: the earliest-dated carrier of the text and its date, or null;
 *             m: matching passages elsewhere; more: matches left out
 *   Cluster = {id, b, o, n, len, ex, m: [[doc, s, e]]}
 *             n: number of documents; len: longest member (chars); ex: excerpt
 *   Document references (doc, o) are indices into `documents`; "stub"
 *   documents are referenced by the report but not described in it.
 *
 * Every piece of data reaches the page through textContent, createTextNode
 * or setAttribute on inert attributes: never innerHTML. Views are built on
 * demand: the overview once, an article when it is opened, the texts JSON
 * only when the first article is opened.
 */
(function () {
  "use strict";

  const PAGE_SIZE = 50;
  const CLUSTERS_SHOWN = 8;
  const MEMBERS_SHOWN = 12;
  const GRAPH_MAX_NODES = 24;
  const GRAPH_MAX_EDGES = 48;
  const CONTEXT_CHARS = 140;
  const DIFF_MAX_CELLS = 4e6;

  const $ = (sel, root) => (root || document).querySelector(sel);

  /* ------------------------------------------------------------ DOM helpers */

  function el(tag, props, ...children) {
    return fill(document.createElement(tag), props, children);
  }

  let SVGNS = null; // taken from the inline <svg> of the page, see init()
  function svg(tag, props, ...children) {
    return fill(document.createElementNS(SVGNS, tag), props, children);
  }

  function fill(node, props, children) {
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value == null || value === false) continue;
        if (key === "class") node.setAttribute("class", value);
        else if (key === "text") node.textContent = value;
        else if (key === "style") {
          for (const [prop, v] of Object.entries(value)) node.style.setProperty(prop, String(v));
        } else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    append(node, children);
    return node;
  }

  /* Replace the children of `node`; null and false are skipped. */
  function put(node, ...children) {
    node.replaceChildren();
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children) {
      if (child == null || child === false) continue;
      if (Array.isArray(child)) append(node, child);
      else if (typeof child === "string" || typeof child === "number") {
        node.appendChild(document.createTextNode(String(child)));
      } else node.appendChild(child);
    }
  }

  /* ------------------------------------------------------------------ data */

  function readJSON(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  let DATA, DOCS, CLUSTERS, REAL;
  let TEXTS = null;

  function textOf(i) {
    if (TEXTS === null) TEXTS = readJSON("dedup-texts");
    const t = TEXTS[i];
    return typeof t === "string" ? t : null;
  }

  /* ------------------------------------------------------------ formatting */

  const NUM = new Intl.NumberFormat("en");
  const COLLATOR = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

  const pct = (x) => (100 * x).toFixed(1) + "%";
  const sim = (x) => (x == null ? "n/a" : x.toFixed(2));
  const plural = (n, one, many) => NUM.format(n) + " " + (n === 1 ? one : many || one + "s");

  function hue(ci) {
    return Math.round((ci * 137.508 + 205) % 360);
  }

  function truncate(str, n) {
    return str.length <= n ? str : str.slice(0, n - 1) + "…";
  }

  function docMeta(i) {
    const d = DOCS[i];
    const parts = [];
    if (d.source != null) parts.push(d.source);
    if (d.date != null) parts.push(d.date);
    return parts.join(" · ");
  }

  function docLink(i, ci) {
    const d = DOCS[i];
    if (!d || d.stub) {
      return el("span", { class: "doc-ref stub", title: "not described in this report" }, d ? d.id : "?");
    }
    const href = "#/a/" + i + (ci != null ? "/c/" + ci : "");
    return el("a", { class: "doc-ref", href: href }, d.id);
  }

  function badge(text, kind) {
    return el("span", { class: "badge badge-" + kind }, text);
  }

  const ROLE_LABEL = { origin: "likely origin", copy: "copy", shared: "shared" };

  /* -------------------------------------------------------------- routing */

  let overviewBuilt = false;
  let overviewScroll = 0;
  let current = null; // {doc, span, match} of the article view

  function route() {
    const m = /^#\/a\/(\d+)(?:\/c\/(\d+))?$/.exec(location.hash);
    const i = m ? Number(m[1]) : -1;
    if (m && DOCS[i] && !DOCS[i].stub) {
      showArticle(i, m[2] != null ? Number(m[2]) : null);
    } else {
      showOverview();
    }
  }

  function showOverview() {
    if (!overviewBuilt) {
      buildOverview();
      overviewBuilt = true;
    }
    const wasArticle = !$("#view-article").hidden;
    $("#view-article").hidden = true;
    $("#view-article").replaceChildren();
    $("#view-overview").hidden = false;
    document.title = DATA.title;
    current = null;
    if (wasArticle) window.scrollTo(0, overviewScroll);
  }

  function showArticle(i, ci) {
    if (!$("#view-overview").hidden) overviewScroll = window.scrollY;
    $("#view-overview").hidden = true;
    const view = $("#view-article");
    view.hidden = false;
    renderArticle(view, i);
    document.title = DOCS[i].id + " · " + DATA.title;
    window.scrollTo(0, 0);
    let k = -1;
    if (ci != null) k = DOCS[i].spans.findIndex((sp) => sp.c === ci);
    if (k >= 0) {
      selectSpan(k, 0);
      const mark = view.querySelector('mark[data-k="' + k + '"]');
      if (mark) {
        mark.scrollIntoView({ block: "center" });
        mark.focus({ preventScroll: true });
      }
    } else {
      $("#article-title").focus({ preventScroll: true });
    }
  }

  /* ------------------------------------------------------------- overview */

  function buildOverview() {
    buildStats();
    buildTable();
    buildClusters();
    buildGraph();
  }

  function statCard(value, label, sub) {
    return el("div", { class: "stat" },
      el("div", { class: "stat-value" }, value),
      el("div", { class: "stat-label" }, label),
      sub ? el("div", { class: "stat-sub" }, sub) : null);
  }

  function buildStats() {
    const s = DATA.stats;
    const share = s.chars ? s.reused_chars / s.chars : 0;
    const content = s.chars ? s.content_chars / s.chars : 0;
    const cards = [
      statCard(NUM.format(s.articles), "articles",
        NUM.format(s.with_reuse) + " with reused text"),
      statCard(pct(share), "of all text is reused",
        pct(content) + " without boilerplate · " + NUM.format(s.chars) + " chars"),
      statCard(NUM.format(s.clusters - s.boilerplate_clusters), "reused passages",
        "clusters of matching text, " + NUM.format(s.spans) + " occurrences"),
      statCard(NUM.format(s.boilerplate_clusters), "boilerplate passages",
        NUM.format(s.boilerplate_spans) + " occurrences"),
    ];
    if (DATA.hasSources) cards.push(statCard(NUM.format(s.outlets), "outlets", null));
    $("#stats").replaceChildren(...cards);
  }

  /* articles table: sortable, filterable, paginated */

  const COLUMNS = [
    { key: "id", label: "Article", num: false },
    { key: "source", label: "Outlet", num: false },
    { key: "date", label: "Date", num: false },
    { key: "reused", label: "Reused share", num: true },
    { key: "spans", label: "Passages", num: true },
    { key: "length", label: "Length", num: true },
  ];
  const table = { key: "reused", dir: -1, page: 0, filter: "", rows: [] };

  function sortValue(i, key) {
    const d = DOCS[i];
    if (key === "spans") return d.spans.length;
    return d[key];
  }

  function applyTable() {
    const f = table.filter.trim().toLowerCase();
    let rows = REAL;
    if (f) {
      rows = REAL.filter((i) => {
        const d = DOCS[i];
        return d.id.toLowerCase().includes(f) ||
          (d.source != null && d.source.toLowerCase().includes(f)) ||
          (d.date != null && d.date.toLowerCase().includes(f));
      });
    }
    const { key, dir } = table;
    const num = COLUMNS.find((c) => c.key === key).num;
    const values = new Map(rows.map((i) => [i, sortValue(i, key)]));
    table.rows = rows.slice().sort((a, b) => {
      const va = values.get(a), vb = values.get(b);
      if (va == null || vb == null) {
        if (va == null && vb == null) return a - b;
        return va == null ? 1 : -1; // missing values last, whatever the direction
      }
      const c = num ? va - vb : COLLATOR.compare(va, vb);
      return c !== 0 ? c * dir : a - b;
    });
    renderTable();
  }

  function buildTable() {
    const head = $("#articles-head");
    head.replaceChildren(el("tr", null, COLUMNS.map((col) =>
      el("th", { scope: "col", "data-key": col.key, class: col.num ? "num" : null },
        el("button", { type: "button", class: "sort", onclick: () => sortBy(col.key) },
          col.label, el("span", { class: "sort-ind", "aria-hidden": "true" }))))));
    const filter = $("#articles-filter");
    let timer = 0;
    filter.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        table.filter = filter.value;
        table.page = 0;
        applyTable();
      }, 120);
    });
    $("#page-prev").addEventListener("click", () => turnPage(-1));
    $("#page-next").addEventListener("click", () => turnPage(1));
    applyTable();
  }

  function sortBy(key) {
    if (table.key === key) table.dir = -table.dir;
    else {
      table.key = key;
      table.dir = COLUMNS.find((c) => c.key === key).num ? -1 : 1;
    }
    table.page = 0;
    applyTable();
  }

  function turnPage(step) {
    const pages = Math.max(1, Math.ceil(table.rows.length / PAGE_SIZE));
    table.page = Math.min(pages - 1, Math.max(0, table.page + step));
    renderTable();
  }

  function renderTable() {
    for (const th of document.querySelectorAll("#articles-head th")) {
      const active = th.getAttribute("data-key") === table.key;
      th.setAttribute("aria-sort", active ? (table.dir > 0 ? "ascending" : "descending") : "none");
      th.querySelector(".sort-ind").textContent = active ? (table.dir > 0 ? "▲" : "▼") : "";
    }
    const start = table.page * PAGE_SIZE;
    const page = table.rows.slice(start, start + PAGE_SIZE);
    $("#articles-body").replaceChildren(...page.map((i) => {
      const d = DOCS[i];
      return el("tr", null,
        el("td", { class: "col-id" }, docLink(i)),
        el("td", { class: "col-source" }, d.source != null ? d.source : "—"),
        el("td", { class: "col-date" }, d.date != null ? d.date : "—"),
        el("td", { class: "num col-reused" },
          el("span", { class: "bar", "aria-hidden": "true" },
            el("span", { style: { width: (100 * d.reused).toFixed(1) + "%" } })),
          pct(d.reused)),
        el("td", { class: "num" }, NUM.format(d.spans.length)),
        el("td", { class: "num" }, NUM.format(d.length)));
    }));
    const pages = Math.max(1, Math.ceil(table.rows.length / PAGE_SIZE));
    $("#page-info").textContent = "Page " + NUM.format(table.page + 1) + " of " + NUM.format(pages) +
      " · " + plural(table.rows.length, "article") +
      (table.rows.length !== REAL.length ? " of " + NUM.format(REAL.length) : "");
    $("#page-prev").disabled = table.page === 0;
    $("#page-next").disabled = table.page >= pages - 1;
  }

  /* most reused passages */

  let clusterOrder = null;
  let clustersShown = CLUSTERS_SHOWN;

  function clusterDocs(ci) {
    const c = CLUSTERS[ci];
    const seen = new Set();
    const docs = [];
    for (const [d] of c.m) if (!seen.has(d)) { seen.add(d); docs.push(d); }
    docs.sort((a, b) => {
      if (a === c.o) return -1;
      if (b === c.o) return 1;
      const da = DOCS[a].date, db = DOCS[b].date;
      if (da != null && db != null && da !== db) return da < db ? -1 : 1;
      if ((da == null) !== (db == null)) return da == null ? 1 : -1;
      return a - b;
    });
    return docs;
  }

  function buildClusters() {
    clusterOrder = CLUSTERS.map((_, ci) => ci).sort((a, b) =>
      CLUSTERS[b].n - CLUSTERS[a].n || CLUSTERS[b].len - CLUSTERS[a].len || a - b);
    const toggle = $("#bp-toggle");
    const nbp = CLUSTERS.filter((c) => c.b).length;
    $("#bp-count").textContent = "(" + NUM.format(nbp) + ")";
    toggle.addEventListener("change", () => { clustersShown = CLUSTERS_SHOWN; renderClusters(); });
    $("#clusters-more").addEventListener("click", () => { clustersShown += CLUSTERS_SHOWN; renderClusters(); });
    renderClusters();
  }

  function renderClusters() {
    const withBp = $("#bp-toggle").checked;
    const order = clusterOrder.filter((ci) => withBp || !CLUSTERS[ci].b);
    const list = $("#clusters");
    list.replaceChildren(...order.slice(0, clustersShown).map(clusterCard));
    if (!order.length) list.append(el("li", { class: "empty" }, "No reused passages found."));
    const more = $("#clusters-more");
    more.hidden = order.length <= clustersShown;
    more.textContent = "Show more passages (" + NUM.format(order.length - clustersShown) + " left)";
  }

  function clusterCard(ci) {
    const c = CLUSTERS[ci];
    const docs = clusterDocs(ci);
    const members = el("ul", { class: "members" });
    const addMembers = (from, to) => {
      for (const d of docs.slice(from, to)) {
        const meta = docMeta(d);
        members.append(el("li", null, docLink(d, ci),
          d === c.o ? badge("★ origin", "origin") : null,
          meta ? el("span", { class: "meta" }, " " + meta) : null));
      }
    };
    addMembers(0, MEMBERS_SHOWN);
    let showAll = null;
    if (docs.length > MEMBERS_SHOWN) {
      showAll = el("button", { type: "button", class: "link-button",
        onclick: () => { addMembers(MEMBERS_SHOWN, docs.length); showAll.remove(); } },
        "Show all " + NUM.format(docs.length) + " articles");
    }
    return el("li", { class: "cluster" + (c.b ? " boiler" : ""), style: { "--hue": hue(ci) } },
      el("div", { class: "cluster-head" },
        el("span", { class: "swatch", "aria-hidden": "true" }),
        el("strong", null, plural(c.n, "article")),
        el("span", { class: "meta" }, " · " + NUM.format(c.len) + " chars · cluster "),
        el("code", null, c.id),
        c.b ? badge("boilerplate", "boiler") : null,
        c.o == null && !c.b ? badge("origin unknown", "shared") : null),
      el("blockquote", { class: "excerpt" }, c.ex),
      members, showAll);
  }

  /* who copies from whom: circular node-link diagram */

  const SHARED_PAIRS_MAX_DOCS = 12; // clusters larger than this add no "shared" lines

  function flowModel() {
    const byKey = new Map();
    const nodeOf = (i) => {
      const d = DOCS[i];
      const key = DATA.hasSources ? "s:" + (d.source != null ? d.source : "") : "d:" + i;
      let node = byKey.get(key);
      if (!node) {
        node = { key: key, doc: DATA.hasSources ? null : i, out: 0, in: 0, shared: 0, self: 0, articles: 0,
          label: DATA.hasSources ? (d.source != null ? d.source : "(no outlet)") : d.id };
        byKey.set(key, node);
      }
      return node;
    };
    for (const i of REAL) nodeOf(i).articles += 1;
    const edges = new Map();
    const edge = (a, b, directed) => {
      const k = (directed ? ">" : "=") + a.key + "\u0000" + b.key;
      let e = edges.get(k);
      if (!e) edges.set(k, (e = { from: a, to: b, w: 0, directed: directed }));
      e.w += 1;
    };
    for (const c of CLUSTERS) {
      if (c.b) continue;
      const docs = [...new Set(c.m.map(([d]) => d))];
      if (c.o != null) {
        const from = nodeOf(c.o);
        for (const d of docs) {
          if (d === c.o) continue;
          const to = nodeOf(d);
          if (to === from) { from.self += 1; continue; }
          edge(from, to, true);
          from.out += 1;
          to.in += 1;
        }
      } else if (docs.length <= SHARED_PAIRS_MAX_DOCS) {
        const nodes = [...new Set(docs.map(nodeOf))].sort((a, b) => (a.key < b.key ? -1 : 1));
        for (let x = 0; x < nodes.length; x++) {
          for (let y = x + 1; y < nodes.length; y++) {
            edge(nodes[x], nodes[y], false);
            nodes[x].shared += 1;
            nodes[y].shared += 1;
          }
        }
      }
    }
    return { nodes: [...byKey.values()], edges: [...edges.values()] };
  }

  function buildGraph() {
    const { nodes, edges } = flowModel();
    const root = $("#flow-svg");
    const caption = $("#flow-caption");
    const list = $("#flow-list");
    const unit = DATA.hasSources ? "outlet" : "article";
    const weight = (n) => n.out + n.in + n.shared;
    const byWeight = (a, b) => weight(b) - weight(a) || b.articles - a.articles || COLLATOR.compare(a.label, b.label);
    const linked = nodes.filter((n) => weight(n) > 0).sort(byWeight);
    if (!edges.length) {
      root.remove();
      caption.textContent = "No passage is shared between two different " + unit + "s, so there is nothing to draw.";
      return;
    }
    // every node when they all fit, otherwise the most connected ones
    const active = (nodes.length <= GRAPH_MAX_NODES ? nodes.slice().sort(byWeight) : linked.slice(0, GRAPH_MAX_NODES));
    const shown = new Set(active);
    const among = edges.filter((e) => shown.has(e.from) && shown.has(e.to));
    // the strongest links only, copies (known origin) first; drawn weakest first so strong ones are on top
    const drawn = among.slice().sort((a, b) => (b.directed - a.directed) || b.w - a.w).slice(0, GRAPH_MAX_EDGES)
      .sort((a, b) => (a.directed - b.directed) || a.w - b.w);
    caption.textContent = "Arrows point from the " + unit + " where a passage most likely appeared first to one " +
      "that carries it; dashed lines join " + unit + "s sharing passages of unknown origin. Thicker means more passages." +
      (linked.length > active.length ? " Showing the " + active.length + " most connected of " + NUM.format(linked.length) + " " + unit + "s" : "") +
      (among.length > drawn.length ? (linked.length > active.length ? " and the " : " Showing the ") + drawn.length + " strongest of their " +
        NUM.format(among.length) + " links." : linked.length > active.length ? "." : "");

    const R = Math.min(175, 70 + active.length * 15);
    const W = 680, H = 2 * R + 100, cx = W / 2, cy = H / 2;
    const maxArticles = Math.max(...active.map((n) => n.articles), 1);
    const maxW = Math.max(...drawn.map((e) => e.w), 1);
    active.forEach((n, k) => {
      const a = -Math.PI / 2 + (2 * Math.PI * k) / active.length;
      n.x = cx + R * Math.cos(a);
      n.y = cy + R * Math.sin(a);
      n.angle = a;
      n.r = 6 + 9 * Math.sqrt(n.articles / maxArticles);
    });
    root.setAttribute("viewBox", "0 0 " + W + " " + H);
    const defs = svg("defs", null,
      svg("marker", { id: "flow-arrow", viewBox: "0 0 10 10", refX: 8, refY: 5, markerWidth: 10,
        markerHeight: 10, markerUnits: "userSpaceOnUse", orient: "auto" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" })));
    const edgeLayer = svg("g", { class: "edges" });
    const nodeLayer = svg("g", { class: "nodes" });
    const unitVec = (x, y) => { const l = Math.hypot(x, y) || 1; return [x / l, y / l]; };
    for (const e of drawn) {
      const { from: a, to: b } = e;
      const width = (1.2 + 5 * Math.sqrt(e.w / maxW)).toFixed(2);
      let d;
      if (e.directed) {
        // a gentle curve, bending right of the direction, so a->b and b->a stay apart
        const dx = b.x - a.x, dy = b.y - a.y;
        const qx = (a.x + b.x) / 2 - dy * 0.16, qy = (a.y + b.y) / 2 + dx * 0.16;
        const [ux, uy] = unitVec(qx - a.x, qy - a.y);
        const [vx, vy] = unitVec(b.x - qx, b.y - qy);
        const sx = a.x + ux * (a.r + 2), sy = a.y + uy * (a.r + 2);
        const ex = b.x - vx * (b.r + 3), ey = b.y - vy * (b.r + 3);
        d = "M" + sx.toFixed(1) + "," + sy.toFixed(1) + " Q" + qx.toFixed(1) + "," + qy.toFixed(1) +
          " " + ex.toFixed(1) + "," + ey.toFixed(1);
      } else {
        d = "M" + a.x.toFixed(1) + "," + a.y.toFixed(1) + " L" + b.x.toFixed(1) + "," + b.y.toFixed(1);
      }
      const path = svg("path", {
        class: e.directed ? "edge" : "edge shared", d: d, "stroke-width": width,
        "marker-end": e.directed ? "url(#flow-arrow)" : null,
      }, svg("title", null, a.label + (e.directed ? " → " : " ↔ ") + b.label + ": " + plural(e.w, "passage") +
        (e.directed ? "" : " (origin unknown)")));
      e.path = path;
      edgeLayer.append(path);
    }
    for (const n of active) {
      const cos = Math.cos(n.angle), sin = Math.sin(n.angle);
      const anchor = Math.abs(cos) < 0.12 ? "middle" : cos > 0 ? "start" : "end";
      const lx = n.x + cos * (n.r + 6);
      const ly = n.y + sin * (n.r + 6) + (anchor === "middle" ? (sin < 0 ? -2 : 12) : 4);
      const g = svg("g", { class: "node" + (weight(n) ? "" : " isolated"), tabindex: 0,
        role: n.doc != null ? "link" : "button",
        "aria-label": n.label + ": " + plural(n.out, "passage") + " copied from it, " + plural(n.in, "copy", "copies") +
          " of passages from elsewhere" },
        svg("title", null, n.label + "\n" + plural(n.articles, "article") + "\ncopied from it: " +
          plural(n.out, "passage") + "\ncopies from elsewhere: " + plural(n.in, "passage") +
          (n.shared ? "\nshared, origin unknown: " + plural(n.shared, "link") : "") +
          (n.self ? "\nreused within itself: " + plural(n.self, "passage") : "")),
        svg("circle", { cx: n.x.toFixed(1), cy: n.y.toFixed(1), r: n.r.toFixed(1) }),
        svg("text", { x: lx.toFixed(1), y: ly.toFixed(1), "text-anchor": anchor }, truncate(n.label, 22)));
      const focusOn = () => {
        root.classList.add("focusing");
        for (const e of drawn) e.path.classList.toggle("hot", e.from === n || e.to === n);
        g.classList.add("hot");
      };
      const focusOff = () => {
        root.classList.remove("focusing");
        g.classList.remove("hot");
      };
      const activate = () => {
        if (n.doc != null) location.hash = "#/a/" + n.doc;
        else {
          const f = $("#articles-filter");
          f.value = n.label === "(no outlet)" ? "" : n.label;
          table.filter = f.value;
          table.page = 0;
          applyTable();
          $("#articles").scrollIntoView({ block: "start" });
        }
      };
      g.addEventListener("mouseenter", focusOn);
      g.addEventListener("mouseleave", focusOff);
      g.addEventListener("focus", focusOn);
      g.addEventListener("blur", focusOff);
      g.addEventListener("click", activate);
      g.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); activate(); }
      });
      nodeLayer.append(g);
    }
    root.replaceChildren(defs, edgeLayer, nodeLayer);

    const top = edges.slice().sort((a, b) => (b.directed - a.directed) || b.w - a.w).slice(0, 8);
    const end = (n) => (n.doc != null ? docLink(n.doc) : el("span", { class: "outlet" }, n.label));
    list.replaceChildren(...top.map((e) => el("li", null, end(e.from),
      el("span", { class: "arrow" }, e.directed ? " → " : " ↔ "), end(e.to),
      el("span", { class: "meta" }, " " + plural(e.w, "passage") + (e.directed ? "" : ", origin unknown")))));
  }

  /* --------------------------------------------------------- article view */

  function renderArticle(view, i) {
    const d = DOCS[i];
    const text = textOf(i);
    current = { doc: i, span: -1, match: 0 };

    const title = el("h2", { id: "article-title", tabindex: -1 }, d.id);
    const meta = [d.source, d.date, NUM.format(d.length) + " characters", pct(d.reused) + " reused"]
      .filter((x) => x != null).join(" · ");

    const copiedFrom = new Map(), copiedBy = new Map();
    for (const sp of d.spans) {
      if (sp.b) continue;
      if (sp.r === "copy" && sp.o != null && sp.o !== i) copiedFrom.set(sp.o, (copiedFrom.get(sp.o) || 0) + 1);
      if (sp.r === "origin") {
        const seen = new Set();
        for (const [j] of matchesOf(i, sp)) {
          if (j === i || seen.has(j)) continue;
          seen.add(j);
          copiedBy.set(j, (copiedBy.get(j) || 0) + 1);
        }
      }
    }
    const relation = (label, entries, fmt) => entries.length ? el("div", { class: "relation" },
      el("span", { class: "relation-label" }, label),
      el("ul", { class: "inline-list" }, entries.map(([j, v]) => el("li", null, docLink(j), el("span", { class: "meta" }, " " + fmt(v)))))) : null;
    const sortEntries = (m) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 30);

    const header = el("header", { class: "article-head" },
      el("a", { class: "back", href: "#/" }, "← Overview"),
      title,
      el("p", { class: "meta" }, meta),
      relation("Copied from", sortEntries(copiedFrom), (v) => plural(v, "passage")),
      relation("Copied by", sortEntries(copiedBy), (v) => plural(v, "passage")),
      relation("Near-duplicates", d.near.slice(0, 30), (v) => "similarity " + sim(v)),
      legend());

    const body = el("div", { class: "doc-text", id: "doc-text", "aria-label": "Article text" });
    if (text == null) {
      body.append(el("p", { class: "empty" }, "The text of this article is not included in the report."));
    } else {
      let pos = 0;
      const frag = document.createDocumentFragment();
      d.spans.forEach((sp, k) => {
        if (sp.s > pos) frag.append(text.slice(pos, sp.s));
        const c = CLUSTERS[sp.c];
        const cls = "hl role-" + sp.r + (sp.b ? " boiler" : "");
        frag.append(el("mark", {
          class: cls, tabindex: 0, role: "button", "aria-pressed": "false", "data-k": k,
          "aria-label": "Reused passage " + (k + 1) + " of " + d.spans.length + ", " + ROLE_LABEL[sp.r] +
            (sp.b ? ", boilerplate" : "") + ", in " + plural(c.n, "article") + ". Press Enter to compare.",
          title: (sp.b ? "Boilerplate · " : "") + ROLE_LABEL[sp.r] + " · in " + plural(c.n, "article") +
            " · click to compare",
          style: { "--hue": hue(sp.c) },
        }, text.slice(sp.s, sp.e)));
        pos = Math.max(pos, sp.e);
      });
      if (pos < text.length) frag.append(text.slice(pos));
      body.append(frag);
    }
    body.addEventListener("click", (ev) => {
      const mark = ev.target.closest("mark.hl");
      if (mark) selectSpan(Number(mark.getAttribute("data-k")), 0);
    });
    body.addEventListener("keydown", (ev) => {
      const mark = ev.target.closest("mark.hl");
      if (mark && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        selectSpan(Number(mark.getAttribute("data-k")), 0);
      }
    });

    const aside = el("aside", { class: "compare", id: "compare", "aria-live": "polite", "aria-label": "Comparison" });
    view.replaceChildren(header, el("div", { class: "article-grid" },
      el("section", { class: "doc-pane" }, body), aside));
    renderCompareHint(aside, i);
  }

  function legend() {
    const item = (cls, label) => el("li", null, el("mark", { class: "hl " + cls, style: { "--hue": 205 } }, "text"), " " + label);
    return el("ul", { class: "legend", "aria-label": "Legend" },
      item("role-origin", "likely origin of the passage"),
      item("role-copy", "copied from elsewhere"),
      item("role-shared", "shared, origin unknown"),
      item("role-shared boiler", "boilerplate"));
  }

  function renderCompareHint(aside, i) {
    const d = DOCS[i];
    if (!d.spans.length) {
      aside.replaceChildren(el("p", { class: "hint" }, "No reused passages were found in this article."));
      return;
    }
    aside.replaceChildren(
      el("p", { class: "hint" }, "Select a highlighted passage (click, or Tab then Enter) to compare it side by side with the matching text."),
      el("ol", { class: "span-list" }, d.spans.map((sp, k) => el("li", { style: { "--hue": hue(sp.c) } },
        el("button", { type: "button", class: "link-button", onclick: () => selectSpan(k, 0, true) },
          truncate((textOf(i) || "").slice(sp.s, sp.e).replace(/\s+/g, " ").trim(), 90)),
        el("span", { class: "meta" }, " " + ROLE_LABEL[sp.r] + (sp.b ? ", boilerplate" : "") +
          " · " + plural(CLUSTERS[sp.c].n, "article"))))));
  }

  /* Matches of a span; when the report lists none, the other members of its cluster. */
  function matchesOf(i, sp) {
    if (sp.m.length) return sp.m;
    return CLUSTERS[sp.c].m.filter(([j]) => j !== i).slice(0, 50).map(([j, s, e]) => [j, s, e, null]);
  }

  function spanAt(j, ci, s) {
    const spans = DOCS[j] ? DOCS[j].spans : [];
    return spans.find((sp) => sp.c === ci && sp.s <= s && s < sp.e) || spans.find((sp) => sp.c === ci) || null;
  }

  function selectSpan(k, mi, scroll) {
    if (!current) return;
    const i = current.doc;
    const view = $("#view-article");
    for (const m of view.querySelectorAll("mark.hl[aria-pressed=true]")) {
      m.setAttribute("aria-pressed", "false");
      m.classList.remove("selected");
    }
    const mark = view.querySelector('mark.hl[data-k="' + k + '"]');
    if (mark) {
      mark.setAttribute("aria-pressed", "true");
      mark.classList.add("selected");
      if (scroll) mark.scrollIntoView({ block: "center", behavior: "smooth" });
    }
    current.span = k;
    current.match = mi;
    const sp = DOCS[i].spans[k];
    history.replaceState(null, "", "#/a/" + i + "/c/" + sp.c);
    renderCompare($("#compare"), i, sp, mi);
    const aside = $("#compare");
    if (aside.getBoundingClientRect().top > window.innerHeight) aside.scrollIntoView({ block: "start" });
  }

  function renderCompare(aside, i, sp, mi) {
    const c = CLUSTERS[sp.c];
    const text = textOf(i);
    const matches = matchesOf(i, sp);
    const match = matches[Math.min(mi, matches.length - 1)];
    const k = current.span;

    const head = el("div", { class: "compare-head", style: { "--hue": hue(sp.c) } },
      el("h3", null, el("span", { class: "swatch", "aria-hidden": "true" }),
        "Passage " + (current.span + 1) + " of " + DOCS[i].spans.length),
      el("p", { class: "meta" },
        badge(ROLE_LABEL[sp.r], sp.r), sp.b ? badge("boilerplate", "boiler") : null,
        " in " + plural(c.n, "article") + " · similarity " + sim(sp.sim) + " · cluster ", el("code", null, c.id)),
      sp.o != null ? el("p", { class: "meta" }, "Likely origin: ", sp.o === i ? "this article" : docLink(sp.o, sp.c),
        sp.o !== i && docMeta(sp.o) ? " (" + docMeta(sp.o) + ")" : "") : null,
      sp.f ? el("p", { class: "meta" }, "First seen in ", sp.f[0] === i ? "this article" : docLink(sp.f[0], sp.c),
        ", " + sp.f[1]) : null,
      el("button", { type: "button", class: "close", "aria-label": "Close comparison",
        onclick: () => closeCompare(k) }, "×"));

    let tabs = null;
    if (matches.length > 1) {
      tabs = el("div", { class: "match-tabs", role: "tablist", "aria-label": "Matching passages" },
        matches.map(([j, , , s], n) => el("button", {
          type: "button", role: "tab", class: "match-tab", "aria-selected": n === mi ? "true" : "false",
          onclick: () => selectSpan(k, n),
        }, truncate(DOCS[j].id, 28), el("span", { class: "meta" }, s != null ? " " + sim(s) : ""))));
      if (sp.more) tabs.append(el("span", { class: "meta" }, " +" + NUM.format(sp.more) + " more"));
    }

    if (!match) {
      aside.replaceChildren(head, el("p", { class: "hint" }, "The report lists no matching passage for this one."));
      return;
    }
    const [j, ms, me, msim] = match;
    const other = textOf(j);
    const left = text == null ? "" : text.slice(sp.s, sp.e);
    const right = other == null ? null : other.slice(ms, me);
    const otherSpan = spanAt(j, sp.c, ms);

    const sideHead = (label, doc, role, simv) => el("div", { class: "side-head" },
      el("div", { class: "side-label" }, label),
      el("div", { class: "side-doc" }, doc === i ? el("strong", null, DOCS[i].id) : docLink(doc, sp.c)),
      el("div", { class: "meta" }, [docMeta(doc), role ? ROLE_LABEL[role] : null, simv != null ? "similarity " + sim(simv) : null]
        .filter((x) => x).join(" · ")));

    let leftBody, rightBody, summary;
    if (right == null) {
      leftBody = passageView(text, sp.s, sp.e, null, "del");
      rightBody = el("p", { class: "empty" }, "The text of this article is not included in the report.");
      summary = "";
    } else {
      const diff = wordDiff(left, right);
      leftBody = passageView(text, sp.s, sp.e, diff.a, "del");
      rightBody = passageView(other, ms, me, diff.b, "ins");
      summary = diff.tooLong ? "Passages too long for a word-level comparison."
        : diff.changedA + diff.changedB === 0 ? "Same words in the same order" + (left === right ? "." : " (spacing or line breaks differ).")
          : NUM.format(diff.changedA) + " words only here, " + NUM.format(diff.changedB) + " words only there · " +
            NUM.format(diff.common) + " in common.";
    }
    put(aside, head, tabs,
      el("div", { class: "sbs", style: { "--hue": hue(sp.c) } },
        el("div", { class: "side side-this" }, sideHead("This article", i, sp.r, null), leftBody),
        el("div", { class: "side side-other" }, sideHead("Matching text", j, otherSpan ? otherSpan.r : null, msim), rightBody)),
      el("p", { class: "diff-summary" }, summary, " ",
        el("del", { class: "diff-del sample" }, "only in this article"), " ",
        el("ins", { class: "diff-ins sample" }, "only in the other")));
  }

  function closeCompare(k) {
    if (!current) return;
    const view = $("#view-article");
    for (const m of view.querySelectorAll("mark.hl[aria-pressed=true]")) {
      m.setAttribute("aria-pressed", "false");
      m.classList.remove("selected");
    }
    current.span = -1;
    history.replaceState(null, "", "#/a/" + current.doc);
    renderCompareHint($("#compare"), current.doc);
    const mark = view.querySelector('mark.hl[data-k="' + k + '"]');
    if (mark) mark.focus();
  }

  /* A passage with a little context around it, changed words wrapped in <del>/<ins>. */
  function passageView(text, s, e, pieces, tag) {
    const box = el("div", { class: "passage" });
    if (text == null) return box;
    let before = text.slice(Math.max(0, s - CONTEXT_CHARS), s);
    let after = text.slice(e, e + CONTEXT_CHARS);
    if (s > CONTEXT_CHARS) before = "…" + before.replace(/^\S*\s/, "");
    if (e + CONTEXT_CHARS < text.length) after = after.replace(/\s\S*$/, "") + "…";
    const core = el("span", { class: "core" });
    if (!pieces) core.textContent = text.slice(s, e);
    else {
      for (const p of pieces) {
        if (p.changed) core.append(el(tag, { class: tag === "del" ? "diff-del" : "diff-ins" }, p.text));
        else core.append(p.text);
      }
    }
    box.append(el("span", { class: "ctx" }, before), core, el("span", { class: "ctx" }, after));
    return box;
  }

  /* ------------------------------------------------------------ word diff */

  function tokenize(str) {
    return str.match(/\s+|[^\s]+/g) || [];
  }

  /* Word-level diff: LCS over the words (whitespace is kept but not compared).
   * Returns, for each side, pieces {text, changed} covering the whole input. */
  function wordDiff(a, b) {
    const ta = tokenize(a), tb = tokenize(b);
    const wa = [], wb = [];
    ta.forEach((t, k) => { if (!/^\s/.test(t)) wa.push(k); });
    tb.forEach((t, k) => { if (!/^\s/.test(t)) wb.push(k); });
    const n = wa.length, m = wb.length;
    const keepA = new Uint8Array(n), keepB = new Uint8Array(m);
    let lo = 0;
    while (lo < n && lo < m && ta[wa[lo]] === tb[wb[lo]]) { keepA[lo] = keepB[lo] = 1; lo++; }
    let hiA = n, hiB = m;
    while (hiA > lo && hiB > lo && ta[wa[hiA - 1]] === tb[wb[hiB - 1]]) { hiA--; hiB--; keepA[hiA] = keepB[hiB] = 1; }
    const rows = hiA - lo, cols = hiB - lo;
    let tooLong = false;
    if (rows && cols) {
      if (rows * cols > DIFF_MAX_CELLS) tooLong = true;
      else {
        // L[x][y] = LCS length of words lo+x.. and lo+y.. (suffix table, row-major)
        const W = cols + 1;
        const L = new Uint32Array((rows + 1) * W);
        for (let x = rows - 1; x >= 0; x--) {
          const wx = ta[wa[lo + x]];
          for (let y = cols - 1; y >= 0; y--) {
            L[x * W + y] = wx === tb[wb[lo + y]] ? L[(x + 1) * W + y + 1] + 1
              : Math.max(L[(x + 1) * W + y], L[x * W + y + 1]);
          }
        }
        let x = 0, y = 0;
        while (x < rows && y < cols) {
          if (ta[wa[lo + x]] === tb[wb[lo + y]]) { keepA[lo + x] = keepB[lo + y] = 1; x++; y++; }
          else if (L[(x + 1) * W + y] >= L[x * W + y + 1]) x++;
          else y++;
        }
      }
    }
    let common = 0;
    for (let x = 0; x < n; x++) common += keepA[x];
    return {
      a: pieces(ta, wa, keepA), b: pieces(tb, wb, keepB), tooLong: tooLong,
      common: common, changedA: n - common, changedB: m - common,
    };
  }

  /* Merge tokens into runs of unchanged / changed text; whitespace between two
   * changed words belongs to the changed run. */
  function pieces(tokens, words, keep) {
    const changedTok = new Uint8Array(tokens.length);
    words.forEach((t, k) => { if (!keep[k]) changedTok[t] = 1; });
    for (let t = 1; t < tokens.length - 1; t++) {
      if (/^\s/.test(tokens[t]) && changedTok[t - 1] && changedTok[t + 1]) changedTok[t] = 1;
    }
    const out = [];
    for (let t = 0; t < tokens.length; t++) {
      const changed = changedTok[t] === 1;
      const last = out[out.length - 1];
      if (last && last.changed === changed) last.text += tokens[t];
      else out.push({ text: tokens[t], changed: changed });
    }
    return out;
  }

  /* ---------------------------------------------------------------- start */

  function init() {
    SVGNS = document.getElementById("flow-svg").namespaceURI;
    DATA = readJSON("dedup-data");
    DOCS = DATA.documents;
    CLUSTERS = DATA.clusters;
    REAL = [];
    DOCS.forEach((d, i) => { if (!d.stub) REAL.push(i); });
    $("#report-title").textContent = DATA.title;
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && current && current.span >= 0) closeCompare(current.span);
    });
    window.addEventListener("hashchange", route);
    route();
    $("#loading").remove();
    document.documentElement.setAttribute("data-ready", "1");
    window.__dedupReady = true;
  }

  init();
})();

// The dashboard: one self-contained page (no build step, no third-party code) that polls the JSON views and follows
// the live events. Its script avoids template literals so that it can sit in this one.
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>DSCS node</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 0; background: #0f1419; color: #d8dee9; }
  header { padding: 10px 16px; background: #1b222c; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 16px; margin: 0; }
  main { display: grid; grid-template-columns: 420px 1fr; gap: 12px; padding: 12px; }
  section { background: #1b222c; border-radius: 6px; padding: 10px 12px; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: #8fa1b3; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 2px 6px; border-bottom: 1px solid #2a3441; font-variant-numeric: tabular-nums; }
  .mono { font-family: ui-monospace, monospace; font-size: 12px; }
  .differs { color: #ebcb8b; }
  .flash { animation: flash 1.5s; }
  @keyframes flash { from { background: #bf616a; } to { background: transparent; } }
  #log { height: 220px; overflow: auto; }
  #log div { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  pre { white-space: pre-wrap; word-break: break-all; margin: 0; }
  progress { width: 160px; }
  .legend span { margin-right: 10px; }
</style>
</head>
<body>
<header><h1>DSCS node</h1><span id="self" class="mono"></span><span id="status">connecting…</span></header>
<main>
  <div>
    <section><h2>Peers</h2>
      <svg id="graph" width="396" height="300" viewBox="-200 -150 400 300" role="img" aria-label="peer graph"></svg>
      <div class="legend"><span style="color:#a3be8c">● &lt; 10 ms</span><span style="color:#ebcb8b">● &lt; 100 ms</span><span style="color:#bf616a">● slower</span><span style="color:#4c566a">● unreachable</span></div>
      <table id="peers"></table>
    </section>
    <section><h2>Partition</h2><div id="partitions">not running</div></section>
    <section><h2>Trust</h2><div id="trust">not running</div></section>
  </div>
  <div>
    <section><h2>State: predicted and confirmed</h2><table id="state"></table></section>
    <section><h2>Transfers</h2><table id="transfers"></table></section>
    <section><h2>Live events</h2><div id="log" class="mono"></div></section>
  </div>
</main>
<script>
"use strict";
var token = new URLSearchParams(location.search).get("token");
var auth = token ? { headers: { authorization: "Bearer " + token } } : {};
var $ = function (id) { return document.getElementById(id); };
var esc = function (v) { return String(v).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); };
var short = function (id) { return id.length > 14 ? id.slice(0, 6) + "…" + id.slice(-6) : id; };
var views = [];
var previous = {};

function get(view) { return fetch("/api/" + view, auth).then(function (r) { return r.ok ? r.json() : null; }); }
function rttColour(ms) { return ms === null ? "#4c566a" : ms < 10 ? "#a3be8c" : ms < 100 ? "#ebcb8b" : "#bf616a"; }

function drawGraph(peers, partition) {
  var members = peers.map(function (p) { return { id: p.peer, rtt: p.rttMs, up: true }; });
  if (partition && partition.members) partition.members.forEach(function (m) {
    if (!members.some(function (x) { return x.id === m.peer; })) members.push({ id: m.peer, rtt: null, up: false });
  });
  var svg = '<circle cx="0" cy="0" r="10" fill="#88c0d0"><title>this node</title></circle>';
  members.forEach(function (m, i) {
    var a = (2 * Math.PI * i) / Math.max(members.length, 1), x = 120 * Math.cos(a), y = 110 * Math.sin(a);
    var colour = m.up ? rttColour(m.rtt) : "#4c566a";
    svg += '<line x1="0" y1="0" x2="' + x + '" y2="' + y + '" stroke="' + colour + '" stroke-width="2"' + (m.up ? "" : ' stroke-dasharray="4 4"') + "/>";
    svg += '<circle class="peer" data-peer="' + esc(m.id) + '" cx="' + x + '" cy="' + y + '" r="7" fill="' + colour + '"><title>' + esc(m.id) + "</title></circle>";
    svg += '<text x="' + x + '" y="' + (y + 18) + '" fill="#8fa1b3" font-size="10" text-anchor="middle">' + esc(short(m.id)) + (m.rtt === null ? "" : " " + m.rtt + " ms") + "</text>";
  });
  $("graph").innerHTML = svg;
}

function drawPeers(peers) {
  // The routing optimizer's columns, when the node runs it: its score, and the RTT the Vivaldi coordinates predict.
  var routed = peers.some(function (p) { return p.routing; });
  var ms = function (v) { return v === null || v === undefined ? "–" : v.toFixed(1) + " ms"; };
  $("peers").innerHTML = "<tr><th>peer</th><th>rtt</th><th>score</th>" + (routed ? "<th>routing score</th><th>predicted rtt</th>" : "") + "<th>penalties</th></tr>" + peers.map(function (p) {
    var routing = routed ? '<td class="routing-score">' + (p.routing ? p.routing.score.toFixed(2) : "–") + '</td><td class="predicted-rtt">' + ms(p.routing && p.routing.predictedRttMs) + "</td>" : "";
    return '<tr data-peer="' + esc(p.peer) + '"><td class="mono">' + esc(short(p.peer)) + "</td><td>" + (p.rttMs === null ? "–" : p.rttMs + " ms") + "</td><td>" + p.gossipScore.toFixed(1) + "</td>" + routing + "<td>" + esc(JSON.stringify(p.penalties)) + "</td></tr>";
  }).join("");
}

function drawState(state) {
  if (!state) { $("state").innerHTML = "<tr><td>no state domain</td></tr>"; return; }
  var rows = "<tr><th>domain</th><th>value</th><th>predicted</th><th>confirmed</th></tr>";
  state.domains.forEach(function (d) {
    Object.keys(d.predicted).forEach(function (key) {
      var p = JSON.stringify(d.predicted[key]), c = JSON.stringify(d.confirmed[key]);
      var id = d.name + "/" + key, changed = previous[id] !== undefined && previous[id] !== p;
      previous[id] = p;
      rows += '<tr data-value="' + esc(id) + '"' + (changed ? ' class="flash"' : "") + "><td>" + esc(d.name) + "</td><td>" + esc(key) + '</td><td class="predicted">' + esc(p) + '</td><td class="confirmed' + (p === c ? "" : " differs") + '">' + esc(c === undefined ? "–" : c) + "</td></tr>";
    });
  });
  $("state").innerHTML = rows;
}

function drawTransfers(transfers) {
  if (!transfers || transfers.length === 0) { $("transfers").innerHTML = "<tr><td>none</td></tr>"; return; }
  $("transfers").innerHTML = "<tr><th>content</th><th>progress</th><th>rate</th><th>peers</th></tr>" + transfers.map(function (t) {
    return '<tr><td class="mono">' + esc(short(t.cid)) + '</td><td><progress max="100" value="' + t.percent + '"></progress> ' + t.percent.toFixed(0) + "%</td><td>" + (t.rate / 1048576).toFixed(1) + " MiB/s</td><td>" + t.peers + "</td></tr>";
  }).join("");
}

function drawObject(id, value) { $(id).innerHTML = value ? '<pre class="mono">' + esc(JSON.stringify(value, null, 1)) + "</pre>" : "not running"; }

// Drawing happens once per frame at most, with the newest data: a node changing 100 times a second must not
// make the page fetch or redraw 100 times a second.
var latest = {}, drawnText = {}, dirty = {}, inFlight = {}, again = {}, queuedEvents = [], frameAsked = false;
var drawers = {
  peers: function () { drawPeers(latest.peers || []); },
  partitions: function () { drawObject("partitions", latest.partitions); },
  state: function () { drawState(latest.state); },
  trust: function () { drawObject("trust", latest.trust); },
  transfers: function () { drawTransfers(latest.transfers); }
};

function askFrame() { if (!frameAsked) { frameAsked = true; requestAnimationFrame(frame); } }

function frame() {
  frameAsked = false;
  if (dirty.peers || dirty.partitions) drawGraph(latest.peers || [], latest.partitions);
  Object.keys(dirty).forEach(function (view) { delete dirty[view]; drawers[view](); });
  if (queuedEvents.length > 0) drawEvents();
}

// One request per view at a time; asked again meanwhile, it fetches once more when the first answers.
function load(view) {
  if (inFlight[view]) { again[view] = true; return; }
  inFlight[view] = true;
  get(view).then(function (value) {
    // An answer the same as the last one is not drawn again: the graph of 50 peers costs a frame's budget.
    var text = JSON.stringify(value);
    if (text !== drawnText[view]) { drawnText[view] = text; latest[view] = value; dirty[view] = true; askFrame(); }
    $("status").textContent = "live";
  })
    .catch(function () { $("status").textContent = "node unreachable"; })
    .then(function () { inFlight[view] = false; if (again[view]) { again[view] = false; load(view); } });
}

// Every view is polled too: the live edits come first, the poll mends any an edit raced with.
function refresh() { Object.keys(drawers).forEach(function (view) { if (view === "peers" || views.indexOf(view) >= 0) load(view); }); }

// A state change's line shows what changed, not the whole state it carries.
function withoutState(key, value) { return key === "state" ? undefined : value; }

// The log keeps the newest 200 events, newest first; older ones that arrived within one frame are never drawn.
function drawEvents() {
  var log = $("log"), lines = document.createDocumentFragment();
  queuedEvents.slice(-200).reverse().forEach(function (e) {
    var line = document.createElement("div");
    line.textContent = new Date(e.at).toLocaleTimeString() + " " + e.event + " " + JSON.stringify(e, withoutState).slice(0, 160);
    if (e.correction) line.className = "differs";
    lines.appendChild(line);
  });
  queuedEvents = [];
  log.prepend(lines);
  while (log.childNodes.length > 200) log.lastChild.remove();
}

// A state change edits the view already drawn, value by value; without a view yet (or edits), the page asks for it.
function follows(updates) {
  if (!latest.state || !updates) return false;
  updates.forEach(function (u) {
    var domain = latest.state.domains.find(function (d) { return d.name === u.domain; });
    if (domain) domain[u.view][u.value] = u.to;
  });
  dirty.state = true;
  askFrame();
  return true;
}

function follow() {
  var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/events" + (token ? "?token=" + encodeURIComponent(token) : ""));
  ws.onmessage = function (m) {
    var e = JSON.parse(m.data);
    queuedEvents.push(e);
    // Bounded while no frame comes (a hidden tab): only the newest 200 are ever drawn.
    if (queuedEvents.length > 400) queuedEvents.splice(0, queuedEvents.length - 200);
    askFrame();
    if (e.event === "state-change") follows(e.updates) || load("state");
  };
  ws.onclose = function () { setTimeout(follow, 2000); };
}

get("node").then(function (n) { views = n.views; $("self").textContent = n.peerId; refresh(); setInterval(refresh, 1000); follow(); });
</script>
</body>
</html>
`

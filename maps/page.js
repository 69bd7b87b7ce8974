(function () {
  'use strict';
  // Every text from the graph reaches the page through textContent or canvas fillText: never parsed.
  var data = JSON.parse(document.getElementById('pbgraph-data').textContent);
  var status = document.getElementById('pbgraph-status');
  var kinds = data.kinds;  // [{id, mark, colour, text, count}]
  var FONT = data.font;
  var TIER_PX = [18, 15, 12, 11, 10];  // label size on screen by tier: top, street, community, grid, the rest
  var TIER_BOLD = [true, true, false, false, false];
  var ALWAYS = 2;  // tiers up to this one are labelled at every zoom; lower ones once there is room
  var ROOM_PX = [0, 0, 0, 130, 34];  // ... which is when their cluster (grids) or neighbours are this far apart
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function tip(pairs) {
    var box = el('div', 'tip');
    pairs.forEach(function (p) {
      var line = el(p[0] ? 'div' : 'b');
      if (p[0]) { line.appendChild(el('span', p[0].charAt(0) === '\u26a0' ? 'k gap' : 'k', p[0] + ': ')); }
      line.appendChild(document.createTextNode(p[1]));
      box.appendChild(line);
    });
    return box;
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    return {id: n.id, x: n.x, y: n.y, shape: n.shape, size: n.size, color: n.color, borderWidth: n.borderWidth,
            shapeProperties: n.shapeProperties, title: tip(n.tip)};
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, i) { return Object.assign({id: i}, e); }));
  var container = document.getElementById('map');
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, data.options);
  var ratio = function () { return network.canvas.pixelRatio || 1; };
  var api = {network: network, nodes: nodes, edges: edges, ready: false, labels: [], kind: null, highlighted: []};
  window.pbgraphMap = api;

  // -- labels: drawn on the canvas at a fixed screen size, most important first, never overlapping ------------
  var order = data.nodes.filter(function (n) { return n.name; }).sort(function (a, b) {
    return a.tier - b.tier || (b.room - a.room) || (a.id < b.id ? -1 : 1);
  });
  var widths = {};
  function measure(ctx, font, text) {
    var key = font + '\u0000' + text;
    if (!(key in widths)) { ctx.font = font; widths[key] = ctx.measureText(text).width; }
    return widths[key];
  }
  var BADGE_FONT = 'bold 10px ' + FONT;
  function badgeRows(ctx, badges) {
    var rows = [], row = [], w = 0;
    badges.forEach(function (b) {
      var text = kinds[b[0]].mark + b[1];
      var bw = measure(ctx, BADGE_FONT, text) + 6;
      if (row.length === 2) { rows.push({items: row, width: w - 2}); row = []; w = 0; }
      row.push({kind: b[0], text: text, width: bw});
      w += bw + 2;
    });
    if (row.length) { rows.push({items: row, width: w - 2}); }
    return rows;
  }
  function overlaps(a, list) {
    for (var i = 0; i < list.length; i++) {
      var b = list[i];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) { return true; }
    }
    return false;
  }
  function roundRect(ctx, x, y, w, h, r) {
    ctx.beginPath();
    ctx.moveTo(x + r, y); ctx.arcTo(x + w, y, x + w, y + h, r); ctx.arcTo(x + w, y + h, x, y + h, r);
    ctx.arcTo(x, y + h, x, y, r); ctx.arcTo(x, y, x + w, y, r); ctx.closePath();
  }
  function drawLabels(ctx) {
    var scale = network.getScale();
    var W = container.clientWidth, H = container.clientHeight;
    var cell = 80, grid = {}, drawn = [];
    function near(box) {
      var out = [];
      for (var gx = Math.floor(box.x / cell); gx <= Math.floor((box.x + box.w) / cell); gx++) {
        for (var gy = Math.floor(box.y / cell); gy <= Math.floor((box.y + box.h) / cell); gy++) {
          var list = grid[gx + ',' + gy];
          if (list) { out = out.concat(list); }
        }
      }
      return out;
    }
    function occupy(box) {
      for (var gx = Math.floor(box.x / cell); gx <= Math.floor((box.x + box.w) / cell); gx++) {
        for (var gy = Math.floor(box.y / cell); gy <= Math.floor((box.y + box.h) / cell); gy++) {
          (grid[gx + ',' + gy] = grid[gx + ',' + gy] || []).push(box);
        }
      }
    }
    ctx.save();
    ctx.setTransform(ratio(), 0, 0, ratio(), 0, 0);
    ctx.textBaseline = 'top';
    order.forEach(function (n) {
      if (n.tier > ALWAYS && n.room * scale < ROOM_PX[n.tier]) { return; }
      var p = network.canvasToDOM({x: n.x, y: n.y});
      if (p.x < -200 || p.y < -100 || p.x > W + 200 || p.y > H + 100) { return; }
      var px = TIER_PX[n.tier], font = (TIER_BOLD[n.tier] ? 'bold ' : '') + px + 'px ' + FONT;
      var tw = measure(ctx, font, n.name);
      var rows = n.tier <= 3 ? badgeRows(ctx, n.badges) : [];
      var w = Math.max(tw, rows.reduce(function (m, r) { return Math.max(m, r.width); }, 0)) + 6;
      var h = px + 4 + rows.length * 15;
      var r = Math.max(n.size * scale, 2) + 2;
      // places and their clusters: on the node first (the label is the place's marker when zoomed out);
      // then below, above, right of, left of it
      var spots = [[p.x - w / 2, p.y - h / 2], [p.x - w / 2, p.y + r], [p.x - w / 2, p.y - r - h],
                   [p.x + r, p.y - h / 2], [p.x - r - w, p.y - h / 2]];
      for (var k = 1; k <= 3 && n.tier <= ALWAYS; k++) {  // crowded (a chain of single places): a step further
        spots.push([p.x - w / 2, p.y + r + k * (h + 2)], [p.x - w / 2, p.y - r - h - k * (h + 2)],
                   [p.x + r + k * w / 2, p.y - h / 2], [p.x - r - w - k * w / 2, p.y - h / 2]);
      }
      var first = n.tier <= ALWAYS && n.size * scale < h ? 0 : 1;
      var box = null;
      for (var i = first; i < (n.tier <= ALWAYS ? spots.length : 2); i++) {
        var c = {x: spots[i][0], y: spots[i][1], w: w, h: h};
        var inside = c.x >= 0 && c.y >= 0 && c.x + w <= W && c.y + h <= H;
        if (inside && !overlaps(c, near(c))) { box = c; break; }
      }
      if (!box) { return; }
      occupy(box);
      ctx.globalAlpha = 0.85;
      ctx.fillStyle = '#ffffff';
      roundRect(ctx, box.x, box.y, w, h, 3);
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#111111';
      ctx.font = font;
      ctx.fillText(n.name, box.x + (w - tw) / 2, box.y + 2);
      var y = box.y + px + 4;
      ctx.font = BADGE_FONT;
      rows.forEach(function (row) {
        var x = box.x + (w - row.width) / 2;
        row.items.forEach(function (b) {
          ctx.fillStyle = kinds[b.kind].colour;
          roundRect(ctx, x, y, b.width, 13, 3);
          ctx.fill();
          ctx.fillStyle = '#ffffff';
          ctx.fillText(b.text, x + 3, y + 1.5);
          x += b.width + 2;
        });
        y += 15;
      });
      drawn.push({id: n.id, name: n.name, tier: n.tier, x: box.x, y: box.y, w: w, h: h,
                  badges: n.tier <= 3 ? n.badges : []});
    });
    ctx.restore();
    api.labels = drawn;
  }

  // -- gap kinds: a click highlights (and frames) every node holding that kind; another click clears --------
  var holders = kinds.map(function () { return []; });
  data.nodes.forEach(function (n) { n.kinds.forEach(function (k) { holders[k].push(n.id); }); });
  function drawHalos(ctx) {
    if (api.kind === null) { return; }
    var scale = network.getScale(), colour = kinds[api.kind].colour;
    ctx.save();
    ctx.fillStyle = colour;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 3 / scale;
    holders[api.kind].forEach(function (id) {
      var n = byId[id], r = Math.max(n.size * 1.7, 11 / scale);
      ctx.globalAlpha = 0.3;
      ctx.beginPath(); ctx.arc(n.x, n.y, r, 0, 2 * Math.PI); ctx.fill();
      ctx.globalAlpha = 1;
      ctx.stroke();
    });
    ctx.restore();
  }
  var kindButtons = Array.prototype.slice.call(document.querySelectorAll('.kinds button'));
  function showKind(k) {
    kindButtons.forEach(function (b) { b.setAttribute('aria-pressed', String(Number(b.dataset.kind) === k)); });
    api.kind = k;
    api.highlighted = k === null ? [] : holders[k].slice();
    network.selectNodes(api.highlighted, false);
    if (k === null) {
      network.moveTo(api.opening);
    } else if (api.highlighted.length) {
      network.fit({nodes: api.highlighted, animation: false});
      if (network.getScale() > api.opening.scale * 6) { network.moveTo({scale: api.opening.scale * 6}); }
    }
    status.setAttribute('data-kind', k === null ? '' : kinds[k].id);
    network.redraw();
  }
  kindButtons.forEach(function (b) {
    b.addEventListener('click', function () {
      var k = Number(b.dataset.kind);
      showKind(api.kind === k ? null : k);
    });
  });

  // -- the side panel: a node's facts and its neighbours, opened by a click or a tap ---------------------------
  var panel = document.getElementById('panel');
  var panelBody = document.getElementById('panel-body');
  function showPanel(id) {
    var n = byId[id];
    if (!n) { return; }
    panelBody.textContent = '';
    panelBody.appendChild(tip(n.tip));
    var around = network.getConnectedNodes(id).map(function (v) { return byId[v]; }).filter(Boolean);
    around.sort(function (a, b) { return a.tier - b.tier || (a.name < b.name ? -1 : 1); });
    panelBody.appendChild(el('h3', null, '相连 neighbours (' + around.length + ')'));
    var list = el('ol');
    around.slice(0, 300).forEach(function (o) {
      var li = el('li'), button = el('button', null, o.name);
      button.type = 'button';
      button.dataset.id = o.id;
      button.appendChild(el('span', 'what', ' · ' + o.type));
      button.addEventListener('click', function () { select(o.id); });
      li.appendChild(button);
      list.appendChild(li);
    });
    if (around.length > 300) { list.appendChild(el('li', null, '… ' + (around.length - 300))); }
    panelBody.appendChild(list);
    panel.hidden = false;
    panel.dataset.id = id;
    panel.scrollIntoView({block: 'nearest'});
  }
  document.getElementById('panel-close').addEventListener('click', function () {
    panel.hidden = true;
    panel.dataset.id = '';
    network.unselectAll();
  });
  function select(id) {
    var n = byId[id];
    network.selectNodes([id], false);
    var scale = Math.max(network.getScale(), Math.min(2.5, ROOM_PX[n.tier] / Math.max(n.room, 1) * 1.2));
    network.moveTo({position: {x: n.x, y: n.y}, scale: scale});
    showPanel(id);
  }
  network.on('click', function (params) {
    if (params.nodes.length) { showPanel(params.nodes[0]); }
  });

  // -- find: a name (or part of one) selects and centres its node --------------------------------------------
  var find = document.getElementById('find');
  var found = document.getElementById('find-result');
  var names = document.getElementById('names');
  order.filter(function (n) { return n.tier <= 3; }).forEach(function (n) {
    var o = document.createElement('option');
    o.value = n.name;
    names.appendChild(o);
  });
  function lookup(q) {
    var tests = [function (n) { return n.name === q; }, function (n) { return n.name.indexOf(q) === 0; },
                 function (n) { return n.name.indexOf(q) >= 0 || n.id.indexOf(q) >= 0; }];
    for (var i = 0; i < tests.length; i++) {
      var hits = order.filter(tests[i]);
      if (hits.length) { return hits; }
    }
    return [];
  }
  function runFind() {
    var q = find.value.trim();
    if (!q) { found.textContent = ''; return; }
    var hits = lookup(q);
    found.textContent = hits.length ? (hits.length > 1 ? hits.length + ' 个 matches · 1/' + hits.length : '')
                                    : '未找到 not found';
    if (hits.length) { select(hits[0].id); }
  }
  find.addEventListener('change', runFind);
  find.addEventListener('keydown', function (e) { if (e.key === 'Enter') { runFind(); } });

  // -- take it away: the view as a PNG (title and gap legend on top), and a print that keeps it --------------
  function snapshot() {
    var src = container.querySelector('canvas');
    var k = ratio(), band = Math.round(30 * k);
    var out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + band;
    var c = out.getContext('2d');
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, out.width, out.height);
    c.drawImage(src, 0, band);
    c.scale(k, k);
    c.textBaseline = 'top';
    c.fillStyle = '#111111';
    c.font = 'bold 16px ' + FONT;
    c.fillText(document.title, 8, 7);
    var x = 16 + c.measureText(document.title).width;
    kinds.forEach(function (kind) {
      if (!kind.count) { return; }
      c.font = BADGE_FONT;
      var bw = c.measureText(kind.mark).width + 6;
      c.fillStyle = kind.colour;
      roundRect(c, x, 9, bw, 13, 3);
      c.fill();
      c.fillStyle = '#ffffff';
      c.fillText(kind.mark, x + 3, 10.5);
      c.fillStyle = '#333333';
      c.font = '11px ' + FONT;
      var text = kind.short + ' ' + kind.count;
      c.fillText(text, x + bw + 3, 9);
      x += bw + c.measureText(text).width + 14;
    });
    return out;
  }
  document.getElementById('save-png').addEventListener('click', function () {
    snapshot().toBlob(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = document.createElement('a');
      a.href = url;
      a.download = data.file + '.png';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      status.setAttribute('data-png', String(blob.size));
    }, 'image/png');
  });
  var shot = document.getElementById('print-shot');
  window.addEventListener('beforeprint', function () {
    shot.src = snapshot().toDataURL('image/png');
    status.setAttribute('data-printed', '1');
  });
  window.addEventListener('afterprint', function () { shot.removeAttribute('src'); });
  document.getElementById('reset-view').addEventListener('click', function () {
    showKind(null);
  });

  // -- drawing and the status a test reads ----------------------------------------------------------------------
  network.on('beforeDrawing', drawHalos);
  network.on('afterDrawing', drawLabels);
  network.fit({animation: false});
  network.moveTo({scale: network.getScale() * 0.97});
  api.opening = {position: network.getViewPosition(), scale: network.getScale(), animation: false};
  network.once('afterDrawing', function () {
    status.setAttribute('data-nodes', String(network.body.nodeIndices.length));
    status.setAttribute('data-edges', String(network.body.edgeIndices.length));
    status.setAttribute('data-drawn', '1');
    if (location.hash === '#selftest') {
      // build every tooltip and panel as a hover or a click would, so a test can check that none runs markup
      var bin = document.getElementById('pbgraph-selftest');
      data.nodes.forEach(function (n) { bin.appendChild(tip(n.tip)); showPanel(n.id); });
      panel.hidden = true;
      status.setAttribute('data-tooltips', String(bin.childNodes.length));
    }
    status.setAttribute('data-errors', String(window.pbgraphErrors.length));
    status.textContent = window.pbgraphErrors.join('\n');
    api.ready = true;
  });
  network.redraw();
})();

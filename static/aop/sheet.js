// The grid component (core/sheet.py, templates/includes/sheet.html): every [data-sheet] grid behaves like a
// spreadsheet. Arrow keys, Tab / Shift-Tab and Enter move; Escape puts a cell back; F2 edits inside a cell.
// A cell saves when it is left; a block pasted from Excel or Google Sheets (tab-separated) is sent as one
// batch that the server applies whole or not at all; Undo / Redo (Ctrl+Z, Ctrl+Y) send the earlier values
// again as ordinary versioned writes. The toolbar's optional "Why" box goes with every save as the batch's
// "comment" (kept in the history) until it is changed; it starts empty on every page load. The server
// formats every value it sends back; nothing is formatted here, so a figure reads the same on the page, in
// the grid and in the PDF.
(function () {
  "use strict";
  if (window.aopSheets) return;
  window.aopSheets = true;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function Sheet(root) {
    this.root = root;
    this.url = root.dataset.sheet;
    this.status = root.querySelector(".sheet-status");
    this.note = root.querySelector(".sheet-note");
    this.undoButton = root.querySelector("[data-sheet-undo]");
    this.redoButton = root.querySelector("[data-sheet-redo]");
    this.why = root.querySelector("[data-sheet-why]");
    this.undos = [];
    this.redos = [];
    this.queue = Promise.resolve();
    this.columns = Array.prototype.map.call(root.querySelectorAll("thead th[data-editable]"), function (th) {
      return th.dataset.col;
    });
    var self = this;
    root.addEventListener("focusin", function (e) { if (isCell(e.target)) self.enter(e.target); });
    root.addEventListener("focusout", function (e) { if (isCell(e.target)) self.leave(e.target); });
    root.addEventListener("keydown", function (e) { if (isCell(e.target)) self.key(e, e.target); });
    root.addEventListener("paste", function (e) { if (isCell(e.target)) self.paste(e, e.target); });
    root.addEventListener("dblclick", function (e) { if (isCell(e.target)) e.target.dataset.mode = "edit"; });
    if (this.undoButton) this.undoButton.addEventListener("click", function () { self.step(self.undos, self.redos, "before"); });
    if (this.redoButton) this.redoButton.addEventListener("click", function () { self.step(self.redos, self.undos, "after"); });
    if (this.why) {
      this.why.value = "";  // a reason given before a reload is not this visit's reason
      this.why.addEventListener("input", function () { self.checkWhy(); });
    }
  }

  function isCell(el) { return el && el.classList && el.classList.contains("sheet-cell"); }
  function rowKey(cell) { return cell.closest("tr").dataset.row; }

  // -- moving ----------------------------------------------------------------------------------------
  Sheet.prototype.rows = function () { return Array.prototype.slice.call(this.root.querySelectorAll("tbody tr[data-row]")); };
  Sheet.prototype.cell = function (tr, col) { return tr ? tr.querySelector('.sheet-cell[data-col="' + col + '"]') : null; };
  Sheet.prototype.find = function (key, col) {
    return this.cell(this.root.querySelector('tbody tr[data-row="' + CSS.escape(key) + '"]'), col);
  };

  Sheet.prototype.move = function (cell, down, right) {
    var rows = this.rows(), r = rows.indexOf(cell.closest("tr")), c = this.columns.indexOf(cell.dataset.col);
    for (;;) {
      r += down; c += right;
      if (r < 0 || r >= rows.length || c < 0 || c >= this.columns.length) return;
      var next = this.cell(rows[r], this.columns[c]);
      if (next) { next.focus(); return; }
    }
  };

  Sheet.prototype.enter = function (cell) {
    if (cell.dataset.mode === undefined || cell.dataset.mode === "") {
      cell.dataset.before = cell.dataset.exact;
      cell.value = cell.dataset.exact;
    }
    cell.dataset.mode = "fresh";
    cell.select();
  };

  Sheet.prototype.key = function (e, cell) {
    var editing = cell.dataset.mode === "edit", k = e.key, ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && !e.altKey && (k === "z" || k === "Z" || k === "y" || k === "Y")) {
      if (cell.value.trim() !== (cell.dataset.before || "").trim()) return; // the browser's own undo of typing
      e.preventDefault();
      var redo = k === "y" || k === "Y" || e.shiftKey;
      if (redo) this.step(this.redos, this.undos, "after"); else this.step(this.undos, this.redos, "before");
      return;
    }
    if (ctrl || e.altKey) return;
    if (k === "F2") { cell.dataset.mode = "edit"; cell.setSelectionRange(cell.value.length, cell.value.length); e.preventDefault(); return; }
    if (k === "Escape") { cell.value = cell.dataset.before || ""; cell.dataset.mode = "fresh"; cell.select(); e.preventDefault(); return; }
    if (k === "Enter") { e.preventDefault(); this.move(cell, e.shiftKey ? -1 : 1, 0); return; }
    if (k === "ArrowUp" || k === "ArrowDown") { e.preventDefault(); this.move(cell, k === "ArrowUp" ? -1 : 1, 0); return; }
    if ((k === "ArrowLeft" || k === "ArrowRight") && !editing) { e.preventDefault(); this.move(cell, 0, k === "ArrowLeft" ? -1 : 1); return; }
    if (k.length === 1 && cell.dataset.mode === "fresh") cell.dataset.mode = "enter";
  };

  Sheet.prototype.leave = function (cell) {
    var before = cell.dataset.before || "", value = cell.value.trim();
    cell.dataset.mode = "";
    if (value === before.trim()) {
      if (!cell.closest("td").classList.contains("is-failed")) cell.value = cell.dataset.text;
      return;
    }
    var edit = { row: rowKey(cell), col: cell.dataset.col, before: before, after: value };
    this.save([edit], { record: true, keepTyped: true });
  };

  // -- pasting a block ---------------------------------------------------------------------------------
  Sheet.prototype.paste = function (e, cell) {
    var text = (e.clipboardData || window.clipboardData).getData("text/plain");
    if (!text) return;
    var lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
    var block = lines.map(function (line) { return line.split("\t"); });
    if (block.length === 1 && block[0].length === 1) return; // one value: typed into the cell as usual
    e.preventDefault();
    var rows = this.rows(), r0 = rows.indexOf(cell.closest("tr")), c0 = this.columns.indexOf(cell.dataset.col);
    var width = Math.max.apply(null, block.map(function (b) { return b.length; }));
    if (r0 + block.length > rows.length || c0 + width > this.columns.length) {
      this.say("Nothing was pasted: the block is " + block.length + " × " + width + " and only " +
        (rows.length - r0) + " × " + (this.columns.length - c0) + " cells fit from here.", true);
      return;
    }
    var edits = [], self = this;
    block.forEach(function (values, i) {
      values.forEach(function (value, j) {
        var target = self.cell(rows[r0 + i], self.columns[c0 + j]);
        if (!target) return;
        edits.push({ row: rowKey(target), col: target.dataset.col, before: target.dataset.exact, after: value.trim() });
        target.value = value.trim();
      });
    });
    cell.dataset.mode = "pasted";
    cell.dataset.before = cell.value;  // leaving the cell after a paste sends nothing more
    if (edits.length) this.save(edits, { record: true });
  };

  // -- the reason ------------------------------------------------------------------------------------
  // As the server reads it (core.sheet.read_comment): one line, spaces collapsed, counted in characters.
  Sheet.prototype.reason = function () { return this.why ? this.why.value.trim().split(/\s+/).join(" ") : ""; };

  Sheet.prototype.whyProblem = function () {
    var max = this.why ? Number(this.why.dataset.max) : 0, length = Array.from(this.reason()).length;
    if (!max || length <= max) return "";
    return "the reason is " + length + " characters long; shorten it to " + max + " or fewer";
  };

  Sheet.prototype.checkWhy = function () {
    var problem = this.whyProblem(), was = this.why.getAttribute("aria-invalid") === "true";
    if (problem) { this.why.setAttribute("aria-invalid", "true"); this.say("Nothing saves while " + problem + ".", true); }
    else if (was) { this.why.removeAttribute("aria-invalid"); this.say("The reason goes with your next save."); }
  };

  // -- saving ------------------------------------------------------------------------------------------
  Sheet.prototype.save = function (edits, options) {
    var self = this;
    edits.forEach(function (ed) { self.mark(ed, "is-saving"); });
    this.queue = this.queue.then(function () { return self.post(edits, "after", options); });
    return this.queue;
  };

  Sheet.prototype.step = function (from, to, side) {
    var record = from.pop(), self = this;
    this.buttons();
    if (!record) return;
    this.queue = this.queue.then(function () {
      return self.post(record, side, { undoing: true }).then(function (ok) {
        if (ok) to.push(record); else self.say((side === "before" ? "Undo" : "Redo") + " refused: " + self.lastError, true);
        self.buttons();
      });
    });
  };

  Sheet.prototype.post = function (edits, side, options) {
    var self = this;
    var body = edits.map(function (ed) {
      var cell = self.find(ed.row, ed.col);
      return { row: ed.row, col: ed.col, value: ed[side], version: cell ? Number(cell.dataset.version) : 0 };
    });
    var comment = this.reason(), problem = this.whyProblem();
    if (problem) {
      var message = "Nothing was saved: " + problem + ".";
      this.refused(edits, { message: message, errors: body.map(function (b) { return { row: b.row, col: b.col, message: message }; }) }, options || {});
      return Promise.resolve(false);
    }
    this.say("Saving " + body.length + " cell" + (body.length === 1 ? "" : "s") + "…");
    return fetch(this.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify({ edits: body, comment: comment })
    }).then(function (response) {
      return response.json().catch(function () { return { message: "The server answered " + response.status + "." }; })
        .then(function (data) { return { ok: response.ok, data: data }; });
    }, function () {
      return { ok: false, data: { message: "The server could not be reached; nothing was saved.", errors: [] } };
    }).then(function (answer) {
      if (answer.ok) {
        self.apply(answer.data);
        edits.forEach(function (ed) { self.mark(ed, "is-saved"); });
        if (options && options.record) { self.undos.push(edits); self.redos.length = 0; }
        self.buttons();
        self.say("Saved " + body.length + " cell" + (body.length === 1 ? "" : "s") + (comment ? ", with your reason." : "."));
        self.root.dispatchEvent(new CustomEvent("sheet:saved", { bubbles: true }));
        return true;
      }
      self.refused(edits, answer.data, options || {});
      return false;
    });
  };

  Sheet.prototype.refused = function (edits, data, options) {
    var self = this, bad = {};
    (data.errors || []).forEach(function (err) { bad[err.row + "\u0000" + err.col] = err.message; });
    edits.forEach(function (ed) {
      var cell = self.find(ed.row, ed.col), message = bad[ed.row + "\u0000" + ed.col];
      if (!cell) return;
      var td = cell.closest("td");
      td.classList.remove("is-saving", "is-saved");
      if (!(options.keepTyped && edits.length === 1) && document.activeElement !== cell) cell.value = cell.dataset.text;
      if (message) {
        td.classList.add("is-failed");
        cell.setAttribute("aria-invalid", "true");
        cell.title = message;
      }
    });
    this.lastError = data.message || "nothing was saved.";
    this.say(this.lastError, true);
  };

  Sheet.prototype.mark = function (ed, state) {
    var cell = this.find(ed.row, ed.col);
    if (!cell) return;
    var td = cell.closest("td");
    td.classList.remove("is-saving", "is-saved", "is-failed");
    cell.removeAttribute("aria-invalid");
    td.classList.add(state);
  };

  // The answer: the changed rows and the footer, as display text, exact text and versions.
  Sheet.prototype.apply = function (data) {
    var self = this;
    Object.keys(data.rows || {}).forEach(function (key) { self.fill(self.root.querySelector('tbody tr[data-row="' + CSS.escape(key) + '"]'), data.rows[key]); });
    Object.keys(data.footer || {}).forEach(function (key) { self.fill(self.root.querySelector('tfoot tr[data-row="' + CSS.escape(key) + '"]'), data.footer[key]); });
    if (this.note && typeof data.note === "string") this.note.innerHTML = data.note;
  };

  Sheet.prototype.fill = function (tr, cells) {
    if (!tr) return;
    Object.keys(cells).forEach(function (col) {
      var shown = cells[col], input = tr.querySelector('.sheet-cell[data-col="' + col + '"]');
      if (input) {
        input.dataset.version = shown.version;
        input.dataset.text = shown.text;
        input.dataset.exact = shown.exact;
        input.title = shown.title;
        input.removeAttribute("aria-invalid");
        input.closest("td").classList.remove("is-failed");
        if (document.activeElement !== input) input.value = shown.text;
        else if (input.value.trim() === (input.dataset.before || "").trim()) { input.dataset.before = shown.exact; input.value = shown.exact; input.select(); }
        return;
      }
      var td = tr.querySelector('td[data-col="' + col + '"]');
      if (!td) return;
      var span = td.querySelector(".sheet-text") || td.appendChild(document.createElement("span"));
      span.className = "sheet-text";
      span.textContent = shown.text || "—";
      td.title = shown.title || "";
      td.classList.toggle("neg", shown.tone === "neg");
      var sub = td.querySelector(".sheet-sub");
      if (shown.note) {
        if (!sub) { sub = td.appendChild(document.createElement("div")); sub.className = "muted small sheet-sub"; }
        sub.textContent = shown.note;
      } else if (sub) sub.remove();
    });
  };

  Sheet.prototype.buttons = function () {
    if (this.undoButton) this.undoButton.disabled = !this.undos.length;
    if (this.redoButton) this.redoButton.disabled = !this.redos.length;
  };

  Sheet.prototype.say = function (text, bad) {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.classList.toggle("sheet-status-bad", !!bad);
  };

  function start() { document.querySelectorAll("[data-sheet]").forEach(function (root) { if (!root.aopSheet) root.aopSheet = new Sheet(root); }); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

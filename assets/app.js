// chainsim node page: live updates and in-place form posts.
// Without JavaScript the page still works: the server renders everything
// and the forms post and redirect as the classic nodes do. With it:
//   - an EventSource on /events refreshes the page's sections when the node
//     changes (new block, transaction, peer, resolve), without a reload;
//   - forms post with "Accept: application/json" and show what happened,
//     or why the node refused, in the message banner: one line per outcome,
//     so a resolve that replaced the chain reads as a success even when an
//     unrelated peer was down (that peer's failure is a line of its own);
//   - a refused form keeps what was typed (only an accepted one is cleared).
(function () {
  "use strict";
  var SECTIONS = ["status", "peers", "mempool", "balances", "chain"];
  var refreshTimer = null;

  // lines: [{text, isError}], shown in order in place of the last ones.
  function showMessages(lines) {
    var area = document.getElementById("message-area");
    area.replaceChildren.apply(area, lines.map(function (line) {
      var div = document.createElement("div");
      div.className = "message " + (line.isError ? "error" : "info");
      div.setAttribute("role", line.isError ? "alert" : "status");
      div.textContent = line.text;
      return div;
    }));
  }

  function showMessage(text, isError) { showMessages([{ text: text, isError: isError }]); }

  // Fetches the page and swaps the live sections.
  function refresh() {
    refreshTimer = null;
    fetch("/", { headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        SECTIONS.forEach(function (id) {
          var fresh = doc.getElementById(id), cur = document.getElementById(id);
          if (fresh && cur) cur.innerHTML = fresh.innerHTML;
        });
        document.body.dataset.height = (document.querySelector("#chain .index") || {}).textContent || "";
      })
      .catch(function () { /* the next event retries */ });
  }

  function scheduleRefresh() {
    if (!refreshTimer) refreshTimer = setTimeout(refresh, 150);
  }

  // What an accepted action did, as message lines.
  function describe(action, body) {
    var ok = function (text) { return [{ text: text, isError: false }]; };
    switch (action) {
      case "/add_transaction":
        return ok(body.message || "Transaction added");
      case "/mine":
        return ok("Mined block #" + body.block.index + " (" + body.block.hash.slice(0, 16) + "…)");
      case "/register_node":
        return ok("Peers: " + (body.total_nodes || []).join(", "));
      case "/consensus":
        // The round's outcome first, then each peer whose chain was not
        // taken, on its own line: a peer that was down does not make a
        // replaced chain look like a failure.
        return ok(body.replaced ? "Our chain was replaced (length " + body.length + ")"
                                : "Our chain is authoritative (length " + body.length + ")")
          .concat((body.rejected || []).map(function (r) {
            return { text: "Not taken from " + r.node + ": " + r.message, isError: true };
          }));
    }
    return ok("Done");
  }

  function onSubmit(ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form[method=post]")) return;
    ev.preventDefault();
    var action = form.getAttribute("action");
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(action, {
      method: "POST",
      headers: { "Accept": "application/json",
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)).toString()
    })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; },
                             function () { return { ok: false, body: { message: "HTTP " + r.status } }; });
      })
      .then(function (res) {
        if (res.ok) {
          showMessages(describe(action, res.body));
          form.reset();
        } else {
          showMessage(res.body.message || "Refused", true);
        }
        scheduleRefresh();
      })
      .catch(function (e) { showMessage("The node did not answer: " + e, true); })
      .then(function () { button.disabled = false; });
  }

  document.addEventListener("submit", onSubmit);
  if (window.EventSource) {
    var es = new EventSource("/events");
    var live = document.getElementById("live");
    es.addEventListener("hello", function () { live.hidden = false; });
    es.onerror = function () { live.hidden = true; };
    ["tip_changed", "tx_accepted", "peer_added", "resolved", "block_rejected",
     "chain_rejected", "crash", "restart", "resync"].forEach(function (kind) {
      es.addEventListener(kind, scheduleRefresh);
    });
  }
})();

// chainsim node page: live updates and in-place form posts.
// Without JavaScript the page still works: the server renders everything
// and the forms post and redirect as the classic nodes do. With it:
//   - an EventSource on /events refreshes the page's sections when the node
//     changes (new block, transaction, peer, resolve), without a reload;
//   - forms post with "Accept: application/json" and show what happened,
//     or why the node refused, in the message banner.
(function () {
  "use strict";
  var SECTIONS = ["status", "peers", "mempool", "balances", "chain"];
  var refreshTimer = null;

  function showMessage(text, isError) {
    var area = document.getElementById("message-area");
    var div = document.createElement("div");
    div.className = "message " + (isError ? "error" : "info");
    div.setAttribute("role", isError ? "alert" : "status");
    div.textContent = text;
    area.replaceChildren(div);
  }

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

  function describe(action, body) {
    switch (action) {
      case "/add_transaction":
        return body.message || "Transaction added";
      case "/mine":
        return "Mined block #" + body.block.index + " (" + body.block.hash.slice(0, 16) + "…)";
      case "/register_node":
        return "Peers: " + (body.total_nodes || []).join(", ");
      case "/consensus": {
        var text = body.replaced ? "Our chain was replaced (length " + body.length + ")"
                                 : "Our chain is authoritative (length " + body.length + ")";
        (body.rejected || []).forEach(function (r) {
          text += "; refused " + r.node + ": " + r.message;
        });
        return text;
      }
    }
    return "Done";
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
          var rejected = res.body.rejected && res.body.rejected.length;
          showMessage(describe(action, res.body), !!rejected);
          if (action !== "/mine" && action !== "/consensus") form.reset();
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

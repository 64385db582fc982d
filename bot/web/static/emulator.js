// The demo chat emulator: polls the current conversation, sends messages, taps card buttons,
// asks for a reason or a confirmation inline, submits forms. Message HTML comes from the
// server already escaped; this script only places it.
(function () {
  "use strict";
  var root = document.getElementById("emulator");
  if (!root) { return; }
  var words = JSON.parse(root.getAttribute("data-words") || "{}");
  var list = document.getElementById("emu-messages");
  var feedsNav = document.getElementById("emu-feeds");
  var errorBox = document.getElementById("emu-error");
  var input = document.getElementById("emu-input");
  var current = "";
  var seen = {};        // message id -> version shown
  var lastIds = {};     // feed -> highest message id seen
  var busy = false;

  function clientId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  function showError(text) { errorBox.textContent = text || ""; }

  function call(method, url, body) {
    var options = { method: method, headers: { "Accept": "application/json" },
                    credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (r) {
      if (r.status === 401) { window.location = "/login?next=/"; throw new Error("signed out"); }
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.error || data.detail || r.statusText); }
        return data;
      });
    });
  }

  function renderFeeds(data) {
    document.getElementById("emu-me").textContent = data.me;
    if (!current && data.feeds.length) { current = data.feeds[0].id; }
    feedsNav.innerHTML = "";
    data.feeds.forEach(function (feed) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = feed.name;
      b.setAttribute("data-feed", feed.id);
      if (feed.id === current) { b.className = "active"; }
      b.addEventListener("click", function () { switchTo(feed.id); });
      feedsNav.appendChild(b);
    });
  }

  function switchTo(feed) {
    current = feed;
    seen = {};
    list.innerHTML = "";
    Array.prototype.forEach.call(feedsNav.children, function (b) {
      b.className = b.getAttribute("data-feed") === feed ? "active" : "";
    });
    refresh();
  }

  function renderMessages(data) {
    if (data.feed !== current) { return; }
    var grew = false;
    data.messages.forEach(function (m) {
      var el = document.getElementById("msg-" + m.id);
      if (el && seen[m.id] === m.version) { return; }
      if (!el) {
        el = document.createElement("div");
        el.id = "msg-" + m.id;
        list.appendChild(el);
        grew = true;
      }
      el.className = "msg " + (m.from_bot ? "bot" : "me");
      el.setAttribute("data-version", m.version);
      el.innerHTML = m.html;
      seen[m.id] = m.version;
      lastIds[current] = Math.max(lastIds[current] || 0, m.id);
    });
    if (grew) { list.scrollTop = list.scrollHeight; }
  }

  function refresh() {
    if (!current) { return Promise.resolve(); }
    return call("GET", "/emulator/api/messages?feed=" + encodeURIComponent(current))
      .then(renderMessages).catch(function (e) { showError(e.message); });
  }

  function refreshFeeds() {
    return call("GET", "/emulator/api/feeds").then(renderFeeds)
      .catch(function (e) { showError(e.message); });
  }

  function send(text) {
    showError("");
    return call("POST", "/emulator/api/send", { text: text, client_id: clientId() })
      .then(refresh).catch(function (e) { showError(e.message); });
  }

  function act(messageId, index, form) {
    showError("");
    return call("POST", "/emulator/api/action",
                { message_id: messageId, index: index, form: form || {}, client_id: clientId() })
      .then(function () { if (current.indexOf("dm:") !== 0) { return refresh(); } })
      .then(refreshFeeds).then(refresh).catch(function (e) { showError(e.message); });
  }

  function ask(button, withReason) {
    // An inline panel under the buttons: a reason (when needed) and a confirmation.
    var card = button.closest(".cb-card");
    var old = card.querySelector(".cb-ask");
    if (old) { old.remove(); }
    var panel = document.createElement("div");
    panel.className = "cb-ask";
    var question = document.createElement("div");
    question.textContent = button.getAttribute("data-confirm") || button.textContent;
    panel.appendChild(question);
    var reason = null;
    if (withReason) {
      reason = document.createElement("textarea");
      reason.name = "reason";
      reason.placeholder = button.getAttribute("data-reason-label") || words.reason;
      reason.required = true;
      panel.appendChild(reason);
    }
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "cb-btn primary";
    ok.textContent = words.confirm;
    var no = document.createElement("button");
    no.type = "button";
    no.className = "cb-btn";
    no.textContent = words.cancel;
    var row = document.createElement("div");
    row.className = "cb-buttons";
    row.appendChild(ok);
    row.appendChild(no);
    panel.appendChild(row);
    card.appendChild(panel);
    if (reason) { reason.focus(); }
    no.addEventListener("click", function () { panel.remove(); });
    ok.addEventListener("click", function () {
      if (reason && !reason.value.trim()) { reason.focus(); return; }
      ok.disabled = true;
      act(+button.getAttribute("data-message"), +button.getAttribute("data-index"),
          reason ? { reason: reason.value.trim() } : {});
    });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-index]");
    if (!button || button.disabled) { return; }
    var needsReason = button.getAttribute("data-needs-reason") === "1";
    if (needsReason || button.getAttribute("data-confirm")) { ask(button, needsReason); return; }
    button.disabled = true;
    act(+button.getAttribute("data-message"), +button.getAttribute("data-index"), {});
  });

  list.addEventListener("submit", function (event) {
    var form = event.target.closest("form.cb-form");
    if (!form) { return; }
    event.preventDefault();
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) { return; }
      var value = el.value;
      if (el.getAttribute("data-suggest")) {  // a picked suggestion sends its id
        var picked = form.querySelector('#dl-' + el.name + ' option[value="' +
                                        CSS.escape(value) + '"]');
        if (picked) { value = picked.getAttribute("data-id"); }
      }
      values[el.name] = value;
    });
    act(+form.getAttribute("data-message"), null, values);
  });

  list.addEventListener("input", function (event) {
    var el = event.target;
    var kind = el.getAttribute && el.getAttribute("data-suggest");
    if (!kind || el.value.trim().length < 1) { return; }
    call("GET", "/emulator/api/suggest?kind=" + encodeURIComponent(kind) + "&q=" +
         encodeURIComponent(el.value)).then(function (data) {
      var dl = document.getElementById("dl-" + el.name);
      dl.innerHTML = "";
      data.options.forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o.label;
        opt.setAttribute("data-id", o.value);
        dl.appendChild(opt);
      });
    }).catch(function () {});
  });

  document.getElementById("emu-composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { return; }
    busy = true;
    input.value = "";
    send(text).then(function () { busy = false; input.focus(); });
  });

  refreshFeeds().then(refresh);
  setInterval(function () { refresh(); }, 1500);
  setInterval(function () { refreshFeeds(); }, 5000);
}());

/* Live views: helpers and the websocket client (ES2017, no build step; docs/realtime-protocol.md).
 * The client keeps the latest complete state: a snapshot replaces it (keeping the values and
 * casussen it leaves out because our hello named them by `kept_id`), a state frame too unless
 * its seq is older (keeping `you` and `own_ballots`, and what the frame leaves out because it
 * did not change: `values`, `casussen` and the results listed in `results_kept`); a tally is
 * merged when its seq equals the
 * state's, and one from the future means a missed state frame, so we ask for a resync. It
 * reconnects by itself with jittered exponential backoff (see RETRY). */
(function () {
  "use strict";
  const D = (window.Denk = { msgs: {} });

  // Interface text comes translated from the page: JSON in every [data-messages] attribute.
  D.loadMessages = () => {
    document.querySelectorAll("[data-messages]").forEach((node) => {
      try {
        Object.assign(D.msgs, JSON.parse(node.getAttribute("data-messages")));
      } catch (e) {
        /* keys stay visible; the page keeps working */
      }
    });
  };
  D.t = (key, vars) => {
    const text = D.msgs[key] || key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m)) : text;
  };
  // Singular when n is 1 and the page has a "<key>_one" text.
  D.tn = (key, n, vars) => D.t(n === 1 && D.msgs[key + "_one"] ? key + "_one" : key, Object.assign({ n: n }, vars));
  D.num = (n, digits) => Number(n).toLocaleString(document.documentElement.lang, { maximumFractionDigits: digits || 0 });

  // el("button", {class, text, onclick, "aria-label": ...}, child, ...); null/false props skipped.
  D.el = function (tag, props) {
    const node = document.createElement(tag);
    Object.keys(props || {}).forEach((key) => {
      const value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else if (["checked", "disabled", "value", "hidden"].indexOf(key) >= 0) node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    D.add.apply(null, [node].concat([].slice.call(arguments, 2)));
    return node;
  };
  // add(node, child, ...): strings become text, arrays are flattened, null/false skipped.
  D.add = function (node) {
    [].slice.call(arguments, 1).forEach((child) => {
      if (Array.isArray(child)) D.add.apply(null, [node].concat(child));
      else if (child || child === "") node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  };
  D.clear = (node) => {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  };
  // Replace a container's content; keyboard focus returns to the element with the same data-fk.
  D.fill = function (node) {
    const active = document.activeElement;
    const fk = active && node.contains(active) && active.getAttribute("data-fk");
    D.add.apply(null, [D.clear(node)].concat([].slice.call(arguments, 1)));
    const again = fk && node.querySelector('[data-fk="' + fk + '"]');
    if (again) again.focus();
    return node;
  };
  D.setText = (node, text) => {
    if (node && node.textContent !== text) node.textContent = text;
  };
  let uid = 0;
  D.uid = (prefix) => prefix + "-" + ++uid;
  D.msgId = () => {
    const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    return [].map.call(crypto.getRandomValues(new Uint8Array(16)), (b) => abc[b & 63]).join("");
  };

  D.byKey = (state) => {
    const names = {};
    (state.values || []).forEach((v) => (names[v.key] = v.name));
    return names;
  };
  D.round = (state, id) => (state.rounds || []).filter((r) => r.id === id)[0] || null;
  // The round the room looks at: the open one, else the last one that ran.
  D.focusRound = (state) => {
    const ran = (state.rounds || []).filter((r) => r.status !== "draft");
    return D.round(state, state.current_round_id) || ran[ran.length - 1] || null;
  };

  // The server's time minus ours, from the last snapshot or state: phone clocks are often off.
  D.clockOffset = 0;
  D.syncClock = (frame) => {
    const server = frame.server_time && Date.parse(frame.server_time);
    if (server) D.clockOffset = server - Date.now();
  };

  // Elements with data-deadline (ISO time) count down every second.
  D.tick = () => {
    document.querySelectorAll("[data-deadline]").forEach((node) => {
      const iso = node.getAttribute("data-deadline");
      const end = Date.parse(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");
      if (isNaN(end)) return;
      const left = Math.max(0, Math.round((end - (Date.now() + D.clockOffset)) / 1000));
      D.setText(node, left ? D.t("time_left", { time: Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2) }) : D.t("time_up"));
      node.classList.toggle("urgent", left <= 30);
    });
  };
  D.countdown = (deadline) => deadline && D.el("p", { class: "countdown", "data-deadline": deadline });
  setInterval(D.tick, 1000);

  // Parts of a snapshot a state frame carries only when they changed (docs/realtime-protocol.md).
  const KEPT = ["values", "casussen"];

  // Reconnect delays (ms), full jitter: a room of phones that lost the same Wi-Fi or the same
  // worker does not come back all at once. A socket the server closed or turned away (it is
  // there, and busy or refusing) waits 0.5 s doubling to 10 s. A socket that found nobody (it
  // never opened) within 30 s of losing one that was live waits at most 2 s: the worker is most
  // likely restarting, and an attempt that finds nobody costs it nothing, while a long wait would
  // keep the phone away for seconds after it is back. A phone has one attempt open at a time,
  // so a worker that is back but slow sees each phone once (docs/realtime-protocol.md).
  const RETRY = { base: 500, cap: 10000, floor: 250, soonCap: 2000, soonFor: 30000 };

  // Close codes after which reconnecting cannot help.
  const FATAL = { 4400: "bad_hello", 4401: "unauthorised", 4403: "removed", 4404: "gone", 4406: "bad_origin", 4409: "replaced", 4410: "ended" };

  class Client {
    // options: {code, role, token, onState(state, reason), onFrame, onStatus(name), onFatal(kind)}
    constructor(options) {
      this.o = options;
      this.ws = this.state = this.timer = null;
      this.ready = this.stopped = false;
      this.attempt = this.heard = this.lostAt = 0;
    }

    start() {
      addEventListener("offline", () => this.drop());
      addEventListener("online", () => this.soon());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") this.ws ? this.send({ type: "ping" }) : this.soon();
      });
      setInterval(() => this.heartbeat(), 5000);
      this.connect();
    }

    status(name) {
      if (this.o.onStatus) this.o.onStatus(name);
    }

    connect() {
      if (this.stopped || this.ws) return;
      clearTimeout(this.timer);
      if (navigator.onLine === false) {
        // No network: wait for the "online" event, and look again now and then.
        this.status("offline");
        this.timer = setTimeout(() => this.connect(), 5000);
        return;
      }
      this.status(this.attempt ? "reconnecting" : "connecting");
      const ws = (this.ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/" + encodeURIComponent(this.o.code)));
      this.heard = Date.now();
      ws.onopen = () => {
        ws.opened = true;
        // What we hold of values and casussen (named by kept_id) need not come again.
        const kept = (this.state && this.state.kept_id) || undefined;
        ws.send(JSON.stringify({ type: "hello", protocol: 1, role: this.o.role, token: this.o.token, kept: kept }));
      };
      ws.onmessage = (event) => {
        if (ws !== this.ws) return;
        this.heard = Date.now();
        try {
          this.receive(JSON.parse(event.data));
        } catch (e) {
          if (e instanceof SyntaxError) return;
          throw e;
        }
      };
      ws.onclose = (event) => ws === this.ws && this.closed(event.code, ws.opened);
    }

    // Give up on the current socket now (offline, or silent too long).
    drop() {
      const ws = this.ws;
      if (!ws) return;
      this.ws = null;
      ws.close();
      this.closed(1006, true);
    }

    closed(code, opened) {
      this.ws = null;
      if (this.ready) this.lostAt = Date.now();
      this.ready = false;
      if (FATAL[code]) {
        this.stopped = true;
        this.status(FATAL[code]);
        if (this.o.onFatal) this.o.onFatal(FATAL[code]);
        return;
      }
      this.status(navigator.onLine === false ? "offline" : "reconnecting");
      const soon = !opened && Date.now() - this.lostAt < RETRY.soonFor;
      const cap = Math.min(soon ? RETRY.soonCap : RETRY.cap, RETRY.base * Math.pow(2, this.attempt));
      this.attempt = Math.min(this.attempt + 1, 10);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.connect(), Math.max(RETRY.floor, cap * Math.random()));
    }

    soon() {
      this.attempt = 0;
      if (!this.ws && !this.stopped) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.connect(), 100 + 400 * Math.random());
      }
    }

    heartbeat() {
      const quiet = Date.now() - this.heard;
      if (!this.ws || this.ws.readyState !== 1) return;
      if (quiet > 45000) this.drop();
      else if (quiet > 20000) this.send({ type: "ping" });
    }

    send(frame) {
      if (!this.ws || this.ws.readyState !== 1 || (frame.type === "ballot" && !this.ready)) return false;
      this.ws.send(JSON.stringify(frame));
      return true;
    }

    receive(frame) {
      const state = this.state;
      if (frame.type === "welcome") {
        this.attempt = 0;
      } else if (frame.type === "snapshot") {
        D.syncClock(frame);
        // A snapshot leaves out values and casussen when our hello named the ones we hold; should
        // we lack them after all, we ask for a whole one.
        let whole = true;
        KEPT.forEach((part) => {
          if (part in frame) return;
          const held = state && state.kept_id === frame.kept_id ? state[part] : undefined;
          if (held === undefined) whole = false;
          else frame[part] = held;
        });
        if (!whole) frame.kept_id = null;
        this.state = frame;
        this.ready = true;
        this.status("online");
        this.o.onState(frame, "snapshot");
        if (!whole) this.send({ type: "resync" });
      } else if (frame.type === "state") {
        if (state && frame.seq < state.seq) return;
        D.syncClock(frame);
        // What the frame leaves out comes from the state we hold; should that lack it (it
        // never should), we ask for a snapshot.
        const held = state || {};
        let whole = !!state;
        frame.you = held.you;
        frame.own_ballots = held.own_ballots;
        // The kept_id names what we hold only while no state brought other values or casussen.
        const same = KEPT.every((part) => !(part in frame) || JSON.stringify(frame[part]) === JSON.stringify(held[part]));
        frame.kept_id = same ? held.kept_id : null;
        KEPT.forEach((part) => {
          if (part in frame) return;
          frame[part] = held[part];
          if (held[part] === undefined) whole = false;
        });
        (frame.results_kept || []).forEach((id) => {
          const kept = (held.results || {})[id];
          if (kept === undefined) whole = false;
          else frame.results[id] = kept;
        });
        delete frame.results_kept;
        this.o.onState((this.state = frame), "state");
        if (!whole) this.send({ type: "resync" });
      } else if (frame.type === "tally") {
        if (!state || frame.seq < state.seq) return;
        if (frame.seq > state.seq) return this.send({ type: "resync" });
        state.participants = frame.participants;
        if (frame.participant_list) state.participant_list = frame.participant_list;
        state.results = state.results || {};
        Object.keys(frame.rounds).forEach((id) => {
          const entry = frame.rounds[id];
          const round = D.round(state, Number(id));
          if (round) round.n_ballots = entry.n_ballots;
          if (entry.results) state.results[id] = entry.results;
        });
        this.o.onState(state, "tally");
      } else if (this.o.onFrame) {
        this.o.onFrame(frame);
      }
    }
  }
  D.Client = Client;
})();

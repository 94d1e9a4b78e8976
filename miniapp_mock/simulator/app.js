/*
 * 邻里 H5 simulator: the resident mini-app in a browser, for demos and browser tests.
 *
 * It talks only to the public resident API (window.LINLI.apiBase, set by config.js) and to
 * the fake WeChat server that serves this page (/_mock/*: wx.login, wx.requestSubscribeMessage
 * and the subscribe messages it received). Plain JS, no framework and no build step. Data from the server is
 * always put in the page as text (never as HTML).
 */
(() => {
  "use strict";

  const CONFIG = window.LINLI || {};
  const API_BASE = String(CONFIG.apiBase || "/api/v1").replace(/\/+$/, "");
  const MOCK_BASE = "/_mock";

  const ROLE_LABELS = { owner: "业主", family: "家属", tenant: "租户" };
  const AREA_SOURCES = { registry: "不动产登记", survey: "测绘", contract: "合同" };
  const INVITE_CODE = /^[0-9A-Z]{8}$/;
  const PHONE = /^1[3-9]\d{9}$/;

  /**
   * When the simulator asks for subscribe-message consent (wx.requestSubscribeMessage), as a
   * real mini-app does on the user's tap: at most three templates each time, by the names of
   * backend/wechat/subscribe_templates.toml. Other pages ask through window.linli.askSubscribe.
   */
  const SUBSCRIBE_MOMENTS = {
    binding: ["residency_active", "bill_issued", "notice"],
    // a resident who reports may later ask her family to help: she hears when they act
    ticket: ["ticket_status", "supervision_answered", "family_acted"],
    payment: ["payment_received", "fee_reminder"],
    motion: ["vote_announced", "vote_closing", "vote_result"],
    survey: ["survey_opened", "survey_closing"],
  };
  /** Mini-app pages named in messages, and where they are in the simulator. */
  const PAGES = {
    "pages/me/units": "#/units",
    "pages/bind/index": "#/bind/invite",
    "pages/messages/index": "#/messages",
    "pages/home/index": "#/home",
    "pages/tickets/detail": "#/tickets/{id}",
    "pages/family/ticket": "#/family/tickets/{id}",
  };

  // --- icons (constant markup, the only HTML the simulator writes) --------------------------

  const ICONS = {
    home: '<svg viewBox="0 0 24 24"><path d="M3 10.5 12 3l9 7.5"/><path d="M5 9.5V20h5v-6h4v6h5V9.5"/></svg>',
    units:
      '<svg viewBox="0 0 24 24"><rect x="4" y="3" width="10" height="18" rx="1"/><path d="M14 9h5a1 1 0 0 1 1 1v11M7.5 7h3M7.5 11h3M7.5 15h3M2 21h20"/></svg>',
    messages:
      '<svg viewBox="0 0 24 24"><path d="M4 5h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H9l-4 3.5V17H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z"/><path d="M8 10h8M8 13h5"/></svg>',
    me: '<svg viewBox="0 0 24 24"><circle cx="12" cy="8" r="4"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7"/></svg>',
    key: '<svg viewBox="0 0 24 24"><circle cx="8" cy="12" r="4"/><path d="M12 12h9M18 12v3M21 12v2"/></svg>',
    form: '<svg viewBox="0 0 24 24"><rect x="5" y="3" width="14" height="18" rx="2"/><path d="M9 8h6M9 12h6M9 16h3"/></svg>',
    bell: '<svg viewBox="0 0 24 24"><path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z"/><path d="M10 20a2 2 0 0 0 4 0"/></svg>',
    pay: '<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9"/><path d="m8.5 7.5 3.5 4.5 3.5-4.5M8.5 12.5h7M8.5 15.5h7M12 12v5.5"/></svg>',
    repair:
      '<svg viewBox="0 0 24 24"><path d="M15 4a5 5 0 0 0-4.6 6.9L4 17.3 6.7 20l6.4-6.4A5 5 0 0 0 20 9l-3 3-3-1-1-3z"/></svg>',
    vote: '<svg viewBox="0 0 24 24"><rect x="4" y="4" width="16" height="16" rx="2"/><path d="m8 12 3 3 5-6"/></svg>',
    board: '<svg viewBox="0 0 24 24"><path d="M4 5h16v11H4z"/><path d="m8 20 4-4 4 4M8 9h8M8 12h5"/></svg>',
    search: '<svg viewBox="0 0 24 24" width="16" height="16"><circle cx="11" cy="11" r="6.5"/><path d="m16 16 4.5 4.5"/></svg>',
    house:
      '<svg class="empty-icon" viewBox="0 0 88 88"><path d="M12 42 44 16l32 26"/><path d="M20 36v36h48V36"/><path d="M37 72V52h14v20"/><circle cx="44" cy="38" r="4"/></svg>',
    inbox:
      '<svg class="empty-icon" viewBox="0 0 88 88"><path d="M14 50 24 20h40l10 30v18H14z"/><path d="M14 50h20l4 8h12l4-8h20"/></svg>',
    success:
      '<svg class="result-icon" viewBox="0 0 72 72"><circle cx="36" cy="36" r="36" fill="#07c160"/><path d="m21 37 10 10 20-21" fill="none" stroke="#fff" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/></svg>',
    waiting:
      '<svg class="result-icon" viewBox="0 0 72 72"><circle cx="36" cy="36" r="36" fill="#fa9d3b"/><path d="M36 18v19l12 8" fill="none" stroke="#fff" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/></svg>',
    warn: '<svg class="result-icon" viewBox="0 0 72 72"><circle cx="36" cy="36" r="36" fill="#fa5151"/><path d="M36 18v24" stroke="#fff" stroke-width="6" stroke-linecap="round"/><circle cx="36" cy="53" r="4" fill="#fff"/></svg>',
    toastOk: '<svg viewBox="0 0 40 40"><path d="m9 21 8 8 15-17" stroke-linecap="round" stroke-linejoin="round"/></svg>',
    toastError:
      '<svg viewBox="0 0 40 40"><circle cx="20" cy="20" r="16"/><path d="M20 11v11" stroke-linecap="round"/><circle cx="20" cy="28" r="1.2" fill="#fff"/></svg>',
  };

  // --- DOM helpers ------------------------------------------------------------------------

  const $ = (selector, root = document) => root.querySelector(selector);

  /** Build an element: h("button", {class, testid, onClick}, "text", child, …). */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "testid") el.dataset.testid = value;
      else if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === "dataset") Object.assign(el.dataset, value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  /** A constant icon from ICONS, wrapped in a span (or returned bare). */
  function icon(name, className) {
    const holder = document.createElement("span");
    holder.innerHTML = ICONS[name];
    if (!className) return holder.firstElementChild;
    holder.className = className;
    return holder;
  }

  // dark enough for the white initial (contrast ≥ 4.5:1)
  const AVATAR_COLORS = ["#067a3a", "#0b63b0", "#9a4f00", "#4b4dc9", "#c62828", "#0e7070"];

  function avatar(name, seed, large = false) {
    let sum = 0;
    for (const ch of seed || name || "") sum += ch.charCodeAt(0);
    const color = AVATAR_COLORS[sum % AVATAR_COLORS.length];
    return h(
      "span",
      { class: large ? "avatar avatar-large" : "avatar", style: `background:${color}` },
      (name || "?").trim().charAt(0) || "?",
    );
  }

  const chevron = () => h("span", { class: "chevron", "aria-hidden": "true" });

  const SHANGHAI = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });

  /** "YYYY-MM-DD HH:mm" in Asia/Shanghai, whatever the offset of the ISO 8601 time given. */
  function fmtTime(iso) {
    if (!iso) return "";
    const text = String(iso).replace(/([+-]\d\d)(\d\d)$/, "$1:$2");
    const when = new Date(text);
    if (Number.isNaN(when.getTime())) return text.replace("T", " ").slice(0, 16);
    const part = Object.fromEntries(SHANGHAI.formatToParts(when).map((p) => [p.type, p.value]));
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
  }
  const fmtDate = (iso) => (iso ? String(iso).slice(0, 10) : "");
  const unitName = (unit) => `${unit.building} ${unit.number}`;
  const formatCode = (code) => (code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code);
  const normalizeCode = (text) => String(text || "").replace(/[\s-]/g, "").toUpperCase();
  const normalizePhone = (text) =>
    String(text || "")
      .replace(/[\s-]/g, "")
      .replace(/^\+86/, "");
  /** Sort names as people count: 2幢 before 10幢, 902 before 1001. */
  const naturally = (key) => (a, b) => String(a[key]).localeCompare(String(b[key]), "zh-CN", { numeric: true });
  const maskPhone = (phone) => (phone && phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone);

  function tomorrow() {
    const d = new Date();
    d.setDate(d.getDate() + 1);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  // --- feedback: toast, loading, modal, action sheet --------------------------------------

  let toastTimer = null;

  /** wx.showToast: a short message in the middle of the screen. */
  function toast(message, kind = "none", duration) {
    const el = $("#toast");
    el.replaceChildren();
    if (kind === "success") el.append(icon("toastOk"));
    if (kind === "error") el.append(icon("toastError"));
    el.append(h("span", { class: "toast-text" }, message));
    el.dataset.kind = kind;
    el.hidden = false;
    $("#loading").hidden = true;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      el.hidden = true;
    }, elderMode() ? Math.max(duration || 0, 10000) : duration || (kind === "error" ? 3000 : 1500));
  }

  /** wx.hideToast. */
  function hideToast() {
    clearTimeout(toastTimer);
    $("#toast").hidden = true;
  }

  /** Replace a page with its result page; a toast left from an earlier try must not cover it. */
  function showResult(root, view) {
    hideToast();
    root.replaceChildren(view);
  }

  /** Show an error to the user, unless it was already handled (a 401 sends to login). */
  function fail(err) {
    if (err && err.handled) return;
    console.warn("[linli]", err);
    toast((err && err.message) || "操作失败，请稍后再试", "error");
  }

  let busyCount = 0;
  let busyTimer = null;

  /** wx.showLoading while requests are under way (only if they take a moment). */
  function busy(delta) {
    busyCount = Math.max(0, busyCount + delta);
    const el = $("#loading");
    if (busyCount > 0 && !busyTimer && el.hidden) {
      busyTimer = setTimeout(() => {
        busyTimer = null;
        if (busyCount > 0 && $("#toast").hidden) el.hidden = false;
      }, 300);
    }
    if (busyCount === 0) {
      clearTimeout(busyTimer);
      busyTimer = null;
      el.hidden = true;
    }
    document.body.dataset.busy = busyCount > 0 ? "true" : "false";
  }

  function closeOverlay() {
    const overlay = $("#overlay");
    overlay.hidden = true;
    overlay.className = "overlay";
    overlay.replaceChildren();
    overlay.onclick = null;
  }

  /** wx.showModal: resolves true when the user confirms. */
  function confirmModal(title, content, confirmText = "确定") {
    return new Promise((resolve) => {
      const overlay = $("#overlay");
      const done = (answer) => {
        closeOverlay();
        resolve(answer);
      };
      overlay.replaceChildren(
        h(
          "div",
          { class: "modal", role: "dialog", "aria-modal": "true", testid: "modal" },
          h("div", { class: "modal-title" }, title),
          h("div", { class: "modal-content" }, content),
          h(
            "div",
            { class: "modal-buttons" },
            h("button", { type: "button", testid: "modal-cancel", onClick: () => done(false) }, "取消"),
            h("button", { type: "button", class: "confirm", testid: "modal-confirm", onClick: () => done(true) }, confirmText),
          ),
        ),
      );
      overlay.hidden = false;
    });
  }

  /** wx.showActionSheet. */
  function actionSheet(items) {
    const overlay = $("#overlay");
    overlay.className = "overlay sheet";
    overlay.replaceChildren(
      h(
        "div",
        { class: "action-sheet", testid: "action-sheet", onClick: (event) => event.stopPropagation() },
        items.map((item) =>
          h(
            "button",
            {
              type: "button",
              onClick: () => {
                closeOverlay();
                item.action();
              },
            },
            item.label,
          ),
        ),
        h("button", { type: "button", class: "cancel", onClick: closeOverlay }, "取消"),
      ),
    );
    overlay.onclick = closeOverlay;
    overlay.hidden = false;
  }

  // --- display: elder mode (长辈版) and WeChat's font size ---------------------------------
  //
  // ?mode=elder (or standard) on the page's URL decides for the visit; otherwise the
  // resident's setting on the server (GET /me/settings, what the real mini-app reads) does.
  // ?font_scale=1.4 stands in for WeChat's font-size setting (wx.getAppBaseInfo()
  // .fontSizeSetting / 17 px). Styles: elder.css, keyed on <html data-mode="elder">.

  const launch = new URLSearchParams(location.search);
  const display = {
    elder: launch.has("mode") ? launch.get("mode") === "elder" : sessionStorage.getItem("linli.elder") === "1",
    pinned: launch.has("mode"),
    synced: false,
    // bumped by each switch: a setting read before the resident's own switch is stale
    choices: 0,
    scale: Math.min(Math.max(Number(launch.get("font_scale")) || 1, 1), 2),
  };

  function applyDisplay() {
    const root = document.documentElement;
    root.dataset.mode = display.elder ? "elder" : "standard";
    if (display.scale !== 1) root.dataset.fontScale = String(display.scale);
    root.style.setProperty("--font-scale", String(display.scale));
    sessionStorage.setItem("linli.elder", display.elder ? "1" : "0");
  }

  const elderMode = () => display.elder;

  /** A link to a page outside the simulator (receipt verification, the public board) that
   *  keeps the reader's elder mode and font scale, as ?mode=elder&font_scale=… */
  function displayUrl(url) {
    const target = new URL(url, location.href);
    if (display.elder) target.searchParams.set("mode", "elder");
    if (display.scale !== 1) target.searchParams.set("font_scale", String(Math.min(display.scale, 1.4)));
    return target.href;
  }

  /** Switch the elder mode on or off, remembered on the server for this resident. */
  async function setElderMode(on) {
    display.elder = on;
    display.pinned = false;
    display.choices += 1;
    applyDisplay();
    try {
      if (session) await api("/me/settings", { method: "PUT", body: { elder_mode: on } });
      toast(on ? "已切换到长辈版" : "已切换到标准版", "success");
    } catch (err) {
      fail(err);
    }
    render();
  }

  /** Once signed in, follow the resident's own setting unless the URL chose a mode. */
  function syncDisplaySetting() {
    if (!session || display.pinned || display.synced) return;
    display.synced = true;
    const choices = display.choices;
    api("/me/settings")
      .then((settings) => {
        // the resident switched while this was read: their choice wins (and is being saved)
        if (choices !== display.choices) return;
        if (Boolean(settings.elder_mode) === display.elder) return;
        display.elder = Boolean(settings.elder_mode);
        applyDisplay();
        render();
      })
      .catch(() => {
        display.synced = false;
      });
  }

  /** 请家人帮忙: message the others bound to the unit about a bill or a ticket. */
  async function askFamily(matter) {
    try {
      const answer = await api("/me/help-requests", { method: "POST", body: matter });
      toast(answer.asked ? `已请 ${answer.asked} 位家人帮忙` : "已经请过家人了", "success");
      return answer;
    } catch (err) {
      fail(err);
      return null;
    }
  }

  // --- the signed-in WeChat user, kept per user in sessionStorage --------------------------

  const store = {
    current() {
      return sessionStorage.getItem("linli.current");
    },
    load(openid) {
      try {
        return JSON.parse(sessionStorage.getItem(`linli.session.${openid}`));
      } catch {
        return null;
      }
    },
    save(saved) {
      sessionStorage.setItem(`linli.session.${saved.openid}`, JSON.stringify(saved));
      sessionStorage.setItem("linli.current", saved.openid);
    },
    forget(openid) {
      sessionStorage.removeItem(`linli.session.${openid}`);
      if (this.current() === openid) sessionStorage.removeItem("linli.current");
    },
  };

  const expired = (saved) => !saved || !saved.token || (saved.expiresAt && Date.parse(saved.expiresAt) <= Date.now());

  /** {openid, nickname, token, expiresAt, resident} of the signed-in user, or null. */
  let session = null;

  function restoreSession() {
    const openid = store.current();
    const saved = openid ? store.load(openid) : null;
    session = saved && !expired(saved) ? saved : null;
  }

  // --- talking to the servers -------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message, errors) {
      super(message);
      this.status = status;
      this.errors = errors || {};
      this.handled = false;
    }
  }

  /** fetch with the loading indicator; API errors become ApiError with the server's message. */
  async function request(url, { method = "GET", body, token, as = "json", headers: extra = {} } = {}) {
    const headers = { Accept: as === "json" ? "application/json" : "*/*", ...extra };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    busy(+1);
    try {
      let response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch {
        throw new ApiError(0, "网络连接失败，请确认服务已经启动");
      }
      if (!response.ok) {
        let data = null;
        try {
          data = await response.json();
        } catch {
          data = null;
        }
        const message = (data && (data.message || data.errmsg)) || `请求失败（HTTP ${response.status}）`;
        throw new ApiError(response.status, message, data && data.errors);
      }
      if (as === "blob") return await response.blob();
      if (response.status === 204) return null;
      return await response.json();
    } finally {
      busy(-1);
    }
  }

  /** A request with the bearer token; a 401 signs the user out and opens the login page. */
  async function authorized(url, options = {}) {
    if (!session) {
      go("#/login");
      const err = new ApiError(401, "请先登录");
      err.handled = true;
      throw err;
    }
    try {
      return await request(url, { ...options, token: session.token });
    } catch (err) {
      if (err.status === 401) {
        signedOut(err.message || "登录已失效，请重新登录");
        err.handled = true;
      }
      throw err;
    }
  }

  const api = (path, options) => authorized(API_BASE + path, options);
  const mock = (path, options) => request(MOCK_BASE + path, options);
  /** A URL the API returned (e.g. a QR code's path), made absolute against the API's origin. */
  const apiUrl = (path) => new URL(path, new URL(`${API_BASE}/`, location.href)).href;

  function signedOut(message) {
    if (session) store.forget(session.openid);
    session = null;
    updateBadge(0);
    toast(message, "error");
    go("#/login");
  }

  /** Imitate wx.login on the fake WeChat server, then trade the code for a token. */
  async function signIn(user) {
    const saved = store.load(user.openid);
    if (saved && !expired(saved)) {
      session = saved;
      store.save(saved);
      go("#/home");
      refreshBadge();
      return;
    }
    const { code } = await mock("/login", { method: "POST", body: { openid: user.openid } });
    const data = await request(`${API_BASE}/auth/wechat`, { method: "POST", body: { code } });
    session = {
      openid: user.openid,
      nickname: user.nickname,
      token: data.token,
      expiresAt: data.expires_at,
      resident: data.resident,
    };
    store.save(session);
    go("#/home");
    refreshBadge();
  }

  // --- unread messages of the message center: the red badge on the 消息 tab ----------------

  function updateBadge(count) {
    const badge = $("#message-badge");
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = !count;
  }

  async function refreshBadge() {
    if (!session) return updateBadge(0);
    const token = session.token;
    try {
      const { unread } = await request(`${API_BASE}/me/messages/unread-count`, { token });
      if (session && session.token === token) updateBadge(unread);
    } catch {
      // the badge is a nicety: no toast when it cannot be fetched
    }
  }

  // --- wx.requestSubscribeMessage: the consent sheet, WeChat's record, the backend's ledger --

  let templateList = null;

  async function subscribeTemplates() {
    if (!templateList) templateList = await mock("/templates");
    return templateList;
  }

  /** WeChat's sheet: one switch per template; resolves {id: "accept"|"reject"}. */
  function subscribeSheet(templates) {
    return new Promise((resolve) => {
      const overlay = $("#overlay");
      const switches = templates.map((t) =>
        h("input", { type: "checkbox", checked: true, dataset: { template: t.id }, "aria-label": t.title }),
      );
      const answer = (allow) => {
        const choices = {};
        templates.forEach((t, i) => {
          choices[t.id] = allow && switches[i].checked ? "accept" : "reject";
        });
        closeOverlay();
        resolve(choices);
      };
      overlay.className = "overlay sheet";
      overlay.replaceChildren(
        h(
          "div",
          { class: "subscribe-sheet", role: "dialog", "aria-modal": "true", testid: "subscribe-sheet" },
          h("div", { class: "subscribe-app" }, h("span", { class: "message-app-icon" }, "邻"), h("span", null, "邻里 申请")),
          h("div", { class: "subscribe-title" }, "向你发送以下消息"),
          h(
            "div",
            { class: "subscribe-options" },
            templates.map((t, i) =>
              h(
                "label",
                { class: "subscribe-option", testid: "subscribe-option", dataset: { template: t.id } },
                h("span", null, t.title),
                switches[i],
              ),
            ),
          ),
          h("p", { class: "subscribe-note" }, "每次允许可收到一条该消息；不允许时可在「消息」中查看。"),
          h(
            "div",
            { class: "subscribe-buttons" },
            h("button", { type: "button", class: "btn", testid: "subscribe-cancel", onClick: () => answer(false) }, "取消"),
            h("button", { type: "button", class: "btn btn-primary", testid: "subscribe-allow", onClick: () => answer(true) }, "允许"),
          ),
        ),
      );
      overlay.hidden = false;
    });
  }

  /**
   * Ask for consent at `moment` (a key of SUBSCRIBE_MOMENTS): the sheet, then WeChat records
   * the choices (/_mock/subscribe) and the backend's ledger is told (POST /me/subscriptions).
   * Never throws: a failed ask must not stop what the user tapped for.
   */
  async function askSubscribe(moment) {
    if (!session) return null;
    try {
      const byName = Object.fromEntries((await subscribeTemplates()).map((t) => [t.name, t]));
      const templates = (SUBSCRIBE_MOMENTS[moment] || []).map((n) => byName[n]).filter(Boolean).slice(0, 3);
      if (!templates.length) return null;
      const choices = await subscribeSheet(templates);
      const answer = await mock("/subscribe", { method: "POST", body: { openid: session.openid, choices } });
      if (!String(answer.errMsg || "").endsWith(":ok")) return answer;
      await api("/me/subscriptions", { method: "POST", body: answer });
      return answer;
    } catch (err) {
      if (!err.handled) console.warn("requestSubscribeMessage failed", err);
      return null;
    }
  }

  /** Hooks for the pages other features add (after a ticket, a payment, opening a motion). */
  window.linli = Object.freeze({ askSubscribe, askFamily, elderMode, setElderMode, displayUrl });

  // --- navigation -------------------------------------------------------------------------

  const routes = [
    { pattern: /^\/login$/, page: loginPage, open: true },
    { pattern: /^\/home$/, page: homePage, tab: "home" },
    { pattern: /^\/units$/, page: unitsPage, tab: "units" },
    { pattern: /^\/messages$/, page: messagesPage, tab: "messages" },
    { pattern: /^\/me$/, page: mePage, tab: "me" },
    { pattern: /^\/bind\/invite$/, page: bindInvitePage },
    { pattern: /^\/bind\/request$/, page: bindRequestPage },
    { pattern: /^\/invite\/(\d+)$/, page: ownerInvitePage },
    { pattern: /^\/tickets$/, page: ticketsPage },
    { pattern: /^\/tickets\/new$/, page: newTicketPage },
    { pattern: /^\/tickets\/equipment$/, page: equipmentReportPage },
    { pattern: /^\/tickets\/(\d+)$/, page: ticketPage },
    { pattern: /^\/family\/tickets\/(\d+)$/, page: familyTicketPage },
  ];

  let renders = 0;

  function go(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  }

  function setTitle(title) {
    $("#nav-title").textContent = title;
    document.title = `${title} · 邻里`;
  }

  function render() {
    const raw = location.hash.replace(/^#/, "") || "/home";
    const [path, search] = raw.split("?");
    const route = routes.find((r) => r.pattern.test(path));
    if (!route) return location.replace("#/home");
    if (!route.open && !session) return location.replace("#/login");
    renders += 1;
    closeOverlay();
    const root = h("div", { class: "page-body", dataset: { route: path } });
    const page = $("#page");
    page.replaceChildren(root);
    page.scrollTop = 0;
    page.dataset.route = path;
    $("#tabbar").hidden = !route.tab;
    for (const tab of document.querySelectorAll(".tab")) {
      tab.classList.toggle("active", tab.dataset.tab === route.tab);
    }
    $("#nav-back").hidden = Boolean(route.tab) || (route.open && !session);
    route.page(root, { params: path.match(route.pattern).slice(1), query: new URLSearchParams(search || "") });
    if (route.tab && route.tab !== "messages") refreshBadge();
    syncDisplaySetting();
  }

  function back() {
    if (renders > 1 && history.length > 1) history.back();
    else go("#/home");
  }

  // --- shared page pieces -----------------------------------------------------------------

  const skeletons = (n = 2) => Array.from({ length: n }, () => h("div", { class: "skeleton" }));

  function errorState(err, retry) {
    return h(
      "div",
      { class: "empty", testid: "load-error" },
      icon("warn"),
      h("div", { class: "empty-title" }, "加载失败"),
      h("div", { class: "empty-desc" }, err.message),
      h("div", { class: "actions" }, h("button", { type: "button", class: "btn btn-small", onClick: retry }, "重新加载")),
    );
  }

  /** A result page: an icon, a title, lines of text and buttons (like WeUI's msg page). */
  function resultView({ iconName, title, lines = [], buttons = [], testid, status }) {
    return h(
      "div",
      { testid, dataset: status ? { status } : undefined },
      h(
        "div",
        { class: "result" },
        icon(iconName),
        h("div", { class: "result-title", testid: testid && `${testid}-title` }, title),
        lines.map((line) => h("div", { class: "result-desc" }, line)),
      ),
      h(
        "div",
        { class: "actions" },
        buttons.map((b) =>
          h("button", { type: "button", class: b.primary ? "btn btn-primary" : "btn", testid: b.testid, onClick: b.action }, b.label),
        ),
      ),
    );
  }

  function chips(options, selected, onPick, testidPrefix) {
    const row = h("div", { class: "segmented", role: "radiogroup" });
    const paint = (value) => {
      for (const chip of row.children) {
        const on = chip.dataset.value === String(value);
        chip.classList.toggle("selected", on);
        chip.setAttribute("aria-checked", on ? "true" : "false");
      }
    };
    for (const option of options) {
      row.append(
        h(
          "button",
          {
            type: "button",
            class: "chip",
            role: "radio",
            testid: `${testidPrefix}-${option.value}`,
            dataset: { value: option.value },
            onClick: () => {
              paint(option.value);
              onPick(option.value, option);
            },
          },
          option.label,
        ),
      );
    }
    paint(selected);
    return row;
  }

  function formCell(label, control, extra = {}) {
    return h("label", { class: "form-cell", ...extra }, h("span", { class: "form-label" }, label), control);
  }

  // --- 报事报修：提交、我的工单、进度、评价、重新打开 ------------------------------------------

  const TICKET_KINDS = [
    { value: "home_repair", label: "户内报修" },
    { value: "shared_repair", label: "公共报修" },
    { value: "complaint", label: "投诉" },
    { value: "report", label: "报事" },
  ];
  const REPORT_CATEGORIES = [
    { value: "illegal_building", label: "违章搭建" },
    { value: "flying_wire", label: "飞线充电" },
    { value: "fire_lane", label: "消防通道堵塞" },
    { value: "littering", label: "乱堆乱放" },
    { value: "other", label: "其他" },
  ];
  const MAX_PHOTOS = 9;

  /** wx.uploadFile: one photo per request, multipart field "file"; resolves {id, url, …}. */
  const uploadPhoto = (file) => uploadFile("/media/photos", file, "photo.jpg");
  /** A voice note (a MediaRecorder blob or a chosen file); resolves {id, url, seconds, …}. */
  const uploadVoice = (file) => uploadFile("/media/voice-notes", file, "voice.webm");

  async function uploadFile(path, file, fallbackName) {
    if (!session) throw new ApiError(401, "请先登录");
    const form = new FormData();
    form.append("file", file, file.name || fallbackName);
    busy(+1);
    try {
      let response;
      try {
        response = await fetch(`${API_BASE}${path}`, {
          method: "POST",
          headers: { Authorization: `Bearer ${session.token}`, Accept: "application/json" },
          body: form,
        });
      } catch {
        throw new ApiError(0, "网络连接失败，请确认服务已经启动");
      }
      let data = null;
      try {
        data = await response.json();
      } catch {
        data = null;
      }
      if (!response.ok) {
        throw new ApiError(response.status, (data && data.message) || `上传失败（HTTP ${response.status}）`);
      }
      return data;
    } finally {
      busy(-1);
    }
  }

  const stateTag = (ticket) =>
    h(
      "span",
      {
        class: `tag ${["resolved", "closed"].includes(ticket.state) ? "" : ticket.state === "rejected" || ticket.state === "escalated" ? "tag-rejected" : "tag-pending"}`,
        testid: "ticket-state",
      },
      ticket.state_label,
    );

  function ticketsPage(root) {
    setTitle("报事报修");
    const load = () => {
      root.replaceChildren(...skeletons());
      api("/me/tickets?page_size=50")
        .then((tickets) => {
          root.replaceChildren(
            h(
              "div",
              { class: "actions" },
              h("button", { type: "button", class: "btn btn-primary", testid: "new-ticket", onClick: () => go("#/tickets/new") }, "我要报修 / 投诉"),
              h("button", { type: "button", class: "btn", testid: "report-equipment", onClick: () => go("#/tickets/equipment") }, "电梯 / 消防设施故障"),
            ),
          );
          if (!tickets.length) {
            root.append(h("div", { class: "empty", testid: "tickets-empty" }, icon("inbox"), h("div", { class: "empty-title" }, "还没有工单")));
            return;
          }
          root.append(
            h("div", { class: "section-title" }, h("span", null, "我的工单")),
            h(
              "div",
              { class: "cells", testid: "ticket-list" },
              tickets.map((t) =>
                h(
                  "button",
                  { type: "button", class: "cell tappable", testid: `ticket-${t.id}`, onClick: () => go(`#/tickets/${t.id}`) },
                  h(
                    "div",
                    { class: "cell-body" },
                    h("div", { class: "cell-title" }, `${t.kind_label} · ${t.description.slice(0, 18)}`),
                    h("div", { class: "cell-desc" }, `${t.estate} ${t.place} · ${fmtTime(t.created_at)}`),
                  ),
                  stateTag(t),
                  chevron(),
                ),
              ),
            ),
          );
        })
        .catch((err) => {
          if (err.handled) return;
          root.replaceChildren(errorState(err, load));
          fail(err);
        });
    };
    load();
  }

  /** Photos chosen and uploaded one by one (as wx.uploadFile does); ``ids()`` to submit. */
  function photoPicker() {
    const photos = [];
    const strip = h("div", { class: "photo-strip", testid: "photo-strip" });
    const fileInput = h("input", { type: "file", accept: "image/*", multiple: true, testid: "photo-input", class: "photo-input" });
    const paintPhotos = () => {
      strip.replaceChildren(
        ...photos.map((p, i) =>
          h(
            "div",
            { class: "photo-thumb", testid: "photo-thumb" },
            h("img", { src: p.thumbnail_url, alt: `照片 ${i + 1}` }),
            h("button", { type: "button", class: "photo-remove", "aria-label": "删除", onClick: () => { photos.splice(i, 1); paintPhotos(); } }, "×"),
          ),
        ),
      );
    };
    fileInput.addEventListener("change", async () => {
      const files = Array.from(fileInput.files || []);
      fileInput.value = "";
      for (const file of files) {
        if (photos.length >= MAX_PHOTOS) {
          toast(`最多上传 ${MAX_PHOTOS} 张照片`, "error");
          break;
        }
        try {
          photos.push(await uploadPhoto(file));
          paintPhotos();
        } catch (err) {
          fail(err);
        }
      }
    });
    return {
      element: h("div", { class: "picker" }, strip, h("label", { class: "photo-add" }, "＋ 添加照片", fileInput)),
      ids: () => photos.map((p) => p.id),
    };
  }

  function newTicketPage(root) {
    setTitle("报事报修");
    // one key per form: pressing "submit" twice (or a retry) gives one ticket
    const idempotencyKey = (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
    const chosen = { kind: "home_repair", urgency: "normal", category: "other", unitId: null, estateId: null };
    const photos = [];
    const unitChips = h("div", { testid: "ticket-units" });
    const location_ = h("input", { type: "text", testid: "ticket-location", placeholder: "例如：3幢一单元楼道", maxlength: "100" });
    const locationCell = formCell("位置", location_, { hidden: true });
    const categoryCell = h("div", { class: "picker", hidden: true }, h("div", { class: "picker-head" }, h("span", { class: "picker-label" }, "类别")),
      chips(REPORT_CATEGORIES, chosen.category, (v) => (chosen.category = v), "ticket-category"));
    const description = h("textarea", { testid: "ticket-description", placeholder: "请描述问题，例如：厨房水管漏水", maxlength: "1000", rows: "4" });
    const picker = photoPicker();
    const voice = voiceRecorder();
    const error = h("p", { class: "error-text", testid: "ticket-error", hidden: true });
    const submit = h("button", { type: "button", class: "btn btn-primary", testid: "submit-ticket" }, "提交");

    const setKind = (kind) => {
      chosen.kind = kind;
      const home = kind === "home_repair";
      unitChips.hidden = !home;
      locationCell.hidden = home;
      categoryCell.hidden = kind !== "report";
    };

    root.append(
      h("div", { class: "section-title" }, h("span", null, "类型")),
      h("div", { class: "cells" }, h("div", { class: "picker" }, chips(TICKET_KINDS, chosen.kind, setKind, "ticket-kind")), categoryCell),
      h("div", { class: "section-title" }, h("span", null, "紧急程度")),
      h("div", { class: "cells" }, h("div", { class: "picker" }, chips([{ value: "normal", label: "一般" }, { value: "urgent", label: "紧急" }], chosen.urgency, (v) => (chosen.urgency = v), "ticket-urgency"))),
      h("div", { class: "section-title" }, h("span", null, "地点")),
      h("div", { class: "cells" }, h("div", { class: "picker" }, unitChips), locationCell),
      h("div", { class: "section-title" }, h("span", null, "描述与照片"), h("span", { class: "small" }, `最多 ${MAX_PHOTOS} 张`)),
      h("div", { class: "cells" }, formCell("描述", description), picker.element),
      h("div", { class: "section-title" }, h("span", null, "语音（可代替文字）"), h("span", { class: "small" }, `最长 ${VOICE_MAX_SECONDS} 秒`)),
      h("div", { class: "cells" }, voice.element),
      error,
      h("div", { class: "actions" }, submit),
    );
    setKind(chosen.kind);

    // the report needs the resident's unit (or its estate): 提交 waits for them, or a quick
    // tap sent a report without one and got "户内报修请选择房屋"
    submit.disabled = true;
    api("/me/units")
      .then((units) => {
        if (!units.length) {
          unitChips.replaceChildren(h("div", { class: "option-desc" }, "请先绑定房屋"));
          return;
        }
        chosen.unitId = units[0].id;
        chosen.estateId = units[0].estate_id;
        submit.disabled = false;
        unitChips.replaceChildren(
          chips(
            units.map((u) => ({ value: String(u.id), label: `${u.estate} ${unitName(u)}`, estate: u.estate_id })),
            String(chosen.unitId),
            (v, option) => {
              chosen.unitId = Number(v);
              chosen.estateId = option.estate;
            },
            "ticket-unit",
          ),
        );
      })
      .catch(fail);

    submit.addEventListener("click", async () => {
      error.hidden = true;
      const body = {
        kind: chosen.kind,
        urgency: chosen.urgency,
        description: description.value.trim(),
        photo_ids: picker.ids(),
      };
      if (voice.note()) body.voice_note_id = voice.note().id;
      if (voice.recording()) {
        error.textContent = "请先停止录音";
        error.hidden = false;
        return;
      }
      if (chosen.kind === "home_repair") body.unit_id = chosen.unitId;
      else {
        body.estate_id = chosen.estateId;
        body.location = location_.value.trim();
      }
      if (chosen.kind === "report") body.category = chosen.category;
      submit.disabled = true;
      try {
        // as a real mini-app does, the tap asks for consent to tell the resident of progress
        await askSubscribe("ticket");
        const ticket = await authorized(`${API_BASE}/tickets`, { method: "POST", body, headers: { "Idempotency-Key": idempotencyKey } });
        toast("已提交", "success");
        go(`#/tickets/${ticket.id}`);
      } catch (err) {
        if (!err.handled) {
          error.textContent = err.message;
          error.hidden = false;
        }
      } finally {
        submit.disabled = false;
      }
    });
  }

  // a lift or fire system picked from its posted QR code or from the estate's list: the report
  // is a safety hazard (shortest time limit, on the street office's list at once)
  function equipmentReportPage(root) {
    setTitle("设施设备故障");
    const idempotencyKey = (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
    const chosen = { id: null };
    const list = h("div", { testid: "equipment-list" }, h("div", { class: "option-desc" }, "正在读取…"));
    const code = h("input", { type: "text", testid: "equipment-code", placeholder: "扫描电梯、消防设施上的二维码", maxlength: "100" });
    const scan = h("button", { type: "button", class: "btn", testid: "scan-equipment" }, "识别");
    const description = h("textarea", { testid: "equipment-description", placeholder: "例如：电梯困人、消火栓漏水", maxlength: "1000", rows: "4" });
    const error = h("p", { class: "error-text", testid: "equipment-error", hidden: true });
    const submit = h("button", { type: "button", class: "btn btn-primary", testid: "submit-equipment-report" }, "提交");
    const paint = (rows) => {
      if (!rows.length) {
        list.replaceChildren(h("div", { class: "option-desc" }, "本小区尚未登记设备"));
        return;
      }
      chosen.id = rows.length === 1 ? rows[0].id : chosen.id;
      list.replaceChildren(
        chips(
          rows.map((r) => ({ value: String(r.id), label: `${r.kind_label} ${r.name}` })),
          String(chosen.id),
          (v) => (chosen.id = Number(v)),
          "equipment",
        ),
      );
    };
    root.append(
      h("div", { class: "section-title" }, h("span", null, "扫码或选择设备")),
      h("div", { class: "cells" }, formCell("二维码", code), h("div", { class: "actions" }, scan), h("div", { class: "picker" }, list)),
      h("div", { class: "section-title" }, h("span", null, "故障描述"), h("span", { class: "small" }, "按安全隐患处理：即时上报街道")),
      h("div", { class: "cells" }, formCell("描述", description)),
      error,
      h("div", { class: "actions" }, submit),
    );
    api("/safety/equipment").then(paint).catch(fail);
    scan.addEventListener("click", () => {
      error.hidden = true;
      api(`/safety/equipment?code=${encodeURIComponent(code.value.trim())}`)
        .then((rows) => {
          chosen.id = rows[0].id;
          paint(rows);
        })
        .catch((err) => {
          if (err.handled) return;
          error.textContent = err.message;
          error.hidden = false;
        });
    });
    submit.addEventListener("click", async () => {
      error.hidden = true;
      submit.disabled = true;
      try {
        await askSubscribe("ticket");
        const body = { description: description.value.trim() };
        if (chosen.id) body.equipment_id = chosen.id;
        const ticket = await api("/safety/reports", { method: "POST", body, headers: { "Idempotency-Key": idempotencyKey } });
        toast("已提交", "success");
        go(`#/tickets/${ticket.id}`);
      } catch (err) {
        if (!err.handled) {
          error.textContent = err.message;
          error.hidden = false;
        }
      } finally {
        submit.disabled = false;
      }
    });
  }

  function ticketPage(root, { params }) {
    setTitle("工单进度");
    const id = params[0];
    const load = () => {
      root.replaceChildren(...skeletons());
      api(`/me/tickets/${id}`)
        .then((t) => {
          root.replaceChildren(ticketView(t, load));
        })
        .catch((err) => {
          if (err.handled) return;
          root.replaceChildren(errorState(err, load));
          fail(err);
        });
    };
    load();
  }

  const VOICE_MAX_SECONDS = 60;

  /** A voice note as the mini-app plays it: a player and its length. */
  function voicePlayer(note, testid = "voice-player") {
    return h(
      "div",
      { class: "voice-note", testid },
      h("audio", { controls: true, preload: "metadata", src: note.url, "aria-label": `语音 ${note.seconds} 秒` }),
      h("span", { class: "voice-seconds", testid: `${testid}-seconds` }, `${note.seconds} 秒`),
    );
  }

  /**
   * 按住说话: hold the button to record (let go to stop), or tap it to start and tap again to
   * stop (keyboard and screen-reader users); MediaRecorder as the mini-app's RecorderManager.
   * Without a microphone, a recording may be chosen as a file. The note is uploaded at once;
   * 删除重录 drops it. ``note()`` is the uploaded note, ``recording()`` whether one is under way.
   */
  function voiceRecorder() {
    let note = null;
    let recorder = null;
    let started = 0;
    let timer = null;
    let heldFrom = 0;
    const status = h("span", { class: "voice-status", testid: "voice-status", "aria-live": "polite" }, "");
    const record = h("button", { type: "button", class: "btn voice-record", testid: "voice-record", "aria-pressed": "false" }, "按住说话");
    const fileInput = h("input", { type: "file", accept: "audio/*", testid: "voice-input", class: "photo-input" });
    const choose = h("label", { class: "btn voice-choose" }, "选择录音文件", fileInput);
    const slot = h("div", { class: "voice-slot", testid: "voice-slot" });
    const controls = h("div", { class: "voice-controls" }, record, choose);
    const element = h("div", { class: "picker voice-picker" }, controls, status, slot);

    const paint = () => {
      const recording = Boolean(recorder);
      record.textContent = recording ? "松开或点击结束" : "按住说话";
      record.setAttribute("aria-pressed", recording ? "true" : "false");
      record.classList.toggle("recording", recording);
      controls.hidden = Boolean(note);
      choose.hidden = recording;
      status.hidden = !recording;
      if (!recording) status.textContent = "";
      slot.replaceChildren(
        ...(note
          ? [
              voicePlayer(note, "voice-preview"),
              h("button", { type: "button", class: "btn btn-small", testid: "voice-delete", onClick: () => { note = null; paint(); } }, "删除重录"),
            ]
          : []),
      );
    };
    const upload = async (blob) => {
      try {
        note = await uploadVoice(blob);
        toast(`语音已添加（${note.seconds} 秒）`, "success");
      } catch (err) {
        fail(err);
      }
      paint();
    };
    const tick = () => {
      const seconds = Math.floor((Date.now() - started) / 1000);
      status.textContent = `正在录音 ${seconds} 秒（最长 ${VOICE_MAX_SECONDS} 秒）`;
      if (seconds >= VOICE_MAX_SECONDS) stop();
    };
    async function start() {
      if (recorder || note) return;
      if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder)) {
        toast("此设备不能录音，请选择录音文件", "error");
        return;
      }
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch {
        toast("没有麦克风权限，请允许录音或选择录音文件", "error");
        return;
      }
      const chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", (event) => event.data.size && chunks.push(event.data));
      recorder.addEventListener("stop", () => {
        stream.getTracks().forEach((track) => track.stop());
        const type = (chunks[0] && chunks[0].type) || recorder.mimeType || "audio/webm";
        recorder = null;
        clearInterval(timer);
        paint();
        if (Date.now() - started < 800) {
          toast("录音太短，请按住说话至少 1 秒", "error");
          return;
        }
        upload(new File(chunks, type.includes("ogg") ? "voice.ogg" : "voice.webm", { type }));
      });
      started = Date.now();
      recorder.start(250);
      timer = setInterval(tick, 250);
      tick();
      paint();
    }
    function stop() {
      if (recorder && recorder.state !== "inactive") recorder.stop();
    }
    // hold to talk: a press of half a second or more ends when let go; a tap toggles
    let wasRecording = false;
    record.addEventListener("pointerdown", () => {
      heldFrom = Date.now();
      wasRecording = Boolean(recorder);
      if (!recorder) start();
    });
    record.addEventListener("pointerup", () => {
      if (!wasRecording && recorder && heldFrom && Date.now() - heldFrom >= 500) stop();
    });
    record.addEventListener("click", (event) => {
      if (event.detail > 0 && heldFrom) {
        // a pointer: pressing again while recording stops; the rest is done above
        heldFrom = 0;
        if (wasRecording) stop();
        return;
      }
      if (recorder) stop();
      else start();
    });
    fileInput.addEventListener("change", () => {
      const file = fileInput.files && fileInput.files[0];
      fileInput.value = "";
      if (file) upload(file);
    });
    paint();
    return { element, note: () => note, recording: () => Boolean(recorder) };
  }

  /** 请家人帮忙: the ticket a family member of the same unit asked me to help with. */
  function familyTicketPage(root, { params }) {
    setTitle("帮家人跟进工单");
    const id = params[0];
    const load = () => {
      root.replaceChildren(...skeletons());
      api(`/me/family-tickets/${id}`)
        .then((t) => {
          root.replaceChildren(ticketView(t, load, { family: true }));
        })
        .catch((err) => {
          if (err.handled) return;
          root.replaceChildren(errorState(err, load));
          fail(err);
        });
    };
    load();
  }

  function photoRow(photos) {
    return h(
      "div",
      { class: "photo-strip" },
      photos.map((p, i) => h("a", { href: p.url, target: "_blank", rel: "noopener", class: "photo-thumb" }, h("img", { src: p.thumbnail_url, alt: `照片 ${i + 1}` }))),
    );
  }

  function ticketView(t, reload, { family = false } = {}) {
    const base = family ? "/me/family-tickets" : "/me/tickets";
    const post = async (path, body, done) => {
      try {
        await api(`${base}/${t.id}/${path}`, { method: "POST", body });
        toast(done, "success");
        reload();
      } catch (err) {
        fail(err);
      }
    };
    const actions = h("div", { class: "actions", testid: "ticket-actions" });
    if (t.actions.includes("follow_up")) {
      const note = h("textarea", { testid: "follow-up-note", placeholder: "例如：师傅下午三点后家里有人", maxlength: "1000", rows: "3" });
      const picker = photoPicker();
      actions.append(
        h("div", { class: "cells" }, formCell(family ? "代为补充说明" : "补充说明", note), picker.element),
        h("button", { type: "button", class: "btn btn-primary", testid: "submit-follow-up", onClick: () => post("follow-ups", { note: note.value.trim(), photo_ids: picker.ids() }, "已补充说明") }, "提交补充说明"),
      );
    }
    if (t.actions.includes("rate")) {
      let score = 5;
      const comment = h("input", { type: "text", testid: "rating-comment", placeholder: "说说处理得怎么样（选填）", maxlength: "500" });
      actions.append(
        h("div", { class: "cells" },
          h("div", { class: "picker" }, h("div", { class: "picker-head" }, h("span", { class: "picker-label" }, family ? "代为评价" : "评价")),
            chips([1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: "★".repeat(n) })), "5", (v) => (score = Number(v)), "rating")),
          formCell("评语", comment)),
        h("button", { type: "button", class: "btn btn-primary", testid: "submit-rating", onClick: () => post("rating", { score, comment: comment.value.trim() }, "感谢您的评价") }, "提交评价"),
      );
    }
    if (t.actions.includes("reopen")) {
      const reason = h("input", { type: "text", testid: "reopen-reason", placeholder: "哪里还不满意（必填）", maxlength: "500" });
      actions.append(
        h("div", { class: "cells" }, formCell("原因", reason)),
        h("button", { type: "button", class: "btn btn-warn", testid: "reopen-ticket", onClick: () => post("reopen", { note: reason.value.trim() }, "已重新打开") }, "不满意，重新处理"),
      );
    }
    // 催办: open tickets, once per interval; otherwise the button stays, disabled, with why
    const canUrge = t.actions.includes("urge");
    actions.append(
      h("button", { type: "button", class: "btn", testid: "urge-ticket", disabled: canUrge ? null : "", "aria-describedby": canUrge ? null : `urge-reason-${t.id}`, onClick: () => post("urge", undefined, family ? "已代为催办，物业会尽快处理" : "已催办，物业会尽快处理") }, family ? "代为催办" : "催办"),
      canUrge ? null : h("p", { class: "small muted", id: `urge-reason-${t.id}`, testid: "urge-reason" }, t.urge_refusal),
      t.urge_count ? h("p", { class: "small", testid: "urge-count" }, `已催办 ${t.urge_count} 次，最近 ${fmtTime(t.urged_at)}`) : null,
    );
    if (!family && !["closed", "rejected"].includes(t.state)) {
      actions.append(h("button", { type: "button", class: "btn", testid: "ask-family", onClick: () => askFamily({ ticket_id: t.id }) }, "请家人帮忙"));
    }
    if (!family && ["resolved", "closed", "reopened", "escalated", "rejected"].includes(t.state)) {
      actions.append(h("a", { class: "btn", href: `#/mediation/new?ticket=${t.id}`, testid: "ask-mediation" }, "申请人民调解"));
    }
    if (t.actions.includes("supervise")) {
      actions.append(h("button", { type: "button", class: "btn", testid: "ask-supervision", onClick: () => post("supervision", {}, "已申请街道督办") }, "申请街道督办"));
    }
    return h(
      "div",
      { testid: "ticket-detail", dataset: { state: t.state } },
      family ? h("p", { class: "family-banner", testid: "family-banner" }, `${t.asked_by} 请您帮忙跟进这张工单。您在这里补充的说明和评价，进度中都会写明由家人代为办理。`) : null,
      h(
        "div",
        { class: "unit-card" },
        h("div", { class: "unit-card-head" }, h("strong", null, `T${t.id} · ${t.kind_label}`), stateTag(t)),
        h("div", { class: "unit-estate" }, `${t.estate} ${t.place}`),
        h("p", { testid: "ticket-text" }, t.description),
        t.voice_note ? voicePlayer(t.voice_note, "ticket-voice") : null,
        t.photos.length ? photoRow(t.photos) : null,
        t.rating ? h("div", { class: "small", testid: "ticket-rating" }, `${family ? "评价" : "我的评价"}：${"★".repeat(t.rating)} ${t.rating_comment}`) : null,
      ),
      h("div", { class: "section-title" }, h("span", null, "处理进度")),
      h(
        "ol",
        { class: "timeline", testid: "ticket-timeline" },
        [...t.timeline].reverse().map((e) =>
          h(
            "li",
            { class: "timeline-item", dataset: { action: e.action } },
            h("div", { class: "timeline-head" }, h("strong", null, e.state_label || e.action_label), h("span", { class: "small muted" }, ` ${e.actor} · ${fmtTime(e.at)}`)),
            e.note ? h("div", { class: "small" }, e.note) : null,
            e.photos.length ? photoRow(e.photos) : null,
          ),
        ),
      ),
      actions,
    );
  }

  // --- 微信登录 -----------------------------------------------------------------------------

  function loginPage(root) {
    setTitle("微信登录");
    const list = h("div", { class: "cells", testid: "user-list" }, h("div", { class: "cell muted" }, "正在读取微信账号…"));
    root.append(
      h(
        "div",
        { class: "login-head" },
        h("div", { class: "logo" }, "邻"),
        h("h2", null, "邻里"),
        h("p", null, "智慧物业 · 住户服务"),
      ),
      h("div", { class: "section-title" }, h("span", null, "选择微信账号登录")),
      list,
      h(
        "p",
        { class: "hint" },
        "模拟 wx.login：点选一位演示微信用户，模拟器向模拟微信服务器取得一次性登录凭证（code），再调用住户接口换取登录令牌。",
      ),
    );
    let signingIn = false;
    const load = () =>
      mock("/users")
        .then((users) => {
          list.replaceChildren(
            ...users.map((user) => {
              const saved = store.load(user.openid);
              const isCurrent = session && session.openid === user.openid;
              return h(
                "button",
                {
                  type: "button",
                  class: "cell tappable",
                  testid: `login-user-${user.openid}`,
                  onClick: async () => {
                    if (signingIn) return;
                    signingIn = true;
                    try {
                      await signIn(user);
                    } catch (err) {
                      fail(err);
                    } finally {
                      signingIn = false;
                    }
                  },
                },
                avatar(user.nickname, user.openid),
                h(
                  "span",
                  { class: "cell-body" },
                  h("div", { class: "cell-title" }, user.nickname),
                  h("div", { class: "cell-desc" }, `openid：${user.openid}`),
                ),
                isCurrent
                  ? h("span", { class: "tag" }, "当前账号")
                  : saved && !expired(saved)
                    ? h("span", { class: "tag tag-ended" }, "已登录")
                    : null,
                chevron(),
              );
            }),
          );
        })
        .catch((err) => {
          list.replaceChildren(errorState(err, load));
          fail(err);
        });
    load();
  }

  // --- 首页 ---------------------------------------------------------------------------------

  function homePage(root) {
    if (elderMode()) return elderHomePage(root);
    setTitle("邻里");
    const summary = h("div", { class: "banner-sub", testid: "home-summary" }, "正在读取房屋信息…");
    const service = (label, name, color, action, testid) =>
      h(
        "button",
        { type: "button", class: "grid-item", testid, onClick: action },
        h("span", { class: "grid-icon", style: `background:${color}` }, icon(name)),
        h("span", null, label),
      );
    root.append(
      h(
        "div",
        { class: "banner" },
        h("div", { class: "banner-hello", testid: "hello" }, `你好，${session.nickname}`),
        summary,
      ),
      h(
        "button",
        { type: "button", class: "elder-entry-switch", testid: "elder-on", onClick: () => setElderMode(true) },
        h("span", { class: "elder-entry-big" }, "长辈版"),
        h("span", null, "大字体 · 大按钮 · 常用服务一键直达"),
      ),
      h("div", { class: "section-title" }, h("span", null, "房屋绑定")),
      h(
        "div",
        { class: "cells" },
        h(
          "div",
          { class: "grid" },
          service("邀请码绑定", "key", "#07c160", () => go("#/bind/invite"), "home-bind-invite"),
          service("申请绑定", "form", "#10aeff", () => go("#/bind/request"), "home-bind-request"),
          service("我的房屋", "units", "#fa9d3b", () => go("#/units"), "home-units"),
          service("消息通知", "bell", "#6467f0", () => go("#/messages"), "home-messages"),
        ),
      ),
      h("div", { class: "section-title" }, h("span", null, "物业服务")),
      h(
        "div",
        { class: "cells" },
        h(
          "div",
          { class: "grid" },
          service("物业缴费", "pay", "#07c160", () => go("#/bills"), "home-pay"),
          service("报事报修", "repair", "#fa9d3b", () => go("#/tickets"), "home-repair"),
          service("业主投票", "vote", "#10aeff", () => go("#/votes"), "home-vote"),
          service("信息公示", "board", "#6467f0", () => go("#/boards"), "home-board"),
          service("维修资金", "units", "#15bdbd", () => go("#/fund"), "home-fund"),
          service("满意度测评", "form", "#07c160", () => go("#/surveys"), "home-survey"),
        ),
      ),
    );
    // the current residencies carry their unit with its names (see unitsPage)
    api("/me/residencies")
      .then((residencies) => {
        const units = residencies.filter((r) => r.is_current).map((r) => r.unit);
        if (!units.length) {
          summary.textContent = "还没有绑定房屋，绑定后即可使用物业服务";
          return;
        }
        const first = units[0];
        const more = units.length > 1 ? `，共 ${units.length} 套房屋` : "";
        summary.textContent = `${first.estate} · ${unitName(first)}${more}`;
      })
      .catch((err) => {
        summary.textContent = "房屋信息读取失败";
        fail(err);
      });
  }

  /** The elder home (长辈版首页): the three jobs older residents do most, one tap each. */
  function elderHomePage(root) {
    setTitle("邻里 · 长辈版");
    const entry = (label, note, name, hash, testid) =>
      h(
        "a",
        { class: "elder-entry", href: hash, testid },
        h("span", { class: "elder-entry-icon", "aria-hidden": "true" }, icon(name)),
        h("span", { class: "elder-entry-text" }, h("strong", null, label), h("span", null, note)),
        chevron(),
      );
    const summary = h("p", { class: "elder-summary", testid: "home-summary" }, "正在读取房屋信息…");
    root.append(
      h("h2", { class: "elder-hello", testid: "hello" }, `您好，${session.nickname}`),
      summary,
      h(
        "nav",
        { class: "elder-entries", "aria-label": "常用服务" },
        entry("缴本月物业费", "查看账单，微信支付", "pay", "#/bills", "elder-pay"),
        entry("报事报修", "拍照或说明，物业上门", "repair", "#/tickets/new", "elder-repair"),
        entry("看必读公告", "小区公示与通知", "board", "#/boards", "elder-notices"),
        entry("请家人帮忙", "让家人代缴费、跟进报修", "me", "#/bills", "elder-family"),
      ),
      h(
        "div",
        { class: "cells" },
        h("a", { class: "cell tappable", href: "#/tickets", testid: "elder-tickets" }, h("span", { class: "cell-body cell-title" }, "我的报修"), chevron()),
        h("a", { class: "cell tappable", href: "#/messages", testid: "elder-messages" }, h("span", { class: "cell-body cell-title" }, "我的消息"), chevron()),
        h("a", { class: "cell tappable", href: "#/units", testid: "elder-units" }, h("span", { class: "cell-body cell-title" }, "我的房屋"), chevron()),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "btn", testid: "elder-off", onClick: () => setElderMode(false) }, "切换到标准版"),
      ),
    );
    api("/me/residencies")
      .then((residencies) => {
        const units = residencies.filter((r) => r.is_current).map((r) => r.unit);
        summary.textContent = units.length ? `${units[0].estate} · ${unitName(units[0])}` : "还没有绑定房屋，请家人帮忙绑定或联系物业";
      })
      .catch((err) => {
        summary.textContent = "房屋信息读取失败";
        fail(err);
      });
  }

  // --- 我的房屋 -------------------------------------------------------------------------------

  function unitsPage(root) {
    setTitle("我的房屋");
    const load = () => {
      root.replaceChildren(...skeletons());
      Promise.all([api("/me/units"), api("/me/residencies")])
        .then(([rows, residencies]) => {
          const byId = new Map(residencies.map((r) => [r.id, r]));
          // a unit row may lack names (estate, building) that its residency's unit has
          const units = rows.map((unit) => ({ ...(byId.get(unit.residency_id) || {}).unit, ...unit }));
          root.replaceChildren();
          if (!units.length) {
            root.append(emptyUnits());
          } else {
            root.append(h("div", { class: "section-title" }, h("span", null, `已绑定 ${units.length} 套房屋`)));
            for (const unit of units) root.append(unitCard(unit, byId.get(unit.residency_id)));
            root.append(
              h(
                "div",
                { class: "actions" },
                h(
                  "div",
                  { class: "btn-row" },
                  h("button", { type: "button", class: "btn", testid: "go-bind-invite", onClick: () => go("#/bind/invite") }, "邀请码绑定"),
                  h("button", { type: "button", class: "btn", testid: "go-bind-request", onClick: () => go("#/bind/request") }, "申请绑定"),
                ),
              ),
            );
          }
          const others = residencies.filter((r) => !r.is_current);
          if (others.length) {
            root.append(
              h("div", { class: "section-title" }, h("span", null, "申请与历史记录")),
              h("div", { class: "cells", testid: "residency-list" }, others.map(residencyCell)),
            );
          }
        })
        .catch((err) => {
          if (err.handled) return;
          root.replaceChildren(errorState(err, load));
          fail(err);
        });
    };
    load();
  }

  function emptyUnits() {
    return h(
      "div",
      { testid: "units-empty" },
      h(
        "div",
        { class: "empty" },
        icon("house"),
        h("div", { class: "empty-title" }, "还没有绑定房屋"),
        h("div", { class: "empty-desc" }, "绑定后可以查看房屋信息、缴纳物业费、报事报修和参与业主投票"),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "btn btn-primary", testid: "go-bind-invite", onClick: () => go("#/bind/invite") }, "输入邀请码绑定"),
        h("button", { type: "button", class: "btn", testid: "go-bind-request", onClick: () => go("#/bind/request") }, "申请绑定"),
      ),
    );
  }

  function unitCard(unit, residency) {
    const meta = [h("span", null, `面积 ${unit.area} ㎡（${AREA_SOURCES[unit.area_source] || "登记"}）`)];
    if (residency && residency.ends_on) meta.push(h("span", { testid: "tenancy-end" }, `租期至 ${residency.ends_on}`));
    if (residency && residency.activated_at) meta.push(h("span", null, `绑定于 ${fmtDate(residency.activated_at)}`));
    return h(
      "div",
      { class: "unit-card", testid: "unit-card", dataset: { unitId: unit.id, role: unit.role } },
      h(
        "div",
        { class: "unit-card-head" },
        h("span", { class: "unit-estate" }, unit.estate),
        h("span", { class: unit.role === "owner" ? "tag tag-owner" : "tag" }, ROLE_LABELS[unit.role] || unit.role),
      ),
      h("div", { class: "unit-number" }, unitName(unit)),
      h("div", { class: "unit-meta" }, meta),
      unit.role === "owner"
        ? h(
            "div",
            { class: "unit-actions" },
            h(
              "button",
              {
                type: "button",
                class: "btn btn-small",
                testid: `invite-member-${unit.residency_id}`,
                onClick: () => go(`#/invite/${unit.residency_id}`),
              },
              "邀请家属或租户",
            ),
          )
        : null,
    );
  }

  function residencyCell(r) {
    const ended = r.status === "active" && !r.is_current;
    const label = ended ? "已到期" : r.status_label;
    const desc = [`${r.role_label} · 提交于 ${fmtDate(r.created_at)}`];
    if (r.ends_on) desc.push(`租期至 ${r.ends_on}`);
    return h(
      "div",
      { class: "cell", testid: `residency-${r.id}`, dataset: { status: r.status } },
      h(
        "div",
        { class: "cell-body" },
        h("div", { class: "cell-title" }, `${r.unit.estate} ${unitName(r.unit)}`),
        h("div", { class: "cell-desc" }, desc.join(" · ")),
        r.status === "rejected" && r.reject_reason
          ? h("div", { class: "cell-desc", style: "color:var(--red)" }, `驳回原因：${r.reject_reason}`)
          : null,
      ),
      h("span", { class: `tag tag-${ended ? "ended" : r.status}`, testid: "residency-status" }, label),
    );
  }

  // --- 绑定房屋 · 邀请码 -----------------------------------------------------------------------

  function bindInvitePage(root, { query }) {
    setTitle("邀请码绑定");
    const input = h("input", {
      class: "code-input",
      testid: "invite-code-input",
      "aria-label": "邀请码",
      placeholder: "XXXX-XXXX",
      maxlength: "12",
      autocomplete: "off",
      autocapitalize: "characters",
      spellcheck: "false",
      inputmode: "text",
    });
    input.value = query.get("code") || "";
    const error = h("p", { class: "error-text", testid: "invite-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "btn btn-primary", testid: "invite-submit" }, "绑定房屋");
    const showError = (message) => {
      error.textContent = message;
      input.classList.toggle("invalid", Boolean(message));
    };
    input.addEventListener("input", () => showError(""));
    const form = h(
      "form",
      {
        novalidate: true,
        onSubmit: async (event) => {
          event.preventDefault();
          const code = normalizeCode(input.value);
          if (!INVITE_CODE.test(code)) {
            showError("邀请码为 8 位字母或数字，例如 ABCD-EFGH");
            return;
          }
          submit.disabled = true;
          submit.textContent = "绑定中…";
          try {
            await askSubscribe("binding");
            const residency = await api("/bindings/invite", { method: "POST", body: { code } });
            showResult(root, bindSuccess(residency));
            refreshBadge();
          } catch (err) {
            if (!err.handled) {
              showError(err.message);
              fail(err);
            }
          } finally {
            submit.disabled = false;
            submit.textContent = "绑定房屋";
          }
        },
      },
      h(
        "div",
        { class: "card" },
        h("p", { class: "muted lead" }, "请输入物业或业主提供的 8 位邀请码"),
        input,
        error,
      ),
      h("div", { class: "actions" }, submit),
    );
    root.append(
      form,
      h("p", { class: "hint" }, "邀请码只能使用一次，过期后请联系物业或业主重新生成。也可以在微信中扫描邀请二维码。"),
    );
    input.focus();
  }

  function bindSuccess(residency) {
    const unit = residency.unit;
    const lines = [`${unit.estate} ${unitName(unit)}`, `身份：${residency.role_label}`];
    if (residency.ends_on) lines.push(`租期至 ${residency.ends_on}`);
    return resultView({
      iconName: "success",
      title: "绑定成功",
      lines,
      testid: "bind-success",
      status: residency.status,
      buttons: [
        { label: "查看我的房屋", primary: true, testid: "go-units", action: () => go("#/units") },
        { label: "返回首页", testid: "go-home", action: () => go("#/home") },
      ],
    });
  }

  // --- 申请绑定 --------------------------------------------------------------------------------

  function bindRequestPage(root) {
    setTitle("申请绑定");
    const chosen = { estate: null, building: null, unit: null, role: "owner" };

    // the estate: search, then pick
    const search = h("input", {
      type: "search",
      testid: "estate-search",
      placeholder: "搜索小区名称",
      "aria-label": "搜索小区名称",
      enterkeyhint: "search",
    });
    const estateList = h("div", { class: "option-list", testid: "estate-list" });
    const estateChosen = h("span", { class: "picker-chosen", testid: "estate-chosen" });
    const estateChange = h("button", { type: "button", class: "link", hidden: true }, "更换");
    const estateSearch = h("div", null, h("div", { class: "search-box" }, icon("search"), search), estateList);
    const buildingPicker = h("div", { class: "picker", hidden: true });
    const unitPicker = h("div", { class: "picker", hidden: true });

    let searchSeq = 0;
    const findEstates = async () => {
      const seq = ++searchSeq;
      const q = search.value.trim();
      estateList.replaceChildren(h("div", { class: "option-desc", style: "padding:10px 4px" }, "搜索中…"));
      try {
        const estates = await api(`/estates?q=${encodeURIComponent(q)}&page_size=20`);
        if (seq !== searchSeq) return;
        if (!estates.length) {
          estateList.replaceChildren(h("div", { class: "option-desc", style: "padding:10px 4px" }, "没有找到该小区，请换个关键字"));
          return;
        }
        estateList.replaceChildren(
          ...estates.map((estate) =>
            h(
              "button",
              { type: "button", class: "option", testid: `estate-option-${estate.id}`, onClick: () => pickEstate(estate) },
              h("div", { class: "option-title" }, estate.name),
              h("div", { class: "option-desc" }, [estate.community, estate.address].filter(Boolean).join(" · ")),
            ),
          ),
          // replaceChildren, unlike h(), would print a null as the text "null"
          ...(estates.length >= 20
            ? [h("div", { class: "option-desc", style: "padding:8px 4px" }, "仅显示前 20 个结果，请输入更完整的小区名称")]
            : []),
        );
      } catch (err) {
        if (seq !== searchSeq) return;
        estateList.replaceChildren();
        fail(err);
      }
    };
    let debounce = null;
    search.addEventListener("input", () => {
      clearTimeout(debounce);
      debounce = setTimeout(findEstates, 300);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(debounce);
        findEstates();
      }
    });

    function pickEstate(estate) {
      chosen.estate = estate;
      chosen.building = null;
      chosen.unit = null;
      estateChosen.textContent = estate.name;
      estateChange.hidden = false;
      estateSearch.hidden = true;
      unitPicker.hidden = true;
      loadBuildings();
    }
    estateChange.addEventListener("click", () => {
      chosen.estate = chosen.building = chosen.unit = null;
      estateChosen.textContent = "";
      estateChange.hidden = true;
      estateSearch.hidden = false;
      buildingPicker.hidden = unitPicker.hidden = true;
      search.focus();
    });

    async function loadBuildings() {
      const estate = chosen.estate;
      buildingPicker.hidden = false;
      buildingPicker.replaceChildren(pickerHead("楼栋"), h("div", { class: "option-desc" }, "正在读取楼栋…"));
      try {
        const buildings = (await api(`/estates/${estate.id}/buildings`)).sort(naturally("name"));
        if (chosen.estate !== estate) return;
        buildingPicker.replaceChildren(
          pickerHead("楼栋"),
          buildings.length
            ? chips(
                buildings.map((b) => ({ value: String(b.id), label: b.name, building: b })),
                null,
                (value, option) => pickBuilding(option.building),
                "building-option",
              )
            : h("div", { class: "option-desc" }, "该小区暂无楼栋信息，请联系物业"),
        );
      } catch (err) {
        buildingPicker.replaceChildren(pickerHead("楼栋"));
        fail(err);
      }
    }

    async function pickBuilding(building) {
      chosen.building = building;
      chosen.unit = null;
      unitPicker.hidden = false;
      unitPicker.replaceChildren(pickerHead("房屋"), h("div", { class: "option-desc" }, "正在读取房屋…"));
      try {
        const units = (await api(`/buildings/${building.id}/units`)).sort(naturally("number"));
        if (chosen.building !== building) return;
        unitPicker.replaceChildren(
          pickerHead("房屋"),
          units.length
            ? chips(
                units.map((u) => ({ value: String(u.id), label: u.number, unit: u })),
                null,
                (value, option) => {
                  chosen.unit = option.unit;
                  showError("");
                },
                "unit-option",
              )
            : h("div", { class: "option-desc" }, "该楼栋暂无房屋信息，请联系物业"),
        );
      } catch (err) {
        unitPicker.replaceChildren(pickerHead("房屋"));
        fail(err);
      }
    }

    function pickerHead(label) {
      return h("div", { class: "picker-head" }, h("span", { class: "picker-label" }, label));
    }

    // the applicant
    const endsOn = h("input", { type: "date", testid: "ends-on", min: tomorrow(), "aria-label": "租期结束日期" });
    const endsOnCell = formCell("租期至", endsOn, { hidden: true });
    const name = h("input", { type: "text", testid: "applicant-name", placeholder: "与身份证一致", maxlength: "60", autocomplete: "name" });
    const phone = h("input", { type: "tel", testid: "applicant-phone", placeholder: "11 位手机号", maxlength: "16", autocomplete: "tel" });
    const note = h("textarea", { testid: "applicant-note", placeholder: "选填，例如：房产证尚在办理中", maxlength: "200", rows: "2" });
    const roles = chips(
      Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label })),
      chosen.role,
      (value) => {
        chosen.role = value;
        endsOnCell.hidden = value !== "tenant";
      },
      "role",
    );
    const error = h("p", { class: "error-text", testid: "request-error", role: "alert", style: "margin:10px 16px 0" });
    const showError = (message) => {
      error.textContent = message;
    };
    const submit = h("button", { type: "button", class: "btn btn-primary", testid: "request-submit" }, "提交申请");

    submit.addEventListener("click", async () => {
      const body = {
        unit_id: chosen.unit && chosen.unit.id,
        role: chosen.role,
        name: name.value.trim(),
        phone: normalizePhone(phone.value),
      };
      if (note.value.trim()) body.note = note.value.trim();
      if (chosen.role === "tenant") body.ends_on = endsOn.value || null;
      const problem = !body.unit_id
        ? "请选择小区、楼栋和房屋"
        : !body.name
          ? "请填写真实姓名"
          : !PHONE.test(body.phone)
            ? "请输入 11 位手机号"
            : chosen.role === "tenant" && !body.ends_on
              ? "租户请填写租期结束日期"
              : "";
      if (problem) {
        showError(problem);
        toast(problem);
        return;
      }
      showError("");
      submit.disabled = true;
      submit.textContent = "提交中…";
      try {
        await askSubscribe("binding");
        const residency = await api("/bindings/requests", { method: "POST", body });
        showResult(root, requestResult(residency));
        if (residency.status === "active") refreshBadge();
      } catch (err) {
        if (!err.handled) {
          const fields = Object.values(err.errors || {}).flat().filter((m) => typeof m === "string");
          showError(fields.length && fields[0] !== err.message ? `${err.message}：${fields.join("；")}` : err.message);
          fail(err);
        }
      } finally {
        submit.disabled = false;
        submit.textContent = "提交申请";
      }
    });

    root.append(
      h("div", { class: "section-title" }, h("span", null, "选择房屋")),
      h(
        "div",
        { class: "cells" },
        h(
          "div",
          { class: "picker" },
          h("div", { class: "picker-head" }, h("span", { class: "picker-label" }, "小区"), h("span", null, estateChosen, " ", estateChange)),
          estateSearch,
        ),
        buildingPicker,
        unitPicker,
      ),
      h("div", { class: "section-title" }, h("span", null, "申请人信息")),
      h(
        "div",
        { class: "cells" },
        h("div", { class: "form-cell" }, h("span", { class: "form-label" }, "身份"), roles),
        endsOnCell,
        formCell("真实姓名", name),
        formCell("手机号", phone),
        formCell("备注", note),
      ),
      h(
        "p",
        { class: "hint" },
        "业主的姓名和手机号与物业登记的业主名册一致时，绑定立即生效；家属、租户及其他情况由物业审核，结果会通过微信消息通知您。",
      ),
      error,
      h("div", { class: "actions" }, submit),
    );
    findEstates();
  }

  function requestResult(residency) {
    const unit = residency.unit;
    const place = `${unit.estate} ${unitName(unit)}`;
    const units = { label: "查看我的房屋", primary: true, testid: "go-units", action: () => go("#/units") };
    const home = { label: "返回首页", testid: "go-home", action: () => go("#/home") };
    if (residency.status === "active") {
      return resultView({
        iconName: "success",
        title: "已自动通过（名册匹配）",
        lines: [place, `您的姓名和手机号与业主名册一致，已绑定为${residency.role_label}。`],
        testid: "request-result",
        status: residency.status,
        buttons: [units, home],
      });
    }
    return resultView({
      iconName: "waiting",
      title: "已提交，等待物业审核",
      lines: [place, `申请身份：${residency.role_label}`, "物业审核后会通过微信消息通知您。"],
      testid: "request-result",
      status: residency.status,
      buttons: [{ ...units, label: "查看申请进度" }, home],
    });
  }

  // --- 业主邀请家属或租户 -------------------------------------------------------------------------

  function ownerInvitePage(root, { params }) {
    setTitle("邀请家属或租户");
    const residencyId = Number(params[0]);
    const chosen = { role: "family" };
    const header = h("div", { class: "card", testid: "invite-unit" }, h("div", { class: "muted small" }, "正在读取房屋…"));
    const endsOn = h("input", { type: "date", testid: "invite-ends-on", min: tomorrow(), "aria-label": "租期结束日期" });
    const endsOnCell = formCell("租期至", endsOn, { hidden: true });
    const roles = chips(
      [
        { value: "family", label: "家属" },
        { value: "tenant", label: "租户" },
      ],
      chosen.role,
      (value) => {
        chosen.role = value;
        endsOnCell.hidden = value !== "tenant";
      },
      "invite-role",
    );
    const result = h("div", { testid: "invite-result" });
    const create = h("button", { type: "button", class: "btn btn-primary", testid: "invite-create" }, "生成邀请码");
    let qrObjectUrl = null;

    create.addEventListener("click", async () => {
      const body = { role: chosen.role };
      if (chosen.role === "tenant") {
        if (!endsOn.value) {
          toast("请填写租期结束日期");
          return;
        }
        body.ends_on = endsOn.value;
      }
      create.disabled = true;
      create.textContent = "生成中…";
      try {
        const invite = await api(`/me/residencies/${residencyId}/invites`, { method: "POST", body });
        const qr = h("img", { alt: "邀请二维码", testid: "invite-qr" });
        result.replaceChildren(inviteCard(invite, qr));
        result.scrollIntoView({ block: "nearest" });
        create.textContent = "再生成一个";
        const blob = await authorized(apiUrl(invite.qr_url), { as: "blob" });
        if (qrObjectUrl) URL.revokeObjectURL(qrObjectUrl);
        qrObjectUrl = URL.createObjectURL(blob);
        qr.src = qrObjectUrl;
      } catch (err) {
        if (create.textContent === "生成中…") create.textContent = "生成邀请码";
        fail(err);
      } finally {
        create.disabled = false;
      }
    });

    root.append(
      header,
      h("div", { class: "section-title" }, h("span", null, "邀请对象")),
      h("div", { class: "cells" }, h("div", { class: "form-cell" }, h("span", { class: "form-label" }, "身份"), roles), endsOnCell),
      h("p", { class: "hint" }, "业主身份需由物业核验，不能邀请。租户的绑定在租期结束日自动失效。"),
      h("div", { class: "actions" }, create),
      result,
    );

    api(`/me/residencies/${residencyId}`)
      .then((residency) => {
        const unit = residency.unit;
        header.replaceChildren(
          h("div", { class: "unit-estate" }, unit.estate),
          h("div", { class: "unit-number" }, unitName(unit)),
          h("div", { class: "unit-meta" }, h("span", null, `我的身份：${residency.role_label}`), h("span", null, residency.status_label)),
        );
        if (residency.role !== "owner" || !residency.is_current) {
          create.disabled = true;
          result.replaceChildren(h("p", { class: "hint", style: "color:var(--red)" }, "只有已认证的业主可以邀请家属或租户"));
        }
      })
      .catch((err) => {
        header.replaceChildren(h("div", { class: "muted small" }, err.message));
        create.disabled = true;
        fail(err);
      });
  }

  function inviteCard(invite, qr) {
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(invite.code);
        toast("已复制", "success");
      } catch {
        toast(`邀请码：${formatCode(invite.code)}`);
      }
    };
    return h(
      "div",
      { class: "card", style: "text-align:center" },
      h("div", { class: "muted small" }, `邀请${ROLE_LABELS[invite.role] || ""}的邀请码`),
      h("div", { class: "invite-code", testid: "invite-code" }, formatCode(invite.code)),
      h("div", { class: "qr-box" }, qr),
      h("div", { class: "muted small", testid: "invite-expires" }, `有效期至 ${fmtTime(invite.expires_at)}，只能使用一次`),
      invite.tenant_ends_on ? h("div", { class: "muted small" }, `租期至 ${invite.tenant_ends_on}`) : null,
      h("p", { class: "hint", style: "margin:12px 0 0" }, "请对方在「邻里」小程序中扫码，或在「邀请码绑定」中输入邀请码。"),
      h("div", { class: "actions", style: "margin:14px 0 0" }, h("button", { type: "button", class: "btn", onClick: copy }, "复制邀请码")),
    );
  }

  // --- 消息: the message center (every notification, whether WeChat delivered it or not) ------

  const PAGE_SIZE = 20;

  function messagesPage(root) {
    setTitle("消息");
    const list = h("div", { testid: "message-list" }, skeletons(1));
    const readAll = h("button", { type: "button", class: "link", testid: "messages-read-all" }, "全部已读");
    const more = h("button", { type: "button", class: "btn load-more", testid: "messages-more", hidden: true }, "加载更多");
    root.append(
      h("div", { class: "section-title" }, h("span", null, "消息中心"), readAll),
      list,
      h("div", { class: "actions" }, more),
      h("p", { class: "hint" }, "所有通知都会保存在这里；您允许订阅的通知还会以微信订阅消息发送。"),
    );
    let page = 1;
    const load = async (append) => {
      try {
        const messages = await api(`/me/messages?page=${page}&page_size=${PAGE_SIZE}`);
        const cards = messages.map(messageCard);
        if (append) list.append(...cards);
        else if (!messages.length) {
          list.replaceChildren(
            h(
              "div",
              { class: "empty", testid: "messages-empty" },
              icon("inbox"),
              h("div", { class: "empty-title" }, "暂无消息"),
              h("div", { class: "empty-desc" }, "房屋绑定、账单、工单进度等通知都会出现在这里"),
            ),
          );
        } else list.replaceChildren(...cards);
        more.hidden = messages.length < PAGE_SIZE;
        refreshBadge();
      } catch (err) {
        list.replaceChildren(errorState(err, () => load(false)));
        fail(err);
      }
    };
    more.addEventListener("click", () => {
      page += 1;
      load(true);
    });
    readAll.addEventListener("click", async () => {
      try {
        await api("/me/messages/read-all", { method: "POST" });
        for (const card of list.querySelectorAll(".message-card")) card.dataset.read = "true";
        updateBadge(0);
      } catch (err) {
        fail(err);
      }
    });
    load(false);
  }

  /** Where a message's page opens: a route of PAGES, with "{id}" taken from the page's
   *  ?id= (the bill, ticket, motion or post the message is about); without one, the list. */
  function pageTarget(page) {
    const [path, query] = String(page || "").split("?");
    const route = PAGES[path];
    if (!route) return "#/home";
    const id = new URLSearchParams(query || "").get("id");
    if (!route.includes("{id}")) return route;
    return id && /^\d{1,12}$/.test(id) ? route.replace("{id}", id) : route.split("/{id}")[0];
  }

  function messageCard(message) {
    const target = pageTarget(message.page);
    const card = h(
      "div",
      {
        class: "message-card",
        testid: "message-card",
        dataset: { event: message.event, read: String(message.read), wechat: message.wechat },
      },
      h(
        "div",
        { class: "message-head" },
        h("span", { class: "message-app-icon" }, "邻"),
        h("span", null, "邻里"),
        h(
          "span",
          { class: `message-channel ${message.wechat === "sent" ? "wechat" : ""}`, testid: "message-channel" },
          message.wechat === "sent" ? "已发送至微信" : message.wechat_label,
        ),
        h("span", { class: "message-time" }, fmtTime(message.created_at)),
        h("span", { class: "unread-dot" }, "未读"),
      ),
      h("div", { class: "message-title", testid: "message-title" }, message.title || "通知"),
      h(
        "dl",
        { class: "message-rows" },
        (message.lines || []).map((line) =>
          h("div", { class: "message-row" }, h("dt", null, line.label), h("dd", null, line.value)),
        ),
      ),
    );
    const open = h(
      "button",
      {
        type: "button",
        class: "message-foot",
        testid: "message-open",
        onClick: async () => {
          if (card.dataset.read !== "true") {
            try {
              await api(`/me/messages/${message.id}/read`, { method: "POST" });
              card.dataset.read = "true";
              await refreshBadge();
            } catch (err) {
              fail(err);
              return;
            }
          }
          go(target);
        },
      },
      h("span", null, "进入小程序查看"),
      chevron(),
    );
    card.append(open);
    return card;
  }

  // --- 我的 ---------------------------------------------------------------------------------

  function mePage(root) {
    setTitle("我的");
    const identity = h("div", { class: "profile-desc", testid: "me-identity" });
    const link = (label, hash, testid) =>
      h(
        "button",
        { type: "button", class: "cell tappable", testid, onClick: () => go(hash) },
        h("span", { class: "cell-body cell-title" }, label),
        chevron(),
      );
    root.append(
      h(
        "div",
        { class: "profile" },
        avatar(session.nickname, session.openid, true),
        h(
          "div",
          null,
          h("div", { class: "profile-name", testid: "me-nickname" }, session.nickname),
          h("div", { class: "profile-desc" }, `微信 openid：${session.openid}`),
          identity,
        ),
      ),
      h(
        "div",
        { class: "cells" },
        h(
          "button",
          {
            type: "button",
            class: "cell tappable",
            role: "switch",
            "aria-checked": elderMode() ? "true" : "false",
            testid: "elder-switch",
            onClick: () => setElderMode(!elderMode()),
          },
          h("span", { class: "cell-body cell-title" }, "长辈版（大字体、大按钮）"),
          h("span", { class: "cell-value switch-state" }, elderMode() ? "已开启" : "已关闭"),
        ),
      ),
      h(
        "div",
        { class: "cells" },
        link("我的房屋", "#/units", "me-units"),
        link("邀请码绑定", "#/bind/invite", "me-bind-invite"),
        link("申请绑定", "#/bind/request", "me-bind-request"),
        link("消息通知", "#/messages", "me-messages"),
        link("物业缴费", "#/bills", "me-bills"),
        link("缴费记录", "#/payments", "me-payments"),
        link("我的工单", "#/tickets", "me-tickets"),
      ),
      h(
        "div",
        { class: "cells" },
        h(
          "button",
          { type: "button", class: "cell tappable", testid: "switch-user", onClick: () => go("#/login") },
          h("span", { class: "cell-body cell-title" }, "切换账号"),
          chevron(),
        ),
      ),
      h("div", { class: "actions" }, h("button", { type: "button", class: "btn btn-warn", testid: "logout", onClick: logOut }, "退出登录")),
      h("p", { class: "footer-note" }, `住户接口：${API_BASE}`),
    );
    api("/me")
      .then((me) => {
        const parts = [`住户编号 ${me.id}`];
        if (me.name) parts.push(`实名 ${me.name}`);
        if (me.phone) parts.push(`手机 ${maskPhone(me.phone)}`);
        identity.textContent = parts.join(" · ");
      })
      .catch(fail);
  }

  async function logOut() {
    if (!session) return go("#/login");
    if (!(await confirmModal("退出登录", "退出后需要重新用微信登录。", "退出"))) return;
    store.forget(session.openid);
    session = null;
    updateBadge(0);
    toast("已退出登录");
    go("#/login");
  }

  // --- start ------------------------------------------------------------------------------

  function start() {
    for (const holder of document.querySelectorAll(".tab-icon")) {
      holder.innerHTML = ICONS[holder.dataset.icon];
    }
    $("#nav-back").addEventListener("click", back);
    $("#capsule-more").addEventListener("click", () =>
      actionSheet(
        session
          ? [
              { label: "切换账号", action: () => go("#/login") },
              { label: "退出登录", action: logOut },
              { label: "重新进入小程序", action: () => location.reload() },
            ]
          : [{ label: "重新进入小程序", action: () => location.reload() }],
      ),
    );
    $("#capsule-close").addEventListener("click", () => go(session ? "#/home" : "#/login"));
    const caption = $("#caption");
    caption.replaceChildren("邻里 · 小程序 H5 模拟器　住户接口 ", h("code", null, API_BASE));
    const tick = () => {
      const now = new Date();
      $("#clock").textContent = `${now.getHours()}:${String(now.getMinutes()).padStart(2, "0")}`;
    };
    tick();
    setInterval(tick, 30000);
    // pages of other features (fees.js, …) join the routes with the helpers they share
    for (const plug of window.LINLI_PAGES || []) {
      plug({ h, icon, api, mock, go, setTitle, toast, fail, skeletons, errorState, resultView, fmtTime, apiUrl, routes, PAGES, elderMode, askFamily, confirmModal, displayUrl });
    }
    applyDisplay();
    restoreSession();
    window.addEventListener("hashchange", render);
    if (!window.LINLI) toast("未能读取模拟器配置 config.js，使用默认接口地址", "error");
    render();
    document.body.dataset.ready = "true";
  }

  start();
})();

/*
 * City chatbot web widget. Embed with one tag (no build step, no dependencies):
 *
 *   <script src="https://bot.example.jp/widget.js" defer
 *           data-bot-url="https://bot.example.jp"      (default: where widget.js came from)
 *           data-primary-color="#1d5a8c"               (header, launcher, your bubbles; white text on it)
 *           data-accent-color="#a3344b"                (choice buttons and links; on white)
 *           data-title="さくら市 AIチャットボット"
 *           data-greeting="/general_greet"             (sent when the chat first opens; "" for none)
 *           data-easy-japanese="available"></script>   (shows the ふりがな・やさしい日本語 switch)
 *
 * Colours below 4.5:1 contrast with white are replaced by the defaults (JIS X 8341-3 AA).
 * Bot and user text is always inserted as text nodes, never as HTML.
 * The conversation's id comes from the bot (/widget/session: random and signed), is kept in this browser's
 * localStorage and sent with every call; an id the bot refuses (403) is replaced by a new one.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[src*='widget.js']");
  if (!script || window.__cityChatWidget) return;
  window.__cityChatWidget = true;

  var DEFAULT_COLORS = { primary: "#1d5a8c", accent: "#a3344b" };
  var MIN_CONTRAST = 4.5;
  var RETRY_DELAYS_MS = [1000, 2000, 4000];
  var REQUEST_TIMEOUT_MS = 20000;
  var OUTBOX_INTERVAL_MS = 60000;  // how often an open widget checks for reminders
  var MAX_STORED_MESSAGES = 200;
  var LINK_PATTERN = /(https?:\/\/[^\s<>"'（）「」『』、。]+)|(\b0\d{1,4}-\d{1,4}-\d{3,4}\b)/g;
  var TEXT = {
    launcher: "チャットで質問する",
    title: "AIチャットボット",
    close: "閉じる",
    closeLabel: "チャットを閉じる",
    largeText: "文字を大きく",
    easyJapanese: "ふりがな・やさしい日本語",
    restart: "最初からやり直す",
    restarted: "会話を最初からやり直しました。",
    log: "会話の履歴",
    you: "あなた：",
    bot: "チャットボット：",
    notice: "お知らせ：",
    choices: "選択肢",
    inputLabel: "質問を入力",
    placeholder: "ご質問を入力してください",
    send: "送信",
    typing: "回答を準備しています",
    retrying: "接続を再試行しています…",
    failed: "通信できませんでした。インターネット接続を確認して、もう一度お試しください。",
    busy: "ただいま混み合っています。少し時間をおいてから、もう一度送信してください。",
    resend: "もう一度送信する",
    empty: "回答を取得できませんでした。言い方を変えて、もう一度お試しください。",
    newWindow: "（新しいタブで開きます）",
    openImage: "画像を開く",
    feedbackGroup: "この回答は役に立ちましたか",
    helpful: "役に立った",
    notHelpful: "役に立たなかった",
    feedbackThanks: "ご意見ありがとうございました。",
    feedbackFailed: "評価を送信できませんでした。もう一度押してください。"
  };

  // ---- configuration from the script tag ------------------------------------------------------

  function hexLuminance(hex) {
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }

  function readableOnWhite(value, fallback, name) {
    if (value && /^#[0-9a-fA-F]{6}$/.test(value) && 1.05 / (hexLuminance(value) + 0.05) >= MIN_CONTRAST) {
      return value;
    }
    if (value) console.warn("city chat widget: " + name + " " + value + " is not a #rrggbb colour with 4.5:1 contrast to white; using " + fallback);
    return fallback;
  }

  var data = script.dataset;
  var scriptUrl = new URL(script.src, document.baseURI);
  var config = {
    botUrl: new URL(data.botUrl || scriptUrl.origin, document.baseURI).href.replace(/\/+$/, ""),
    cssUrl: data.cssUrl || scriptUrl.href.replace(/widget\.js(\?.*)?$/, "widget.css"),
    primary: readableOnWhite(data.primaryColor, DEFAULT_COLORS.primary, "data-primary-color"),
    accent: readableOnWhite(data.accentColor, DEFAULT_COLORS.accent, "data-accent-color"),
    title: data.title || TEXT.title,
    greeting: data.greeting === undefined ? "/general_greet" : data.greeting,
    easyJapaneseAvailable: data.easyJapanese === "available" || data.easyJapanese === "true"
  };

  // ---- storage: the conversation survives a reload (same sender id) ----------------------------

  var storageKey = "city-chat-widget:" + config.botUrl;

  /** A message id, so that the bot's logs can tell retries of one message apart from new ones. */
  function newMessageId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function loadState() {
    try {
      var saved = JSON.parse(localStorage.getItem(storageKey) || "null");
      if (saved && (typeof saved.sender === "string" || saved.sender === null) && Array.isArray(saved.messages)) return saved;
    } catch (e) { /* storage blocked or corrupt: start fresh */ }
    return { sender: null, messages: [], largeText: false, easyJapanese: false, open: false };
  }

  var state = loadState();

  function saveState() {
    state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    try { localStorage.setItem(storageKey, JSON.stringify(state)); } catch (e) { /* private mode: memory only */ }
  }

  // ---- DOM helpers (text only, never innerHTML) ------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs.text;
      else if (name === "onclick") node.addEventListener("click", attrs.onclick);
      else if (attrs[name] !== null && attrs[name] !== false) node.setAttribute(name, attrs[name] === true ? "" : attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function hidden(text) { return el("span", { "class": "cw-vh", text: text }); }

  /** Text with its URLs and phone numbers as links; everything else stays a text node. */
  function linkified(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(LINK_PATTERN, function (match, url, phone, offset) {
      var href = url ? url.replace(/[.,!?)]+$/, "") : "tel:" + phone.replace(/-/g, "");
      var shown = url ? href : phone;
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = el("a", { href: href, text: shown });
      if (url) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.appendChild(hidden(TEXT.newWindow));
      }
      fragment.appendChild(link);
      last = offset + shown.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  // ---- the widget's elements -----------------------------------------------------------------

  var uid = "cw-" + Math.random().toString(36).slice(2, 8);
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var launcher = el("button", {
    type: "button", "class": "cw-launcher", "aria-expanded": "false", "aria-controls": uid + "-panel", text: TEXT.launcher
  });
  var closeButton = el("button", { type: "button", "class": "cw-close", "aria-label": TEXT.closeLabel, text: TEXT.close });
  var largeTextButton = el("button", { type: "button", "class": "cw-tool cw-tool--large", "aria-pressed": "false", text: TEXT.largeText });
  var easyButton = config.easyJapaneseAvailable
    ? el("button", { type: "button", "class": "cw-tool cw-tool--easy", "aria-pressed": "false", text: TEXT.easyJapanese })
    : null;
  var restartButton = el("button", { type: "button", "class": "cw-tool cw-tool--restart", text: TEXT.restart });
  var log = el("div", { "class": "cw-log", role: "region", "aria-label": TEXT.log, tabindex: "0" });
  var typing = el("div", { "class": "cw-typing", role: "status", hidden: true }, [
    el("span", { "class": "cw-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
    el("span", { "class": "cw-typing-text", text: TEXT.typing })
  ]);
  var announcer = el("div", { "class": "cw-vh", "aria-live": "polite", "aria-atomic": "true" });
  var input = el("input", {
    id: uid + "-input", "class": "cw-input", type: "text", autocomplete: "off", maxlength: "1000",
    enterkeyhint: "send", placeholder: TEXT.placeholder
  });
  var form = el("form", { "class": "cw-form" }, [
    el("label", { "for": uid + "-input", "class": "cw-vh", text: TEXT.inputLabel }),
    input,
    el("button", { type: "submit", "class": "cw-send", text: TEXT.send })
  ]);
  var panel = el("section", { id: uid + "-panel", "class": "cw-panel", "aria-labelledby": uid + "-title", hidden: true }, [
    el("div", { "class": "cw-header" }, [
      el("div", { "class": "cw-titlebar" }, [el("h2", { id: uid + "-title", "class": "cw-title", text: config.title }), closeButton]),
      el("div", { "class": "cw-tools" }, [largeTextButton, easyButton, restartButton])
    ]),
    log, typing, form
  ]);
  var root = el("aside", { "class": "cw-root", lang: "ja", "aria-label": config.title, hidden: true }, [launcher, panel, announcer]);
  root.style.setProperty("--cw-primary", config.primary);
  root.style.setProperty("--cw-accent", config.accent);

  // ---- rendering messages --------------------------------------------------------------------

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function setChoicesEnabled(container, enabled) {
    container.querySelectorAll(".cw-choices button").forEach(function (b) { b.disabled = !enabled; });
  }

  function feedbackGroup(message) {
    var status = el("span", { "class": "cw-feedback-status", role: "status" });
    var buttons = [["helpful", TEXT.helpful], ["not_helpful", TEXT.notHelpful]].map(function (pair) {
      var button = el("button", { type: "button", "aria-pressed": String(message.feedback === pair[0]), text: pair[1] });
      button.addEventListener("click", function () { sendFeedback(message, pair[0], buttons, status); });
      button.dataset.value = pair[0];
      return button;
    });
    return el("div", { "class": "cw-feedback", role: "group", "aria-label": TEXT.feedbackGroup }, buttons.concat([status]));
  }

  function renderMessage(message) {
    var who = { user: TEXT.you, bot: TEXT.bot, notice: TEXT.notice }[message.role];
    var bubble = el("p", { "class": "cw-bubble" }, [hidden(who)]);
    bubble.appendChild(message.role === "bot" ? linkified(message.text || "") : document.createTextNode(message.text || ""));
    var node = el("div", { "class": "cw-msg cw-msg--" + message.role }, [message.text ? bubble : null]);
    if (message.image) node.appendChild(el("a", { href: message.image, target: "_blank", rel: "noopener noreferrer", "class": "cw-image-link", text: TEXT.openImage + TEXT.newWindow }));
    if (message.buttons && message.buttons.length) {
      node.appendChild(el("div", { "class": "cw-choices", role: "group", "aria-label": TEXT.choices }, message.buttons.map(function (b) {
        return el("button", { type: "button", text: b.title, onclick: function () { submit(b.payload, b.title); } });
      })));
    }
    if (message.retry) {
      node.appendChild(el("div", { "class": "cw-choices" }, [el("button", { type: "button", text: TEXT.resend, onclick: function () {
        node.remove();
        input.focus();
        deliver(message.retry);
      } })]));
    }
    if (message.role === "bot" && message.lastOfTurn && !message.welcome) node.appendChild(feedbackGroup(message));
    log.appendChild(node);
    return node;
  }

  function scrollTo(node) {
    var top = node ? node.offsetTop - 8 : log.scrollHeight;
    if (log.scrollTo) log.scrollTo({ top: top, behavior: reducedMotion ? "auto" : "smooth" });
    else log.scrollTop = top;
  }

  function renderAll() {
    log.textContent = "";
    state.messages.forEach(renderMessage);
    // Only the choices offered since the user last spoke can still be clicked.
    var nodes = log.children;
    var afterLastUser = false;
    for (var i = nodes.length - 1; i >= 0; i--) {
      if (nodes[i].classList.contains("cw-msg--user")) afterLastUser = true;
      setChoicesEnabled(nodes[i], !afterLastUser);
    }
    scrollTo(null);
  }

  function addMessages(messages) {
    var first = null;
    messages.forEach(function (message) {
      if (!message.ephemeral) state.messages.push(message);
      var node = renderMessage(message);
      first = first || node;
    });
    saveState();
    scrollTo(first);
  }

  // ---- talking to the bot ----------------------------------------------------------------------

  function sleep(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

  function HttpError(status) { this.status = status; }

  function postJson(path, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = window.setTimeout(function () { if (controller) controller.abort(); }, REQUEST_TIMEOUT_MS);
    return fetch(config.botUrl + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) throw new HttpError(response.status);
      return response.json();
    }).finally(function () { window.clearTimeout(timer); });
  }

  /** Retries quietly on network errors and 5xx; other HTTP errors fail at once (429: asking again soon would be
   *  refused again, so the citizen is told to wait). */
  function postWithRetry(path, body, onRetry) {
    var attempt = 0;
    function tryOnce() {
      return postJson(path, body).catch(function (error) {
        var retryable = !(error instanceof HttpError) || error.status >= 500;
        if (!retryable || attempt >= RETRY_DELAYS_MS.length) throw error;
        if (onRetry) onRetry();
        return sleep(RETRY_DELAYS_MS[attempt++]).then(tryOnce);
      });
    }
    return tryOnce();
  }

  var queue = Promise.resolve();
  var pending = 0;
  var conversation = 0;  // counts "start over"s: replies to an earlier conversation are not shown
  var senderRequest = null;

  /** This browser's sender id, asked of the bot once and then kept. */
  function ensureSender() {
    if (state.sender) return Promise.resolve(state.sender);
    if (!senderRequest) {
      senderRequest = postWithRetry("/widget/session", {}).then(function (body) {
        if (!body || typeof body.sender !== "string") throw new Error("no sender id in the answer");
        state.sender = body.sender;
        saveState();
        return body.sender;
      }).finally(function () { senderRequest = null; });
    }
    return senderRequest;
  }

  /** `call(sender)` with this browser's id; once more with a new id when the bot does not know the id (403). */
  function withSender(call) {
    return ensureSender().then(function (sender) {
      return call(sender).catch(function (error) {
        if (!(error instanceof HttpError) || error.status !== 403 || sender !== state.sender) throw error;
        state.sender = null;
        return ensureSender().then(call);
      });
    });
  }

  function setTyping(on, text) {
    typing.hidden = !on;
    typing.querySelector(".cw-typing-text").textContent = text || TEXT.typing;
  }

  function botMessages(replies, welcome) {
    return replies.map(function (reply, i) {
      var next = replies[i + 1];
      return {
        role: "bot",
        text: typeof reply.text === "string" ? reply.text : "",
        image: typeof reply.image === "string" && /^https?:/.test(reply.image) ? reply.image : null,
        buttons: (reply.buttons || []).filter(function (b) { return b && b.title; }).map(function (b) {
          return { title: String(b.title), payload: String(b.payload || b.title) };
        }),
        turnId: typeof reply.turn_id === "number" ? reply.turn_id : null,
        lastOfTurn: typeof reply.turn_id === "number" && (!next || next.turn_id !== reply.turn_id),
        welcome: welcome || false
      };
    }).filter(function (m) { return m.text || m.image || m.buttons.length; });
  }

  /** Sends one message (in order, one at a time) and shows the replies, unless the user started over meanwhile. */
  function deliver(request) {
    var mine = conversation;
    pending++;
    setTyping(true);
    queue = queue.then(function () {
      var metadata = { message_id: request.id, lang: "ja" };
      if (config.easyJapaneseAvailable) metadata.easy_japanese = Boolean(state.easyJapanese);
      return withSender(function (sender) {
        return postWithRetry("/widget/webhook", { sender: sender, message: request.message, metadata: metadata },
          function () { setTyping(true, TEXT.retrying); });
      })
        .then(function (replies) {
          if (mine !== conversation) return;
          var messages = botMessages(Array.isArray(replies) ? replies : [], request.welcome);
          if (!messages.length) messages = [{ role: "notice", text: TEXT.empty, ephemeral: true }];
          addMessages(messages);
          announce(messages.map(function (m) { return m.text; }).join("\n"));
        })
        .catch(function (error) {
          if (mine !== conversation) return;
          var text = error instanceof HttpError && error.status === 429 ? TEXT.busy : TEXT.failed;
          addMessages([{ role: "notice", text: text, ephemeral: true, retry: request }]);
          announce(text);
        })
        .then(function () {
          pending--;
          if (!pending) setTyping(false);
        });
    });
  }

  /** The user's message: shown as `shown` (a button's title), sent as `message` (its payload). */
  function submit(message, shown) {
    message = message.trim();
    if (!message) return;
    var hadFocusInLog = log.contains(document.activeElement);
    setChoicesEnabled(log, false);
    if (hadFocusInLog) input.focus();
    addMessages([{ role: "user", text: shown || message }]);
    deliver({ id: newMessageId(), message: message, welcome: false });
  }

  function sendFeedback(message, value, buttons, status) {
    withSender(function (sender) {
      return postWithRetry("/widget/feedback", { sender: sender, turn_id: message.turnId, value: value });
    })
      .then(function () {
        message.feedback = value;
        saveState();
        buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.value === value)); });
        status.textContent = TEXT.feedbackThanks;
      })
      .catch(function () { status.textContent = TEXT.feedbackFailed; });
  }

  // ---- panel, tools and keyboard ---------------------------------------------------------------

  function applyPreferences() {
    root.classList.toggle("cw-large", Boolean(state.largeText));
    largeTextButton.setAttribute("aria-pressed", String(Boolean(state.largeText)));
    if (easyButton) easyButton.setAttribute("aria-pressed", String(Boolean(state.easyJapanese)));
  }

  function greetIfNew() {
    if (!state.messages.length && config.greeting) deliver({ id: newMessageId(), message: config.greeting, welcome: true });
  }

  /** Reminders and notices queued while the citizen was away; a failed check simply waits for the next one. */
  function checkOutbox() {
    if (!state.sender) return;  // a new visitor: nothing can be waiting yet
    postJson("/widget/outbox", { sender: state.sender }).then(function (replies) {
      var messages = botMessages(replies, true);
      if (!messages.length) return;
      addMessages(messages);
      announce(messages.map(function (m) { return m.text; }).join("\n"));
    }).catch(function () {});
  }

  function setOpen(open, moveFocus) {
    state.open = open;
    saveState();
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      scrollTo(null);
      greetIfNew();
      checkOutbox();
    }
    if (moveFocus) (open ? input : launcher).focus();
  }

  launcher.addEventListener("click", function () { setOpen(true, true); });
  closeButton.addEventListener("click", function () { setOpen(false, true); });
  // Enter and Escape also confirm or cancel a Japanese IME conversion: leave those to the IME.
  function composing(event) { return event.isComposing || event.keyCode === 229; }
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && composing(event)) event.preventDefault();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !composing(event)) {
      event.preventDefault();
      setOpen(false, true);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    submit(text);
  });
  largeTextButton.addEventListener("click", function () {
    state.largeText = !state.largeText;
    saveState();
    applyPreferences();
  });
  if (easyButton) {
    easyButton.addEventListener("click", function () {
      state.easyJapanese = !state.easyJapanese;
      saveState();
      applyPreferences();
    });
  }
  restartButton.addEventListener("click", function () {
    conversation++;
    state.sender = null;  // the next message asks the bot for a new conversation
    state.messages = [];
    saveState();
    renderAll();
    announce(TEXT.restarted);
    input.focus();
    greetIfNew();
  });

  // ---- start -----------------------------------------------------------------------------------

  function mount() {
    var stylesheet = el("link", { rel: "stylesheet", href: config.cssUrl });
    var show = function () { root.hidden = false; };
    stylesheet.addEventListener("load", show);
    stylesheet.addEventListener("error", show);
    document.head.appendChild(stylesheet);
    document.body.appendChild(root);
    applyPreferences();
    renderAll();
    if (state.open) setOpen(true, false);
    window.setInterval(function () { if (state.open) checkOutbox(); }, OUTBOX_INTERVAL_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();

/*
 * The clinic's chat widget: plain JavaScript on socket.io-client 4 (window.io), talking to Rasa's
 * socket.io channel on the page's own origin.
 *
 * Protocol (rasa/core/channels/socketio.py, session_persistence: true):
 *   emit session_request {session_id, staff_after}  ->  session_confirm <session_id>  (joins the room)
 *   emit user_uttered {message, session_id}  ->  bot_uttered {text} | {text, quick_replies}
 *                                                            | {handoff: {...}}  (custom payload)
 *   staff messages (rasa_ext/staff_relay.py): bot_uttered {text, staff_id} | {text, staff_id, handback: true}
 *     on resolve. staff_after is the staff_id of the last one shown: after session_request the server
 *     sends the ones stored since (written while this page was closed or offline), then new ones live.
 *     One whose staff_id is not above it was shown already and is ignored, so each shows once.
 *
 * Everything a message contains is shown with textContent, never parsed as HTML.
 * The conversation is kept in sessionStorage: it survives reloads in the same tab and is gone when
 * the tab closes. Rasa does not replay history over socket.io, and its tracker API needs a staff
 * token, so the tab is the only place the patient's own transcript can come from; only staff
 * messages are sent again, as above. The last staff_id shown is saved in the same write as the
 * transcript, so the two cannot disagree after a reload.
 *
 * A patient waiting for staff (handoff open, not handed back) must still get their reply after
 * closing the tab, so while that lasts the widget also keeps a minimal record in localStorage
 * (WAITING_KEY): the session id, the handoff payload and the time it was written; never the
 * transcript, so the patient's own report does not stay on a shared computer after the tab closes.
 * A tab that opens with nothing in sessionStorage and a valid record resumes that conversation:
 * same session id, the handoff panel (and emergency banner), a line saying the conversation with
 * the team continues here, the panel open, and staff_after 0, so every staff message of that
 * conversation (and a hand-back, if one came) is shown. The record is deleted on the hand-back,
 * when a new conversation starts, and when it is older than 24 hours (written more than 24 hours
 * ago by the last tab that showed the conversation) or malformed (then treated as absent).
 */
(function () {
  "use strict";

  var STORAGE_KEY = "clinic-chat:v1";
  var WAITING_KEY = "clinic-chat:waiting:v1"; // localStorage: an open handoff, for a tab closed meanwhile
  var WAITING_MAX_AGE_MS = 24 * 60 * 60 * 1000;
  var RESUMED_LINE = "Welcome back. Your conversation with our team continues here: their replies appear below.";
  var MAX_ENTRIES = 200;
  var REPLY_TIMEOUT_MS = 45000;
  var SESSION_ID = /^[0-9a-f]{32}$/;

  var el = {
    launcher: document.getElementById("chat-launcher"),
    panel: document.getElementById("chat-panel"),
    close: document.getElementById("chat-close"),
    status: document.getElementById("chat-status"),
    emergency: document.getElementById("chat-emergency"),
    log: document.getElementById("chat-log"),
    handoff: document.getElementById("chat-handoff"),
    handoffTicket: document.getElementById("chat-handoff-ticket"),
    handoffPhone: document.getElementById("chat-handoff-phone"),
    handoffHours: document.getElementById("chat-handoff-hours"),
    form: document.getElementById("chat-form"),
    input: document.getElementById("chat-input"),
  };

  /* ---- state kept in sessionStorage ---- */

  function newSessionId() {
    // 128 random bits, like Rasa's own uuid4().hex. getRandomValues also works on plain http.
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  /* ---- the waiting record in localStorage: session id, handoff payload, time written; no transcript ---- */

  function readWaiting() {
    // The record, or null when absent; an expired or malformed one is deleted and counts as absent.
    var raw = null;
    try {
      raw = localStorage.getItem(WAITING_KEY);
    } catch (error) {
      return null; // storage disabled
    }
    if (raw === null) return null;
    var record = null;
    try {
      record = JSON.parse(raw);
    } catch (error) {
      record = null;
    }
    var age = record && typeof record === "object" && Number.isFinite(record.savedAt) ? Date.now() - record.savedAt : NaN;
    var handoff = record && typeof record === "object" ? readHandoff(record.handoff) : null;
    if (!(age >= 0 && age < WAITING_MAX_AGE_MS) || !SESSION_ID.test(record.sessionId) || !handoff || handoff.handedBack) {
      removeWaiting();
      return null;
    }
    return { sessionId: record.sessionId, handoff: handoff, savedAt: record.savedAt };
  }

  function removeWaiting() {
    try {
      localStorage.removeItem(WAITING_KEY);
    } catch (error) {
      /* storage disabled: nothing was kept */
    }
  }

  function syncWaiting() {
    // Kept while this tab's handoff is open; removed when staff hand back. Another conversation's
    // record (a different tab's) is left alone.
    try {
      if (state.handoff && !state.handoff.handedBack) {
        localStorage.setItem(WAITING_KEY, JSON.stringify({
          sessionId: state.sessionId, handoff: state.handoff, savedAt: Date.now(),
        }));
        return;
      }
      var record = JSON.parse(localStorage.getItem(WAITING_KEY) || "null");
      if (record && typeof record === "object" && record.sessionId === state.sessionId) removeWaiting();
    } catch (error) {
      /* storage full, disabled or unreadable: the tab itself still works */
    }
  }

  function loadState() {
    var state = null;
    try {
      state = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    } catch (error) {
      state = null;
    }
    if (!state || typeof state !== "object" || !SESSION_ID.test(state.sessionId) || !Array.isArray(state.entries)) {
      var waiting = readWaiting();
      if (waiting) {
        // A conversation handed to staff in a tab that was closed: resume it, and ask for every
        // staff message in it (staff_after 0), since this tab has shown none of them.
        state = {
          sessionId: waiting.sessionId, open: true, handoff: waiting.handoff, staffSeen: 0,
          entries: [{ from: "bot", text: RESUMED_LINE }],
        };
      } else {
        removeWaiting(); // a new conversation: nothing is waiting any more
        state = { sessionId: newSessionId(), open: false, entries: [], handoff: null, staffSeen: 0 };
      }
    }
    state.handoff = readHandoff(state.handoff);
    // A tab saved before staff_id existed: null asks the server for new staff messages only.
    if (!Number.isInteger(state.staffSeen)) state.staffSeen = null;
    return state;
  }

  var state = loadState();
  var QUESTION_PLACEHOLDER = el.input.placeholder;

  function saveState() {
    state.entries = state.entries.slice(-MAX_ENTRIES);
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      /* storage full or disabled: the chat still works, it just won't survive a reload */
    }
    syncWaiting();
  }

  /* ---- rendering (textContent only) ---- */

  function node(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function renderEntry(entry) {
    var item = node("div", "msg msg--" + (entry.from === "user" ? "user" : "bot"));
    var bubble = node("p", "msg__bubble");
    bubble.appendChild(node("span", "visually-hidden", entry.from === "user" ? "You: " : "Assistant: "));
    bubble.appendChild(document.createTextNode(entry.text));
    item.appendChild(bubble);
    if (entry.buttons && entry.buttons.length) item.appendChild(renderButtons(entry));
    return item;
  }

  function renderButtons(entry) {
    var group = node("div", "msg__buttons");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choose an answer");
    entry.buttons.forEach(function (button, index) {
      var choice = node("button", "choice", button.title);
      choice.type = "button";
      choice.disabled = entry.answered !== undefined;
      if (entry.answered === index) choice.classList.add("choice--chosen");
      choice.addEventListener("click", function () { choose(entry, index); });
      group.appendChild(choice);
    });
    return group;
  }

  var shown = new Map(); // entry -> its element in the log

  function appendEntry(entry) {
    removeTyping();
    var item = renderEntry(entry);
    shown.set(entry, item);
    el.log.appendChild(item);
    el.log.scrollTop = el.log.scrollHeight;
  }

  function rerender(entry) {
    var old = shown.get(entry);
    if (!old) return;
    var item = renderEntry(entry);
    shown.set(entry, item);
    old.replaceWith(item);
  }

  var typingTimer = null;

  function showTyping() {
    removeTyping();
    var typing = node("div", "msg msg--bot msg--typing");
    typing.setAttribute("aria-hidden", "true");
    typing.appendChild(node("span", "dot"));
    typing.appendChild(node("span", "dot"));
    typing.appendChild(node("span", "dot"));
    el.log.appendChild(typing);
    el.log.scrollTop = el.log.scrollHeight;
    typingTimer = setTimeout(removeTyping, REPLY_TIMEOUT_MS);
  }

  function removeTyping() {
    clearTimeout(typingTimer);
    var typing = el.log.querySelector(".msg--typing");
    if (typing) typing.remove();
  }

  function setStatus(stateName, text) {
    el.status.dataset.state = stateName;
    el.status.textContent = text;
  }

  function showHandoff(handoff) {
    // The page already shows the clinic's details; the payload's own values win when present.
    var clinic = handoff.clinic;
    el.handoffTicket.textContent = handoff.ticket ? "Your reference: " + handoff.ticket : "";
    el.handoffTicket.hidden = !handoff.ticket;
    if (clinic.phone) {
      el.handoffPhone.textContent = clinic.phone;
      el.handoffPhone.href = "tel:" + clinic.phone.replace(/[^\d+]/g, "");
    }
    if (clinic.hours) el.handoffHours.textContent = clinic.hours;
    el.handoff.hidden = handoff.handedBack;
    el.input.placeholder = handoff.handedBack ? QUESTION_PLACEHOLDER : "Add a message for our team…";
    if (handoff.emergency) {
      var number = clinic.emergency_number || el.emergency.dataset.number;
      el.emergency.textContent = "";
      el.emergency.appendChild(node("strong", "", "Call " + number + " now."));
      el.emergency.appendChild(document.createTextNode(" Don't wait for a reply here."));
      el.emergency.hidden = false;
    }
  }

  /* ---- messages from the bot ---- */

  function asText(value) {
    return typeof value === "string" || typeof value === "number" ? String(value) : "";
  }

  function readHandoff(raw) {
    // The handoff payload from actions/screen.py (or this tab's stored copy of it), checked field
    // by field before use.
    if (!raw || typeof raw !== "object" || !raw.clinic || typeof raw.clinic !== "object") return null;
    return {
      ticket: asText(raw.ticket),
      reason: asText(raw.reason),
      severity: asText(raw.severity),
      emergency: raw.emergency === true,
      handedBack: raw.handedBack === true, // staff resolved it: the assistant answers again
      clinic: {
        name: asText(raw.clinic.name),
        phone: asText(raw.clinic.phone),
        hours: asText(raw.clinic.hours),
        emergency_number: asText(raw.clinic.emergency_number),
      },
    };
  }

  function readButtons(quickReplies) {
    if (!Array.isArray(quickReplies)) return [];
    return quickReplies
      .filter(function (reply) { return reply && asText(reply.title) && asText(reply.payload); })
      .map(function (reply) { return { title: asText(reply.title), payload: asText(reply.payload) }; });
  }

  function alreadyShown(message) {
    // A staff message carries its event id; anything else (the assistant's replies) has none.
    if (message.staff_id === undefined) return false;
    if (!Number.isInteger(message.staff_id)) return true;
    if (state.staffSeen !== null && message.staff_id <= state.staffSeen) return true;
    state.staffSeen = message.staff_id; // saved below, with the entry
    return false;
  }

  function onBotMessage(message) {
    if (!message || typeof message !== "object" || alreadyShown(message)) return;
    var handoff = readHandoff(message.handoff);
    if (handoff) {
      // An emergency stays flagged even if a later, milder handoff arrives.
      handoff.emergency = handoff.emergency || Boolean(state.handoff && state.handoff.emergency);
      state.handoff = handoff;
      showHandoff(handoff);
      removeTyping();
      el.log.scrollTop = el.log.scrollHeight; // the banners took space from the log
    }
    if (message.handback === true && state.handoff) {
      // Staff resolved the handoff ("You're back with the assistant."); an emergency banner stays.
      state.handoff.handedBack = true;
      showHandoff(state.handoff);
    }
    var text = asText(message.text);
    if (text) {
      var entry = { from: "bot", text: text, buttons: readButtons(message.quick_replies) };
      state.entries.push(entry);
      appendEntry(entry);
    }
    saveState();
  }

  /* ---- messages from the patient ---- */

  var socket = null;
  var ready = false;
  var pending = [];

  function send(text, payload) {
    var entry = { from: "user", text: text };
    state.entries.forEach(function (old) {
      if (old.buttons && old.buttons.length && old.answered === undefined) {
        old.answered = -1; // moved on: earlier choices are closed
        rerender(old);
      }
    });
    state.entries.push(entry);
    saveState();
    appendEntry(entry);
    // After a handoff Rasa pauses the conversation: messages reach the staff, the bot stays quiet.
    if (!state.handoff || state.handoff.handedBack) showTyping();
    pending.push(payload || text);
    flush();
  }

  function flush() {
    // Sent only after session_confirm: the server puts the socket in the session's room then, and
    // the replies are sent to that room.
    while (ready && pending.length) {
      socket.emit("user_uttered", { message: pending.shift(), session_id: state.sessionId });
    }
  }

  function choose(entry, index) {
    if (entry.answered !== undefined) return;
    entry.answered = index;
    rerender(entry);
    send(entry.buttons[index].title, entry.buttons[index].payload);
    el.input.focus();
  }

  /* ---- connection ---- */

  function connect() {
    if (socket) return;
    if (typeof window.io !== "function") {
      setStatus("error", "The chat could not load. Please call us instead.");
      return;
    }
    setStatus("connecting", "Connecting…");
    // websocket only: the Rasa server runs several Sanic workers, and long-polling requests could
    // land on a worker that does not know the session.
    socket = window.io({ path: "/socket.io", transports: ["websocket"] });
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: state.sessionId, staff_after: state.staffSeen });
    });
    socket.on("session_confirm", function () {
      ready = true;
      setStatus("online", "Online");
      flush();
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () {
      ready = false;
      setStatus("connecting", "Reconnecting…");
    });
    socket.on("connect_error", function () {
      ready = false;
      setStatus("error", "Can't reach the assistant. Trying again…");
    });
  }

  /* ---- opening and closing ---- */

  function setOpen(open, moveFocus) {
    state.open = open;
    saveState();
    el.panel.hidden = !open;
    el.launcher.setAttribute("aria-expanded", String(open));
    document.documentElement.classList.toggle("chat-open", open);
    if (open) {
      connect();
      el.log.scrollTop = el.log.scrollHeight;
      if (moveFocus) el.input.focus();
    } else if (moveFocus) {
      el.launcher.focus();
    }
  }

  el.launcher.addEventListener("click", function () { setOpen(el.panel.hidden, true); });
  el.close.addEventListener("click", function () { setOpen(false, true); });
  el.panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false, true);
  });
  document.querySelectorAll("[data-open-chat]").forEach(function (button) {
    button.addEventListener("click", function () { setOpen(true, true); });
  });

  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = el.input.value.trim();
    if (!text) return;
    el.input.value = "";
    send(text);
  });

  /* ---- start: re-show this tab's conversation, then announce only what is new ---- */

  state.entries.forEach(function (entry) {
    var item = renderEntry(entry);
    shown.set(entry, item);
    el.log.appendChild(item);
  });
  if (state.handoff) showHandoff(state.handoff);
  el.log.setAttribute("role", "log");
  el.log.setAttribute("aria-live", "polite");
  if (state.open) setOpen(true, false);
})();

// The open-tickets list and a ticket's conversation, kept up to date without a reload: each page
// holds a server-sent event stream (runtime/inbox/live.py) that sends the whole view again as soon as
// it changes, and updates itself. Every value goes in with textContent, so a patient's message is
// shown as text, never as HTML.
"use strict";
(function () {
  const RETRY_MS = 2000;

  function live(streamUrl, jsonUrl, show, onError) {
    // The browser reconnects a dropped stream by itself; it gives up only when the inbox answers
    // with an error (401 once the session has ended), and the JSON endpoint then says which.
    function open() {
      const source = new EventSource(streamUrl);
      source.onmessage = function (event) { show(JSON.parse(event.data)); };
      source.onerror = async function () {
        onError(new Error("connection lost"));
        if (source.readyState !== EventSource.CLOSED) return;
        try {
          const response = await fetch(jsonUrl, { credentials: "same-origin", cache: "no-store" });
          if (response.status === 401) {
            window.location.assign("/login");
            return;
          }
        } catch (error) {
          /* unreachable: try the stream again below */
        }
        setTimeout(open, RETRY_MS);
      };
    }
    open();
  }

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function ticketList(table) {
    const body = table.tBodies[0];
    const status = document.getElementById("list-status");
    const title = document.title;

    function ticketRow(ticket) {
      const row = element("tr", "sev-" + ticket.severity);
      row.dataset.ticket = String(ticket.id);
      const link = element("a", "", "#" + ticket.id);
      link.href = ticket.url;
      row.insertCell().appendChild(link);
      row.insertCell().appendChild(element("span", "severity", ticket.severity));
      for (const key of ["reason", "waiting", "status", "channel"]) row.insertCell().textContent = ticket[key];
      row.insertCell().appendChild(element("span", "trigger", ticket.trigger));
      return row;
    }

    function show(data) {
      const tickets = data.tickets;
      body.replaceChildren(...tickets.map(ticketRow));
      const said = tickets.length ? tickets.length + " open ticket(s)" : "No open tickets.";
      if (status.textContent !== said) status.textContent = said; // announced only when it changes
      document.title = tickets.length ? "(" + tickets.length + ") " + title : title;
    }

    live(table.dataset.stream, table.dataset.api, show, function (error) {
      status.textContent = "The inbox cannot be reached (" + error.message + "); trying again…";
    });
  }

  function transcript(list) {
    function entry(item) {
      const line = element("li", (item.speaker || "marker").replace(/ /g, "-"));
      if (item.speaker) line.append(element("span", "who", item.speaker), " ");
      line.appendChild(element("span", "text", item.text));
      return line;
    }

    function show(data) {
      // A conversation only grows: new lines are appended (and announced); if it shrank (erased), it is redrawn.
      if (data.entries.length < list.children.length) list.replaceChildren();
      for (const item of data.entries.slice(list.children.length)) list.appendChild(entry(item));
    }

    live(list.dataset.stream, list.dataset.api, show, function () {}); // the page's actions say when the inbox is unreachable
  }

  const table = document.getElementById("tickets");
  if (table) ticketList(table);
  const list = document.getElementById("transcript");
  if (list) transcript(list);
})();

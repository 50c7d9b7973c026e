// The open-tickets list and a ticket's conversation, kept up to date without a reload: each asks its
// JSON endpoint every 2 seconds (a plain poll; a push channel is not needed at a clinic's volume)
// and updates itself. Every value goes in with textContent, so a patient's message is shown as
// text, never as HTML.
"use strict";
(function () {
  const POLL_MS = 2000;

  function poll(url, show, onError) {
    async function tick() {
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (response.status === 401) {
          window.location.assign("/login");
          return;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        show(await response.json());
      } catch (error) {
        onError(error);
      }
      setTimeout(tick, POLL_MS);
    }
    tick();
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

    poll(table.dataset.api, show, function (error) {
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

    poll(list.dataset.api, show, function () {}); // the page's actions say when the inbox is unreachable
  }

  const table = document.getElementById("tickets");
  if (table) ticketList(table);
  const list = document.getElementById("transcript");
  if (list) transcript(list);
})();

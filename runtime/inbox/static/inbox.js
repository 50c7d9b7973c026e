// The open-tickets list, kept up to date without a reload: it asks /api/tickets every 2 seconds
// (a plain poll; a push channel is not needed for a list this small) and rebuilds the table.
// Every value goes in with textContent, so a patient's message is shown as text, never as HTML.
"use strict";
(function () {
  const POLL_MS = 2000;
  const table = document.getElementById("tickets");
  if (!table) return;
  const body = table.tBodies[0];
  const status = document.getElementById("list-status");
  const title = document.title;

  function addCell(row, text) {
    const cell = row.insertCell();
    cell.textContent = text;
    return cell;
  }

  function ticketRow(ticket) {
    const row = document.createElement("tr");
    row.className = "sev-" + ticket.severity;
    row.dataset.ticket = String(ticket.id);
    const link = document.createElement("a");
    link.href = ticket.url;
    link.textContent = "#" + ticket.id;
    row.insertCell().appendChild(link);
    addCell(row, ticket.severity).className = "severity";
    for (const key of ["reason", "waiting", "status", "channel"]) addCell(row, ticket[key]);
    addCell(row, ticket.trigger).className = "trigger";
    return row;
  }

  function show(tickets) {
    body.replaceChildren(...tickets.map(ticketRow));
    const said = tickets.length ? tickets.length + " open ticket(s)" : "No open tickets.";
    if (status.textContent !== said) status.textContent = said;  // announced only when it changes
    document.title = tickets.length ? "(" + tickets.length + ") " + title : title;
  }

  async function poll() {
    try {
      const response = await fetch(table.dataset.api, { credentials: "same-origin", cache: "no-store" });
      if (response.status === 401) {
        window.location.assign("/login");
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      show((await response.json()).tickets);
    } catch (error) {
      status.textContent = "The inbox cannot be reached (" + error.message + "); trying again…";
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();

// A running run's task events, appended as the server sends them (server-sent events).
// Text goes in with textContent only: nothing an event carries is parsed as HTML.
(() => {
  "use strict";
  const table = document.getElementById("live-events");
  if (!table) return;
  const status = document.getElementById("run-status");
  const count = document.getElementById("live-count");
  const source = new EventSource(table.dataset.stream);
  let seen = 0;
  source.addEventListener("task", (message) => {
    const event = JSON.parse(message.data);
    const started = event.kind === "task";
    const row = table.tBodies[0].insertRow(-1);
    row.dataset.eventId = message.lastEventId;
    row.className = started ? "running" : event.status;
    for (const text of [event.phase, started ? "" : event.host, event.task,
                        started ? "started" : event.status, event.message || ""]) {
      row.insertCell(-1).textContent = text;
    }
    seen += 1;
    count.textContent = String(seen);
  });
  source.addEventListener("end", (message) => {
    source.close();
    const end = JSON.parse(message.data);
    status.textContent = end.status;
    status.className = end.status;
    const cancel = document.getElementById("cancel-run");
    if (cancel) cancel.remove();
    const outcome = document.getElementById("run-end");
    for (const phase of end.phases) {
      const line = document.createElement("p");
      line.className = "note " + phase.status;
      const reason = phase.status === "denied" ? "Denied by policy: " + phase.note : phase.note;
      line.textContent = "Phase " + phase.name + ": " + phase.status + (reason ? ". " + reason : "");
      outcome.appendChild(line);
    }
    table.dataset.finished = "true";
  });
})();

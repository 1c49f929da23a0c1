// The vxmlkit console: dial a flow in the simulator and play the caller from the page.
"use strict";

const token = new URLSearchParams(location.search).get("t") || "";
let current = null;   // the call's last snapshot
let steps = [];       // the current flow's steps, for the diagram's fallback list

const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const response = await fetch("api/" + path, {
    method,
    headers: { "Content-Type": "application/json", "X-Vxmlkit-Console": token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({ error: "HTTP " + response.status }));
  if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
  return data;
}

function status(text, isError) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

function item(list, text, cls) {
  const li = document.createElement("li");
  li.textContent = text;
  if (cls) li.className = cls;
  list.appendChild(li);
  return li;
}

function speak(lines) {
  if (!$("speak").checked || !("speechSynthesis" in window)) return;
  for (const line of lines) window.speechSynthesis.speak(new SpeechSynthesisUtterance(line));
}

function classify(line) {
  if (line.startsWith("heard:")) return "heard";
  if (line.startsWith("pressed:") || line.startsWith("said:") || line === "silence" || line.startsWith("caller:")) return "caller";
  return "event";
}

function show(snapshot) {
  const before = current && current.id === snapshot.id ? current.transcript.length : 0;
  current = snapshot;
  const conversation = $("conversation");
  conversation.textContent = "";
  snapshot.transcript.forEach((line) => item(conversation, line, classify(line)));
  conversation.scrollTop = conversation.scrollHeight;
  speak(snapshot.transcript.slice(before).filter((l) => l.startsWith("heard:")).map((l) => l.slice(7)));

  $("state").textContent = JSON.stringify(snapshot.state, null, 2);
  const sms = $("sms");
  sms.textContent = "";
  snapshot.sms.forEach((m) => item(sms, `to ${m.to} (${m.status}${m.error ? ": " + m.error : ""}): ${m.text}`));
  if (!snapshot.sms.length) item(sms, "none yet", "event");

  const documents = $("documents");
  documents.textContent = "";
  snapshot.documents.forEach((doc, index) => {
    const details = document.createElement("details");
    if (index === snapshot.documents.length - 1) details.open = true;
    const summary = document.createElement("summary");
    summary.textContent = `${index + 1}. ${doc.method} ${doc.url} (${doc.status})`;
    const pre = document.createElement("pre");
    pre.textContent = doc.text;
    details.append(summary, pre);
    documents.appendChild(details);
  });

  const waiting = snapshot.waiting;
  let text = snapshot.ended ? snapshot.how : `waiting for ${waiting ? `${waiting.kind} ${waiting.name || ""}`.trim() : "input"}`;
  if (snapshot.transferred_to) text += ` (transfer to ${snapshot.transferred_to})`;
  if (snapshot.failure) text += " — a step failed: see the documents and the server log";
  status(text, Boolean(snapshot.failure));
  highlight(snapshot.path, snapshot.step);
}

function highlight(path, step) {
  const diagram = $("diagram");
  diagram.querySelectorAll(".walked, .current").forEach((el) => el.classList.remove("walked", "current"));
  path.forEach((name, i) => {
    diagram.querySelectorAll(`.step-${CSS.escape(name)}`).forEach((el) => el.classList.add("walked"));
    if (i > 0) {
      diagram.querySelectorAll(`.edge-${CSS.escape(path[i - 1])}--${CSS.escape(name)}`)
        .forEach((el) => el.classList.add("walked"));
    }
  });
  if (step) diagram.querySelectorAll(`.step-${CSS.escape(step)}`).forEach((el) => el.classList.add("current"));
}

let diagramShown = 0;  // the newest diagram asked for wins, whatever order the answers come in

async function loadDiagram(flow, drawn) {
  const diagram = $("diagram");
  const asked = ++diagramShown;
  diagram.textContent = "";
  if (drawn) {
    const response = await fetch(`api/diagram/${encodeURIComponent(flow)}.svg`, { headers: { "X-Vxmlkit-Console": token } });
    if (asked !== diagramShown) return;
    if (response.ok) {
      diagram.innerHTML = await response.text();
      const svg = diagram.querySelector("svg");
      if (svg) { svg.setAttribute("role", "img"); svg.setAttribute("aria-label", `Diagram of ${flow}`); }
      if (current) highlight(current.path, current.step);
      return;
    }
  }
  // Without Graphviz: the steps as a list, highlighted the same way.
  const list = document.createElement("ol");
  steps.forEach((name) => { const li = item(list, name); li.classList.add(`step-${name}`); });
  diagram.appendChild(list);
}

// Keys are sent the way a phone sends them: a run of presses ends with # or a short pause.
const INTERDIGIT_MS = 1200;
let keys = "";
let keyTimer = null;

function key(k) {
  keys += k;
  $("status").textContent = `keys: ${keys}`;
  clearTimeout(keyTimer);
  if (k === "#") flushKeys();
  else keyTimer = setTimeout(flushKeys, INTERDIGIT_MS);
}

function flushKeys() {
  clearTimeout(keyTimer);
  const pressed = keys;
  keys = "";
  if (pressed) act("press", pressed);
}

// One action at a time, in the order the caller made them.
let queue = Promise.resolve();
function act(action, value) {
  queue = queue.then(() => perform(action, value));
  return queue;
}

async function perform(action, value) {
  if (!current) { status("Dial a flow first.", true); return; }
  try {
    show(await api("POST", `calls/${encodeURIComponent(current.id)}/${action}`, { value: value || "" }));
  } catch (error) {
    status(error.message, true);
  }
}

async function init() {
  let listing;
  try {
    listing = await api("GET", "flows");
  } catch (error) {
    status(error.message, true);
    return;
  }
  const select = $("flow");
  listing.flows.forEach((flow) => {
    const option = document.createElement("option");
    option.value = flow.name;
    option.textContent = flow.summary ? `${flow.name} — ${flow.summary}` : flow.name;
    option.dataset.params = flow.params.join(",");
    option.dataset.steps = flow.steps.join(",");
    select.appendChild(option);
  });
  const chosen = () => select.options[select.selectedIndex];
  const describe = () => {
    const option = chosen();
    if (!option) return;
    steps = option.dataset.steps ? option.dataset.steps.split(",") : [];
    const params = option.dataset.params;
    $("params").placeholder = params ? params.split(",").map((p) => `${p}=...`).join("&") : "";
    loadDiagram(option.value, listing.diagrams);
  };
  select.addEventListener("change", describe);
  describe();

  $("dial-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (current && current.id) api("DELETE", `calls/${encodeURIComponent(current.id)}`).catch(() => {});
    current = null;
    $("saved").hidden = true;
    try {
      show(await api("POST", "calls", {
        flow: select.value, phone_number: $("phone").value,
        call_parameters: $("params").value, callee_type: $("callee").value,
      }));
    } catch (error) {
      status(error.message, true);
    }
  });
  document.querySelectorAll("#keypad button").forEach((button) => {
    button.addEventListener("click", () => key(button.dataset.key));
  });
  document.addEventListener("keydown", (event) => {
    // Digits typed anywhere but in a text box go to the keypad.
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[0-9*#]$/.test(event.key)) { event.preventDefault(); key(event.key); }
  });
  $("say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("speech").value;
    $("speech").value = "";
    act("say", text);
  });
  $("silence").addEventListener("click", () => act("silence"));
  $("nomatch").addEventListener("click", () => act("nomatch"));
  $("hangup").addEventListener("click", () => act("hang_up"));
  $("save").addEventListener("click", async () => {
    if (!current) { status("Dial a flow first.", true); return; }
    try {
      const saved = await api("GET", `calls/${encodeURIComponent(current.id)}/test`);
      $("test-code").value = saved.test;
      $("golden-text").value = saved.golden;
      $("golden-path").textContent = saved.golden_path;
      $("saved").hidden = false;
    } catch (error) {
      status(error.message, true);
    }
  });
}

init();

"use strict";
(function () {
  // Everything before "/docs": the origin plus any prefix the server is
  // mounted under (an API Gateway stage such as /Prod).
  const origin = window.location.origin + window.location.pathname.replace(/\/docs\/?$/, "");

  // Reads one form field as the JSON value its schema asks for.
  function readField(el) {
    const raw = el.value.trim();
    if (raw === "") return { skip: true };
    const kind = el.dataset.kind;
    const scalar = (text, type) => {
      if (type === "integer" || type === "number") {
        const n = Number(text);
        return Number.isFinite(n) ? n : text;
      }
      if (type === "boolean") return text === "true" ? true : text === "false" ? false : text;
      return text;
    };
    if (kind === "json") {
      try {
        return { value: JSON.parse(raw) };
      } catch (err) {
        return { error: `\`${el.name}\` is not valid JSON: ${err.message}` };
      }
    }
    if (kind.startsWith("list:")) {
      const type = kind.slice(5);
      if (raw.startsWith("[")) {
        try {
          return { value: JSON.parse(raw) };
        } catch (err) {
          return { error: `\`${el.name}\` is not a valid JSON array: ${err.message}` };
        }
      }
      return { value: raw.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => scalar(s, type)) };
    }
    return { value: scalar(raw, kind) };
  }

  // The HTTP request a form describes: method, URL, body, and the arguments object.
  function buildRequest(form) {
    const method = form.dataset.method;
    let path = form.dataset.path;
    const query = new URLSearchParams();
    const body = {};
    const args = {};
    const errors = [];
    for (const el of form.querySelectorAll("[data-kind]")) {
      const read = readField(el);
      if (read.error) errors.push(read.error);
      if (read.skip || read.error) continue;
      args[el.name] = read.value;
      if (el.dataset.in === "path") {
        path = path.replace(`{${el.name}}`, encodeURIComponent(String(read.value)));
      } else if (el.dataset.in === "query") {
        const values = Array.isArray(read.value) ? read.value : [read.value];
        for (const v of values) query.append(el.name, typeof v === "string" ? v : JSON.stringify(v));
      } else {
        body[el.name] = read.value;
      }
    }
    const qs = query.toString();
    const url = origin + path + (qs ? `?${qs}` : "");
    const hasBody = method !== "GET" && method !== "DELETE";
    return { method, url, body: hasBody ? JSON.stringify(body) : null, args, errors };
  }

  const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

  function curlLine(req) {
    if (req.body === null) {
      const verb = req.method === "GET" ? "" : `-X ${req.method} `;
      return `curl ${verb}${shellQuote(req.url)}`;
    }
    const verb = req.method === "POST" ? "" : `-X ${req.method} `;
    return `curl ${verb}${shellQuote(req.url)} \\\n  -H 'Content-Type: application/json' \\\n  -d ${shellQuote(req.body)}`;
  }

  // tools/call by default; a resource reads its URI with the variables
  // filled in, a prompt sends its arguments as the strings MCP carries.
  function mcpRequest(code, name, args) {
    const text = (v) => (typeof v === "string" ? v : JSON.stringify(v));
    let method = "tools/call";
    let params = { name, arguments: args };
    if (code.dataset.mcpMethod === "resources/read") {
      method = "resources/read";
      const uri = code.dataset.uri.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key) =>
        key in args ? encodeURIComponent(text(args[key])) : whole,
      );
      params = { uri };
    } else if (code.dataset.mcpMethod === "prompts/get") {
      method = "prompts/get";
      const strings = {};
      for (const [key, value] of Object.entries(args || {})) strings[key] = text(value);
      params = { name, arguments: strings };
    }
    return JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }, null, 2);
  }

  function refreshSnippets(form) {
    const section = form.closest("section.fn");
    const req = buildRequest(form);
    const curl = section.querySelector("[data-curl]");
    if (curl) curl.textContent = curlLine(req);
    const mcp = section.querySelector("[data-mcp]");
    if (mcp) mcp.textContent = mcpRequest(mcp, form.dataset.name, req.args);
  }

  // The headers every call from the page sends: the pasted credential, kept
  // in this page only (never stored).
  function baseHeaders() {
    const headers = { Accept: "application/json" };
    const token = (document.querySelector("input.token") || {}).value;
    if (token && token.trim()) headers.Authorization = `Bearer ${token.trim()}`;
    return headers;
  }

  // Shows a finished response (a result or a problem) in the form's result panel.
  async function show(form, response, started) {
    const result = form.querySelector(".result");
    const status = result.querySelector(".status");
    const meta = result.querySelector(".meta");
    const out = result.querySelector(".result-body");
    const type = response.headers.get("content-type") || "";
    // An image result (a resource or a media tool) is shown as the picture.
    const picture = out.parentElement.querySelector("img.result-image");
    if (picture) picture.remove();
    if (response.ok && type.startsWith("image/")) {
      const blob = await response.blob();
      const img = document.createElement("img");
      img.className = "result-image";
      img.alt = `${type} result`;
      // A data: URL, which the page's Content-Security-Policy allows for images.
      img.src = await new Promise((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.readAsDataURL(blob);
      });
      out.parentElement.insertBefore(img, out);
    }
    const text = type.startsWith("image/") || type.startsWith("audio/") || type === "application/octet-stream"
      ? `(${type} body)`
      : await response.text();
    const ms = Math.round(performance.now() - started);
    status.textContent = `${response.status} ${response.statusText}`.trim();
    status.className = "status " + (response.ok ? "ok" : response.status >= 500 ? "server" : "client");
    const id = response.headers.get("x-request-id");
    const task = response.headers.get("task-status");
    meta.textContent = `${ms} ms` + (task ? ` · task ${task}` : "") + (id ? ` · x-request-id ${id}` : "");
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch (_) {
      if (text === "") shown = "(no content)";
    }
    out.textContent = shown;
    form.dataset.lastStatus = String(response.status);
  }

  // Shows a working task's status body: its status, progress and message.
  function showWorking(form, body) {
    const result = form.querySelector(".result");
    const status = result.querySelector(".status");
    let line = `task ${body.status}`;
    if (body.progress) {
      const { progress, total } = body.progress;
      line += total ? ` · ${progress}/${total}` : ` · ${progress}`;
    }
    if (body.statusMessage) line += ` · ${body.statusMessage}`;
    status.textContent = "202 Accepted";
    status.className = "status";
    result.querySelector(".meta").textContent = line;
    result.querySelector(".result-body").textContent = JSON.stringify(body, null, 2);
    form.dataset.lastStatus = "202";
    form.dataset.taskStatus = body.status;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // A call answered 202 with a task: polls its Location every
  // pollIntervalMs while `Task-Status: working`, then shows the result or
  // the problem. The Cancel button sends DELETE to the same URL.
  async function follow(form, response, started) {
    const url = new URL(response.headers.get("location"), window.location.href).toString();
    const cancel = form.querySelector(".cancel-task");
    let body = await response.json();
    let stopped = false;
    if (cancel) {
      cancel.hidden = false;
      cancel.disabled = false;
      cancel.onclick = async () => {
        cancel.disabled = true;
        stopped = true;
        const answer = await fetch(url, { method: "DELETE", headers: baseHeaders() });
        await show(form, answer, started);
        form.dataset.taskStatus = answer.headers.get("task-status") || "";
      };
    }
    try {
      for (;;) {
        showWorking(form, body);
        await sleep(Math.max(50, Number(body.pollIntervalMs) || 1000));
        if (stopped) return;
        const poll = await fetch(url, { headers: baseHeaders() });
        if (stopped) return;
        if (poll.status === 202 && poll.headers.get("task-status") === "working") {
          body = await poll.json();
          continue;
        }
        await show(form, poll, started);
        form.dataset.taskStatus = poll.headers.get("task-status") || "";
        return;
      }
    } finally {
      if (cancel) cancel.hidden = true;
    }
  }

  async function send(form) {
    const result = form.querySelector(".result");
    const status = result.querySelector(".status");
    const meta = result.querySelector(".meta");
    const out = result.querySelector(".result-body");
    const button = form.querySelector(".send");
    const req = buildRequest(form);
    result.hidden = false;
    if (req.errors.length) {
      status.textContent = "not sent";
      status.className = "status client";
      meta.textContent = "";
      out.textContent = req.errors.join("\n");
      return;
    }
    button.disabled = true;
    status.textContent = "…";
    status.className = "status";
    meta.textContent = `${req.method} ${req.url.slice(origin.length)}`;
    out.textContent = "";
    delete form.dataset.taskStatus;
    const started = performance.now();
    try {
      const init = { method: req.method, headers: baseHeaders() };
      if (req.body !== null) {
        init.body = req.body;
        init.headers["Content-Type"] = "application/json";
      }
      // An optional task runs as one when the box is ticked (RFC 7240).
      const asTask = form.querySelector("input.run-task");
      if (asTask && asTask.checked) init.headers.Prefer = "respond-async";
      const response = await fetch(req.url, init);
      if (response.status === 202 && response.headers.get("task-status") && response.headers.get("location")) {
        await follow(form, response, started);
      } else {
        await show(form, response, started);
      }
    } catch (err) {
      status.textContent = "network error";
      status.className = "status server";
      out.textContent = String(err);
    } finally {
      button.disabled = false;
    }
  }

  for (const form of document.querySelectorAll("form.try")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(form);
    });
    form.addEventListener("input", () => refreshSnippets(form));
    form.addEventListener("change", () => refreshSnippets(form));
    refreshSnippets(form);
  }

  // Copy buttons.
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      const code = button.closest(".snippet").querySelector("code");
      try {
        await navigator.clipboard.writeText(code.textContent);
        button.textContent = "Copied";
      } catch (_) {
        const range = document.createRange();
        range.selectNodeContents(code);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        button.textContent = "Selected";
      }
      setTimeout(() => (button.textContent = "Copy"), 1400);
    });
  }

  // Sidebar filter.
  const filter = document.querySelector(".filter");
  if (filter) {
    filter.addEventListener("input", () => {
      const needle = filter.value.trim().toLowerCase();
      for (const link of document.querySelectorAll("nav a[data-filter]")) {
        const hit = needle === "" || link.dataset.filter.includes(needle);
        link.parentElement.classList.toggle("hidden", !hit);
      }
    });
  }

  // Highlight the section in view.
  const links = new Map();
  for (const link of document.querySelectorAll("nav a[href^='#fn-']")) links.set(link.getAttribute("href").slice(1), link);
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          for (const link of links.values()) link.classList.remove("active");
          const link = links.get(entry.target.id);
          if (link) link.classList.add("active");
        }
      },
      { rootMargin: "-10% 0px -80% 0px" },
    );
    for (const section of document.querySelectorAll("section.fn[id^='fn-']")) observer.observe(section);
  }
})();

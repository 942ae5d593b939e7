// The chat page: streams /v1/chat/completions and colours every piece of the answer by where its tokens came from.
'use strict';

(() => {
  const ORIGINS = ['draft', 'pld', 'datastore', 'target'];
  const ORIGIN_NAMES = {draft: 'draft model', pld: 'prompt lookup', datastore: 'datastore', target: "target's own"};
  const KEY_STORAGE = 'rasd.apiKey';
  const $ = (id) => document.getElementById(id);

  let model = null;        // the server's model id, once /v1/models answered
  let controller = null;   // aborts the request in flight
  let ticker = null;       // refreshes the wall time while a request runs

  // ---- server-sent events ----

  /**
   * A parser for a text/event-stream that arrives in pieces cut anywhere (inside a line, between \r and \n):
   * push() text as it comes, onData gets the data of each complete event.
   */
  function sseParser(onData) {
    let pending = '';
    const dispatch = (block) => {
      const data = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) {
          value = value.slice(1);
        }
        if (field === 'data') {
          data.push(value);
        }
      }
      if (data.length > 0) {
        onData(data.join('\n'));
      }
    };
    let carriage = '';   // a trailing \r waits for the next piece: it may be the first half of \r\n
    return {
      push(text) {
        let t = carriage + text;
        carriage = '';
        if (t.endsWith('\r')) {
          carriage = '\r';
          t = t.slice(0, -1);
        }
        pending += t.replace(/\r\n?/g, '\n');
        for (let i; (i = pending.indexOf('\n\n')) >= 0;) {
          const block = pending.slice(0, i);
          pending = pending.slice(i + 2);
          dispatch(block);
        }
      },
      end() {
        const rest = (pending + carriage).replace(/\r\n?/g, '\n');
        pending = carriage = '';
        if (rest.trim() !== '') {
          dispatch(rest);
        }
      },
    };
  }

  // ---- the API ----

  /** An error of the API: HTTP status and the fields of OpenAI's error object. */
  class ApiError extends Error {
    constructor(status, error, duringStream) {
      super((error && error.message) || 'The server answered HTTP ' + status);
      this.status = status;
      this.type = error && error.type;
      this.code = error && error.code;
      this.param = error && error.param;
      this.duringStream = !!duringStream;
    }
  }

  function headers() {
    const h = {'Content-Type': 'application/json', 'Accept': 'text/event-stream, application/json'};
    const key = $('api-key').value.trim();
    if (key) {
      h['Authorization'] = 'Bearer ' + key;
    }
    return h;
  }

  async function httpError(response) {
    const text = await response.text().catch(() => '');
    let error = null;
    try {
      error = JSON.parse(text).error;
    } catch (e) {
      error = {message: text.trim() || response.statusText || null};
    }
    return new ApiError(response.status, error || {message: text.trim() || null}, false);
  }

  /**
   * Streams one chat completion. onChunk(text, origins) hears each content chunk; resolves with the answer's text,
   * counts, the server's final stats and usage, and the wall time from request to [DONE].
   */
  async function generate(body, signal, onChunk) {
    const run = {text: '', tokens: 0, targets: 0, counts: {}, stats: null, usage: null, finish: null,
      started: performance.now(), firstAt: null, wall: null};
    ORIGINS.forEach((o) => run.counts[o] = 0);
    const response = await fetch('v1/chat/completions', {method: 'POST', headers: headers(),
      body: JSON.stringify(body), signal});
    if (!response.ok) {
      throw await httpError(response);
    }
    let done = false;
    const parser = sseParser((data) => {
      if (data === '[DONE]') {
        done = true;
        return;
      }
      const event = JSON.parse(data);
      if (event.error) {
        throw new ApiError(response.status, event.error, true);
      }
      if (event.usage) {
        run.usage = event.usage;
      }
      const choice = event.choices && event.choices[0];
      if (!choice) {
        return;
      }
      const origins = (event.rasd && event.rasd.origins) || [];
      if (run.firstAt === null) {
        run.firstAt = performance.now();
      }
      run.tokens += origins.length;
      for (const o of origins) {
        run.counts[o] = (run.counts[o] || 0) + 1;
        if (o === 'target') {
          run.targets++;
        }
      }
      const text = (choice.delta && choice.delta.content) || '';
      run.text += text;
      if (choice.finish_reason) {
        run.finish = choice.finish_reason;
        run.stats = event.rasd;
      }
      onChunk(run, text, origins);
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder('utf-8');
    try {
      while (!done) {
        const {value, done: ended} = await reader.read();
        if (ended) {
          parser.push(decoder.decode());
          parser.end();
          break;
        }
        parser.push(decoder.decode(value, {stream: true}));
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    if (!done) {
      throw new ApiError(response.status, {message: 'The stream ended before [DONE]'}, true);
    }
    run.wall = (performance.now() - run.started) / 1000;
    return run;
  }

  function request(question, mode, maxTokens, rag) {
    const body = {stream: true, stream_options: {include_usage: true}, temperature: 0,
      messages: [{role: 'user', content: question}], rasd: {mode, rag}};
    if (model) {
      body.model = model;
    }
    if (maxTokens !== null) {
      body.max_tokens = maxTokens;
    }
    return body;
  }

  async function loadModel() {
    try {
      const response = await fetch('v1/models', {headers: headers()});
      if (response.ok) {
        const list = await response.json();
        model = list.data && list.data[0] ? list.data[0].id : null;
        $('model').textContent = model ? 'model ' + model : '';
      }
    } catch (e) {
      // the model name is only shown; requests work without it
    }
  }

  // ---- rendering ----

  const fmt = (x, digits) => (typeof x === 'number' && isFinite(x) ? x.toFixed(digits) : '–');

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'class') {
        e.className = v;
      } else if (k === 'text') {
        e.textContent = v;
      } else {
        e.setAttribute(k, v);
      }
    });
    children.forEach((c) => e.append(c));
    return e;
  }

  function appendPiece(text, origins) {
    const answer = $('answer');
    answer.querySelectorAll('.placeholder').forEach((p) => p.remove());
    const last = origins.length ? origins[origins.length - 1] : 'unknown';
    const span = el('span', {class: 'tok tok-' + last, text});
    span.dataset.origins = origins.join(' ');
    span.title = origins.map((o) => ORIGIN_NAMES[o] || o).join(', ');
    answer.append(span);
  }

  /** "draft 12 · prompt lookup 3 ..." with a colour swatch per source. */
  function countsLine(counts) {
    const line = el('span');
    ORIGINS.forEach((o, i) => {
      if (i > 0) {
        line.append(' · ');
      }
      line.append(el('span', {class: 'swatch tok-' + o}), ORIGIN_NAMES[o] + ' ', el('b', {text: String(counts[o] || 0)}));
    });
    return line;
  }

  function showLive(run) {
    $('tokens').textContent = String(run.tokens);
    $('tau').textContent = run.targets > 0 ? fmt(run.tokens / run.targets, 2) : '–';
    const elapsed = run.firstAt === null ? 0 : (performance.now() - run.firstAt) / 1000;
    $('tps').textContent = elapsed > 0 ? fmt(run.tokens / elapsed, 1) : '–';
    $('stats-note').textContent = 'accepted so far · live';
    $('accepted').replaceChildren(countsLine(run.counts));
  }

  function showFinal(run) {
    const s = run.stats || {};
    const usage = run.usage || {};
    $('tokens').textContent = String(usage.completion_tokens !== undefined ? usage.completion_tokens : run.tokens);
    $('tau').textContent = fmt(s.tau, 2);
    $('tps').textContent = fmt(s.tokens_per_second, 1);
    $('wall').textContent = fmt(run.wall, 2) + ' s';
    $('stats-note').textContent = 'accepted by source · server · mode ' + (s.mode || '?') + ' · finish '
      + (run.finish || '?');
    const detail = el('span', {}, countsLine(s.accepted || {}));
    detail.append(el('br'), (s.target_forwards !== undefined ? s.target_forwards : '–') + ' target forwards in '
      + fmt(s.seconds, 2) + ' s (server)');
    $('accepted').replaceChildren(detail);
  }

  function showSources(run, rag) {
    const box = $('sources');
    const sources = (run.stats && run.stats.sources) || [];
    if (!rag) {
      box.replaceChildren(el('p', {class: 'muted', text: 'RAG is off: the question went to the model alone.'}));
      return;
    }
    if (sources.length === 0) {
      box.replaceChildren(el('p', {class: 'muted', text: 'No segment was relevant enough to add to the prompt.'}));
      return;
    }
    const list = el('ol', {class: 'source-list'});
    sources.forEach((s) => {
      const summary = el('summary', {}, el('span', {class: 'file', text: s.file || '(unnamed)'}),
        el('span', {class: 'muted', text: ' · ' + (s.text || '').length + ' characters'}));
      list.append(el('li', {}, el('details', {}, summary, el('pre', {text: s.text || ''}))));
    });
    box.replaceChildren(list);
  }

  function showError(e) {
    const box = $('error');
    const parts = [];
    if (e instanceof ApiError) {
      parts.push(el('strong', {text: (e.duringStream ? 'Error during the answer' : 'HTTP ' + e.status)}));
      const meta = [e.type, e.code, e.param ? 'param ' + e.param : null].filter(Boolean).join(' · ');
      if (meta) {
        parts.push(el('span', {class: 'meta', text: meta}));
      }
      parts.push(el('div', {class: 'message', text: e.message}));
      box.dataset.status = String(e.status);
    } else {
      const offline = e instanceof TypeError;
      parts.push(el('strong', {text: offline ? 'Could not reach the server' : 'Error'}));
      parts.push(el('div', {class: 'message', text: e.message || String(e)}));
      box.dataset.status = '';
    }
    box.replaceChildren(...parts);
    box.hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
    $('error').replaceChildren();
  }

  function resetView() {
    clearError();
    const answer = $('answer');
    answer.replaceChildren(el('span', {class: 'placeholder', text: 'Retrieving and reading the prompt…'}));
    answer.dataset.state = 'streaming';
    ['tokens', 'tau', 'tps', 'wall'].forEach((id) => $(id).textContent = '–');
    $('stats-note').textContent = 'accepted by source';
    $('accepted').replaceChildren();
    $('sources').replaceChildren(el('p', {class: 'muted', text: 'Waiting for the answer…'}));
    const comparison = $('comparison');
    comparison.hidden = true;
    comparison.replaceChildren();
    delete comparison.dataset.state;
    delete comparison.dataset.identical;
  }

  function busy(on) {
    $('send').disabled = on;
    $('stop').disabled = !on;
  }

  /** Counts the wall time in the stats while the answer streams. */
  function tick(started) {
    clearInterval(ticker);
    ticker = started === null ? null
      : setInterval(() => $('wall').textContent = fmt((performance.now() - started) / 1000, 1) + ' s', 100);
  }

  // ---- comparison with plain decoding ----

  function firstDifference(a, b) {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) {
      i++;
    }
    return i;
  }

  function showComparison(fast, plain, mode) {
    const box = $('comparison');
    const row = (name, r) => el('tr', {},
      el('th', {text: name}),
      el('td', {text: fmt(r.wall, 2) + ' s'}),
      el('td', {text: fmt(r.stats && r.stats.seconds, 2) + ' s'}),
      el('td', {text: fmt(r.stats && r.stats.tokens_per_second, 1)}),
      el('td', {text: fmt(r.stats && r.stats.tau, 2)}),
      el('td', {text: String(r.usage ? r.usage.completion_tokens : r.tokens)}));
    const table = el('table', {},
      el('thead', {}, el('tr', {}, ...['', 'wall time', 'server time', 'tokens/s', 'τ', 'tokens']
        .map((h) => el('th', {text: h})))),
      el('tbody', {}, row(mode, fast), row('ar (plain)', plain)));
    const ratio = plain.wall / fast.wall;
    const identical = fast.text === plain.text;
    const speedup = el('p', {class: 'speedup'}, 'Speed-up: ', el('b', {id: 'speedup', text: fmt(ratio, 2) + '×'}),
      el('span', {class: 'muted', text: ' (plain wall time / ' + mode + ' wall time)'}));
    const same = identical
      ? el('p', {id: 'identical', class: 'same', text: '✓ Identical text: greedy decoding gives the same answer'
        + ' either way (' + fast.text.length + ' characters).'})
      : el('p', {id: 'identical', class: 'differs', text: '✗ The texts differ from character '
        + firstDifference(fast.text, plain.text) + ' on.'});
    if (ratio < 1) {
      speedup.append(el('span', {class: 'muted', text: ' — slower here: speculation pays off when many drafted'
        + ' tokens are accepted per target forward (τ) and a forward costs much more than drafting.'}));
    }
    box.replaceChildren(el('h2', {text: 'Compared with plain decoding'}), table, speedup, same);
    if (!identical) {
      box.append(el('details', {}, el('summary', {text: 'Plain decoding\'s text'}), el('pre', {text: plain.text})));
    }
    box.dataset.identical = String(identical);
    box.dataset.state = 'done';
  }

  // ---- the form ----

  async function send() {
    const question = $('question').value.trim();
    const mode = $('mode').value;
    const rag = $('rag').checked;
    const compare = $('compare').checked;
    const rawMax = $('max-tokens').value.trim();
    const maxTokens = rawMax === '' ? null : Number(rawMax);
    if (!question) {
      clearError();
      showError(new Error('Type a question first.'));
      $('question').focus();
      return;
    }
    resetView();
    controller = new AbortController();
    busy(true);
    tick(performance.now());
    const answer = $('answer');
    let fast = null;
    try {
      fast = await generate(request(question, mode, maxTokens, rag), controller.signal, (run, text, origins) => {
        if (text) {
          appendPiece(text, origins);
        }
        showLive(run);
      });
      tick(null);
      answer.querySelectorAll('.placeholder').forEach((p) => p.remove());
      showFinal(fast);
      showSources(fast, rag);
      answer.dataset.state = 'done';
    } catch (e) {
      tick(null);
      fail(e, answer);
      busy(false);
      return;
    }
    if (compare) {
      const box = $('comparison');
      box.hidden = false;
      if (mode === 'ar') {
        box.replaceChildren(el('h2', {text: 'Compared with plain decoding'}),
          el('p', {class: 'muted', text: 'The answer above is plain decoding already; choose another mode to compare.'}));
        box.dataset.state = 'done';
      } else {
        const progress = el('p', {class: 'muted', text: 'Running the same question with plain decoding (ar)…'});
        box.replaceChildren(el('h2', {text: 'Compared with plain decoding'}), progress);
        box.dataset.state = 'running';
        try {
          const plain = await generate(request(question, 'ar', maxTokens, rag), controller.signal, (run) => {
            progress.textContent = 'Running the same question with plain decoding (ar)… ' + run.tokens + ' tokens';
          });
          showComparison(fast, plain, mode);
        } catch (e) {
          fail(e, box);
        }
      }
    }
    busy(false);
  }

  /** Ends a run that failed or was stopped; target is #answer or #comparison. */
  function fail(e, target) {
    target.querySelectorAll('.placeholder').forEach((p) => p.remove());
    const stopped = e.name === 'AbortError';
    target.dataset.state = stopped ? 'stopped' : 'error';
    if (stopped) {
      target.append(el('span', {class: 'stopped', text: ' [stopped]'}));
    } else {
      showError(e);
    }
    if (target.id === 'answer') {
      if (!target.querySelector('.tok')) {
        target.replaceChildren(el('span', {class: 'placeholder', text: stopped ? 'Stopped before the first token.'
          : 'No answer: see the error above.'}));
      }
      const sources = $('sources');
      if (sources.querySelector('.source-list') === null) {
        sources.replaceChildren(el('p', {class: 'muted', text: 'No sources: the answer did not finish.'}));
      }
    }
  }

  function init() {
    const key = $('api-key');
    key.value = localStorage.getItem(KEY_STORAGE) || '';
    $('key-box').open = false;
    const markKey = () => $('key-box').querySelector('summary').textContent = key.value.trim() ? 'API key (set)'
      : 'API key';
    markKey();
    key.addEventListener('change', () => {
      const v = key.value.trim();
      if (v) {
        localStorage.setItem(KEY_STORAGE, v);
      } else {
        localStorage.removeItem(KEY_STORAGE);
      }
      markKey();
      loadModel();
    });
    $('ask').addEventListener('submit', (e) => {
      e.preventDefault();
      if (!$('send').disabled) {
        send();
      }
    });
    $('question').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        $('ask').requestSubmit();
      }
    });
    $('stop').addEventListener('click', () => controller && controller.abort());
    loadModel();
  }

  init();
})();

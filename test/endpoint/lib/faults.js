'use strict';
// Fault injection state: faults set through the control API or named in the endpoint
// name, consulted once per invocation.

// Canonical mode names; endpoint names spell them without underscores.
const MODES = [
  'throttle', 'throttle400', 'error5xx', 'internal500', 'model_error', 'not_ready',
  'slow', 'close', 'truncate', 'wrong_lines', 'garbage',
  // hostile replies: reflected secrets, invalid UTF-8, oversized bodies
  'reflect', 'reflect_type', 'bad_utf8', 'big', 'big_chunked',
];
const BY_NAME_SPELLING = new Map(MODES.map((m) => [m.replace(/_/g, ''), m]));

// Normalise a mode given by a user ("model_error", "modelerror", "Model-Error").
function canonicalMode(mode) {
  if (typeof mode !== 'string') return null;
  return BY_NAME_SPELLING.get(mode.toLowerCase().replace(/[_-]/g, '')) || null;
}

// Read "...-fault-<mode>[-<n>]..." out of an endpoint name: {mode, count, latency_ms} or null.
function faultFromName(name) {
  const parts = name.split('-');
  const i = parts.indexOf('fault');
  if (i < 0 || i + 1 >= parts.length) return null;
  const mode = canonicalMode(parts[i + 1]);
  if (!mode) return null;
  const n = /^\d+$/.test(parts[i + 2] || '') ? Number(parts[i + 2]) : null;
  if (mode === 'slow') return { mode, count: null, latency_ms: n ?? 1000 };
  return { mode, count: n, latency_ms: 0 };
}

class FaultTable {
  constructor() {
    this.reset();
  }

  // Forget all faults (control-set and name-derived counts start over).
  reset() {
    this.table = new Map(); // endpoint name or '*' -> [{mode, remaining, latency_ms}]
  }

  // Add or replace a fault; mode "none" clears the endpoint's faults.
  set(endpoint, mode, count, latencyMs) {
    if (mode === 'none') {
      this.table.set(endpoint, []);
      return;
    }
    const current = endpoint === '*' ? (this.table.get('*') || []) : this.listFor(endpoint);
    const list = current.filter((f) => f.mode !== mode);
    list.push({ mode, remaining: count ?? null, latency_ms: latencyMs || 0 });
    this.table.set(endpoint, list);
  }

  // Faults for one endpoint, creating the name-derived one on first sight.
  listFor(endpoint) {
    let list = this.table.get(endpoint);
    if (!list) {
      list = [];
      const f = faultFromName(endpoint);
      if (f) list.push({ mode: f.mode, remaining: f.count, latency_ms: f.latency_ms });
      this.table.set(endpoint, list);
    }
    return list;
  }

  // Decide what happens to one call: {latencyMs, mode or null}. Consumes counts.
  take(endpoint) {
    let latencyMs = 0;
    let mode = null;
    for (const list of [this.listFor(endpoint), this.table.get('*') || []]) {
      for (const f of list) {
        if (f.remaining !== null && f.remaining <= 0) continue;
        if (f.mode === 'slow') {
          latencyMs += f.latency_ms;
          if (f.remaining !== null) f.remaining--;
        } else if (mode === null) {
          mode = f.mode;
          if (f.remaining !== null) f.remaining--;
        }
      }
    }
    return { latencyMs, mode };
  }

  // JSON view: {endpoint: [{mode, remaining, latency_ms}]} (only non-empty entries).
  toJSON() {
    const out = {};
    for (const [k, v] of this.table) if (v.length) out[k] = v.map((f) => ({ ...f }));
    return out;
  }
}

module.exports = { FaultTable, MODES, canonicalMode, faultFromName };

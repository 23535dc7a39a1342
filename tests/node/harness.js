// Helpers for the end-to-end tests: the official socket.io-client against a
// running Loly app. The Rust test passes the server's URL and path in
// LOLY_URL and LOLY_PATH, runs a script, and reads one JSON line back.
"use strict";
const { io } = require("socket.io-client");

const BASE = process.env.LOLY_URL;
const PATH = process.env.LOLY_PATH || "/wss";
const TIMEOUT_MS = Number(process.env.LOLY_TIMEOUT_MS || 5000);

/** Opens a socket to `ns` without waiting. */
function socket(ns, opts = {}) {
  return io(BASE + ns, {
    path: PATH,
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    ...opts,
  });
}

/** Connects to `ns`; resolves with the socket, rejects with the connect error. */
function connect(ns, opts = {}) {
  return new Promise((resolve, reject) => {
    const s = socket(ns, opts);
    const timer = setTimeout(() => reject(new Error(`connect to ${ns} timed out`)), TIMEOUT_MS);
    s.once("connect", () => { clearTimeout(timer); resolve(s); });
    s.once("connect_error", (err) => { clearTimeout(timer); s.close(); reject(err); });
  });
}

/** Resolves with the message of the connect error for `ns` (fails if it connects). */
async function connectError(ns, opts = {}) {
  try {
    const s = await connect(ns, opts);
    s.close();
  } catch (err) {
    return { message: err.message, data: err.data ?? null };
  }
  throw new Error(`${ns} accepted the connection`);
}

/** Resolves with the next payload of `event` on `s`. */
function next(s, event, ms = TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    s.once(event, (payload) => { clearTimeout(timer); resolve(payload); });
  });
}

/** Emits and resolves with the ack. */
function ack(s, event, data, ms = TIMEOUT_MS) {
  return s.timeout(ms).emitWithAck(event, data);
}

/**
 * Emits `event` with an ack and also listens for `__loly:error`: resolves
 * with `{ ack, error }`, `error` null when none came within `errorWaitMs`.
 */
async function outcome(s, event, data, errorWaitMs = 300) {
  const error = next(s, "__loly:error", errorWaitMs).catch(() => null);
  const ackValue = await ack(s, event, data);
  return { ack: ackValue, error: await error };
}

/**
 * Measures who an action reaches. `clients` maps names to sockets of the
 * `/act` test namespace. `audience(sender, event, data)` sends `event` with
 * a fresh tag from `clients[sender]`, then a barrier emit to everyone from
 * `barrierFrom`: since a socket's packets arrive in order, whoever had not
 * got the tag before the barrier never will. Resolves with
 * `{ name: deliveries }`, or `{ error: code }` when the action was refused.
 */
function audienceOf(clients, barrierFrom) {
  const got = {};
  for (const [name, s] of Object.entries(clients)) {
    got[name] = [];
    s.on("got", (p) => got[name].push(p.tag));
  }
  let round = 0;
  return async (sender, event, data = {}) => {
    round += 1;
    const tag = "t" + round, barrier = "b" + round;
    for (const name in got) got[name] = [];
    const answer = await ack(clients[sender], event, { tag, ...data });
    const waits = Object.values(clients).map((s) => new Promise((resolve) => {
      const seen = (p) => { if (p.tag === barrier) { s.off("got", seen); resolve(); } };
      s.on("got", seen);
    }));
    await ack(barrierFrom, "do-emit", { tag: barrier });
    await Promise.all(waits);
    if (!answer.ok) return { error: answer.error.code };
    const counts = {};
    for (const [name, tags] of Object.entries(got)) {
      const n = tags.filter((t) => t === tag).length;
      if (n) counts[name] = n;
    }
    return counts;
  };
}

/** Runs `main`, prints its result as one JSON line, and exits. */
function run(main) {
  main().then(
    (result) => { process.stdout.write(JSON.stringify(result ?? null) + "\n"); process.exit(0); },
    (err) => { process.stderr.write(String(err && err.stack || err) + "\n"); process.exit(1); },
  );
}

module.exports = { socket, connect, connectError, next, ack, outcome, audienceOf, run, io, BASE, PATH };

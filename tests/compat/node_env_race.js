'use strict';
// Node: the main thread rewrites process.env while other threads read the
// C environment.
//
// Node guards process.env with its own mutex, but libuv's uv_os_getenv
// (behind os.homedir(), which reads HOME) calls getenv without it, so
// worker threads calling os.homedir() walk environ while the main thread's
// setenv frees it.  dns.lookup('localhost') keeps the libuv threadpool
// busy in getaddrinfo at the same time; glibc reads the environment there
// only when a thread's resolver state is first set up.
const dns = require('dns');
const fs = require('fs');
const os = require('os');
const { execFileSync } = require('child_process');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

// Every loop below runs at least once and the writer keeps writing until
// both workers have started, so on a busy machine, where a worker may
// start after the run's time is up, the race still happens and every
// count is positive: the test waits for events, not for a time.
if (!isMainThread) {
  const until = workerData.until;
  let calls = 0;
  parentPort.postMessage({ started: true });
  do {
    for (let i = 0; i < 100; i++) {
      const home = os.homedir();
      if (home !== workerData.home) {
        parentPort.postMessage({ fail: `os.homedir() gave ${home}, not ${workerData.home}` });
        return;
      }
    }
    calls += 100;
  } while (Date.now() < until);
  parentPort.postMessage({ calls });
  return;
}

const seconds = Number(process.argv[2] || 1.5);
const until = Date.now() + seconds * 1000;
const failures = [];
let lookups = 0;
let readerCalls = 0;
let pending = 0;
let started = 0;

function lookupLoop() {
  if (Date.now() >= until) return;
  pending++;
  dns.lookup('localhost', (err) => {
    pending--;
    if (err) failures.push(`dns.lookup(localhost): ${err.message}`);
    else lookups++;
    lookupLoop();
  });
}
for (let i = 0; i < 8; i++) lookupLoop();

const workers = [];
for (let i = 0; i < 2; i++) {
  workers.push(new Promise((resolve) => {
    const w = new Worker(__filename, { workerData: { until, home: os.homedir() } });
    w.on('message', (m) => {
      if (m.started) started++;
      else if (m.fail) failures.push(m.fail);
      else readerCalls += m.calls;
    });
    w.on('error', (e) => {
      failures.push(`worker: ${e.message}`);
      started++; // it never will: the writer must not wait for it
    });
    w.on('exit', resolve);
  }));
}

process.env.ENVSAFE_COMPAT_KEEP = 'kept';
let rounds = 0;
function writer() {
  for (let k = 0; k < 20; k++) {
    for (let i = 0; i < 64; i++) process.env[`ENVSAFE_COMPAT_${i}`] = String(rounds);
    process.env.TZ = rounds % 2 ? 'UTC' : 'Europe/Paris';
    for (let i = 0; i < 64; i++) delete process.env[`ENVSAFE_COMPAT_${i}`];
    rounds++;
  }
  // setImmediate lets the lookup callbacks run between bursts of writes.
  if (Date.now() < until || started < workers.length) setImmediate(writer);
  else Promise.all(workers).then(finish);
}
writer();

function finish() {
  if (pending !== 0) {
    setImmediate(() => finish());
    return;
  }
  if (process.env.ENVSAFE_COMPAT_KEEP !== 'kept' || 'ENVSAFE_COMPAT_0' in process.env) {
    failures.push('process.env lost a write');
  }
  const child = execFileSync('/usr/bin/env', [], { encoding: 'utf8' });
  if (!child.split('\n').includes('ENVSAFE_COMPAT_KEEP=kept')) {
    failures.push('a child process did not inherit ENVSAFE_COMPAT_KEEP=kept');
  }
  const mapped = fs.readFileSync('/proc/self/maps', 'utf8').includes('libenvsafe.so');
  for (const f of failures) console.log(`FAIL: ${f}`);
  console.log(`libenvsafe=${mapped ? 'yes' : 'no'}`);
  console.log(`rounds=${rounds}`);
  console.log(`reader_calls=${readerCalls}`);
  console.log(`lookups=${lookups}`);
  process.exitCode = failures.length ? 1 : 0;
}

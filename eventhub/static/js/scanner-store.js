// The door's memory on this device (IndexedDB): the downloaded list of each check-in list
// (ticket hashes → who, and what this device scanned) and the queue of scans to upload.

const DB_NAME = "eventhub-door";
const DB_VERSION = 1;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export async function openStore() {
  const open = indexedDB.open(DB_NAME, DB_VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    // One record per check-in list: {list, version, fetchedAt, rows: [...], seen: {hash: at}}.
    if (!db.objectStoreNames.contains("doors")) db.createObjectStore("doors", { keyPath: "list" });
    // Scans waiting for the server, in the order they were made.
    if (!db.objectStoreNames.contains("queue")) {
      db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
    }
  };
  const db = await request(open);
  return new Store(db);
}

class Store {
  constructor(db) {
    this.db = db;
  }

  async door(list) {
    const tx = this.db.transaction("doors", "readonly");
    return (await request(tx.objectStore("doors").get(list))) || null;
  }

  async saveDoor(record) {
    const tx = this.db.transaction("doors", "readwrite");
    tx.objectStore("doors").put(record);
    await done(tx);
  }

  async enqueue(row) {
    const tx = this.db.transaction("queue", "readwrite");
    tx.objectStore("queue").add(row);
    await done(tx);
  }

  async queued() {
    const tx = this.db.transaction("queue", "readonly");
    return request(tx.objectStore("queue").getAll());
  }

  async dequeue(seq) {
    const tx = this.db.transaction("queue", "readwrite");
    tx.objectStore("queue").delete(seq);
    await done(tx);
  }
}

/** sha256(code), first 16 bytes in hex: how a downloaded list names a ticket. */
export async function ticketHash(code) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
  return [...new Uint8Array(digest).slice(0, 16)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** A nonce for a scan: a UUID. */
export function newNonce() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A downloaded list in memory: hash → row, with the record kept in IndexedDB. */
export class OfflineList {
  constructor(store, list) {
    this.store = store;
    this.list = list;
    this.record = null;
    this.byHash = new Map();
  }

  get size() {
    return this.byHash.size;
  }

  get version() {
    return this.record ? this.record.version : null;
  }

  async load() {
    this.record = await this.store.door(this.list);
    this.index();
    return this;
  }

  index() {
    this.byHash = new Map();
    for (const row of this.record ? this.record.rows : []) {
      if (row.h) this.byHash.set(row.h, row);
    }
  }

  /** Apply a server answer (a full list or a delta) and keep it on the device. */
  async apply(answer) {
    const seen = this.record ? this.record.seen : {};
    let rows;
    if (answer.full || !this.record) {
      rows = answer.items;
    } else {
      const changed = new Map(answer.items.map((r) => [r.id, r]));
      rows = this.record.rows.filter((r) => !changed.has(r.id)).concat(answer.items);
    }
    this.record = { list: this.list, version: answer.version, fetchedAt: Date.now(), rows, seen };
    this.index();
    await this.store.saveDoor(this.record);
  }

  /** What this device knows of a code: {kind: unknown|invalid|in|seen|known, row?, at?}. */
  async check(code) {
    if (!this.record) return { kind: "unchecked" };
    const h = await ticketHash(code);
    const row = this.byHash.get(h);
    if (!row) return { kind: "unknown" };
    if (!row.valid) return { kind: "invalid", row };
    if (this.record.seen[h]) return { kind: "seen", row, at: this.record.seen[h] };
    if (row.inside) return { kind: "in", row, at: row.checked_in_at };
    return { kind: "known", row };
  }

  /** Remember that this device let the person in (or out). */
  async mark(code, type, at) {
    if (!this.record) return;
    const h = await ticketHash(code);
    if (type === "entry") this.record.seen[h] = at;
    else delete this.record.seen[h];
    await this.store.saveDoor(this.record);
  }
}

// IndexedDB, the web player's data directory: `kv` (token, pairing, manifests, hardware id,
// last command id), `events` (the queue, kept until a 204), `assets` (the media cache's index:
// size and last use of each file in Cache Storage) and `partials` (bytes of a download cut off,
// resumed with Range).

const DB_NAME = "signage-player";
const STORES = { kv: null, events: "eventId", assets: "assetId", partials: "assetId" };

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function openStore() {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => {
    for (const [name, keyPath] of Object.entries(STORES)) {
      if (!open.result.objectStoreNames.contains(name)) {
        open.result.createObjectStore(name, keyPath ? { keyPath } : undefined);
      }
    }
  };
  return new Store(await promised(open));
}

export class Store {
  constructor(db) {
    this.db = db;
  }

  async run(store, mode, action) {
    const tx = this.db.transaction(store, mode);
    const result = await promised(action(tx.objectStore(store)));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return result;
  }

  get(key) {
    return this.run("kv", "readonly", (s) => s.get(key));
  }

  set(key, value) {
    // Each write is its own transaction, committed before it resolves: a token is stored
    // before any request sends it (contract "Tokens rotate").
    return this.run("kv", "readwrite", (s) => (value === undefined ? s.delete(key) : s.put(value, key)));
  }

  all(store) {
    return this.run(store, "readonly", (s) => s.getAll());
  }

  put(store, value) {
    return this.run(store, "readwrite", (s) => s.put(value));
  }

  remove(store, key) {
    return this.run(store, "readwrite", (s) => s.delete(key));
  }

  read(store, key) {
    return this.run(store, "readonly", (s) => s.get(key));
  }

  clear(store) {
    return this.run(store, "readwrite", (s) => s.clear());
  }
}

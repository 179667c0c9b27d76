// driver.mjs runs Signal's own library, @signalapp/libsignal-client, for
// ratchat's live interop tests (session/libsignal_live_test.go). It is test
// code only: nothing here is part of the Go module or the ratchat binary, and
// the AGPL package it loads is installed by `npm ci` into node_modules/,
// which git ignores.
//
// Protocol: one JSON object per line on stdin, one JSON object per line on
// stdout, in order. A request is {"cmd": NAME, ...arguments}; the answer is
// {"ok": true, ...results} or {"ok": false, "error": MESSAGE}. Bytes travel
// as standard base64 (what Go's encoding/json does with []byte). The driver
// keeps any number of named parties in memory, each with its own identity,
// prekeys and sessions; the address of party NAME is (NAME, device 1).
//
// Commands (arguments → results):
//   newIdentity     name, registrationId?        → identityKey
//   identityKey     name                         → identityKey
//   signedPreKey    name, id                     → id, publicKey, signature
//   kyberPreKey     name, id                     → id, publicKey, signature
//   preKey          name, id                     → id, publicKey
//   bundle          name                         → the last of each prekey, as
//                   libsignal's public types serialize: registrationId,
//                   deviceId, identityKey, preKeyId?, preKey?, signedPreKeyId,
//                   signedPreKey, signedPreKeySignature, kyberPreKeyId,
//                   kyberPreKey, kyberPreKeySignature
//   processBundle   name, peer, bundle (the fields above) → {}
//   encrypt         name, to, plaintext          → type, body, and what
//                   parse tells of the message
//   parse           type, body                   → for a PreKeySignalMessage
//                   (type 3): version, registrationId, preKeyId,
//                   signedPreKeyId; for a SignalMessage (type 2): version,
//                   counter, ciphertext, pqRatchet
//   decrypt         name, from, type, body       → plaintext
//   encryptMany     name, to, plaintexts (list)  → messages: [{type, body}],
//                   in order: one request for a run of messages
//   decryptMany     name, from, messages: [{type, body}] → results, one per
//                   message in order: {plaintext} or {error, code} (code is
//                   libsignal's ErrorCode, 1 for DuplicatedMessage); a
//                   failure does not stop the run
//   saveSession     name, peer                   → record
//   loadSession     name, peer, record           → {}
//   fingerprint     iterations, version, localId, localKey, remoteId,
//                   remoteKey                    → display, scannable
//   sign            name, message                → signature
//   verify          key, message, signature      → valid
//   bench           n, size, settle?, pair?      → n, size, totalNs, nsPerMessage:
//                   n encrypt+decrypt of size bytes between two fresh
//                   in-process parties on an established session (one
//                   message each way, then settle more alternating); with
//                   a pair name, the pair is kept and reused by later
//                   calls with that name (one conversation across rounds)
//   benchPingPong   n, size, settle?, pair?      → as bench, the direction
//                   alternating on every message
//   benchSessionStart n, size                    → as bench, for n session
//                   starts (bundle → first message of size bytes →
//                   responder decrypts → reply → decrypted), each between
//                   two parties whose keys were made before the timer
//   senderKeyCreate name, distributionId         → distribution: the
//                   SenderKeyDistributionMessage of name's sender key for
//                   the distribution (made on first use; the same key
//                   afterwards, at its current iteration)
//   senderKeyProcess name, from, distribution    → {}: name stores from's
//                   sender key
//   parseSenderKeyDistribution distribution      → distributionId, chainId,
//                   iteration, chainKey, as libsignal's accessors show them
//   parseSenderKeyMessage message, key?          → distributionId, chainId,
//                   iteration, ciphertext, and with a signing key, valid
//   groupEncrypt    name, distributionId, plaintexts (list) → messages:
//                   the SenderKeyMessages, in order
//   groupDecrypt    name, from, messages (list)  → results, one per message
//                   in order: {plaintext} or {error, code} (code is
//                   libsignal's ErrorCode, 1 for DuplicatedMessage); a
//                   failure does not stop the run
//   benchGroupEncrypt n, size, pair?             → n, size, totalNs,
//                   nsPerMessage: n groupEncrypt of size bytes by one
//                   in-process party (its sender key made before the timer;
//                   with a pair name, kept for later calls with that name)
//   exit                                         → {} and the driver ends
//
// Distribution ids travel as base64 of their 16 bytes, like other bytes.

import { createInterface } from 'node:readline';
import * as SignalClient from '@signalapp/libsignal-client';

const {
  CiphertextMessageType,
  Fingerprint,
  IdentityChange,
  IdentityKeyPair,
  IdentityKeyStore,
  KEMKeyPair,
  KEMPublicKey,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyBundle,
  PreKeyRecord,
  PreKeySignalMessage,
  PreKeyStore,
  PrivateKey,
  ProtocolAddress,
  PublicKey,
  SenderKeyDistributionMessage,
  SenderKeyMessage,
  SenderKeyRecord,
  SenderKeyStore,
  SessionRecord,
  SessionStore,
  SignalMessage,
  SignedPreKeyRecord,
  SignedPreKeyStore,
} = SignalClient;

const deviceId = 1;
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const bytesOf = (s) => new Uint8Array(Buffer.from(s ?? '', 'base64'));

// Stores is one party's in-memory implementation of libsignal's store
// interfaces. It trusts every identity: the tests decide about trust.
class Stores {
  constructor(identity, registrationId) {
    this.identity = identity;
    this.registrationId = registrationId;
    this.sessions = new Map();
    this.identities = new Map();
    this.preKeys = new Map();
    this.signedPreKeys = new Map();
    this.kyberPreKeys = new Map();
    const self = this;
    this.sessionStore = new (class extends SessionStore {
      async saveSession(addr, record) { self.sessions.set(addr.toString(), record.serialize()); }
      async getSession(addr) {
        const r = self.sessions.get(addr.toString());
        return r ? SessionRecord.deserialize(r) : null;
      }
      async getExistingSessions(addrs) {
        return addrs.map((a) => SessionRecord.deserialize(self.sessions.get(a.toString())));
      }
    })();
    this.identityStore = new (class extends IdentityKeyStore {
      async getIdentityKey() { return self.identity.privateKey; }
      async getLocalRegistrationId() { return self.registrationId; }
      async saveIdentity(addr, key) {
        const old = self.identities.get(addr.toString());
        self.identities.set(addr.toString(), key);
        return old && !old.equals(key) ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged;
      }
      async isTrustedIdentity() { return true; }
      async getIdentity(addr) { return self.identities.get(addr.toString()) ?? null; }
    })();
    this.preKeyStore = new (class extends PreKeyStore {
      async savePreKey(id, r) { self.preKeys.set(id, r); }
      async getPreKey(id) { return need(self.preKeys, id, 'prekey'); }
      async removePreKey(id) { self.preKeys.delete(id); }
    })();
    this.signedPreKeyStore = new (class extends SignedPreKeyStore {
      async saveSignedPreKey(id, r) { self.signedPreKeys.set(id, r); }
      async getSignedPreKey(id) { return need(self.signedPreKeys, id, 'signed prekey'); }
    })();
    this.senderKeys = new Map();
    this.senderKeyStore = new (class extends SenderKeyStore {
      async saveSenderKey(addr, id, r) { self.senderKeys.set(`${addr.toString()}/${id}`, r.serialize()); }
      async getSenderKey(addr, id) {
        const r = self.senderKeys.get(`${addr.toString()}/${id}`);
        return r ? SenderKeyRecord.deserialize(r) : null;
      }
    })();
    this.kyberPreKeyStore = new (class extends KyberPreKeyStore {
      async saveKyberPreKey(id, r) { self.kyberPreKeys.set(id, r); }
      async getKyberPreKey(id) { return need(self.kyberPreKeys, id, 'kyber prekey'); }
      async markKyberPreKeyUsed() {}
    })();
  }
}

function need(map, id, what) {
  const r = map.get(id);
  if (!r) throw new Error(`no ${what} ${id}`);
  return r;
}

const parties = new Map();

function party(name) {
  const p = parties.get(name);
  if (!p) throw new Error(`no party ${JSON.stringify(name)}`);
  return p;
}

function newParty(name, registrationId) {
  const p = new Stores(IdentityKeyPair.generate(), registrationId ?? 1 + Math.floor(Math.random() * 16000));
  parties.set(name, p);
  return p;
}

const address = (name) => ProtocolAddress.new(name, deviceId);

function makeSignedPreKey(p, id) {
  const priv = PrivateKey.generate();
  const pub = priv.getPublicKey();
  const sig = p.identity.privateKey.sign(pub.serialize());
  p.signedPreKeys.set(id, SignedPreKeyRecord.new(id, Date.now(), pub, priv, sig));
  p.lastSigned = id;
  return { id, publicKey: b64(pub.serialize()), signature: b64(sig) };
}

function makeKyberPreKey(p, id) {
  const pair = KEMKeyPair.generate();
  const sig = p.identity.privateKey.sign(pair.getPublicKey().serialize());
  p.kyberPreKeys.set(id, KyberPreKeyRecord.new(id, Date.now(), pair, sig));
  p.lastKyber = id;
  return { id, publicKey: b64(pair.getPublicKey().serialize()), signature: b64(sig) };
}

function makePreKey(p, id) {
  const priv = PrivateKey.generate();
  p.preKeys.set(id, PreKeyRecord.new(id, priv.getPublicKey(), priv));
  p.lastPreKey = id;
  return { id, publicKey: b64(priv.getPublicKey().serialize()) };
}

function bundleOf(p) {
  const spk = need(p.signedPreKeys, p.lastSigned, 'signed prekey');
  const kyber = need(p.kyberPreKeys, p.lastKyber, 'kyber prekey');
  const out = {
    registrationId: p.registrationId,
    deviceId,
    identityKey: b64(p.identity.publicKey.serialize()),
    signedPreKeyId: spk.id(),
    signedPreKey: b64(spk.publicKey().serialize()),
    signedPreKeySignature: b64(spk.signature()),
    kyberPreKeyId: kyber.id(),
    kyberPreKey: b64(kyber.publicKey().serialize()),
    kyberPreKeySignature: b64(kyber.signature()),
  };
  if (p.lastPreKey !== undefined && p.preKeys.has(p.lastPreKey)) {
    out.preKeyId = p.lastPreKey;
    out.preKey = b64(p.preKeys.get(p.lastPreKey).publicKey().serialize());
  }
  return out;
}

function parseBundle(b) {
  const hasPreKey = b.preKey !== undefined && b.preKey !== null && b.preKey !== '';
  return PreKeyBundle.new(
    b.registrationId, b.deviceId ?? deviceId,
    hasPreKey ? b.preKeyId : null, hasPreKey ? PublicKey.deserialize(bytesOf(b.preKey)) : null,
    b.signedPreKeyId, PublicKey.deserialize(bytesOf(b.signedPreKey)), bytesOf(b.signedPreKeySignature),
    PublicKey.deserialize(bytesOf(b.identityKey)),
    b.kyberPreKeyId, KEMPublicKey.deserialize(bytesOf(b.kyberPreKey)), bytesOf(b.kyberPreKeySignature));
}

async function processBundle(p, name, peer, bundle) {
  await SignalClient.processPreKeyBundle(parseBundle(bundle), address(peer), address(name),
    p.sessionStore, p.identityStore);
}

async function encrypt(p, name, to, plaintext) {
  const m = await SignalClient.signalEncrypt(plaintext, address(to), address(name), p.sessionStore, p.identityStore);
  return { type: m.type(), body: m.serialize() };
}

async function decrypt(p, name, from, type, body) {
  if (type === CiphertextMessageType.PreKey) {
    return SignalClient.signalDecryptPreKey(PreKeySignalMessage.deserialize(body), address(from), address(name),
      p.sessionStore, p.identityStore, p.preKeyStore, p.signedPreKeyStore, p.kyberPreKeyStore);
  }
  if (type === CiphertextMessageType.Whisper) {
    return SignalClient.signalDecrypt(SignalMessage.deserialize(body), address(from), address(name),
      p.sessionStore, p.identityStore);
  }
  throw new Error(`unknown message type ${type}`);
}

// describe parses a message with libsignal and returns what its accessors
// show: for a PreKeySignalMessage the version, registration id and prekey
// ids; for a SignalMessage the version, counter, ciphertext and SPQR message.
function describe(type, body) {
  if (type === CiphertextMessageType.PreKey) {
    const m = PreKeySignalMessage.deserialize(body);
    return {
      version: m.version(), registrationId: m.registrationId(),
      preKeyId: m.preKeyId(), signedPreKeyId: m.signedPreKeyId(),
    };
  }
  if (type === CiphertextMessageType.Whisper) {
    const m = SignalMessage.deserialize(body);
    return { version: m.messageVersion(), counter: m.counter(), ciphertext: b64(m.body()), pqRatchet: b64(m.pqRatchet()) };
  }
  throw new Error(`unknown message type ${type}`);
}

// benchPair makes two fresh in-process parties with an established
// session: one message each way, then settle more messages alternating
// directions, as ratchat's benchmarks settle the braid. It returns a
// function that sends one message of plaintext pt from one to the other
// (true: alice to bob) and checks its decryption.
async function benchPair(settle, tag) {
  const names = [`\u0000bench-alice${tag ?? ''}`, `\u0000bench-bob${tag ?? ''}`];
  const a = newParty(names[0], 1);
  const b = newParty(names[1], 2);
  makeSignedPreKey(b, 1);
  makeKyberPreKey(b, 1);
  makePreKey(b, 1);
  await processBundle(a, names[0], names[1], bundleOf(b));
  const send = async (fromAlice, pt) => {
    const [from, to] = fromAlice ? [a, b] : [b, a];
    const [fromName, toName] = fromAlice ? names : [names[1], names[0]];
    const m = await encrypt(from, fromName, toName, pt);
    const out = await decrypt(to, toName, fromName, m.type, m.body);
    if (out.length !== pt.length) throw new Error(`bench: decrypted ${out.length} bytes, want ${pt.length}`);
  };
  const hello = new Uint8Array([104, 105]);
  await send(true, hello);
  await send(false, hello);
  for (let i = 0; i < (settle ?? 0); i++) await send(i % 2 === 0, hello);
  const done = () => { parties.delete(names[0]); parties.delete(names[1]); };
  return { send, done };
}

// timed runs fn n times and reports the time inside node only.
async function timed(n, size, fn) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  const totalNs = Number(process.hrtime.bigint() - start);
  return { n, size, totalNs, nsPerMessage: n > 0 ? totalNs / n : 0 };
}

// keptPairs holds the bench pairs that callers asked to keep by name, so
// that rounds of a benchmark continue one conversation.
const keptPairs = new Map();

// pairFor returns the kept pair called name (made and settled on first
// use), or a fresh pair for one call if name is empty.
async function pairFor(name, settle) {
  if (!name) return { pair: await benchPair(settle), fresh: true };
  if (!keptPairs.has(name)) keptPairs.set(name, await benchPair(settle, name));
  return { pair: keptPairs.get(name), fresh: false };
}

// bench times n encrypt+decrypt of size bytes from alice to bob, after one
// message each way (and settle more, alternating) has established the
// session (so every timed message is a SignalMessage on an established
// chain, as ratchat's benchmark). With a pair name, the session is kept
// for the next call with that name.
async function bench(n, size, settle, pairName) {
  const { pair, fresh } = await pairFor(pairName, settle);
  const pt = new Uint8Array(size).fill(0x61);
  try {
    return await timed(n, size, () => pair.send(true, pt));
  } finally {
    if (fresh) pair.done();
  }
}

// benchPingPong is bench with the direction alternating on every message,
// so that every message turns the Double Ratchet (and the braid's ML-KEM
// exchanges complete).
async function benchPingPong(n, size, settle, pairName) {
  const { pair, fresh } = await pairFor(pairName, settle);
  const pt = new Uint8Array(size).fill(0x61);
  try {
    return await timed(n, size, (i) => pair.send(i % 2 === 0, pt));
  } finally {
    if (fresh) pair.done();
  }
}

// benchSessionStart times n session starts, each between two parties of
// its own whose identities and prekeys (signed, Kyber-1024, one-time) are
// made before the timer starts: alice processes bob's bundle, encrypts a
// first message of size bytes, bob decrypts it (PQXDH's responder half)
// and answers, alice decrypts the answer.
async function benchSessionStart(n, size) {
  const pairs = [];
  for (let i = 0; i < n; i++) {
    const names = [`\u0000start-alice-${i}`, `\u0000start-bob-${i}`];
    const a = newParty(names[0], 1);
    const b = newParty(names[1], 2);
    makeSignedPreKey(b, 1);
    makeKyberPreKey(b, 1);
    makePreKey(b, 1);
    pairs.push({ names, a, b, bundle: bundleOf(b) });
  }
  const pt = new Uint8Array(size).fill(0x61);
  try {
    return await timed(n, size, async (i) => {
      const { names: [an, bn], a, b, bundle } = pairs[i];
      await processBundle(a, an, bn, bundle);
      let m = await encrypt(a, an, bn, pt);
      if (m.type !== CiphertextMessageType.PreKey) throw new Error(`bench: first message of type ${m.type}`);
      let out = await decrypt(b, bn, an, m.type, m.body);
      if (out.length !== size) throw new Error(`bench: decrypted ${out.length} bytes, want ${size}`);
      m = await encrypt(b, bn, an, pt);
      out = await decrypt(a, an, bn, m.type, m.body);
      if (out.length !== size) throw new Error(`bench: decrypted ${out.length} bytes, want ${size}`);
    });
  } finally {
    for (const { names } of pairs) { parties.delete(names[0]); parties.delete(names[1]); }
  }
}

// uuidOf turns a distribution id's 16 bytes (base64) into the UUID string
// libsignal's API takes; bytesOfUuid is the reverse.
function uuidOf(s) {
  const h = Buffer.from(bytesOf(s)).toString('hex');
  if (h.length !== 32) throw new Error(`distribution id of ${h.length / 2} bytes`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
const bytesOfUuid = (u) => b64(Buffer.from(u.replaceAll('-', ''), 'hex'));

async function senderKeyCreate(p, name, distributionId) {
  const m = await SenderKeyDistributionMessage.create(address(name), uuidOf(distributionId), p.senderKeyStore);
  return { distribution: b64(m.serialize()) };
}

async function groupEncryptMany(p, name, distributionId, plaintexts) {
  const id = uuidOf(distributionId);
  const messages = [];
  for (const pt of plaintexts) {
    const m = await SignalClient.groupEncrypt(address(name), id, p.senderKeyStore, bytesOf(pt));
    messages.push(b64(m.serialize()));
  }
  return { messages };
}

async function groupDecryptMany(p, from, messages) {
  const results = [];
  for (const m of messages) {
    try {
      results.push({ plaintext: b64(await SignalClient.groupDecrypt(address(from), p.senderKeyStore, bytesOf(m))) });
    } catch (err) {
      results.push({ error: String(err?.message ?? err), code: err?.code ?? null });
    }
  }
  return { results };
}

// benchGroupEncrypt times n groupEncrypt of size bytes by one party whose
// sender key was made before the timer.
async function benchGroupEncrypt(n, size, pairName) {
  const name = `\u0000group-bench${pairName ?? ''}`;
  const id = '0badc0de-0000-4000-8000-000000000001';
  let p = parties.get(name);
  if (!p) {
    p = newParty(name, 1);
    await SenderKeyDistributionMessage.create(address(name), id, p.senderKeyStore);
  }
  const pt = new Uint8Array(size).fill(0x61);
  try {
    return await timed(n, size, () => SignalClient.groupEncrypt(address(name), id, p.senderKeyStore, pt));
  } finally {
    if (!pairName) parties.delete(name);
  }
}

const commands = {
  newIdentity: (r) => ({ identityKey: b64(newParty(r.name, r.registrationId).identity.publicKey.serialize()) }),
  identityKey: (r) => ({ identityKey: b64(party(r.name).identity.publicKey.serialize()) }),
  signedPreKey: (r) => makeSignedPreKey(party(r.name), r.id),
  kyberPreKey: (r) => makeKyberPreKey(party(r.name), r.id),
  preKey: (r) => makePreKey(party(r.name), r.id),
  bundle: (r) => bundleOf(party(r.name)),
  processBundle: async (r) => { await processBundle(party(r.name), r.name, r.peer, r.bundle); return {}; },
  encrypt: async (r) => {
    const m = await encrypt(party(r.name), r.name, r.to, bytesOf(r.plaintext));
    return { type: m.type, body: b64(m.body), ...describe(m.type, m.body) };
  },
  encryptMany: async (r) => {
    const p = party(r.name);
    const messages = [];
    for (const pt of r.plaintexts) {
      const m = await encrypt(p, r.name, r.to, bytesOf(pt));
      messages.push({ type: m.type, body: b64(m.body) });
    }
    return { messages };
  },
  decryptMany: async (r) => {
    const p = party(r.name);
    const results = [];
    for (const m of r.messages) {
      try {
        results.push({ plaintext: b64(await decrypt(p, r.name, r.from, m.type, bytesOf(m.body))) });
      } catch (err) {
        results.push({ error: String(err?.message ?? err), code: err?.code ?? null });
      }
    }
    return { results };
  },
  parse: (r) => describe(r.type, bytesOf(r.body)),
  decrypt: async (r) => ({ plaintext: b64(await decrypt(party(r.name), r.name, r.from, r.type, bytesOf(r.body))) }),
  saveSession: async (r) => {
    const rec = await party(r.name).sessionStore.getSession(address(r.peer));
    if (!rec) throw new Error(`no session with ${r.peer}`);
    return { record: b64(rec.serialize()) };
  },
  loadSession: async (r) => {
    await party(r.name).sessionStore.saveSession(address(r.peer), SessionRecord.deserialize(bytesOf(r.record)));
    return {};
  },
  fingerprint: (r) => {
    const f = Fingerprint.new(r.iterations, r.version, bytesOf(r.localId), PublicKey.deserialize(bytesOf(r.localKey)),
      bytesOf(r.remoteId), PublicKey.deserialize(bytesOf(r.remoteKey)));
    return { display: f.displayableFingerprint().toString(), scannable: b64(f.scannableFingerprint().toBuffer()) };
  },
  sign: (r) => ({ signature: b64(party(r.name).identity.privateKey.sign(bytesOf(r.message))) }),
  verify: (r) => ({ valid: PublicKey.deserialize(bytesOf(r.key)).verify(bytesOf(r.message), bytesOf(r.signature)) }),
  bench: (r) => bench(r.n, r.size ?? 1024, r.settle, r.pair),
  benchPingPong: (r) => benchPingPong(r.n, r.size ?? 1024, r.settle, r.pair),
  benchSessionStart: (r) => benchSessionStart(r.n, r.size ?? 1024),
  senderKeyCreate: (r) => senderKeyCreate(party(r.name), r.name, r.distributionId),
  senderKeyProcess: async (r) => {
    const m = SenderKeyDistributionMessage.deserialize(bytesOf(r.distribution));
    await SignalClient.processSenderKeyDistributionMessage(address(r.from), m, party(r.name).senderKeyStore);
    return {};
  },
  parseSenderKeyDistribution: (r) => {
    const m = SenderKeyDistributionMessage.deserialize(bytesOf(r.distribution));
    return { distributionId: bytesOfUuid(m.distributionId()), chainId: m.chainId(), iteration: m.iteration(), chainKey: b64(m.chainKey()) };
  },
  parseSenderKeyMessage: (r) => {
    const m = SenderKeyMessage.deserialize(bytesOf(r.message));
    const out = { distributionId: bytesOfUuid(m.distributionId()), chainId: m.chainId(), iteration: m.iteration(), ciphertext: b64(m.ciphertext()) };
    if (r.key) out.valid = m.verifySignature(PublicKey.deserialize(bytesOf(r.key)));
    return out;
  },
  groupEncrypt: (r) => groupEncryptMany(party(r.name), r.name, r.distributionId, r.plaintexts),
  groupDecrypt: (r) => groupDecryptMany(party(r.name), r.from, r.messages),
  benchGroupEncrypt: (r) => benchGroupEncrypt(r.n, r.size ?? 1024, r.pair),
  exit: () => ({}),
};

// Requests are handled one at a time, in order, so answers never interleave.
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  let answer;
  let req = {};
  try {
    req = JSON.parse(line);
    const fn = commands[req.cmd];
    if (!fn) throw new Error(`unknown command ${JSON.stringify(req.cmd)}`);
    answer = { ok: true, ...(await fn(req)) };
  } catch (err) {
    answer = { ok: false, error: String(err?.message ?? err) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
  if (req.cmd === 'exit') break;
}

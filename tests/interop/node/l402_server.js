// An independent L402 server, so that the `l402` client is tested against code it shares
// nothing with: plain Node `http`, macaroons minted and verified with npm `macaroon` 3.0.4,
// invoices from devnet's LND REST API (an account of its own, so that payer and payee
// differ) or, in the hostile modes, signed with npm `bolt11` 1.4.1. Described in ../README.md
// ("An independent L402 server"); tests/integration/client/node_l402_server.hpp runs it.
//
//   node l402_server.js --listen 127.0.0.1:0 --devnet-url https://127.0.0.1:PORT
//       --devnet-dir DIR [--account NAME] [--price-sat N] [--mode MODE] [--service NAME]
//       [--valid-for SECONDS] [--max-body-bytes N]
//
// When ready it prints one JSON line on stdout: {"port", "url", "mode", "service",
// "price_sat", "account", "node_id"}. Stops on SIGTERM or SIGINT (exit 0), and when its parent
// goes away, so that a test that crashed leaves nothing running.
//
// Routes:
//   /paid/...          L402: an unpaid request gets 402 with two WWW-Authenticate lines,
//                      `LSAT macaroon="…", invoice="…"` then the same with `L402`, as Aperture
//                      sends them; `Authorization: L402|LSAT <b64>:<hex>` is verified (npm
//                      macaroon with the token's root key, kept in memory by token ID;
//                      sha256(preimage) against the identifier; caveats as Aperture checks
//                      them). A bad credential gets 401, an expired one a fresh 402.
//                      Paid: a request with a body gets the body back verbatim, GET
//                      /paid/bytes/N gets N deterministic bytes with X-Checksum (sha256 hex),
//                      anything else a JSON object.
//   /free/...          the same answers without a credential.
//   GET /stats         counters (below) and how many of the invoices it issued devnet
//                      reports settled.
//
// Modes (--mode), each breaking one thing the client must check before paying:
//   normal          the default
//   hash-mismatch   a payable devnet invoice, but the macaroon's identifier names a payment
//                   hash nobody knows the preimage of
//   mainnet         an `lnbc` invoice, signed with a random key
//   expired         a regtest invoice whose timestamp + expiry is an hour in the past, signed
//                   with a random key
//   loop            keeps answering 402 with fresh challenges after a valid payment
//   garbage         malformed WWW-Authenticate values; `?garbage=NAME` picks one of
//                   GARBAGE_VARIANTS, otherwise they take turns
// An amount over budget needs no mode: --price-sat.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');

function requireOrDie(name) {
  try {
    return require(name);
  } catch (e) {
    process.stderr.write(`l402_server: cannot load '${name}' (${e.message}): the fixture ` +
      'interop_npm_ci installs it with `npm ci` into the build tree; NODE_PATH must point at ' +
      'that node_modules\n');
    process.exit(2);
  }
}

const macaroon = requireOrDie('macaroon');
const bolt11 = requireOrDie('bolt11');

const MODES = ['normal', 'hash-mismatch', 'mainnet', 'expired', 'loop', 'garbage'];
const GARBAGE_VARIANTS = [
  'unterminated', 'bad-base64', 'not-a-macaroon', 'not-an-identifier', 'bad-invoice',
  'no-invoice', 'no-macaroon', 'empty', 'other-scheme', 'duplicate-invoice', 'high-bytes',
  'oversized',
];

// Bounds on what one request or the process can hold.
const MAX_PRICE_SAT = 2_100_000_000_000_000 / 1000;  // BOLT 11's cap: 21 million BTC
const MAX_BYTES_ROUTE = 1 << 30;                      // GET /paid/bytes/N
const MAX_TOKENS = 10_000;                            // root keys kept (oldest forgotten)
const MAX_TRACKED_INVOICES = 1_000;                   // devnet invoices watched for /stats
const MAX_AUTHORIZATION_BYTES = 8192;
const MAX_DEVNET_RESPONSE_BYTES = 1 << 20;
const DEVNET_TIMEOUT_MS = 10_000;

// ---- command line

const USAGE = 'usage: node l402_server.js --listen 127.0.0.1:PORT --devnet-url URL ' +
  '--devnet-dir DIR [--account NAME] [--price-sat N] [--mode ' + MODES.join('|') + '] ' +
  '[--service NAME] [--valid-for SECONDS] [--max-body-bytes N]';

function usageError(message) {
  process.stderr.write(`l402_server: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCount(flag, text, min, max) {
  if (!/^[0-9]{1,16}$/.test(text) || +text < min || +text > max) {
    usageError(`${flag} must be an integer from ${min} to ${max}, not '${text}'`);
  }
  return +text;
}

const isLoopback = host => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

function parseArguments(argv) {
  const options = {
    listen: null, devnetUrl: null, devnetDir: null, account: 'default', priceSat: 10,
    mode: 'normal', service: 'interop', validFor: null, maxBodyBytes: 16 << 20,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) usageError(`${flag} needs a value`);
    switch (flag) {
      case '--listen': options.listen = value; break;
      case '--devnet-url': options.devnetUrl = value; break;
      case '--devnet-dir': options.devnetDir = value; break;
      case '--account': options.account = value; break;
      case '--price-sat': options.priceSat = parseCount(flag, value, 1, MAX_PRICE_SAT); break;
      case '--mode': options.mode = value; break;
      case '--service': options.service = value; break;
      case '--valid-for': options.validFor = parseCount(flag, value, 1, 10 * 365 * 86400); break;
      case '--max-body-bytes':
        options.maxBodyBytes = parseCount(flag, value, 0, 1 << 30);
        break;
      default: usageError(`unknown argument '${flag}'`);
    }
  }
  for (const [flag, value] of [['--listen', options.listen], ['--devnet-url', options.devnetUrl],
    ['--devnet-dir', options.devnetDir]]) {
    if (value === null) usageError(`${flag} is required`);
  }
  if (!MODES.includes(options.mode)) usageError(`unknown mode '${options.mode}'`);
  // Devnet's account names; the service name goes into caveats split at ',', ':' and '='.
  if (!/^[a-z0-9_-]{1,32}$/.test(options.account)) usageError('bad --account');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(options.service)) usageError('bad --service');
  const listen = /^(.*):([0-9]{1,5})$/.exec(options.listen);
  if (!listen || !isLoopback(listen[1]) || +listen[2] > 65535) {
    usageError('--listen must be a loopback HOST:PORT (127.0.0.1, ::1 or localhost)');
  }
  options.host = listen[1].replace(/^\[(.*)\]$/, '$1');
  options.port = +listen[2];
  let devnet;
  try {
    devnet = new URL(options.devnetUrl);
  } catch (e) {
    usageError(`bad --devnet-url: ${e.message}`);
  }
  if (!['https:', 'http:'].includes(devnet.protocol) || !isLoopback(devnet.hostname)) {
    usageError('--devnet-url must be http(s):// on a loopback address');
  }
  options.devnet = devnet;
  return options;
}

// ---- devnet: LND's REST API with the account's macaroon

// Talks to devnet as any LND REST client does: the macaroon as hex in Grpc-Metadata-macaroon,
// the node's own tls.cert as the only trusted certificate.
class Devnet {
  constructor(options) {
    const file = options.account === 'default' ? 'admin.macaroon' : `${options.account}.macaroon`;
    this.macaroonHex = fs.readFileSync(path.join(options.devnetDir, file)).toString('hex');
    this.url = options.devnet;
    this.secure = this.url.protocol === 'https:';
    this.ca = this.secure ? fs.readFileSync(path.join(options.devnetDir, 'tls.cert')) : null;
    this.agent = new (this.secure ? https : http).Agent({keepAlive: true, maxSockets: 8});
  }

  call(method, route, body) {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const request = {
      method, host: this.url.hostname.replace(/^\[(.*)\]$/, '$1'), port: this.url.port,
      path: route, agent: this.agent, timeout: DEVNET_TIMEOUT_MS,
      headers: {'Grpc-Metadata-macaroon': this.macaroonHex},
    };
    if (this.secure) request.ca = this.ca;
    if (payload) {
      request.headers['Content-Type'] = 'application/json';
      request.headers['Content-Length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const req = (this.secure ? https : http).request(request, res => {
        const chunks = [];
        let size = 0;
        res.on('data', chunk => {
          size += chunk.length;
          if (size > MAX_DEVNET_RESPONSE_BYTES) {
            req.destroy(new Error(`answer to ${route} over ${MAX_DEVNET_RESPONSE_BYTES} bytes`));
          } else {
            chunks.push(chunk);
          }
        });
        res.on('end', () => {
          let parsed;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (e) {
            reject(new Error(`devnet ${route}: ${res.statusCode}, not JSON`));
            return;
          }
          if (res.statusCode !== 200) {
            reject(new Error(`devnet ${route}: ${res.statusCode} ${parsed.message}`));
          } else {
            resolve(parsed);
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`devnet ${route}: no answer in time`)));
      req.on('error', e => reject(new Error(`devnet ${route}: ${e.message}`)));
      req.end(payload);
    });
  }

  info() {
    return this.call('GET', '/v1/getinfo');
  }

  // A regtest invoice of this account: {bolt11, paymentHash (Buffer)}.
  async addInvoice(priceSat, memo) {
    const added = await this.call('POST', '/v1/invoices', {value: String(priceSat), memo});
    const paymentHash = Buffer.from(added.r_hash, 'base64');
    if (paymentHash.length !== 32 || typeof added.payment_request !== 'string') {
      throw new Error('devnet /v1/invoices: no r_hash or payment_request');
    }
    return {bolt11: added.payment_request, paymentHash};
  }

  async invoiceState(paymentHash) {
    return (await this.call('GET', `/v1/invoice/${paymentHash.toString('hex')}`)).state;
  }

  close() {
    this.agent.destroy();
  }
}

// ---- tokens: npm macaroon, Aperture's identifier and caveats

const sha256 = bytes => crypto.createHash('sha256').update(bytes).digest();

// Mints and verifies this server's macaroons. Root keys live only in memory, by token ID:
// a restarted server knows none of its earlier tokens (their credentials get 401).
class Tokens {
  constructor(service, validFor, now) {
    this.service = service;
    this.validFor = validFor;
    this.now = now;
    this.rootKeys = new Map();  // token ID hex -> root key; insertion order, oldest first
  }

  // The standard base64 of a V2 binary macaroon whose identifier is version 0 (uint16
  // big-endian), `paymentHash` and a random token ID, with Aperture's caveats.
  mint(paymentHash) {
    const tokenId = crypto.randomBytes(32);
    const identifier = Buffer.concat([Buffer.from([0, 0]), paymentHash, tokenId]);
    const rootKey = crypto.randomBytes(32);
    const m = macaroon.newMacaroon({
      version: 2, rootKey: Uint8Array.from(rootKey), identifier: Uint8Array.from(identifier),
      location: 'lsat',
    });
    m.addFirstPartyCaveat(`services=${this.service}:0`);
    if (this.validFor !== null) {
      m.addFirstPartyCaveat(`${this.service}_valid_until=${this.now() + this.validFor}`);
    }
    this.rootKeys.set(tokenId.toString('hex'), rootKey);
    if (this.rootKeys.size > MAX_TOKENS) this.rootKeys.delete(this.rootKeys.keys().next().value);
    return Buffer.from(m.exportBinary()).toString('base64');
  }

  // {verdict: 'ok', tokenId} | {verdict: 'expired', tokenId} | {verdict: 'invalid', why},
  // in Aperture's order: identifier, preimage against its hash, root key, signature, caveats.
  verify(credential) {
    let m;
    try {
      m = macaroon.importMacaroon(Uint8Array.from(credential.macaroon));
    } catch (e) {
      return {verdict: 'invalid', why: `not a macaroon: ${e.message}`};
    }
    const identifier = Buffer.from(m.identifier);
    if (identifier.length !== 66 || identifier.readUInt16BE(0) !== 0) {
      return {verdict: 'invalid', why: 'not an L402 identifier (version 0, 66 bytes)'};
    }
    const tokenId = identifier.subarray(34).toString('hex');
    if (!crypto.timingSafeEqual(sha256(credential.preimage), identifier.subarray(2, 34))) {
      return {verdict: 'invalid', why: 'the preimage does not hash to the payment hash'};
    }
    const rootKey = this.rootKeys.get(tokenId);
    if (rootKey === undefined) return {verdict: 'invalid', why: 'unknown token'};
    const conditions = [];
    try {
      m.verify(Uint8Array.from(rootKey), condition => {
        conditions.push(condition);
        return null;
      }, []);
    } catch (e) {
      return {verdict: 'invalid', why: e.message};
    }
    const problem = this.checkConditions(conditions);
    if (problem === 'expired') return {verdict: 'expired', tokenId};
    if (problem !== null) return {verdict: 'invalid', why: problem};
    return {verdict: 'ok', tokenId};
  }

  // Aperture's rule (l402-protocol.md 4.3): a repeated condition may only narrow the one
  // before it; the last `services` must name this service and the last
  // `<service>_valid_until` must lie ahead. Other conditions are not this server's business.
  checkConditions(conditions) {
    const servicesOf = value => {
      const names = value.split(',').map(item => {
        const m = /^([^,:]+):([0-9]{1,3})$/.exec(item);
        return m && +m[2] <= 255 ? m[1] : null;
      });
      return names.includes(null) ? null : names;
    };
    let services = null;
    let validUntil = null;
    for (const condition of conditions) {
      const at = condition.indexOf('=');
      if (at < 0) continue;
      const name = condition.slice(0, at);
      const value = condition.slice(at + 1);
      if (name === 'services') {
        const names = servicesOf(value);
        if (names === null) return `bad services caveat '${value}'`;
        if (services !== null && !names.every(n => services.includes(n))) {
          return 'a services caveat widens the one before it';
        }
        services = names;
      } else if (name === `${this.service}_valid_until`) {
        if (!/^[0-9]{1,15}$/.test(value)) return `bad ${name} caveat '${value}'`;
        if (validUntil !== null && +value > validUntil) return `${name} extended`;
        validUntil = +value;
      }
    }
    if (services !== null && !services.includes(this.service)) {
      return `the token is not for service ${this.service}`;
    }
    if (validUntil !== null && this.now() >= validUntil) return 'expired';
    return null;
  }
}

// The first L402/LSAT credential among the Authorization values: null when there is none
// (an unpaid request), {error} when the first one is malformed, else {macaroon, preimage}.
// A folded line ("LSAT a:h, L402 a:h") holds several; the scheme is case-insensitive, base64
// of either alphabet with or without padding, hex of either case.
function findCredential(values) {
  let firstError = null;
  for (const value of values) {
    if (value.length > MAX_AUTHORIZATION_BYTES) {
      firstError = firstError || `Authorization over ${MAX_AUTHORIZATION_BYTES} bytes`;
      continue;
    }
    for (const item of value.split(/,\s*(?=(?:L402|LSAT)\s)/i)) {
      const m = /^\s*(\S+)(?:\s+(.*?))?\s*$/.exec(item);
      if (!m || !/^(L402|LSAT)$/i.test(m[1])) continue;
      const parsed = parseCredential(m[2] || '');
      if (!parsed.error) return parsed;
      firstError = firstError || parsed.error;
    }
  }
  return firstError === null ? null : {error: firstError};
}

function parseCredential(text) {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return {error: 'no ":" between macaroon and preimage'};
  const tokens = text.slice(0, colon).split(',');
  const preimage = text.slice(colon + 1);
  if (!/^[0-9a-fA-F]{64}$/.test(preimage)) return {error: 'the preimage is not 64 hex digits'};
  if (tokens.length !== 1) return {error: 'this server takes one macaroon, no discharges'};
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(tokens[0])) return {error: 'the macaroon is not base64'};
  const standard = tokens[0].replace(/-/g, '+').replace(/_/g, '/');
  return {macaroon: Buffer.from(standard, 'base64'), preimage: Buffer.from(preimage, 'hex')};
}

// ---- invoices signed with npm bolt11 (the hostile modes)

const NETWORKS = {
  bitcoin: {bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, validWitnessVersions: [0, 1]},
  regtest: {bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1]},
};

// Feature bits 8 (var_onion_optin) and 14 (payment_secret) required, as LND sets them; bolt11
// wants them as its feature object.
const FEATURES = {
  word_length: 3,
  option_data_loss_protect: {required: false, supported: false},
  initial_routing_sync: {required: false, supported: false},
  option_upfront_shutdown_script: {required: false, supported: false},
  gossip_queries: {required: false, supported: false},
  var_onion_optin: {required: true, supported: false},
  gossip_queries_ex: {required: false, supported: false},
  option_static_remotekey: {required: false, supported: false},
  payment_secret: {required: true, supported: false},
  basic_mpp: {required: false, supported: false},
  option_support_large_channel: {required: false, supported: false},
};

// A complete invoice (payment secret, description, expiry, min final CLTV, features), signed
// with a key made up for it, so that no node can be paid through it.
function signedInvoice({network, timestamp, expiry, priceSat, paymentHash, description}) {
  const unsigned = bolt11.encode({
    network: NETWORKS[network], timestamp, satoshis: String(priceSat),
    tags: [
      {tagName: 'payment_hash', data: paymentHash.toString('hex')},
      {tagName: 'payment_secret', data: crypto.randomBytes(32).toString('hex')},
      {tagName: 'description', data: description},
      {tagName: 'expire_time', data: expiry},
      {tagName: 'min_final_cltv_expiry', data: 80},
      {tagName: 'feature_bits', data: FEATURES},
    ],
  }, false);
  for (;;) {
    try {
      return bolt11.sign(unsigned, crypto.randomBytes(32).toString('hex')).paymentRequest;
    } catch (e) {
      // A random 32 bytes is a valid secp256k1 key but for a chance of about 2^-128.
      if (!/private key/i.test(e.message)) throw e;
    }
  }
}

// ---- challenges

const headerLine = (scheme, mac, invoice) => `${scheme} macaroon="${mac}", invoice="${invoice}"`;
const apertureLines = (mac, invoice) =>
  [headerLine('LSAT', mac, invoice), headerLine('L402', mac, invoice)];

class Challenges {
  constructor(options, devnet, tokens, now) {
    Object.assign(this, {options, devnet, tokens, now});
    this.garbageTurn = 0;
    this.issued = [];  // devnet invoices: {paymentHash, settled}, newest last
  }

  async devnetInvoice() {
    const invoice = await this.devnet.addInvoice(this.options.priceSat,
      `L402 ${this.options.service}`);
    this.issued.push({paymentHash: invoice.paymentHash, settled: false});
    if (this.issued.length > MAX_TRACKED_INVOICES) this.issued.shift();
    return invoice;
  }

  // The WWW-Authenticate values of a fresh challenge, and what the 402's body says about it.
  async make(query) {
    const mode = this.options.mode;
    if (mode === 'garbage') return this.garbage(query.get('garbage'));
    if (mode === 'mainnet' || mode === 'expired') {
      const paymentHash = sha256(crypto.randomBytes(32));
      const now = this.now();
      const invoice = signedInvoice({
        network: mode === 'mainnet' ? 'bitcoin' : 'regtest',
        timestamp: mode === 'mainnet' ? now : now - 7200, expiry: 3600,
        priceSat: this.options.priceSat, paymentHash,
        description: `L402 ${this.options.service} (${mode})`,
      });
      return {values: apertureLines(this.tokens.mint(paymentHash), invoice)};
    }
    const invoice = await this.devnetInvoice();
    // hash-mismatch: the hash of a preimage that is thrown away.
    const identifierHash =
      mode === 'hash-mismatch' ? sha256(crypto.randomBytes(32)) : invoice.paymentHash;
    return {values: apertureLines(this.tokens.mint(identifierHash), invoice.bolt11)};
  }

  async garbage(asked) {
    let variant = asked;
    if (variant === null) {
      variant = GARBAGE_VARIANTS[this.garbageTurn++ % GARBAGE_VARIANTS.length];
    } else if (!GARBAGE_VARIANTS.includes(variant)) {
      return {error: `unknown garbage variant '${variant}'`};
    }
    // A real, payable devnet invoice wherever one fits: a client that pays despite the
    // garbage shows up as a settled invoice in /stats.
    const invoice = await this.devnetInvoice();
    const mac = this.tokens.mint(invoice.paymentHash);
    const inv = invoice.bolt11;
    const values = {
      'unterminated': [`L402 macaroon="${mac}, invoice="${inv}`],
      'bad-base64': [headerLine('L402', '%%not*base64%%', inv)],
      'not-a-macaroon': [headerLine('L402', crypto.randomBytes(96).toString('base64'), inv)],
      'not-an-identifier': [headerLine('L402', textIdentifierMacaroon(), inv)],
      'bad-invoice': [headerLine('L402', mac, 'lnbcrt10n1garbage')],
      'no-invoice': [`L402 macaroon="${mac}"`],
      'no-macaroon': [`L402 invoice="${inv}"`],
      'empty': ['L402'],
      'other-scheme': ['Bearer realm="l402-interop"'],
      'duplicate-invoice': [`L402 macaroon="${mac}", invoice="${inv}", invoice="lnbcrt1x"`],
      'high-bytes': [headerLine('L402', `${mac.slice(0, 20)}\xff\xfe${mac.slice(20)}`, inv)],
      'oversized': [headerLine('L402', 'A'.repeat(64 * 1024), inv)],
    }[variant];
    return {values, garbage: variant};
  }
}

// A valid V2 macaroon whose identifier is text, not an L402 identifier.
function textIdentifierMacaroon() {
  const m = macaroon.newMacaroon({
    version: 2, rootKey: Uint8Array.from(crypto.randomBytes(32)),
    identifier: 'not an L402 identifier', location: 'lsat',
  });
  return Buffer.from(m.exportBinary()).toString('base64');
}

// ---- deterministic bytes for GET /paid/bytes/N

// Byte i is BLOCK[i % 65536] ^ floor(i / 65536) mod 256, BLOCK being the concatenated
// sha256("l402-interop-bytes" || uint32be(k)) for k = 0..2047: cheap to make, never periodic
// within 16 MiB, and reproducible by a test that wants to check more than the checksum.
const BLOCK_SIZE = 65536;
const blocks = new Map();  // (block index mod 256) -> Buffer
const checksums = new Map();

function block(index) {
  const key = index % 256;
  if (!blocks.has(key)) {
    if (!blocks.has('base')) {
      const parts = [];
      for (let k = 0; k < BLOCK_SIZE / 32; k++) {
        const counter = Buffer.alloc(4);
        counter.writeUInt32BE(k);
        parts.push(sha256(Buffer.concat([Buffer.from('l402-interop-bytes'), counter])));
      }
      blocks.set('base', Buffer.concat(parts));
    }
    const base = blocks.get('base');
    const made = Buffer.alloc(BLOCK_SIZE);
    for (let i = 0; i < BLOCK_SIZE; i++) made[i] = base[i] ^ key;
    blocks.set(key, made);
  }
  return blocks.get(key);
}

function* chunksOf(size) {
  for (let offset = 0, index = 0; offset < size; offset += BLOCK_SIZE, index++) {
    const b = block(index);
    yield offset + BLOCK_SIZE <= size ? b : b.subarray(0, size - offset);
  }
}

function checksumOf(size) {
  if (!checksums.has(size)) {
    const hash = crypto.createHash('sha256');
    for (const chunk of chunksOf(size)) hash.update(chunk);
    if (checksums.size >= 64) checksums.delete(checksums.keys().next().value);
    checksums.set(size, hash.digest('hex'));
  }
  return checksums.get(size);
}

// ---- HTTP

class TooLarge extends Error {}

// The request body, at most `limit` bytes (TooLarge beyond).
function readBody(req, limit) {
  const declared = req.headers['content-length'];
  if (declared !== undefined && +declared > limit) return Promise.reject(new TooLarge());
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', chunk => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(new TooLarge());
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res, status, object, headers = {}) {
  const body = Buffer.from(JSON.stringify(object) + '\n');
  res.writeHead(status, Object.assign({
    'Content-Type': 'application/json', 'Content-Length': body.length,
    'Cache-Control': 'no-store',
  }, headers));
  res.end(body);
}

async function sendBytes(res, size, extra) {
  res.writeHead(200, Object.assign({
    'Content-Type': 'application/octet-stream', 'Content-Length': size,
    'X-Checksum': checksumOf(size),
  }, extra));
  for (const chunk of chunksOf(size)) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      await new Promise(resolve => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
  }
  res.end();
}

class Server {
  constructor(options, devnet) {
    this.options = options;
    this.devnet = devnet;
    const now = () => Math.floor(Date.now() / 1000);
    this.tokens = new Tokens(options.service, options.validFor, now);
    this.challenges = new Challenges(options, devnet, this.tokens, now);
    this.stats = {
      requests: 0, challenges: 0, paid: 0, free: 0, unauthorized: 0, expired: 0,
      loop_refusals: 0, too_large: 0, devnet_errors: 0,
    };
  }

  async handle(req, res) {
    this.stats.requests++;
    const url = new URL(req.url, 'http://127.0.0.1');
    let body;
    try {
      body = await readBody(req, this.options.maxBodyBytes);
    } catch (e) {
      if (!(e instanceof TooLarge)) throw e;
      this.stats.too_large++;
      sendJson(res, 413, {error: `body over ${this.options.maxBodyBytes} bytes`},
        {Connection: 'close'});
      return;
    }
    if (url.pathname === '/stats') {
      if (req.method !== 'GET') return sendJson(res, 405, {error: 'GET only'});
      return sendJson(res, 200, await this.report());
    }
    if (url.pathname.startsWith('/free/')) {
      this.stats.free++;
      return this.answer(req, res, url, body, {free: true});
    }
    if (!url.pathname.startsWith('/paid/')) return sendJson(res, 404, {error: 'no such path'});

    const credential = findCredential(req.headersDistinct.authorization || []);
    if (credential === null) return this.challenge(res, url, 'payment required');
    if (credential.error) return this.unauthorized(res, credential.error);
    const checked = this.tokens.verify(credential);
    if (checked.verdict === 'invalid') return this.unauthorized(res, checked.why);
    if (checked.verdict === 'expired') {
      this.stats.expired++;
      return this.challenge(res, url, 'token expired');
    }
    if (this.options.mode === 'loop') {
      this.stats.loop_refusals++;
      return this.challenge(res, url, 'payment required');
    }
    this.stats.paid++;
    return this.answer(req, res, url, body, {token_id: checked.tokenId});
  }

  async challenge(res, url, why) {
    let made;
    try {
      made = await this.challenges.make(url.searchParams);
    } catch (e) {
      this.stats.devnet_errors++;
      return sendJson(res, 502, {error: e.message});
    }
    if (made.error) return sendJson(res, 400, {error: made.error, variants: GARBAGE_VARIANTS});
    this.stats.challenges++;
    const about = {error: why, service: this.options.service, price_sat: this.options.priceSat};
    if (made.garbage) about.garbage = made.garbage;
    return sendJson(res, 402, about, {'WWW-Authenticate': made.values});
  }

  unauthorized(res, why) {
    this.stats.unauthorized++;
    return sendJson(res, 401, {error: `credential refused: ${why}`});
  }

  // A paid or free request's answer: its body back, bytes, or a JSON object.
  async answer(req, res, url, body, about) {
    const headers = about.token_id ? {'X-Token-Id': about.token_id} : {};
    const bytes = /^\/(?:paid|free)\/bytes\/([0-9]{1,10})$/.exec(url.pathname);
    if (bytes && req.method === 'GET') {
      if (+bytes[1] > MAX_BYTES_ROUTE) return sendJson(res, 400, {error: 'too many bytes'});
      return sendBytes(res, +bytes[1], headers);
    }
    if (body.length > 0) {
      res.writeHead(200, Object.assign({
        'Content-Type': req.headers['content-type'] || 'application/octet-stream',
        'Content-Length': body.length, 'X-Body-Sha256': sha256(body).toString('hex'),
      }, headers));
      return res.end(body);
    }
    return sendJson(res, 200, Object.assign({
      ok: true, method: req.method, path: url.pathname, service: this.options.service,
    }, about), headers);
  }

  // The counters, and how many of the devnet invoices it issued (the last
  // MAX_TRACKED_INVOICES) are settled: a client that paid shows up here.
  async report() {
    const report = Object.assign({mode: this.options.mode}, this.stats);
    report.invoices_issued = this.challenges.issued.length;
    try {
      for (const invoice of this.challenges.issued) {
        if (!invoice.settled) {
          invoice.settled = (await this.devnet.invoiceState(invoice.paymentHash)) === 'SETTLED';
        }
      }
      report.invoices_settled = this.challenges.issued.filter(i => i.settled).length;
    } catch (e) {
      report.invoices_settled = null;
      report.devnet_error = e.message;
    }
    if (this.options.mode === 'garbage') report.garbage_variants = GARBAGE_VARIANTS;
    return report;
  }
}

// ---- start and stop

async function main() {
  const options = parseArguments(process.argv.slice(2));
  let devnet;
  try {
    devnet = new Devnet(options);
  } catch (e) {
    process.stderr.write(`l402_server: cannot read devnet's files: ${e.message}\n`);
    process.exit(1);
  }
  let info;
  try {
    info = await devnet.info();
  } catch (e) {
    process.stderr.write(`l402_server: ${e.message}\n`);
    process.exit(1);
  }
  const network = ((info.chains || [])[0] || {}).network;
  if (network !== 'regtest') {
    process.stderr.write(`l402_server: devnet says its network is ${network}, not regtest\n`);
    process.exit(1);
  }

  const app = new Server(options, devnet);
  const server = http.createServer({maxHeaderSize: 16 * 1024}, (req, res) => {
    app.handle(req, res).then(() => {
      process.stderr.write(`l402_server: ${req.method} ${req.url.slice(0, 200)} -> ` +
        `${res.statusCode}\n`);
    }, e => {
      process.stderr.write(`l402_server: ${req.method} ${req.url.slice(0, 200)}: ${e.stack}\n`);
      if (!res.headersSent) sendJson(res, 500, {error: e.message});
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.maxConnections = 256;
  server.setTimeout(30_000, socket => socket.destroy());

  let stopping = false;
  const stop = why => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`l402_server: stopping (${why})\n`);
    server.close(() => {
      devnet.close();
      process.exit(0);
    });
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('parent gone');
  }, 1000).unref();

  server.on('error', e => {
    process.stderr.write(`l402_server: cannot listen on ${options.listen}: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(options.port, options.host, () => {
    const {port} = server.address();
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    process.stdout.write(JSON.stringify({
      port, url: `http://${host}:${port}`, mode: options.mode, service: options.service,
      price_sat: options.priceSat, account: options.account, node_id: info.identity_pubkey,
    }) + '\n');
  });
}

main();

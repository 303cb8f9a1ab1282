// Interop oracle built on the npm package `macaroon` 3.0.4 (js-macaroon, go-macaroon's
// JavaScript sibling). Installed with `npm ci` from package-lock.json into the build tree;
// NODE_PATH points at that node_modules. The record format is described in ../README.md.
//
//   node oracle.js selftest            reproduce the published vectors (l402-protocol.md s. 6)
//   node oracle.js check FILE          check the records our C++ tool generated
//   node oracle.js mint N SEED FILE    mint N random macaroons with npm macaroon, write records
//
// check and mint run the selftest first, so a broken oracle cannot pass silently.
//
// Quirks of macaroon 3.0.4 this oracle works around (see ../README.md):
//  * exportBinary() doubles its buffer on every append and throws "Invalid typed array
//    length" once the buffer passes 2^32 bytes: after 24 appends, i.e. about 4 first-party
//    caveats (each appended field costs 3, an end-of-section 1). We call it only when
//    binaryAppends() <= 24 and use the library to import and verify bigger macaroons, and to
//    mint them with exportJSON() as their serialisation.
//    Even below the limit an export allocates gigabytes of (lazily zeroed) memory and takes
//    milliseconds, so a run exports at most EXPORT_BUDGET macaroons (500; a random sample,
//    as the records are random); the CTest sets MALLOC_MMAP_THRESHOLD_ to keep it cheap.
//  * verify() decodes every first-party condition as UTF-8 with sjcl before calling the check
//    function and throws on binary conditions. We wrap sjcl's decoder (the same module
//    instance the library uses) so a non-UTF-8 condition reaches the check function as a
//    marker; the signature chain stays the library's own.
//  * addThirdPartyCaveat() takes its nonce from tweetnacl's PRNG; we install a PRNG that
//    hands out the spec's nonce so that third-party caveats compare byte for byte.
//  * importMacaroons() cannot read a binary stack of two or more macaroons (importBinaryV2
//    insists on the end of input), so stacks are imported macaroon by macaroon.
//  * exportJSON() writes "v":2 and always writes a third-party caveat's "l" (even "").
//  * Its UTF-8 decoder (TextDecoder without ignoreBOM) drops a leading U+FEFF: imported
//    locations lose it, and exportJSON() writes an identifier, caveat id or vid that starts
//    with EF BB BF and is otherwise UTF-8 without those three bytes (a wrong macaroon).
//    Comparisons of imported locations ignore one leading U+FEFF, and the macaroons this
//    oracle mints never start a field with EF BB BF.
'use strict';

const fs = require('fs');

function requireOrDie(name) {
  try {
    return require(name);
  } catch (e) {
    process.stderr.write(`npm macaroon oracle: cannot load '${name}' (${e.message}): the ` +
      'fixture interop_npm_ci installs npm package macaroon 3.0.4 with `npm ci`; it needs ' +
      'node and npm (Debian packages nodejs, npm) and the npm registry or a warm npm cache\n');
    process.exit(1);
  }
}

const macaroon = requireOrDie('macaroon');
const nacl = requireOrDie('tweetnacl');
const sjcl = requireOrDie('sjcl');

const VERSION = requireOrDie('macaroon/package.json').version;
if (VERSION !== '3.0.4') {
  process.stderr.write(`npm macaroon oracle: want macaroon 3.0.4, found ${VERSION}\n`);
  process.exit(1);
}

// ---- library shims (see the header comment)

let pendingNonce = null;
nacl.setPRNG((out, n) => {
  if (pendingNonce === null || pendingNonce.length !== n) {
    throw new Error(`unexpected request for ${n} random bytes`);
  }
  out.set(pendingNonce);
  pendingNonce = null;
});

const NOT_UTF8 = '\u0000<not UTF-8>';
const utf8FromBits = sjcl.codec.utf8String.fromBits;
sjcl.codec.utf8String.fromBits = function(bits) {
  try {
    return utf8FromBits.call(this, bits);
  } catch (e) {
    return NOT_UTF8;
  }
};

// ---- helpers

const unhex = s => Uint8Array.from(Buffer.from(s, 'hex'));
const tohex = b => Buffer.from(b).toString('hex');
const utf8 = b => Buffer.from(b).toString('utf8');
const isUtf8 = b => {
  try {
    new TextDecoder('utf-8', {fatal: true}).decode(b);
    return true;
  } catch (e) {
    return false;
  }
};
const equalBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

// Number of ByteBuffer appends exportBinary() makes for a macaroon (see the header).
function binaryAppends(location, caveats) {
  let n = 1 + (location ? 3 : 0) + 3 + 1;
  for (const c of caveats) {
    n += (c.location ? 3 : 0) + 3 + (c.vid ? 3 : 0) + 1;
  }
  return n + 1 + 3;
}
const MAX_APPENDS = 24;
const EXPORT_BUDGET = +(process.env.NPM_EXPORT_BUDGET || 500);
let exportsLeft = EXPORT_BUDGET;
const fitsExport = m => binaryAppends(m.location, m.caveats) <= MAX_APPENDS;
const exportable = m => {
  if (exportsLeft <= 0 || !fitsExport(m)) return false;
  exportsLeft--;
  return true;
};

// ---- minting from a spec

function mint(spec) {
  const m = macaroon.newMacaroon({
    identifier: unhex(spec.id), location: utf8(unhex(spec.loc)), rootKey: unhex(spec.key),
    version: 2,
  });
  for (const c of spec.caveats) {
    if (c.discharge) {
      pendingNonce = unhex(c.nonce);
      m.addThirdPartyCaveat(unhex(c.discharge.key), unhex(c.cid), utf8(unhex(c.loc)));
      if (pendingNonce !== null) throw new Error('the nonce was not used');
    } else {
      m.addFirstPartyCaveat(unhex(c.cid));
    }
  }
  return m;
}

function dischargeSpecs(spec, out) {
  for (const c of spec.caveats) {
    if (c.discharge) {
      out.push(c.discharge);
      dischargeSpecs(c.discharge, out);
    }
  }
  return out;
}

// Locations as the library imports them: it decodes them with a TextDecoder that drops a
// leading U+FEFF (byte order mark), so "\ufeffx" comes back as "x" (see the header).
const asImported = loc => (loc || '').replace(/^\ufeff/, '');

// The content of a macaroon as a comparable string. Pass minted = true for a macaroon
// minted (not imported) here, to compare it with imported ones.
function describe(m, minted = false) {
  const loc = minted ? asImported : l => l || '';
  return JSON.stringify({
    id: tohex(m.identifier), loc: loc(m.location), sig: tohex(m.signature),
    caveats: m.caveats.map(c => c.vid ?
      {cid: tohex(c.identifier), vid: tohex(c.vid), loc: loc(c.location)} :
      {cid: tohex(c.identifier)}),
  });
}

function verify(m, key, discharges) {
  const seen = [];
  m.verify(key, cond => {
    seen.push(cond);
    return null;
  }, discharges);
  return seen;
}

// Conditions as verify() reports them: UTF-8 strings, or the marker for binary ones.
const asReported = hexes => hexes.map(h => isUtf8(unhex(h)) ? utf8(unhex(h)) : NOT_UTF8);

// ---- checking our records

function runCheck(path) {
  let failures = 0;
  let n = 0;
  let exported = 0;
  let exportedDischarges = 0;
  let v1 = 0;
  const fail = (name, msg) => {
    failures++;
    if (failures <= 20) process.stderr.write(`FAIL ${name}: ${msg}\n`);
  };
  const lines = fs.readFileSync(path, 'utf8').split('\n').filter(l => l.length > 0);
  for (const line of lines) {
    const r = JSON.parse(line);
    const name = r.name;
    const spec = r.spec;
    n++;
    let want;
    try {
      want = mint(spec);
    } catch (e) {
      fail(name, `npm macaroon cannot mint the spec: ${e.message}`);
      continue;
    }
    if (tohex(want.signature) !== r.sig) {
      fail(name, `signature: npm macaroon ${tohex(want.signature)}, ours ${r.sig}`);
    }
    let m;
    try {
      m = macaroon.importMacaroon(unhex(r.v2));
    } catch (e) {
      fail(name, `npm macaroon cannot import our V2 binary ${r.v2}: ${e.message}`);
      continue;
    }
    if (describe(m) !== describe(want, true)) {
      fail(name, `imported V2 differs from npm macaroon's mint:\n  imported ${describe(m)}\n  minted   ${describe(want, true)}`);
    }
    if (exportable(want)) {
      exported++;
      const bin = want.exportBinary();
      if (tohex(bin) !== r.v2) {
        fail(name, `V2 binary differs:\n  npm macaroon ${tohex(bin)}\n  ours         ${r.v2}`);
      }
    }
    try {
      const mj = macaroon.importMacaroon(JSON.parse(utf8(unhex(r.json))));
      if (describe(mj) !== describe(m)) {
        fail(name, `our V2 JSON imports differently: ${describe(mj)}`);
      }
    } catch (e) {
      fail(name, `npm macaroon cannot import our V2 JSON ${utf8(unhex(r.json))}: ${e.message}`);
    }
    if (r.json_v1) {
      v1++;
      try {
        const m1 = macaroon.importMacaroon(JSON.parse(utf8(unhex(r.json_v1))));
        // V1 JSON locations are taken as they are (no TextDecoder), hence minted = true.
        if (describe(m1, true) !== describe(m)) {
          fail(name, `our V1 JSON imports differently: ${describe(m1)}`);
        }
      } catch (e) {
        fail(name, `npm macaroon cannot import our V1 JSON ${utf8(unhex(r.json_v1))}: ${e.message}`);
      }
    }
    const dspecs = dischargeSpecs(spec, []);
    if (dspecs.length !== r.discharges.length) {
      fail(name, `${dspecs.length} discharges expected, record has ${r.discharges.length}`);
      continue;
    }
    const bound = [];
    let ok = true;
    dspecs.forEach((ds, i) => {
      const dr = r.discharges[i];
      const d = mint(ds);
      if (tohex(d.signature) !== dr.sig) {
        fail(name, `discharge ${i} unbound signature: npm macaroon ${tohex(d.signature)}, ours ${dr.sig}`);
      }
      d.bindToRoot(want.signature);
      if (tohex(d.signature) !== dr.bound_sig) {
        fail(name, `discharge ${i} bound signature: npm macaroon ${tohex(d.signature)}, ours ${dr.bound_sig}`);
      }
      if (exportable(d)) {
        exportedDischarges++;
        const bin = d.exportBinary();
        if (tohex(bin) !== dr.bound_v2) {
          fail(name, `discharge ${i} bound V2 differs:\n  npm macaroon ${tohex(bin)}\n  ours         ${dr.bound_v2}`);
        }
      }
      try {
        const pd = macaroon.importMacaroon(unhex(dr.bound_v2));
        if (describe(pd) !== describe(d, true)) {
          fail(name, `discharge ${i}: our bound V2 imports differently: ${describe(pd)}`);
        }
        bound.push(pd);
      } catch (e) {
        fail(name, `discharge ${i}: cannot import our bound V2: ${e.message}`);
        ok = false;
      }
    });
    if (!ok) continue;
    // importMacaroons() cannot read a binary stack of more than one macaroon (importBinaryV2
    // insists on the end of input): check that the stack is the concatenation of the parts
    // imported above, and import it whole only when it holds the root alone.
    if (r.stack !== r.v2 + r.discharges.map(dr => dr.bound_v2).join('')) {
      fail(name, 'our stack is not the root followed by its bound discharges');
    } else if (bound.length === 0) {
      try {
        const stack = macaroon.importMacaroons(unhex(r.stack));
        if (stack.length !== 1 || describe(stack[0]) !== describe(m)) {
          fail(name, 'our one-macaroon stack imports differently');
        }
      } catch (e) {
        fail(name, `npm macaroon cannot import our one-macaroon stack: ${e.message}`);
      }
    }
    const key = unhex(spec.key);
    try {
      const seen = verify(m, key, bound);
      const exp = asReported(r.conditions);
      if (JSON.stringify(seen) !== JSON.stringify(exp)) {
        fail(name, `verified conditions differ:\n  npm macaroon ${JSON.stringify(seen)}\n  ours         ${JSON.stringify(exp)}`);
      }
    } catch (e) {
      fail(name, `npm macaroon rejects our macaroon: ${e.message}`);
    }
    let accepted = true;
    try {
      verify(m, Uint8Array.from([...key, 0]), bound);
    } catch (e) {
      accepted = false;
    }
    if (accepted) fail(name, 'npm macaroon accepts our macaroon under a wrong root key');
    if (bound.length > 0) {
      accepted = true;
      try {
        verify(m, key, []);
      } catch (e) {
        accepted = false;
      }
      if (accepted) fail(name, 'npm macaroon accepts our macaroon without its discharges');
    }
  }
  if (n === 0) throw new Error(`no records in ${path}`);
  console.log(`npm macaroon checked ${n} of our macaroons (all imported from V2 binary and ` +
    `JSON, ${v1} also from V1 JSON, and verified; ${exported} macaroons and ` +
    `${exportedDischarges} bound discharges re-minted and compared byte for byte through ` +
    `exportBinary): ${failures} failures`);
  return failures === 0;
}

// ---- random specs

// sfc32: a small seeded generator (reproducible records for a seed).
function rng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const u = (t + d) | 0;
    c = (c + u) | 0;
    return u >>> 0;
  };
  for (let i = 0; i < 20; i++) next();
  return {
    int: n => next() % n,
    bytes: n => Uint8Array.from({length: n}, () => next() & 0xff),
    big: () => `${next()}${next()}`,
  };
}

const SPECIALS = ['"', '\\', '/', "'", '<', '>', '&', '\n', '\r', '\t', '\b', '\f', '\u0000',
  '\u0001', '\u001f', '\u007f', '\u0080', '\u00e9', '\u20ac', '\u2028', '\u2029', '\ufffd',
  '\ufeff', '\uffff', '\u{1f600}', '\u{10ffff}'];
const INVALID = [[0x80], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82]];

class Gen {
  constructor(seed) {
    this.r = rng(seed);
    this.n = 0;
    this.binary = false;
  }
  text(n) {
    let s = '';
    for (let i = 0; i < n; i++) {
      s += this.r.int(10) < 7 ? String.fromCharCode(0x20 + this.r.int(0x5f)) :
        SPECIALS[this.r.int(SPECIALS.length)];
    }
    return Uint8Array.from(Buffer.from(s, 'utf8'));
  }
  nearlyUtf8() {
    const t = [...this.text(1 + this.r.int(20))];
    const at = this.r.int(t.length + 1);
    return Uint8Array.from(t.slice(0, at).concat(INVALID[this.r.int(INVALID.length)], t.slice(at)));
  }
  // exportJSON() corrupts fields that start with a byte order mark (see the header).
  noBom(b) {
    return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ?
      Uint8Array.from([0x78, ...b]) : b;
  }
  identifier() {
    return this.noBom(this.identifier0());
  }
  identifier0() {
    switch (this.r.int(6)) {
      case 0: return Uint8Array.from([0, 0, ...this.r.bytes(64)]);
      case 1: return this.r.bytes(1 + this.r.int(80));
      case 2: return this.text(1 + this.r.int(40));
      case 3: return Uint8Array.from(Buffer.from(`id-${this.r.big()}`));
      case 4: return this.r.int(2) ? this.r.bytes(128 + this.r.int(200)) : this.text(128 + this.r.int(100));
      default: return this.nearlyUtf8();
    }
  }
  location() {
    return this.noBom(this.location0());
  }
  location0() {
    switch (this.r.int(5)) {
      case 0: case 1: return new Uint8Array();
      case 2: return Uint8Array.from(Buffer.from(`https://svc${this.r.int(1000)}.example.org/`));
      case 3: return this.text(1 + this.r.int(40));
      default: return this.text(128 + this.r.int(40));
    }
  }
  condition() {
    return this.noBom(this.condition0());
  }
  condition0() {
    switch (this.r.int(7)) {
      case 0: case 1: case 2:
        return Uint8Array.from(Buffer.from(`k${this.r.int(100)}=v${this.r.big()}`));
      case 3: return this.text(1 + this.r.int(60));
      case 4: return this.binary ? this.r.bytes(1 + this.r.int(60)) : this.text(1 + this.r.int(8));
      case 5: return this.text(128 + this.r.int(80));
      default: return this.binary ? this.nearlyUtf8() : Uint8Array.from(Buffer.from('cond'));
    }
  }
  rootKey() {
    return this.r.int(3) ? this.r.bytes(32) : this.r.bytes(1 + this.r.int(64));
  }
  spec(key, id, depth, maxCaveats) {
    const s = {key: tohex(key), id: tohex(id), loc: tohex(this.location()), caveats: []};
    const n = this.r.int(maxCaveats + 1);
    for (let i = 0; i < n; i++) {
      if (depth < 2 && this.r.int(8) === 0) {
        this.n++;
        const cid = Uint8Array.from([...this.identifier(), ...Buffer.from(`#${this.n}`)]);
        const d = this.spec(this.rootKey(), cid, depth + 1, 3);
        s.caveats.push({cid: tohex(cid), loc: tohex(this.location()), nonce: tohex(this.r.bytes(24)),
          discharge: d});
      } else {
        s.caveats.push({cid: tohex(this.condition())});
      }
    }
    return s;
  }
}

function runMint(count, seed, path) {
  const g = new Gen(seed);
  const out = [];
  let binaries = 0;
  for (let i = 0; i < count; i++) {
    g.binary = g.r.int(4) === 0;
    // Mostly macaroons small enough for exportBinary(); a third with up to 12 caveats,
    // which go out as JSON only.
    const key = g.rootKey();
    let id = g.identifier();
    if (g.r.int(100) === 0) {  // up to the 16 KiB field limit (3-byte varint at 16384)
      id = g.noBom(g.r.bytes(16000 + g.r.int(385)));
    }
    const spec = g.spec(key, id, 0, g.r.int(3) ? 3 : 12);
    const m = mint(spec);
    const rec = {
      name: `node-${i}`, oracle: 'npm-macaroon', layout: 'canonical', spec: spec,
      sig: tohex(m.signature), v2: null, json: tohex(Buffer.from(JSON.stringify(m.exportJSON()))),
      discharges: [], stack: null, conditions: [],
    };
    let stackParts = [];
    if (exportable(m)) {
      rec.v2 = tohex(m.exportBinary());
      stackParts.push(rec.v2);
      binaries++;
    } else {
      stackParts = null;
    }
    const bound = [];
    for (const ds of dischargeSpecs(spec, [])) {
      const d = mint(ds);
      const dr = {sig: tohex(d.signature)};
      d.bindToRoot(m.signature);
      bound.push(d);
      dr.bound_sig = tohex(d.signature);
      dr.bound_v2 = exportable(d) ? tohex(d.exportBinary()) : null;
      dr.bound_json = tohex(Buffer.from(JSON.stringify(d.exportJSON())));
      if (stackParts && dr.bound_v2) {
        stackParts.push(dr.bound_v2);
      } else {
        stackParts = null;
      }
      rec.discharges.push(dr);
    }
    rec.stack = stackParts ? stackParts.join('') : null;
    const conds = verify(m, unhex(spec.key), bound);
    if (conds.includes(NOT_UTF8)) {
      // Binary conditions reach the check function as a marker: take them from the spec's
      // order instead (the library's order of UTF-8 conditions must agree with it).
      const fromSpec = [];
      const walk = s => s.caveats.forEach(c => {
        if (c.discharge) walk(c.discharge); else fromSpec.push(c.cid);
      });
      walk(spec);
      if (JSON.stringify(asReported(fromSpec)) !== JSON.stringify(conds)) {
        throw new Error(`${rec.name}: unexpected verification order`);
      }
      rec.conditions = fromSpec;
    } else {
      rec.conditions = conds.map(c => tohex(Buffer.from(c, 'utf8')));
    }
    out.push(JSON.stringify(rec));
  }
  fs.writeFileSync(path, out.join('\n') + '\n');
  console.log(`npm macaroon minted ${count} macaroons (seed ${seed}; ${binaries} also as V2 ` +
    `binary, all as V2 JSON) into ${path}`);
  return true;
}

// ---- published vectors

function selftest() {
  const expect = (what, got, want) => {
    if (got !== want) throw new Error(`selftest ${what}: got ${got}, want ${want}`);
  };
  const s2b = s => Uint8Array.from(Buffer.from(s, 'utf8'));
  let m = macaroon.newMacaroon({identifier: 'we used our secret key', location: 'http://mybank/',
    rootKey: 'this is our super secret key; only we should know it'});
  expect('TV1 sig0', tohex(m.signature), 'e3d9e02908526c4c0039ae15114115d97fdd68bf2ba379b342aaf0f617d0552f');
  m = macaroon.newMacaroon({identifier: 'keyid', location: 'http://example.org/', rootKey: 'this is the key'});
  expect('TV3 no caveats', tohex(m.exportBinary()),
    '020113687474703a2f2f6578616d706c652e6f72672f02056b65796964000006207cdee792511c5bc6f528485805dfe9b24e785e28e2a99301f9d711c609e38ef7');
  m.addFirstPartyCaveat('account = 3735928559');
  m.addFirstPartyCaveat('user = alice');
  expect('TV3 two caveats', tohex(m.signature), '4be967cd1ea0c6b26baf6a4a94ee9b05b15886da0ba85e8c42a93c8d0e125efc');
  const rootKey = 'this is a different super-secret key; never use the same secret twice';
  m = macaroon.newMacaroon({identifier: 'we used our other secret key', location: 'http://mybank/', rootKey});
  m.addFirstPartyCaveat('account = 3735928559');
  pendingNonce = new Uint8Array(24);
  m.addThirdPartyCaveat(s2b('4; guaranteed random by a fair toss of the dice'),
    'this was how we remind auth of key/pred', 'http://auth.mybank/');
  expect('TV4 sig', tohex(m.signature), 'd27db2fd1f22760e4c3dae8137e2d8fc1df6c0741c18aed4b97256bf78d1f55c');
  expect('TV4 vid', macaroon.bytesToBase64(m.caveats[1].vid),
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA027FAuBYhtHwJ58FX6UlVNFtFsGxQHS7uD_w_dedwv4Jjw7UorCREw5rXbRqIKhr');
  const d = macaroon.newMacaroon({identifier: 'this was how we remind auth of key/pred',
    location: 'http://auth.mybank/', rootKey: '4; guaranteed random by a fair toss of the dice'});
  d.addFirstPartyCaveat('time < 2020-01-01T00:00');
  expect('TV5 discharge', tohex(d.signature), '2ed1049876e9d5840950274b579b0770317df54d338d9d3039c7c67d0d91d63c');
  d.bindToRoot(m.signature);
  expect('TV5 bound', tohex(d.signature), 'd115ef1c133b1126978d5ab27f69d99ba9d0468cd6c1b7e47b8c1c59019cb019');
  verify(m, s2b(rootKey), [d]);
  // The bug the oracle works around must still be there (else MAX_APPENDS is stale).
  m = macaroon.newMacaroon({identifier: 'i', rootKey: 'k'});
  for (let i = 0; i < 4; i++) m.addFirstPartyCaveat(`c${i}`);
  let threw = false;
  try {
    m.exportBinary();
  } catch (e) {
    threw = true;
  }
  expect('exportBinary bug with 4 caveats', threw, true);
}

function main(argv) {
  const start = Date.now();
  selftest();
  let ok;
  if (argv.length === 1 && argv[0] === 'selftest') {
    console.log('npm macaroon selftest passed');
    ok = true;
  } else if (argv.length === 2 && argv[0] === 'check') {
    ok = runCheck(argv[1]);
  } else if (argv.length === 4 && argv[0] === 'mint') {
    ok = runMint(parseInt(argv[1], 10), parseInt(argv[2], 10), argv[3]);
  } else {
    process.stderr.write('usage: oracle.js selftest | check FILE | mint COUNT SEED FILE\n');
    return 2;
  }
  console.log(`npm macaroon oracle done in ${((Date.now() - start) / 1000).toFixed(2)}s`);
  return ok ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`npm macaroon oracle: ${e.stack || e}\n`);
  process.exitCode = 1;
}

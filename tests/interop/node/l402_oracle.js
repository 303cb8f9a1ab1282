// Interop oracle for L402 challenges and credentials: lsat-js 2.0.6 (what older JavaScript
// clients use) and npm `macaroon` 3.0.4 (the macaroon library lsat-js is built on). Installed
// with `npm ci` from package-lock.json into the build tree; NODE_PATH points at that
// node_modules. The record format is described in ../README.md.
//
//   node l402_oracle.js selftest          section 7 vectors (tests/data/l402_vectors.json) and
//                                         the lsat-js quirks below
//   node l402_oracle.js check FILE TOKENS check the challenges our Authority minted (FILE) and
//                                         write the credentials lsat-js makes of them (TOKENS)
//
// check runs the selftest first, so a broken oracle cannot pass silently. For every record:
//  1. Lsat.fromHeader() on each WWW-Authenticate value (the LSAT line and the L402 line):
//     its macaroon, payment hash and invoice must be ours; lsat-js's Identifier must decode
//     our identifier to our payment hash and token ID; its caveats must be ours; the token
//     must be pending and its toToken() "LSAT <b64>:".
//  2. Lsat.fromMacaroon(macaroon, invoice): the path that compares the identifier's payment
//     hash with the invoice's.
//  3. setPreimage(preimage): isSatisfied(), and toToken() must be "LSAT <b64>:<hex>"; that
//     token and the pending one are written to TOKENS for our Authority to verify
//     (l402_interop_tool verify; the line format is in ../README.md).
//  4. npm macaroon: importMacaroon() and verify() with our derived root key and a caveat
//     checker that understands our conditions (services, <service>_capabilities,
//     <service>_valid_until, numeric limits) for the record's request; every caveat must
//     reach the checker, in order. A wrong root key, and a checker that refuses the request's
//     service, must make verify() throw.
//
// lsat-js 2.0.6 quirks (checked by the selftest, so that a changed oracle shows up):
//  * fromHeader() drops the first four characters without looking at them: "L402" works by
//    accident, and so does "XXXX". A folded line ("LSAT …, L402 …") works because it takes
//    the first macaroon= and invoice= parts.
//  * fromChallenge()/fromHeader() take the payment hash from the invoice and never compare it
//    with the identifier's: a challenge whose macaroon belongs to another invoice is accepted.
//    fromMacaroon(macaroon, invoice) does compare them.
//  * It reads only macaroon=, not the 2026 spec's token=.
//  * Its bolt11 decode does not know signet (lntbs): such a challenge throws.
//  * fromToken() rejects "L402 …" credentials (it wants "LSAT" somewhere); toToken() only
//    writes "LSAT".
//  * setPreimage() wants lower-case hex.
//  * Any caveat without '<', '>' or '=' (or starting with one) makes the constructor throw
//    (it decodes every caveat looking for `expiration`); conditions are split at the first
//    of '<', '>', '=' and trimmed. libl402 never mints such caveats.
//  * It accepts a URL-safe base64 macaroon silently (and echoes it back in toToken()).
'use strict';

const fs = require('fs');
const path = require('path');

function requireOrDie(name) {
  try {
    return require(name);
  } catch (e) {
    process.stderr.write(`lsat-js oracle: cannot load '${name}' (${e.message}): the fixture ` +
      'interop_npm_ci installs lsat-js 2.0.6 and macaroon 3.0.4 with `npm ci`; it needs node ' +
      'and npm (Debian packages nodejs, npm) and the npm registry or a warm npm cache\n');
    process.exit(1);
  }
}

const lsat = requireOrDie('lsat-js');
const macaroon = requireOrDie('macaroon');
const {Lsat, Identifier} = lsat;

for (const [name, want] of [['lsat-js', '2.0.6'], ['macaroon', '3.0.4']]) {
  const version = requireOrDie(`${name}/package.json`).version;
  if (version !== want) {
    process.stderr.write(`lsat-js oracle: want ${name} ${want}, found ${version}\n`);
    process.exit(1);
  }
}

const VECTORS = path.join(__dirname, '..', '..', 'data', 'l402_vectors.json');

const unhex = s => Uint8Array.from(Buffer.from(s, 'hex'));
const tohex = b => Buffer.from(b).toString('hex');

function expectThrows(what, f, pattern) {
  try {
    f();
  } catch (e) {
    if (pattern && !pattern.test(e.message)) {
      throw new Error(`selftest ${what}: threw "${e.message}", want ${pattern}`);
    }
    return;
  }
  throw new Error(`selftest ${what}: did not throw`);
}

// ---- our caveats, as a verifier of a request would check them (l402-protocol.md 4.3)

// A checker for npm macaroon's verify(): null when `condition` holds for `request`, else why
// not. Repeated conditions are held to the one before (narrowing).
function caveatChecker(request) {
  const previous = new Map();
  const list = v => v === '' ? [] : v.split(',');
  const isInt = v => /^(0|[1-9][0-9]*)$/.test(v);
  return condition => {
    const at = condition.indexOf('=');
    if (at < 0) return `not condition=value: ${condition}`;
    const cond = condition.slice(0, at);
    const value = condition.slice(at + 1);
    const before = previous.get(cond);
    previous.set(cond, value);
    if (cond === 'services') {
      const names = value.split(',').map(s => {
        const m = /^([^,:=]+):([0-9]{1,3})$/.exec(s);
        return m && +m[2] <= 255 ? m[1] : null;
      });
      if (names.includes(null)) return `bad services value ${value}`;
      if (before !== undefined) {
        const earlier = before.split(',').map(s => s.split(':')[0]);
        if (!names.every(n => earlier.includes(n))) return 'services widened';
      }
      return names.includes(request.service) ? null : `service ${request.service} not named`;
    }
    if (cond.endsWith('_capabilities')) {
      if (before !== undefined && !list(value).every(c => list(before).includes(c))) {
        return 'capabilities widened';
      }
      if (cond !== `${request.service}_capabilities` || request.capability === '') return null;
      return list(value).includes(request.capability) ? null :
        `capability ${request.capability} missing`;
    }
    if (cond.endsWith('_valid_until')) {
      if (!isInt(value)) return `bad time ${value}`;
      if (before !== undefined && BigInt(value) > BigInt(before)) return 'expiry extended';
      if (cond !== `${request.service}_valid_until`) return null;
      return BigInt(request.now) < BigInt(value) ? null : 'expired';
    }
    if (request.limits.includes(cond)) {
      if (!isInt(value)) return `bad limit ${value}`;
      if (before !== undefined && BigInt(value) > BigInt(before)) return `${cond} raised`;
      return null;
    }
    // Constraints of other services: not this request's business.
    return /_(max_requests|monthly_volume_sats)$/.test(cond) && isInt(value) ? null :
      `unknown condition ${cond}`;
  };
}

// verify() with `check`, returning the conditions in the order they were checked.
function verifyWith(m, rootKey, check) {
  const seen = [];
  m.verify(rootKey, cond => {
    seen.push(cond);
    return check(cond);
  }, []);
  return seen;
}

// ---- checking our records

function checkRecord(rec, fail) {
  const want = (what, got, expected) => {
    if (got !== expected) fail(`${what}: got ${got}, want ${expected}`);
  };
  let paid = null;
  rec.header_values.forEach((value, i) => {
    const line = `header value ${i} (${value.slice(0, 4)})`;
    const l = Lsat.fromHeader(value);
    want(`${line} macaroon`, l.baseMacaroon, rec.macaroon_b64);
    want(`${line} paymentHash`, l.paymentHash, rec.payment_hash);
    want(`${line} invoice`, l.invoice, rec.invoice);
    const id = Identifier.fromString(l.id);
    want(`${line} identifier version`, id.version, 0);
    want(`${line} identifier payment hash`, id.paymentHash.toString('hex'), rec.payment_hash);
    want(`${line} identifier token ID`, id.tokenId.toString('hex'), rec.token_id);
    want(`${line} caveats`, JSON.stringify(l.getCaveats().map(c => c.encode())),
      JSON.stringify(rec.caveats));
    want(`${line} validUntil (lsat-js reads only "expiration")`, l.validUntil, 0);
    want(`${line} pending`, l.isPending(), true);
    want(`${line} pending token`, l.toToken(), `LSAT ${rec.macaroon_b64}:`);
    const pending = l.toToken();
    l.setPreimage(rec.preimage);
    want(`${line} satisfied`, l.isSatisfied(), true);
    const token = l.toToken();
    want(`${line} token`, token, `LSAT ${rec.macaroon_b64}:${rec.preimage}`);
    if (i === rec.header_values.length - 1) {
      paid = {name: rec.name, authorization: [token], pending_authorization: pending,
        macaroon_hex: null};
    }
  });
  const viaMacaroon = Lsat.fromMacaroon(rec.macaroon_b64, rec.invoice);
  want('fromMacaroon paymentHash', viaMacaroon.paymentHash, rec.payment_hash);

  const m = macaroon.importMacaroon(rec.macaroon_b64);
  want('npm macaroon identifier', tohex(m.identifier), rec.identifier);
  want('npm macaroon location', m.location, rec.location);
  want('npm macaroon signature', tohex(m.signature), rec.signature);
  const request = {
    service: rec.target.service, capability: rec.target.capability, now: rec.now,
    limits: rec.target.limit_conditions,
  };
  const seen = verifyWith(m, unhex(rec.root_key), caveatChecker(request));
  want('npm macaroon verified caveats', JSON.stringify(seen), JSON.stringify(rec.caveats));
  try {
    verifyWith(m, unhex(rec.wrong_root_key), () => null);
    fail('npm macaroon verified with a wrong root key');
  } catch (e) {
    if (!/signature mismatch/.test(e.message)) fail(`wrong root key: unexpected ${e.message}`);
  }
  try {
    verifyWith(m, unhex(rec.root_key), caveatChecker({...request, service: 'not-offered'}));
    fail('npm macaroon verified for a service the token does not name');
  } catch (e) {
    if (!/not named/.test(e.message)) fail(`other service: unexpected ${e.message}`);
  }
  return paid;
}

function runCheck(recordsPath, tokensPath) {
  const lines = fs.readFileSync(recordsPath, 'utf8').split('\n').filter(l => l.length);
  const out = [];
  let failures = 0;
  for (const line of lines) {
    const rec = JSON.parse(line);
    const fail = msg => {
      if (++failures <= 20) process.stderr.write(`${rec.name}: ${msg}\n`);
    };
    try {
      const paid = checkRecord(rec, fail);
      if (paid) out.push(JSON.stringify(paid));
    } catch (e) {
      fail(`threw ${e.message}`);
    }
  }
  fs.writeFileSync(tokensPath, out.map(l => l + '\n').join(''));
  if (failures) {
    process.stderr.write(`${failures} disagreements in ${lines.length} records\n`);
    return false;
  }
  console.log(`lsat-js and npm macaroon agree on ${lines.length} challenges`);
  return true;
}

// ---- vectors and quirks

function selftest() {
  const expect = (what, got, want) => {
    if (got !== want) throw new Error(`selftest ${what}: got ${got}, want ${want}`);
  };
  const v = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));

  // 7.1: the challenge lsat-js itself publishes.
  const js = v.lsat_js_challenge;
  let l = Lsat.fromHeader(js.header_value);
  expect('7.1 paymentHash', l.paymentHash, js.payment_hash);
  expect('7.1 token ID', Identifier.fromString(l.id).tokenId.toString('hex'), js.token_id);

  // 7.3: challenge lines, credential, and the macaroon's signature with its root key.
  const t = v.synthetic_token;
  for (const value of t.challenge_values) {
    l = Lsat.fromHeader(value);
    expect('7.3 macaroon', l.baseMacaroon, t.v2_b64_std);
    expect('7.3 paymentHash', l.paymentHash, t.payment_hash);
    l.setPreimage(t.preimage);
    expect('7.3 token', l.toToken(), 'LSAT ' + t.authorization.slice(5));
  }
  const m = macaroon.importMacaroon(t.v2_b64_std);
  const request = {service: t.service, capability: 'add', now: 1700000000, limits: []};
  expect('7.3 verify', JSON.stringify(verifyWith(m, unhex(t.root_key), caveatChecker(request))),
    JSON.stringify(t.caveats.map(c => c.condition_text)));
  expectThrows('7.3 expired', () => verifyWith(m, unhex(t.root_key),
    caveatChecker({...request, now: t.valid_until})), /expired/);
  expectThrows('7.3 missing capability', () => verifyWith(m, unhex(t.root_key),
    caveatChecker({...request, capability: 'multiply'})), /missing/);
  const wrong = unhex(t.root_key);
  wrong[31] ^= 1;
  expectThrows('7.3 wrong key', () => verifyWith(m, wrong, () => null), /signature mismatch/);
  const attenuated = macaroon.importMacaroon(t.v2_b64_std);
  attenuated.addFirstPartyCaveat(t.derived.client_attenuated.added_caveat_text);
  expect('7.3 attenuated', tohex(attenuated.signature), t.derived.client_attenuated.signature);

  // The quirks in the header comment.
  const body = t.challenge_values[1].slice(4);
  expect('quirk: any 4-character scheme', Lsat.fromHeader('XXXX' + body).paymentHash,
    t.payment_hash);
  const folded = Lsat.fromHeader(t.challenge_values[0] + ', ' + t.challenge_values[1]);
  expect('quirk: folded line', folded.baseMacaroon, t.v2_b64_std);
  const mismatched = `L402 macaroon="${t.v2_b64_std}", invoice="${js.invoice}"`;
  expect('quirk: identifier hash not compared', Lsat.fromHeader(mismatched).paymentHash,
    js.payment_hash);
  expectThrows('fromMacaroon compares hashes', () => Lsat.fromMacaroon(t.v2_b64_std, js.invoice),
    /did not match/);
  expectThrows('quirk: no token=', () => Lsat.fromHeader(
    `L402 version="0", token="${t.v2_b64_std}", invoice="${t.challenge_invoice}"`),
  /macaroon and invoice/);
  expectThrows('quirk: fromToken refuses L402', () => Lsat.fromToken(t.authorization),
    /LSAT prefix/);
  expectThrows('quirk: upper-case preimage', () => Lsat.fromHeader(t.challenge_values[1])
    .setPreimage(t.preimage.toUpperCase()), /32-byte/);
  const noEquals = macaroon.newMacaroon({identifier: unhex(t.identifier), location: 'lsat',
    rootKey: unhex(t.root_key), version: 2});
  noEquals.addFirstPartyCaveat('note');
  expectThrows('quirk: a caveat without =', () => Lsat.fromMacaroon(
    Buffer.from(noEquals.exportBinary()).toString('base64')), /Caveat must be of the form/);
  const urlSafe = Buffer.from(t.v2_b64_std, 'base64').toString('base64url');
  expect('quirk: URL-safe macaroon accepted', Lsat.fromHeader(
    `L402 macaroon="${urlSafe}", invoice="${t.challenge_invoice}"`).baseMacaroon, urlSafe);
  // A signet invoice for the 7.3 payment hash (signed with libl402 like the 7.3 invoice).
  const signet = 'lntbs1u1pnhfpvqpp5wtdmwvmvweuqqglc8kjvx40jam4g2uemz0f5wa5hj9mepsfzjzzqsp5gfpyysjzgfp' +
    'yysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpqdq8fs6rqvs9qyysgqw3hne5ektdflac7y97ems468j0d4qv3s758' +
    'jh6mhk9stsefk5vmh6evgpwwqrx9ge4tf5dl5lregl653jvsm44qf2uy65yfmw39u28cqr3jscg';
  expectThrows('quirk: no signet', () => Lsat.fromHeader(
    `L402 macaroon="${t.v2_b64_std}", invoice="${signet}"`), /Unknown coin bech32 prefix/);
}

function main(argv) {
  const start = Date.now();
  selftest();
  let ok;
  if (argv.length === 1 && argv[0] === 'selftest') {
    console.log('lsat-js selftest passed');
    ok = true;
  } else if (argv.length === 3 && argv[0] === 'check') {
    ok = runCheck(argv[1], argv[2]);
  } else {
    process.stderr.write('usage: l402_oracle.js selftest | check FILE TOKENS\n');
    return 2;
  }
  console.log(`lsat-js oracle done in ${((Date.now() - start) / 1000).toFixed(2)}s`);
  return ok ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`lsat-js oracle: ${e.stack || e}\n`);
  process.exitCode = 1;
}

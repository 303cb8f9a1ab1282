// lsat-js 2.0.6 as a client of a running l402d (the l402d_lsat_js_test drives it):
//
//   node lsat_js_client.js read FILE         FILE: a JSON array of WWW-Authenticate values.
//                                            Prints, per value, what Lsat.fromHeader() reads,
//                                            the identifier's payment hash and token ID, and
//                                            whether Lsat.fromMacaroon(macaroon, invoice)
//                                            accepts the pair (it compares the hashes).
//   node lsat_js_client.js token VALUE PREIMAGE
//                                            Prints the Authorization value lsat-js sends
//                                            after paying: "LSAT <b64>:<hex>".
//
// NODE_PATH points at the node_modules the interop fixture interop_npm_ci installs.
'use strict';

const fs = require('fs');

let lsat;
try {
  lsat = require('lsat-js');
} catch (e) {
  process.stderr.write(`cannot load lsat-js (${e.message}): the interop fixture interop_npm_ci ` +
    'installs it with npm ci (Debian packages nodejs, npm; the npm registry or a warm cache)\n');
  process.exit(2);
}
const {Lsat, Identifier} = lsat;

const [mode, ...args] = process.argv.slice(2);
if (mode === 'read') {
  const values = JSON.parse(fs.readFileSync(args[0], 'utf8'));
  const out = values.map(value => {
    const l = Lsat.fromHeader(value);
    const id = Identifier.fromString(l.id);
    let bound = true;
    try {
      Lsat.fromMacaroon(l.baseMacaroon, l.invoice);
    } catch (e) {
      bound = false;
    }
    return {
      macaroon: l.baseMacaroon,
      invoice: l.invoice,
      payment_hash: l.paymentHash,
      identifier_payment_hash: id.paymentHash.toString('hex'),
      token_id: id.tokenId.toString('hex'),
      pending: l.isPending(),
      from_macaroon_accepts: bound,
    };
  });
  process.stdout.write(JSON.stringify(out) + '\n');
} else if (mode === 'token') {
  const l = Lsat.fromHeader(args[0]);
  l.setPreimage(args[1]);
  process.stdout.write(l.toToken() + '\n');
} else {
  process.stderr.write('usage: lsat_js_client.js read FILE | token VALUE PREIMAGE\n');
  process.exit(2);
}

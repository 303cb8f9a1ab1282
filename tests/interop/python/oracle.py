#!/usr/bin/python3
"""Interop oracle built on pymacaroons (Debian python3-pymacaroons, 0.13.0).

Run it with Debian's interpreter, /usr/bin/python3: the package lives in its dist-packages.
The record format it reads and writes is described in ../README.md.

    oracle.py selftest              reproduce the published vectors (l402-protocol.md section 6)
    oracle.py check FILE            check the records our C++ tool generated
    oracle.py mint N SEED FILE      mint N random macaroons with pymacaroons, write records

check and mint run the selftest first, so a broken oracle cannot pass silently.

pymacaroons quirks this oracle works around (see ../README.md):
  * Its V2 binary always writes the macaroon's location field, even when empty
    (02 01 00 02 ... where go-macaroon writes 02 02 ...), and writes a third-party caveat's
    location field whenever the location is not None. When re-minting our macaroons we pass
    None for an empty caveat location, and compare the header by inserting the empty field
    into our bytes; everything else is compared byte for byte.
  * add_first_party_caveat refuses conditions that are not UTF-8, so macaroons with binary
    first-party caveats are parsed, verified and re-serialised but not re-minted here.
  * Its verifier decodes first-party conditions as UTF-8; we install a first-party verifier
    delegate that records the raw bytes instead (the signature chain is pymacaroons' own).
  * In V1 it writes a third-party caveat's vid and cl packets only when the caveat location
    is not empty (else it silently drops the vid), and it sizes the location and identifier
    packets by counting characters, not bytes (wrong packet lengths for non-ASCII text). V1
    bytes are compared only for macaroons with an ASCII identifier and location whose
    third-party caveats all have a location; other V1 forms are parsed and compared only.
  * An empty root key skips the first HMAC (wrong signatures); our specs never use one.
"""

import binascii
import json
import random
import sys
import time

try:
    from pymacaroons import Macaroon, Verifier
    from pymacaroons.caveat_delegates import FirstPartyCaveatVerifierDelegate
    from pymacaroons.macaroon import MACAROON_V2
    from pymacaroons.serializers import BinarySerializer, JsonSerializer
except ImportError as e:  # pragma: no cover
    sys.stderr.write(
        "pymacaroons oracle: cannot import pymacaroons (%s): install the Debian package "
        "python3-pymacaroons and run this script with /usr/bin/python3\n" % e)
    sys.exit(1)

BIN = BinarySerializer()
JSN = JsonSerializer()


def unhex(s):
    return binascii.unhexlify(s)


def tohex(b):
    return binascii.hexlify(b).decode('ascii')


# ---- minting from a spec with pymacaroons

def mint(spec, empty_caveat_location=None, version=MACAROON_V2):
    """Mints `spec`. An empty third-party caveat location is passed as
    `empty_caveat_location` ('' reproduces what pymacaroons users write, None avoids
    its empty location field)."""
    loc = unhex(spec['loc']).decode('utf-8')
    m = Macaroon(location=loc, identifier=unhex(spec['id']), key=unhex(spec['key']),
                 version=version)
    for c in spec['caveats']:
        if 'discharge' in c:
            cloc = unhex(c['loc']).decode('utf-8') or empty_caveat_location
            m.add_third_party_caveat(cloc, unhex(c['discharge']['key']), unhex(c['cid']),
                                     nonce=unhex(c['nonce']))
        else:
            m.add_first_party_caveat(unhex(c['cid']))
    return m


def discharge_specs(spec, out):
    for c in spec['caveats']:
        if 'discharge' in c:
            out.append(c['discharge'])
            discharge_specs(c['discharge'], out)
    return out


def mintable(spec):
    """pymacaroons only mints first-party caveats that are UTF-8."""
    for c in spec['caveats']:
        if 'discharge' in c:
            if not mintable(c['discharge']):
                return False
        else:
            try:
                unhex(c['cid']).decode('utf-8')
            except UnicodeDecodeError:
                return False
    return True


def v1_comparable(spec):
    """Whether pymacaroons writes correct V1 for `spec`: it writes a third-party caveat's vid
    and cl only when the caveat location is not empty (it drops both otherwise, turning the
    caveat into a first-party one), and it sizes the location and identifier packets in
    characters rather than bytes (wrong for anything but ASCII)."""
    try:
        unhex(spec['id']).decode('ascii')
        unhex(spec['loc']).decode('ascii')
    except UnicodeDecodeError:
        return False
    return all(unhex(c['loc']) for c in spec['caveats'] if 'discharge' in c)


def fits_v1(spec):
    """V1 needs UTF-8 identifiers, caveat ids and locations."""
    try:
        unhex(spec['id']).decode('utf-8')
        unhex(spec['loc']).decode('utf-8')
        for c in spec['caveats']:
            unhex(c['cid']).decode('utf-8')
            if 'discharge' in c:
                unhex(c['loc']).decode('utf-8')
    except UnicodeDecodeError:
        return False
    return True


class RecordingDelegate(FirstPartyCaveatVerifierDelegate):
    """Accepts every first-party caveat and records its raw bytes."""

    def __init__(self, seen):
        super(RecordingDelegate, self).__init__()
        self.seen = seen

    def verify_first_party_caveat(self, verifier, caveat, signature):
        self.seen.append(caveat.caveat_id_bytes)
        return True


def verify(m, key, discharges):
    """Returns the first-party conditions in the order pymacaroons checked them; raises
    when verification fails."""
    seen = []
    v = Verifier()
    v.first_party_caveat_verifier_delegate = RecordingDelegate(seen)
    v.verify(m, key, discharge_macaroons=discharges)
    return seen


def fields(m):
    """The content of a pymacaroons macaroon, for comparisons."""
    return (m.identifier_bytes, m.location or '', m.signature_bytes,
            [(c.caveat_id_bytes, c.verification_key_id or b'', c.location or '')
             for c in m.caveats])


def spec_fields(spec, sig_hex):
    cavs = []
    for c in spec['caveats']:
        if 'discharge' in c:
            cavs.append((unhex(c['cid']), None, unhex(c['loc']).decode('utf-8')))
        else:
            cavs.append((unhex(c['cid']), b'', ''))
    return (unhex(spec['id']), unhex(spec['loc']).decode('utf-8'), sig_hex.encode('ascii'), cavs)


def with_empty_location(canonical, location):
    """pymacaroons' layout of a canonical V2 binary whose caveats carry no empty location
    field: it adds an empty location field to the header when the location is empty."""
    if location:
        return canonical
    return canonical[:1] + b'\x01\x00' + canonical[1:]


# ---- checking our records

class Checker(object):
    def __init__(self):
        self.failures = 0
        self.not_reminted = 0
        self.v1 = 0
        self.v1_bytes = 0

    def fail(self, name, msg):
        self.failures += 1
        if self.failures <= 20:
            sys.stderr.write('FAIL %s: %s\n' % (name, msg))

    def check(self, r):
        name = r['name']
        spec = r['spec']
        ours = unhex(r['v2'])
        try:
            m = BIN.deserialize_raw(ours)
        except Exception as e:
            self.fail(name, 'pymacaroons cannot parse our V2 binary %s: %r' % (r['v2'], e))
            return
        got = fields(m)
        want = spec_fields(spec, r['sig'])
        # the parsed vids must start with the spec's nonces and be 72 bytes long
        vids = [c[1] for c in got[3]]
        got_cmp = (got[0], got[1], got[2], [(c[0], None if c[1] else b'', c[2]) for c in got[3]])
        if got_cmp != want:
            self.fail(name, 'parsed V2 differs from the spec:\n  parsed %r\n  spec   %r' % (got, want))
        for c, vid in zip(spec['caveats'], vids):
            if 'discharge' in c and (len(vid) != 72 or vid[:24] != unhex(c['nonce'])):
                self.fail(name, 'vid %s does not hold the nonce %s' % (tohex(vid), c['nonce']))
        again = BIN.serialize_raw(m)
        if again != with_empty_location(ours, got[1]):
            self.fail(name, 'V2 re-serialisation differs:\n  pymacaroons %s\n  ours        %s'
                      % (tohex(again), r['v2']))
        try:
            mj = JSN.deserialize(unhex(r['json']).decode('utf-8'))
            if fields(mj) != got:
                self.fail(name, 'our V2 JSON parses to something else:\n  %r\n  %r'
                          % (fields(mj), got))
        except Exception as e:
            self.fail(name, 'pymacaroons cannot parse our V2 JSON %r: %r' % (unhex(r['json']), e))

        # V1, when our record carries it: parse binary and JSON, and compare bytes.
        if r.get('v1') is not None:
            self.v1 += 1
            ours1 = unhex(r['v1'])
            try:
                m1 = BIN.deserialize_raw(ours1)
                f1 = fields(m1)
                if f1 != got:
                    self.fail(name, 'our V1 binary parses to something else:\n  %r\n  %r'
                              % (f1, got))
                if v1_comparable(spec):
                    self.v1_bytes += 1
                    if BIN.serialize_raw(m1) != ours1:
                        self.fail(name, 'V1 re-serialisation differs:\n  pymacaroons %s\n  '
                                  'ours        %s' % (tohex(BIN.serialize_raw(m1)), r['v1']))
                    if mintable(spec):
                        mine1 = BIN.serialize_raw(mint(spec, version=1))
                        if mine1 != ours1:
                            self.fail(name, 'V1 binary differs:\n  pymacaroons %s\n  '
                                      'ours        %s' % (tohex(mine1), r['v1']))
            except Exception as e:
                self.fail(name, 'pymacaroons cannot parse our V1 binary %s: %r' % (r['v1'], e))
            try:
                j1 = JSN.deserialize(unhex(r['json_v1']).decode('utf-8'))
                if fields(j1) != got:
                    self.fail(name, 'our V1 JSON parses to something else:\n  %r\n  %r'
                              % (fields(j1), got))
            except Exception as e:
                self.fail(name, 'pymacaroons cannot parse our V1 JSON %r: %r'
                          % (unhex(r['json_v1']), e))

        can_mint = mintable(spec)
        if not can_mint:
            self.not_reminted += 1
        root_sig = unhex(r['sig'])
        if can_mint:
            pm = mint(spec)
            if pm.signature_bytes != r['sig'].encode('ascii'):
                self.fail(name, 'signature: pymacaroons %s, ours %s' % (pm.signature, r['sig']))
            mine = BIN.serialize_raw(pm)
            if mine != with_empty_location(ours, got[1]):
                self.fail(name, 'V2 binary differs:\n  pymacaroons %s\n  ours        %s'
                          % (tohex(mine), r['v2']))

        dspecs = discharge_specs(spec, [])
        if len(dspecs) != len(r['discharges']):
            self.fail(name, '%d discharges expected, record has %d'
                      % (len(dspecs), len(r['discharges'])))
            return
        bound = []
        for i, (ds, dr) in enumerate(zip(dspecs, r['discharges'])):
            bound_ours = unhex(dr['bound_v2'])
            try:
                pd = BIN.deserialize_raw(bound_ours)
            except Exception as e:
                self.fail(name, 'discharge %d: cannot parse our bound V2: %r' % (i, e))
                return
            bound.append(pd)
            if pd.signature != dr['bound_sig']:
                self.fail(name, 'discharge %d: bound signature field %s, record says %s'
                          % (i, pd.signature, dr['bound_sig']))
            if not mintable(ds):
                continue
            d = mint(ds)
            if d.signature != dr['sig']:
                self.fail(name, 'discharge %d unbound signature: pymacaroons %s, ours %s'
                          % (i, d.signature, dr['sig']))
            # prepare_for_request binds to the receiver's signature: use a macaroon holding
            # our root signature.
            holder = Macaroon(version=MACAROON_V2, signature=tohex(root_sig))
            b = holder.prepare_for_request(d)
            if b.signature != dr['bound_sig']:
                self.fail(name, 'discharge %d bound signature: pymacaroons %s, ours %s'
                          % (i, b.signature, dr['bound_sig']))
            bb = BIN.serialize_raw(b)
            if bb != with_empty_location(bound_ours, b.location):
                self.fail(name, 'discharge %d bound V2 differs:\n  pymacaroons %s\n  ours        %s'
                          % (i, tohex(bb), dr['bound_v2']))

        key = unhex(spec['key'])
        try:
            conds = verify(m, key, bound)
            if [tohex(c) for c in conds] != r['conditions']:
                self.fail(name, 'verified conditions differ:\n  pymacaroons %r\n  ours        %r'
                          % ([tohex(c) for c in conds], r['conditions']))
        except Exception as e:
            self.fail(name, 'pymacaroons rejects our macaroon: %r' % e)
        try:
            verify(m, key + b'\x00', bound)
            self.fail(name, 'pymacaroons accepts our macaroon under a wrong root key')
        except Exception:
            pass
        if bound:
            try:
                verify(m, key, [])
                self.fail(name, 'pymacaroons accepts our macaroon without its discharges')
            except Exception:
                pass


def run_check(path):
    c = Checker()
    n = 0
    with open(path) as f:
        for line in f:
            c.check(json.loads(line))
            n += 1
    if n == 0:
        raise SystemExit('pymacaroons oracle: no records in %s' % path)
    print('pymacaroons checked %d of our macaroons (%d with binary first-party caveats it cannot '
          'mint: parsed, verified and re-serialised only; %d also as V1, %d of them compared '
          'byte for byte): %d failures'
          % (n, c.not_reminted, c.v1, c.v1_bytes, c.failures))
    return c.failures == 0


# ---- random specs (UTF-8 first-party conditions only: pymacaroons refuses others)

SPECIALS = ['"', '\\', '/', "'", '<', '>', '&', '\n', '\r', '\t', '\b', '\f', '\x00', '\x01',
            '\x1f', '\x7f', '\x80', '\u00e9', '\u20ac', '\u2028', '\u2029', '\ufffd', '\ufeff',
            '\uffff', '\U0001f600', '\U0010ffff']
INVALID = [b'\x80', b'\xff', b'\xc0\x80', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'\xe2\x82']


class Gen(object):
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0

    def bytes(self, n):
        return self.r.randbytes(n)

    def text(self, n):
        out = []
        for _ in range(n):
            if self.r.randrange(10) < 7:
                out.append(chr(0x20 + self.r.randrange(0x5f)))
            else:
                out.append(self.r.choice(SPECIALS))
        return ''.join(out).encode('utf-8')

    def nearly_utf8(self):
        t = self.text(1 + self.r.randrange(20))
        at = self.r.randrange(len(t) + 1)
        return t[:at] + self.r.choice(INVALID) + t[at:]

    def identifier(self):
        k = self.r.randrange(6)
        if k == 0:
            return b'\x00\x00' + self.bytes(64)
        if k == 1:
            return self.bytes(1 + self.r.randrange(80))
        if k == 2:
            return self.text(1 + self.r.randrange(40))
        if k == 3:
            return ('id-%d' % self.r.getrandbits(62)).encode('ascii')
        if k == 4:
            if self.r.randrange(2):
                return self.bytes(128 + self.r.randrange(200))
            return self.text(128 + self.r.randrange(100))
        return self.nearly_utf8()

    def location(self):
        k = self.r.randrange(5)
        if k < 2:
            return b''
        if k == 2:
            return ('https://svc%d.example.org/' % self.r.randrange(1000)).encode('ascii')
        if k == 3:
            return self.text(1 + self.r.randrange(40))
        return self.text(128 + self.r.randrange(40))

    def condition(self):
        k = self.r.randrange(5)
        if k < 3:
            return ('k%d=v%d' % (self.r.randrange(100), self.r.getrandbits(62))).encode('ascii')
        if k == 3:
            return self.text(1 + self.r.randrange(60))
        return self.text(128 + self.r.randrange(80))

    def root_key(self):
        if self.r.randrange(3):
            return self.bytes(32)
        return self.bytes(1 + self.r.randrange(64))

    def spec(self, key, ident, depth, max_caveats):
        s = {'key': tohex(key), 'id': tohex(ident), 'loc': tohex(self.location()), 'caveats': []}
        for _ in range(self.r.randrange(max_caveats + 1)):
            if depth < 2 and self.r.randrange(8) == 0:
                self.n += 1
                cid = self.identifier() + ('#%d' % self.n).encode('ascii')
                d = self.spec(self.root_key(), cid, depth + 1, 3)
                s['caveats'].append({'cid': tohex(cid), 'loc': tohex(self.location()),
                                     'nonce': tohex(self.bytes(24)), 'discharge': d})
            else:
                s['caveats'].append({'cid': tohex(self.condition())})
        return s


def run_mint(count, seed, path):
    g = Gen(seed)
    with open(path, 'w') as out:
        for i in range(count):
            key, ident = g.root_key(), g.identifier()
            if g.r.randrange(100) == 0:  # up to the 16 KiB field limit (3-byte varint at 16384)
                ident = g.bytes(16000 + g.r.randrange(385))
            spec = g.spec(key, ident, 0, 12)
            # '' for empty caveat locations, as pymacaroons users write them: the records
            # then carry pymacaroons' empty location fields.
            m = mint(spec, empty_caveat_location='')
            rec = {'name': 'python-%d' % i, 'oracle': 'pymacaroons', 'layout': 'pymacaroons',
                   'spec': spec, 'sig': m.signature, 'v2': tohex(BIN.serialize_raw(m)),
                   'json': tohex(JSN.serialize(m).encode('utf-8')), 'discharges': [],
                   'conditions': []}
            stack = BIN.serialize_raw(m)
            bound = []
            for ds in discharge_specs(spec, []):
                d = mint(ds, empty_caveat_location='')
                b = m.prepare_for_request(d)
                bound.append(b)
                bb = BIN.serialize_raw(b)
                stack += bb
                rec['discharges'].append({
                    'sig': d.signature, 'bound_sig': b.signature, 'bound_v2': tohex(bb),
                    'bound_json': tohex(JSN.serialize(b).encode('utf-8'))})
            rec['stack'] = tohex(stack)
            if fits_v1(spec) and v1_comparable(spec):
                m1 = mint(spec, version=1)
                rec['v1'] = tohex(BIN.serialize_raw(m1))
                rec['json_v1'] = tohex(JSN.serialize(m1).encode('utf-8'))
            rec['conditions'] = [tohex(c) for c in verify(m, unhex(spec['key']), bound)]
            out.write(json.dumps(rec) + '\n')
    print('pymacaroons minted %d macaroons (seed %d) into %s' % (count, seed, path))
    return True


# ---- published vectors

def selftest():
    def expect(what, got, want):
        if got != want:
            raise SystemExit('pymacaroons oracle: selftest %s: got %s, want %s' % (what, got, want))

    m = Macaroon(location='http://mybank/', identifier='we used our secret key',
                 key='this is our super secret key; only we should know it')
    expect('TV1 sig0', m.signature,
           'e3d9e02908526c4c0039ae15114115d97fdd68bf2ba379b342aaf0f617d0552f')
    expect('TV1 V1', m.serialize(),
           'MDAxY2xvY2F0aW9uIGh0dHA6Ly9teWJhbmsvCjAwMjZpZGVudGlmaWVyIHdlIHVzZWQgb3VyIHNlY3JldCBrZXkK'
           'MDAyZnNpZ25hdHVyZSDj2eApCFJsTAA5rhURQRXZf91ovyujebNCqvD2F9BVLwo')
    m.add_first_party_caveat('test = caveat')
    expect('TV2 sig', m.signature,
           '197bac7a044af33332865b9266e26d493bdd668a660e44d88ce1a998c23dbd67')
    m = Macaroon(location='http://example.org/', identifier=b'keyid', key=b'this is the key',
                 version=MACAROON_V2)
    expect('TV3 no caveats', tohex(BIN.serialize_raw(m)),
           '020113687474703a2f2f6578616d706c652e6f72672f02056b65796964000006207cdee792511c5bc6f5'
           '28485805dfe9b24e785e28e2a99301f9d711c609e38ef7')
    m.add_first_party_caveat('account = 3735928559')
    m.add_first_party_caveat('user = alice')
    expect('TV3 two caveats', m.signature,
           '4be967cd1ea0c6b26baf6a4a94ee9b05b15886da0ba85e8c42a93c8d0e125efc')
    root_key = b'this is a different super-secret key; never use the same secret twice'
    m = Macaroon(location='http://mybank/', identifier=b'we used our other secret key',
                 key=root_key, version=MACAROON_V2)
    m.add_first_party_caveat('account = 3735928559')
    tp_key = b'4; guaranteed random by a fair toss of the dice'
    cid = b'this was how we remind auth of key/pred'
    m.add_third_party_caveat('http://auth.mybank/', tp_key, cid, nonce=b'\x00' * 24)
    expect('TV4 V2', tohex(BIN.serialize_raw(m)),
           '02010e687474703a2f2f6d7962616e6b2f021c77652075736564206f7572206f7468657220736563726574'
           '206b65790002146163636f756e74203d2033373335393238353539000113687474703a2f2f617574682e6d'
           '7962616e6b2f0227746869732077617320686f772077652072656d696e642061757468206f66206b65792f'
           '707265640448000000000000000000000000000000000000000000000000d36ec502e05886d1f0279f055f'
           'a52554d16d16c1b14074bbb83ff0fdd79dc2fe098f0ed4a2b091130e6b5db46a20a86b00000620d27db2fd'
           '1f22760e4c3dae8137e2d8fc1df6c0741c18aed4b97256bf78d1f55c')
    d = Macaroon(location='http://auth.mybank/', identifier=cid, key=tp_key, version=MACAROON_V2)
    d.add_first_party_caveat('time < 2020-01-01T00:00')
    expect('TV5 discharge', d.signature,
           '2ed1049876e9d5840950274b579b0770317df54d338d9d3039c7c67d0d91d63c')
    b = m.prepare_for_request(d)
    expect('TV5 bound', b.signature,
           'd115ef1c133b1126978d5ab27f69d99ba9d0468cd6c1b7e47b8c1c59019cb019')
    verify(m, root_key, [b])
    # The quirk the checks rely on: an empty location is written as an empty field.
    e = Macaroon(location='', identifier=b'keyid', key=b'this is the key', version=MACAROON_V2)
    expect('empty location layout', tohex(BIN.serialize_raw(e))[:10], '0201000205')


def main(argv):
    start = time.time()
    selftest()
    ok = True
    if len(argv) == 2 and argv[1] == 'selftest':
        print('pymacaroons selftest passed')
    elif len(argv) == 3 and argv[1] == 'check':
        ok = run_check(argv[2])
    elif len(argv) == 5 and argv[1] == 'mint':
        ok = run_mint(int(argv[2]), int(argv[3]), argv[4])
    else:
        sys.stderr.write('usage: oracle.py selftest | check FILE | mint COUNT SEED FILE\n')
        return 2
    print('pymacaroons oracle done in %.2fs' % (time.time() - start))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))

// Interop oracle built on go-macaroon (gopkg.in/macaroon.v2, the library Aperture mints with).
//
// Built in GOPATH mode against Debian's golang-gopkg-macaroon.v2-dev (see ../CMakeLists.txt).
// The record format it reads and writes is described in ../README.md.
//
//	oracle selftest              reproduce the published vectors (l402-protocol.md section 6)
//	oracle check FILE            check the records our C++ tool generated
//	oracle mint N SEED FILE      mint N random macaroons with go-macaroon, write records to FILE
//
// Both check and mint run the selftest first, so a broken oracle cannot pass silently.
package main

import (
	"bufio"
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	macaroon "gopkg.in/macaroon.v2"
)

// ---- record format (shared with ../macaroon_interop_tool.cpp, node/oracle.js, python/oracle.py)

type macSpec struct {
	Key     string    `json:"key"`
	ID      string    `json:"id"`
	Loc     string    `json:"loc"`
	Caveats []cavSpec `json:"caveats"`
}

type cavSpec struct {
	Cid       string   `json:"cid"`
	Loc       *string  `json:"loc,omitempty"`
	Nonce     *string  `json:"nonce,omitempty"`
	Discharge *macSpec `json:"discharge,omitempty"`
}

type dischargeRecord struct {
	Sig       string  `json:"sig"`
	BoundSig  string  `json:"bound_sig"`
	BoundV2   *string `json:"bound_v2"`
	BoundJSON *string `json:"bound_json"`
}

type record struct {
	Name       string            `json:"name"`
	Oracle     string            `json:"oracle"`
	Layout     string            `json:"layout"`
	Spec       macSpec           `json:"spec"`
	Sig        string            `json:"sig"`
	V2         *string           `json:"v2"`
	JSON       *string           `json:"json"`
	V1         *string           `json:"v1"`
	JSONV1     *string           `json:"json_v1"`
	Discharges []dischargeRecord `json:"discharges"`
	Stack      *string           `json:"stack"`
	Conditions []string          `json:"conditions"`
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("bad hex %q: %v", s, err))
	}
	return b
}

func strp(s string) *string { return &s }

// ---- minting from a spec with go-macaroon

// fixedNonce makes go-macaroon's AddThirdPartyCaveat (which reads its nonce from
// crypto/rand.Reader) use the nonce the spec names, so that third-party caveats can be
// compared byte for byte.
func addThirdParty(m *macaroon.Macaroon, c cavSpec) error {
	saved := crand.Reader
	crand.Reader = bytes.NewReader(unhex(*c.Nonce))
	defer func() { crand.Reader = saved }()
	loc := ""
	if c.Loc != nil {
		loc = string(unhex(*c.Loc))
	}
	return m.AddThirdPartyCaveat(unhex(c.Discharge.Key), unhex(c.Cid), loc)
}

func mint(s *macSpec) (*macaroon.Macaroon, error) {
	return mintVersion(s, macaroon.V2)
}

func mintVersion(s *macSpec, version macaroon.Version) (*macaroon.Macaroon, error) {
	m, err := macaroon.New(unhex(s.Key), unhex(s.ID), string(unhex(s.Loc)), version)
	if err != nil {
		return nil, err
	}
	for _, c := range s.Caveats {
		if c.Discharge == nil {
			if err := m.AddFirstPartyCaveat(unhex(c.Cid)); err != nil {
				return nil, err
			}
		} else if err := addThirdParty(m, c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// fitsV1 reports whether a spec's identifier, caveat ids and locations are all UTF-8, as V1
// needs (go-macaroon refuses other ids for V1).
func fitsV1(s *macSpec) bool {
	if !utf8.Valid(unhex(s.ID)) || !utf8.Valid(unhex(s.Loc)) {
		return false
	}
	for _, c := range s.Caveats {
		if !utf8.Valid(unhex(c.Cid)) || (c.Loc != nil && !utf8.Valid(unhex(*c.Loc))) {
			return false
		}
	}
	return true
}

// dischargeSpecs lists the discharges a spec needs, depth first, each before its own.
func dischargeSpecs(s *macSpec, out []*macSpec) []*macSpec {
	for i := range s.Caveats {
		if d := s.Caveats[i].Discharge; d != nil {
			out = append(out, d)
			out = dischargeSpecs(d, out)
		}
	}
	return out
}

// ---- checking our records

type checker struct {
	failures   int
	shown      int
	v1         int
	discharges int
}

func (c *checker) fail(name, format string, args ...interface{}) {
	c.failures++
	if c.shown < 20 || os.Getenv("ORACLE_SHOW_ALL") != "" { // set it to see every failure
		c.shown++
		fmt.Fprintf(os.Stderr, "FAIL %s: %s\n", name, fmt.Sprintf(format, args...))
	}
}

func describe(m *macaroon.Macaroon) string {
	b, _ := m.MarshalJSON()
	return string(b)
}

// lossyJSON reports whether m has a location that is not UTF-8, which JSON cannot carry.
func lossyJSON(m *macaroon.Macaroon) bool {
	if !utf8.ValidString(m.Location()) {
		return true
	}
	for _, c := range m.Caveats() {
		if !utf8.ValidString(c.Location) {
			return true
		}
	}
	return false
}

func (c *checker) checkRecord(r *record) {
	name := r.Name
	want, err := mint(&r.Spec)
	if err != nil {
		c.fail(name, "go-macaroon cannot mint the spec: %v", err)
		return
	}
	if hex.EncodeToString(want.Signature()) != r.Sig {
		c.fail(name, "signature: go-macaroon %x, ours %s", want.Signature(), r.Sig)
	}
	wantBin, _ := want.MarshalBinary()
	ourBin := unhex(*r.V2)
	if !bytes.Equal(wantBin, ourBin) {
		c.fail(name, "V2 binary differs:\n  go-macaroon %x\n  ours        %x", wantBin, ourBin)
	}
	var m macaroon.Macaroon
	if err := m.UnmarshalBinary(ourBin); err != nil {
		c.fail(name, "go-macaroon cannot parse our V2 binary: %v", err)
		return
	}
	if !m.Equal(want) {
		c.fail(name, "parsed V2 differs from go-macaroon's mint:\n  parsed %s\n  minted %s", describe(&m), describe(want))
	}
	if again, _ := m.MarshalBinary(); !bytes.Equal(again, ourBin) {
		c.fail(name, "V2 re-serialisation differs: %x", again)
	}
	// V2 JSON: go-macaroon parses ours to the same macaroon and writes exactly our bytes.
	ourJSON := unhex(*r.JSON)
	var mj macaroon.Macaroon
	if err := json.Unmarshal(ourJSON, &mj); err != nil {
		c.fail(name, "go-macaroon cannot parse our V2 JSON %s: %v", ourJSON, err)
	} else if lossyJSON(want) {
		// A location that is not UTF-8 goes out with U+FFFD replacements: compare the rest.
		if !bytes.Equal(mj.Id(), want.Id()) || !bytes.Equal(mj.Signature(), want.Signature()) ||
			len(mj.Caveats()) != len(want.Caveats()) {
			c.fail(name, "our V2 JSON parses to a different macaroon: %s", ourJSON)
		}
	} else if !mj.Equal(want) {
		c.fail(name, "our V2 JSON parses to a different macaroon: %s", ourJSON)
	}
	if goJSON, err := want.MarshalJSON(); err != nil || !bytes.Equal(goJSON, ourJSON) {
		c.fail(name, "V2 JSON differs:\n  go-macaroon %s\n  ours        %s", goJSON, ourJSON)
	}
	// V1: binary packets and V1 JSON, byte for byte.
	if fitsV1(&r.Spec) != (r.V1 != nil && r.JSONV1 != nil) {
		c.fail(name, "the record should carry V1 forms exactly when the spec fits V1")
	}
	if r.V1 != nil && r.JSONV1 != nil {
		c.v1++
		want1, err := mintVersion(&r.Spec, macaroon.V1)
		if err != nil {
			c.fail(name, "go-macaroon cannot mint the spec as V1: %v", err)
			return
		}
		goV1, err := want1.MarshalBinary()
		if err != nil || !bytes.Equal(goV1, unhex(*r.V1)) {
			c.fail(name, "V1 binary differs:\n  go-macaroon %x (%v)\n  ours        %s", goV1, err, *r.V1)
		}
		var m1 macaroon.Macaroon
		if err := m1.UnmarshalBinary(unhex(*r.V1)); err != nil {
			c.fail(name, "go-macaroon cannot parse our V1 binary: %v", err)
		} else if !m1.Equal(want1) {
			c.fail(name, "our V1 binary parses to %s", describe(&m1))
		}
		goJSON1, err := want1.MarshalJSON()
		if err != nil || !bytes.Equal(goJSON1, unhex(*r.JSONV1)) {
			c.fail(name, "V1 JSON differs:\n  go-macaroon %s (%v)\n  ours        %s", goJSON1, err, unhex(*r.JSONV1))
		}
		var j1 macaroon.Macaroon
		if err := json.Unmarshal(unhex(*r.JSONV1), &j1); err != nil {
			c.fail(name, "go-macaroon cannot parse our V1 JSON: %v", err)
		} else if !j1.Equal(want1) {
			c.fail(name, "our V1 JSON parses to %s", describe(&j1))
		}
	}

	// Discharges, bound to the root signature.
	dspecs := dischargeSpecs(&r.Spec, nil)
	if len(dspecs) != len(r.Discharges) {
		c.fail(name, "%d discharges expected, record has %d", len(dspecs), len(r.Discharges))
		return
	}
	var bound []*macaroon.Macaroon
	for i, ds := range dspecs {
		dr := r.Discharges[i]
		c.discharges++
		d, err := mint(ds)
		if err != nil {
			c.fail(name, "discharge %d: cannot mint: %v", i, err)
			return
		}
		if hex.EncodeToString(d.Signature()) != dr.Sig {
			c.fail(name, "discharge %d unbound signature: go-macaroon %x, ours %s", i, d.Signature(), dr.Sig)
		}
		d.Bind(want.Signature())
		if hex.EncodeToString(d.Signature()) != dr.BoundSig {
			c.fail(name, "discharge %d bound signature: go-macaroon %x, ours %s", i, d.Signature(), dr.BoundSig)
		}
		dBin, _ := d.MarshalBinary()
		if !bytes.Equal(dBin, unhex(*dr.BoundV2)) {
			c.fail(name, "discharge %d bound V2 differs:\n  go-macaroon %x\n  ours        %s", i, dBin, *dr.BoundV2)
		}
		dJSON, _ := d.MarshalJSON()
		if !bytes.Equal(dJSON, unhex(*dr.BoundJSON)) {
			c.fail(name, "discharge %d bound V2 JSON differs:\n  go-macaroon %s\n  ours        %s", i, dJSON, unhex(*dr.BoundJSON))
		}
		var pd macaroon.Macaroon
		if err := pd.UnmarshalBinary(unhex(*dr.BoundV2)); err != nil {
			c.fail(name, "discharge %d: cannot parse our bound V2: %v", i, err)
			return
		}
		bound = append(bound, &pd)
	}
	// Stack: our concatenation is go-macaroon's Slice.
	var stack macaroon.Slice
	if err := stack.UnmarshalBinary(unhex(*r.Stack)); err != nil {
		c.fail(name, "go-macaroon cannot parse our stack: %v", err)
	} else {
		if len(stack) != 1+len(bound) || !stack[0].Equal(&m) {
			c.fail(name, "stack holds %d macaroons or a different root", len(stack))
		} else {
			for i, b := range bound {
				if !stack[i+1].Equal(b) {
					c.fail(name, "stack element %d differs from bound discharge", i+1)
				}
			}
		}
		if again, _ := stack.MarshalBinary(); !bytes.Equal(again, unhex(*r.Stack)) {
			c.fail(name, "stack re-serialisation differs")
		}
	}
	// Verification of our parsed macaroon with our bound discharges.
	key := unhex(r.Spec.Key)
	conds, err := m.VerifySignature(key, bound)
	if err != nil {
		c.fail(name, "go-macaroon rejects our macaroon: %v", err)
	} else {
		var got []string
		for _, cond := range conds {
			got = append(got, hex.EncodeToString([]byte(cond)))
		}
		if fmt.Sprint(got) != fmt.Sprint(r.Conditions) {
			c.fail(name, "verified conditions differ:\n  go-macaroon %v\n  ours        %v", got, r.Conditions)
		}
	}
	wrong := append(append([]byte(nil), key...), 0)
	if _, err := m.VerifySignature(wrong, bound); err == nil {
		c.fail(name, "go-macaroon accepts our macaroon under a wrong root key")
	}
	if len(bound) > 0 {
		if _, err := m.VerifySignature(key, nil); err == nil {
			c.fail(name, "go-macaroon accepts our macaroon without its discharges")
		}
	}
}

func runCheck(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var c checker
	n := 0
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("record %d: %v", n+1, err)
		}
		if r.V2 == nil || r.JSON == nil || r.Stack == nil {
			return fmt.Errorf("record %s lacks v2, json or stack", r.Name)
		}
		c.checkRecord(&r)
		n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if n == 0 {
		return errors.New("no records")
	}
	fmt.Printf("go-macaroon checked %d of our macaroons (V2 binary and JSON byte for byte, "+
		"%d also as V1 binary and JSON, %d bound discharges, stacks, verification): %d failures\n",
		n, c.v1, c.discharges, c.failures)
	if c.failures > 0 {
		return fmt.Errorf("%d failures", c.failures)
	}
	return nil
}

// ---- random specs

type gen struct {
	r      *mrand.Rand
	binary bool // whether the spec being generated may have binary first-party caveats
	n      int  // distinguishes the caveat ids of third-party caveats
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	g.r.Read(b)
	return b
}

// Characters that stress JSON escaping (Go escapes <, >, &, U+2028/9 and controls) and
// UTF-8 handling (2-, 3- and 4-byte sequences, U+FFFD, U+FEFF, the largest code point).
var specials = []rune{'"', '\\', '/', '\'', '<', '>', '&', '\n', '\r', '\t', '\b', '\f', 0, 1,
	0x1f, 0x7f, 0x80, 0xe9, 0x20ac, 0x2028, 0x2029, 0xfffd, 0xfeff, 0xffff, 0x1f600, 0x10ffff}

func (g *gen) text(n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		if g.r.Intn(10) < 7 {
			b = append(b, byte(0x20+g.r.Intn(0x5f)))
		} else {
			b = append(b, string(specials[g.r.Intn(len(specials))])...)
		}
	}
	return b
}

// Byte sequences that are not UTF-8: a lone continuation byte, 0xff, an overlong NUL,
// an encoded surrogate, a code point above U+10FFFF, a truncated sequence.
var invalid = [][]byte{{0x80}, {0xff}, {0xc0, 0x80}, {0xed, 0xa0, 0x80}, {0xf4, 0x90, 0x80, 0x80}, {0xe2, 0x82}}

func (g *gen) nearlyUTF8() []byte {
	t := g.text(1 + g.r.Intn(20))
	at := g.r.Intn(len(t) + 1)
	out := append(append([]byte(nil), t[:at]...), invalid[g.r.Intn(len(invalid))]...)
	return append(out, t[at:]...)
}

func (g *gen) identifier() []byte {
	switch g.r.Intn(6) {
	case 0: // L402: version 0, payment hash, token id
		return append([]byte{0, 0}, g.bytes(64)...)
	case 1:
		return g.bytes(1 + g.r.Intn(80))
	case 2:
		return g.text(1 + g.r.Intn(40))
	case 3:
		return []byte(fmt.Sprintf("id-%d", g.r.Int63()))
	case 4: // two-byte length varint
		if g.r.Intn(2) == 0 {
			return g.bytes(128 + g.r.Intn(200))
		}
		return g.text(128 + g.r.Intn(100))
	default:
		return g.nearlyUTF8()
	}
}

func (g *gen) location() []byte {
	switch g.r.Intn(6) {
	case 0, 1:
		return nil
	case 2:
		return []byte(fmt.Sprintf("https://svc%d.example.org/", g.r.Intn(1000)))
	case 3:
		return g.text(1 + g.r.Intn(40))
	case 4:
		return g.text(128 + g.r.Intn(40))
	default: // locations are Go strings: any bytes (JSON replaces invalid UTF-8 with U+FFFD)
		return g.nearlyUTF8()
	}
}

func (g *gen) condition() []byte {
	switch g.r.Intn(7) {
	case 0, 1, 2:
		return []byte(fmt.Sprintf("k%d=v%d", g.r.Intn(100), g.r.Int63()))
	case 3:
		return g.text(1 + g.r.Intn(60))
	case 4:
		if g.binary {
			return g.bytes(1 + g.r.Intn(60))
		}
		return g.text(1 + g.r.Intn(8))
	case 5:
		return g.text(128 + g.r.Intn(80))
	default:
		if g.binary {
			return g.nearlyUTF8()
		}
		return []byte("cond")
	}
}

func (g *gen) rootKey() []byte {
	if g.r.Intn(3) > 0 {
		return g.bytes(32)
	}
	return g.bytes(1 + g.r.Intn(64))
}

func (g *gen) spec(key, id []byte, depth int, maxCaveats int) macSpec {
	s := macSpec{Key: hex.EncodeToString(key), ID: hex.EncodeToString(id), Loc: hex.EncodeToString(g.location())}
	n := g.r.Intn(maxCaveats + 1)
	s.Caveats = []cavSpec{}
	for i := 0; i < n; i++ {
		if depth < 2 && g.r.Intn(8) == 0 {
			g.n++
			cid := append(g.identifier(), []byte(fmt.Sprintf("#%d", g.n))...)
			dkey := g.rootKey()
			d := g.spec(dkey, cid, depth+1, 3)
			s.Caveats = append(s.Caveats, cavSpec{
				Cid:       hex.EncodeToString(cid),
				Loc:       strp(hex.EncodeToString(g.location())),
				Nonce:     strp(hex.EncodeToString(g.bytes(24))),
				Discharge: &d,
			})
		} else {
			s.Caveats = append(s.Caveats, cavSpec{Cid: hex.EncodeToString(g.condition())})
		}
	}
	return s
}

func hexp(b []byte) *string { return strp(hex.EncodeToString(b)) }

func runMint(count int, seed int64, path string) error {
	g := gen{r: mrand.New(mrand.NewSource(seed))}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for i := 0; i < count; i++ {
		// A quarter of the macaroons may have binary first-party caveats (which pymacaroons
		// and npm macaroon cannot mint or check), the rest only UTF-8 ones.
		g.binary = g.r.Intn(4) == 0
		key, id := g.rootKey(), g.identifier()
		if g.r.Intn(100) == 0 { // up to the 16 KiB field limit; 16384 needs a 3-byte varint
			id = g.bytes(16000 + g.r.Intn(385))
		}
		spec := g.spec(key, id, 0, 12)
		m, err := mint(&spec)
		if err != nil {
			return err
		}
		bin, _ := m.MarshalBinary()
		js, _ := m.MarshalJSON()
		r := record{Name: fmt.Sprintf("go-%d", i), Oracle: "go-macaroon", Layout: "canonical",
			Spec: spec, Sig: hex.EncodeToString(m.Signature()), V2: hexp(bin), JSON: hexp(js),
			Discharges: []dischargeRecord{}, Conditions: []string{}}
		stack := macaroon.Slice{m}
		for _, ds := range dischargeSpecs(&spec, nil) {
			d, err := mint(ds)
			if err != nil {
				return err
			}
			dr := dischargeRecord{Sig: hex.EncodeToString(d.Signature())}
			d.Bind(m.Signature())
			dBin, _ := d.MarshalBinary()
			dJSON, _ := d.MarshalJSON()
			dr.BoundSig, dr.BoundV2, dr.BoundJSON = hex.EncodeToString(d.Signature()), hexp(dBin), hexp(dJSON)
			r.Discharges = append(r.Discharges, dr)
			stack = append(stack, d)
		}
		sb, _ := stack.MarshalBinary()
		r.Stack = hexp(sb)
		if fitsV1(&spec) {
			m1, err := mintVersion(&spec, macaroon.V1)
			if err != nil {
				return err
			}
			b1, err := m1.MarshalBinary()
			if err != nil {
				return err
			}
			j1, err := m1.MarshalJSON()
			if err != nil {
				return err
			}
			r.V1, r.JSONV1 = hexp(b1), hexp(j1)
		}
		conds, err := m.VerifySignature(unhex(spec.Key), stack[1:])
		if err != nil {
			return fmt.Errorf("go-macaroon cannot verify its own macaroon %s: %v", r.Name, err)
		}
		for _, c := range conds {
			r.Conditions = append(r.Conditions, hex.EncodeToString([]byte(c)))
		}
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Printf("go-macaroon minted %d macaroons (seed %d) into %s\n", count, seed, path)
	return nil
}

// ---- published vectors

func selftest() error {
	expect := func(what string, got []byte, want string) error {
		if hex.EncodeToString(got) != want {
			return fmt.Errorf("selftest %s: got %x, want %s", what, got, want)
		}
		return nil
	}
	// TV1 (libmacaroons README)
	m, _ := macaroon.New([]byte("this is our super secret key; only we should know it"),
		[]byte("we used our secret key"), "http://mybank/", macaroon.V2)
	if err := expect("TV1 sig0", m.Signature(), "e3d9e02908526c4c0039ae15114115d97fdd68bf2ba379b342aaf0f617d0552f"); err != nil {
		return err
	}
	m.AddFirstPartyCaveat([]byte("account = 3735928559"))
	m.AddFirstPartyCaveat([]byte("time < 2020-01-01T00:00"))
	m.AddFirstPartyCaveat([]byte("email = alice@example.org"))
	if err := expect("TV1 sig3", m.Signature(), "ddf553e46083e55b8d71ab822be3d8fcf21d6bf19c40d617bb9fb438934474b6"); err != nil {
		return err
	}
	// TV3 (libmacaroons root_v2_1 / caveat_v2_4)
	m, _ = macaroon.New([]byte("this is the key"), []byte("keyid"), "http://example.org/", macaroon.V2)
	b, _ := m.MarshalBinary()
	if err := expect("TV3 no caveats", b, "020113687474703a2f2f6578616d706c652e6f72672f02056b65796964000006207cdee792511c5bc6f528485805dfe9b24e785e28e2a99301f9d711c609e38ef7"); err != nil {
		return err
	}
	m.AddFirstPartyCaveat([]byte("account = 3735928559"))
	m.AddFirstPartyCaveat([]byte("user = alice"))
	if err := expect("TV3 two caveats", m.Signature(), "4be967cd1ea0c6b26baf6a4a94ee9b05b15886da0ba85e8c42a93c8d0e125efc"); err != nil {
		return err
	}
	// TV4 (third-party caveat with a zero nonce) and TV5 (discharge and binding)
	m, _ = macaroon.New([]byte("this is a different super-secret key; never use the same secret twice"),
		[]byte("we used our other secret key"), "http://mybank/", macaroon.V2)
	m.AddFirstPartyCaveat([]byte("account = 3735928559"))
	zero := strp(hex.EncodeToString(make([]byte, 24)))
	tpKey := "4; guaranteed random by a fair toss of the dice"
	cid := "this was how we remind auth of key/pred"
	if err := addThirdParty(m, cavSpec{Cid: hex.EncodeToString([]byte(cid)),
		Loc: strp(hex.EncodeToString([]byte("http://auth.mybank/"))), Nonce: zero,
		Discharge: &macSpec{Key: hex.EncodeToString([]byte(tpKey))}}); err != nil {
		return err
	}
	b, _ = m.MarshalBinary()
	if err := expect("TV4 V2", b, "02010e687474703a2f2f6d7962616e6b2f021c77652075736564206f7572206f7468657220736563726574206b65790002146163636f756e74203d20333733353932383535390001136874"+
		"74703a2f2f617574682e6d7962616e6b2f0227746869732077617320686f772077652072656d696e642061757468206f66206b65792f707265640448000000000000000000000000000000000000000000000000d36ec502e05886d1f0279f055fa5255"+
		"4d16d16c1b14074bbb83ff0fdd79dc2fe098f0ed4a2b091130e6b5db46a20a86b00000620d27db2fd1f22760e4c3dae8137e2d8fc1df6c0741c18aed4b97256bf78d1f55c"); err != nil {
		return err
	}
	js, _ := m.MarshalJSON()
	if want := `{"c":[{"i":"account = 3735928559"},{"i":"this was how we remind auth of key/pred","v64":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA027FAuBYhtHwJ58FX6UlVNFtFsGxQHS7uD_w_dedwv4Jjw7UorCREw5rXbRqIKhr","l":"http://auth.mybank/"}],"l":"http://mybank/","i":"we used our other secret key","s64":"0n2y_R8idg5MPa6BN-LY_B32wHQcGK7UuXJWv3jR9Vw"}`; string(js) != want {
		return fmt.Errorf("selftest TV4 JSON: got %s", js)
	}
	d, _ := macaroon.New([]byte(tpKey), []byte(cid), "http://auth.mybank/", macaroon.V2)
	d.AddFirstPartyCaveat([]byte("time < 2020-01-01T00:00"))
	if err := expect("TV5 discharge", d.Signature(), "2ed1049876e9d5840950274b579b0770317df54d338d9d3039c7c67d0d91d63c"); err != nil {
		return err
	}
	d.Bind(m.Signature())
	if err := expect("TV5 bound", d.Signature(), "d115ef1c133b1126978d5ab27f69d99ba9d0468cd6c1b7e47b8c1c59019cb019"); err != nil {
		return err
	}
	if _, err := m.VerifySignature([]byte("this is a different super-secret key; never use the same secret twice"), []*macaroon.Macaroon{d}); err != nil {
		return fmt.Errorf("selftest TV4/TV5 verify: %v", err)
	}
	// Section 7.3: synthetic L402 token
	m, _ = macaroon.New(unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
		unhex("000072dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084fed74b3ef24820f440601eff5bfb42bef4d615c4948cec8aca3cb15bd23f1013"),
		"lsat", macaroon.V2)
	for _, c := range []string{"services=myservice:0", "myservice_capabilities=add,subtract", "myservice_valid_until=4102444800"} {
		m.AddFirstPartyCaveat([]byte(c))
	}
	if err := expect("7.3 L402 token", m.Signature(), "5d75adca880a78146844ce92ce7d659e77a7751fb68558086d8c02c29f3b8d89"); err != nil {
		return err
	}
	return nil
}

func main() {
	start := time.Now()
	err := selftest()
	if err == nil && len(os.Args) >= 2 {
		switch {
		case os.Args[1] == "selftest" && len(os.Args) == 2:
			fmt.Println("go-macaroon selftest passed")
		case os.Args[1] == "check" && len(os.Args) == 3:
			err = runCheck(os.Args[2])
		case os.Args[1] == "mint" && len(os.Args) == 5:
			var count int
			var seed int64
			count, err = strconv.Atoi(os.Args[2])
			if err == nil {
				seed, err = strconv.ParseInt(os.Args[3], 10, 64)
			}
			if err == nil {
				err = runMint(count, seed, os.Args[4])
			}
		default:
			err = errors.New("usage: oracle selftest | check FILE | mint COUNT SEED FILE")
		}
	} else if err == nil {
		err = errors.New("usage: oracle selftest | check FILE | mint COUNT SEED FILE")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-macaroon oracle: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("go-macaroon oracle done in %.2fs\n", time.Since(start).Seconds())
}

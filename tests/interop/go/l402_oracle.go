// Interop oracle for L402 challenges and credentials on go-macaroon (gopkg.in/macaroon.v2),
// reading them the way Aperture's Go code does (l402-protocol.md 1.2, 1.3, 3.1, 8).
//
// Built in GOPATH mode against Debian's golang-gopkg-macaroon.v2-dev (see ../CMakeLists.txt).
// The record and token formats are described in ../README.md.
//
//	l402_oracle selftest              the section 7.3 token (l402-protocol.md)
//	l402_oracle check FILE TOKENS     check the challenges our Authority minted (FILE) and write
//	                                  the credentials Aperture's client would send (TOKENS)
//
// For every record:
//  1. Aperture's client regex `(LSAT|L402) macaroon="(.*?)", invoice="(.*?)"` over the
//     WWW-Authenticate values in order (first match wins), strict standard base64
//     (base64.StdEncoding), UnmarshalBinary: macaroon and invoice must be ours.
//  2. The identifier decoded as Aperture's l402.DecodeIdentifier reads it (uint16 version,
//     payment hash, token ID) must be ours, and sha256(preimage) the payment hash.
//  3. VerifySignature with our derived root key returns our caveats in order; a wrong root
//     key fails.
//  4. Aperture's server regex `(LSAT|L402) (.*?):([a-f0-9]{64})` on the Authorization value
//     our format_authorization writes, strict base64 and UnmarshalBinary: our macaroon and
//     preimage.
//  5. It writes what Aperture's client sends for TOKENS: SetHeader's two Authorization lines
//     (LSAT, then L402) and PaidMacaroon's gRPC form (the macaroon plus a
//     `preimage=<hex>` caveat, in hex), which our Authority must accept.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	macaroon "gopkg.in/macaroon.v2"
)

type record struct {
	Name          string   `json:"name"`
	HeaderValues  []string `json:"header_values"`
	MacaroonB64   string   `json:"macaroon_b64"`
	Invoice       string   `json:"invoice"`
	PaymentHash   string   `json:"payment_hash"`
	TokenID       string   `json:"token_id"`
	Identifier    string   `json:"identifier"`
	Signature     string   `json:"signature"`
	Preimage      string   `json:"preimage"`
	RootKey       string   `json:"root_key"`
	WrongRootKey  string   `json:"wrong_root_key"`
	Caveats       []string `json:"caveats"`
	Authorization string   `json:"authorization"`
}

type token struct {
	Name                 string   `json:"name"`
	Authorization        []string `json:"authorization"`
	PendingAuthorization *string  `json:"pending_authorization"`
	MacaroonHex          *string  `json:"macaroon_hex"`
}

// Aperture l402/client_interceptor.go and l402/header.go.
var (
	challengeRegex     = regexp.MustCompile(`(LSAT|L402) macaroon="(.*?)", invoice="(.*?)"`)
	authorizationRegex = regexp.MustCompile(`(LSAT|L402) (.*?):([a-f0-9]{64})`)
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("bad hex %q: %v", s, err))
	}
	return b
}

// The client side of Aperture: the first WWW-Authenticate value its regex matches.
func readChallenge(values []string) (*macaroon.Macaroon, string, error) {
	for _, value := range values {
		match := challengeRegex.FindStringSubmatch(value)
		if len(match) != 4 {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(match[2])
		if err != nil {
			return nil, "", fmt.Errorf("strict base64: %v", err)
		}
		m := &macaroon.Macaroon{}
		if err := m.UnmarshalBinary(raw); err != nil {
			return nil, "", err
		}
		return m, match[3], nil
	}
	return nil, "", errors.New("no WWW-Authenticate value matches Aperture's regex")
}

// The server side of Aperture's Authorization parsing.
func readAuthorization(value string) (*macaroon.Macaroon, string, error) {
	match := authorizationRegex.FindStringSubmatch(value)
	if len(match) != 4 {
		return nil, "", errors.New("does not match Aperture's Authorization regex")
	}
	raw, err := base64.StdEncoding.DecodeString(match[2])
	if err != nil {
		return nil, "", fmt.Errorf("strict base64: %v", err)
	}
	m := &macaroon.Macaroon{}
	if err := m.UnmarshalBinary(raw); err != nil {
		return nil, "", err
	}
	return m, match[3], nil
}

// Aperture's l402.DecodeIdentifier: version, payment hash, token ID.
func decodeIdentifier(id []byte) (uint16, []byte, []byte, error) {
	if len(id) != 66 {
		return 0, nil, nil, fmt.Errorf("identifier of %d bytes", len(id))
	}
	return binary.BigEndian.Uint16(id[:2]), id[2:34], id[34:], nil
}

func checkRecord(r *record) (*token, error) {
	m, invoice, err := readChallenge(r.HeaderValues)
	if err != nil {
		return nil, fmt.Errorf("challenge: %v", err)
	}
	if invoice != r.Invoice {
		return nil, fmt.Errorf("invoice %s, want %s", invoice, r.Invoice)
	}
	raw, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(raw) != r.MacaroonB64 {
		return nil, errors.New("macaroon re-serialises differently")
	}
	if hex.EncodeToString(m.Id()) != r.Identifier || hex.EncodeToString(m.Signature()) != r.Signature {
		return nil, errors.New("identifier or signature differ")
	}
	version, hash, tokenID, err := decodeIdentifier(m.Id())
	if err != nil {
		return nil, err
	}
	if version != 0 || hex.EncodeToString(hash) != r.PaymentHash || hex.EncodeToString(tokenID) != r.TokenID {
		return nil, errors.New("identifier decodes differently")
	}
	preimageHash := sha256.Sum256(unhex(r.Preimage))
	if !bytes.Equal(preimageHash[:], hash) {
		return nil, errors.New("sha256(preimage) is not the payment hash")
	}
	conditions, err := m.VerifySignature(unhex(r.RootKey), nil)
	if err != nil {
		return nil, fmt.Errorf("VerifySignature: %v", err)
	}
	got, _ := json.Marshal(conditions)
	want, _ := json.Marshal(r.Caveats)
	if !bytes.Equal(got, want) {
		return nil, fmt.Errorf("caveats %s, want %s", got, want)
	}
	if _, err := m.VerifySignature(unhex(r.WrongRootKey), nil); err == nil {
		return nil, errors.New("verified with a wrong root key")
	}

	sent, preimage, err := readAuthorization(r.Authorization)
	if err != nil {
		return nil, fmt.Errorf("our Authorization value: %v", err)
	}
	if !bytes.Equal(sent.Signature(), m.Signature()) || preimage != r.Preimage {
		return nil, errors.New("our Authorization value carries another macaroon or preimage")
	}

	// What Aperture's client sends: SetHeader (HTTP) and PaidMacaroon (gRPC metadata).
	b64 := base64.StdEncoding.EncodeToString(raw)
	paid := m.Clone()
	if err := paid.AddFirstPartyCaveat([]byte("preimage=" + r.Preimage)); err != nil {
		return nil, err
	}
	paidRaw, err := paid.MarshalBinary()
	if err != nil {
		return nil, err
	}
	paidHex := hex.EncodeToString(paidRaw)
	return &token{
		Name:          r.Name,
		Authorization: []string{"LSAT " + b64 + ":" + r.Preimage, "L402 " + b64 + ":" + r.Preimage},
		MacaroonHex:   &paidHex,
	}, nil
}

func runCheck(recordsPath, tokensPath string) error {
	in, err := os.Open(recordsPath)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(tokensPath)
	if err != nil {
		return err
	}
	defer out.Close()
	writer := bufio.NewWriter(out)
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	failures, n := 0, 0
	for scanner.Scan() {
		if len(scanner.Bytes()) == 0 {
			continue
		}
		n++
		var r record
		if err := json.Unmarshal(scanner.Bytes(), &r); err != nil {
			return fmt.Errorf("record %d: %v", n, err)
		}
		t, err := checkRecord(&r)
		if err != nil {
			failures++
			if failures <= 20 {
				fmt.Fprintf(os.Stderr, "%s: %v\n", r.Name, err)
			}
			continue
		}
		line, _ := json.Marshal(t)
		writer.Write(line)
		writer.WriteByte('\n')
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	if err := writer.Flush(); err != nil {
		return err
	}
	if failures > 0 {
		return fmt.Errorf("%d disagreements in %d records", failures, n)
	}
	fmt.Printf("go-macaroon (read as Aperture reads) agrees on %d challenges\n", n)
	return nil
}

// l402-protocol.md 7.3.
func selftest() error {
	const (
		rootKey  = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		preimage = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		mac      = "AgEEbHNhdAJCAABy27czbHZ4ACP4PaTDVfLu6oVzOxPTR3aXkXeQwSKQhP7XSz7ySCD0QGAe/1v7Qr701hXElIzsiso8sVvSPxATAAIUc2VydmljZXM9bXlzZXJ2aWNlOjAAAiNteXNlcnZpY2VfY2FwYWJpbGl0aWVzPWFkZCxzdWJ0cmFjdAACIG15c2VydmljZV92YWxpZF91bnRpbD00MTAyNDQ0ODAwAAAGIF11rcqICngUaETOks59ZZ53p3UftoVYCG2MAsKfO42J"
		paidSig  = "4c19260678e6ed22c195b3ad473513e4bba1814784b9e9e06c31cfa3eddf49cd"
	)
	m, invoice, err := readChallenge([]string{`L402 macaroon="` + mac + `", invoice="lnbc1"`})
	if err != nil || invoice != "lnbc1" {
		return fmt.Errorf("selftest challenge: %v", err)
	}
	if _, err := m.VerifySignature(unhex(rootKey), nil); err != nil {
		return fmt.Errorf("selftest verify: %v", err)
	}
	if _, pre, err := readAuthorization("L402 " + mac + ":" + preimage); err != nil || pre != preimage {
		return fmt.Errorf("selftest authorization: %v", err)
	}
	// Aperture's regex wants a lower-case preimage.
	if _, _, err := readAuthorization("L402 " + mac + ":" + strings.ToUpper(preimage)); err == nil {
		return errors.New("selftest: an upper-case preimage matched Aperture's regex")
	}
	paid := m.Clone()
	paid.AddFirstPartyCaveat([]byte("preimage=" + preimage))
	if hex.EncodeToString(paid.Signature()) != paidSig {
		return errors.New("selftest: the preimage-caveat form's signature differs")
	}
	return nil
}

func main() {
	start := time.Now()
	err := selftest()
	if err == nil {
		switch {
		case len(os.Args) == 2 && os.Args[1] == "selftest":
			fmt.Println("go-macaroon L402 selftest passed")
		case len(os.Args) == 4 && os.Args[1] == "check":
			err = runCheck(os.Args[2], os.Args[3])
		default:
			err = errors.New("usage: l402_oracle selftest | check FILE TOKENS")
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-macaroon L402 oracle: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("go-macaroon L402 oracle done in %.2fs\n", time.Since(start).Seconds())
}

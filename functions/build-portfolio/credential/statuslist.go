package credential

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
)

// StatusListBits is the length of a status list: 131,072 entries (16 KiB),
// the minimum the Bitstring Status List sets so that one credential's
// entry hides among many.
const StatusListBits = 131072

// EncodeStatusList is a bitstring (StatusListBits/8 bytes, index 0 the
// left-most bit of byte 0) as an encodedList: multibase base64url without
// padding ("u") of its GZIP compression.
func EncodeStatusList(bits []byte) (string, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeStatusList reads an encodedList back into the bitstring.
func DecodeStatusList(s string) ([]byte, error) {
	if len(s) < 2 || s[0] != 'u' {
		return nil, errors.New("status list: not multibase base64url")
	}
	z, err := base64.RawURLEncoding.DecodeString(s[1:])
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	bits, err := io.ReadAll(io.LimitReader(zr, StatusListBits/8*8+1))
	if err != nil {
		return nil, err
	}
	if len(bits) < StatusListBits/8 {
		return nil, errors.New("status list: shorter than 131,072 entries")
	}
	return bits, nil
}

// BitAt reports whether entry index of bits is set.
func BitAt(bits []byte, index int) bool {
	if index < 0 || index/8 >= len(bits) {
		return false
	}
	return bits[index/8]&(0x80>>(index%8)) != 0
}

// SetBit sets entry index of bits.
func SetBit(bits []byte, index int) {
	if index >= 0 && index/8 < len(bits) {
		bits[index/8] |= 0x80 >> (index % 8)
	}
}

// StatusEntry is a credential's credentialStatus: entry index of the
// revocation list at listURL.
func StatusEntry(listURL string, index int) map[string]any {
	return map[string]any{
		"id":                   listURL + "#" + strconv.Itoa(index),
		"type":                 "BitstringStatusListEntry",
		"statusPurpose":        "revocation",
		"statusListIndex":      strconv.Itoa(index),
		"statusListCredential": listURL,
	}
}

// StatusListCredential is the (unsigned) BitstringStatusListCredential of
// the revocation list at listURL, issued by issuer (its URL), with encoded
// entries.
func StatusListCredential(listURL, issuer, validFrom, encoded string) map[string]any {
	return map[string]any{
		"@context":  []any{ContextVC2},
		"id":        listURL,
		"type":      []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":    issuer,
		"validFrom": validFrom,
		"credentialSubject": map[string]any{
			"id":            listURL + "#list",
			"type":          "BitstringStatusList",
			"statusPurpose": "revocation",
			"encodedList":   encoded,
		},
	}
}

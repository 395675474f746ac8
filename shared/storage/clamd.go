package storage

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Clamd is a client of ClamAV's daemon over its INSTREAM protocol (the Go
// clients on the module proxy are unmaintained): a stream of length-prefixed
// chunks on one connection, answered with «stream: OK» or
// «stream: <signature> FOUND».
type Clamd struct {
	network, address string
	timeout          time.Duration
}

// clamdChunk is how much one INSTREAM chunk carries (clamd's StreamMaxLength
// bounds the whole stream, 25 MiB by default: more than any file EKO keeps).
const clamdChunk = 64 << 10

// ErrScannerDown is a scan that could not be made: clamd did not answer.
var ErrScannerDown = errors.New("clamd unavailable")

// NewClamd is the client of the clamd at address: "unix:/path" or host:port.
func NewClamd(address string) *Clamd {
	c := &Clamd{network: "tcp", address: address, timeout: time.Minute}
	if p, ok := strings.CutPrefix(address, "unix:"); ok {
		c.network, c.address = "unix", p
	}
	return c
}

// scan streams r to clamd and returns the name of the signature found, ""
// for a clean stream; ErrScannerDown (wrapped) when clamd cannot be asked.
func (c *Clamd) scan(ctx context.Context, r io.Reader) (string, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, c.network, c.address)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrScannerDown, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write([]byte("zINSTREAM\x00")); err != nil {
		return "", fmt.Errorf("%w: %v", ErrScannerDown, err)
	}
	buf := make([]byte, 4+clamdChunk)
	for {
		n, rerr := io.ReadFull(r, buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf[:4], uint32(n))
			if _, err := conn.Write(buf[:4+n]); err != nil {
				return "", fmt.Errorf("%w: %v", ErrScannerDown, err)
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return "", fmt.Errorf("scan: read: %w", rerr)
		}
	}
	if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil {
		return "", fmt.Errorf("%w: %v", ErrScannerDown, err)
	}
	reply, err := bufio.NewReader(conn).ReadString(0)
	if err != nil && reply == "" {
		return "", fmt.Errorf("%w: %v", ErrScannerDown, err)
	}
	reply = strings.TrimRight(reply, "\x00\n")
	switch {
	case strings.HasSuffix(reply, " OK"):
		return "", nil
	case strings.HasSuffix(reply, " FOUND"):
		name := strings.TrimSuffix(strings.TrimPrefix(reply, "stream: "), " FOUND")
		return name, nil
	}
	return "", fmt.Errorf("%w: clamd answered %q", ErrScannerDown, reply)
}

// Package loopback gives the end-to-end tests addresses on this machine for
// the processes they start.
package loopback

import (
	"net"
	"strconv"
	"testing"
)

// Port is a TCP port free on 127.0.0.1 a moment ago, for a process the test
// starts (another may take it first: rare on loopback).
func Port(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is "127.0.0.1:<Port>".
func Addr(t testing.TB) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(Port(t)))
}

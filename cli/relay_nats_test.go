package cli

import (
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRelayNATSFlags: the JetStream backend's flags are checked before
// anything is opened, and a NATS that does not answer stops the relay
// with one clear line and exit 1; in every case nothing is written (no
// data folder, nothing under the XDG folder).
func TestRelayNATSFlags(t *testing.T) {
	xdg := testEnv(t)
	closed := freeLoopbackAddr(t) // nothing listens there
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unreachable", []string{"--nats", "nats://" + closed}, exitFailure, "cannot use NATS JetStream at nats://" + closed},
		{"not a URL", []string{"--nats", "localhost"}, exitUsage, "is not a nats://HOST:PORT URL"},
		{"no port", []string{"--nats", "nats://127.0.0.1"}, exitUsage, "needs a host and a port"},
		{"http", []string{"--nats", "http://127.0.0.1:4222"}, exitUsage, "is not a nats://HOST:PORT URL"},
		{"password in URL", []string{"--nats", "nats://u:secret@127.0.0.1:4222"}, exitUsage, "--nats-creds"},
		{"path", []string{"--nats", "nats://127.0.0.1:4222/x"}, exitUsage, "more than a host and a port"},
		{"with --data", []string{"--nats", "nats://" + closed, "--data", filepath.Join(xdg, "relay")}, exitUsage, "--data is the SQLite backend's folder"},
		{"replicas 0", []string{"--nats", "nats://" + closed, "--nats-replicas", "0"}, exitUsage, "--nats-replicas 0"},
		{"partitions -1", []string{"--nats", "nats://" + closed, "--nats-partitions", "-1"}, exitUsage, "--nats-partitions -1"},
		{"partitions over 65536", []string{"--nats", "nats://" + closed, "--nats-partitions", "65537"}, exitUsage, "--nats-partitions 65537"},
		{"replicas without --nats", []string{"--data", filepath.Join(xdg, "relay"), "--nats-replicas", "3"}, exitUsage, "go with --nats"},
		{"missing creds", []string{"--nats", "nats://" + closed, "--nats-creds", filepath.Join(xdg, "none.creds")}, exitFailure, "--nats-creds"},
		{"neither", nil, exitUsage, "--data DIR (or --nats URLS)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runArgs(append([]string{"relay", "--listen", "127.0.0.1:0"}, c.args...)...)
			check(t, r, c.code, "", c.stderr)
			if entries, err := os.ReadDir(xdg); err != nil || len(entries) != 0 {
				t.Fatalf("the relay wrote %v (%v)", entries, err)
			}
		})
	}
	if r := runArgs("relay", "--help"); !strings.Contains(r.stdout+r.stderr, "--nats-partitions") {
		t.Errorf("relay --help does not list --nats-partitions: %q", r.stdout)
	}
}

// TestParseNATSURLs: a cluster's URLs are split and kept in order.
func TestParseNATSURLs(t *testing.T) {
	got, err := parseNATSURLs("nats://10.0.0.1:4222, nats://10.0.0.2:4222,tls://[::1]:4222")
	want := []string{"nats://10.0.0.1:4222", "nats://10.0.0.2:4222", "tls://[::1]:4222"}
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if _, err := parseNATSURLs(strings.Repeat("nats://h:1,", maxNATSURLs) + "nats://h:1"); err == nil {
		t.Fatalf("%d URLs accepted", maxNATSURLs+1)
	}
}

// FuzzParseNATSURLs: whatever --nats holds, the parser either refuses it
// with a usage error or returns 1 to maxNATSURLs URLs, each nats:// or
// tls:// with a host and a port and no credentials, that parse again to
// themselves.
func FuzzParseNATSURLs(f *testing.F) {
	for _, s := range []string{"nats://127.0.0.1:4222", "nats://a:1,nats://b:2", "tls://[::1]:4222", "", ",",
		"nats://u:p@h:1", "nats://h", "nats://h:1/x?y#z", "nats:h:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		urls, err := parseNATSURLs(s)
		if err != nil {
			var u *usageError
			if !errors.As(err, &u) {
				t.Fatalf("%q: error %v is not a usage error", s, err)
			}
			return
		}
		if len(urls) < 1 || len(urls) > maxNATSURLs {
			t.Fatalf("%q: %d URLs", s, len(urls))
		}
		for _, raw := range urls {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.User != nil || u.Host == "" || u.String() != raw {
				t.Fatalf("%q: returned %q (%v)", s, raw, err)
			}
		}
	})
}

// freeLoopbackAddr returns a loopback address where nothing listened a
// moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

package chat

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkSendToStored times one text message from Send on one profile
// to MessageReceived (decrypted and committed) on the other, over loopback
// in peer mode, one message at a time. It reports p50 and p99.
func BenchmarkSendToStored(b *testing.B) {
	alice, bob := benchProfiles(b)
	ab, _ := connect(b, alice, bob)
	ctx := context.Background()
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		text := fmt.Sprintf("bench %d", i)
		start := time.Now()
		if _, err := alice.m.Send(ctx, ab.ID, text); err != nil {
			b.Fatal(err)
		}
		bob.waitText(text)
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// BenchmarkFile16MB times a 16 MB file from SendFile to FileReceived.
func BenchmarkFile16MB(b *testing.B) {
	alice, bob := benchProfiles(b)
	ab, _ := connect(b, alice, bob)
	data := make([]byte, 16<<20)
	rand.Read(data)
	path := filepath.Join(b.TempDir(), "file.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := alice.m.SendFile(context.Background(), ab.ID, path, nil); err != nil {
			b.Fatal(err)
		}
		bob.waitFor("file", time.Minute, func(e Event) bool { _, ok := e.(FileReceived); return ok })
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

func benchProfiles(b *testing.B) (*profile, *profile) {
	return newProfile(b, "alice", ""), newProfile(b, "bob", "")
}

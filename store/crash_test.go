package store

import (
	"bufio"
	"bytes"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// helperWriter inserts messages into contact 1 of the profile in dir until
// killed, alternating single inserts and batches of five, and prints each
// message number to stdout after its transaction committed.
func helperWriter(dir string) int {
	s, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		return 3
	}
	for n := 0; ; {
		batch := 1 + 4*(n%2)
		var ms []Message
		for i := range batch {
			m := testMessage(1, n+i)
			m.Body = bytes.Repeat([]byte{byte(n + i)}, 700)
			ms = append(ms, m)
		}
		if _, err := s.InsertMessages(bg, ms); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			return 4
		}
		for i := range batch {
			fmt.Println(n + i)
		}
		n += batch
	}
}

// TestCrashSafety kills a writing child process with SIGKILL and checks
// that the database is intact and holds every message the child reported
// committed.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process; skipped in -short mode")
	}
	s, dir := newTestStore(t)
	if id := addTestContact(t, s, 1, "bob"); id != 1 {
		t.Fatalf("contact id %d, want 1", id)
	}
	s.Close()

	cmd := helperCmd(t, "writer", dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	committed := map[int]bool{}
	lines := readLines(bufio.NewScanner(out))
	deadline := time.After(20 * time.Second)
	for len(committed) < 400 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("writer stopped after %d messages", len(committed))
			}
			n, err := strconv.Atoi(l)
			if err != nil {
				t.Fatalf("writer printed %q", l)
			}
			committed[n] = true
		case <-deadline:
			t.Fatalf("writer committed only %d messages in 20 s", len(committed))
		}
	}
	// Kill mid-loop, at a random point: the child keeps writing meanwhile.
	time.Sleep(time.Duration(mathrand.IntN(20_000)) * time.Microsecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for l := range lines { // lines printed before the kill landed
		if n, err := strconv.Atoi(l); err == nil {
			committed[n] = true
		}
	}
	cmd.Wait()
	checkAfterCrash(t, dir, committed)
}

// checkAfterCrash reopens the profile and checks its integrity and that
// every committed message is there and decrypts.
func checkAfterCrash(t *testing.T, dir string, committed map[int]bool) {
	t.Helper()
	s, err := Open(dir, testPass, WithKDF(testKDF))
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	var res string
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q, %v", res, err)
	}
	if rows, err := s.db.Query(`PRAGMA foreign_key_check`); err != nil || rows.Next() {
		t.Fatalf("foreign key violations after crash (%v)", err)
	}
	for n := range committed {
		m, err := s.Message(bg, 1, msgID(n))
		if err != nil {
			t.Fatalf("committed message %d: %v", n, err)
		}
		if len(m.Body) != 700 || m.Body[0] != byte(n) {
			t.Fatalf("message %d has a wrong body", n)
		}
	}
	var total int
	s.db.QueryRow(`SELECT count(*) FROM messages`).Scan(&total)
	if total < len(committed) {
		t.Fatalf("%d messages stored, %d reported committed", total, len(committed))
	}
	t.Logf("%d messages reported committed, %d stored", len(committed), total)
}

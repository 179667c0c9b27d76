package e2e

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startProcess runs a long-lived command (`ratchat serve`, an example
// script) with env until the test ends (SIGTERM, then a kill), and waits
// until a line of its standard error contains ready.
func startProcess(t *testing.T, env []string, ready string, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	seen := make(chan struct{})
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n") // read only after exited
			if !once && strings.Contains(sc.Text(), ready) {
				once = true
				close(seen)
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(waitLimit):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("%s:\n%s", filepath.Base(argv[len(argv)-1]), log.String())
		}
	})
	select {
	case <-seen:
	case err := <-exited:
		t.Fatalf("%v exited (%v) before %q:\n%s", argv, err, ready, log.String())
	case <-time.After(waitLimit):
		t.Fatalf("%v: no %q within %v", argv, ready, waitLimit)
	}
}

// TestExamplesSupportBot runs examples/support-bot.py against a real
// business endpoint: `ratchat serve --http` on a profile behind a relay,
// an admin token made while it runs, and a customer who writes first (a
// stranger: a message request). The bot takes the conversation and
// answers the question through the HTTP api, and the customer receives
// the answer as a reply to its question.
func TestExamplesSupportBot(t *testing.T) {
	requireTools(t, "python3")
	bin := buildBinary(t)
	relay := startRelay(t, bin)
	shop, carol := newProfile(t, bin, "Shop"), newProfile(t, bin, "Carol")
	invite := shop.initProfile("--relay", relay)
	carol.initProfile("--relay", relay)

	addr := freePort(t)
	startProcess(t, shop.env, "http api listening", bin, "serve", "--data", shop.data, "--http", addr)
	token := strings.TrimSpace(shop.ratchat("token", "create", "--role", "admin", "--name", "bot"))
	if !strings.HasPrefix(token, "rct_") {
		t.Fatalf("token create printed %q", token)
	}
	bot, err := filepath.Abs("../examples/support-bot.py")
	if err != nil {
		t.Fatal(err)
	}
	botEnv := append([]string{"RATCHAT_URL=http://" + addr, "RATCHAT_TOKEN=" + token, "PYTHONUNBUFFERED=1"}, shop.env...)
	startProcess(t, botEnv, "support-bot: answering", "python3", bot)

	startProcess(t, carol.env, "serving", bin, "serve", "--data", carol.data)
	carol.ratchat("add", invite, "--name", "Shop")
	carol.ratchat("send", "Shop", "hello, what are your opening hours?")

	// Wait (bounded) for the bot's answer in Carol's chat.
	deadline := time.Now().Add(waitLimit)
	for {
		var hist []struct{ ID, Direction, Text, Quote string }
		out := carol.ratchat("messages", "Shop", "-n", "20", "--json")
		if err := json.Unmarshal([]byte(out), &hist); err != nil || len(hist) == 0 {
			t.Fatalf("messages --json: %v\n%s", err, out)
		}
		for _, m := range hist[1:] {
			if m.Direction == "in" && strings.Contains(m.Text, "Monday to Friday") {
				if m.Quote != hist[0].ID {
					t.Fatalf("the answer quotes %q, not the question %q", m.Quote, hist[0].ID)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer from the bot within %v; Carol's chat: %s", waitLimit, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

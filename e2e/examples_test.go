package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startProcess runs a long-lived command (`ratchat serve`, an example
// script) with env until the test ends (SIGTERM, then a kill), and waits
// until a line of its standard error contains ready. kill ends it at once
// (SIGKILL, as a crash) and waits for it.
func startProcess(t *testing.T, env []string, ready string, argv ...string) (kill func()) {
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
	done := make(chan struct{})
	seen := make(chan struct{})
	var log strings.Builder
	var exitErr error
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n") // read only after done
			if !once && strings.Contains(sc.Text(), ready) {
				once = true
				close(seen)
			}
		}
		exitErr = cmd.Wait()
		close(done)
	}()
	stop := func(sig os.Signal) {
		cmd.Process.Signal(sig) // an error only if it has ended already
		select {
		case <-done:
		case <-time.After(waitLimit):
			cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(func() {
		stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("%s:\n%s", filepath.Base(argv[len(argv)-1]), log.String())
		}
	})
	select {
	case <-seen:
	case <-done:
		t.Fatalf("%v exited (%v) before %q:\n%s", argv, exitErr, ready, log.String())
	case <-time.After(waitLimit):
		t.Fatalf("%v: no %q within %v", argv, ready, waitLimit)
	}
	return func() { stop(syscall.SIGKILL) }
}

// TestExamplesSupportBot runs examples/support-bot.py against a real
// business endpoint: `ratchat serve --http` on a profile behind a relay,
// an admin token made while it runs, and a customer who writes first (a
// stranger: a message request). The bot takes the conversation and
// answers the question through the HTTP api, and the customer receives
// the answer as a reply to its question. Then serve is killed and started
// again: the bot, still running, answers the next question.
func TestExamplesSupportBot(t *testing.T) {
	requireTools(t, "python3")
	bin := buildBinary(t)
	relay := startRelay(t, bin)
	shop, carol := newProfile(t, bin, "Shop"), newProfile(t, bin, "Carol")
	invite := shop.initProfile("--relay", relay)
	carol.initProfile("--relay", relay)

	addr := freePort(t)
	killShop := startProcess(t, shop.env, "http api listening", bin, "serve", "--data", shop.data, "--http", addr)
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
	waitAnswer(t, carol, "Monday to Friday")

	// ratchat dies under the bot and comes back: the bot goes on from its
	// cursor and answers the next question.
	killShop()
	startProcess(t, shop.env, "http api listening", bin, "serve", "--data", shop.data, "--http", addr)
	carol.ratchat("send", "Shop", "and how long does a refund take?")
	waitAnswer(t, carol, "5 working days")
}

// waitAnswer waits (bounded) for an incoming message in the customer's
// chat with the shop that contains text and quotes the customer's last
// question before it.
func waitAnswer(t *testing.T, customer *profile, text string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		var hist []struct{ ID, Direction, Text, Quote string }
		out := customer.ratchat("messages", "Shop", "-n", "20", "--json")
		if err := json.Unmarshal([]byte(out), &hist); err != nil || len(hist) == 0 {
			t.Fatalf("messages --json: %v\n%s", err, out)
		}
		question := ""
		for _, m := range hist {
			switch {
			case m.Direction == "out":
				question = m.ID
			case strings.Contains(m.Text, text):
				if m.Quote != question {
					t.Fatalf("the answer %q quotes %q, not the question %q", m.Text, m.Quote, question)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer with %q within %v; the chat: %s", text, waitLimit, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

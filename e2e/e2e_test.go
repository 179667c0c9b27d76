package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ratchat/transport"
)

// passphrase is what both people type at onboarding.
const passphrase = "correct horse battery"

// person is one ratchat process and what the test learned from its screen.
type person struct {
	*pane
	name   string
	invite string
}

// startPerson runs ratchat for a new profile in its own tmux session.
func startPerson(t *testing.T, tm *tmuxServer, bin, name string) *person {
	t.Helper()
	dir := t.TempDir()
	env := []string{
		"HOME=" + dir, "XDG_DATA_HOME=" + dir, "TERM=xterm-256color", "LANG=C.UTF-8",
		"RATCHAT_TEST_KDF=fast", // Argon2id at a test cost: creating keys is not what is tested
	}
	p := tm.start(strings.ToLower(name), env, bin, "--data", filepath.Join(dir, "profile"), "--listen", "127.0.0.1:0")
	return &person{pane: p, name: name}
}

// onboard walks through the first start: name, passphrase twice, then
// reads the invite off the screen and goes on to the main screen.
func (p *person) onboard() {
	p.t.Helper()
	p.waitFor(`Welcome to ratchat`)
	p.typeText(p.name)
	p.keys("Enter")
	p.typeText(passphrase)
	p.keys("Enter")
	p.typeText(passphrase)
	p.keys("Enter")
	_, invite := p.waitFor(transport.InvitePrefix + `[A-Z0-9]+`)
	if _, err := transport.ParseInvite(invite); err != nil {
		p.t.Fatalf("%s: the invite on the screen does not parse: %v", p.name, err)
	}
	p.invite = invite
	p.keys("Enter")
	p.waitFor(`No contacts yet`)
}

// say types a message in the focused composer and sends it.
func (p *person) say(text string) {
	p.t.Helper()
	p.typeText(text)
	p.keys("Enter")
}

// safetyNumberRows matches the three rows of four groups of five digits
// that the verification screen shows.
var safetyNumberRows = regexp.MustCompile(`(?m)\b\d{5} \d{5} \d{5} \d{5}\b`)

// openVerify leaves the composer, opens the verification screen and
// returns the 60 digits shown, and the screen.
func (p *person) openVerify() (digits, screen string) {
	p.t.Helper()
	p.keys("Tab") // composer → contact list: 'v' is no longer text
	p.typeText("v")
	screen, _ = p.waitFor(`(?s)Verify .*(\d{5} \d{5} \d{5} \d{5}.*){3}`)
	rows := safetyNumberRows.FindAllString(screen, -1)
	if len(rows) != 3 {
		p.t.Fatalf("%s: want 3 rows of digits, got %q; the screen:\n%s", p.name, rows, screen)
	}
	digits = strings.ReplaceAll(strings.Join(rows, ""), " ", "")
	if len(digits) != 60 {
		p.t.Fatalf("%s: safety number %q is not 60 digits", p.name, digits)
	}
	return digits, screen
}

// TestTwoPeople is the README's quick start, played by two processes:
// onboarding, invite, add, chat both ways, verification by safety number
// (the same on both screens, its QR code decoded by zbarimg), and the
// verified mark from pasting the other's code.
func TestTwoPeople(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: builds the binary and runs tmux")
	}
	requireTools(t, "tmux", "zbarimg")
	began := time.Now()
	bin := buildBinary(t)
	tm := newTmux(t)
	alice := startPerson(t, tm, bin, "Alice")
	bob := startPerson(t, tm, bin, "Bob")
	alice.onboard()
	bob.onboard()

	alice.keys("BTab") // contact list → composer
	alice.say("/add " + bob.invite + " Bob")
	alice.waitFor(`Bob not verified`)
	alice.say("hello bob, it's alice")
	bob.waitFor(`Alice`)
	bob.keys("Enter") // open the first chat
	bob.waitFor(`Alice: hello bob, it's alice`)
	bob.waitFor(`Message request`) // alice wrote first: a request until bob accepts
	bob.say("/accept")
	bob.waitFor(`Accepted Alice`)
	bob.say("hi alice! bob here")
	alice.waitFor(`Bob: hi alice! bob here`)
	bob.waitFor(`me: hi alice! bob here`)
	saveScreen(t, alice.capture())

	digitsA, screenA := alice.openVerify()
	digitsB, _ := bob.openVerify()
	if digitsA != digitsB {
		t.Fatalf("the safety numbers differ:\nAlice: %s\nBob:   %s", digitsA, digitsB)
	}
	if got, want := decodeScreenQR(t, screenA), "RATCHAT:SN2:"+digitsA; got != want {
		t.Fatalf("QR code on Alice's screen reads %q, want %q", got, want)
	}

	alice.say(groups(digitsB))
	alice.waitFor(`Bob is marked verified`)
	bob.say(groups(digitsA))
	bob.waitFor(`Alice is marked verified`)
	alice.keys("Escape")
	alice.waitFor(`✔`)
	t.Logf("two people onboarded, chatted and verified each other in %v", time.Since(began).Round(time.Millisecond))
}

// groups writes 60 digits as 12 groups of 5, as people read them out.
func groups(digits string) string {
	var g []string
	for i := 0; i < len(digits); i += 5 {
		g = append(g, digits[i:i+5])
	}
	return strings.Join(g, " ")
}

// saveScreen writes a captured screen to $RATCHAT_E2E_SCREEN, if set (the
// README's capture comes from there).
func saveScreen(t *testing.T, screen string) {
	if path := os.Getenv("RATCHAT_E2E_SCREEN"); path != "" {
		if err := os.WriteFile(path, []byte(screen), 0o644); err != nil {
			t.Errorf("saving the screen: %v", err)
		}
	}
}

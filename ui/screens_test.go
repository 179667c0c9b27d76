package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"rsc.io/qr"

	"ratchat/chat"
	"ratchat/keys"
)

// verifyView returns the verification screen for Alice (contact 1, not
// verified), with its safety number loaded.
func verifyView(f *fakeCore) *VerifyView {
	c := f.contacts[0].Contact
	c.Verified = false
	common := testCommon(100, 30)
	common.ScanQR = f.scanQR
	v := NewVerifyView(common, f, c)
	drive(v, v.Init()())
	return v
}

func TestVerifyPastedCode(t *testing.T) {
	tests := []struct {
		name     string
		code     string
		verified bool
		says     string
	}{
		{"matching, with spaces", strings.Join(testSafetyNumber().Groups(), " "), true, "marked verified"},
		{"matching, plain", testSafetyNumber().String(), true, "marked verified"},
		{"one digit off", "1" + testSafetyNumber().String()[1:], false, "do NOT match"},
		// A typo is no "different number" (issue 8, defect 8).
		{"too short", "12345", false, "5 digits, want 60"},
		{"an invite", "RATCHAT1:AFVXYLLLMNK73QRSQZY27ZTXU5KG2XEWPVJSBVL6XHCMNPPE5ZDCGMJSG4XDALRQ", false, "that is an invite"},
	}
	for _, tt := range tests {
		f := newFakeCore()
		v := verifyView(f)
		drive(v, keyMsgs(tt.code, "enter")...)
		if f.verified[1] != tt.verified || !strings.Contains(v.View(), tt.says) {
			t.Errorf("%s: verified %v, want %v; view:\n%s", tt.name, f.verified[1], tt.verified, v.View())
		}
	}
}

func TestVerifyScannedImage(t *testing.T) {
	tests := []struct {
		name, scan string
		verified   bool
		says       string
	}{
		{"our QR", keys.QRPayload(testSafetyNumber()), true, "marked verified"},
		{"another number", keys.QRPayload(keys.SafetyNumber{}), false, "not a ratchat safety number"},
		{"a URL", "https://example.com", false, "not a ratchat safety number"},
		{"nothing found", "", false, "Could not read a QR code"},
	}
	for _, tt := range tests {
		f := newFakeCore()
		f.scan = tt.scan
		v := verifyView(f)
		drive(v, keyMsgs("tab", "/tmp/their-screen.png", "enter")...)
		if f.verified[1] != tt.verified || !strings.Contains(v.View(), tt.says) {
			t.Errorf("%s: verified %v, want %v; view:\n%s", tt.name, f.verified[1], tt.verified, v.View())
		}
	}
}

func TestVerifyMarks(t *testing.T) {
	f := newFakeCore()
	v := verifyView(f)
	drive(v, keyMsgs("alt+v")...)
	if !f.verified[1] || !strings.Contains(v.View(), "✔ Verified") {
		t.Fatalf("alt+v did not mark verified:\n%s", v.View())
	}
	drive(v, keyMsgs("alt+u")...)
	if f.verified[1] || !strings.Contains(v.View(), "Not verified") {
		t.Fatalf("alt+u did not clear the mark:\n%s", v.View())
	}
}

func TestVerifyShowsDigitsAndQR(t *testing.T) {
	v := verifyView(newFakeCore())
	out := v.View()
	for _, g := range testSafetyNumber().Groups() {
		if !strings.Contains(out, g) {
			t.Fatalf("group %s missing:\n%s", g, out)
		}
	}
	if !strings.Contains(out, "█") {
		t.Fatalf("no QR code:\n%s", out)
	}
	v.SetSize(60, 20)
	if out := v.View(); !strings.Contains(out, "enlarge the window") || lipgloss.Width(out) > 60 {
		t.Fatalf("a QR that does not fit is drawn anyway:\n%s", out)
	}
}

func TestRenderQR(t *testing.T) {
	payload := keys.QRPayload(testSafetyNumber())
	tests := []struct {
		name       string
		payload    string
		w, h       int
		err        error
		wantW, wan int
	}{
		{"roomy: quiet zone of 4", payload, 80, 40, nil, 37, 19},
		{"tight: quiet zone of 2", payload, 36, 18, nil, 33, 17},
		{"too small", payload, 30, 40, errQRTooLarge, 0, 0},
		{"too long for any QR code", strings.Repeat("x", 4000), 1000, 1000, errQRTooLong, 0, 0},
	}
	for _, tt := range tests {
		out, err := renderQR(lipgloss.NewStyle(), tt.payload, tt.w, tt.h)
		if err != tt.err {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.err)
			continue
		}
		if err == nil && (lipgloss.Width(out) != tt.wantW || lipgloss.Height(out) != tt.wan) {
			t.Errorf("%s: %d×%d, want %d×%d", tt.name, lipgloss.Width(out), lipgloss.Height(out), tt.wantW, tt.wan)
		}
	}
}

func TestQRColoursAreExplicit(t *testing.T) {
	defer lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetColorProfile(termenv.TrueColor)
	out, err := renderQR(DefaultStyles().QR, keys.QRPayload(testSafetyNumber()), 80, 40)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "38;2;255;255;255") || !strings.Contains(line, "48;2;0;0;0") {
			t.Fatalf("line %d does not set white on black: %q", i, line)
		}
	}
}

func TestReadTicksDifferByShape(t *testing.T) {
	st := DefaultStyles() // the tests' profile has no colours: only shapes differ
	delivered := ticks(st, chat.Message{Direction: chat.Outgoing, Status: chat.StatusDelivered})
	read := ticks(st, chat.Message{Direction: chat.Outgoing, Status: chat.StatusRead})
	if delivered != "✓✓" || read != "●✓" {
		t.Fatalf("delivered %q, read %q; want ✓✓ and ●✓", delivered, read)
	}
	if w := lipgloss.Width(read); w != 2 {
		t.Fatalf("the read mark is %d cells wide, want 2", w)
	}
	if !strings.Contains(NewHelpView(testCommon(100, 40)).View(), "●✓ read") {
		t.Fatal("the help overlay does not explain the read mark")
	}
	if ticks(st, chat.Message{Direction: chat.Incoming, Status: chat.StatusRead}) != "" {
		t.Fatal("ticks on an incoming message")
	}
}

func TestVerifyOtherNumberScanned(t *testing.T) {
	var a, b keys.PrivateKey
	a[7], b[7] = 3, 4
	ka, _ := keys.NewKeyPair(a)
	kb, _ := keys.NewKeyPair(b)
	f := newFakeCore()
	f.scan = keys.QRPayload(keys.NewSafetyNumber(ka.Public, kb.Public))
	v := verifyView(f)
	drive(v, keyMsgs("tab", "/tmp/x.png", "enter")...)
	if f.verified[1] || !strings.Contains(v.View(), "do NOT match") {
		t.Fatalf("a different safety number was accepted:\n%s", v.View())
	}
}

// TestQRRenderingIsFaithful reads the half blocks back into modules and
// compares them with the code rsc.io/qr makes, quiet zone included: what
// the terminal shows is exactly the code, black on white. (zbarimg reads
// a picture of it back to the payload; the end-to-end test does that.)
func TestQRRenderingIsFaithful(t *testing.T) {
	payload := keys.QRPayload(testSafetyNumber())
	code, err := qr.Encode(payload, qrLevel)
	if err != nil {
		t.Fatal(err)
	}
	for _, box := range [][2]int{{80, 40}, {36, 18}} {
		out, err := renderQR(lipgloss.NewStyle(), payload, box[0], box[1])
		if err != nil {
			t.Fatal(err)
		}
		var white [][]bool // white[y][x], two pixel rows per line
		for _, line := range strings.Split(out, "\n") {
			var top, bottom []bool
			for _, r := range line {
				top = append(top, r == '█' || r == '▀')
				bottom = append(bottom, r == '█' || r == '▄')
			}
			white = append(white, top, bottom)
		}
		quiet := (len(white[0]) - code.Size) / 2
		for y := -quiet; y < code.Size+quiet; y++ {
			for x := -quiet; x < code.Size+quiet; x++ {
				want := !code.Black(x, y) // outside the code: quiet zone, white
				if got := white[y+quiet][x+quiet]; got != want {
					t.Fatalf("box %v: module (%d,%d) is white=%v, want %v", box, x, y, got, want)
				}
			}
		}
	}
}

// TestFileTicksFollowState: a file row's marks come from its file's state,
// not from the offer's status (issue 8, defect 4: ✓✓ at 3 %, and ✓✓ on a
// cancelled file).
func TestFileTicksFollowState(t *testing.T) {
	st := DefaultStyles()
	cases := []struct {
		name   string
		state  chat.FileState
		status chat.Status
		want   string
	}{
		{"going, the offer read", chat.FileTransferring, chat.StatusRead, markSent},
		{"going, the offer delivered", chat.FileTransferring, chat.StatusDelivered, markSent},
		{"going, the offer queued", chat.FileTransferring, chat.StatusQueued, markQueued},
		{"complete, the offer delivered", chat.FileComplete, chat.StatusDelivered, markDelivered},
		{"complete, the offer only sent", chat.FileComplete, chat.StatusSent, markDelivered},
		{"complete and read", chat.FileComplete, chat.StatusRead, markRead},
		{"cancelled after the offer was read", chat.FileCancelled, chat.StatusRead, ""},
		{"failed", chat.FileFailed, chat.StatusDelivered, ""},
	}
	for _, c := range cases {
		m := chat.Message{Direction: chat.Outgoing, Status: c.status, File: &chat.FileInfo{State: c.state}}
		if got := ticks(st, m); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

package config

import (
	"errors"
	"strings"
	"testing"
)

// base is the default configuration with a few bindings, as the
// interface fills it.
func base() Config {
	c := Default()
	c.Keys = map[string]KeyList{"send": {"enter"}, "up": {"up", "k"}, "quit": {"ctrl+c"}}
	return c
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		check func(t *testing.T, c Config)
		// wantLines are the lines of the problems, when the file is bad.
		wantLines []int
		wantMsg   string
	}{
		{name: "empty file keeps the defaults", file: "",
			check: func(t *testing.T, c Config) {
				if !c.Notifications.Bell || c.Notifications.Previews || c.Theme.Mode != ModeAuto {
					t.Errorf("defaults changed: %+v", c)
				}
			}},
		{name: "good file", file: `
# ratchat
[notifications]
bell = false
desktop = "both"
previews = true

[receipts]
send = false

[typing]
show = false
`,
			check: func(t *testing.T, c Config) {
				n := c.Notifications
				if n.Bell || n.Desktop != DesktopBoth || !n.Previews || !n.NotifySend {
					t.Errorf("notifications %+v", n)
				}
				if c.Receipts != (Switch{Send: false, Show: true}) || c.Typing != (Switch{Send: true, Show: false}) {
					t.Errorf("receipts %+v typing %+v", c.Receipts, c.Typing)
				}
			}},
		{name: "key binding override", file: "[keys]\nsend = \"ctrl+s\"\nup = [\"up\", \"ctrl+p\"]\n",
			check: func(t *testing.T, c Config) {
				if strings.Join(c.Keys["send"], ",") != "ctrl+s" || strings.Join(c.Keys["up"], ",") != "up,ctrl+p" {
					t.Errorf("keys %v", c.Keys)
				}
				if strings.Join(c.Keys["quit"], ",") != "ctrl+c" {
					t.Errorf("a binding the file does not name changed: %v", c.Keys["quit"])
				}
			}},
		{name: "theme forced with a colour", file: "[theme]\nmode = \"light\"\n[theme.light]\naccent = \"#123\"\n",
			check: func(t *testing.T, c Config) {
				if c.Theme.Mode != ModeLight || c.Theme.Light.Accent != "#123" || c.Theme.Dark != Default().Theme.Dark {
					t.Errorf("theme %+v", c.Theme)
				}
			}},
		// Unknown keys, each with its own line.
		{name: "unknown key with its line", file: "[notifications]\nbell = true\nbel = false\n",
			wantLines: []int{3}, wantMsg: "notifications.bel: unknown key"},
		{name: "unknown table", file: "\n[colours]\naccent = \"#fff\"\n",
			wantLines: []int{2}, wantMsg: "colours: unknown key"},
		{name: "unknown key binding", file: "[keys]\nsend = \"ctrl+s\"\nfly = \"f\"\n",
			wantLines: []int{3}, wantMsg: "keys.fly: unknown key binding"},
		{name: "several problems in line order", file: "[theme]\nmode = \"sepia\"\n[typing]\nsned = true\n",
			wantLines: []int{2, 4}},
		// Wrong types.
		{name: "wrong type", file: "[notifications]\n\nbell = \"yes\"\n",
			wantLines: []int{3}, wantMsg: "bell"},
		{name: "binding not a string", file: "[keys]\nsend = 5\n", wantLines: []int{2}},
		{name: "binding array of numbers", file: "[keys]\nsend = [1]\n", wantLines: []int{2}},
		// Values out of range.
		{name: "bad colour", file: "[theme.dark]\naccent = \"blue\"\n",
			wantLines: []int{2}, wantMsg: "not a colour"},
		{name: "colour number too large", file: "[theme.dark]\naccent = \"256\"\n", wantLines: []int{2}},
		{name: "bad desktop", file: "[notifications]\ndesktop = \"dbus\"\n", wantLines: []int{2}},
		{name: "empty binding", file: "[keys]\nsend = []\n", wantLines: []int{2}},
		{name: "control character in a key", file: "[keys]\nsend = \"\\u001b\"\n", wantLines: []int{2}},
		// The decoder sees the header's end missing at the newline: line 2.
		{name: "syntax error", file: "[notifications\nbell = true\n", wantLines: []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.toml", []byte(tt.file), base())
			if tt.wantLines == nil {
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, c)
				return
			}
			var ce *Error
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v, want a *config.Error", err)
			}
			var lines []int
			for _, p := range ce.Problems {
				lines = append(lines, p.Line)
			}
			if len(lines) != len(tt.wantLines) {
				t.Fatalf("problems %v, want lines %v", ce.Problems, tt.wantLines)
			}
			for i := range lines {
				if lines[i] != tt.wantLines[i] {
					t.Errorf("problem %d on line %d, want %d (%v)", i, lines[i], tt.wantLines[i], ce.Problems[i])
				}
			}
			if !strings.Contains(err.Error(), "test.toml:") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("message %q lacks the file, a line or %q", err, tt.wantMsg)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse("big.toml", make([]byte, MaxSize+1), base())
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

// TestEncodeRoundTrip: what 'ratchat config' prints parses back to itself.
func TestEncodeRoundTrip(t *testing.T) {
	c, err := Parse("a.toml", []byte("[keys]\nsend = \"ctrl+s\"\n[theme]\nmode = \"dark\"\n"), base())
	if err != nil {
		t.Fatal(err)
	}
	out, err := Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("printed.toml", out, base())
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !equal(c, back) {
		t.Fatalf("round trip changed the configuration:\n%s", out)
	}
}

func TestLoadMissing(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(dir+"/none.toml", base(), false)
	if err != nil || !equal(c, base()) {
		t.Fatalf("missing default file: %v", err)
	}
	if _, err := Load(dir+"/none.toml", base(), true); err == nil {
		t.Fatal("a missing file the user named was not reported")
	}
}

func TestPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/x/conf")
	if p, _ := Path(); p != "/x/conf/ratchat/config.toml" {
		t.Errorf("path %q", p)
	}
	t.Setenv("XDG_CONFIG_HOME", "relative")
	t.Setenv("HOME", "/home/u")
	if p, _ := Path(); p != "/home/u/.config/ratchat/config.toml" {
		t.Errorf("path with a relative XDG_CONFIG_HOME: %q", p)
	}
}

// equal compares two configurations.
func equal(a, b Config) bool {
	if len(a.Keys) != len(b.Keys) {
		return false
	}
	for k, v := range a.Keys {
		if strings.Join(v, "\x00") != strings.Join(b.Keys[k], "\x00") {
			return false
		}
	}
	return a.Theme == b.Theme && a.Notifications == b.Notifications &&
		a.Receipts == b.Receipts && a.Typing == b.Typing
}

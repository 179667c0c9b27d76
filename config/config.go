// Package config reads ratchat's configuration file, config.toml: key
// bindings, colours, notifications, read receipts and typing indicators.
//
// # Strictness
//
// The file is parsed strictly: an unknown key, a value of the wrong type
// or out of range is a [Problem] with its line, all of them reported
// together in one [*Error], so that a typo never silently does nothing.
// What the file does not set keeps its default: [Parse] merges the file
// onto a base configuration (usually [Default] with the interface's key
// bindings filled in), and [Encode] prints the result.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/BurntSushi/toml"
)

// MaxSize bounds the configuration file, in bytes: a configuration is a
// few hundred bytes, and nothing larger is read.
const MaxSize = 64 << 10

// maxKeys bounds the keys one binding may have, and maxKeyName a key's
// name ("ctrl+shift+pgdown").
const (
	maxKeys    = 8
	maxKeyName = 32
)

// Config is ratchat's configuration.
type Config struct {
	// Keys maps a binding's name (as the interface names them: "send",
	// "page_up") to the keys that trigger it.
	Keys map[string]KeyList `toml:"keys"`
	// Theme chooses the colours.
	Theme Theme `toml:"theme"`
	// Notifications says how a message for a chat not in view is signalled.
	Notifications Notifications `toml:"notifications"`
	// Receipts switches read receipts: sending ours, showing the contact's.
	Receipts Switch `toml:"receipts"`
	// Typing switches typing indicators, sending and showing.
	Typing Switch `toml:"typing"`
}

// KeyList is the keys of one binding. In the file it is one key
// ("ctrl+s") or an array of keys (["up", "k"]).
type KeyList []string

// Theme chooses a palette: Mode "auto" takes the light or the dark one by
// the terminal's background; "light" and "dark" force one.
type Theme struct {
	Mode  string  `toml:"mode"`
	Light Palette `toml:"light"`
	Dark  Palette `toml:"dark"`
}

// The theme modes.
const (
	ModeAuto  = "auto"
	ModeLight = "light"
	ModeDark  = "dark"
)

// Palette is the colours of one theme, each "#rrggbb", "#rgb" or an ANSI
// colour number "0" to "255".
type Palette struct {
	Accent  string `toml:"accent"`
	Subtle  string `toml:"subtle"`
	Error   string `toml:"error"`
	Success string `toml:"success"`
	Warning string `toml:"warning"`
}

// Notifications says how a new message for a chat not in view is
// signalled.
type Notifications struct {
	// Bell rings the terminal bell.
	Bell bool `toml:"bell"`
	// Desktop is the escape sequence asking the terminal for a desktop
	// notification: "osc777", "osc9", "both" or "off".
	Desktop string `toml:"desktop"`
	// NotifySend runs notify-send too, when it is on the PATH.
	NotifySend bool `toml:"notify_send"`
	// Previews puts the message's text in the notification; off, it says
	// only "New message from NAME".
	Previews bool `toml:"previews"`
}

// The desktop notification sequences.
const (
	DesktopOSC777 = "osc777"
	DesktopOSC9   = "osc9"
	DesktopBoth   = "both"
	DesktopOff    = "off"
)

// Switch turns a feature on for sending and for showing, separately.
type Switch struct {
	Send bool `toml:"send"`
	Show bool `toml:"show"`
}

// Default returns the configuration used where the file says nothing. Its
// Keys is empty: the interface fills in its own bindings.
func Default() Config {
	return Config{
		Keys: map[string]KeyList{},
		Theme: Theme{
			Mode:  ModeAuto,
			Light: Palette{Accent: "#005fd7", Subtle: "#6c6c6c", Error: "#d70000", Success: "#008700", Warning: "#af5f00"},
			Dark:  Palette{Accent: "#5fafff", Subtle: "#8a8a8a", Error: "#ff5f5f", Success: "#5fd75f", Warning: "#ffd75f"},
		},
		Notifications: Notifications{Bell: true, Desktop: DesktopOSC777, NotifySend: true},
		Receipts:      Switch{Send: true, Show: true},
		Typing:        Switch{Send: true, Show: true},
	}
}

// Path returns the default configuration file:
// $XDG_CONFIG_HOME/ratchat/config.toml, or ~/.config/ratchat/config.toml
// when XDG_CONFIG_HOME is unset or relative (as the XDG specification says).
func Path() (string, error) {
	base := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("config: %w", err)
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "ratchat", "config.toml"), nil
}

// Load reads the file at path and merges it onto base ([Parse]). A file
// that does not exist gives base, unless mustExist (a file the user named).
func Load(path string, base Config, mustExist bool) (Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !mustExist {
		return base.clone(), nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(ioLimit(f)); err != nil {
		return Config{}, fmt.Errorf("config: %s: %w", path, err)
	}
	return Parse(path, buf.Bytes(), base)
}

// Parse reads a configuration file's contents and merges it onto base:
// what the file sets replaces base's value, the rest stays. Every problem
// is reported, with its line, in one [*Error]; file names the file in it.
func Parse(file string, data []byte, base Config) (Config, error) {
	if len(data) > MaxSize {
		return Config{}, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, file, MaxSize)
	}
	cfg := base.clone()
	cfg.Keys = map[string]KeyList{}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg)
	if err != nil {
		return Config{}, &Error{File: file, Problems: []Problem{decodeProblem(err)}}
	}
	lines := locate(data)
	var probs []Problem
	reported := map[string]bool{}
	for _, k := range md.Undecoded() {
		if len(k) > 1 && reported[toml.Key(k[:len(k)-1]).String()] {
			continue // inside an unknown table: the table is reported
		}
		reported[k.String()] = true
		probs = append(probs, Problem{Line: lines[k.String()], Key: k.String(), Msg: "unknown key"})
	}
	probs = append(probs, cfg.check(base, lines)...)
	if len(probs) > 0 {
		slices.SortStableFunc(probs, func(a, b Problem) int { return a.Line - b.Line })
		return Config{}, &Error{File: file, Problems: probs}
	}
	merged := base.clone()
	for name, keys := range cfg.Keys {
		merged.Keys[name] = keys
	}
	cfg.Keys = merged.Keys
	return cfg, nil
}

// decodeProblem turns the decoder's error into a Problem with its line.
func decodeProblem(err error) Problem {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return Problem{Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
	}
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	if m := typeError.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Key: m[2], Msg: m[3]}
	}
	return Problem{Msg: msg}
}

// typeError reads the line and key of the decoder's type errors, which it
// gives as text only: `line 3 (last key "a.b"): incompatible types: ...`.
var typeError = regexp.MustCompile(`^line (\d+) \(last key "([^"]*)"\): (.*)$`)

// check reports the values out of range.
func (c *Config) check(base Config, lines map[string]int) []Problem {
	var probs []Problem
	bad := func(key, format string, a ...any) {
		probs = append(probs, Problem{Line: lines[key], Key: key, Msg: fmt.Sprintf(format, a...)})
	}
	for name, keys := range c.Keys {
		k := "keys." + name
		if _, ok := base.Keys[name]; !ok {
			bad(k, "unknown key binding (see 'ratchat config' for the names)")
		} else if err := keys.check(); err != nil {
			bad(k, "%v", err)
		}
	}
	if !slices.Contains([]string{ModeAuto, ModeLight, ModeDark}, c.Theme.Mode) {
		bad("theme.mode", "%q is not auto, light or dark", c.Theme.Mode)
	}
	for _, p := range []struct {
		name string
		p    Palette
	}{{"theme.light", c.Theme.Light}, {"theme.dark", c.Theme.Dark}} {
		for _, f := range p.p.fields() {
			if !validColour(f.value) {
				bad(p.name+"."+f.name, "%q is not a colour (#rrggbb, #rgb or 0-255)", f.value)
			}
		}
	}
	if !slices.Contains([]string{DesktopOSC777, DesktopOSC9, DesktopBoth, DesktopOff}, c.Notifications.Desktop) {
		bad("notifications.desktop", "%q is not osc777, osc9, both or off", c.Notifications.Desktop)
	}
	return probs
}

// check bounds a binding's keys.
func (l KeyList) check() error {
	if len(l) == 0 || len(l) > maxKeys {
		return fmt.Errorf("%d keys (1 to %d)", len(l), maxKeys)
	}
	for _, k := range l {
		if k == "" || len(k) > maxKeyName || strings.IndexFunc(k, unicode.IsControl) >= 0 {
			return fmt.Errorf("%q is not a key name", k)
		}
	}
	return nil
}

// UnmarshalTOML takes one key (a string) or an array of keys.
func (l *KeyList) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*l = KeyList{v}
		return nil
	case []any:
		out := make(KeyList, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("a key is a string, not %T", e)
			}
			out = append(out, s)
		}
		*l = out
		return nil
	}
	return fmt.Errorf("keys are a string or an array of strings, not %T", v)
}

// namedValue is one colour of a palette, with its key.
type namedValue struct{ name, value string }

// fields lists the palette's colours with their keys.
func (p Palette) fields() []namedValue {
	return []namedValue{{"accent", p.Accent}, {"subtle", p.Subtle}, {"error", p.Error},
		{"success", p.Success}, {"warning", p.Warning}}
}

// validColour reports whether s is "#rgb", "#rrggbb" or an ANSI colour 0-255.
func validColour(s string) bool {
	if h, ok := strings.CutPrefix(s, "#"); ok {
		if len(h) != 3 && len(h) != 6 {
			return false
		}
		_, err := strconv.ParseUint(h, 16, 32)
		return err == nil
	}
	n, err := strconv.ParseUint(s, 10, 8)
	return err == nil && n <= 255 && strconv.FormatUint(n, 10) == s
}

// clone copies c, its key map included.
func (c Config) clone() Config {
	keys := make(map[string]KeyList, len(c.Keys))
	for k, v := range c.Keys {
		keys[k] = slices.Clone(v)
	}
	c.Keys = keys
	return c
}

// Encode prints c as TOML, the keys in order.
func Encode(c Config) ([]byte, error) {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return b.Bytes(), nil
}

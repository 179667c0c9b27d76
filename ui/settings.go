package ui

import (
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"ratchat/config"
)

// NewCommonFrom returns a Common set up by the configuration file: its key
// bindings, its theme, and its notification, receipt and typing switches.
func NewCommonFrom(cfg config.Config) Common {
	c := NewCommon()
	c.KeyMap.Apply(cfg.Keys)
	c.Styles = StylesFor(cfg.Theme)
	c.Settings = cfg
	return c
}

// defaultSettings is the configuration without a file.
func defaultSettings() config.Config {
	cfg := config.Default()
	cfg.Keys = DefaultKeyMap().Names()
	return cfg
}

// bindings returns the key map's bindings by their configuration names:
// the field's name in snake case ("PageUp" is "page_up").
func (k *KeyMap) bindings() map[string]*key.Binding {
	out := map[string]*key.Binding{}
	v := reflect.ValueOf(k).Elem()
	for i := range v.NumField() {
		if b, ok := v.Field(i).Addr().Interface().(*key.Binding); ok {
			out[snake(v.Type().Field(i).Name)] = b
		}
	}
	return out
}

// Names returns every binding's keys by its configuration name, for the
// configuration's defaults.
func (k *KeyMap) Names() map[string]config.KeyList {
	out := map[string]config.KeyList{}
	for name, b := range k.bindings() {
		out[name] = config.KeyList(b.Keys())
	}
	return out
}

// Apply sets the bindings the configuration names to its keys; the help
// shows the new keys. Names it does not know are ignored ([config.Parse]
// refuses them first).
func (k *KeyMap) Apply(keys map[string]config.KeyList) {
	all := k.bindings()
	for name, list := range keys {
		b, ok := all[name]
		if !ok || len(list) == 0 || slices.Equal(list, b.Keys()) {
			continue // unknown, or unchanged: its help keeps its arrows
		}
		b.SetKeys(list...)
		b.SetHelp(strings.Join(list, "/"), b.Help().Desc)
	}
}

// snake turns a Go field name into snake case.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// StylesFor returns the style sheet of a theme: in mode auto each colour
// adapts to the terminal's background (lipgloss asks the terminal through
// termenv), light and dark force one palette.
func StylesFor(t config.Theme) *Styles {
	pick := func(light, dark string) lipgloss.TerminalColor {
		switch t.Mode {
		case config.ModeLight:
			return lipgloss.Color(light)
		case config.ModeDark:
			return lipgloss.Color(dark)
		}
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	l, d := t.Light, t.Dark
	return stylesWith(palette{
		subtle: pick(l.Subtle, d.Subtle), accent: pick(l.Accent, d.Accent), red: pick(l.Error, d.Error),
		green: pick(l.Success, d.Success), yellow: pick(l.Warning, d.Warning),
	})
}

package cli

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/api"
	"ratchat/chat"
	"ratchat/config"
	"ratchat/store"
	"ratchat/ui"
)

var uiCommand = &command{
	brief:   "run the interface (onboarding on the first start)",
	name:    "",
	args:    "",
	summary: "Run the interface: onboarding on the first start, then your chats.",
	example: "ratchat --profile work --listen 0.0.0.0:7070 --advertise 192.168.1.20:7070",
	nargs:   [2]int{0, 0},
	run:     runUI,
}

// opener creates or unlocks the profile for the interface, and remembers
// the messenger it opened, so that the command can close it when the
// interface ends. While the interface runs, the messenger answers the api
// socket too, so that other commands work meanwhile.
type opener struct {
	p   chat.Profile
	m   *chat.Messenger
	srv *api.Server
}

// own keeps the messenger the interface runs on and serves its api
// socket. A socket that cannot be made is no reason to refuse the
// interface: the other commands then find the profile locked, as before.
func (o *opener) own(m *chat.Messenger) {
	o.m = m
	srv := api.NewServer(m, api.Config{})
	if srv.Listen() == nil {
		o.srv = srv
	}
}

// close stops serving the socket (removing it), then closes the messenger.
func (o *opener) close() error {
	if o.srv != nil {
		o.srv.Close()
		o.srv = nil
	}
	if o.m == nil {
		return nil
	}
	return o.m.Close()
}

var _ ui.Opener = (*opener)(nil)

// Exists reports whether the profile was created already.
func (o *opener) Exists() (bool, error) { return o.p.Exists() }

// Create makes the profile and keeps its messenger.
func (o *opener) Create(name, passphrase string) (ui.Core, error) {
	m, err := chat.Create(context.Background(), o.p, name, []byte(passphrase))
	if err != nil {
		return nil, err
	}
	o.own(m)
	return m, nil
}

// Unlock opens the profile and keeps its messenger.
func (o *opener) Unlock(passphrase string) (ui.Core, error) {
	m, err := chat.Open(context.Background(), o.p, []byte(passphrase))
	if err != nil {
		return nil, err
	}
	o.own(m)
	return m, nil
}

// runUI runs the interface. With a passphrase from --passphrase-file or
// $RATCHAT_PASSPHRASE, an existing profile opens without the prompt.
func runUI(c *cli, _ []string) error {
	p, err := c.profile()
	if err != nil {
		return err
	}
	// A configuration with a mistake stops the interface before it takes
	// the terminal: the message, with the file and line, stays readable.
	cfg, err := c.config()
	if err != nil {
		return err
	}
	o := &opener{p: withPrivacy(p, cfg)}
	model, err := c.uiModel(o, cfg)
	if err != nil {
		return err
	}
	final, runErr := tea.NewProgram(model, append(ui.ProgramOptions(),
		tea.WithInput(c.stdin), tea.WithOutput(c.stdout))...).Run()
	// A restore replaced the messenger the interface started with
	// (CoreChanged told the opener already; this is a second safeguard).
	if a, ok := final.(interface{ Core() ui.Core }); ok {
		if m, ok := a.Core().(*chat.Messenger); ok && m != nil && m != o.m {
			o.swap(m)
		}
	}
	closeErr := o.close()
	if runErr != nil {
		return fmt.Errorf("interface: %w", runErr)
	}
	return closeErr
}

// uiModel opens the profile first when a passphrase was given without the
// terminal, and otherwise lets the interface ask.
func (c *cli) uiModel(o *opener, cfg config.Config) (tea.Model, error) {
	exists, err := o.Exists()
	if err != nil {
		return nil, err
	}
	if !exists || (c.g.passphraseFile == "" && !hasEnvPassphrase()) {
		return ui.NewApp(c.uiCommon(o, cfg), o), nil
	}
	pass, err := c.passphrase()
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	m, err := chat.Open(context.Background(), o.p, pass)
	if err != nil {
		return nil, err
	}
	o.own(m)
	return ui.NewMainApp(c.uiCommon(o, cfg), m), nil
}

// hasEnvPassphrase reports whether $RATCHAT_PASSPHRASE is set.
func hasEnvPassphrase() bool {
	_, ok := store.PassphraseFromEnv()
	return ok
}

// uiCommon is the interface's shared state: it writes its own escape
// sequences (the clipboard's) where the program writes, and tells the
// opener of a messenger a restore put in place.
func (c *cli) uiCommon(o *opener, cfg config.Config) ui.Common {
	common := ui.NewCommonFrom(cfg)
	common.Terminal = c.stdout
	common.CoreChanged = func(core ui.Core) {
		if m, ok := core.(*chat.Messenger); ok {
			o.swap(m)
		}
	}
	return common
}

// swap takes the messenger a restore opened in place of the one the
// interface had (which the restore closed): the socket answers for it, and
// it is the one closed at the end.
func (o *opener) swap(m *chat.Messenger) {
	o.m = m
	if o.srv != nil {
		o.srv.Swap(m)
	}
}

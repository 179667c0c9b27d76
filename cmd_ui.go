package main

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/app"
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

// keepOpener is an Opener that remembers the core it opened, so that the
// command can close it when the interface ends.
type keepOpener struct {
	*app.Opener
	core *app.Core
}

// Create makes the profile and keeps its core.
func (o *keepOpener) Create(name, passphrase string) (ui.Core, error) {
	c, err := o.CreateCore(name, []byte(passphrase))
	if err != nil {
		return nil, err
	}
	o.core = c
	return c, nil
}

// Unlock opens the profile and keeps its core.
func (o *keepOpener) Unlock(passphrase string) (ui.Core, error) {
	c, err := o.Open([]byte(passphrase))
	if err != nil {
		return nil, err
	}
	o.core = c
	return c, nil
}

// runUI runs the interface. With a passphrase from --passphrase-file or
// $RATCHAT_PASSPHRASE, an existing profile opens without the prompt.
func runUI(c *cli, _ []string) error {
	opts, err := c.options()
	if err != nil {
		return err
	}
	o := &keepOpener{Opener: app.NewOpener(opts)}
	model, err := c.uiModel(o)
	if err != nil {
		return err
	}
	_, runErr := tea.NewProgram(model, append(ui.ProgramOptions(),
		tea.WithInput(c.stdin), tea.WithOutput(c.stdout))...).Run()
	var closeErr error
	if o.core != nil {
		closeErr = o.core.Close()
	}
	if runErr != nil {
		return fmt.Errorf("interface: %w", runErr)
	}
	return closeErr
}

// uiModel opens the profile first when a passphrase was given without the
// terminal, and otherwise lets the interface ask.
func (c *cli) uiModel(o *keepOpener) (tea.Model, error) {
	exists, err := o.Exists()
	if err != nil {
		return nil, err
	}
	if !exists || (c.g.passphraseFile == "" && !hasEnvPassphrase()) {
		return ui.NewApp(ui.NewCommon(), o), nil
	}
	pass, err := c.passphrase()
	if err != nil {
		return nil, err
	}
	core, err := o.Open(pass)
	if err != nil {
		return nil, err
	}
	o.core = core
	return ui.NewMainApp(ui.NewCommon(), core), nil
}

// hasEnvPassphrase reports whether $RATCHAT_PASSPHRASE is set.
func hasEnvPassphrase() bool {
	_, ok := store.PassphraseFromEnv()
	return ok
}
